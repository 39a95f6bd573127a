/* The cancellation core, end to end: tests/targets/tsprobe (and python3) run under
 * LD_PRELOAD=libthreadstop.so; this runner is never preloaded itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct run {
	int status;     /* exit code, or 128+signal */
	char out[16384];
};

/* Run argv with the shim preloaded; capture stdout+stderr. */
static void run_preloaded(struct run *r, char *const argv[])
{
	static char preload[4096];
	char *envp[512];
	int n = 0, fd[2], st;
	size_t len = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;

	/* A sanitized shim in an uninstrumented program needs the sanitizer runtime first. */
	const char *rt = getenv("THREADSTOP_TEST_PRELOAD_FIRST");
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s%s%s", rt ? rt : "", rt ? ":" : "", LIBTHREADSTOP);
	for (char **e = environ; *e && n < 500; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11))
			envp[n++] = *e;
	envp[n++] = preload;
	envp[n] = 0;
	cr_assert_eq(pipe(fd), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, 0, argv, envp), 0, "spawn %s", argv[0]);
	close(fd[1]);
	for (;;) {
		ssize_t k = read(fd[0], r->out + len, sizeof r->out - 1 - len);
		if (k <= 0)
			break;
		len += (size_t)k;
		if (len == sizeof r->out - 1)
			len = 0; /* keep the tail */
	}
	r->out[len] = 0;
	close(fd[0]);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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

#define CALLS                                                                                 \
	"accept", "accept4", "read", "recv", "recvfrom", "recvmsg", "poll", "ppoll", "nanosleep", \
	    "clock_nanosleep", "pthread_cond_wait", "pthread_cond_timedwait"

static const char *const calls[] = { CALLS };
#define NCALLS (sizeof calls / sizeof calls[0])

/* Criterion starts each worker as a new process image: parameters must not be
 * pointers into this one, so tests take an index into calls[]. */
static int call_index[NCALLS] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
_Static_assert(NCALLS == 12, "update call_index");
#define CALL_PARAMS cr_make_param_array(int, call_index, NCALLS)

/* Each interposed call, blocked with nothing to wake it, returns ECANCELED (the timed
 * condition wait: is not failed by a plain stop); the stop is sticky. */
ParameterizedTestParameters(blocked, stopped) { return CALL_PARAMS; }
ParameterizedTest(int *call, blocked, stopped, .timeout = 60)
{
	struct run r;
	probe(&r, "block", calls[*call]);
	cr_assert_eq(r.status, 0, "%s", r.out);
	if (strcmp(calls[*call], "pthread_cond_timedwait"))
		cr_assert(strstr(r.out, "ECANCELED"), "%s", r.out);
	else
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
 * waits re-acquire their mutex first. */
ParameterizedTestParameters(force, exits_thread) { return CALL_PARAMS; }
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
