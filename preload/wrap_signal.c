/* The program's signal calls, for the shim's signal number (sigvirt.c says why): its
 * disposition (sigaction, signal, sigset...), its mask bit (sigprocmask,
 * pthread_sigmask, sighold...), sigpending and signalfd.  Other numbers go to libc. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include "calls.h"
#include "registry.h"
#include "send.h"
#include "sigvirt.h"
#include "sigvirt_action.h"
#include "sigvirt_held.h"

TS_EXPORT int sigpending(sigset_t *set)
{
	long r = ts_sys(SYS_rt_sigpending, (long)set, _NSIG / 8, 0, 0, 0, 0);
	if (r == 0 && ts_signal) {
		if (ts_held_count())
			sigaddset(set, ts_signal);
		else
			sigdelset(set, ts_signal);
	}
	return (int)ts_ret(r);
}

__attribute__((noinline)) static int virtual_action(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;
	sigset_t saved;
	ts_prog_lock(&saved);
	ts_prog_get(&prev);
	if (act)
		ts_prog_put(act);
	ts_prog_unlock(&saved);
	if (old)
		*old = prev;
	return 0;
}

/* The thread's virtual mask bit changed: a signal held meanwhile is raised again. */
static void virtual_block(int blocked)
{
	struct ts_thread *t = &ts_tls;
	t->sig_blocked = (char)blocked;
	if (!blocked && ts_held_count())
		ts_held_release();
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
		ts_prog_get(&cur);
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
