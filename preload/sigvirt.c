/* The program's view of the shim's signal: hidden, as glibc hides its own internal
 * signals.
 *
 * The program sees a virtual disposition and a virtual per-thread mask bit for that
 * signal number: sigaction/signal/sigset & co. read and write the virtual disposition,
 * sigprocmask/pthread_sigmask never really block the signal but report it blocked where
 * the program blocked it.  The real handler (cancel.c) passes signals it did not send to
 * the virtual disposition; one that arrives while the thread has it virtually blocked is
 * held and raised again when the thread unblocks it. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "calls.h"
#include "registry.h"
#include "send.h"
#include "sigvirt.h"

/* The virtual disposition, read by the handler without a lock: two slots, the index of
 * the current one, and a sequence number per slot, odd while the slot is written (a
 * seqlock per slot).  A writer fills the slot that is not current and then makes it
 * current, so a handler that interrupts a write in its own thread reads the other slot
 * and never waits.  A reader in another thread that raced a write to the slot it read
 * (two writes during its copy) sees the slot's number change, and copies again.
 * Every word is stored with release and loaded with acquire (plain moves on x86_64):
 * a reader that read a word of a write then sees that write's odd number, and no copy is
 * a data race in C11's sense.
 *
 * Writers serialise on a spin word, taken with every signal blocked, so that no handler
 * (the program's, through ours) runs in a thread that holds it: the handler's own write
 * (SA_RESETHAND) can wait for it.  fork.c takes it too; the child resets it. */
#define PROG_WORDS (sizeof(struct sigaction) / sizeof(unsigned long))
static unsigned long prog[2][PROG_WORDS];
static unsigned prog_seq[2];
static int prog_cur;
static int prog_busy;
static sigset_t fork_saved; /* the forking thread's mask, while fork.c holds the lock */

static void prog_get(struct sigaction *act)
{
	unsigned long w[PROG_WORDS];
	unsigned s1, s2;
	int i;
	do {
		i = __atomic_load_n(&prog_cur, __ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&prog_seq[i], __ATOMIC_ACQUIRE);
		for (size_t k = 0; k < PROG_WORDS; k++)
			w[k] = __atomic_load_n(&prog[i][k], __ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&prog_seq[i], __ATOMIC_RELAXED);
	} while ((s1 & 1) || s1 != s2);
	memcpy(act, w, sizeof *act);
}

/* Writer lock held. */
static void prog_put(const struct sigaction *act)
{
	unsigned long w[PROG_WORDS];
	int i = !__atomic_load_n(&prog_cur, __ATOMIC_RELAXED);
	unsigned s = __atomic_load_n(&prog_seq[i], __ATOMIC_RELAXED);
	memcpy(w, act, sizeof w);
	__atomic_store_n(&prog_seq[i], s + 1, __ATOMIC_RELAXED);
	for (size_t k = 0; k < PROG_WORDS; k++)
		__atomic_store_n(&prog[i][k], w[k], __ATOMIC_RELEASE);
	__atomic_store_n(&prog_seq[i], s + 2, __ATOMIC_RELEASE);
	__atomic_store_n(&prog_cur, i, __ATOMIC_RELEASE);
}

static void all_signals(int how, const sigset_t *set, sigset_t *old)
{
	ts_sys(SYS_rt_sigprocmask, how, (long)set, (long)old, _NSIG / 8, 0, 0);
}

