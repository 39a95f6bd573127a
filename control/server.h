/* The control plane as the rest of the shim sees it (control/listener.c): started by the
 * constructor, its lock in the one fork list (preload/fork.c), and woken when the program
 * closes or replaces a descriptor in its range (preload/wrap_close.c). */
#ifndef TS_CONTROL_SERVER_H
#define TS_CONTROL_SERVER_H

#include "ts.h"

void ts_control_init(void) TS_HIDDEN;
void ts_control_poke(void) TS_HIDDEN;
void ts_control_lock(void) TS_HIDDEN;
void ts_control_unlock(void) TS_HIDDEN;
void ts_control_fork_child(void) TS_HIDDEN;
extern int ts_ctl_fd_floor TS_HIDDEN; /* the lowest descriptor the control plane holds */

#endif
