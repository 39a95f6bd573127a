/* The client side of the control protocol, shared by the CLI and thread_stop() (the
 * shim's preload/api.c): find a process's socket, connect, check who serves it, send
 * requests and read replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int tsc_dir(int i, const char *tsdir, const char *xdg, uid_t uid, char *out, size_t outsz)
{
	int n;
	if (tsdir && *tsdir)
		n = i == 0 ? snprintf(out, outsz, "%s", tsdir) : -1;
	else if (xdg && xdg[0] == '/' && i == 0)
		n = snprintf(out, outsz, "%s/threadstop", xdg);
	else if (i == (xdg && xdg[0] == '/'))
		n = snprintf(out, outsz, "/tmp/threadstop-%u", (unsigned)uid);
	else
		n = -1;
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* THREADSTOP_DIR and XDG_RUNTIME_DIR from /proc/PID/environ, streamed (it can be large). */
static void target_env(pid_t pid, char *tsdir, char *xdg, size_t sz)
{
	char path[40], buf[2048], ent[TSC_PATH_MAX + 24];
	size_t el = 0;
	long n, i;
	int fd;
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	fd = (int)sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return;
	while ((n = sys(SYS_read, fd, (long)buf, sizeof buf, 0, 0, 0)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i]) {
				if (el < sizeof ent - 1)
					ent[el] = buf[i];
				el++;
				continue;
			}
			if (el < sizeof ent) {
				ent[el] = 0;
				if (!strncmp(ent, "THREADSTOP_DIR=", 15) && strlen(ent + 15) < sz)
					strcpy(tsdir, ent + 15);
				else if (!strncmp(ent, "XDG_RUNTIME_DIR=", 16) && strlen(ent + 16) < sz)
					strcpy(xdg, ent + 16);
			}
			el = 0;
		}
	}
	sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

static int is_socket(const char *path)
{
	struct stat st;
	return sys(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) == 0 && S_ISSOCK(st.st_mode);
}

/* The socket path of pid: the first candidate directory holding <pid>.sock, from our own
 * environment, the target's, and the default of the target's uid and ours.  Returns 0,
 * or -ENOENT with the first candidate in out. */
static int find_socket(pid_t pid, uid_t tuid, char *out, size_t outsz)
{
	char tsdir[TSC_PATH_MAX] = "", xdg[TSC_PATH_MAX] = "", dir[TSC_PATH_MAX], first[TSC_PATH_MAX] = "";
	const char *mytsdir = getenv("THREADSTOP_DIR"), *myxdg = getenv("XDG_RUNTIME_DIR");
	int k, i, r, n;
	target_env(pid, tsdir, xdg, sizeof tsdir);
	for (k = 0; k < 4; k++) {
		for (i = 0; i < 2; i++) {
			if (k == 0)
				r = mytsdir && *mytsdir ? tsc_dir(i, mytsdir, 0, 0, dir, sizeof dir) : -1;
			else if (k == 1)
				r = tsc_dir(i, tsdir, xdg, tuid, dir, sizeof dir);
			else if (k == 2)
				r = tsc_dir(i, 0, myxdg, geteuid(), dir, sizeof dir);
			else
				r = i == 0 ? tsc_dir(0, 0, 0, tuid, dir, sizeof dir) : -1;
			if (r)
				continue;
			n = snprintf(out, outsz, "%s/%d.sock", dir, (int)pid);
			if (n < 0 || (size_t)n >= outsz)
				continue;
			if (is_socket(out))
				return 0;
			if (!first[0] && (size_t)n < sizeof first)
				memcpy(first, out, (size_t)n + 1);
		}
	}
	snprintf(out, outsz, "%s", first);
	return -ENOENT;
}

long tsc_now_ms(void)
{
	struct timespec ts;
	sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* From /proc/PID/status: the state letter and the effective uid.  0, or -ESRCH. */
static int proc_status(pid_t pid, char *state, long *euid)
{
	char path[40], buf[4096], *p;
	long n;
	int fd;
	*state = 0;
	*euid = -1;
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
	return *state ? 0 : -ESRCH;
}

int tsc_open(struct tsc *c, pid_t pid)
{
	return tsc_open_until(c, pid, tsc_now_ms() + TSC_TIMEOUT_MS);
}

int tsc_open_until(struct tsc *c, pid_t pid, long deadline_ms)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	struct tsp_reply r;
	struct stat st;
	char proc[32], state;
	long e, euid, me = sys(SYS_geteuid, 0, 0, 0, 0, 0, 0);
	int fd;

	memset(c, 0, offsetof(struct tsc, buf));
	c->len = 0;
	c->fd = -1;
	c->pid = pid;
	c->deadline = deadline_ms;
	if (pid <= 0)
		return -ESRCH;
	snprintf(proc, sizeof proc, "/proc/%d", (int)pid);
	if (sys(SYS_newfstatat, AT_FDCWD, (long)proc, (long)&st, 0, 0, 0) < 0 || proc_status(pid, &state, &euid) ||
	    state == 'Z' || state == 'X')
		return -ESRCH; /* gone, or a zombie: no thread left to stop */
	if (euid >= 0 && euid != me && me != 0)
		return -EACCES; /* its socket is in its user's directory, and it would refuse us */
	if (find_socket(pid, st.st_uid, c->path, sizeof c->path))
		return -ENOENT;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	fd = (int)sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	e = sys(SYS_connect, fd, (long)&sa, sizeof sa, 0, 0, 0);
	if (e < 0) {
		sys(SYS_close, fd, 0, 0, 0, 0, 0);
		return e == -EAGAIN ? -EAGAIN : e == -ENOENT ? -ENOENT : e == -EACCES || e == -EPERM ? -EACCES : -ECONNREFUSED;
	}
	c->fd = fd;
	/* Whoever listens on that path must be the process we asked for. */
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&cl, 0) == 0 && cred.pid && cred.pid != pid) {
		tsc_close(c);
		return -EPROTO;
	}
	e = tsc_read(c, &r);
	if (e == -ECONNRESET) { /* closed without a word: the peer check refused us */
		tsc_close(c);
		return -EACCES;
	}
	if (e == 0 && r.type == TSP_R_ERR && !strcmp(r.code, TSP_E_BUSY))
		e = -EAGAIN;
	else if (e == 0 && (r.type != TSP_R_GREETING || r.version != TSP_PROTO || r.pid != pid))
		e = -EPROTO;
	if (e) {
		tsc_close(c);
		return (int)e;
	}
	return 0;
}

int tsc_send(struct tsc *c, const char *line)
{
	size_t n = strlen(line), off = 0;
	char nl = '\n';
	c->lines = c->bytes = 0;
	while (off <= n) {
		const char *p = off < n ? line + off : &nl;
		size_t k = off < n ? n - off : 1;
		long w = sys(SYS_sendto, c->fd, (long)p, (long)k, MSG_NOSIGNAL, 0, 0);
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
		n = sys(SYS_poll, (long)&pfd, 1, left, 0, 0, 0);
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
