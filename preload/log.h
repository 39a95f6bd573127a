/* The shim's only output (log.c): ts_log() for errors the user must see, ts_debug() only
 * when THREADSTOP_DEBUG is set.  One line at a time, with write(2) to stderr. */
#ifndef TS_LOG_H
#define TS_LOG_H

#include "ts.h"

extern int ts_debug_on TS_HIDDEN;
void ts_log_init(void) TS_HIDDEN;
void ts_log(const char *fmt, ...) __attribute__((format(printf, 1, 2))) TS_HIDDEN;
#define ts_debug(...) (unlikely(ts_debug_on) ? ts_log(__VA_ARGS__) : (void)0)

#endif
