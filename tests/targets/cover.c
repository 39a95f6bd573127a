/* cover: the coverage test of every blocking call in preload/calls.def, run under
 * LD_PRELOAD=libthreadstop.so by tests/test_cover.c.  The table is compiled in from
 * calls.def itself, and every entry of a blocking kind must have a case below.
 *
 *   cover list         every table entry: NAME KIND case|-
 *   cover check        fails when a blocking entry (FD, TIME, PID, NONE) has no case
 *   cover stop NAME    a thread blocked in NAME on a resource that never wakes it is
 *                      stopped: ECANCELED (or the call's documented equivalent), again on
 *                      the next call; and a stop before the call returns at once
 *   cover ready NAME   with no stop NAME behaves as glibc's: result, errno untouched
 *                      (with COVER_WITHOUT_SHIM=1 and no preload: the same checks against
 *                      glibc alone, which shows that they are glibc's behaviour)
 *
 * Calls no resource can block (pwrite and friends need a seekable file that blocks;
 * tcdrain a terminal with output in flight) are checked with a stop before the call.
 * Output and opens (L below) are not failed by a stop pending when they begin, only by
 * one that arrives while they block. */
#define _GNU_SOURCE
/* Call the plain names (pread, open, fcntl...): under meson's _FILE_OFFSET_BITS=64 the
 * headers would turn them into their *64 twins. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include "harness.h"

/* glibc's exported names no header declares here. */
ssize_t __read(int fd, void *buf, size_t n);
ssize_t __write(int fd, const void *buf, size_t n);
ssize_t __send(int fd, const void *buf, size_t n, int flags);
int __connect(int fd, const struct sockaddr *addr, socklen_t len);
int __poll(struct pollfd *fds, nfds_t n, int timeout);
int __select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout);
int __nanosleep(const struct timespec *req, struct timespec *rem);
int __sigsuspend(const sigset_t *mask);
int __sigpause(int sig_or_mask, int is_sig);
int __xpg_sigpause(int sig);
int bsd_sigpause(int mask) __asm__("sigpause");
pid_t __wait(int *status);
pid_t __waitpid(pid_t pid, int *status, int options);
int __fcntl(int fd, int cmd, ...);
int __open(const char *path, int flags, ...);
int __open64(const char *path, int flags, ...);
#include "chk.h"
enum kind { K_FD, K_TIME, K_JOIN, K_COND, K_WAIT, K_API, K_PID, K_NONE };
static const char *const kind_name[] = { "FD", "TIME", "JOIN", "COND", "WAIT", "API", "PID", "NONE" };

static const struct entry {
	const char *name;
	enum kind kind;
} table[] = {
#define TS_CALL(name, ret, params, args, kind, ver) { #name, K_##kind },
#include "calls.def"
#undef TS_CALL
};
#define NTABLE (sizeof table / sizeof table[0])

/* ------------------------------------------------------------------------------------ */
/* Resources: each set up either to block the call for good or to let it complete. */

enum setup {
	S_PIPE_IN,   /* read end of a pipe: empty, or 4 bytes */
	S_PIPE_OUT,  /* write end of a pipe: full, or empty */
	S_SOCK_IN,   /* a stream socketpair end: empty, or 4 bytes */
	S_SOCK_OUT,  /* a stream socketpair end: its peer's buffer full, or empty */
	S_LISTEN,    /* a listening TCP socket: no client, or one */
	S_CONNECT,   /* a UNIX listener: backlog full, or room */
	S_SEEK_IN,   /* /dev/kmsg at its end (root only), or a file of 4 bytes */
	S_SEEK_OUT,  /* nothing blocks a positioned write: a file either way */
	S_EPOLL,     /* epoll set over S_PIPE_IN */
	S_TIME,      /* sleeps: long, or short */
	S_SIGNAL,    /* SIGUSR1 blocked with a handler: not sent, or pending */
	S_CHILD,     /* a child: waiting on a pipe we hold, or exited with status 7 */
	S_LOCK,      /* a file: locked through another open file description, or free */
	S_FIFO,      /* a FIFO with nobody at the other end, or a regular file */
	S_MSG_IN,    /* a System V queue: empty, or one message */
	S_MSG_OUT,   /* a System V queue: full, or empty */
	S_SEM,       /* a System V semaphore: 0, or 1 */
	S_MQ_IN,     /* a POSIX queue: empty, or one message */
	S_MQ_OUT,    /* a POSIX queue: full, or empty */
	S_TTY,       /* a pseudo-terminal: never blocks tcdrain */
};

struct res {
	int block;
	int fd[2];
	int fd2;
	int ep;
	pid_t child;
	int cpipe[2];
	int msq, sem;
	mqd_t mq;
	char dir[64], path[128];
	struct sockaddr_un sa;
	socklen_t salen;
};

static volatile sig_atomic_t got_usr1, got_alrm;
static void on_usr1(int s) { (void)s; got_usr1++; }
static void on_alrm(int s) { (void)s; got_alrm++; }

