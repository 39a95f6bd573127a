/* System calls glibc makes itself (stdio reads through its internal read; no preload
 * sees it).  When a stopper finds a registered thread outside every wrapper, it reads
 * /proc/self/task/TID/syscall: if the thread sleeps in an allowlisted call it signals
 * it, and the handler (cancel.c) skips the restarted call with ECANCELED.  Calls the
 * kernel does not restart (poll, epoll, select, nanosleep) are not allowlisted: a signal
 * would give them EINTR, which the program may not expect. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "calls.h"
#include "foreign.h"

/* System calls a stop may end when the thread is blocked in one outside our wrappers:
 * waits for I/O, children, locks and messages, which report ECANCELED like ours.  The
 * names are what `list` shows, as libc:NAME. */
#define FOREIGN(X) \
	X(read) X(readv) X(pread64) X(preadv) X(preadv2) X(write) X(writev) X(pwrite64) X(pwritev) \
	X(pwritev2) X(recvfrom) X(recvmsg) X(recvmmsg) X(sendto) X(sendmsg) X(sendmmsg) X(accept) \
	X(accept4) X(connect) X(wait4) X(waitid) X(flock) X(open) X(openat) X(msgrcv) X(msgsnd) \
	X(mq_timedreceive) X(mq_timedsend) X(fcntl)

const char *ts_foreign_name(long nr)
{
	switch (nr) {
#define NAME(n) case SYS_##n: return "libc:" #n;
	FOREIGN(NAME)
#undef NAME
	}
	return 0;
}

int ts_foreign_stoppable(long nr, long arg2)
{
	if (nr == SYS_fcntl) /* only the waits for a lock: the command is the 2nd argument */
		return arg2 == F_SETLKW || arg2 == F_OFD_SETLKW;
	return ts_foreign_name(nr) != 0;
}

/* A decimal or 0x-hex number at *p, moving *p past it; -1 for none.  (Not strtol: it
 * reads the locale from TLS and writes errno, and the listener has neither.) */
static long number(const char **p)
{
	const char *s = *p;
	unsigned long v = 0;
	int base = 10, any = 0;
	while (*s == ' ')
		s++;
	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	for (;; s++, any = 1) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v * (unsigned)base + (unsigned)d;
	}
	*p = s;
	return any ? (long)v : -1;
}

/* The system call thread tid is blocked in, from /proc (-1: running or unknown), and its
 * first two arguments.  Raw syscalls: this runs in stoppers and in the control thread. */
long ts_blocked_syscall(pid_t tid, long args[2])
{
	char path[48], buf[256];
	const char *p = buf;
	long fd, n, nr;
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	fd = ts_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -1;
	n = ts_sys(SYS_read, fd, (long)buf, sizeof buf - 1, 0, 0, 0);
	ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	nr = number(&p);
	if (nr < 0)
		return -1; /* "running", or -1 (blocked, not in a system call) */
	args[0] = number(&p);
	args[1] = number(&p);
	return nr;
}

/* A registered thread outside our wrappers, asleep in a system call a stop may end. */
int ts_foreign_blocked(const struct ts_thread *t)
{
	long args[2] = { 0, 0 }, nr;
	if (__atomic_load_n(&t->call, __ATOMIC_RELAXED) != TS_C_none)
		return 0;
	nr = ts_blocked_syscall(t->tid, args);
	return nr >= 0 && ts_foreign_stoppable(nr, args[1]);
}
