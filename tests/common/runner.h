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

/* Run argv with LD_PRELOAD=preload_list (none if empty) and extra_env; the caller's
 * LD_PRELOAD and THREADSTOP_* variables are not passed on. */
static void run_env(struct run *r, char *const argv[], const char *preload_list, char *const extra_env[])
{
	static char preload[4096];
	char *envp[512];
	int n = 0, fd[2], st;
	size_t len = 0;
	pid_t pid;
	posix_spawn_file_actions_t fa;

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

#endif
