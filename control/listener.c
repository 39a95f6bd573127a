/* The control plane inside the host process: one listener thread serving the line
 * protocol (control/protocol.h, doc/protocol.md) on the process's socket (socket.c),
 * answering with the commands of commands.c.
 *
 * The listener lives in someone else's program, so: it makes raw syscalls only (never
 * our wrappers, never the program's signal handlers: every signal is blocked in it), it
 * is never registered (TS_DEAD), it sleeps in poll() with no timeout when no client is
 * connected, every client is non-blocking, bounded in input and output and timed out,
 * and only the same uid or root is served (SO_PEERCRED). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "calls.h"
#include "commands.h"
#include "conn.h"
#include "registry.h"
#include "server.h"
#include "send.h"
#include "socket.h"

#define TS_RETRY_MS 10000          /* after the socket could not be recreated */

static struct {
	pthread_mutex_t lock;   /* fd creation and bookkeeping vs fork */
	struct ts_conn conn[TS_MAX_CLIENTS];
	int inflight;           /* a request is being answered (see ts_control_fini) */
	pid_t tid;              /* the listener's, for ts_control_poke() */
} ctl = { .lock = PTHREAD_MUTEX_INITIALIZER };

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
		__atomic_store_n(&ctl.inflight, 1, __ATOMIC_RELEASE);
		ts_ctl_handle_line(c, c->in, k);
		ts_conn_flush(c, now);
		__atomic_store_n(&ctl.inflight, 0, __ATOMIC_RELEASE);
		memmove(c->in, nl + 1, c->inlen - k - 1);
		c->inlen -= k + 1;
		c->deadline = now + TS_IDLE_MS;
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
		c->inlen += (size_t)r;
		serve(c, now);
	}
}

static void on_connect(long now)
{
	for (;;) {
		struct ucred cred;
		socklen_t cl = sizeof cred;
		struct ts_conn *c = 0;
		char line[64];
		dev_t dev;
		ino_t ino;
		int i, fd = (int)ts_sys(SYS_accept4, ts_sock.lfd, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0);
		if (fd == -EINTR || fd == -ECONNABORTED)
			continue;
		if (fd < 0)
			return;
		fd = ts_fd_move_high(fd);
		if (ts_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&cl, 0) < 0 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			ts_close_raw(fd); /* not ours to serve: no word, no effect */
			continue;
		}
		for (i = 0; i < TS_MAX_CLIENTS && !c; i++)
			if (ctl.conn[i].fd < 0)
				c = &ctl.conn[i];
		if (!c || ts_fd_identity(fd, &dev, &ino) < 0) {
			static const char busy[] = "err busy too many clients; try again\n";
			ts_sys(SYS_sendto, fd, (long)busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
			ts_close_raw(fd);
			continue;
		}
		c->dev = dev;
		c->ino = ino;
		c->fd = fd;
		c->deadline = now + TS_IDLE_MS;
		if (tsp_fmt_greeting(line, sizeof line, (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0)) > 0)
			ts_reply(c, line);
		ts_conn_flush(c, now);
	}
}

