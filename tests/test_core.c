/* The cancellation core, end to end: tests/targets/tsprobe (and python3) run under
 * LD_PRELOAD=libthreadstop.so; this runner is never preloaded itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include "common/spawn.h"
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

static const char *const calls[] = {
	"accept", "accept4", "read", "recv", "recvfrom", "recvmsg", "poll", "ppoll", "nanosleep",
	"clock_nanosleep", "pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait", "sem_wait", "sem_timedwait",
	"sem_clockwait", "pthread_join", "pthread_timedjoin_np", "pthread_clockjoin_np",
	/* not interposed: glibc's stdio reads through its internal read; a stop ends the read
	 * it is blocked in (doc/design.md) */
	"fgets",
};
#define NCALLS (sizeof calls / sizeof calls[0])

/* Criterion starts each worker as a new process image: parameters must not be
 * pointers into this one, so tests take an index into calls[]. */
static struct criterion_test_params call_params(int skip_fgets)
{
	static int idx[NCALLS];
	size_t n = 0;
	for (size_t i = 0; i < NCALLS; i++)
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
	struct run r;
	probe(&r, "block", calls[*call]);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
	if (strcmp(calls[*call], "pthread_cond_timedwait") && strcmp(calls[*call], "pthread_cond_clockwait") &&
	    strncmp(calls[*call], "sem_", 4))
		cr_assert(strstr(r.out, "ECANCELED"), "%s", r.out);
	else if (strcmp(calls[*call], "sem_wait"))
		cr_assert(strstr(r.out, "a plain stop does not fail it: ETIMEDOUT"), "%s", r.out);
}

/* With no stop, results, timeouts, error numbers and errno are glibc's. */
ParameterizedTestParameters(nostop, unchanged) { return CALL_PARAMS; }
ParameterizedTest(int *call, nostop, unchanged, .timeout = 60) { expect_pass("nostop", calls[*call]); }

/* A stop before the call: ECANCELED at once, without entering the kernel (the data a
 * read would have taken is still there). */
ParameterizedTestParameters(prestop, no_kernel_entry) { return CALL_PARAMS; }
ParameterizedTest(int *call, prestop, no_kernel_entry, .timeout = 60) { expect_pass("prestop", calls[*call]); }

/* A forced stop ends the thread through pthread_exit: cleanup handlers run, condition
 * waits re-acquire their mutex first.  (fgets is not interposed: the thread exits at its
 * next interposed call, not in fgets.) */
ParameterizedTestParameters(force, exits_thread) { return call_params(1); }
ParameterizedTest(int *call, force, exits_thread, .timeout = 60) { expect_pass("force", calls[*call]); }

/* The cancellation window: 100,000 stops against a reader of a counted byte stream. */
Test(race, no_lost_stop_no_lost_byte, .timeout = 300)
{
	struct run r;
	probe(&r, "race", "100000");
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "100000 stops sent, 100000 observed"), "%s", r.out);
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
	if (access(argv[0], X_OK))
		cr_skip_test("no /usr/bin/python3");
	run_preloaded(&r, argv);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "outcome: ['ECANCELED'"), "%s", r.out);
}

/* Transparency: the shim's signal stays usable and invisible. */
Test(transparency, threads_that_block_every_signal_are_stopped, .timeout = 60) { expect_pass("sigblockall", 0); }
Test(transparency, program_with_a_handler_for_every_signal, .timeout = 60) { expect_pass("sighandlers", 0); }
Test(transparency, sig_ign_and_sig_dfl_of_the_shims_signal_number, .timeout = 60) { expect_pass("sigdefault", 0); }
Test(transparency, pthread_cancel_self_disabled_then_enabled, .timeout = 60) { expect_pass("pcancel-self", 0); }
Test(transparency, fork_from_threads_under_load, .timeout = 120)
{
	struct run r;
	char *argv[] = { TSPROBE, "fork", 0 };
	char *asan[] = { "TSPROBE_NO_THREADS_IN_FORK=1", 0 };
	run_env(&r, argv, LIBTHREADSTOP, getenv("THREADSTOP_TEST_PRELOAD_FIRST") ? asan : 0);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "ok: fork: 200 children forked under load, none hung"), "%s", r.out);
}

