/* The cover cases: make the call once, return its result kernel-style (>= 0, or
 * -errno); calls that return an error number, or sleep's unslept seconds, are
 * translated.  Every entry of calls.def that blocks in one system call has a case. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include "cover.h"

/* glibc's BSD sigpause, which <signal.h> does not declare under its name. */
int bsd_sigpause(int mask) __asm__("sigpause");

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
 * programs cannot link against: bind it by name, as an old binary's reference is bound
 * (to the shim's unversioned __send when it is preloaded, else to glibc's). */
static long c___send(struct res *r)
{
	union { void *p; ssize_t (*f)(int, const void *, size_t, int); } u = { dlsym(RTLD_DEFAULT, "__send") };
	if (!u.p)
		u.p = dlvsym(RTLD_DEFAULT, "__send", "GLIBC_2.17");
	return R(u.f(r->fd[0], obuf, 4, 0));
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




const struct kase cases[] = {
#define C(name, setup, ready) { #name, setup, c_##name, ready }
	C(accept, S_LISTEN, 0), C(accept4, S_LISTEN, 0),
	C(read, S_PIPE_IN, 4), C(readv, S_PIPE_IN, 4), C(preadv2, S_PIPE_IN, 4), C(preadv64v2, S_PIPE_IN, 4),
	C(pread, S_SEEK_IN, 4), C(pread64, S_SEEK_IN, 4), C(preadv, S_SEEK_IN, 4), C(preadv64, S_SEEK_IN, 4),
	C(recv, S_SOCK_IN, 4), C(recvfrom, S_SOCK_IN, 4), C(recvmsg, S_SOCK_IN, 4), C(recvmmsg, S_SOCK_IN, 4),
	C(write, S_PIPE_OUT, 4), C(writev, S_PIPE_OUT, 4), C(pwritev2, S_PIPE_OUT, 4), C(pwritev64v2, S_PIPE_OUT, 4),
	C(pwrite, S_SEEK_OUT, 4), C(pwrite64, S_SEEK_OUT, 4), C(pwritev, S_SEEK_OUT, 4), C(pwritev64, S_SEEK_OUT, 4),
	C(send, S_SOCK_OUT, 4), C(sendto, S_SOCK_OUT, 4), C(sendmsg, S_SOCK_OUT, 4), C(sendmmsg, S_SOCK_OUT, 4),
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
	C(open, S_FIFO, 0), C(open64, S_FIFO, 0), C(openat, S_FIFO, 0), C(openat64, S_FIFO, 0),
	C(creat, S_FIFO, 0), C(creat64, S_FIFO, 0), C(tcdrain, S_TTY, 0),
	C(msgrcv, S_MSG_IN, 16), C(msgsnd, S_MSG_OUT, 0), C(semop, S_SEM, 0), C(semtimedop, S_SEM, 0),
	C(mq_receive, S_MQ_IN, 4), C(mq_send, S_MQ_OUT, 0), C(mq_timedreceive, S_MQ_IN, 4), C(mq_timedsend, S_MQ_OUT, 0),
	C(__read_chk, S_PIPE_IN, 4), C(__pread_chk, S_SEEK_IN, 4), C(__pread64_chk, S_SEEK_IN, 4),
	C(__recv_chk, S_SOCK_IN, 4), C(__recvfrom_chk, S_SOCK_IN, 4), C(__poll_chk, S_PIPE_IN, 1),
	C(__ppoll_chk, S_PIPE_IN, 1), C(__open_2, S_FIFO, 0), C(__open64_2, S_FIFO, 0), C(__openat_2, S_FIFO, 0),
	C(__openat64_2, S_FIFO, 0),
	C(__read, S_PIPE_IN, 4), C(__write, S_PIPE_OUT, 4), C(__send, S_SOCK_OUT, 4), C(__connect, S_CONNECT, 0),
	C(__poll, S_PIPE_IN, 1), C(__select, S_PIPE_IN, 1), C(__nanosleep, S_TIME, 0), C(__sigsuspend, S_SIGNAL, -EINTR),
	C(__wait, S_CHILD, CHILD), C(__waitpid, S_CHILD, CHILD), C(__fcntl, S_LOCK, 0), C(__open, S_FIFO, 0),
	C(__open64, S_FIFO, 0),
#undef C
};
const size_t ncases = sizeof cases / sizeof cases[0];

const struct kase *find_case(const char *name)
{
	for (size_t i = 0; i < ncases; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return 0;
}


