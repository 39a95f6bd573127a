/* Interposed socket calls that send or connect, and recvmmsg: glibc's syscalls made
 * cancellable.  A stopped connect behaves as an interrupted one: the connection may
 * still complete in the background (the kernel keeps the attempt going). */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include "cancel.h"

TS_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags, struct timespec *timeout)
{
	/* The kernel writes the time left into timeout: glibc passes it through. */
	return (int)ts_ret(ts_block(TS_C_recvmmsg, fd, SYS_recvmmsg, fd, (long)vec, n, flags, (long)timeout, 0));
}

TS_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return ts_ret(ts_block(TS_C_send, fd, SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0));
}

TS_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len)
{
	return ts_ret(ts_block(TS_C_sendto, fd, SYS_sendto, fd, (long)buf, (long)n, flags, (long)addr, len));
}

TS_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return ts_ret(ts_block(TS_C_sendmsg, fd, SYS_sendmsg, fd, (long)msg, flags, 0, 0, 0));
}

TS_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
{
	return (int)ts_ret(ts_block(TS_C_sendmmsg, fd, SYS_sendmmsg, fd, (long)vec, n, flags, 0, 0));
}

TS_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return (int)ts_ret(ts_block(TS_C_connect, fd, SYS_connect, fd, (long)addr, len, 0, 0, 0));
}

/* glibc's exported internal names. */
TS_EXPORT ssize_t __send(int fd, const void *buf, size_t n, int flags)
{
	return ts_ret(ts_block(TS_C___send, fd, SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0));
}

TS_EXPORT int __connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return (int)ts_ret(ts_block(TS_C___connect, fd, SYS_connect, fd, (long)addr, len, 0, 0, 0));
}
