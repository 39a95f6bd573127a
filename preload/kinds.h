/* The kinds and policies of calls.def (described there), as the shim and the tests
 * (tests/common/table.h) name them. */
#ifndef TS_KINDS_H
#define TS_KINDS_H

enum ts_kind { TS_K_FD, TS_K_TIME, TS_K_JOIN, TS_K_COND, TS_K_WAIT, TS_K_API, TS_K_PID, TS_K_NONE };
enum ts_policy { TS_P_PLAIN, TS_P_LATE, TS_P_TIMED, TS_P_NEVER, TS_P_IO };

#endif