static void set_nonblock(int fd, int on)
{
	int fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
	syscall(SYS_fcntl, fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Fill fd's buffer until a write would block. */
static void fill(int fd)
{
	static char big[65536];
	set_nonblock(fd, 1);
	while (syscall(SYS_write, fd, big, sizeof big) > 0)
		;
	while (syscall(SYS_write, fd, big, 1) > 0)
		;
	set_nonblock(fd, 0);
}

static int setup(struct res *r, enum setup s, int block)
{
	struct sigaction sa = { 0 };
	sigset_t usr1;
	memset(r, 0, sizeof *r);
	r->block = block;
	r->fd[0] = r->fd[1] = r->fd2 = r->ep = r->msq = r->sem = -1;
	r->mq = -1;
	snprintf(r->dir, sizeof r->dir, "/tmp/tscover.XXXXXX");
	if (!mkdtemp(r->dir))
		die("mkdtemp");
	snprintf(r->path, sizeof r->path, "%s/f", r->dir);
	switch (s) {
	case S_PIPE_IN:
	case S_EPOLL:
		if (pipe(r->fd))
			die("pipe");
		if (!block && syscall(SYS_write, r->fd[1], "data", 4) != 4)
			die("write");
		if (s == S_EPOLL) {
			struct epoll_event ev = { .events = EPOLLIN };
			r->ep = epoll_create1(0);
			if (r->ep < 0 || epoll_ctl(r->ep, EPOLL_CTL_ADD, r->fd[0], &ev))
				die("epoll");
		}
		break;
	case S_PIPE_OUT:
		if (pipe(r->fd))
			die("pipe");
		if (block)
			fill(r->fd[1]);
		break;
	case S_SOCK_IN:
	case S_SOCK_OUT:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, r->fd))
			die("socketpair");
		if (s == S_SOCK_IN && !block && syscall(SYS_write, r->fd[1], "data", 4) != 4)
			die("write");
		if (s == S_SOCK_OUT && block)
			fill(r->fd[0]);
		break;
	case S_LISTEN: {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t al = sizeof a;
		r->fd[0] = socket(AF_INET, SOCK_STREAM, 0);
		if (r->fd[0] < 0 || bind(r->fd[0], (void *)&a, sizeof a) || listen(r->fd[0], 8) ||
		    getsockname(r->fd[0], (void *)&a, &al))
			die("listen");
		if (!block) {
			r->fd[1] = socket(AF_INET, SOCK_STREAM, 0);
			if (syscall(SYS_connect, r->fd[1], &a, sizeof a))
				die("connect");
		}
		break;
	}
	case S_CONNECT:
		r->sa.sun_family = AF_UNIX;
		snprintf(r->sa.sun_path, sizeof r->sa.sun_path, "%s/s", r->dir);
		r->salen = sizeof r->sa;
		r->fd[0] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (r->fd[0] < 0 || bind(r->fd[0], (void *)&r->sa, r->salen) || listen(r->fd[0], block ? 0 : 8))
			die("listen");
		if (block) { /* one pending connection fills a backlog of 0 */
			r->fd2 = socket(AF_UNIX, SOCK_STREAM, 0);
			if (syscall(SYS_connect, r->fd2, &r->sa, r->salen))
				die("connect");
		}
		r->fd[1] = socket(AF_UNIX, SOCK_STREAM, 0);
		break;
	case S_SEEK_IN:
		if (block) {
			r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, "/dev/kmsg", O_RDONLY, 0);
			if (r->fd[0] < 0)
				return -1;
			lseek(r->fd[0], 0, SEEK_END);
			break;
		}
		/* fall through */
	case S_SEEK_OUT:
		if (block && s == S_SEEK_OUT)
			return -1;
		r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
		if (r->fd[0] < 0 || (s == S_SEEK_IN && syscall(SYS_write, r->fd[0], "data", 4) != 4))
			die("file");
		break;
	case S_TIME:
		break;
	case S_SIGNAL:
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, 0);
		sa.sa_handler = on_alrm;
		sigaction(SIGALRM, &sa, 0);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr1, 0);
		got_usr1 = got_alrm = 0;
		if (!block)
			raise(SIGUSR1);
		break;
	case S_CHILD:
		if (pipe(r->cpipe))
			die("pipe");
		r->child = fork();
		if (r->child < 0)
			die("fork");
		if (!r->child) {
			char c;
			close(r->cpipe[1]);
			if (block) /* until the parent exits or lets go */
				syscall(SYS_read, r->cpipe[0], &c, 1);
			_exit(7);
		}
		close(r->cpipe[0]);
		if (!block) { /* a zombie by the time the call is made */
			siginfo_t si;
			syscall(SYS_waitid, P_PID, r->child, &si, WEXITED | WNOWAIT, 0);
		}
		break;
	case S_LOCK:
		r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
		r->fd2 = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR, 0);
		if (r->fd[0] < 0 || r->fd2 < 0)
			die("lock file");
		if (block) {
			/* An OFD lock conflicts with POSIX locks, even of this process. */
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			if (syscall(SYS_fcntl, r->fd2, F_OFD_SETLK, &fl) || syscall(SYS_flock, r->fd2, LOCK_EX))
				die("hold lock");
		}
		break;
	case S_FIFO:
		if (block) {
			if (mkfifo(r->path, 0600))
				die("mkfifo");
		} else {
			int fd = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
			if (fd < 0)
				die("file");
			close(fd);
		}
		break;
	case S_MSG_IN:
	case S_MSG_OUT: {
		struct { long type; char text[16]; } m = { 1, "data" };
		r->msq = msgget(IPC_PRIVATE, 0600);
		if (r->msq < 0)
			die("msgget");
		if (s == S_MSG_OUT) {
			struct msqid_ds ds;
			msgctl(r->msq, IPC_STAT, &ds);
			ds.msg_qbytes = 16;
			if (msgctl(r->msq, IPC_SET, &ds))
				die("msgctl");
		}
		if ((s == S_MSG_IN && !block) || (s == S_MSG_OUT && block))
			if (syscall(SYS_msgsnd, r->msq, &m, 16, IPC_NOWAIT))
				die("msgsnd");
		break;
	}
	case S_SEM: {
		union { int val; } arg = { block ? 0 : 1 };
		r->sem = semget(IPC_PRIVATE, 1, 0600);
		if (r->sem < 0 || semctl(r->sem, 0, SETVAL, arg))
			die("semget");
		break;
	}
	case S_MQ_IN:
	case S_MQ_OUT: {
		struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 16 };
		char name[64];
		snprintf(name, sizeof name, "/tscover-%d", getpid());
		r->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (r->mq < 0)
			die("mq_open");
		mq_unlink(name);
		if ((s == S_MQ_IN && !block) || (s == S_MQ_OUT && block))
			if (syscall(SYS_mq_timedsend, r->mq, "data", 4, 0, 0))
				die("mq_send");
		break;
	}
	case S_TTY:
		if (block)
			return -1;
		if (openpty(&r->fd[0], &r->fd[1], 0, 0, 0))
			die("openpty");
		break;
	}
	return 0;
}

