/* What a forced exit would run into (force.c): the program's cleanup handlers, and frames
 * the forced unwind cannot pass. */
#ifndef TS_FORCE_H
#define TS_FORCE_H

#include "ts.h"

void ts_force_init(void) TS_HIDDEN;
/* In the thread about to be forced out, whose chain started at `base`: -1 when the unwind from here would be caught
 * (catch (...), an exception specification, a noexcept frame) or cannot be read, else
 * 0; *cleanups says whether it would run handlers of the program's. */
int ts_force_check(const void *base, int *cleanups) TS_HIDDEN;
/* The head of this thread's chain of cleanup buffers (0 when unknown): a thread's `base`
 * is the head when it starts, before the program's code runs. */
void *ts_force_chain(void) TS_HIDDEN;

#endif
