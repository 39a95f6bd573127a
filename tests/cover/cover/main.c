/* cover: the coverage test of every blocking call in preload/calls.def, run under
 * LD_PRELOAD=libthreadstop.so by tests/cover/test_cover.c.  The table is compiled in from
 * calls.def itself, and every entry of a blocking kind must have a case (cases.c).
 *
 *   cover list         every table entry: NAME KIND case|-
 *   cover check        fails when a blocking entry (FD, TIME, PID, NONE) has no case
 *   cover stop NAME    a thread blocked in NAME on a resource that never wakes it is
 *                      stopped: ECANCELED (or the call's documented equivalent), again on
 *                      the next call; and a stop before the call returns at once
 *   cover ready NAME   with no stop NAME behaves as glibc's: result, errno untouched
 *                      (with COVER_WITHOUT_SHIM=1 and no preload: the same checks against
 *                      glibc alone, which shows that they are glibc's behaviour)
 *
 * Calls no resource can block (pwrite and friends need a seekable file that blocks;
 * tcdrain a terminal with output in flight) are checked with a stop before the call.
 * Output and opens (calls.def's policy LATE) are not failed by a stop pending when they
 * begin, only by one that arrives while they block. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#include "cover.h"

/* The case as the engine runs it, with its policy from the table. */
static struct tcall tcall_of(const struct kase *k)
{
	const struct table_entry *e = table_find(k->name);
	/* the ready setup of a positioned read is a regular file (resources.c) */
	return (struct tcall){ k->name, k->call, k->ready, e && e->policy == TS_P_LATE,
			       e && e->policy == TS_P_IO && k->setup == S_SEEK_IN };
}

static void prestop(const struct kase *k)
{
	struct tcall t = tcall_of(k);
	struct res r;
	long ret;
	setup(&r, k->setup, 0);
	ret = engine_prestop(&t, &r);
	if (r.child > 0 && ret == r.child)
		r.child = 0;
	teardown(&r);
}

static void scen_stop(const struct kase *k)
{
	struct tcall t = tcall_of(k);
	struct res r;
	if (setup(&r, k->setup, 1) < 0) {
		printf("ok: %s: no resource blocks it here: checked with a stop before the call\n", k->name);
		prestop(k);
		return;
	}
	engine_stop_blocked(&t, &r);
	if (k->setup == S_SIGNAL)
		check(!got_usr1 && !got_alrm, "%s: no signal of the program's was delivered or consumed", k->name);
	teardown(&r);
	prestop(k);
}

static void scen_ready(const struct kase *k)
{
	struct res r;
	long ret;
	int e;
	setup(&r, k->setup, 0);
	errno = 4242;
	ret = k->call(&r);
	e = errno;
	if (k->ready == ANY)
		check(ret >= 0, "%s: %s", k->name, err(ret));
	else if (k->ready == CHILD)
		check(ret == r.child, "%s: reaped the child %d: %s", k->name, r.child, err(ret));
	else
		check(ret == k->ready, "%s: %s (glibc: %s)", k->name, err(ret), err(k->ready));
	if (ret >= 0 && k->setup != S_SIGNAL)
		check(e == 4242, "%s: errno untouched on success (%d)", k->name, e);
	if (k->setup == S_SIGNAL && k->ready == -EINTR)
		check(got_usr1 + got_alrm == 1, "%s: the program's handler ran once", k->name);
	if (r.child > 0 && ret == r.child)
		r.child = 0;
	teardown(&r);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "", *name = argc > 2 ? argv[2] : "";
	const struct kase *k;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(s, "list") || !strcmp(s, "check")) {
		int missing = 0;
		for (size_t i = 0; i < NTABLE; i++) {
			k = find_case(table[i].name);
			if (!strcmp(s, "list"))
				printf("%s %s %s\n", table[i].name, table[i].kind_name, k ? "case" : "-");
			else if (table_one_syscall(table[i].kind) && !k) {
				printf("FAIL: %s (%s) is interposed but has no case in tests/cover/cover/cases.c\n", table[i].name,
				       table[i].kind_name);
				missing++;
			}
		}
		for (size_t i = 0; i < ncases; i++) {
			int found = 0;
			for (size_t j = 0; j < NTABLE; j++)
				found |= !strcmp(cases[i].name, table[j].name);
			if (!found && !strcmp(s, "check")) {
				printf("FAIL: case %s is not in calls.def\n", cases[i].name);
				missing++;
			}
		}
		if (!strcmp(s, "check") && !missing)
			printf("ok: every blocking entry of calls.def (%zu cases) has a case\n", ncases);
		return missing != 0;
	}
	/* COVER_WITHOUT_SHIM=1 cover ready NAME: the same expectations against glibc alone. */
	if (strcmp(s, "ready") || !getenv("COVER_WITHOUT_SHIM"))
		bind_api();
	k = find_case(name);
	if (!k) {
		printf("FAIL: no case for %s\n", name);
		return 1;
	}
	if (!strcmp(s, "stop"))
		scen_stop(k);
	else if (!strcmp(s, "ready")) {
		scen_ready(k);
		scen_extra(name);
	} else {
		fprintf(stderr, "usage: cover list | check | stop NAME | ready NAME\n");
		return 2;
	}
	return failed;
}

