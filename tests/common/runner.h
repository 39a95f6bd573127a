/* For the Criterion runners (never preloaded themselves): run a program with a given
 * LD_PRELOAD and extra environment, and capture its stdout and stderr. */
#ifndef TS_RUNNER_H
#define TS_RUNNER_H

#include <criterion/criterion.h>
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

/* In a cross build (cross/aarch64-linux-gnu.ini) the targets run under an emulator:
 * TS_TEST_WRAPPER is its command line, e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu". */
static const char *emulator(void)
{
	const char *w = getenv("TS_TEST_WRAPPER");
	return w && *w ? w : 0;
}

/* What qemu-user 7.2 cannot stand in for (checked on it without the shim where the shim
 * is not involved), by the target's scenario and call; "*" matches any. */
#define QEMU_FORK "a child forked while other threads run crashes in qemu-user 7.2 when it creates a thread (cpu-exec.c: cpu == current_cpu), and the shim starts its listener thread in every fork child"
#define QEMU_PREAD "qemu-user 7.2 makes pread64 as a plain host call, not a restartable one: a guest signal does not interrupt it"
#define QEMU_V2 "qemu-user 7.2 has no preadv2/pwritev2: glibc falls back to preadv/pwritev and leaves errno ENOSYS on success"
static const struct { const char *scenario, *name, *why; } emulator_limits[] = {
	{ "*", "wait", QEMU_FORK }, { "*", "waitpid", QEMU_FORK }, { "*", "wait3", QEMU_FORK },
	{ "*", "wait4", QEMU_FORK }, { "*", "waitid", QEMU_FORK }, { "*", "__wait", QEMU_FORK },
	{ "*", "__waitpid", QEMU_FORK }, { "sigdefault", "*", QEMU_FORK }, { "fork", "*", QEMU_FORK },
	{ "forksig", "*", QEMU_FORK },
	{ "nested", "*", "tsprobe nested runs the threadstop CLI through /bin/sh, which cannot exec an aarch64 binary without binfmt_misc" },
	{ "stop", "pread", QEMU_PREAD }, { "stop", "pread64", QEMU_PREAD },
	{ "stop", "__pread_chk", QEMU_PREAD }, { "stop", "__pread64_chk", QEMU_PREAD },
	{ "*", "epoll_pwait2", "qemu-user 7.2 has no epoll_pwait2 (ENOSYS)" },
	{ "ready", "preadv2", QEMU_V2 }, { "ready", "preadv64v2", QEMU_V2 },
	{ "ready", "pwritev2", QEMU_V2 }, { "ready", "pwritev64v2", QEMU_V2 },
	{ "block", "fgets", "/proc/self/task/TID/syscall shows qemu's own host system calls, not the guest's: a glibc-internal read is not recognised" },
	{ "sigblockall", "*", "qemu-user cannot block guest signals 63 and 64 (they read back unblocked without the shim too)" },
	{ "sighandlers", "*", "qemu-user cannot block guest signals 63 and 64 (they read back unblocked without the shim too)" },
	{ "program", "/bin/sh", "the build machine's /bin/sh cannot load an aarch64 shim" },
	{ "program", "python3", "there is no python3 of the emulated architecture" },
	{ "program", "allocators", "the allocators installed are the build machine's" },
	{ "condclear", "*", "qemu-user delivers a guest signal only at its next safe point, which can fall in the wait begun after the stop was cleared, the likely cause of its spurious wake-ups there (it failed 3 runs in 6 under qemu-user, 0 in 8 natively)" },
};

/* Skip (with the reason) a test of scenario and name that the emulator cannot run. */
static void skip_if_emulated(const char *scenario, const char *name)
{
	if (!emulator())
		return;
	for (size_t i = 0; i < sizeof emulator_limits / sizeof emulator_limits[0]; i++)
		if ((!strcmp(emulator_limits[i].scenario, "*") || !strcmp(emulator_limits[i].scenario, scenario)) &&
		    (!strcmp(emulator_limits[i].name, "*") || !strcmp(emulator_limits[i].name, name ? name : "")))
			cr_skip_test("not under %s: %s", emulator(), emulator_limits[i].why);
}

/* Run argv with LD_PRELOAD=preload_list (none if empty) and extra_env; the caller's
 * LD_PRELOAD and THREADSTOP_* variables are not passed on.  Under an emulator the
 * preload goes to the emulated program (-E), not to the emulator. */
static void run_env(struct run *r, char *const argv[], const char *preload_list, char *const extra_env[])
{
	static char preload[4096], guest_preload[4096], wrapper[1024];
	char *envp[512], *wargv[64];
	int n = 0, fd[2], st, wrapped = 0;
	size_t len = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;

	if (emulator()) {
		snprintf(wrapper, sizeof wrapper, "%s", emulator());
		for (char *w = strtok(wrapper, " "); w && wrapped < 40; w = strtok(0, " "))
			wargv[wrapped++] = w;
		if (*preload_list) {
			snprintf(guest_preload, sizeof guest_preload, "LD_PRELOAD=%s", preload_list);
			wargv[wrapped++] = "-E";
			wargv[wrapped++] = guest_preload;
		}
		for (int i = 0; argv[i] && wrapped < 63; i++)
			wargv[wrapped++] = argv[i];
		wargv[wrapped] = 0;
		argv = wargv;
		preload_list = "";
	}

	/* A sanitized shim in an uninstrumented program needs the sanitizer runtime first. */
	const char *rt = getenv("THREADSTOP_TEST_PRELOAD_FIRST");
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s%s%s", rt ? rt : "", rt ? ":" : "", preload_list);
	for (char **e = environ; *e && n < 480; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "THREADSTOP_", 11))
			envp[n++] = *e;
	if (*preload_list)
		envp[n++] = preload;
	for (int i = 0; extra_env && extra_env[i] && n < 510; i++)
		envp[n++] = extra_env[i];
	envp[n] = 0;
	cr_assert_eq(pipe(fd), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	cr_assert_eq((wrapped ? posix_spawnp : posix_spawn)(&pid, argv[0], &fa, 0, argv, envp), 0, "spawn %s", argv[0]);
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

#endif
