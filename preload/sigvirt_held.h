/* Signals of the shim's number that reached a thread while it had the number virtually
 * blocked, held per thread (sigvirt_held.c): pushed by the handler (sigvirt.c), raised
 * again, shown or taken by the program's calls (wrap_signal.c, wrap_sigwait.c through
 * sigvirt.h). */
#ifndef TS_SIGVIRT_HELD_H
#define TS_SIGVIRT_HELD_H

#include <sys/syscall.h>
#include "ts.h"

void ts_held_push(const siginfo_t *si) TS_HIDDEN;  /* dropped past TS_VQ_MAX */
int ts_held_count(void) TS_HIDDEN;
void ts_held_release(void) TS_HIDDEN;  /* raise them again, in order */
void ts_held_clear(void) TS_HIDDEN;    /* the child of a fork */

/* Really block or unblock one signal in this thread. */
static inline void ts_raw_mask(int how, int sig)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	ts_sys(SYS_rt_sigprocmask, how, (long)&one, 0, _NSIG / 8, 0, 0);
}

#endif
