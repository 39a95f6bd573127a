/* The threads of a process without the shim, as /proc tells them (see procfs.h);
 * proclist.c shows them. */
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

enum sys_arg { A_NONE, A_FD, A_MS, A_TS, A_TV, A_ABS, A_CLOCK, A_FUTEX, A_PID, A_IDTYPE, A_RESTART };

struct sys_ent {
	const char *name;
	unsigned char policy, arg, argi;
};

#define STOP TS_SYS_STOP
#define FUTEX TS_SYS_FUTEX
#define OTHER TS_SYS_OTHER
#define TS_SYS(nr, nm, pol, kind, idx) [nr] = { #nm, pol, A_##kind, idx },
static const struct sys_ent sys_table[] = {
#if defined(__x86_64__)
#include "syscalls_x86_64.def"
#elif defined(__aarch64__)
#include "syscalls_aarch64.def"
#else
#error "no system call table for this architecture (cli/syscalls_ARCH.def)"
#endif
};
#undef TS_SYS
#undef STOP
#undef FUTEX
#undef OTHER

#define NSYS ((long)(sizeof sys_table / sizeof sys_table[0]))

const char *ts_sys_name(long nr)
{
	static char buf[32];
	if (nr >= 0 && nr < NSYS && sys_table[nr].name)
		return sys_table[nr].name;
	snprintf(buf, sizeof buf, "syscall_%ld", nr);
	return buf;
}

enum ts_sys_policy ts_sys_policy(long nr)
{
	if (nr >= 0 && nr < NSYS && sys_table[nr].name)
		return (enum ts_sys_policy)sys_table[nr].policy;
	return TS_SYS_OTHER;
}

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

const char *ts_proc_call(const struct ts_pthread *t)
{
	if (t->nr == TS_NR_UNKNOWN)
		return "?";
	if (t->nr == TS_NR_RUNNING || t->state == 'R')
		return "-";
	return ts_sys_name(t->nr);
}

/* A struct timespec (or timeval, usec) at addr in pid, in ms; -1 if unreadable. */
static long long remote_ms(pid_t pid, unsigned long addr, int usec)
{
	long long v[2];
	struct iovec local = { v, sizeof v }, remote = { (void *)addr, sizeof v };
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof v || v[0] < 0 || v[1] < 0)
		return -1;
	return v[0] * 1000 + (usec ? v[1] / 1000 : v[1] / 1000000);
}

static void fmt_rel(char *out, size_t sz, pid_t pid, unsigned long addr, int usec)
{
	long long ms;
	if (!addr) {
		snprintf(out, sz, "timeout=none");
		return;
	}
	ms = remote_ms(pid, addr, usec);
	if (ms < 0)
		snprintf(out, sz, "timeout=?");
	else
		snprintf(out, sz, "timeout=%lld", ms);
}

void ts_proc_arg(pid_t pid, const struct ts_pthread *t, char *out, size_t sz)
{
	const struct sys_ent *e;
	unsigned long a;
	snprintf(out, sz, "-");
	if (t->nr < 0 || t->nr >= NSYS || t->state == 'R' || !sys_table[t->nr].name)
		return;
	e = &sys_table[t->nr];
	a = t->args[e->argi];
	switch (e->arg) {
	case A_FD:
		snprintf(out, sz, "fd=%d", (int)a);
		break;
	case A_MS:
		if ((int)a < 0)
			snprintf(out, sz, "timeout=none");
		else
			snprintf(out, sz, "timeout=%d", (int)a);
		break;
	case A_TS:
	case A_TV:
		fmt_rel(out, sz, pid, a, e->arg == A_TV);
		break;
	case A_ABS:
		snprintf(out, sz, a ? "deadline" : "timeout=none");
		break;
	case A_CLOCK: /* clock_nanosleep(clock, flags, req, rem) */
		if (t->args[1] & 1 /* TIMER_ABSTIME */)
			snprintf(out, sz, "deadline");
		else
			fmt_rel(out, sz, pid, a, 0);
		break;
	case A_FUTEX: { /* futex(uaddr, op, val, timeout, ...) */
		unsigned op = (unsigned)t->args[1] & 127;
		if (op == 0) /* FUTEX_WAIT: relative */
			fmt_rel(out, sz, pid, a, 0);
		else if (op == 9 || op == 11 || op == 6 || op == 13) /* WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI(2) */
			snprintf(out, sz, a ? "deadline" : "timeout=none");
		break;
	}
	case A_PID:
		if ((int)a == -1)
			snprintf(out, sz, "pid=any");
		else if ((int)a < -1)
			snprintf(out, sz, "pgid=%d", -(int)a);
		else if ((int)a == 0)
			snprintf(out, sz, "pgid=own");
		else
			snprintf(out, sz, "pid=%d", (int)a);
		break;
	case A_IDTYPE: /* waitid(idtype, id, ...) */
		if (a == 0)
			snprintf(out, sz, "pid=any");
		else if (a == 1)
			snprintf(out, sz, "pid=%d", (int)t->args[1]);
		else if (a == 2)
			snprintf(out, sz, t->args[1] ? "pgid=%d" : "pgid=own", (int)t->args[1]);
		else if (a == 3)
			snprintf(out, sz, "pidfd=%d", (int)t->args[1]);
		break;
	}
}

