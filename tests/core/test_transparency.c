/* Transparency, end to end: with no stop requested, no program can tell the shim is
 * there (doc/design.md; the contract's rule 6).  tests/core/tsprobe and real programs
 * run under LD_PRELOAD=libthreadstop.so; this runner is never preloaded itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runner.h"

/* tsprobe SCENARIO under the shim, with env added (may be null): it must exit 0. */
static void run_probe(struct run *r, const char *scenario, char **env)
{
	char *argv[] = { TSPROBE, (char *)scenario, 0 };
	skip_if_emulated(scenario, 0);
	run_env(r, argv, LIBTHREADSTOP, env);
	cr_log_info("%s:\n%s", scenario, r->out);
	cr_assert_eq(r->status, 0, "tsprobe %s exited %d:\n%s", scenario, r->status, r->out);
}

static void expect_pass(const char *scenario)
{
	struct run r;
	run_probe(&r, scenario, 0);
	cr_assert(strstr(r.out, "ok: "), "tsprobe %s printed no finding:\n%s", scenario, r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
}

/* Transparency: the shim's signal stays usable and invisible. */
Test(transparency, threads_that_block_every_signal_are_stopped, .timeout = 60) { expect_pass("sigblockall"); }
Test(transparency, program_with_a_handler_for_every_signal, .timeout = 60) { expect_pass("sighandlers"); }
Test(transparency, sig_ign_and_sig_dfl_of_the_shims_signal_number, .timeout = 60) { expect_pass("sigdefault"); }
Test(transparency, pthread_cancel_self_disabled_then_enabled, .timeout = 60) { expect_pass("pcancel-self"); }
Test(transparency, fork_from_threads_under_load, .timeout = 120)
{
	struct run r;
	char *asan[] = { "TSPROBE_NO_THREADS_IN_FORK=1", 0 };
	run_probe(&r, "fork", getenv("THREADSTOP_TEST_PRELOAD_FIRST") ? asan : 0);
	cr_assert(strstr(r.out, "ok: fork: 200 children forked under load, none hung"), "%s", r.out);
}

Test(transparency, vfork_posix_spawn_system_popen, .timeout = 60) { expect_pass("spawn"); }

/* With an allocator preloaded too (dlsym allocates while the shim binds its symbols),
 * in either order. */
Test(transparency, with_jemalloc_or_tcmalloc_preloaded, .timeout = 120)
{
	static const char *const allocs[] = { "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
					      "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4" };
	int ran = 0;
	skip_if_emulated("program", "allocators");
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
	skip_if_emulated("program", "/bin/sh");
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
	skip_if_emulated("program", "/bin/sh");
	run_env(&plain, argv, "", 0);
	run_env(&shim, argv, LIBTHREADSTOP, 0);
	cr_assert_eq(shim.status, 0, "%s", shim.out);
	cr_assert_str_eq(shim.out, plain.out, "fds with the shim:\n%s\nwithout:\n%s", shim.out, plain.out);
}

/* Issue 11: what a program could still tell. */
Test(transparency, pthread_cancel_before_the_thread_ran, .timeout = 120) { expect_pass("pcancel-early"); }
Test(transparency, fork_while_threads_set_the_shims_signal_disposition, .timeout = 120) { expect_pass("forksig"); }
Test(transparency, unreadable_masks_fail_with_efault, .timeout = 60) { expect_pass("efault"); }
Test(transparency, the_virtual_disposition_never_tears, .timeout = 120) { expect_pass("sigtear"); }
Test(transparency, the_programs_own_signals_of_the_shims_number, .timeout = 60) { expect_pass("sigqueue"); }
Test(transparency, handler_without_sa_restart_interrupts_read, .timeout = 60) { expect_pass("norestart"); }

Test(transparency, nested_wait_in_a_handler_keeps_the_outer_arg, .timeout = 120)
{
	struct run r;
	char *env[] = { "TSPROBE_CLI=" THREADSTOP_CLI, 0 };
	run_probe(&r, "nested", env);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
}

/* Under seccomp: a filter that kills on membarrier does not kill the program (the shim
 * does without it, and says so with THREADSTOP_DEBUG=1); stops still work. */
Test(transparency, seccomp_filter_that_kills_on_membarrier, .timeout = 60)
{
	struct run r, dbg;
	char *argv[] = { SECCOMP_EXEC, "kill-membarrier", TSPROBE, "block", "read", 0 };
	char *plain[] = { SECCOMP_EXEC, "kill-membarrier", "/bin/echo", "hello", 0 };
	char *debug[] = { "THREADSTOP_DEBUG=1", 0 };
	run_env(&r, argv, LIBTHREADSTOP, 0);
	cr_log_info("%s", r.out);
	if (r.status == 77 && strstr(r.out, "seccomp"))
		cr_skip_test("no seccomp filter can be installed here: %s", r.out);
	cr_assert_eq(r.status, 0, "exit %d:\n%s", r.status, r.out);
	cr_assert_null(strstr(r.out, "FAIL"), "%s", r.out);
	run_env(&dbg, plain, LIBTHREADSTOP, debug);
	cr_assert_eq(dbg.status, 0, "exit %d:\n%s", dbg.status, dbg.out);
	cr_assert(strstr(dbg.out, "hello") && strstr(dbg.out, "seccomp filter: no membarrier"), "%s", dbg.out);
}

/* A filter that refuses the cancel signal: the stop is reported not delivered. */
Test(transparency, seccomp_refused_signal_reports_not_delivered, .timeout = 60) { expect_pass("seccomp-eperm"); }
