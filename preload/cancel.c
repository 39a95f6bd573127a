/* The cancel signal and the stop protocol between a stopper and its target.
 *
 * A stopper sets bits in the target's token, then makes sure the target sees them:
 *  - in a syscall (ts_syscall_cp): the cancel signal; the handler moves a PC inside the
 *    check-to-syscall window to the cancel exit, and -EINTR with a stop means cancelled;
 *  - in a condition wait: a broadcast of the condition it registered, repeated until it
 *    leaves that wait, without ever touching a condition it may have destroyed since.
 * The target publishes "I am in call X" with plain stores and then loads its token; the
 * stopper stores the token and then loads "call X".  That store-load pair needs a full
 * barrier on both sides; membarrier() gives the target's side from the stopper's, so the
 * target's fast path stays barrier-free. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "threadstop.h"
#include "ts.h"
#include "python.h"

static int barrier_ok;

void ts_cancel_init(void)
{
	barrier_ok = ts_sys(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) == 0;
}

void ts_barrier(void)
{
	if (!barrier_ok || ts_sys(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) != 0) {
		barrier_ok = 0;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

void ts_exit_forced(struct ts_thread *t)
{
	/* Cleanup handlers and destructors may make interposed calls: they must fail, not
	 * block and not exit a second time. */
	__atomic_fetch_or(&t->stop, TS_STOP, __ATOMIC_RELAXED);
	__atomic_fetch_and(&t->stop, ~TS_FORCE, __ATOMIC_RELAXED);
	t->call = TS_C_none;
	pthread_exit(PTHREAD_CANCELED);
}