static void teardown(struct res *r)
{
	if (r->child > 0) {
		close(r->cpipe[1]);
		syscall(SYS_wait4, r->child, 0, 0, 0);
	}
	if (r->msq >= 0)
		msgctl(r->msq, IPC_RMID, 0);
	if (r->sem >= 0)
		semctl(r->sem, 0, IPC_RMID);
	unlink(r->path);
	unlink(r->sa.sun_path);
	rmdir(r->dir);
}

/* ------------------------------------------------------------------------------------ */
/* The cases: make the call once, return its result kernel-style (>= 0, or -errno).
 * Calls that return an error number, or sleep's unslept seconds, are translated. */

#define BUF 8192
#define R(expr) ({ long r_ = (long)(expr); r_ < 0 ? -errno : r_; })
#define BIG_TS { 1000000, 0 }

static struct timespec short_or_long(const struct res *r)
{
	struct timespec ts = { r->block ? 1000000 : 0, r->block ? 0 : 1000000 };
	return ts;
}

static struct timespec deadline(const struct res *r)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += r->block ? 1000000 : 0;
	return ts;
}

static int poll_ms(const struct res *r) { return r->block ? -1 : 1000; }

static void fullset(sigset_t *s) { sigfillset(s); }

#define IOV(b, n) struct iovec iov = { b, n }
static char obuf[4] = "data";

static long c_read(struct res *r) { char b[BUF]; return R(read(r->fd[0], b, sizeof b)); }
static long c___read(struct res *r) { char b[BUF]; return R(__read(r->fd[0], b, sizeof b)); }
static long c___read_chk(struct res *r) { char b[BUF]; return R(__read_chk(r->fd[0], b, sizeof b, sizeof b)); }
static long c_readv(struct res *r) { char b[BUF]; IOV(b, sizeof b); return R(readv(r->fd[0], &iov, 1)); }
static long c_preadv2(struct res *r) { char b[BUF]; IOV(b, sizeof b); return R(preadv2(r->fd[0], &iov, 1, -1, 0)); }
static long c_preadv64v2(struct res *r) { char b[BUF]; IOV(b, sizeof b); return R(preadv64v2(r->fd[0], &iov, 1, -1, 0)); }
/* Positioned reads on /dev/kmsg return a record whenever the kernel logs one: again. */
#define AGAIN(call) ({ long a_; do a_ = (call); while (r->block && a_ > 0); a_; })
static long c_pread(struct res *r) { char b[BUF]; return AGAIN(R(pread(r->fd[0], b, sizeof b, 0))); }
static long c_pread64(struct res *r) { char b[BUF]; return AGAIN(R(pread64(r->fd[0], b, sizeof b, 0))); }
static long c_preadv(struct res *r) { char b[BUF]; IOV(b, sizeof b); return AGAIN(R(preadv(r->fd[0], &iov, 1, 0))); }
static long c_preadv64(struct res *r) { char b[BUF]; IOV(b, sizeof b); return AGAIN(R(preadv64(r->fd[0], &iov, 1, 0))); }
static long c___pread_chk(struct res *r) { char b[BUF]; return AGAIN(R(__pread_chk(r->fd[0], b, sizeof b, 0, sizeof b))); }
static long c___pread64_chk(struct res *r) { char b[BUF]; return AGAIN(R(__pread64_chk(r->fd[0], b, sizeof b, 0, sizeof b))); }

