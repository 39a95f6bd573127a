/* The program's view of the shim's signal: hidden, as glibc hides its own internal
 * signals.
 *
 * The program sees a virtual disposition and a virtual per-thread mask bit for that
 * signal number: sigaction/signal/sigset & co. read and write the virtual disposition,
 * sigprocmask/pthread_sigmask never really block the signal but report it blocked where
 * the program blocked it.  The real handler (cancel.c) passes signals it did not send to
 * the virtual disposition; one that arrives while the thread has it virtually blocked is
 * held and raised again when the thread unblocks it.
 *
 * This file: the delivery from the handler, the start and the fork child.  The
 * disposition is sigvirt_action.c, the held signals sigvirt_held.c, the program's
 * calls wrap_signal.c. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include "calls.h"
#include "registry.h"
#include "send.h"
#include "sigvirt.h"
#include "sigvirt_action.h"
#include "sigvirt_held.h"
#include "window.h"

/* The child: no write in progress, and no signal pending (the kernel does not pass
 * pending signals to a child either). */
void ts_sigvirt_fork_child(void)
{
	ts_held_clear();
	ts_sigvirt_unlock();
}

void ts_sigvirt_init(void)
{
	struct sigaction cur;
	sigset_t mask;
	memset(&cur, 0, sizeof cur);
	/* Whatever was there before us (SIG_IGN inherited across exec) is the program's. */
	if (REAL(sigaction)(ts_signal, 0, &cur) == 0)
		ts_prog_set(&cur);
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
		ts_held_push(si);
		/* A sigwait for it that has not entered the kernel yet must not sleep on: send
		 * it to the cancellable call's early exit (wrap_sigwait.c takes the signal). */
		int call = __atomic_load_n(&ts_tls.call, __ATOMIC_RELAXED);
		if (ts_tls.sig_waiting &&
		    (call == TS_C_sigtimedwait || call == TS_C_sigwaitinfo || call == TS_C_sigwait)) {
			uintptr_t to = ts_cp_window_cancel(ts_arch_pc(ctx));
			if (to)
				ts_arch_set_pc(ctx, to);
		}
		return 0;
	}
	ts_prog_get(&act);
	if (act.sa_handler == SIG_IGN)
		return 0;
	if (act.sa_handler == SIG_DFL) {
		/* The default action of a real-time signal ends the process: let it. */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		REAL(sigaction)(sig, &dfl, 0);
		ts_sys(SYS_tgkill, ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0), sig, 0, 0, 0);
		ts_raw_mask(SIG_UNBLOCK, sig);
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
		ts_prog_lock(&saved);
		ts_prog_get(&cur);
		if (cur.sa_handler == act.sa_handler && (cur.sa_flags & SA_RESETHAND))
			ts_prog_put(&dfl);
		ts_prog_unlock(&saved);
	}
	if (act.sa_flags & SA_SIGINFO)
		act.sa_sigaction(sig, si, ctx);
	else
		act.sa_handler(sig);
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8, 0, 0);
	return !(act.sa_flags & SA_RESTART);
}
