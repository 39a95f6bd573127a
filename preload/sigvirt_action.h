/* The virtual disposition of the shim's signal number (sigvirt_action.c): what the
 * program installed, read by the handler (sigvirt.c) and written by the program's
 * sigaction & co. (wrap_signal.c).  fork.c takes its lock through sigvirt.h. */
#ifndef TS_SIGVIRT_ACTION_H
#define TS_SIGVIRT_ACTION_H

#include "ts.h"

void ts_prog_get(struct sigaction *act) TS_HIDDEN;  /* any time, in a handler too */
/* The writers' lock: every signal blocked (the caller's mask saved in *old), then a
 * spin.  ts_prog_put only under it. */
void ts_prog_lock(sigset_t *old) TS_HIDDEN;
void ts_prog_unlock(const sigset_t *old) TS_HIDDEN;
void ts_prog_put(const struct sigaction *act) TS_HIDDEN;
void ts_prog_set(const struct sigaction *act) TS_HIDDEN;  /* lock, put, unlock */

#endif
