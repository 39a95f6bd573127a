/* The system calls aarch64 lacks (arch.h), made with the forms it has, the way glibc
 * makes them.  A real number costs one compare on the way to the assembly. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include "ts.h"

long ts_syscall_cp_asm(const int *token, long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;
long ts_sys_asm(long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;

/* Rewrite an old call as its replacement; ts is storage for a timeout. */
static long translate(long nr, long *a, long *b, long *c, long *d, long *e, struct timespec *ts)
{
	switch (nr) {
	case SYS_poll: /* (fds, n, timeout ms) */
		if ((int)*c >= 0) {
			ts->tv_sec = (int)*c / 1000;
			ts->tv_nsec = (int)*c % 1000 * 1000000L;
		}
		*d = 0;
		*e = _NSIG / 8;
		*c = (int)*c >= 0 ? (long)ts : 0;
		return SYS_ppoll;
	case SYS_epoll_wait: /* (fd, events, n, timeout ms) */
		*e = 0;
		return SYS_epoll_pwait;
	case SYS_pause: /* a poll of nothing, for ever: only a signal ends it */
		*a = *b = *c = *d = 0;
		*e = _NSIG / 8;
		return SYS_ppoll;
	case SYS_open: /* (path, flags, mode) */
		*d = *c, *c = *b, *b = *a, *a = AT_FDCWD;
		return SYS_openat;
	case SYS_creat: /* (path, mode) */
		*d = *b, *c = O_CREAT | O_WRONLY | O_TRUNC, *b = *a, *a = AT_FDCWD;
		return SYS_openat;
	case SYS_mkdir: /* (path, mode) */
		*c = *b, *b = *a, *a = AT_FDCWD;
		return SYS_mkdirat;
	case SYS_unlink: /* (path) */
		*c = 0, *b = *a, *a = AT_FDCWD;
		return SYS_unlinkat;
	case SYS_chmod: /* (path, mode) */
		*c = *b, *b = *a, *a = AT_FDCWD;
		return SYS_fchmodat;
	}
	return -1;
}

long ts_syscall_cp(const int *token, long nr, long a, long b, long c, long d, long e, long f)
{
	struct timespec ts;
	if (likely(nr < TS_NR_COMPAT))
		return ts_syscall_cp_asm(token, nr, a, b, c, d, e, f);
	nr = translate(nr, &a, &b, &c, &d, &e, &ts);
	return nr < 0 ? -ENOSYS : ts_syscall_cp_asm(token, nr, a, b, c, d, e, f);
}

long ts_sys(long nr, long a, long b, long c, long d, long e, long f)
{
	struct timespec ts;
	if (likely(nr < TS_NR_COMPAT))
		return ts_sys_asm(nr, a, b, c, d, e, f);
	nr = translate(nr, &a, &b, &c, &d, &e, &ts);
	return nr < 0 ? -ENOSYS : ts_sys_asm(nr, a, b, c, d, e, f);
}
