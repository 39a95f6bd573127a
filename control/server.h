/* The control plane as the rest of the shim sees it (control/listener.c): started by the
 * constructor, reset in a fork child (preload/fork.c) and started there late
 * (preload/cancel.c). */
#ifndef TS_CONTROL_SERVER_H
#define TS_CONTROL_SERVER_H

#include "ts.h"

void ts_control_init(void) TS_HIDDEN;
void ts_control_fork_child(void) TS_HIDDEN;
/* A fork child's listener: at its first interposed call (token bit TS_LAZY), or from
 * the cancel signal's handler when its one-shot timer fires (in_handler). */
void ts_control_lazy(int in_handler) TS_HIDDEN;

#endif
