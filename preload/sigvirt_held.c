/* Signals of the shim's number that arrive while the thread has it virtually blocked,
 * with their siginfo, in order: raised again as they came when it unblocks it, shown by
 * sigpending, taken by sigwait & co.  Per thread (the kernel would hold a signal sent to
 * the process for any thread that unblocks it; here the thread it reached keeps it), and
 * bounded: past TS_VQ_MAX held signals, later ones are dropped, as the kernel refuses
 * sigqueue past the queue limit.  Only this thread touches its queue: the handler pushes,
 * and the program's side takes with the real signal blocked. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
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
static __thread struct {
	unsigned n;
	struct vsig q[TS_VQ_MAX];
} vq __attribute__((tls_model("initial-exec")));

void ts_held_clear(void)
{
	vq.n = 0;
}

void ts_held_push(const siginfo_t *si)
{
	if (vq.n < TS_VQ_MAX) {
		struct vsig *v = &vq.q[vq.n];
		v->code = si->si_code;
		v->pid = si->si_pid;
		v->uid = si->si_uid;
		v->value = si->si_value;
		__atomic_store_n(&vq.n, vq.n + 1, __ATOMIC_RELAXED);
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
	int got = 0;
	if (!__atomic_load_n(&vq.n, __ATOMIC_RELAXED))
		return 0;
	ts_raw_mask(SIG_BLOCK, ts_signal);
	if (vq.n) {
		vq_info(&vq.q[0], si);
		memmove(&vq.q[0], &vq.q[1], (vq.n - 1) * sizeof vq.q[0]);
		vq.n--;
		got = 1;
	}
	ts_raw_mask(SIG_UNBLOCK, ts_signal);
	return got;
}

/* Raise the held signals again, in order, with their siginfo: delivered (to the
 * program's disposition, the thread no longer blocking it) before this returns, as a
 * signal the kernel held is once unblocked. */
void ts_held_release(void)
{
	long pid = ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0), tid = ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	ts_raw_mask(SIG_BLOCK, ts_signal);
	for (unsigned i = 0; i < vq.n; i++) {
		siginfo_t si;
		vq_info(&vq.q[i], &si);
		ts_sys(SYS_rt_tgsigqueueinfo, pid, tid, ts_signal, (long)&si, 0, 0);
	}
	vq.n = 0;
	ts_raw_mask(SIG_UNBLOCK, ts_signal);
}

int ts_held_count(void)
{
	return (int)__atomic_load_n(&vq.n, __ATOMIC_RELAXED);
}
