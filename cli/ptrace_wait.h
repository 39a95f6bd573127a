/* `stop --ptrace --wait` (ptrace_wait.c): watch the threads a ptrace stop ended, from
 * /proc, and say what each does next. */
#ifndef TS_PTRACE_WAIT_H
#define TS_PTRACE_WAIT_H

#include <sys/types.h>
#include "cli.h"

/* A thread that was stopped, as it was then. */
struct ts_ptrace_done {
	pid_t tid;
	long nr;
	unsigned long switches;
	char name[ESC_MAX / 4], call[40];
};

/* Until each has run again, left its call, or is gone, or limit seconds have passed;
 * prints a line for each.  The exit status: 1 if one is still blocked, 3 without
 * memory, else 0. */
int ts_ptrace_watch(pid_t pid, const struct ts_ptrace_done *d, int n, double limit);

#endif
