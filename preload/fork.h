/* The one list of the shim's locks and fork-child resets (fork.c). */
#ifndef TS_FORK_H
#define TS_FORK_H

#include "ts.h"

void ts_fork_init(void) TS_HIDDEN;

#endif
