/* The shim's cancel signal: its number, and sending it so that the handler (cancel.c)
 * knows it from the same number sent by anyone else (send.c). */
#ifndef TS_SEND_H
#define TS_SEND_H

#include "registry.h"

extern int ts_signal TS_HIDDEN;  /* the number: THREADSTOP_SIGNAL, or SIGRTMAX - 3 */
void ts_signal_init(void) TS_HIDDEN;
void ts_signal_fork_child(void) TS_HIDDEN;  /* fork.c: the child's new pid */
int ts_send(const struct ts_thread *t) TS_HIDDEN;     /* 0, or -errno */
int ts_send_tid(pid_t tid) TS_HIDDEN;
int ts_signal_is_ours(const siginfo_t *si) TS_HIDDEN;
int ts_timer_cookie(void) TS_HIDDEN;

int ts_mask_readable(const sigset_t *set) TS_HIDDEN;  /* sigvirt.c */

/* The shim's signal must stay deliverable: a mask the program hands to a call for its
 * duration (ppoll, pselect, epoll_pwait, sigsuspend...) never blocks it.  A mask the
 * shim cannot read is passed on as it is: the kernel then returns EFAULT, as it does
 * without the shim.  A mask on the thread's stack, between the wrapper's own frame (copy
 * is a local of it) and the stack's top, is readable; any other is checked first (one
 * system call, ts_mask_readable): a cache of pages found readable would crash on one
 * unmapped since.  The kernel reads the first 64 signals only (_NSIG / 8 bytes), and so
 * does the shim. */
static inline const sigset_t *ts_unblock_ours(const sigset_t *set, sigset_t *copy)
{
	uintptr_t p = (uintptr_t)set, here = (uintptr_t)copy;
	/* glibc declares most of these masks nonnull, but a program may pass NULL and get
	 * the kernel's EFAULT: hide that from the compiler, or inlined into a wrapper it
	 * drops the test. */
	__asm__("" : "+r"(set));
	if (!set || !ts_signal) /* (before the constructor: the program's errno untouched) */
		return set;
	p = (uintptr_t)set;
	if (unlikely(!(p >= here && here >= ts_tls.stack_lo && p + _NSIG / 8 <= ts_tls.stack_hi)) &&
	    !ts_mask_readable(set))
		return set;
	if (!sigismember(set, ts_signal))
		return set;
	sigemptyset(copy);
	__builtin_memcpy(copy, set, _NSIG / 8);
	sigdelset(copy, ts_signal);
	return copy;
}

#endif
