/* The cancellation core, end to end: tests/core/tsprobe (and python3) run under
 * LD_PRELOAD=libthreadstop.so; this runner is never preloaded itself.  The calls are a
 * few representatives of those that block in one system call (tests/cover has them
 * all), every library wait of calls.def (COND, WAIT, JOIN), and stdio's fgets. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include "runner.h"
#include "table.h"
#include <criterion/parameterized.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void run_preloaded(struct run *r, char *const argv[])
{
	run_env(r, argv, LIBTHREADSTOP, 0);
}

static void probe(struct run *r, const char *scenario, const char *arg)
{
	char *argv[] = { TSPROBE, (char *)scenario, (char *)arg, 0 };
	skip_if_emulated(scenario, arg);
	run_preloaded(r, argv);
}

static void expect_pass(const char *scenario, const char *arg)
{
	struct run r;
	probe(&r, scenario, arg);
	cr_log_info("%s %s:\n%s", scenario, arg ? arg : "", r.out);
	cr_assert_eq(r.status, 0, "tsprobe %s %s exited %d:\n%s", scenario, arg ? arg : "", r.status, r.out);
	cr_assert(strstr(r.out, "ok: "), "tsprobe %s printed no finding:\n%s", scenario, r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
}

static const char *const one_syscall[] = {
	"accept", "accept4", "read", "recv", "recvfrom", "recvmsg", "poll", "ppoll", "nanosleep",
	"clock_nanosleep",
};
#define NONE_SYSCALL (sizeof one_syscall / sizeof one_syscall[0])
#define NCALLS (NONE_SYSCALL + NTABLE + 1)
static const char *calls[NCALLS];

static size_t list_calls(void)
{
	size_t n = 0;
	for (size_t i = 0; i < NONE_SYSCALL; i++)
		calls[n++] = one_syscall[i];
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].kind == TS_K_COND || table[i].kind == TS_K_WAIT || table[i].kind == TS_K_JOIN)
			calls[n++] = table[i].name;
	/* not interposed: glibc's stdio reads through its internal read; a stop ends the read
	 * it is blocked in (doc/design.md) */
	calls[n++] = "fgets";
	return n;
}

/* Criterion starts each worker as a new process image: parameters must not be
 * pointers into this one, so tests take an index into calls[], which each process
 * lists the same way. */
static struct criterion_test_params call_params(int skip_fgets)
{
	static int idx[NCALLS];
	size_t n = 0, total = list_calls();
	for (size_t i = 0; i < total; i++)
		if (!skip_fgets || strcmp(calls[i], "fgets"))
			idx[n++] = (int)i;
	return cr_make_param_array(int, idx, n);
}
#define CALL_PARAMS call_params(0)

/* Each interposed call, blocked with nothing to wake it, returns ECANCELED (the timed
 * condition wait: is not failed by a plain stop); the stop is sticky. */
ParameterizedTestParameters(blocked, stopped) { return CALL_PARAMS; }
ParameterizedTest(int *call, blocked, stopped, .timeout = 60)
{
	const struct table_entry *e;
	struct run r;
	list_calls();
	e = table_find(calls[*call]);
	probe(&r, "block", calls[*call]);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
	if (e && e->policy == TS_P_TIMED)
		cr_assert(strstr(r.out, "a plain stop does not fail it: ETIMEDOUT"), "%s", r.out);
	else if (!e || e->kind != TS_K_WAIT)
		cr_assert(strstr(r.out, "ECANCELED"), "%s", r.out);
}

/* With no stop, results, timeouts, error numbers and errno are glibc's. */
ParameterizedTestParameters(nostop, unchanged) { return CALL_PARAMS; }
ParameterizedTest(int *call, nostop, unchanged, .timeout = 60) { list_calls(); expect_pass("nostop", calls[*call]); }

/* A stop before the call: ECANCELED at once, without entering the kernel (the data a
 * read would have taken is still there). */
ParameterizedTestParameters(prestop, no_kernel_entry) { return CALL_PARAMS; }
ParameterizedTest(int *call, prestop, no_kernel_entry, .timeout = 60) { list_calls(); expect_pass("prestop", calls[*call]); }

/* A forced stop ends the thread through pthread_exit: cleanup handlers run, condition
 * waits re-acquire their mutex first.  (fgets is not interposed: the thread exits at its
 * next interposed call, not in fgets.) */
ParameterizedTestParameters(force, exits_thread) { return call_params(1); }
ParameterizedTest(int *call, force, exits_thread, .timeout = 60) { list_calls(); expect_pass("force", calls[*call]); }

/* The cancellation window: 100,000 stops against a reader of a counted byte stream
 * (1,000,000 under an emulator, where they land less evenly: common/runner.h). */
Test(race, no_lost_stop_no_lost_byte, .timeout = 300)
{
	struct run r;
	const char *n = emulator() ? "1000000" : "100000";
	char want[80];
	probe(&r, "race", n);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	snprintf(want, sizeof want, "%s stops sent, %s observed", n, n);
	cr_assert(strstr(r.out, want), "%s", r.out);
}

/* The same with aarch64's split-window build (arch/aarch64/syscall_cp.S): a system call
 * between the token check and the svc lets stops land inside the window even under
 * qemu-user, which delivers signals only between translation blocks or after a system
 * call.  Some must land there, and none may be lost. */
Test(race, split_window_stops_land_after_the_check, .timeout = 300)
{
#ifdef LIBTHREADSTOP_SPLITWIN
	struct run r;
	char *argv[] = { TSPROBE, "race", "100000", 0 };
	const char *p;
	run_env(&r, argv, LIBTHREADSTOP_SPLITWIN, 0);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "100000 stops sent, 100000 observed"), "%s", r.out);
	p = strstr(r.out, "race: ");
	p = p ? strstr(r.out, " stops landed inside the window") : 0;
	cr_assert(p, "the split build did not report its window: %s", r.out);
	while (p > r.out && p[-1] >= '0' && p[-1] <= '9')
		p--;
	cr_assert_gt(atol(p), 0, "no stop landed between the check and the svc:\n%s", r.out);
#else
	cr_skip_test("the split-window build exists for aarch64 only (x86_64 keeps its one window)");
#endif
}

Test(core, gil_wait_after_stop_neither_aborts_nor_spins, .timeout = 60) { expect_pass("gil", 0); }
Test(core, stop_affects_target_only, .timeout = 60) { expect_pass("isolation", 0); }
Test(core, stopped_cond_waiter_leaves_shared_condition_usable, .timeout = 60) { expect_pass("condshare", 0); }
Test(core, cleared_waiter_not_woken_by_old_stop, .timeout = 60) { expect_pass("condclear", 0); }
Test(core, program_pthread_cancel_still_works, .timeout = 60) { expect_pass("pcancel", 0); }
Test(core, api_errors_change_nothing, .timeout = 60) { expect_pass("api", 0); }

/* An unmodified interpreter: CPython's os.read() stopped from another thread. */
Test(core, python_read_stopped_raises_ecanceled, .timeout = 60)
{
	struct run r;
	char *argv[] = { "/usr/bin/python3", PYDIR "/stop_read.py", 0 };
	skip_if_emulated("program", "python3");
	if (access(argv[0], X_OK))
		cr_skip_test("no /usr/bin/python3");
	run_preloaded(&r, argv);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "outcome: ['ECANCELED'"), "%s", r.out);
}
