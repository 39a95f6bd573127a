/* The stopper side of a stop: mark the target's token, one barrier, then make sure the
 * target sees the mark.
 *  - in a syscall (ts_syscall_cp): the cancel signal (send.c); the handler (cancel.c)
 *    moves a PC inside the check-to-syscall window to the cancel exit;
 *  - in a condition wait: a broadcast of the condition it registered, repeated until it
 *    leaves that wait, without ever touching a condition it may have destroyed since;
 *  - in a semaphore wait or a system call of glibc's own (foreign.c): the signal,
 *    repeated until it leaves that call.
 * The target publishes "I am in call X" with plain stores and then loads its token; the
 * stopper stores the token and then loads "call X".  That store-load pair needs a full
 * barrier on both sides; membarrier() gives the target's side from the stopper's, so the
 * target's fast path stays barrier-free. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "calls.h"
#include "foreign.h"
#include "log.h"
#include "pages.h"
#include "send.h"
#include "stop.h"

static int barrier_ok;
static int seccomp_filtered;

int ts_seccomp_filtered(void) { return seccomp_filtered; }

/* Does a seccomp filter watch this process ("Seccomp: 2" in /proc/self/status)?  A
 * filter may kill on a system call it was not written for, and no probe of that call can
 * be safe; so under a filter the shim makes only the calls any glibc program makes. */
static int seccomp_mode(void)
{
	char buf[2048];
	long fd = ts_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY | O_CLOEXEC, 0, 0, 0), n, k = 0;
	const char *p;
	if (fd < 0)
		return -1;
	while (k < (long)sizeof buf - 1 && (n = ts_sys(SYS_read, fd, (long)buf + k, (long)sizeof buf - 1 - k, 0, 0, 0)) > 0)
		k += n;
	ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	buf[k] = 0;
	p = strstr(buf, "\nSeccomp:");
	if (!p)
		return -1;
	for (p += 9; *p == ' ' || *p == '\t'; p++)
		;
	return *p - '0';
}

/* membarrier makes the stopper's barrier cover the targets' fast path; without it (old
 * kernel, or a seccomp filter, which might kill on it) every registered thread a stop
 * aims at is signalled instead, in a call or not. */
void ts_stop_init(void)
{
	int mode = seccomp_mode();
	seccomp_filtered = mode == 2;
	if (seccomp_filtered) {
		ts_debug("threadstop: seccomp filter: no membarrier (stopped threads are signalled in or out of a call); a refused signal is reported as not delivered\n");
		return;
	}
	barrier_ok = ts_sys(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) == 0;
	if (!barrier_ok)
		ts_debug("threadstop: no membarrier: stopped threads are signalled in or out of a call\n");
}

void ts_barrier(void)
{
	if (!barrier_ok || ts_sys(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) != 0) {
		barrier_ok = 0;
#ifdef __SANITIZE_THREAD__
		{ /* (ThreadSanitizer has no fences: a locked instruction, the same on x86_64) */
			static int dummy;
			__atomic_fetch_add(&dummy, 0, __ATOMIC_SEQ_CST);
		}
#else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
	}
}

/* One broadcast of the condition t waits on, if a stop with `bits` fails that wait.
 * Returns 1 while t is still in that wait.  Registry locked. */
