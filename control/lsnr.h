/* Between the listener's two halves: listener.c starts it (a raw thread, or the pthread
 * fallback), resets it in a fork child and lets its last reply out at exit; serve.c is
 * its loop, the request path. */
#ifndef TS_CONTROL_LSNR_H
#define TS_CONTROL_LSNR_H

#include "conn.h"
#include "socket.h"
#include "ts.h"

enum { LSNR_NONE, LSNR_RAW, LSNR_THREAD };

struct ts_lsnr {
	struct ts_conn conn[TS_MAX_CLIENTS];
	int inflight;           /* a request is being answered (see ts_control_fini) */
	int mode;               /* LSNR_* of the running listener */
	long backoff;           /* ms: the listening socket is not polled before this */
};
extern struct ts_lsnr ts_lsnr TS_HIDDEN;

/* Serve for ever; the fallback (LSNR_THREAD) returns once the program has gone. */
void ts_lsnr_loop(void) TS_HIDDEN;
/* The fallback's end: no registered thread left, and no thread but the exiting one. */
int ts_lsnr_program_gone(void) TS_HIDDEN;

#endif
