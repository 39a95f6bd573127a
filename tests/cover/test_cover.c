/* The coverage test: every blocking entry of preload/calls.def is stopped while blocked
 * in it, and behaves as glibc's without a stop.  The list of calls is compiled in from
 * calls.def, so a call added to the table is tested (tests/cover/cover fails for an
 * entry without a case).  Also: a -D_FORTIFY_SOURCE=2 binary stopped in the __*_chk
 * functions.  This runner is never preloaded itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include "runner.h"
#include <criterion/parameterized.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "table.h"

static void run(struct run *r, char *const argv[], int preload, char *extra_env)
{
	char *extra[] = { extra_env, 0 };
	run_env(r, argv, preload ? LIBTHREADSTOP : "", extra);
}

static void expect_pass(const char *prog, const char *scenario, const char *name, int preload)
{
	struct run r;
	char *argv[] = { (char *)prog, (char *)scenario, (char *)name, 0 };
	skip_if_emulated(scenario, name);
	run(&r, argv, preload, preload ? 0 : "COVER_WITHOUT_SHIM=1");
	cr_log_info("%s %s:\n%s", scenario, name, r.out);
	cr_assert_eq(r.status, 0, "%s %s %s exited %d:\n%s", prog, scenario, name, r.status, r.out);
	cr_assert(strstr(r.out, "ok: "), "%s %s printed no finding:\n%s", scenario, name, r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
}

/* The blocking entries of the table, by index (Criterion re-executes its workers:
 * parameters must not be pointers). */
static int blocking[NTABLE];

static struct criterion_test_params blocking_params(void)
{
	size_t n = 0;
	for (size_t i = 0; i < NTABLE; i++)
		if (table_one_syscall(table[i].kind)) /* COND, WAIT, JOIN: tests/core/test_core.c */
			blocking[n++] = (int)i;
	return cr_make_param_array(int, blocking, n);
}

ParameterizedTestParameters(cover, stopped) { return blocking_params(); }
ParameterizedTest(int *i, cover, stopped, .timeout = 60)
{
	cr_log_info("%s", table[*i].name);
	expect_pass(COVER, "stop", table[*i].name, 1);
}

ParameterizedTestParameters(cover, unchanged) { return blocking_params(); }
ParameterizedTest(int *i, cover, unchanged, .timeout = 60)
{
	cr_log_info("%s", table[*i].name);
	expect_pass(COVER, "ready", table[*i].name, 1);
}

/* The expectations of cover.unchanged hold for glibc alone: they are its behaviour. */
ParameterizedTestParameters(cover, glibc_agrees) { return blocking_params(); }
ParameterizedTest(int *i, cover, glibc_agrees, .timeout = 60)
{
	cr_log_info("%s", table[*i].name);
	expect_pass(COVER, "ready", table[*i].name, 0);
}

Test(cover, every_table_entry_has_a_case)
{
	struct run r;
	char *argv[] = { COVER, "check", 0 };
	run(&r, argv, 0, 0);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
}

/* The fortified binary: its read, pread, recv, recvfrom, poll, ppoll and open calls
 * are the entries of calls.def's family fortify (check-fortified.sh checks its imports). */
static int fortify[NTABLE];

static struct criterion_test_params fortify_params(void)
{
	size_t n = 0;
	for (size_t i = 0; i < NTABLE; i++)
		if (!strcmp(table[i].family, "fortify"))
			fortify[n++] = (int)i;
	return cr_make_param_array(int, fortify, n);
}

ParameterizedTestParameters(fortified, stopped) { return fortify_params(); }
ParameterizedTest(int *i, fortified, stopped, .timeout = 60) { expect_pass(FORTIFIED, "stop", table[*i].name, 1); }

ParameterizedTestParameters(fortified, unchanged) { return fortify_params(); }
ParameterizedTest(int *i, fortified, unchanged, .timeout = 60) { expect_pass(FORTIFIED, "ready", table[*i].name, 1); }