/* With every signal blocked (the caller saved its mask in *old). */
static void prog_lock(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	all_signals(SIG_BLOCK, &all, old);
	while (__atomic_exchange_n(&prog_busy, 1, __ATOMIC_ACQUIRE))
		ts_sys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static void prog_unlock(const sigset_t *old)
{
	__atomic_store_n(&prog_busy, 0, __ATOMIC_RELEASE);
	all_signals(SIG_SETMASK, old, 0);
}

static void prog_set(const struct sigaction *act)
{
	sigset_t old;
	prog_lock(&old);
	prog_put(act);
	prog_unlock(&old);
}

/* fork.c: no write in progress while the address space is copied. */
void ts_sigvirt_lock(void)
{
	sigset_t old;
	prog_lock(&old);
	fork_saved = old;
}

void ts_sigvirt_unlock(void)
{
	sigset_t old = fork_saved;
	prog_unlock(&old);
}

/* The child: no write in progress, and no signal pending (the kernel does not pass
 * pending signals to a child either). */
static void vq_clear(void);

void ts_sigvirt_fork_child(void)
{
	vq_clear();
	ts_sigvirt_unlock();
}

void ts_sigvirt_init(void)
{
	struct sigaction cur;
	sigset_t mask;
	memset(&cur, 0, sizeof cur);
	/* Whatever was there before us (SIG_IGN inherited across exec) is the program's. */
	if (REAL(sigaction)(ts_signal, 0, &cur) == 0)
		prog_set(&cur);
	if (ts_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, _NSIG / 8, 0, 0) == 0 && sigismember(&mask, ts_signal)) {
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, ts_signal);
		ts_tls.sig_blocked = 1;
		ts_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&one, 0, _NSIG / 8, 0, 0);
	}
}

/* Can the first _NSIG / 8 bytes of set be read?  rt_sigprocmask with an invalid `how`
 * copies the set in (EFAULT when it cannot) and then fails with EINVAL, changing
 * nothing: no side effect, and a call every seccomp policy for glibc programs allows. */
int ts_mask_readable(const sigset_t *set)
{
	return ts_sys(SYS_rt_sigprocmask, -1, (long)set, 0, _NSIG / 8, 0, 0) != -EFAULT;
}

/* Signals of the shim's number that arrive while the thread has it virtually blocked,
 * with their siginfo, in order: raised again as they came when it unblocks it, shown by
 * sigpending, taken by sigwait & co.  Per thread (the kernel would hold a signal sent to
 * the process for any thread that unblocks it; here the thread it reached keeps it), and
 * bounded: past TS_VQ_MAX held signals, later ones are dropped, as the kernel refuses
 * sigqueue past the queue limit.  Only this thread touches its queue: the handler pushes,
 * and the program's side takes with the real signal blocked. */
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

static void vq_clear(void)
{
	vq.n = 0;
}

static void vq_push(const siginfo_t *si)
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

static void raw_mask(int how, int sig);

/* sigwait & co.: take the oldest held signal, if any, into *si.  Returns 1 if taken. */
int ts_sigvirt_take(siginfo_t *si)
{
	int got = 0;
	if (!__atomic_load_n(&vq.n, __ATOMIC_RELAXED))
		return 0;
	raw_mask(SIG_BLOCK, ts_signal);
	if (vq.n) {
		vq_info(&vq.q[0], si);
		memmove(&vq.q[0], &vq.q[1], (vq.n - 1) * sizeof vq.q[0]);
		vq.n--;
		got = 1;
	}
	raw_mask(SIG_UNBLOCK, ts_signal);
	return got;
}

/* Raise the held signals again, in order, with their siginfo: delivered (to the
 * program's disposition, the thread no longer blocking it) before this returns, as a
 * signal the kernel held is once unblocked. */
static void vq_release(void)
{
	long pid = ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0), tid = ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	raw_mask(SIG_BLOCK, ts_signal);
	for (unsigned i = 0; i < vq.n; i++) {
		siginfo_t si;
		vq_info(&vq.q[i], &si);
		ts_sys(SYS_rt_tgsigqueueinfo, pid, tid, ts_signal, (long)&si, 0, 0);
	}
	vq.n = 0;
	raw_mask(SIG_UNBLOCK, ts_signal);
}

