/* The listener's loop: the request path.  It sleeps in poll() with no timeout while no
 * client is connected; it accepts, checks the peer (SO_PEERCRED: the same uid or root),
 * greets, reads and answers requests (commands.c), and times out, evicts or closes
 * clients, all without ever waiting on one: every client is non-blocking and bounded in
 * input and output (conn.c).  It runs in the listener that listener.c starts: raw
 * system calls only, no errno, malloc or stdio. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include "commands.h"
#include "conn.h"
#include "log.h"
#include "lsnr.h"
#include "registry.h"
#include "socket.h"

#define TS_BACKOFF_MS 100          /* accept failed for want of resources: wait this long */

static long now_ms(void)
{
	struct timespec ts;
	ts_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve the complete lines of c's input, as long as its output is not backed up. */
static void serve(struct ts_conn *c, long now)
{
	char *nl;
	while (!c->closing && c->outlen - c->outoff < TS_OUT_PAUSE && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t k = (size_t)(nl - c->in);
		__atomic_store_n(&ts_lsnr.inflight, 1, __ATOMIC_RELEASE);
		ts_ctl_handle_line(c, c->in, k);
		ts_conn_flush(c, now);
		__atomic_store_n(&ts_lsnr.inflight, 0, __ATOMIC_RELEASE);
		memmove(c->in, nl + 1, c->inlen - k - 1);
		c->inlen -= k + 1;
		c->deadline = now + TS_IDLE_MS;
		c->active = now;
		c->partial = c->inlen ? now : 0;
	}
	if (!c->closing && c->inlen == sizeof c->in && !memchr(c->in, '\n', c->inlen)) {
		ts_reply_err(c, TSP_E_TOOLONG, TSP_E_TOOLONG_MSG "; closing");
		c->closing = 1;
	}
	if (c->closing)
		c->inlen = 0;
}

static void on_readable(struct ts_conn *c, long now)
{
	while (!c->closing && c->inlen < sizeof c->in) {
		long r = ts_sys(SYS_recvfrom, c->fd, (long)(c->in + c->inlen), (long)(sizeof c->in - c->inlen), MSG_DONTWAIT, 0, 0);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN)
			break;
		if (r <= 0) { /* end of stream or error: answer what came, then close */
			serve(c, now);
			c->closing = 1;
			c->inlen = 0;
			return;
		}
		if (!c->inlen)
			c->partial = now;
		c->inlen += (size_t)r;
		serve(c, now);
	}
}