static int is_call(long nr, const char *name) { return nr >= 0 && !strcmp(ts_sys_name(nr), name); }

/* restart_syscall continues a sleep, a poll or a timed futex wait after a signal or a
 * stop; only wchan tells which. */
static int restart_is_futex(const struct ts_pthread *t) { return strstr(t->wchan, "futex") != 0; }
static int restart_is_sleep(const struct ts_pthread *t)
{
	return strstr(t->wchan, "nanosleep") || strstr(t->wchan, "poll");
}

const char *ts_proc_refusal(const struct ts_pthread *t, char *buf, size_t sz)
{
	const char *name = ts_sys_name(t->nr);
	if (t->tracer) {
		snprintf(buf, sz, "traced by pid %d (a debugger or strace): a thread has one tracer at a time; detach it first",
			 (int)t->tracer);
		return buf;
	}
	if (t->kthread)
		return "a kernel thread";
	switch (t->state) {
	case 'Z':
	case 'X':
		return "it has exited";
	case 'T':
		return "stopped by a signal (state T): continue it first (kill -CONT)";
	case 't':
		return "stopped by its tracer";
	case 'R':
		return "running, not blocked in a system call: there is no call to end";
	}
	if (t->nr == TS_NR_RUNNING)
		return "not in a system call: there is no call to end";
	if (t->nr == TS_NR_UNKNOWN) {
		snprintf(buf, sz, "its system call cannot be read from /proc (%s)", strerror(t->nr_errno));
		return buf;
	}
	if (t->state == 'D') {
		snprintf(buf, sz, "in an uninterruptible sleep (state D) in %s: neither a signal nor ptrace interrupts it",
			 name);
		return buf;
	}
	if (t->state != 'S') {
		snprintf(buf, sz, "in state %c, not asleep in a system call", t->state);
		return buf;
	}
	if (ts_sys_policy(t->nr) == TS_SYS_FUTEX || (is_call(t->nr, "restart_syscall") && restart_is_futex(t)))
		return "in a futex wait (a mutex, condition variable, semaphore or join): glibc aborts when such a wait "
		       "fails, so only the shim ('threadstop run') can stop it";
	if (is_call(t->nr, "restart_syscall") && !restart_is_sleep(t)) {
		char w[256];
		snprintf(buf, sz, "restarting a call after a signal (restart_syscall, in %s): which call cannot be told, "
			 "so it is left alone", esc(t->wchan[0] ? t->wchan : "?", w, sizeof w));
		return buf;
	}
	/* fcntl waits only to take a lock (F_SETLKW, F_OFD_SETLKW) */
	if (ts_sys_policy(t->nr) == TS_SYS_OTHER || (is_call(t->nr, "fcntl") && t->args[1] != 7 && t->args[1] != 38)) {
		snprintf(buf, sz, "in %s, not a wait threadstop ends (see 'threadstop --help')", name);
		return buf;
	}
	return 0;
}

const char *ts_proc_state(const struct ts_pthread *t)
{
	char buf[256];
	switch (t->state) {
	case 'R':
		return "running";
	case 'S':
		if (t->nr == TS_NR_UNKNOWN || t->nr == TS_NR_RUNNING)
			return "sleeping";
		return ts_proc_refusal(t, buf, sizeof buf) ? "waiting" : "blocked";
	case 'D':
		return "disk-wait";
	case 'T':
		return "job-stopped";
	case 't':
		return "traced";
	case 'Z':
	case 'X':
		return "zombie";
	case 'I':
		return "idle";
	}
	return "sleeping";
}

int ts_proc_has_shim(pid_t pid)
{
	char path[40], line[512];
	FILE *f;
	int hit = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!hit && fgets(line, sizeof line, f))
		hit = strstr(line, "libthreadstop") != 0;
	if (!hit && ferror(f))
		hit = -1;
	fclose(f);
	return hit;
}

/* Does pid's listener answer (its abstract name, checked by SO_PEERCRED: client.c)?
 * Then the control path judges it.  There is never anything to remove. */
