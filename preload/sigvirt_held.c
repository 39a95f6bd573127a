/* Signals of the shim's number that arrive while the thread has it virtually blocked,
 * with their siginfo, in order: raised again as they came when it unblocks it, shown by
 * sigpending, taken by sigwait & co.  Per thread (the kernel would hold a signal sent to
 * the process for any thread that unblocks it; here the thread it reached keeps it), and
 * bounded: past TS_VQ_MAX held signals, later ones are dropped, as the kernel refuses
 * sigqueue past the queue limit.  Only this thread touches its queue: the handler pushes,
 * and the program's side takes with the real signal blocked.
 *
 * The queue is rare (a signal of that number from someone else, while the program blocks
 * it) and 392 bytes: it is not in every thread's static TLS but mapped by the handler
 * at the first signal held (mmap is async-signal-safe; where it fails the signal is
 * dropped, as past the bound), and unmapped when the thread leaves the registry
 * (registry.c), or in a fork child for the threads the child does not have.  A thread
 * that never registered keeps its page. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include "pages.h"
#include "send.h"
#include "sigvirt.h"
#include "sigvirt_held.h"

#define TS_VQ_MAX 16
struct vsig {
	int code;
	pid_t pid;
	uid_t uid;
	union sigval value;
};
struct ts_held {
	unsigned n;
	struct vsig q[TS_VQ_MAX];
};

/* This thread's queue, or 0 while it never held one.  (Relaxed: the handler that maps
 * it runs in this thread, maybe between two of the program side's loads.) */
static struct ts_held *queue(void)
{
	return __atomic_load_n(&ts_tls.held, __ATOMIC_RELAXED);
}

void ts_held_clear(void)
{
	struct ts_held *q = queue();
	if (q)
		q->n = 0;
}

void ts_held_free(struct ts_thread *t)
{
	struct ts_held *q = __atomic_exchange_n(&t->held, 0, __ATOMIC_RELAXED);
	ts_pages_free(q, sizeof *q);
}

void ts_held_push(const siginfo_t *si)
{
	struct ts_held *q = queue();
	if (!q) {
		q = ts_pages(sizeof *q);
		if (!q)
			return;
		__atomic_store_n(&ts_tls.held, q, __ATOMIC_RELAXED);
	}
	if (q->n < TS_VQ_MAX) {
		struct vsig *v = &q->q[q->n];
		v->code = si->si_code;
		v->pid = si->si_pid;
		v->uid = si->si_uid;
		v->value = si->si_value;
		__atomic_store_n(&q->n, q->n + 1, __ATOMIC_RELAXED);
	}
}

static void vq_info(const struct vsig *v, siginfo_t *si)
{
	memset(si, 0, sizeof *si);
	si->si_signo = ts_signal;
	si->si_code = v->code;
	si->si_pid = v->pid;
	si->si_uid = v->uid;
	si->si_value = v->value;
}

/* sigwait & co.: take the oldest held signal, if any, into *si.  Returns 1 if taken. */
int ts_sigvirt_take(siginfo_t *si)
{
	struct ts_held *q = queue();
	int got = 0;
	if (!q || !__atomic_load_n(&q->n, __ATOMIC_RELAXED))
		return 0;
	ts_raw_mask(SIG_BLOCK, ts_signal);
	if (q->n) {
		vq_info(&q->q[0], si);
		memmove(&q->q[0], &q->q[1], (q->n - 1) * sizeof q->q[0]);
		q->n--;
		got = 1;
	}
	ts_raw_mask(SIG_UNBLOCK, ts_signal);
	return got;
}

/* Raise the held signals again, in order, with their siginfo: delivered (to the
 * program's disposition, the thread no longer blocking it) before this returns, as a
 * signal the kernel held is once unblocked.  (The page stays: a thread that held one
 * signal may well hold more.) */
void ts_held_release(void)
{
	struct ts_held *q = queue();
	long pid, tid;
	if (!q)
		return;
	pid = ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	tid = ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	ts_raw_mask(SIG_BLOCK, ts_signal);
	for (unsigned i = 0; i < q->n; i++) {
		siginfo_t si;
		vq_info(&q->q[i], &si);
		ts_sys(SYS_rt_tgsigqueueinfo, pid, tid, ts_signal, (long)&si, 0, 0);
	}
	q->n = 0;
	ts_raw_mask(SIG_UNBLOCK, ts_signal);
}

int ts_held_count(void)
{
	struct ts_held *q = queue();
	return q ? (int)__atomic_load_n(&q->n, __ATOMIC_RELAXED) : 0;
}
