/* One client connection of the listener (control/conn.c): its input line buffer and its
 * bounded output buffer, written without ever waiting. */
#ifndef TS_CONTROL_CONN_H
#define TS_CONTROL_CONN_H

#include "pages.h"
#include "protocol.h"
#include "ts.h"

#define TS_IDLE_MS 5000            /* a client must complete a request, or read, within this */
#define TS_LINE_MS 1000            /* a request line begun must be complete within this */
#define TS_OUT_PAUSE (64 << 10)    /* stop reading requests while this much output is pending */
#define TS_OUT_MAX (1 << 20)       /* a client's output buffer never grows beyond this */

struct ts_conn {
	int fd;                 /* -1: free slot */
	long deadline;          /* CLOCK_MONOTONIC ms: idle, or not reading its replies */
	long active;            /* when it connected or last completed a request (eviction order) */
	long partial;           /* when the incomplete line in `in` began, or 0 */
	int closing;            /* close once the output is flushed */
	size_t inlen;
	char in[TSP_LINE_MAX];
	char *out;              /* mmap'd on first use (the listener must not malloc) */
	size_t outlen, outoff;
};

/* Queue a reply line (closes the connection when its output is over TS_OUT_MAX). */
void ts_reply(struct ts_conn *c, const char *s) TS_HIDDEN;
void ts_reply_err(struct ts_conn *c, const char *code, const char *msg) TS_HIDDEN;
/* Write what can be written now; `now` (ms) pushes the idle deadline on progress. */
void ts_conn_flush(struct ts_conn *c, long now) TS_HIDDEN;
void ts_conn_drop(struct ts_conn *c) TS_HIDDEN;
/* The slot emptied without closing its fd (a fork child's copy of the parent's). */
void ts_conn_forget(struct ts_conn *c) TS_HIDDEN;

#endif
