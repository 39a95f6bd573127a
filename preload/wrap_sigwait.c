/* Interposed signal waits.  The shim's signal is hidden from them as glibc hides its own
 * internal signals: a mask a call installs never blocks it (sigsuspend), and a set of
 * signals to wait for never includes it (sigwait*), so a program that waits for "every
 * signal" neither consumes a stop nor becomes unstoppable. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <string.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "send.h"
#include "sigvirt.h"

TS_EXPORT int pause(void)
{
	return (int)ts_ret(ts_block(TS_C_pause, -1, SYS_pause, 0, 0, 0, 0, 0, 0));
}

TS_INLINE int do_sigsuspend(int id, const sigset_t *mask)
{
	sigset_t copy;
	mask = ts_unblock_ours(mask, &copy);
	return (int)ts_ret(ts_block(id, -1, SYS_rt_sigsuspend, (long)mask, _NSIG / 8, 0, 0, 0, 0));
}

TS_EXPORT int sigsuspend(const sigset_t *mask)
{
	return do_sigsuspend(TS_C_sigsuspend, mask);
}

/* sigpause: the BSD form takes a mask of the first 32 signals, the X/Open form
 * (__xpg_sigpause, what <signal.h> binds `sigpause` to) one signal to unblock from the
 * current mask.  <signal.h> declares sigpause under another assembler name: define the
 * three under their exported names. */
int ts_sigpause_bsd(int mask) __asm__("sigpause");
int ts_sigpause_impl(int sig_or_mask, int is_sig) __asm__("__sigpause");
int ts_sigpause_xpg(int sig) __asm__("__xpg_sigpause");

static int do_sigpause(int id, int sig_or_mask, int is_sig)
{
	sigset_t set;
	if (is_sig) {
		long r = ts_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&set, _NSIG / 8, 0, 0);
		if (r < 0)
			return (int)ts_ret(r);
		if (sigdelset(&set, sig_or_mask) < 0)
			return -1;
	} else {
		sigemptyset(&set);
		memcpy(&set, &(unsigned int){ (unsigned int)sig_or_mask }, sizeof(unsigned int));
	}
	return do_sigsuspend(id, &set);
}

TS_EXPORT int ts_sigpause_bsd(int mask)
{
	return do_sigpause(TS_C_sigpause, mask, 0);
}

TS_EXPORT int ts_sigpause_impl(int sig_or_mask, int is_sig)
{
	return do_sigpause(TS_C___sigpause, sig_or_mask, is_sig);
}

TS_EXPORT int ts_sigpause_xpg(int sig)
{
	return do_sigpause(TS_C___xpg_sigpause, sig, 1);
}

/* The raw rt_sigtimedwait, without our signal in the set.  A program that waits for the
 * shim's number itself gets what arrived while it had that number (virtually) blocked:
 * held in sigvirt_held.c, taken before the wait, or after a wait that one such arrival ended
 * (EINTR, or the cancellable call's early exit: sigvirt.c moves it there). */
TS_INLINE long do_sigtimedwait(int id, const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	sigset_t copy;
	siginfo_t local;
	const sigset_t *ask = ts_unblock_ours(set, &copy);
	long r;
	if (likely(ask == set))
		return ts_block(id, ts_ms(timeout), SYS_rt_sigtimedwait, (long)set, (long)info, (long)timeout, _NSIG / 8, 0, 0);
	char was = ts_tls.sig_waiting;
	if (!info)
		info = &local;
	ts_tls.sig_waiting = 1;
	if (ts_sigvirt_take(info))
		r = ts_signal;
	else {
		r = ts_block(id, ts_ms(timeout), SYS_rt_sigtimedwait, (long)ask, (long)info, (long)timeout, _NSIG / 8, 0, 0);
		if ((r == -EINTR || r == -ECANCELED) && ts_sigvirt_take(info))
			r = ts_signal;
		else if (r == -ECANCELED && !(__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED) & TS_STOP_BITS))
			r = -EINTR; /* (the early exit, for a signal another wait took) */
	}
	ts_tls.sig_waiting = was;
	return r;
}

/* As glibc: a signal sent with tkill (raise) reports SI_USER. */
static int fold_tkill(long r, siginfo_t *info)
{
	if (r >= 0 && info && info->si_code == SI_TKILL)
		info->si_code = SI_USER;
	return (int)ts_ret(r);
}

TS_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	return fold_tkill(do_sigtimedwait(TS_C_sigtimedwait, set, info, timeout), info);
}

TS_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return fold_tkill(do_sigtimedwait(TS_C_sigwaitinfo, set, info, 0), info);
}

/* sigwait returns an error number and retries EINTR, as glibc's does; like glibc's, it
 * leaves errno as its inner sigtimedwait set it.  A stop returns ECANCELED. */
TS_EXPORT int sigwait(const sigset_t *set, int *sig)
{
	siginfo_t si;
	long r;
	while ((r = do_sigtimedwait(TS_C_sigwait, set, &si, 0)) == -EINTR)
		errno = EINTR;
	if (r < 0)
		return errno = (int)-r;
	*sig = si.si_signo;
	return 0;
}

/* glibc's exported internal names. */
TS_EXPORT int __sigsuspend(const sigset_t *mask)
{
	return do_sigsuspend(TS_C___sigsuspend, mask);
}
