/* Interposed waits for child processes.  On x86_64 glibc makes every one of them but
 * waitid a wait4 system call; `list` shows the pid waited for. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include "cancel.h"

TS_INLINE pid_t do_wait4(int id, pid_t pid, int *status, int options, struct rusage *usage)
{
	return (pid_t)ts_ret(ts_block(id, pid, SYS_wait4, pid, (long)status, options, (long)usage, 0, 0));
}

TS_EXPORT pid_t wait(int *status)
{
	return do_wait4(TS_C_wait, -1, status, 0, 0);
}

TS_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	return do_wait4(TS_C_waitpid, pid, status, options, 0);
}

TS_EXPORT pid_t wait3(int *status, int options, struct rusage *usage)
{
	return do_wait4(TS_C_wait3, -1, status, options, usage);
}

TS_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
	return do_wait4(TS_C_wait4, pid, status, options, usage);
}

TS_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	long shown = type == P_PID ? (long)id : type == P_PGID ? -(long)id : -1;
	return (int)ts_ret(ts_block(TS_C_waitid, shown, SYS_waitid, type, id, (long)info, options, 0, 0));
}

/* glibc's exported internal names. */
TS_EXPORT pid_t __wait(int *status)
{
	return do_wait4(TS_C___wait, -1, status, 0, 0);
}

TS_EXPORT pid_t __waitpid(pid_t pid, int *status, int options)
{
	return do_wait4(TS_C___waitpid, pid, status, options, 0);
}
