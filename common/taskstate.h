/* The scheduler state letter of a thread ('S' asleep, 'R' running, ...) from
 * /proc/PID/task/TID/stat, or '?'.  Shared by the test targets and the benchmarks. */
#ifndef TS_TASKSTATE_H
#define TS_TASKSTATE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static inline char task_state_of(pid_t pid, pid_t tid)
{
	char path[96], buf[512], *p;
	ssize_t n;
	int fd;
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return '?';
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	return p && p[1] && p[2] ? p[2] : '?';
}

#endif