static long c_write(struct res *r) { return R(write(r->fd[1], obuf, 4)); }
static long c___write(struct res *r) { return R(__write(r->fd[1], obuf, 4)); }
static long c_writev(struct res *r) { IOV(obuf, 4); return R(writev(r->fd[1], &iov, 1)); }
static long c_pwritev2(struct res *r) { IOV(obuf, 4); return R(pwritev2(r->fd[1], &iov, 1, -1, 0)); }
static long c_pwritev64v2(struct res *r) { IOV(obuf, 4); return R(pwritev64v2(r->fd[1], &iov, 1, -1, 0)); }
static long c_pwrite(struct res *r) { return R(pwrite(r->fd[0], obuf, 4, 0)); }
static long c_pwrite64(struct res *r) { return R(pwrite64(r->fd[0], obuf, 4, 0)); }
static long c_pwritev(struct res *r) { IOV(obuf, 4); return R(pwritev(r->fd[0], &iov, 1, 0)); }
static long c_pwritev64(struct res *r) { IOV(obuf, 4); return R(pwritev64(r->fd[0], &iov, 1, 0)); }

static long c_recv(struct res *r) { char b[BUF]; return R(recv(r->fd[0], b, sizeof b, 0)); }
static long c___recv_chk(struct res *r) { char b[BUF]; return R(__recv_chk(r->fd[0], b, sizeof b, sizeof b, 0)); }
static long c_recvfrom(struct res *r) { char b[BUF]; return R(recvfrom(r->fd[0], b, sizeof b, 0, 0, 0)); }
static long c___recvfrom_chk(struct res *r) { char b[BUF]; return R(__recvfrom_chk(r->fd[0], b, sizeof b, sizeof b, 0, 0, 0)); }
static long c_recvmsg(struct res *r)
{
	char b[BUF];
	IOV(b, sizeof b);
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	return R(recvmsg(r->fd[0], &m, 0));
}
static long c_recvmmsg(struct res *r)
{
	char b[BUF];
	IOV(b, sizeof b);
	struct mmsghdr m = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };
	long n = R(recvmmsg(r->fd[0], &m, 1, 0, 0));
	return n == 1 ? m.msg_len : n; /* the bytes of the one message */
}
static long c_accept(struct res *r) { long fd = R(accept(r->fd[0], 0, 0)); if (fd >= 0) close((int)fd); return fd < 0 ? fd : 0; }
static long c_accept4(struct res *r) { long fd = R(accept4(r->fd[0], 0, 0, SOCK_CLOEXEC)); if (fd >= 0) close((int)fd); return fd < 0 ? fd : 0; }

static long c_send(struct res *r) { return R(send(r->fd[0], obuf, 4, 0)); }
#ifdef __aarch64__
/* glibc for aarch64 keeps __send only as a compat symbol (__send@GLIBC_2.17), which new
 * programs cannot link against: reach it by name, as an old binary's reference would. */
static long c___send(struct res *r)
{
	ssize_t (*f)(int, const void *, size_t, int) = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_DEFAULT, "__send");
	return R(f(r->fd[0], obuf, 4, 0));
}
#else
static long c___send(struct res *r) { return R(__send(r->fd[0], obuf, 4, 0)); }
#endif
static long c_sendto(struct res *r) { return R(sendto(r->fd[0], obuf, 4, 0, 0, 0)); }
static long c_sendmsg(struct res *r)
{
	IOV(obuf, 4);
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	return R(sendmsg(r->fd[0], &m, 0));
}
static long c_sendmmsg(struct res *r)
{
	IOV(obuf, 4);
	struct mmsghdr m = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };
	long n = R(sendmmsg(r->fd[0], &m, 1, 0));
	return n == 1 ? m.msg_len : n;
}
static long c_connect(struct res *r) { return R(connect(r->fd[1], (void *)&r->sa, r->salen)); }
static long c___connect(struct res *r) { return R(__connect(r->fd[1], (void *)&r->sa, r->salen)); }

