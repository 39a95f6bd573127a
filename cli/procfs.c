/* The threads of a process without the shim, as /proc tells them (see procfs.h): each
 * thread's name, state, system call and its arguments, wchan, context switches and time
 * asleep.  What they mean is told elsewhere (syscalls.c, procstate.c); proclist.c shows
 * them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

ssize_t ts_proc_slurp(const char *path, char *buf, size_t sz)
{
	ssize_t n = 0, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)len < sz - 1 && (n = read(fd, buf + len, sz - 1 - (size_t)len)) > 0)
		len += n;
	if (len == 0 && n < 0)
		len = -errno;
	close(fd);
	buf[len > 0 ? len : 0] = 0;
	return len;
}

/* se.exec_start of a sched file, in seconds of the scheduler's clock, or -1. */
static double exec_start(const char *path)
{
	char buf[4096], *p;
	if (ts_proc_slurp(path, buf, sizeof buf) <= 0 || !(p = strstr(buf, "\nse.exec_start")) || !(p = strchr(p, ':')))
		return -1;
	return strtod(p + 1, 0) / 1000;
}

int ts_proc_thread(pid_t pid, pid_t tid, struct ts_pthread *t)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->slept = -1;
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	if ((n = ts_proc_slurp(path, buf, sizeof buf)) <= 0)
		return n < 0 && n != -ENOENT ? (int)n : -ESRCH;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -ESRCH;
	t->state = p[2];
	{ /* after the state: ppid pgrp session tty_nr tpgid flags */
		unsigned long flags = 0;
		if (sscanf(p + 3, "%*d %*d %*d %*d %*d %lu", &flags) == 1)
			t->kthread = (flags & 0x00200000) != 0; /* PF_KTHREAD */
	}
	*p = 0;
	if ((p = strchr(buf, '(')))
		snprintf(t->name, sizeof t->name, "%s", p + 1);

	snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)tid);
	if (ts_proc_slurp(path, buf, sizeof buf) > 0) {
		if ((p = strstr(buf, "\nTracerPid:")))
			t->tracer = (pid_t)atoi(p + 11);
		if ((p = strstr(buf, "\nvoluntary_ctxt_switches:")))
			t->switches = strtoul(p + 25, 0, 10);
		if ((p = strstr(buf, "\nnonvoluntary_ctxt_switches:")))
			t->switches += strtoul(p + 28, 0, 10);
	}

	/* "running", "-1 SP PC" (asleep outside a system call), or "NR A1..A6 SP PC";
	 * reading it needs the permission to ptrace the process. */
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	n = ts_proc_slurp(path, buf, sizeof buf);
	t->nr = TS_NR_UNKNOWN;
	if (n < 0) {
		t->nr_errno = (int)-n;
	} else if (!strncmp(buf, "running", 7)) {
		t->nr = TS_NR_RUNNING;
	} else if (n > 0) {
		char *end;
		long nr = strtol(buf, &end, 10);
		int i;
		t->nr = nr < 0 ? TS_NR_RUNNING : nr;
		for (i = 0; nr >= 0 && i < 6; i++)
			t->args[i] = strtoul(end, &end, 16);
	}

	snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
	if (ts_proc_slurp(path, t->wchan, sizeof t->wchan) > 0 && !strcmp(t->wchan, "0"))
		t->wchan[0] = 0;

	/* The scheduler's clock when it last ran, against ours (we are running now). */
	if (t->state == 'S' || t->state == 'D') {
		double then, now;
		snprintf(path, sizeof path, "/proc/%d/task/%d/sched", (int)pid, (int)tid);
		then = exec_start(path);
		now = exec_start("/proc/thread-self/sched");
		if (then >= 0 && now >= 0)
			t->slept = now > then ? now - then : 0;
	}
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	pid_t x = ((const struct ts_pthread *)a)->tid, y = ((const struct ts_pthread *)b)->tid;
	return (x > y) - (x < y);
}

int ts_proc_threads(pid_t pid, struct ts_pthread **out)
{
	char path[40];
	struct ts_pthread *v = 0;
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		long tid = strtol(de->d_name, 0, 10);
		if (tid <= 0 || tid > INT_MAX)
			continue;
		if (n == cap) {
			struct ts_pthread *p = realloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *v);
			if (!p) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = p;
		}
		if (!ts_proc_thread(pid, (pid_t)tid, &v[n]))
			n++;
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof *v, cmp_tid);
	*out = v;
	return n;
}