static void *listener(void *arg)
{
	struct pollfd pfd[TS_MAX_CLIENTS + 1];
	int map[TS_MAX_CLIENTS + 1];
	(void)arg;
	ts_tls.stop = TS_DEAD;
	ts_sys(SYS_prctl, PR_SET_NAME, (long)"threadstop", 0, 0, 0, 0);
	{
		/* The cancel signal, sent by ts_control_poke(), interrupts our poll. */
		uint64_t one = 1ull << (ts_signal - 1);
		ts_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&one, 0, sizeof one, 0, 0);
	}
	__atomic_store_n(&ctl.tid, (pid_t)ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0), __ATOMIC_RELEASE);
	for (;;) {
		long now = now_ms(), timeout = -1;
		int i, n = 0, r;

		if (ts_sock.lfd >= 0) {
			pfd[n].fd = ts_sock.lfd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		} else if (ts_sock.lost) {
			timeout = TS_RETRY_MS;
		}
		for (i = 0; i < TS_MAX_CLIENTS; i++) {
			struct ts_conn *c = &ctl.conn[i];
			long left;
			if (c->fd < 0)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = (c->outoff < c->outlen ? POLLOUT : 0) |
					(!c->closing && !memchr(c->in, '\n', c->inlen) ? POLLIN : 0);
			map[n++] = i;
			left = c->deadline - now;
			if (left < 0)
				left = 0;
			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		r = (int)ts_sys(SYS_poll, (long)pfd, n, timeout, 0, 0, 0);
		if (r < 0)
			r = 0; /* EINTR: poked; look at our fds */
		now = now_ms();
		pthread_mutex_lock(&ctl.lock);
		for (i = 0; i < TS_MAX_CLIENTS; i++) {
			struct ts_conn *c = &ctl.conn[i];
			if (c->fd >= 0 && !ts_fd_still_ours(c->fd, c->dev, c->ino)) {
				/* closed, or its number reused by the program: forget, never close */
				for (int k = 0; k < n; k++)
					if (map[k] == i)
						pfd[k].revents = 0;
				ts_conn_drop(c);
			}
		}
		if (ts_sock.lfd >= 0 && !ts_fd_still_ours(ts_sock.lfd, ts_sock.ldev, ts_sock.lino)) {
			/* The program closed our socket (and maybe reused the number): forget
			 * it without closing, and make a new one. */
			ts_sock.lfd = -1;
			ts_sock.lost = 1;
		}
		if (ts_sock.lfd < 0 && ts_sock.lost) {
			ts_socket_unlink();
			ts_sock.lost = ts_socket_open() < 0;
		}
		for (i = 0; i < n && r > 0; i++)
			if (map[i] < 0 && pfd[i].revents && ts_sock.lfd == pfd[i].fd)
				on_connect(now);
		pthread_mutex_unlock(&ctl.lock);
		for (i = 0; i < n && r > 0; i++) {
			struct ts_conn *c;
			if (map[i] < 0 || !pfd[i].revents)
				continue;
			c = &ctl.conn[map[i]];
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
			struct ts_conn *c = &ctl.conn[i];
			if (c->fd < 0)
				continue;
			if (c->closing && c->outoff == c->outlen) {
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
	return 0;
}

/* Start the listener thread with every signal blocked, so the program's signals never
 * land in it (glibc's own SIGCANCEL and SIGSETXID stay open: setuid() needs them). */
static void start_listener(void)
{
	uint64_t all = ~0ull & ~(1ull << (32 - 1)) & ~(1ull << (33 - 1)), old;
	pthread_attr_t attr;
	pthread_t th;
	int i;

	for (i = 0; i < TS_MAX_CLIENTS; i++)
		ctl.conn[i].fd = -1;
	if (ts_socket_open() < 0)
		return;
	if (pthread_attr_init(&attr))
		goto fail;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, sizeof all, 0, 0);
	i = REAL(pthread_create)(&th, &attr, listener, 0);
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, sizeof old, 0, 0);
	pthread_attr_destroy(&attr);
	if (!i)
		return;
fail:
	ts_close_raw(ts_sock.lfd);
	ts_sock.lfd = -1;
	ts_socket_unlink();
}

void ts_control_lock(void) { pthread_mutex_lock(&ctl.lock); }
void ts_control_unlock(void) { pthread_mutex_unlock(&ctl.lock); }

/* The child has no listener thread, and a copy of the parent's sockets: close those
 * copies (the parent's clients must see it hang up, not us), keep the parent's socket
 * file, and serve our own. */
void ts_control_fork_child(void)
{
	int i;
	ctl.tid = 0;
	pthread_mutex_init(&ctl.lock, 0);
	if (ts_sock.lfd >= 0)
		ts_close_raw(ts_sock.lfd);
	ts_sock.lfd = -1;
	ts_sock.lost = 0;
	ts_sock.path_ino = 0;
	for (i = 0; i < TS_MAX_CLIENTS; i++)
		if (ctl.conn[i].fd >= 0)
			ts_conn_drop(&ctl.conn[i]);
	start_listener();
}

/* From the constructor, after the registry exists. */
void ts_control_init(void)
{
	ts_socket_dirs();
	pthread_mutex_lock(&ctl.lock);
	start_listener();
	pthread_mutex_unlock(&ctl.lock);
}

/* The program closed or replaced a descriptor in our range (close, close_range,
 * closefrom, dup2, dup3): wake the listener, which checks each of its descriptors and
 * makes a new socket if it lost its own.  Keeps errno. */
void ts_control_poke(void)
{
	pid_t tid = __atomic_load_n(&ctl.tid, __ATOMIC_ACQUIRE);
	if (tid > 0)
		ts_send_tid(tid);
}

/* A stop often makes the program finish: let the reply to the request that caused it go
 * out before a normal exit (at most 200 ms). */
__attribute__((destructor)) static void ts_control_fini(void)
{
	for (int i = 0; i < 200 && __atomic_load_n(&ctl.inflight, __ATOMIC_ACQUIRE) && !(ts_tls.stop & TS_DEAD); i++) {
		struct timespec ms = { 0, 1000000 };
		ts_sys(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0);
	}
	ts_socket_unlink();
}
