/* `list` and `ps --all` for processes without the shim, built on what procfs.c reads
 * from /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "procfs.h"

static void fmt_slept(char *out, size_t sz, double d)
{
	if (d < 0)
		snprintf(out, sz, "-");
	else if (d < 60)
		snprintf(out, sz, "%.1fs", d);
	else if (d < 3600)
		snprintf(out, sz, "%dm%02ds", (int)d / 60, (int)d % 60);
	else if (d < 86400)
		snprintf(out, sz, "%dh%02dm", (int)d / 3600, (int)d % 3600 / 60);
	else
		snprintf(out, sz, "%dd%02dh", (int)(d / 86400), (int)d % 86400 / 3600);
}

int ts_proc_list(pid_t pid, int json)
{
	struct ts_pthread *v;
	char arg[64], why[256];
	int n = ts_proc_threads(pid, &v), i, w[5] = { 3, 4, 5, 4, 14 }, unreadable = 0;

	if (n == -ESRCH) {
		fprintf(stderr, "threadstop: no process with pid %d\n", (int)pid);
		return 3;
	}
	if (n < 0) {
		fprintf(stderr, "threadstop: cannot read /proc/%d/task: %s\n", (int)pid, strerror(-n));
		return 3;
	}
	for (i = 0; i < n; i++)
		unreadable += v[i].nr == TS_NR_UNKNOWN && (v[i].nr_errno == EACCES || v[i].nr_errno == EPERM);
	if (unreadable)
		ts_proc_why_denied(pid, why, sizeof why);
	if (json) {
		printf("{\"pid\":%d,\"shim\":false,\"source\":\"proc\",\"threads\":[", (int)pid);
		for (i = 0; i < n; i++) {
			const struct ts_pthread *t = &v[i];
			const char *r = ts_proc_refusal(t, why, sizeof why);
			ts_proc_arg(pid, t, arg, sizeof arg);
			printf("%s{\"tid\":%d,\"name\":", i ? "," : "", (int)t->tid);
			put_json(stdout, t->name);
			printf(",\"state\":\"%s\",\"call\":", ts_proc_state(t));
			if (t->nr >= 0 && t->state != 'R')
				put_json(stdout, ts_sys_name(t->nr)), printf(",\"syscall\":%ld", t->nr);
			else
				printf("null,\"syscall\":null");
			printf(",\"arg\":");
			if (strcmp(arg, "-"))
				put_json(stdout, arg);
			else
				printf("null");
			printf(",\"wchan\":");
			if (t->wchan[0])
				put_json(stdout, t->wchan);
			else
				printf("null");
			if (t->slept >= 0)
				printf(",\"slept_s\":%.3f", t->slept);
			else
				printf(",\"slept_s\":null");
			printf(",\"stoppable\":%s,\"refusal\":", r ? "false" : "true");
			if (r)
				put_json(stdout, r);
			else
				printf("null");
			printf("}");
		}
		printf("]}\n");
		free(v);
		return 0;
	}
	for (i = 0; i < n; i++) {
		int k;
		char tid[16];
		snprintf(tid, sizeof tid, "%d", (int)v[i].tid);
		k = (int)strlen(tid), w[0] = k > w[0] ? k : w[0];
		k = field_width(v[i].name[0] ? v[i].name : "-"), w[1] = k > w[1] ? k : w[1];
		k = (int)strlen(ts_proc_state(&v[i])), w[2] = k > w[2] ? k : w[2];
		k = (int)strlen(ts_proc_call(&v[i])), w[3] = k > w[3] ? k : w[3];
		ts_proc_arg(pid, &v[i], arg, sizeof arg);
		k = (int)strlen(arg), w[4] = k > w[4] ? k : w[4];
	}
#if defined(__x86_64__)
	printf("no shim: read from /proc (end a blocked call with 'threadstop stop --ptrace %d SELECTOR')\n", (int)pid);
#else
	printf("no shim: read from /proc (pid %d)\n", (int)pid);
#endif
	if (!ts_proc_is_64bit(pid))
		printf("a 32-bit program: CALL names below are wrong (64-bit numbers); stop --ptrace refuses it\n");
	printf("%*s  %-*s  %-*s  %-*s  %-*s  %-6s  %s\n", w[0], "TID", w[1], "NAME", w[2], "STATE", w[3], "CALL", w[4],
	       "ARG", "SINCE", "WCHAN");
	for (i = 0; i < n; i++) {
		char since[24];
		ts_proc_arg(pid, &v[i], arg, sizeof arg);
		fmt_slept(since, sizeof since, v[i].slept);
		printf("%*d  ", w[0], (int)v[i].tid);
		put_field(stdout, v[i].name[0] ? v[i].name : "-", w[1]); /* the only bytes of the process */
		printf("  %-*s  %-*s  %-*s  %-6s  ", w[2], ts_proc_state(&v[i]), w[3], ts_proc_call(&v[i]), w[4], arg,
		       since);
		put_field(stdout, v[i].wchan[0] ? v[i].wchan : "-", 0);
		putchar('\n');
	}
	if (unreadable) {
		ts_proc_why_denied(pid, why, sizeof why);
		fprintf(stderr, "threadstop: the system calls of pid %d cannot be read (CALL '?'): %s\n", (int)pid, why);
	}
	free(v);
	return 0;
}