static long c_poll(struct res *r) { struct pollfd p = { r->fd[0], POLLIN, 0 }; return R(poll(&p, 1, poll_ms(r))); }
static long c___poll(struct res *r) { struct pollfd p = { r->fd[0], POLLIN, 0 }; return R(__poll(&p, 1, poll_ms(r))); }
static long c___poll_chk(struct res *r) { struct pollfd p = { r->fd[0], POLLIN, 0 }; return R(__poll_chk(&p, 1, poll_ms(r), sizeof p)); }
static long c_ppoll(struct res *r)
{
	struct pollfd p = { r->fd[0], POLLIN, 0 };
	struct timespec ts = BIG_TS;
	sigset_t all;
	fullset(&all); /* blocks every signal for the call: the shim's stays deliverable */
	return R(ppoll(&p, 1, &ts, &all));
}
static long c___ppoll_chk(struct res *r)
{
	struct pollfd p = { r->fd[0], POLLIN, 0 };
	sigset_t all;
	fullset(&all);
	return R(__ppoll_chk(&p, 1, 0, &all, sizeof p));
}
static long c_select(struct res *r)
{
	fd_set s;
	struct timeval tv = { 1000000, 0 };
	FD_ZERO(&s);
	FD_SET(r->fd[0], &s);
	return R(select(r->fd[0] + 1, &s, 0, 0, &tv));
}
static long c___select(struct res *r)
{
	fd_set s;
	FD_ZERO(&s);
	FD_SET(r->fd[0], &s);
	return R(__select(r->fd[0] + 1, &s, 0, 0, 0));
}
static long c_pselect(struct res *r)
{
	fd_set s;
	struct timespec ts = BIG_TS;
	sigset_t all;
	fullset(&all);
	FD_ZERO(&s);
	FD_SET(r->fd[0], &s);
	return R(pselect(r->fd[0] + 1, &s, 0, 0, &ts, &all));
}
static long c_epoll_wait(struct res *r) { struct epoll_event ev; return R(epoll_wait(r->ep, &ev, 1, poll_ms(r))); }
static long c_epoll_pwait(struct res *r)
{
	struct epoll_event ev;
	sigset_t all;
	fullset(&all);
	return R(epoll_pwait(r->ep, &ev, 1, -1, &all));
}
static long c_epoll_pwait2(struct res *r)
{
	struct epoll_event ev;
	struct timespec ts = BIG_TS;
	sigset_t all;
	fullset(&all);
	return R(epoll_pwait2(r->ep, &ev, 1, &ts, &all));
}

static long c_nanosleep(struct res *r) { struct timespec ts = short_or_long(r); return R(nanosleep(&ts, 0)); }
static long c___nanosleep(struct res *r) { struct timespec ts = short_or_long(r); return R(__nanosleep(&ts, 0)); }
static long c_clock_nanosleep(struct res *r) { struct timespec ts = short_or_long(r); return -clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, 0); }
static long c_usleep(struct res *r) { return R(usleep(r->block ? 1000000000u : 1000)); }
/* sleep: stopped, it returns the seconds not slept with errno ECANCELED. */
static long c_sleep(struct res *r)
{
	unsigned int want = r->block ? 1000000 : 0, left = sleep(want);
	if (!left && errno != ECANCELED) /* stopped, sleep(0) has no second left to return */
		return 0;
	if (left > want || left + 100 < want) {
		printf("FAIL: sleep(%u) returned %u\n", want, left);
		failed = 1;
	}
	return -errno;
}

static long c_pause(struct res *r)
{
	if (!r->block)
		ualarm(20000, 0);
	return R(pause());
}
static long c_sigsuspend(struct res *r)
{
	sigset_t s;
	if (r->block)
		fullset(&s);
	else
		sigemptyset(&s);
	return R(sigsuspend(&s));
}
static long c___sigsuspend(struct res *r)
{
	sigset_t s;
	if (r->block)
		fullset(&s);
	else
		sigemptyset(&s);
	return R(__sigsuspend(&s));
}
static long c_sigpause(struct res *r) { return R(bsd_sigpause(r->block ? -1 : 0)); }
static long c___sigpause(struct res *r) { return R(__sigpause(r->block ? SIGUSR2 : SIGUSR1, 1)); }
static long c___xpg_sigpause(struct res *r) { return R(__xpg_sigpause(r->block ? SIGUSR2 : SIGUSR1)); }
/* Waiting for every signal: the shim's is never consumed, only SIGUSR1 arrives. */
static long c_sigwaitinfo(struct res *r)
{
	sigset_t all;
	siginfo_t si;
	long n;
	fullset(&all);
	n = R(sigwaitinfo(&all, &si));
	if (n > 0 && si.si_code != SI_USER) {
		printf("FAIL: sigwaitinfo: si_code %d, glibc folds SI_TKILL into SI_USER\n", si.si_code);
		failed = 1;
	}
	return n;
}
static long c_sigtimedwait(struct res *r)
{
	sigset_t all;
	siginfo_t si;
	struct timespec ts = BIG_TS;
	fullset(&all);
	return R(sigtimedwait(&all, &si, &ts));
}
static long c_sigwait(struct res *r)
{
	sigset_t all;
	int sig = 0, e;
	fullset(&all);
	e = sigwait(&all, &sig);
	return e ? -e : sig;
}

static long c_wait(struct res *r) { int st; long p = R(wait(&st)); return p > 0 && st != 7 << 8 ? -EPROTO : p; }
static long c___wait(struct res *r) { int st; long p = R(__wait(&st)); return p > 0 && st != 7 << 8 ? -EPROTO : p; }
static long c_waitpid(struct res *r) { int st; long p = R(waitpid(r->child, &st, 0)); return p > 0 && st != 7 << 8 ? -EPROTO : p; }
static long c___waitpid(struct res *r) { int st; long p = R(__waitpid(r->child, &st, 0)); return p > 0 && st != 7 << 8 ? -EPROTO : p; }
static long c_wait3(struct res *r) { int st; struct rusage ru; return R(wait3(&st, 0, &ru)); }
static long c_wait4(struct res *r) { int st; struct rusage ru; return R(wait4(r->child, &st, 0, &ru)); }
static long c_waitid(struct res *r)
{
	siginfo_t si = { 0 };
	long e = R(waitid(P_PID, (id_t)r->child, &si, WEXITED));
	return e < 0 ? e : si.si_status == 7 ? si.si_pid : -EPROTO;
}