static void say_and_close(int fd, const char *msg)
{
	ts_sys(SYS_sendto, fd, (long)msg, (long)strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
	ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* A slot for a new client: a free one, else the one that has been idle longest (it
 * completed its last request, or connected, before every other), told why. */
static struct ts_conn *free_slot(void)
{
	struct ts_conn *c = 0;
	int i;
	for (i = 0; i < TS_MAX_CLIENTS; i++) {
		if (ts_lsnr.conn[i].fd < 0)
			return &ts_lsnr.conn[i];
		if (!c || ts_lsnr.conn[i].active < c->active)
			c = &ts_lsnr.conn[i];
	}
	static const char evicted[] = "err busy evicted: another client needed the slot\n";
	ts_sys(SYS_sendto, c->fd, (long)evicted, sizeof evicted - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
	ts_conn_drop(c);
	return c;
}

/* The process's effective uid as /proc shows it (its main thread's): the listener keeps
 * the credentials it was made with, and a daemon may have dropped privileges since, in
 * threads that glibc knows (setuid() changes those only).  -1 if unknown. */
static long process_euid(void)
{
	char buf[2048], *p;
	int fd = (int)ts_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	long n = fd < 0 ? -1 : ts_sys(SYS_read, fd, (long)buf, sizeof buf - 1, 0, 0, 0), v = 0;
	if (fd >= 0)
		ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!(p = strstr(buf, "\nUid:\t")))
		return -1;
	for (p += 6; *p >= '0' && *p <= '9'; p++) /* the real uid; the effective one follows */
		;
	for (p++; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static void on_connect(long now)
{
	uid_t me = (uid_t)ts_sys(SYS_geteuid, 0, 0, 0, 0, 0, 0);
	long euid = -2; /* the process's, read only for a peer neither root nor ours */
	for (;;) {
		struct ucred cred;
		socklen_t cl = sizeof cred;
		struct ts_conn *c;
		char line[64];
		int fd = (int)ts_sys(SYS_accept4, ts_sock.lfd, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0);
		if (fd == -EINTR || fd == -ECONNABORTED)
			continue;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM || fd == -ENOBUFS) {
			/* The connection stays queued and poll would wake at once: leave the
			 * socket alone for a while rather than spin. */
			ts_debug("threadstop: listener: accept: out of resources (%d); backing off\n", -fd);
			ts_lsnr.backoff = now + TS_BACKOFF_MS;
			return;
		}
		if (fd < 0)
			return;
		if (ts_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&cl, 0) < 0 ||
		    (cred.uid != 0 && cred.uid != me && (long)cred.uid != (euid == -2 ? (euid = process_euid()) : euid))) {
			ts_sys(SYS_close, fd, 0, 0, 0, 0, 0); /* not ours to serve: no word, no effect */
			continue;
		}
		c = free_slot();
		if (!c) {
			say_and_close(fd, "err busy too many clients; try again\n");
			continue;
		}
		c->fd = fd;
		c->deadline = now + TS_IDLE_MS;
		c->active = now;
		c->partial = 0;
		if (tsp_fmt_greeting(line, sizeof line, (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0)) > 0)
			ts_reply(c, line);
		/* The greeting goes out first, alone: a request that ends the process (a stop
		 * whose thread then calls _exit) leaves its client knowing it was heard. */
		ts_conn_flush(c, now);
		/* A client may send its request with the connection, before it reads the
		 * greeting (client.c): answer it in this wake-up. */
		on_readable(c, now);
	}
}

void ts_lsnr_loop(void)
{
	struct pollfd pfd[TS_MAX_CLIENTS + 1];
	int map[TS_MAX_CLIENTS + 1];
	for (;;) {
		long now = now_ms(), timeout = -1;
		int i, n = 0, r;

		if (ts_lsnr.mode == LSNR_THREAD && ts_lsnr_program_gone())
			return;
		if (ts_sock.lfd >= 0 && now >= ts_lsnr.backoff) {
			pfd[n].fd = ts_sock.lfd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		} else if (ts_sock.lfd >= 0) {
			timeout = ts_lsnr.backoff - now;
		}
		for (i = 0; i < TS_MAX_CLIENTS; i++) {
			struct ts_conn *c = &ts_lsnr.conn[i];
			long left, end;
			if (c->fd < 0)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = (c->outoff < c->outlen ? POLLOUT : 0) |
					(!c->closing && !memchr(c->in, '\n', c->inlen) ? POLLIN : 0);
			map[n++] = i;
			end = c->partial && c->partial + TS_LINE_MS < c->deadline ? c->partial + TS_LINE_MS : c->deadline;
			left = end - now;
			if (left < 0)
				left = 0;
			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		if (ts_lsnr.mode == LSNR_THREAD && timeout < 0 && ts_registry_empty())
			timeout = 50; /* the last thread is leaving: look again soon */
		r = (int)ts_sys(SYS_poll, (long)pfd, n, timeout, 0, 0, 0);
		if (r < 0)
			r = 0; /* EINTR (the fallback is poked when a thread leaves) */
		now = now_ms();
		for (i = 0; i < n && r > 0; i++)
			if (map[i] < 0 && pfd[i].revents)
				on_connect(now);
		for (i = 0; i < n && r > 0; i++) {
			struct ts_conn *c;
			if (map[i] < 0 || !pfd[i].revents)
				continue;
			c = &ts_lsnr.conn[map[i]];
			if (c->fd != pfd[i].fd)
				continue; /* evicted by on_connect */
			if (pfd[i].revents & POLLNVAL) {
				ts_conn_drop(c);
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(c, now);
			ts_conn_flush(c, now);
			serve(c, now); /* requests held back while output was pending */
			ts_conn_flush(c, now);
		}
		for (i = 0; i < TS_MAX_CLIENTS; i++) {
			struct ts_conn *c = &ts_lsnr.conn[i];
			if (c->fd < 0)
				continue;
			if (c->closing && c->outoff == c->outlen) {
				ts_conn_drop(c);
			} else if (c->partial && now >= c->partial + TS_LINE_MS && c->outoff == c->outlen) {
				static const char slow[] = "err timeout no complete request line within 1 second; closing\n";
				ts_sys(SYS_sendto, c->fd, (long)slow, sizeof slow - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
				ts_conn_drop(c);
			} else if (now >= c->deadline) {
				if (c->outoff == c->outlen) {
					static const char idle[] = "err timeout idle for 5 seconds; closing\n";
					ts_sys(SYS_sendto, c->fd, (long)idle, sizeof idle - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
				}
				ts_conn_drop(c); /* idle, or not reading its replies */
			}
		}
	}
}
