/* System calls glibc makes itself, out of every wrapper's reach (stdio's read): which of
 * them a stop may end, and which one a thread is blocked in (foreign.c). */
#ifndef TS_FOREIGN_H
#define TS_FOREIGN_H

#include "registry.h"

int ts_foreign_stoppable(long nr, long arg2) TS_HIDDEN;
const char *ts_foreign_name(long nr) TS_HIDDEN;  /* "libc:read", or 0 when not allowlisted */
long ts_blocked_syscall(pid_t tid, long args[2]) TS_HIDDEN;
int ts_foreign_blocked(const struct ts_thread *t) TS_HIDDEN;

#endif
