/* The shim's cancel signal: its number, and sending it so that the handler (cancel.c)
 * knows it from the same number sent by anyone else (send.c). */
#ifndef TS_SEND_H
#define TS_SEND_H

#include "registry.h"

extern int ts_signal TS_HIDDEN;  /* the number: THREADSTOP_SIGNAL, or SIGRTMAX - 3 */
void ts_signal_init(void) TS_HIDDEN;
void ts_signal_fork_child(void) TS_HIDDEN;  /* fork.c: the child's new pid */
/* 0, or -errno: a seccomp filter may refuse the signal (EPERM, ENOSYS...) */
long ts_send(const struct ts_thread *t) TS_HIDDEN;
long ts_send_tid(pid_t tid) TS_HIDDEN;
int ts_signal_is_ours(const siginfo_t *si) TS_HIDDEN;
int ts_timer_cookie(void) TS_HIDDEN;

/* The shim's signal must stay deliverable: a mask the program hands to a call for its
 * duration (ppoll, pselect, epoll_pwait, sigsuspend...) never blocks it. */
static inline const sigset_t *ts_unblock_ours(const sigset_t *set, sigset_t *copy)
{
	/* glibc declares most of these masks nonnull, but a program may pass NULL and get
	 * the kernel's EFAULT: hide that from the compiler, or inlined into a wrapper it
	 * drops the test. */
	__asm__("" : "+r"(set));
	if (!set || !sigismember(set, ts_signal))
		return set;
	*copy = *set;
	sigdelset(copy, ts_signal);
	return copy;
}

#endif
