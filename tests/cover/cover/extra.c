/* Behaviours of glibc's beyond a call's result that the wrappers keep (fcntl's int
 * argument, open's mode, select's write-back, the fortified checks...), checked with the
 * resources ready: `cover ready NAME` runs them after the case. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#include "cover.h"

void scen_extra(const char *name)
{
	struct res r;
	if (!strcmp(name, "fcntl") || !strcmp(name, "fcntl64")) {
		int (*f)(int, int, ...) = name[5] ? fcntl64 : fcntl;
		setup(&r, S_LOCK, 0);
		int fd = f(r.fd[0], F_DUPFD_CLOEXEC, 100);
		check(fd >= 100, "%s(F_DUPFD_CLOEXEC, 100): an int argument passes: %d", name, fd);
		check(f(fd, F_GETFD) == FD_CLOEXEC, "%s(F_GETFD): FD_CLOEXEC", name);
		check((f(r.fd[0], F_GETFL) & O_ACCMODE) == O_RDWR, "%s(F_GETFL): O_RDWR", name);
		check(f(r.fd[0], F_GETOWN) == 0, "%s(F_GETOWN): 0", name);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		check(f(r.fd[0], F_SETLK, &fl) == 0, "%s(F_SETLK): 0", name);
		errno = 0;
		check(f(-1, F_GETFD) == -1 && errno == EBADF, "%s(-1, F_GETFD): EBADF", name);
		close(fd);
		teardown(&r);
	}
	if (!strcmp(name, "lockf")) {
		setup(&r, S_LOCK, 0);
		check(lockf(r.fd[0], F_TLOCK, 0) == 0 && lockf(r.fd[0], F_TEST, 0) == 0 && lockf(r.fd[0], F_ULOCK, 0) == 0,
		      "lockf: F_TLOCK, F_TEST, F_ULOCK pass through");
		errno = 0;
		check(lockf(r.fd[0], 42, 0) == -1 && errno == EINVAL, "lockf(bad command): EINVAL");
		teardown(&r);
	}
	if (!strcmp(name, "open") || !strcmp(name, "openat")) {
		struct stat st;
		char p2[160];
		int fd;
		mode_t old = umask(022);
		setup(&r, S_FIFO, 0);
		snprintf(p2, sizeof p2, "%s/new", r.dir);
		memset(&st, 0, sizeof st);
		fd = name[4] ? openat(AT_FDCWD, p2, O_CREAT | O_EXCL | O_WRONLY, 0640) : open(p2, O_CREAT | O_EXCL | O_WRONLY, 0640);
		if (fd >= 0)
			fstat(fd, &st);
		check((st.st_mode & 07777) == 0640, "%s(O_CREAT, 0640): mode %o", name, st.st_mode & 07777);
		close(fd);
		unlink(p2);
		memset(&st, 0, sizeof st);
		fd = name[4] ? openat(AT_FDCWD, r.dir, O_TMPFILE | O_RDWR, 0604) : open(r.dir, O_TMPFILE | O_RDWR, 0604);
		if (fd >= 0)
			fstat(fd, &st);
		if (fd >= 0 || errno != EOPNOTSUPP)
			check((st.st_mode & 07777) == 0604, "%s(O_TMPFILE, 0604): mode %o", name, st.st_mode & 07777);
		close(fd);
		errno = 0;
		check((name[4] ? openat(AT_FDCWD, "/nonexistent/x", O_RDONLY) : open("/nonexistent/x", O_RDONLY)) == -1 && errno == ENOENT,
		      "%s(missing): ENOENT", name);
		umask(old);
		teardown(&r);
	}
	if (!strcmp(name, "select")) {
		struct timeval tv = { 0, 2500000 }; /* 2.5 s of microseconds: glibc normalizes */
		fd_set s;
		setup(&r, S_PIPE_IN, 0);
		FD_ZERO(&s);
		FD_SET(r.fd[0], &s);
		check(select(r.fd[0] + 1, &s, 0, 0, &tv) == 1 && tv.tv_sec >= 2 && tv.tv_usec < 1000000,
		      "select: writes back the time left, normalized (%ld s %ld us)", (long)tv.tv_sec, (long)tv.tv_usec);
		tv.tv_sec = -1;
		errno = 0;
		check(select(r.fd[0] + 1, &s, 0, 0, &tv) == -1 && errno == EINVAL, "select(negative timeout): EINVAL");
		teardown(&r);
	}
	if (!strcmp(name, "pselect") || !strcmp(name, "ppoll")) {
		struct timespec ts = { 0, 5000000 };
		fd_set s;
		struct pollfd p;
		setup(&r, S_PIPE_IN, 1);
		FD_ZERO(&s);
		FD_SET(r.fd[0], &s);
		p = (struct pollfd){ r.fd[0], POLLIN, 0 };
		check((name[1] == 's' ? pselect(r.fd[0] + 1, &s, 0, 0, &ts, 0) : ppoll(&p, 1, &ts, 0)) == 0, "%s: times out", name);
		check(ts.tv_sec == 0 && ts.tv_nsec == 5000000, "%s leaves its timeout argument as it was", name);
		teardown(&r);
	}
	if (!strcmp(name, "sigwait")) {
		int sig = 0;
		/* through a pointer: <signal.h> declares the set nonnull, and UBSan checks that */
		int (*volatile sw)(const sigset_t *, int *) = sigwait;
		check(sw(0, &sig) == EFAULT && errno == EFAULT, "sigwait(NULL): returns EFAULT, errno EFAULT as glibc");
	}
	if (!strcmp(name, "sigtimedwait")) {
		sigset_t s;
		struct timespec z = { 0, 0 };
		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		errno = 0;
		check(sigtimedwait(&s, 0, &z) == -1 && errno == EAGAIN, "sigtimedwait(nothing pending, 0 s): EAGAIN");
	}
	if (!strcmp(name, "sleep")) {
		errno = 4242;
		check(sleep(0) == 0 && errno == 4242, "sleep(0): 0, errno kept");
	}
	if (!strcmp(name, "usleep")) {
		errno = 0;
		check(usleep(0) == 0, "usleep(0): 0");
	}
	if (getenv("TS_TEST_WRAPPER") && (!strcmp(name, "__read_chk") || !strcmp(name, "__poll_chk") || !strcmp(name, "__open_2"))) {
		/* (tests/common/runner.h: the limits of an emulator) */
		printf("skip: %s: the abort of a forked child: %s\n", name, "qemu-user 7.2 crashes in a child forked while threads run");
		return;
	}
	if (!strcmp(name, "__read_chk") || !strcmp(name, "__poll_chk")) {
		/* A request larger than the buffer aborts, as glibc's __chk_fail. */
		pid_t pid = fork();
		int st;
		if (!pid) {
			char b[4];
			struct pollfd p[1] = { { 0, POLLIN, 0 } };
			int devnull = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR, 0);
			dup2(devnull, 2);
			if (name[2] == 'r')
				__read_chk(devnull, b, 8, sizeof b);
			else
				__poll_chk(p, 2, 0, sizeof p);
			_exit(0);
		}
		syscall(SYS_wait4, pid, &st, 0, 0);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "%s: a request beyond the buffer aborts", name);
	}
	if (!strcmp(name, "__open_2")) {
		pid_t pid = fork();
		int st;
		if (!pid) {
			int devnull = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR, 0);
			dup2(devnull, 2);
			__open_2("/tmp/x", O_CREAT | O_WRONLY);
			_exit(0);
		}
		syscall(SYS_wait4, pid, &st, 0, 0);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "__open_2(O_CREAT): aborts as glibc's");
	}
}
