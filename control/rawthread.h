/* A thread that glibc does not count (control/rawthread.c): the listener's, on the main
 * path.  See doc/design.md, "The listener". */
#ifndef TS_CONTROL_RAWTHREAD_H
#define TS_CONTROL_RAWTHREAD_H

#include "ts.h"

/* From the constructor: learn how much static TLS the process has. */
void ts_rawthread_init(void) TS_HIDDEN;
/* Start fn(arg) in a new thread of this process made with clone(): own stack, own
 * thread pointer (arch.h), no CLONE_FILES (a descriptor table of its own, a copy of the
 * caller's that fn must close), every signal blocked.  Async-signal-safe.  Returns its
 * tid, or -errno (a seccomp filter may refuse these clone flags). */
int ts_rawthread_start(int (*fn)(void *), void *arg) TS_HIDDEN;

#endif
