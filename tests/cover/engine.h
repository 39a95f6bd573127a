/* The stop of one call, as the coverage targets (cover, fortified) run it: a worker
 * thread blocked in the call is stopped, and a stop before the call returns at once.
 * Each target has its own resources (struct res) and calls; this only runs them. */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include "probe.h"

struct res;
struct tcall {
	const char *name;
	long (*call)(struct res *r);  /* the call once: >= 0, or -errno */
	long ready;                   /* its result with the resource ready and no stop */
	int late;                     /* calls.def's policy LATE: output and opens */
	int file;                     /* policy IO on a regular file: a stop never fails it */
};

/* r is set up so that the call blocks for good.  A worker blocked in it is stopped: the
 * call returns ECANCELED, and so does the next one (a LATE call begun with the stop
 * pending goes in and blocks: a second stop ends it). */
void engine_stop_blocked(const struct tcall *k, struct res *r);
/* r is set up ready.  A stop before the call: ECANCELED at once, without entering the
 * kernel (a call that went in would succeed); a LATE call, or a read of a regular file,
 * goes in and succeeds.
 * Returns what the call returned. */
long engine_prestop(const struct tcall *k, struct res *r);

#endif
