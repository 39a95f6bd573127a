/* The client side of the control protocol, shared by the CLI and thread_stop() (the
 * shim's preload/api.c): find a process's socket (an abstract name: no file), connect,
 * check who serves it (SO_PEERCRED), send requests and read replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "client.h"

#include "threadstop.h"

/* Plain system calls, never the shim's wrappers (syscall(2) is not interposed): in the
 * shim this runs in a host program's thread, and must not be stopped by them. */
static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);
	return r == -1 ? -errno : r;
}

int tsc_name(pid_t pid, int k, char *out, size_t outsz)
{
	int n = k ? snprintf(out, outsz, "threadstop.%d.%d", (int)pid, k) : snprintf(out, outsz, "threadstop.%d", (int)pid);
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

int tsc_pid_of_name(const char *name, size_t len)
{
	long v = 0;
	size_t i = 11;
	if (len <= i || memcmp(name, "threadstop.", 11) || name[i] < '1' || name[i] > '9')
		return -1;
	for (; i < len && name[i] >= '0' && name[i] <= '9' && v < 1 << 30; i++)
		v = v * 10 + (name[i] - '0');
	if (i < len) { /* .K */
		if (name[i] != '.' || i + 2 != len || name[i + 1] < '1' || name[i + 1] > '0' + TSC_NAME_ALT)
			return -1;
	}
	return v < 1 << 30 ? (int)v : -1;
}

int tsc_enter_netns(pid_t pid)
{
	char path[40];
	struct stat mine, theirs;
	int fd;
	long e;
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	if (sys(SYS_newfstatat, AT_FDCWD, (long)"/proc/self/ns/net", (long)&mine, 0, 0, 0) < 0 ||
	    sys(SYS_newfstatat, AT_FDCWD, (long)path, (long)&theirs, 0, 0, 0) < 0 ||
	    (mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino))
		return 0; /* the same, or we cannot tell: try from here */
	fd = (int)sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -EPERM;
	e = sys(SYS_setns, fd, CLONE_NEWNET, 0, 0, 0, 0);
	sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return e < 0 ? -EPERM : 1;
}

long tsc_now_ms(void)
{
	struct timespec ts;
	sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* From /proc/PID/status: the state letter, the effective uid, and the pid as the process
 * sees it (NSpid's last field: another in a container).  0, or -ESRCH. */
static int proc_status(pid_t pid, char *state, long *euid, pid_t *nspid)
{
	char path[40], buf[4096], *p;
	long n;
	int fd;
	*state = 0;
	*euid = -1;
	*nspid = pid;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	fd = (int)sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return -ESRCH;
	n = sys(SYS_read, fd, (long)buf, sizeof buf - 1, 0, 0, 0);
	sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	if ((p = strstr(buf, "\nState:\t")))
		*state = p[8];
	if ((p = strstr(buf, "\nUid:\t"))) {
		p += 6;
		while (*p >= '0' && *p <= '9') /* the real uid, then the effective one */
			p++;
		for (*euid = 0, p++; *p >= '0' && *p <= '9'; p++)
			*euid = *euid * 10 + (*p - '0');
	}
	if ((p = strstr(buf, "\nNSpid:"))) {
		for (p += 8; *p && *p != '\n';) {
			long v = 0;
			while (*p == '\t' || *p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			for (; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (*p - '0');
			*nspid = (pid_t)v;
		}
	}
	return *state ? 0 : -ESRCH;
}

/* Connect to the abstract name; 1 when whoever listens there is pid, of uid euid (or
 * root: a daemon that dropped privileges keeps a listener made before it did), 0 when
 * nobody listens there or someone else does, -errno when connecting failed otherwise. */
static int try_name(struct tsc *c, pid_t pid, long euid, const char *name, int n)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	long e;
	int fd = (int)sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name, (size_t)n);
	e = sys(SYS_connect, fd, (long)&sa, (long)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n), 0, 0, 0);
	if (e == 0 && sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&cl, 0) == 0 &&
	    cred.pid == pid && (euid < 0 || cred.uid == (uid_t)euid || cred.uid == 0)) {
		c->fd = fd;
		return 1;
	}
	sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (e == 0 || e == -ECONNREFUSED || e == -ENOENT)
		return 0; /* nobody, or an impostor: anyone may bind an abstract name */
	return e == -EAGAIN ? -EAGAIN : e == -EACCES || e == -EPERM ? -EACCES : (int)e;
}

/* Read and check the greeting: protocol 1, of pid as the process sees it.  0, or -errno
 * (the connection closed). */
static int greeted(struct tsc *c, pid_t nspid)
{
	struct tsp_reply r;
	int e = tsc_read(c, &r);
	if (e == -ECONNRESET) { /* closed without a word: the peer check refused us */
		tsc_close(c);
		return -EACCES;
	}
	if (e == 0 && r.type == TSP_R_ERR && !strcmp(r.code, TSP_E_BUSY))
		e = -EAGAIN;
	else if (e == 0 && (r.type != TSP_R_GREETING || r.version != TSP_PROTO || r.pid != nspid))
		e = -EPROTO;
	if (e)
		tsc_close(c);
	return e;
}

int tsc_open_until(struct tsc *c, pid_t pid, long deadline_ms)
{
	char state, name[TSC_PATH_MAX - 1];
	long euid, me = sys(SYS_geteuid, 0, 0, 0, 0, 0, 0);
	pid_t nspid;
	int k, n, got = 0;

	memset(c, 0, offsetof(struct tsc, buf));
	c->len = 0;
	c->fd = -1;
	c->pid = pid;
	c->deadline = deadline_ms;
	if (pid <= 0)
		return -ESRCH;
	if (proc_status(pid, &state, &euid, &nspid) || state == 'Z' || state == 'X')
		return -ESRCH; /* gone, or a zombie: no thread left to stop */
	if (euid >= 0 && euid != me && me != 0)
		return -EACCES; /* it would refuse us */
	/* Its listener binds the abstract name of its own pid, in its network namespace
	 * (the CLI enters it first: tsc_enter_netns); the next names if that was taken. */
	for (k = 0; k <= TSC_NAME_ALT && !got; k++) {
		if ((n = tsc_name(nspid, k, name, sizeof name)) < 0)
			return -ENOENT;
		if (k == 0)
			snprintf(c->path, sizeof c->path, "@%s", name);
		got = try_name(c, pid, euid, name, n);
		if (got < 0)
			return got;
	}
	if (!got)
		return -ENOENT;
	snprintf(c->path, sizeof c->path, "@%s", name);
	return greeted(c, nspid);
}

int tsc_open_send(struct tsc *c, pid_t pid, long deadline_ms, const char *line)
{
	char name[TSC_PATH_MAX - 1];
	long me = sys(SYS_geteuid, 0, 0, 0, 0, 0, 0);
	int n, e;

	memset(c, 0, offsetof(struct tsc, buf));
	c->len = 0;
	c->fd = -1;
	c->pid = pid;
	c->deadline = deadline_ms;
	/* The usual case first, with no /proc read: pid listens on its own name here, and
	 * SO_PEERCRED says it is pid, of our uid or root (any uid, if we are root). */
	if (pid > 0 && (n = tsc_name(pid, 0, name, sizeof name)) > 0 &&
	    try_name(c, pid, me == 0 ? -1 : me, name, n) == 1) {
		snprintf(c->path, sizeof c->path, "@%s", name);
		/* The request goes before the greeting is read: the listener may answer both
		 * in the wake-up that accepts us.  A listener that refuses or is full closes
		 * without reading it: its greeting or error line says so, not the send. */
		e = tsc_send(c, line);
		if (e && e != -EPIPE && e != -ECONNRESET) {
			tsc_close(c);
			return e;
		}
		e = greeted(c, pid);
		c->lines = c->bytes = 0;
		return e;
	}
	/* Another pid or network namespace, another user, no listener (yet), or a squatted
	 * name: the whole way, then the request. */
	e = tsc_open_until(c, pid, deadline_ms);
	if (!e && (e = tsc_send(c, line)))
		tsc_close(c);
	return e;
}

int tsc_send(struct tsc *c, const char *line)
{
	size_t n = strlen(line), off = 0;
	char nl = '\n';
	c->lines = c->bytes = 0;
	/* The line and its newline in one sendmsg: sent in two pieces, a request could wake
	 * the listener twice (doc/benchmarks.md, the CLI). */
	while (off <= n) {
		struct iovec iov[2] = { { (void *)(line + off), off < n ? n - off : 0 }, { &nl, 1 } };
		struct msghdr m;
		long w;
		memset(&m, 0, sizeof m);
		m.msg_iov = off < n ? iov : iov + 1;
		m.msg_iovlen = off < n ? 2 : 1;
		w = sys(SYS_sendmsg, c->fd, (long)&m, MSG_NOSIGNAL, 0, 0, 0);
		if (w == -EINTR)
			continue;
		if (w < 0)
			return (int)w;
		off += (size_t)w;
	}
	return 0;
}

/* One deadline for the connection, not one per line: a peer that sends a line every
 * few seconds cannot keep the caller waiting past it. */
int tsc_read(struct tsc *c, struct tsp_reply *r)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		struct timespec ts;
		long n, left;
		if (nl) {
			size_t k = (size_t)(nl - c->buf);
			int bad = tsp_parse_reply(c->buf, k, r);
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			if (++c->lines > TSC_REPLY_LINES)
				return -E2BIG;
			return bad ? -EPROTO : 0;
		}
		if (c->len == sizeof c->buf)
			return -EPROTO;
		if (c->bytes > TSC_REPLY_BYTES)
			return -E2BIG;
		left = c->deadline - tsc_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = left % 1000 * 1000000;
		n = sys(SYS_ppoll, (long)&pfd, 1, (long)&ts, 0, 0, 0); /* (aarch64 has no poll) */
		if (n == -EINTR || n == 0)
			continue;
		if (n < 0)
			return (int)n;
		n = sys(SYS_recvfrom, c->fd, (long)(c->buf + c->len), (long)(sizeof c->buf - c->len), MSG_DONTWAIT, 0, 0);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n == 0 || n == -ECONNRESET)
			return -ECONNRESET;
		if (n < 0)
			return (int)n;
		c->len += (size_t)n;
		c->bytes += n;
	}
}