static int serving(pid_t pid, double deadline)
{
	struct tsc c;
	int e = tsc_open_until(&c, pid, deadline_ms(deadline));
	if (!e)
		tsc_close(&c);
	return e != -ENOENT;
}

int ts_proc_without_shim(pid_t pid, double deadline)
{
	char path[40], exe[PATH_MAX], self[PATH_MAX], *env, *p;
	ssize_t n, k;
	int fd, pending = 0;
	if (ts_proc_has_shim(pid) != 0)
		return 0;
	/* Gone or a zombie: the control path says so. */
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (ts_proc_slurp(path, exe, sizeof exe) <= 0 || !(env = strrchr(exe, ')')) || env[1] != ' ' || env[2] == 'Z' ||
	    env[2] == 'X')
		return 0;
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof exe - 1);
	k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0 && n == k && !memcmp(exe, self, (size_t)n))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || !(env = malloc(1 << 16))) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	n = 0;
	while (n < (1 << 16) - 1 && (k = read(fd, env + n, (size_t)((1 << 16) - 1 - n))) > 0)
		n += k;
	close(fd);
	env[n] = 0;
	for (p = env; p < env + n; p += strlen(p) + 1)
		if (!strncmp(p, "LD_PRELOAD=", 11) && strstr(p, "libthreadstop"))
			pending = 1;
	free(env);
	return !pending && !serving(pid, deadline);
}

int ts_proc_is_64bit(pid_t pid)
{
	char path[40], ident[5];
	int fd;
	ssize_t n;
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, ident, sizeof ident);
	close(fd);
	return !(n == 5 && !memcmp(ident, "\177ELF", 4) && ident[4] == 1 /* ELFCLASS32 */);
}

static long status_field(pid_t pid, const char *key)
{
	char path[40], buf[4096], *p;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (ts_proc_slurp(path, buf, sizeof buf) <= 0 || !(p = strstr(buf, key)))
		return -1;
	return strtol(p + strlen(key), 0, 10);
}

pid_t ts_proc_tracer(pid_t pid) { return (pid_t)status_field(pid, "\nTracerPid:"); }

void ts_proc_why_denied(pid_t pid, char *buf, size_t sz)
{
	char path[40], st[4096], *p;
	int scope = -1, cap = 0;
	long uid[4] = { -1, -1, -1, -1 };
	struct stat sb;
	uid_t me = geteuid();

	if (ts_proc_slurp("/proc/sys/kernel/yama/ptrace_scope", st, sizeof st) > 0)
		scope = atoi(st);
	if (ts_proc_slurp("/proc/self/status", st, sizeof st) > 0 && (p = strstr(st, "\nCapEff:")))
		cap = (strtoull(p + 8, 0, 16) >> 19) & 1; /* CAP_SYS_PTRACE */
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (ts_proc_slurp(path, st, sizeof st) > 0 && (p = strstr(st, "\nUid:")))
		sscanf(p + 5, "%ld %ld %ld %ld", &uid[0], &uid[1], &uid[2], &uid[3]);
	snprintf(path, sizeof path, "/proc/%d", (int)pid);

	if (scope == 3)
		snprintf(buf, sz, "kernel.yama.ptrace_scope is 3: no process may be traced on this system (until a reboot)");
	else if (cap)
		snprintf(buf, sz, "refused even with CAP_SYS_PTRACE (a seccomp filter, a container or a security module?)");
	else if ((uid[0] >= 0 && (uid[0] != (long)me || uid[1] != (long)me || uid[2] != (long)me)))
		snprintf(buf, sz, "pid %d runs as uid %ld: tracing another user's (or a setuid) process needs "
			 "CAP_SYS_PTRACE (run as root)", (int)pid, uid[1]);
	else if (scope == 2)
		snprintf(buf, sz, "kernel.yama.ptrace_scope is 2: only a process with CAP_SYS_PTRACE may trace (run as root)");
	else if (scope == 1)
		snprintf(buf, sz, "kernel.yama.ptrace_scope is 1: a process may be traced only by its ancestors; run "
			 "threadstop with CAP_SYS_PTRACE (as root), or set the sysctl kernel.yama.ptrace_scope=0");
	else if (!stat(path, &sb) && sb.st_uid != me)
		snprintf(buf, sz, "pid %d is not dumpable (prctl PR_SET_DUMPABLE 0, or it changed its identity): tracing "
			 "it needs CAP_SYS_PTRACE (run as root)", (int)pid);
	else
		snprintf(buf, sz, "tracing needs the same user and kernel.yama.ptrace_scope 0, or CAP_SYS_PTRACE");
}