static long c_flock(struct res *r) { return R(flock(r->fd[0], LOCK_EX)); }
static long c_lockf(struct res *r) { return R(lockf(r->fd[0], F_LOCK, 0)); }
static long c_lockf64(struct res *r) { return R(lockf64(r->fd[0], F_LOCK, 0)); }
static long c_fcntl(struct res *r)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return R(fcntl(r->fd[0], F_SETLKW, &fl));
}
static long c_fcntl64(struct res *r)
{
	struct flock64 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return R(fcntl64(r->fd[0], F_OFD_SETLKW, &fl));
}
static long c___fcntl(struct res *r)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return R(__fcntl(r->fd[0], F_SETLKW, &fl));
}

#define OPENED(expr) ({ long fd_ = R(expr); if (fd_ >= 0) close((int)fd_); fd_ < 0 ? fd_ : 0; })
static long c_open(struct res *r) { return OPENED(open(r->path, O_RDONLY)); }
static long c_open64(struct res *r) { return OPENED(open64(r->path, O_RDONLY)); }
static long c___open(struct res *r) { return OPENED(__open(r->path, O_RDONLY)); }
static long c___open64(struct res *r) { return OPENED(__open64(r->path, O_RDONLY)); }
static long c_openat(struct res *r) { return OPENED(openat(AT_FDCWD, r->path, O_RDONLY)); }
static long c_openat64(struct res *r) { return OPENED(openat64(AT_FDCWD, r->path, O_RDONLY)); }
static long c___open_2(struct res *r) { return OPENED(__open_2(r->path, O_RDONLY)); }
static long c___open64_2(struct res *r) { return OPENED(__open64_2(r->path, O_RDONLY)); }
static long c___openat_2(struct res *r) { return OPENED(__openat_2(AT_FDCWD, r->path, O_RDONLY)); }
static long c___openat64_2(struct res *r) { return OPENED(__openat64_2(AT_FDCWD, r->path, O_RDONLY)); }
/* creat opens for writing: on a FIFO it waits for a reader. */
static long c_creat(struct res *r) { return OPENED(creat(r->path, 0600)); }
static long c_creat64(struct res *r) { return OPENED(creat64(r->path, 0600)); }
static long c_tcdrain(struct res *r) { return R(tcdrain(r->fd[1])); }

static long c_msgrcv(struct res *r) { struct { long type; char text[16]; } m; return R(msgrcv(r->msq, &m, sizeof m.text, 0, 0)); }
static long c_msgsnd(struct res *r) { struct { long type; char text[16]; } m = { 1, "data" }; return R(msgsnd(r->msq, &m, 16, 0)); }
static long c_semop(struct res *r) { struct sembuf op = { 0, -1, 0 }; return R(semop(r->sem, &op, 1)); }
static long c_semtimedop(struct res *r)
{
	struct sembuf op = { 0, -1, 0 };
	struct timespec ts = BIG_TS;
	return R(semtimedop(r->sem, &op, 1, &ts));
}
static long c_mq_receive(struct res *r) { char b[16]; return R(mq_receive(r->mq, b, sizeof b, 0)); }
static long c_mq_timedreceive(struct res *r)
{
	char b[16];
	struct timespec dl = deadline(r);
	dl.tv_sec += 10;
	return R(mq_timedreceive(r->mq, b, sizeof b, 0, &dl));
}
static long c_mq_send(struct res *r) { return R(mq_send(r->mq, "data", 4, 0)); }
static long c_mq_timedsend(struct res *r)
{
	struct timespec dl = deadline(r);
	dl.tv_sec += 10;
	return R(mq_timedsend(r->mq, "data", 4, 0, &dl));
}

/* ------------------------------------------------------------------------------------ */

#define ANY (-1000000)   /* ready: any result >= 0 */
#define CHILD (-1000001) /* ready: the child's pid */

