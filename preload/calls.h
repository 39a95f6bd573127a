/* calls.def as C: the call ids, kinds and policies, and the names `list` shows; the
 * real libc functions behind the wrappers (REAL, bound in calls.c).  In wrapper files
 * (TS_NAMES_INTERPOSED) also the table's prototypes, which every wrapper must match.
 * The tests read the table through the same enums (tests/common/table.h). */
#ifndef TS_CALLS_H
#define TS_CALLS_H

#include "ts.h"
#include "kinds.h"

enum ts_call_id {
	TS_C_none,
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) TS_C_##name,
#include "calls.def"
#undef TS_CALL
	TS_C_count
};

extern const char *const ts_call_name[TS_C_count] TS_HIDDEN;
extern const unsigned char ts_call_kind[TS_C_count] TS_HIDDEN;

/* In the header, so that a wrapper's constant lookup folds away on the fast path. */
static const unsigned char ts_call_policy[TS_C_count] = {
	[TS_C_none] = TS_P_NEVER,
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) [TS_C_##name] = TS_P_##policy,
#include "calls.def"
#undef TS_CALL
};

/* Each real function has one typed slot (a union, so no cast between object and
 * function pointers); REAL(name) binds lazily when another library's constructor calls
 * a wrapper before ours ran. */
struct ts_real {
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) union { ret (*f) params; void *p; } name;
#include "calls.def"
#undef TS_CALL
	union { int (*f)(pthread_cond_t *); void *p; } pthread_cond_broadcast;
};
extern struct ts_real ts_real TS_HIDDEN;
void ts_bind(void) TS_HIDDEN;
#define REAL(name) (likely(ts_real.name.p) ? ts_real.name.f : (ts_bind(), ts_real.name.f))

#ifdef TS_NAMES_INTERPOSED
#include "protos.h"
#endif

#endif