/* An interposed call found its token nonzero. */
int ts_slow(struct ts_thread *t)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (s & TS_NEW) {
		ts_register(t);
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	if (s & (TS_NEW | TS_DEAD))
		return TS_PASS;
	if (s & TS_PCANCEL) {
		/* The program cancelled this thread (pthread_cancel): act as glibc's own
		 * wrapper would at this cancellation point. */
		__atomic_fetch_and(&t->stop, ~TS_PCANCEL, __ATOMIC_RELAXED);
		pthread_testcancel();
		/* Still here: cancellation is disabled.  It acts once re-enabled. */
		t->pcancel_held = 1;
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	if (s & TS_FORCE) {
		/* Never pthread_exit a thread with a Python thread state: it unwinds with
		 * threadstop.Forced instead (python.c). */
		if (ts_py_thread())
			return TS_CANCEL;
		ts_exit_forced(t);
	}
	return s & TS_STOP ? TS_CANCEL : TS_GO;
}

/* One broadcast of the condition t waits on, if a stop with `bits` fails that wait.
 * Returns 1 while t is still in that wait.  Registry locked. */
static int cond_kick(struct ts_thread *t, unsigned bits)
{
	pthread_cond_t *c = __atomic_load_n(&t->cond, __ATOMIC_ACQUIRE), *busy = TS_COND_BUSY;
	if (!c || c == TS_COND_BUSY)
		return 0;
	if (!(bits & TS_FORCE) && __atomic_load_n(&t->cond_immune, __ATOMIC_RELAXED))
		return 0;
	/* While the slot holds BUSY the waiter cannot return, so c stays alive. */
	if (!__atomic_compare_exchange_n(&t->cond, &c, TS_COND_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	REAL(pthread_cond_broadcast)(c);
	if (__atomic_compare_exchange_n(&t->cond, &busy, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 1;
	/* The waiter left meanwhile and is waiting for us to let go of c. */
	__atomic_store_n(&t->cond_done, 1, __ATOMIC_RELEASE);
	ts_sys(SYS_futex, (long)&t->cond_done, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	return 0;
}

/* The waiter's side of cond_kick: leave the slot; if a stopper is broadcasting our
 * condition right now, wait until it is done, since the caller may destroy it. */
void ts_cond_leave(struct ts_thread *t)
{
	if (likely(__atomic_exchange_n(&t->cond, 0, __ATOMIC_ACQ_REL) != TS_COND_BUSY))
		return;
	while (!__atomic_load_n(&t->cond_done, __ATOMIC_ACQUIRE))
		ts_sys(SYS_futex, (long)&t->cond_done, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	t->cond_done = 0;
}

int ts_mark(struct ts_thread *t, unsigned bits)
{
	return __atomic_fetch_or(&t->stop, bits, __ATOMIC_SEQ_CST);
}

/* The system call thread tid is blocked in, from /proc (-1: running or unknown), and its
 * first two arguments.  Raw syscalls: this runs in stoppers and in the control thread. */
long ts_blocked_syscall(pid_t tid, long args[2])
{
	char path[48], buf[256], *p = buf, *end;
	long fd, n, nr;
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	fd = ts_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -1;
	n = ts_sys(SYS_read, fd, (long)buf, sizeof buf - 1, 0, 0, 0);
	ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	nr = strtol(p, &end, 10);
	if (end == p || nr < 0)
		return -1; /* "running" */
	args[0] = strtol(end, &p, 16);
	args[1] = strtol(p, &end, 16);
	return nr;
}

/* A registered thread outside our wrappers, asleep in a system call a stop may end. */
static int foreign_blocked(const struct ts_thread *t)
{
	long args[2] = { 0, 0 }, nr;
	if (__atomic_load_n(&t->call, __ATOMIC_RELAXED) != TS_C_none)
		return 0;
	nr = ts_blocked_syscall(t->tid, args);
	return nr >= 0 && ts_foreign_stoppable(nr, args[1]);
}

/* After ts_mark() and ts_barrier(): wake t if it sits in a call a stop with these bits
 * ends.  Returns nonzero when the wake-up must be repeated until t has left that call
 * (ts_kick_more): condition waits, glibc waits, glibc-internal system calls. */
int ts_kick(struct ts_thread *t, unsigned bits)
{
	int call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	if (t == &ts_tls)
		return 0;
	if (call == TS_C_none) {
		if (!(bits & TS_STOPPED) || !foreign_blocked(t)) {
			if (!barrier_ok)
				ts_send(t);
			return 0;
		}
		ts_send(t);
		return 1;
	}
	switch (ts_call_kind[call]) {
	case TS_K_COND:
		return (bits & TS_STOPPED) && cond_kick(t, bits);
	case TS_K_WAIT:
		if (!(bits & TS_STOPPED) || (!(bits & TS_FORCE) && t->cond_immune))
			return 0;
		ts_send(t);
		return 1;
	}
	ts_send(t);
	return 0;
}

/* A single wake-up can come too early: a condition waiter registers just before it
 * enters glibc's wait, a signal can land in glibc's code just before its futex or read
 * system call.  So wake again, backing off (20 us doubling to 2 ms), until the thread has
 * left the call it was in, for at most about 200 ms; after that the stop stays pending
 * and shows at its next interposed call. */
void ts_kick_more(pid_t tid, unsigned bits, unsigned seq)
{
	long delay = 20000, total = 0;
	struct ts_thread *t;
	int more;
	do {
		struct timespec ts = { 0, delay };
		ts_sys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
		total += delay;
		if (delay < 2000000)
			delay *= 2;
		ts_registry_lock();
		t = ts_find_tid(tid);
		more = 0;
		/* Only while it is still in the call it was in at the first kick (the same
		 * seq), and still stopped: a thread that cleared its stop and waits again must
		 * not get broadcasts or signals meant for the old wait. */
		if (t && __atomic_load_n(&t->seq, __ATOMIC_RELAXED) == seq &&
		    (__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & TS_STOPPED)) {
			int c = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
			if (c != TS_C_none && ts_call_kind[c] == TS_K_COND)
				more = cond_kick(t, bits);
			else if (c != TS_C_none || foreign_blocked(t)) {
				ts_send(t);
				more = 1;
			}
		}
		ts_registry_unlock();
	} while (more && total < 200000000);
}

static int cmp_tid_idx(const void *a, const void *b, void *tids)
{
	pid_t x = ((const pid_t *)tids)[*(const int *)a], y = ((const pid_t *)tids)[*(const int *)b];
	return (x > y) - (x < y);
}

/* Find the registry entries of tids[0..n) in one walk of the registry (registry locked):
 * each entry lives in its own thread's TLS, so every entry visited costs a cache and TLB
 * miss, and a walk per tid made stopping 1,000 threads take 50 ms.  With the tids sorted
 * (through an index), a walk matches each entry by binary search.  Returns -1 when out
 * of memory (the caller then looks each tid up on its own). */
static int find_tids(const pid_t *tids, int n, struct ts_thread **tp)
{
	int stack[64], *idx = n <= 64 ? stack : malloc((size_t)n * sizeof *idx);
	struct ts_thread *t;
	int i;
	if (!idx)
		return -1;
	for (i = 0; i < n; i++) {
		idx[i] = i;
		tp[i] = 0;
	}
	qsort_r(idx, (size_t)n, sizeof *idx, cmp_tid_idx, (void *)tids);
	for (t = ts_registry_first(); t; t = t->next) {
		int lo = 0, hi = n;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (tids[idx[mid]] < t->tid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && tids[idx[lo]] == t->tid; lo++)
			tp[idx[lo]] = t;
	}
	if (idx != stack)
		free(idx);
	return 0;
}

/* Stop the registered threads whose tids are listed: mark them all, one barrier, then
 * wake each.  ok[i] says whether tids[i] was found.  Returns how many were. */
int ts_stop_tids(const pid_t *tids, int n, unsigned flags, unsigned char *ok)
{
	unsigned bits = TS_STOP | (flags & THREAD_STOP_FORCE ? TS_FORCE : 0);
	struct ts_thread *one, **tp = n <= 1 ? &one : malloc((size_t)n * (sizeof *tp + sizeof(unsigned)));
	unsigned seq1 = 0, *seqs = n <= 1 ? &seq1 : tp ? (unsigned *)(tp + n) : 0;
	int i, found = 0, conds = 0, each = !tp;
	ts_registry_lock();
	if (n == 1)
		one = ts_find_tid(tids[0]);
	else if (tp && find_tids(tids, n, tp))
		each = 1;
	for (i = 0; i < n; i++) {
		struct ts_thread *t = each ? ts_find_tid(tids[i]) : tp[i];
		ok[i] = t != 0;
		ts_debug("threadstop: %s tid %d: %s\n", flags & THREAD_STOP_FORCE ? "force-stop" : "stop", (int)tids[i],
			 !t ? "no such thread" : t->call ? ts_call_name[t->call] : "not in a blocking call");
		if (t) {
			ts_mark(t, bits);
			found++;
		}
	}
	ts_barrier();
	for (i = 0; i < n; i++) {
		struct ts_thread *t = ok[i] ? (each ? ts_find_tid(tids[i]) : tp[i]) : 0;
		if (t && ts_kick(t, bits)) {
			ok[i] = 2, conds++;
			if (seqs)
				seqs[i] = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
		}
	}
	ts_registry_unlock();
	for (i = 0; conds && i < n; i++)
		if (ok[i] == 2) {
			ts_kick_more(tids[i], bits, seqs ? seqs[i] : 0);
			ok[i] = 1;
			conds--;
		}
	if (tp && tp != &one)
		free(tp); /* (seqs lives in the same block) */
	return found;
}

TS_EXPORT int thread_stop_tid(pid_t tid, unsigned flags)
{
	unsigned char ok;
	if (flags & ~THREAD_STOP_FORCE) {
		errno = EINVAL;
		return -1;
	}
	if (!ts_stop_tids(&tid, 1, flags, &ok)) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

TS_EXPORT int thread_stop_pending(void)
{
	return (__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED) & TS_STOPPED) != 0;
}

TS_EXPORT void thread_stop_clear(void)
{
	__atomic_fetch_and(&ts_tls.stop, ~TS_STOPPED, __ATOMIC_RELAXED);
	ts_py_forced = 0; /* a forced Python thread's later lock waits raise Forced no more */
}