static const struct kase {
	const char *name;
	enum setup setup;
	long (*call)(struct res *);
	long ready; /* the result with the resource ready and no stop */
	int late;   /* output or open: a stop pending when it begins does not fail it */
} cases[] = {
#define C(name, setup, ready) { #name, setup, c_##name, ready, 0 }
#define L(name, setup, ready) { #name, setup, c_##name, ready, 1 }
	C(accept, S_LISTEN, 0), C(accept4, S_LISTEN, 0),
	C(read, S_PIPE_IN, 4), C(readv, S_PIPE_IN, 4), C(preadv2, S_PIPE_IN, 4), C(preadv64v2, S_PIPE_IN, 4),
	C(pread, S_SEEK_IN, 4), C(pread64, S_SEEK_IN, 4), C(preadv, S_SEEK_IN, 4), C(preadv64, S_SEEK_IN, 4),
	C(recv, S_SOCK_IN, 4), C(recvfrom, S_SOCK_IN, 4), C(recvmsg, S_SOCK_IN, 4), C(recvmmsg, S_SOCK_IN, 4),
	L(write, S_PIPE_OUT, 4), L(writev, S_PIPE_OUT, 4), L(pwritev2, S_PIPE_OUT, 4), L(pwritev64v2, S_PIPE_OUT, 4),
	L(pwrite, S_SEEK_OUT, 4), L(pwrite64, S_SEEK_OUT, 4), L(pwritev, S_SEEK_OUT, 4), L(pwritev64, S_SEEK_OUT, 4),
	L(send, S_SOCK_OUT, 4), L(sendto, S_SOCK_OUT, 4), L(sendmsg, S_SOCK_OUT, 4), L(sendmmsg, S_SOCK_OUT, 4),
	C(connect, S_CONNECT, 0),
	C(poll, S_PIPE_IN, 1), C(ppoll, S_PIPE_IN, 1), C(select, S_PIPE_IN, 1), C(pselect, S_PIPE_IN, 1),
	C(epoll_wait, S_EPOLL, 1), C(epoll_pwait, S_EPOLL, 1), C(epoll_pwait2, S_EPOLL, 1),
	C(nanosleep, S_TIME, 0), C(clock_nanosleep, S_TIME, 0), C(sleep, S_TIME, 0), C(usleep, S_TIME, 0),
	C(pause, S_SIGNAL, -EINTR), C(sigsuspend, S_SIGNAL, -EINTR), C(sigpause, S_SIGNAL, -EINTR),
	C(__sigpause, S_SIGNAL, -EINTR), C(__xpg_sigpause, S_SIGNAL, -EINTR),
	C(sigwaitinfo, S_SIGNAL, SIGUSR1), C(sigtimedwait, S_SIGNAL, SIGUSR1), C(sigwait, S_SIGNAL, SIGUSR1),
	C(wait, S_CHILD, CHILD), C(waitpid, S_CHILD, CHILD), C(waitid, S_CHILD, CHILD), C(wait3, S_CHILD, CHILD),
	C(wait4, S_CHILD, CHILD),
	C(flock, S_LOCK, 0), C(lockf, S_LOCK, 0), C(lockf64, S_LOCK, 0), C(fcntl, S_LOCK, 0), C(fcntl64, S_LOCK, 0),
	L(open, S_FIFO, 0), L(open64, S_FIFO, 0), L(openat, S_FIFO, 0), L(openat64, S_FIFO, 0),
	L(creat, S_FIFO, 0), L(creat64, S_FIFO, 0), L(tcdrain, S_TTY, 0),
	C(msgrcv, S_MSG_IN, 16), L(msgsnd, S_MSG_OUT, 0), C(semop, S_SEM, 0), C(semtimedop, S_SEM, 0),
	C(mq_receive, S_MQ_IN, 4), L(mq_send, S_MQ_OUT, 0), C(mq_timedreceive, S_MQ_IN, 4), L(mq_timedsend, S_MQ_OUT, 0),
	C(__read_chk, S_PIPE_IN, 4), C(__pread_chk, S_SEEK_IN, 4), C(__pread64_chk, S_SEEK_IN, 4),
	C(__recv_chk, S_SOCK_IN, 4), C(__recvfrom_chk, S_SOCK_IN, 4), C(__poll_chk, S_PIPE_IN, 1),
	C(__ppoll_chk, S_PIPE_IN, 1), L(__open_2, S_FIFO, 0), L(__open64_2, S_FIFO, 0), L(__openat_2, S_FIFO, 0),
	L(__openat64_2, S_FIFO, 0),
	C(__read, S_PIPE_IN, 4), L(__write, S_PIPE_OUT, 4), L(__send, S_SOCK_OUT, 4), C(__connect, S_CONNECT, 0),
	C(__poll, S_PIPE_IN, 1), C(__select, S_PIPE_IN, 1), C(__nanosleep, S_TIME, 0), C(__sigsuspend, S_SIGNAL, -EINTR),
	C(__wait, S_CHILD, CHILD), C(__waitpid, S_CHILD, CHILD), C(__fcntl, S_LOCK, 0), L(__open, S_FIFO, 0),
	L(__open64, S_FIFO, 0),
#undef C
#undef L
};
#define NCASES (sizeof cases / sizeof cases[0])