TS_EXPORT int sigpending(sigset_t *set)
{
	long r = ts_sys(SYS_rt_sigpending, (long)set, _NSIG / 8, 0, 0, 0, 0);
	if (r == 0 && ts_signal) {
		if (__atomic_load_n(&vq.n, __ATOMIC_RELAXED))
			sigaddset(set, ts_signal);
		else
			sigdelset(set, ts_signal);
	}
	return (int)ts_ret(r);
}

static void raw_mask(int how, int sig)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	ts_sys(SYS_rt_sigprocmask, how, (long)&one, 0, _NSIG / 8, 0, 0);
}

/* From the real handler: a signal of our number that the shim did not send.  Returns
 * nonzero when the program's handler ran and was installed without SA_RESTART: a system
 * call the signal interrupted must then fail with EINTR (cancel.c). */
int ts_sigvirt_deliver(int sig, siginfo_t *si, void *ctx)
{
	struct sigaction act;
	sigset_t m, old;
	if (__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED) & TS_DEAD) {
		/* our listener thread: the program's handler belongs on a thread of its own */
		long pid = ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
		ts_sys(SYS_rt_tgsigqueueinfo, pid, pid, sig, (long)si, 0, 0); /* (its siginfo kept) */
		return 0;
	}
	if (ts_tls.sig_blocked) {
		vq_push(si);
		/* A sigwait for it that has not entered the kernel yet must not sleep on: send
		 * it to the cancellable call's early exit (wrap_sigwait.c takes the signal). */
		int call = __atomic_load_n(&ts_tls.call, __ATOMIC_RELAXED);
		if (ts_tls.sig_waiting &&
		    (call == TS_C_sigtimedwait || call == TS_C_sigwaitinfo || call == TS_C_sigwait)) {
			uintptr_t pc = ts_arch_pc(ctx);
			if (pc >= (uintptr_t)ts_cp_begin && pc < (uintptr_t)ts_cp_end)
				ts_arch_set_pc(ctx, (uintptr_t)ts_cp_cancel);
		}
		return 0;
	}
	prog_get(&act);
	if (act.sa_handler == SIG_IGN)
		return 0;
	if (act.sa_handler == SIG_DFL) {
		/* The default action of a real-time signal ends the process: let it. */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		REAL(sigaction)(sig, &dfl, 0);
		ts_sys(SYS_tgkill, ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0), sig, 0, 0, 0);
		raw_mask(SIG_UNBLOCK, sig);
		return 0;
	}
	m = act.sa_mask;
	if (!(act.sa_flags & SA_NODEFER))
		sigaddset(&m, sig);
	else
		sigdelset(&m, sig);
	ts_sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&m, (long)&old, _NSIG / 8, 0, 0);
	if (act.sa_flags & SA_RESETHAND) {
		/* One delivery resets it, as the kernel does: under the writers' lock. */
		sigset_t saved;
		struct sigaction cur, dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		prog_lock(&saved);
		prog_get(&cur);
		if (cur.sa_handler == act.sa_handler && (cur.sa_flags & SA_RESETHAND))
			prog_put(&dfl);
		prog_unlock(&saved);
	}
	if (act.sa_flags & SA_SIGINFO)
		act.sa_sigaction(sig, si, ctx);
	else
		act.sa_handler(sig);
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8, 0, 0);
	return !(act.sa_flags & SA_RESTART);
}

__attribute__((noinline)) static int virtual_action(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;
	sigset_t saved;
	prog_lock(&saved);
	prog_get(&prev);
	if (act)
		prog_put(act);
	prog_unlock(&saved);
	if (old)
		*old = prev;
	return 0;
}

/* The thread's virtual mask bit changed: a signal held meanwhile is raised again. */
static void virtual_block(int blocked)
{
	struct ts_thread *t = &ts_tls;
	t->sig_blocked = (char)blocked;
	if (!blocked && __atomic_load_n(&vq.n, __ATOMIC_RELAXED))
		vq_release();
}

/* ThreadSanitizer's runtime calls sigaction while it initialises, before it can check
 * anything: the test of the number, and passing other numbers on, are not instrumented
 * (TS_NO_TSAN; virtual_action, not inlined, is). */