void tsc_close(struct tsc *c)
{
	if (c->fd >= 0)
		sys(SYS_close, c->fd, 0, 0, 0, 0, 0);
	c->fd = -1;
}

int tsc_stop_request(char *out, size_t outsz, const char *const *sels, int nsel, unsigned flags, const char **msg)
{
	struct tsp_req req;
	size_t o;
	const char *code;
	int i, n, skip;
	if (outsz > TSP_LINE_MAX)
		outsz = TSP_LINE_MAX;
	o = (size_t)snprintf(out, outsz, "stop");
	for (i = 0; i < nsel; i++) {
		if (!sels[i] || !*sels[i] || o + 2 >= outsz) {
			*msg = !sels[i] || !*sels[i] ? "empty selector" : "too many or too long selectors";
			return -EINVAL;
		}
		out[o++] = ' ';
		skip = 0;
		if (!strcmp(sels[i], "force") && o + 4 < outsz) {
			/* a thread named force: the escaped f keeps it a selector, not the flag */
			memcpy(out + o, "\\x66", 4);
			o += 4;
			skip = 1;
		}
		n = tsp_escape(sels[i] + skip, strlen(sels[i] + skip), out + o, outsz - o);
		if (n < 0) {
			*msg = "too many or too long selectors";
			return -EINVAL;
		}
		o += (size_t)n;
	}
	if (flags & THREAD_STOP_FORCE) {
		if (o + 7 >= outsz) {
			*msg = "too many or too long selectors";
			return -EINVAL;
		}
		memcpy(out + o, " force", 7);
		o += 6;
	}
	/* Check it as the server will. */
	if (tsp_parse_request(out, o, &req, &code, msg))
		return -EINVAL;
	return 0;
}
