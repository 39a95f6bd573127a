/* Interposed poll, select and epoll calls.  Each does what glibc 2.36 does around the
 * syscall (ppoll's and pselect's private copy of the timeout, select's write-back of the
 * time left) and records its timeout in ms for `list` (-1: none). */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include <unistd.h>
#include "cancel.h"
#include "send.h"

TS_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return (int)ts_ret(ts_block(TS_C_poll, timeout < 0 ? -1 : timeout, SYS_poll, (long)fds, (long)n, timeout, 0, 0, 0));
}

TS_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	/* The kernel writes the time left into its argument; glibc hides that. */
	struct timespec copy, *tp = 0;
	sigset_t mcopy;
	if (timeout) {
		copy = *timeout;
		tp = &copy;
	}
	mask = ts_unblock_ours(mask, &mcopy);
	return (int)ts_ret(ts_block(TS_C_ppoll, ts_ms(timeout), SYS_ppoll, (long)fds, (long)n, (long)tp, (long)mask, _NSIG / 8, 0));
}

/* select: glibc 2.36 normalizes the timeval into a timespec for pselect6 and writes the
 * time left back into it, on success and on error alike. */
TS_INLINE int do_select(int id, int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	int64_t s = timeout ? timeout->tv_sec : 0;
	int32_t us = timeout ? (int32_t)timeout->tv_usec : 0;
	struct timespec ts, *tp = 0;
	long ret;
	if (s < 0 || us < 0)
		return (int)ts_ret(-EINVAL);
	if (us / 1000000 > INT64_MAX - s) {
		ts.tv_sec = INT64_MAX;
		ts.tv_nsec = 999999999;
	} else {
		ts.tv_sec = s + us / 1000000;
		ts.tv_nsec = (long)(us % 1000000) * 1000;
	}
	if (timeout)
		tp = &ts;
	ret = ts_block(id, ts_ms(tp), SYS_pselect6, n, (long)r, (long)w, (long)e, (long)tp, 0);
	if (timeout) {
		timeout->tv_sec = ts.tv_sec;
		timeout->tv_usec = ts.tv_nsec / 1000;
	}
	return (int)ts_ret(ret);
}

TS_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	return do_select(TS_C_select, n, r, w, e, timeout);
}

/* pselect: the kernel takes the mask as { sigset_t *, size } and would write the time
 * left into the timeout, which glibc hides with a copy. */
TS_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout, const sigset_t *mask)
{
	struct timespec copy, *tp = 0;
	sigset_t mcopy;
	unsigned long data[2];
	if (timeout) {
		copy = *timeout;
		tp = &copy;
	}
	data[0] = (unsigned long)ts_unblock_ours(mask, &mcopy);
	data[1] = _NSIG / 8;
	return (int)ts_ret(ts_block(TS_C_pselect, ts_ms(timeout), SYS_pselect6, n, (long)r, (long)w, (long)e, (long)tp, (long)data));
}

TS_EXPORT int epoll_wait(int fd, struct epoll_event *ev, int n, int timeout)
{
	return (int)ts_ret(ts_block(TS_C_epoll_wait, timeout < 0 ? -1 : timeout, SYS_epoll_wait, fd, (long)ev, n, timeout, 0, 0));
}

TS_EXPORT int epoll_pwait(int fd, struct epoll_event *ev, int n, int timeout, const sigset_t *mask)
{
	sigset_t mcopy;
	mask = ts_unblock_ours(mask, &mcopy);
	return (int)ts_ret(ts_block(TS_C_epoll_pwait, timeout < 0 ? -1 : timeout, SYS_epoll_pwait, fd, (long)ev, n, timeout, (long)mask, _NSIG / 8));
}

TS_EXPORT int epoll_pwait2(int fd, struct epoll_event *ev, int n, const struct timespec *timeout, const sigset_t *mask)
{
	sigset_t mcopy;
	mask = ts_unblock_ours(mask, &mcopy);
	return (int)ts_ret(ts_block(TS_C_epoll_pwait2, ts_ms(timeout), SYS_epoll_pwait2, fd, (long)ev, n, (long)timeout, (long)mask, _NSIG / 8));
}

/* glibc's exported internal names. */
TS_EXPORT int __poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return (int)ts_ret(ts_block(TS_C___poll, timeout < 0 ? -1 : timeout, SYS_poll, (long)fds, (long)n, timeout, 0, 0, 0));
}

TS_EXPORT int __select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	return do_select(TS_C___select, n, r, w, e, timeout);
}
