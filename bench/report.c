/* What ts-bench's parts share (report.h): the run's settings, TAP and Markdown output,
 * running programs and reading their figures. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "report.h"
#include "taskstate.h"

extern char **environ;

int quick;
const char *lib, *bindir, *cli;
char **env_plain, **env_shim;
FILE *mdf;
int ntap, nfail, nmissed;
char tmpdir[64];

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void tap(int ok, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", ok ? "" : "not ", ++ntap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		nfail++;
}

void note(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}


/* "met" / "MISSED" against a target; quick mode asserts nothing. */
const char *verdict(int met)
{
	if (quick)
		return "-";
	if (!met)
		nmissed++;
	return met ? "met" : "**MISSED**";
}


char *bin(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", bindir, name) < 0)
		exit(1);
	return p;
}

/* Start argv with stdin/stdout redirected (-1: inherit). */
pid_t spawn(char *const argv[], char **env, int in, int out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int e;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	e = posix_spawn(&pid, argv[0], &fa, 0, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "ts-bench: %s: %s\n", argv[0], strerror(e));
		return -1;
	}
	return pid;
}

int wait_ok(pid_t pid, const char *what)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	fprintf(stderr, "ts-bench: %s: %s %d\n", what, WIFEXITED(st) ? "exit status" : "killed by signal",
		WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* Run argv to completion and capture its stdout (NUL-terminated).  Returns 1 when it
 * exited 0.  *elapsed: wall time in ns, process start included. */
int run_capture(char *const argv[], char **env, char *buf, size_t size, long long *elapsed)
{
	int p[2], ok;
	size_t len = 0;
	ssize_t n;
	long long t0;
	pid_t pid;
	if (pipe2(p, O_CLOEXEC))
		return 0;
	t0 = now_ns();
	pid = spawn(argv, env, -1, p[1]);
	close(p[1]);
	while ((n = read(p[0], buf + len, size - 1 - len)) > 0 && len + (size_t)n < size - 1)
		len += (size_t)n;
	if (n > 0)
		len += (size_t)n;
	while (n > 0) {
		char sink[4096];
		n = read(p[0], sink, sizeof sink);
	}
	close(p[0]);
	buf[len] = 0;
	ok = wait_ok(pid, argv[0]);
	if (elapsed)
		*elapsed = now_ns() - t0;
	return ok;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int target_start(struct target *t, char *const argv[], int with_stdin)
{
	int o[2], i[2] = { -1, -1 };
	t->in = -1;
	t->out = 0;
	if (pipe2(o, O_CLOEXEC) || (with_stdin && pipe2(i, O_CLOEXEC)))
		return 0;
	t->pid = spawn(argv, env_shim, i[0], o[1]);
	close(o[1]);
	if (i[0] >= 0)
		close(i[0]);
	t->in = i[1];
	t->out = fdopen(o[0], "r");
	return t->pid > 0 && fgets(t->line, sizeof t->line, t->out);
}

int target_end(struct target *t, const char *what)
{
	if (t->in >= 0)
		close(t->in);
	if (t->out)
		fclose(t->out);
	return wait_ok(t->pid, what);
}

char task_state(int pid, int tid)
{
	return task_state_of(pid, tid);
}

double percentile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	int k = (int)(q * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

