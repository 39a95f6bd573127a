/* preload/calls.def as the tests read it: every entry's name, kind, policy and family,
 * with the shim's own enums (preload/kinds.h).  Tests choose the calls they run from
 * here, so a call added to the table is tested without a list to keep by hand. */
#ifndef TS_TEST_TABLE_H
#define TS_TEST_TABLE_H

#include <stddef.h>
#include <string.h>
#include "kinds.h"

struct table_entry {
	const char *name;
	enum ts_kind kind;
	enum ts_policy policy;
	const char *kind_name, *family;
};

static const struct table_entry table[] = {
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) { #name, TS_K_##kind, TS_P_##policy, #kind, #family },
#include "calls.def"
#undef TS_CALL
};
#define NTABLE (sizeof table / sizeof table[0])

static inline const struct table_entry *table_find(const char *name)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return 0;
}

/* A call a stop can end while it blocks, in one system call (what tests/cover/cover
 * covers); COND, WAIT and JOIN are the library waits of tests/core. */
static inline int table_one_syscall(enum ts_kind k)
{
	return k == TS_K_FD || k == TS_K_TIME || k == TS_K_PID || k == TS_K_NONE;
}

#endif
