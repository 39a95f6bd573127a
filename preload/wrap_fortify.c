/* Interposed _FORTIFY_SOURCE variants: a fortified binary calls these instead of read,
 * pread, recv, recvfrom, poll, ppoll and open.  Each checks its buffer exactly as glibc
 * does, then makes the same cancellable call as the plain wrapper. */
#define _GNU_SOURCE
/* Define the plain names (pread, open, fcntl...) as themselves: under meson's
 * _FILE_OFFSET_BITS=64 the headers would rename them to their *64 twins. */
#undef _FILE_OFFSET_BITS
#define TS_NAMES_INTERPOSED
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "send.h"

void __chk_fail(void) __attribute__((noreturn));

TS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return ts_ret(ts_block(TS_C___read_chk, fd, SYS_read, fd, (long)buf, (long)n, 0, 0, 0));
}

TS_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return ts_ret(ts_block(TS_C___pread_chk, fd, SYS_pread64, fd, (long)buf, (long)n, off, 0, 0));
}

TS_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return ts_ret(ts_block(TS_C___pread64_chk, fd, SYS_pread64, fd, (long)buf, (long)n, off, 0, 0));
}

TS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		__chk_fail();
	return ts_ret(ts_block(TS_C___recv_chk, fd, SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0));
}

TS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr, socklen_t *len)
{
	if (n > buflen)
		__chk_fail();
	return ts_ret(ts_block(TS_C___recvfrom_chk, fd, SYS_recvfrom, fd, (long)buf, (long)n, flags, (long)addr, (long)len));
}

TS_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return (int)ts_ret(ts_block(TS_C___poll_chk, timeout < 0 ? -1 : timeout, SYS_poll, (long)fds, (long)n, timeout, 0, 0, 0));
}

TS_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask, size_t fdslen)
{
	struct timespec copy, *tp = 0;
	sigset_t mcopy;
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	if (timeout) {
		copy = *timeout;
		tp = &copy;
	}
	mask = ts_unblock_ours(mask, &mcopy);
	return (int)ts_ret(ts_block(TS_C___ppoll_chk, ts_ms(timeout), SYS_ppoll, (long)fds, (long)n, (long)tp, (long)mask, _NSIG / 8, 0));
}

/* __open_2: a fortified open() without a mode.  glibc reports O_CREAT or O_TMPFILE here
 * through its private __fortify_fail; bind it where it exists, else say the same. */
static void __attribute__((noreturn)) open_fail(void)
{
	static const char msg[] = "invalid open call: O_CREAT or O_TMPFILE without mode";
	union { void (*f)(const char *) __attribute__((noreturn)); void *p; } fail;
	fail.p = dlvsym(RTLD_NEXT, "__fortify_fail", "GLIBC_PRIVATE");
	if (fail.p)
		fail.f(msg);
	ts_sys(SYS_write, 2, (long)"*** ", 4, 0, 0, 0);
	ts_sys(SYS_write, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
	ts_sys(SYS_write, 2, (long)" ***: terminated\n", 17, 0, 0, 0);
	abort();
}

TS_INLINE int do_open2(int id, int dirfd, const char *path, int flags)
{
	if (__OPEN_NEEDS_MODE(flags))
		open_fail();
	return (int)ts_ret(ts_block(id, -1, SYS_openat, dirfd, (long)path, flags | O_LARGEFILE, 0, 0, 0));
}

TS_EXPORT int __open_2(const char *path, int flags)
{
	return do_open2(TS_C___open_2, AT_FDCWD, path, flags);
}

TS_EXPORT int __open64_2(const char *path, int flags)
{
	return do_open2(TS_C___open64_2, AT_FDCWD, path, flags);
}

TS_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_open2(TS_C___openat_2, dirfd, path, flags);
}

TS_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_open2(TS_C___openat64_2, dirfd, path, flags);
}