Test(transparency, vfork_posix_spawn_system_popen, .timeout = 60) { expect_pass("spawn", 0); }

/* With an allocator preloaded too (dlsym allocates while the shim binds its symbols),
 * in either order. */
Test(transparency, with_jemalloc_or_tcmalloc_preloaded, .timeout = 120)
{
	static const char *const allocs[] = { "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
					      "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4" };
	int ran = 0;
	for (unsigned i = 0; i < 2; i++) {
		char list[2][1024];
		if (access(allocs[i], R_OK))
			continue;
		snprintf(list[0], sizeof list[0], "%s:%s", allocs[i], LIBTHREADSTOP);
		snprintf(list[1], sizeof list[1], "%s:%s", LIBTHREADSTOP, allocs[i]);
		for (int k = 0; k < 2; k++) {
			struct run r;
			char *argv[] = { TSPROBE, "block", "pthread_cond_wait", 0 };
			run_env(&r, argv, list[k], 0);
			cr_assert_eq(r.status, 0, "LD_PRELOAD=%s:\n%s", list[k], r.out);
			cr_assert_null(strstr(r.out, "FAIL"), "LD_PRELOAD=%s:\n%s", list[k], r.out);
			ran++;
		}
	}
	if (!ran)
		cr_skip_test("neither libjemalloc2 nor libtcmalloc-minimal4 is installed (scripts/deps installs them)");
}

/* Another library's constructor makes interposed calls before the shim's constructor. */
Test(transparency, calls_from_an_earlier_constructor, .timeout = 60)
{
	struct run r;
	char *argv[] = { TSPROBE, "early", 0 };
	run_env(&r, argv, LIBTHREADSTOP ":" LIBTSEARLY, 0);
	cr_log_info("%s", r.out);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert(strstr(r.out, "ok: a library constructor's interposed calls"), "%s", r.out);
}

/* No output of its own: real programs print exactly what they print without the shim;
 * THREADSTOP_DEBUG=1 makes it speak. */
Test(transparency, silent_unless_debug, .timeout = 60)
{
	struct run plain, shim, debug;
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; ls / >/dev/null; sleep 0.01; cat /etc/hostname >/dev/null; echo done", 0 };
	char *dbg[] = { "THREADSTOP_DEBUG=1", 0 };
	run_env(&plain, argv, "", 0);
	run_env(&shim, argv, LIBTHREADSTOP, 0);
	run_env(&debug, argv, LIBTHREADSTOP, dbg);
	cr_assert_eq(shim.status, plain.status);
	cr_assert_str_eq(shim.out, plain.out, "with the shim:\n%s\nwithout:\n%s", shim.out, plain.out);
	cr_assert(strstr(debug.out, "threadstop: loaded in pid"), "THREADSTOP_DEBUG=1 printed:\n%s", debug.out);
}

/* No fd of the shim's leaks into an exec'd program. */
Test(transparency, no_fd_leaks_into_exec, .timeout = 60)
{
	struct run plain, shim;
	/* the shell runs with the shim; the ls it execs runs without it and lists its fds */
	char *argv[] = { "/bin/sh", "-c", "exec env -u LD_PRELOAD ls /proc/self/fd", 0 };
	run_env(&plain, argv, "", 0);
	run_env(&shim, argv, LIBTHREADSTOP, 0);
	cr_assert_eq(shim.status, 0, "%s", shim.out);
	cr_assert_str_eq(shim.out, plain.out, "fds with the shim:\n%s\nwithout:\n%s", shim.out, plain.out);
}
