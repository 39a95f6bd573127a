/* What `stop --ptrace` must know of a whole process before it traces a thread: whether
 * its program is 64-bit, who traces it already, and why the kernel refused us. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "procfs.h"

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