static const struct kase *find_case(const char *name)
{
	for (size_t i = 0; i < NCASES; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return 0;
}

static int blocking_kind(enum kind k)
{
	return k == K_FD || k == K_TIME || k == K_PID || k == K_NONE;
}

/* ------------------------------------------------------------------------------------ */

struct worker {
	const struct kase *k;
	struct res *r;
	volatile pid_t tid;
	volatile int entering, first_done, done;
	long first, again;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	w->tid = gettid();
	__atomic_store_n(&w->entering, 1, __ATOMIC_SEQ_CST);
	w->first = w->k->call(w->r);
	__atomic_store_n(&w->first_done, 1, __ATOMIC_SEQ_CST);
	w->again = w->k->call(w->r);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* A stop before the call: ECANCELED at once, without entering the kernel (the resource
 * is ready, so a call that went in would succeed).  Output and opens go in, and succeed. */
static void prestop(const struct kase *k)
{
	struct res r;
	double t0;
	long ret;
	setup(&r, k->setup, 0);
	check(stop_tid(gettid(), 0) == 0 && stop_pending(), "%s: stop before the call", k->name);
	t0 = now();
	ret = k->call(&r);
	if (k->late)
		check(ret == k->ready, "%s: begun with a stop pending, it is not failed: %s", k->name, err(ret));
	else
		check(ret == -ECANCELED, "%s: stopped before the call: %s", k->name, err(ret));
	check(now() - t0 < 5, "%s: at once", k->name);
	stop_clear();
	if (r.child > 0 && ret == r.child)
		r.child = 0;
	teardown(&r);
}

static void scen_stop(const struct kase *k)
{
	struct res r;
	struct worker w = { .k = k, .r = &r };
	pthread_t th;
	if (setup(&r, k->setup, 1) < 0) {
		printf("ok: %s: no resource blocks it here: checked with a stop before the call\n", k->name);
		prestop(k);
		return;
	}
	if (pthread_create(&th, 0, worker_main, &w))
		die("pthread_create");
	while (!__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST))
		msleep(1);
	if (!wait_sleeping(w.tid, &w.done)) {
		join(th);
		check(0, "%s: did not block: %s", k->name, err(w.first));
		teardown(&r);
		return;
	}
	check(stop_tid(w.tid, 0) == 0, "%s: blocked, thread_stop_tid returned 0", k->name);
	if (k->late) {
		/* The next call begins with the stop pending: it goes in and blocks, until a
		 * second stop ends it. */
		while (!__atomic_load_n(&w.first_done, __ATOMIC_SEQ_CST))
			msleep(1);
		check(wait_sleeping(w.tid, &w.done), "%s: the next call, begun stopped, blocks as it would", k->name);
		check(stop_tid(w.tid, 0) == 0, "%s: stopped again", k->name);
	}
	join(th);
	check(w.first == -ECANCELED, "%s: stopped: %s", k->name, err(w.first));
	check(w.again == -ECANCELED, "%s: the next call %s: %s", k->name, k->late ? "by the second stop" : "too", err(w.again));
	if (k->setup == S_SIGNAL)
		check(!got_usr1 && !got_alrm, "%s: no signal of the program's was delivered or consumed", k->name);
	teardown(&r);
	prestop(k);
}

static void scen_ready(const struct kase *k)
{
	struct res r;
	long ret;
	int e;
	setup(&r, k->setup, 0);
	errno = 4242;
	ret = k->call(&r);
	e = errno;
	if (k->ready == ANY)
		check(ret >= 0, "%s: %s", k->name, err(ret));
	else if (k->ready == CHILD)
		check(ret == r.child, "%s: reaped the child %d: %s", k->name, r.child, err(ret));
	else
		check(ret == k->ready, "%s: %s (glibc: %s)", k->name, err(ret), err(k->ready));
	if (ret >= 0 && k->setup != S_SIGNAL)
		check(e == 4242, "%s: errno untouched on success (%d)", k->name, e);
	if (k->setup == S_SIGNAL && k->ready == -EINTR)
		check(got_usr1 + got_alrm == 1, "%s: the program's handler ran once", k->name);
	if (r.child > 0 && ret == r.child)
		r.child = 0;
	teardown(&r);
}

/* Extra glibc behaviours, checked with the ready resources. */
static void scen_extra(const char *name)
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

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "", *name = argc > 2 ? argv[2] : "";
	const struct kase *k;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(s, "list") || !strcmp(s, "check")) {
		int missing = 0;
		for (size_t i = 0; i < NTABLE; i++) {
			k = find_case(table[i].name);
			if (!strcmp(s, "list"))
				printf("%s %s %s\n", table[i].name, kind_name[table[i].kind], k ? "case" : "-");
			else if (blocking_kind(table[i].kind) && !k) {
				printf("FAIL: %s (%s) is interposed but has no case in tests/targets/cover.c\n", table[i].name,
				       kind_name[table[i].kind]);
				missing++;
			}
		}
		for (size_t i = 0; i < NCASES; i++) {
			int found = 0;
			for (size_t j = 0; j < NTABLE; j++)
				found |= !strcmp(cases[i].name, table[j].name);
			if (!found && !strcmp(s, "check")) {
				printf("FAIL: case %s is not in calls.def\n", cases[i].name);
				missing++;
			}
		}
		if (!strcmp(s, "check") && !missing)
			printf("ok: every blocking entry of calls.def (%zu cases) has a case\n", NCASES);
		return missing != 0;
	}
	/* COVER_WITHOUT_SHIM=1 cover ready NAME: the same expectations against glibc alone. */
	if (strcmp(s, "ready") || !getenv("COVER_WITHOUT_SHIM"))
		bind_api();
	k = find_case(name);
	if (!k) {
		printf("FAIL: no case for %s\n", name);
		return 1;
	}
	if (!strcmp(s, "stop"))
		scen_stop(k);
	else if (!strcmp(s, "ready")) {
		scen_ready(k);
		scen_extra(name);
	} else {
		fprintf(stderr, "usage: cover list | check | stop NAME | ready NAME\n");
		return 2;
	}
	return failed;
}
