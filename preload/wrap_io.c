/* Interposed I/O calls: each is glibc's syscall made cancellable. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include <unistd.h>
#include "ts.h"

TS_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return (int)ts_ret(ts_block(TS_C_accept, fd, SYS_accept, fd, (long)addr, (long)len, 0, 0, 0));
}

TS_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return (int)ts_ret(ts_block(TS_C_accept4, fd, SYS_accept4, fd, (long)addr, (long)len, flags, 0, 0));
}

TS_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	return ts_ret(ts_block(TS_C_read, fd, SYS_read, fd, (long)buf, (long)n, 0, 0, 0));
}

TS_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return ts_ret(ts_block(TS_C_recv, fd, SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0));
}

TS_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
	return ts_ret(ts_block(TS_C_recvfrom, fd, SYS_recvfrom, fd, (long)buf, (long)n, flags, (long)addr, (long)len));
}

TS_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return ts_ret(ts_block(TS_C_recvmsg, fd, SYS_recvmsg, fd, (long)msg, flags, 0, 0, 0));
}