static int cond_kick(struct ts_thread *t, unsigned bits)
{
	pthread_cond_t *c = __atomic_load_n(&t->cond, __ATOMIC_ACQUIRE), *busy = TS_COND_BUSY;
	if (!c || c == TS_COND_BUSY)
		return 0;
	if (!(bits & TS_FORCE) && __atomic_load_n(&t->immune, __ATOMIC_RELAXED))
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

int ts_mark(struct ts_thread *t, unsigned bits)
{
	if (bits & TS_STOP_BITS) { /* a new stop: its refusals count afresh (cancel.c) */
		__atomic_store_n(&t->force_refused, 0, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->gen, 1, __ATOMIC_SEQ_CST);
	}
	return __atomic_fetch_or(&t->stop, bits, __ATOMIC_SEQ_CST);
}

/* After ts_mark() and ts_barrier(): wake t if it sits in a call a stop with these bits
 * ends.  Returns 1 when the wake-up must be repeated until t has left that call
 * (ts_kick_more): condition waits, glibc waits, glibc-internal system calls;
 * TS_KICK_REFUSED when the signal that would interrupt its call was refused. */
static int kick_call(struct ts_thread *t, unsigned bits, int call)
{
	if (t == &ts_tls)
		return 0;
	if (call == TS_C_none) {
		if (!(bits & TS_STOP_BITS) || !ts_foreign_blocked(t)) {
			/* (without the barrier it may be entering a call: a refused signal then
			 * leaves the stop for its next call, which is no failure to report) */
			if (!barrier_ok)
				ts_send(t);
			return 0;
		}
		return ts_send(t) ? TS_KICK_REFUSED : 1;
	}
	switch (ts_call_kind[call]) {
	case TS_K_COND:
		return (bits & TS_STOP_BITS) && cond_kick(t, bits);
	case TS_K_WAIT:
		if (!(bits & TS_STOP_BITS) || (!(bits & TS_FORCE) && __atomic_load_n(&t->immune, __ATOMIC_RELAXED)))
			return 0;
		return ts_send(t) ? TS_KICK_REFUSED : 1;
	}
	return ts_send(t) ? TS_KICK_REFUSED : 0;
}

int ts_kick(struct ts_thread *t, unsigned bits)
{
	return kick_call(t, bits, __atomic_load_n(&t->call, __ATOMIC_RELAXED));
}

/* ts_kick() after ts_mark(), with the barrier only when it is needed.  A thread seen
 * inside a call (after its mark) gets the signal or the broadcast whatever it does next:
 * the handler or its next look at the token comes after the mark.  Only a thread seen
 * outside every call may be just entering one without seeing its token yet: for it, the
 * barrier, and a second look.  So stopping threads blocked in calls costs no
 * membarrier (an IPI to every CPU running the process). */
static int kick_lazy(struct ts_thread *t, unsigned bits, int *barrier_done)
{
	int call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	if (call == TS_C_none && !*barrier_done) {
		ts_barrier();
		*barrier_done = 1;
		call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	}
	return kick_call(t, bits, call);
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
		    (__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & TS_STOP_BITS)) {
			int c = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
			if (c != TS_C_none && ts_call_kind[c] == TS_K_COND)
				more = cond_kick(t, bits);
			else if (c != TS_C_none || ts_foreign_blocked(t)) {
				ts_send(t);
				more = 1;
			}
		}
		ts_registry_unlock();
	} while (more && total < 200000000);
}

/* Stop the registered threads whose tids are listed: mark them all, then wake each (one
 * barrier, only if one is seen outside every call: kick_lazy).  flags: TS_FORCE or 0.
 * ok[i]: 0 tids[i] was not found, 1 stopped, TS_STOP_UNDELIVERED marked but blocked
 * where only the signal reaches it, and the signal was refused (a seccomp filter): it
 * stays blocked, and sees the stop at its next interposed call.  Returns how many were
 * found. */
int ts_stop_tids(const pid_t *tids, int n, unsigned flags, unsigned char *ok)
{
	unsigned bits = TS_STOP | (flags & TS_FORCE);
	/* The seq of each thread to wake again (ts_kick_more), in the order of tids: few
	 * (condition and glibc waits), so an array on the stack, and pages only past it.
	 * Nothing else is allocated: an mmap, and above all the munmap (a TLB shootdown that
	 * interrupts every CPU running the process, the woken threads' among them), would
	 * cost more than the three O(1) look-ups per tid (registry.c's index). */
	unsigned few[16], *seqs = few, cap = sizeof few / sizeof *few;
	size_t bytes = 0;
	int i, j, found = 0, conds = 0, barrier_done = 0;
	ts_registry_lock();
	for (i = 0; i < n; i++) {
		struct ts_thread *t = ts_find_tid(tids[i]);
		ok[i] = t != 0;
		ts_debug("threadstop: %s tid %d: %s\n", flags & TS_FORCE ? "force-stop" : "stop", (int)tids[i],
			 !t ? "no such thread" : t->call ? ts_call_name[t->call] : "not in a blocking call");
		if (t) {
			ts_mark(t, bits);
			found++;
		}
	}
	for (i = 0; i < n; i++) {
		struct ts_thread *t = ok[i] ? ts_find_tid(tids[i]) : 0;
		int k = t ? kick_lazy(t, bits, &barrier_done) : 0;
		if (k == TS_KICK_REFUSED) {
			ok[i] = TS_STOP_UNDELIVERED;
			ts_debug("threadstop: tid %d: the cancel signal was refused (seccomp?): stop not delivered\n", (int)tids[i]);
		} else if (k) {
			if (conds == (int)cap && seqs == few) {
				unsigned *more = ts_pages(bytes = (size_t)n * sizeof *seqs);
				if (more) {
					__builtin_memcpy(more, few, sizeof few);
					seqs = more;
					cap = (unsigned)n;
				}
			}
			if (conds < (int)cap) { /* (else, out of memory: one wake-up only) */
				ok[i] = 2;
				seqs[conds++] = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
			}
		}
	}
	ts_registry_unlock();
	for (i = 0, j = 0; j < conds; i++)
		if (ok[i] == 2) {
			ts_kick_more(tids[i], bits, seqs[j++]);
			ok[i] = 1;
		}
	if (seqs != few)
		ts_pages_free(seqs, bytes);
	return found;
}
