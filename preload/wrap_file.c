/* Interposed file calls that can block: record locks (flock, lockf, fcntl F_SETLKW and
 * F_OFD_SETLKW), opens (an open of a FIFO waits for its other end) and tcdrain.  fcntl
 * and lockf commands that never block go to glibc's own function untouched. */
#define _GNU_SOURCE
/* Define the plain names (pread, open, fcntl...) as themselves: under meson's
 * _FILE_OFFSET_BITS=64 the headers would rename them to their *64 twins. */
#undef _FILE_OFFSET_BITS
#define TS_NAMES_INTERPOSED
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include "cancel.h"

TS_EXPORT int flock(int fd, int op)
{
	return (int)ts_ret(ts_block(TS_C_flock, fd, SYS_flock, fd, op, 0, 0, 0, 0));
}

/* glibc reads fcntl's third argument as a pointer-sized `void *` whatever the command,
 * and so do we: an int argument reaches the kernel as glibc would pass it. */
static inline int blocking_lock(int cmd)
{
	return cmd == F_SETLKW || cmd == F_SETLKW64 || cmd == F_OFD_SETLKW;
}

#define FCNTL(name)                                                                        \
	TS_EXPORT int name(int fd, int cmd, ...)                                           \
	{                                                                                  \
		va_list ap;                                                                \
		void *arg;                                                                 \
		va_start(ap, cmd);                                                         \
		arg = va_arg(ap, void *);                                                  \
		va_end(ap);                                                                \
		if (unlikely(blocking_lock(cmd)))                                          \
			return (int)ts_ret(ts_block(TS_C_##name, fd, SYS_fcntl, fd, cmd, (long)arg, 0, 0, 0)); \
		return REAL(name)(fd, cmd, arg);                                           \
	}

FCNTL(fcntl)
FCNTL(fcntl64)
FCNTL(__fcntl)

/* lockf: glibc builds a write lock from the current position and calls fcntl; only
 * F_LOCK waits. */
TS_INLINE int do_lockf(int id, int fd, int cmd, off64_t len)
{
	struct flock64 fl = { .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_len = len };
	return (int)ts_ret(ts_block(id, fd, SYS_fcntl, fd, F_SETLKW64, (long)&fl, 0, 0, 0));
}

TS_EXPORT int lockf(int fd, int cmd, off_t len)
{
	return cmd == F_LOCK ? do_lockf(TS_C_lockf, fd, cmd, len) : REAL(lockf)(fd, cmd, len);
}

TS_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	return cmd == F_LOCK ? do_lockf(TS_C_lockf64, fd, cmd, len) : REAL(lockf64)(fd, cmd, len);
}

/* open: the mode argument is read only when the flags say it exists, as an int. */
TS_INLINE int do_openat(int id, int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)ts_ret(ts_block(id, -1, SYS_openat, dirfd, (long)path, flags | O_LARGEFILE, mode, 0, 0));
}

#define OPEN(name)                                                                         \
	TS_EXPORT int name(const char *path, int flags, ...)                               \
	{                                                                                  \
		mode_t mode = 0;                                                           \
		if (__OPEN_NEEDS_MODE(flags)) {                                            \
			va_list ap;                                                        \
			va_start(ap, flags);                                               \
			mode = (mode_t)va_arg(ap, int);                                    \
			va_end(ap);                                                        \
		}                                                                          \
		return do_openat(TS_C_##name, AT_FDCWD, path, flags, mode);                \
	}

#define OPENAT(name)                                                                       \
	TS_EXPORT int name(int dirfd, const char *path, int flags, ...)                    \
	{                                                                                  \
		mode_t mode = 0;                                                           \
		if (__OPEN_NEEDS_MODE(flags)) {                                            \
			va_list ap;                                                        \
			va_start(ap, flags);                                               \
			mode = va_arg(ap, mode_t);                                         \
			va_end(ap);                                                        \
		}                                                                          \
		return do_openat(TS_C_##name, dirfd, path, flags, mode);                   \
	}

OPEN(open)
OPEN(open64)
OPEN(__open)
OPEN(__open64)
OPENAT(openat)
OPENAT(openat64)

TS_EXPORT int creat(const char *path, mode_t mode)
{
	return (int)ts_ret(ts_block(TS_C_creat, -1, SYS_creat, (long)path, mode, 0, 0, 0, 0));
}

TS_EXPORT int creat64(const char *path, mode_t mode)
{
	return (int)ts_ret(ts_block(TS_C_creat64, -1, SYS_creat, (long)path, mode, 0, 0, 0, 0));
}

/* tcdrain: "wait until the output is sent" is the TCSBRK ioctl with a nonzero argument. */
TS_EXPORT int tcdrain(int fd)
{
	return (int)ts_ret(ts_block(TS_C_tcdrain, fd, SYS_ioctl, fd, TCSBRK, 1, 0, 0, 0));
}
