/* Interposed I/O calls on file descriptors (read, write and their vector and positioned
 * forms; accept and recv*): each is glibc's syscall made cancellable. */
#define _GNU_SOURCE
/* Define the plain names (pread, open, fcntl...) as themselves: under meson's
 * _FILE_OFFSET_BITS=64 the headers would rename them to their *64 twins. */
#undef _FILE_OFFSET_BITS
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include <unistd.h>
#include "cancel.h"

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

TS_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return ts_ret(ts_block(TS_C_readv, fd, SYS_readv, fd, (long)iov, n, 0, 0, 0));
}

/* pread and pwrite are the same function under two names on LP64 (off_t is 64 bits);
 * the p*v calls pass the offset as the kernel's low and high halves, as glibc does.
 * Each helper takes the system calls of its direction, reads or writes. */
struct pcalls { long p, pv, pv2, v; };
static const struct pcalls reads = { SYS_pread64, SYS_preadv, SYS_preadv2, SYS_readv };
static const struct pcalls writes = { SYS_pwrite64, SYS_pwritev, SYS_pwritev2, SYS_writev };

TS_INLINE ssize_t do_p(const struct pcalls *c, int id, int fd, long buf, size_t n, off64_t off)
{
	return ts_ret(ts_block(id, fd, c->p, fd, buf, (long)n, off, 0, 0));
}

TS_INLINE ssize_t do_pv(const struct pcalls *c, int id, int fd, const struct iovec *iov, int n, off64_t off)
{
	return ts_ret(ts_block(id, fd, c->pv, fd, (long)iov, n, off, (long)((uint64_t)off >> 32), 0));
}

/* glibc falls back to preadv (or readv for offset -1) where the kernel lacks preadv2;
 * likewise for writes. */
TS_INLINE ssize_t do_pv2(const struct pcalls *c, int id, int fd, const struct iovec *iov, int n, off64_t off, int flags)
{
	long r = ts_block(id, fd, c->pv2, fd, (long)iov, n, off, (long)((uint64_t)off >> 32), flags);
	if (likely(r != -ENOSYS))
		return ts_ret(r);
	if (flags)
		return ts_ret(-ENOTSUP);
	return off == -1 ? ts_ret(ts_block(id, fd, c->v, fd, (long)iov, n, 0, 0, 0)) : do_pv(c, id, fd, iov, n, off);
}

TS_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return do_p(&reads, TS_C_pread, fd, (long)buf, n, off);
}

TS_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	return do_p(&reads, TS_C_pread64, fd, (long)buf, n, off);
}

TS_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	return do_pv(&reads, TS_C_preadv, fd, iov, n, off);
}

TS_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int n, off64_t off)
{
	return do_pv(&reads, TS_C_preadv64, fd, iov, n, off);
}

TS_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return do_pv2(&reads, TS_C_preadv2, fd, iov, n, off, flags);
}

TS_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int n, off64_t off, int flags)
{
	return do_pv2(&reads, TS_C_preadv64v2, fd, iov, n, off, flags);
}

TS_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	return ts_ret(ts_block(TS_C_write, fd, SYS_write, fd, (long)buf, (long)n, 0, 0, 0));
}

TS_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	return ts_ret(ts_block(TS_C_writev, fd, SYS_writev, fd, (long)iov, n, 0, 0, 0));
}

TS_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return do_p(&writes, TS_C_pwrite, fd, (long)buf, n, off);
}

TS_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return do_p(&writes, TS_C_pwrite64, fd, (long)buf, n, off);
}

TS_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	return do_pv(&writes, TS_C_pwritev, fd, iov, n, off);
}

TS_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int n, off64_t off)
{
	return do_pv(&writes, TS_C_pwritev64, fd, iov, n, off);
}

TS_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return do_pv2(&writes, TS_C_pwritev2, fd, iov, n, off, flags);
}

TS_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int n, off64_t off, int flags)
{
	return do_pv2(&writes, TS_C_pwritev64v2, fd, iov, n, off, flags);
}

/* glibc's exported internal names. */
TS_EXPORT ssize_t __read(int fd, void *buf, size_t n)
{
	return ts_ret(ts_block(TS_C___read, fd, SYS_read, fd, (long)buf, (long)n, 0, 0, 0));
}

TS_EXPORT ssize_t __write(int fd, const void *buf, size_t n)
{
	return ts_ret(ts_block(TS_C___write, fd, SYS_write, fd, (long)buf, (long)n, 0, 0, 0));
}