/* ps --all */

/* Thread, blocked and stopped counts of a process with the shim, from its control socket.
 * 0, or -errno. */
/* Thread, blocked and stopped counts of a process with the shim, from its control socket,
 * within CLI_PS_EACH_S of the deadline as `ps` gives each process.  0, or -errno. */
static int shim_counts(pid_t pid, double deadline, int *threads, int *blocked, int *stopped)
{
	struct tlist l = { 0 };
	struct tsc c;
	double each = now_mono() + CLI_PS_EACH_S;
	int e = tsc_open_until(&c, pid, deadline_ms(each < deadline ? each : deadline)), i;
	if (e)
		return e;
	e = fetch_list(&c, &l);
	tsc_close(&c);
	*threads = l.n;
	*blocked = *stopped = 0;
	for (i = 0; !e && i < l.n; i++) {
		*blocked += !strcmp(l.t[i].state, TSP_ST_BLOCKED);
		*stopped += !strcmp(l.t[i].state, TSP_ST_STOPPED) || !strcmp(l.t[i].state, TSP_ST_PENDING);
	}
	free(l.t);
	return e;
}

static void cmdline(pid_t pid, char *out, size_t sz)
{
	char path[40];
	ssize_t n, i;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	n = ts_proc_slurp(path, out, sz);
	if (n <= 0) {
		snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
		if (ts_proc_slurp(path, out + 1, sz - 2) > 0) { /* a kernel thread, or an emptied cmdline */
			out[0] = '[';
			out[strcspn(out, "\n")] = 0;
			strcat(out, "]");
		} else {
			snprintf(out, sz, "?");
		}
		return;
	}
	for (i = 0; i < n - 1; i++)
		if (!out[i])
			out[i] = ' ';
}

int ts_proc_ps_all(int json, double deadline)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int first = 1;
	pid_t self = getpid();
	uid_t me = geteuid();

	if (!d) {
		fprintf(stderr, "threadstop: cannot read /proc: %s\n", strerror(errno));
		return 3;
	}
	if (json)
		printf("[");
	else
		printf("%7s  %7s  %7s  %7s  %-4s  %s\n", "PID", "THREADS", "BLOCKED", "STOPPED", "SHIM", "COMMAND");
	while ((de = readdir(d))) {
		char path[300], cmd[256];
		struct ts_pthread *v, v0;
		struct stat sb;
		long pid = strtol(de->d_name, 0, 10);
		int n, i, shim, threads = 0, blocked = 0, stopped = -1;
		if (pid <= 0 || pid > INT_MAX || pid == self)
			continue;
		snprintf(path, sizeof path, "/proc/%ld", pid);
		if (stat(path, &sb) || sb.st_uid != me)
			continue;
		if (ts_proc_thread((pid_t)pid, (pid_t)pid, &v0) || v0.kthread || v0.state == 'Z' || v0.state == 'X')
			continue;
		shim = ts_proc_has_shim((pid_t)pid) == 1;
		/* A stopped process cannot answer on its socket: count it from /proc. */
		if (!shim || v0.state == 'T' || v0.state == 't' || shim_counts((pid_t)pid, deadline, &threads, &blocked, &stopped)) {
			if ((n = ts_proc_threads((pid_t)pid, &v)) < 0)
				continue;
			threads = n;
			blocked = 0;
			for (i = 0; i < n; i++) {
				char why[256];
				blocked += !ts_proc_refusal(&v[i], why, sizeof why);
			}
			free(v);
			stopped = -1;
		}
		if (!blocked)
			continue;
		cmdline((pid_t)pid, cmd, sizeof cmd);
		if (json) {
			printf("%s{\"pid\":%ld,\"threads\":%d,\"blocked\":%d,\"stopped\":", first ? "" : ",", pid, threads,
			       blocked);
			if (stopped >= 0)
				printf("%d", stopped);
			else
				printf("null");
			printf(",\"shim\":%s,\"command\":", shim ? "true" : "false");
			put_json(stdout, cmd);
			printf("}");
		} else {
			char st[16];
			snprintf(st, sizeof st, stopped >= 0 ? "%d" : "-", stopped);
			printf("%7ld  %7d  %7d  %7s  %-4s  ", pid, threads, blocked, st, shim ? "yes" : "no");
			put_field(stdout, cmd, 0);
			putchar('\n');
		}
		first = 0;
	}
	closedir(d);
	if (json)
		printf("]\n");
	return 0;
}