TS_NO_TSAN static int ours(int sig)
{
	return ts_signal && sig == ts_signal;
}

TS_NO_TSAN TS_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!ours(sig))
		return REAL(sigaction)(sig, act, old);
	return virtual_action(act, old);
}

static __sighandler_t set_handler(int sig, __sighandler_t h, int flags)
{
	struct sigaction act, old;
	memset(&act, 0, sizeof act);
	act.sa_handler = h;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (!(flags & SA_NODEFER))
		sigaddset(&act.sa_mask, sig);
	virtual_action(&act, &old);
	return old.sa_handler;
}

/* signal() and bsd_signal(): BSD semantics, as glibc gives them. */
TS_EXPORT __sighandler_t signal(int sig, __sighandler_t h)
{
	if (!ours(sig))
		return REAL(signal)(sig, h);
	return set_handler(sig, h, SA_RESTART);
}

TS_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	if (!ours(sig))
		return REAL(bsd_signal)(sig, h);
	return set_handler(sig, h, SA_RESTART);
}

/* sysv_signal(): one-shot, not deferred. */
TS_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	if (!ours(sig))
		return REAL(sysv_signal)(sig, h);
	return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}

TS_EXPORT __sighandler_t __sysv_signal(int sig, __sighandler_t h)
{
	if (!ours(sig))
		return REAL(__sysv_signal)(sig, h);
	return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}

TS_EXPORT __sighandler_t sigset(int sig, __sighandler_t h)
{
	__sighandler_t prev;
	int was_blocked;
	if (!ours(sig))
		return REAL(sigset)(sig, h);
	was_blocked = ts_tls.sig_blocked;
	if (h == SIG_HOLD) {
		struct sigaction cur;
		prog_get(&cur);
		virtual_block(1);
		return was_blocked ? SIG_HOLD : cur.sa_handler;
	}
	prev = set_handler(sig, h, 0);
	virtual_block(0);
	return was_blocked ? SIG_HOLD : prev;
}

TS_EXPORT int sigignore(int sig)
{
	if (!ours(sig))
		return REAL(sigignore)(sig);
	set_handler(sig, SIG_IGN, 0);
	return 0;
}

TS_EXPORT int sighold(int sig)
{
	if (!ours(sig))
		return REAL(sighold)(sig);
	virtual_block(1);
	return 0;
}

TS_EXPORT int sigrelse(int sig)
{
	if (!ours(sig))
		return REAL(sigrelse)(sig);
	virtual_block(0);
	return 0;
}

/* The mask calls: the real mask never holds our signal; the old mask reports it as the
 * program set it. */
static int mask_call(int (*real)(int, const sigset_t *, sigset_t *), int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;
	int was = ts_tls.sig_blocked, r;
	if (!ts_signal)
		return real(how, set, old);
	/* (glibc's own mask calls read the set: no check that it is readable here) */
	if (set && sigismember(set, ts_signal) == 1) {
		copy = *set;
		sigdelset(&copy, ts_signal);
		r = real(how, &copy, old);
	} else {
		r = real(how, set, old);
	}
	if (r)
		return r;
	if (old) {
		if (was)
			sigaddset(old, ts_signal);
		else
			sigdelset(old, ts_signal);
	}
	if (set) {
		int member = sigismember(set, ts_signal) == 1;
		if (how == SIG_BLOCK && member)
			virtual_block(1);
		else if (how == SIG_UNBLOCK && member)
			virtual_block(0);
		else if (how == SIG_SETMASK)
			virtual_block(member);
	}
	return 0;
}

TS_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return mask_call(REAL(sigprocmask), how, set, old);
}

TS_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return mask_call(REAL(pthread_sigmask), how, set, old);
}

TS_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	sigset_t copy;
	return REAL(signalfd)(fd, ts_unblock_ours(mask, &copy), flags);
}
