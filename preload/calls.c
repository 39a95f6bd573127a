/* The arrays derived from calls.def (names and kinds, for `list` and stoppers), and the
 * real libc functions behind the wrappers, bound once with dlsym(RTLD_NEXT) so that
 * other preloaded libraries chain, or dlvsym where glibc has several versions. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <dlfcn.h>
#include "calls.h"

struct ts_real ts_real;

const char *const ts_call_name[TS_C_count] = {
	[TS_C_none] = "-",
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) [TS_C_##name] = #name,
#include "calls.def"
#undef TS_CALL
};

const unsigned char ts_call_kind[TS_C_count] = {
	[TS_C_none] = TS_K_API,
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) [TS_C_##name] = TS_K_##kind,
#include "calls.def"
#undef TS_CALL
};

TS_NO_TSAN static void *bind1(const char *name, const char *ver)
{
	void *p = ver ? dlvsym(RTLD_NEXT, name, ver) : 0;
	return p ? p : dlsym(RTLD_NEXT, name);
}

/* Idempotent, and safe to race: every thread stores the same pointers.  Called from the
 * constructor, and lazily by REAL() when another library's constructor calls a wrapper
 * before ours ran (or ThreadSanitizer's runtime, as it initialises: TS_NO_TSAN). */
TS_NO_TSAN void ts_bind(void)
{
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) \
	if (!ts_real.name.p) __atomic_store_n(&ts_real.name.p, bind1(#name, ver), __ATOMIC_RELEASE);
#include "calls.def"
#undef TS_CALL
	if (!ts_real.pthread_cond_broadcast.p)
		__atomic_store_n(&ts_real.pthread_cond_broadcast.p, bind1("pthread_cond_broadcast", "GLIBC_2.3.2"), __ATOMIC_RELEASE);
}
