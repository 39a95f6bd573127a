/* The program's view of the shim's signal (sigvirt.c): a virtual disposition and a
 * virtual per-thread mask bit, and the delivery of signals of that number that the shim
 * did not send.  The lock is sigvirt_action.c's, the held signals sigvirt_held.c's. */
#ifndef TS_SIGVIRT_H
#define TS_SIGVIRT_H

#include "ts.h"

void ts_sigvirt_init(void) TS_HIDDEN;  /* takes over what was installed before us */
int ts_sigvirt_deliver(int sig, siginfo_t *si, void *ctx) TS_HIDDEN;
void ts_sigvirt_lock(void) TS_HIDDEN;
void ts_sigvirt_unlock(void) TS_HIDDEN;
void ts_sigvirt_fork_child(void) TS_HIDDEN;
int ts_sigvirt_take(siginfo_t *si) TS_HIDDEN;  /* a held signal of the shim's number, for sigwait */

#endif
