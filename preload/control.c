/* The control plane inside the host process: a Unix socket per process and one listener
 * thread serving the line protocol (protocol.c, doc/protocol.md).
 *
 * The listener lives in someone else's program, so: it makes raw syscalls only (never
 * our wrappers, never the program's signal handlers: every signal is blocked in it), it
 * is never registered (TS_DEAD), it sleeps in poll() with no timeout when no client is
 * connected, every client is non-blocking, bounded in input and output and timed out,
 * and only the same uid or root is served (SO_PEERCRED). */
#define _GNU_SOURCE
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "client.h"
#include "protocol.h"
#include "threadstop.h"
#include "ts.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif

#define MAX_CLIENTS 16
#define IDLE_MS 5000            /* a client must complete a request, or read, within this */
#define OUT_PAUSE (64 << 10)    /* stop reading requests while this much output is pending */
#define OUT_MAX (1 << 20)       /* a client's output buffer never grows beyond this */
#define RETRY_MS 10000          /* after the socket could not be recreated */

struct client {
	int fd;                 /* -1: free slot */
	dev_t dev;
	ino_t ino;              /* the socket's identity: never close an fd that is not ours */
	long deadline;          /* CLOCK_MONOTONIC ms */
	int closing;            /* close once the output is flushed */
	size_t inlen;
	char in[TSP_LINE_MAX];
	char *out;
	size_t outlen, outoff, outcap;
};

struct snap {
	pid_t tid;
	int stop, call;
	long arg;
	unsigned seq;
	int64_t since;
	char name[TSP_NAME_MAX];
	int namelen;
	const char *foreign; /* not in a wrapper: blocked in this system call of glibc's own */
};

static struct {
	pthread_mutex_t lock;   /* fd creation and bookkeeping vs fork */
	char dirs[2][TSC_PATH_MAX];
	int ndirs;
	char path[TSC_PATH_MAX];
	dev_t path_dev;         /* the socket file we bound: removed at exit if still there */
	ino_t path_ino;
	int lfd;
	dev_t ldev;
	ino_t lino;
	int lost;               /* the listening socket was lost and could not be recreated */
	struct client cl[MAX_CLIENTS];
	struct snap *snap;
	int snapcap;
	int inflight;           /* a request is being answered (see ts_control_fini) */
	pid_t tid;              /* the listener's, for ts_control_poke() */
} ctl = { .lock = PTHREAD_MUTEX_INITIALIZER, .lfd = -1 };

static long sys_close(int fd) { return ts_sys(SYS_close, fd, 0, 0, 0, 0, 0); }

static int fd_identity(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (ts_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static int still_ours(int fd, dev_t dev, ino_t ino)
{
	dev_t d;
	ino_t i;
	return fd >= 0 && fd_identity(fd, &d, &i) == 0 && d == dev && i == ino;
}

/* Move our fd out of the program's way: programs expect open() to return the lowest
 * free number (a shell's `exec 3<`, test suites asserting fd 3), so ours live just
 * under the fd limit.  Keeps the fd where it is if that fails. */
int ts_ctl_fd_floor = INT_MAX;

static void note_fd(int fd)
{
	if (fd >= 0 && fd < ts_ctl_fd_floor)
		__atomic_store_n(&ts_ctl_fd_floor, fd, __ATOMIC_RELAXED);
}

static int move_high(int fd)
{
	struct { uint64_t cur, max; } rl;
	long base, nfd;
	if (ts_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0) < 0)
		return fd;
	base = (long)(rl.cur < 65536 ? rl.cur : 65536) - 2 * MAX_CLIENTS - 16;
	if (base <= fd) {
		note_fd(fd);
		return fd;
	}
	nfd = ts_sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, base, 0, 0, 0);
	if (nfd < 0) {
		note_fd(fd);
		return fd;
	}
	sys_close(fd);
	note_fd((int)nfd);
	return (int)nfd;
}

static long now_ms(void)
{
	struct timespec ts;
	ts_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_real_ns(void)
{
	struct timespec ts;
	ts_sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The directory, created 0700 if missing; used only if it is a real directory (not a
 * symlink) owned by us and writable by no one else. */
static int safe_dir(const char *dir)
{
	struct stat st;
	long e = ts_sys(SYS_mkdir, (long)dir, 0700, 0, 0, 0, 0);
	if (e < 0 && e != -EEXIST)
		return -1;
	if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)dir, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -1;
	return 0;
}

/* Unlink the socket file we bound, if it is still that one. */
static void unlink_ours(void)
{
	struct stat st;
	if (!ctl.path_ino)
		return;
	if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)ctl.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) == 0 &&
	    st.st_dev == ctl.path_dev && st.st_ino == ctl.path_ino)
		ts_sys(SYS_unlink, (long)ctl.path, 0, 0, 0, 0, 0);
	ctl.path_ino = 0;
}

/* Create, bind and listen on <dir>/<pid>.sock, replacing a stale one.  ctl.lock held. */
static int make_socket(void)
{
	struct sockaddr_un sa;
	struct stat st;
	int i, fd, pid = (int)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);

	for (i = 0; i < ctl.ndirs; i++) {
		int n;
		if (safe_dir(ctl.dirs[i]))
			continue;
		n = snprintf(ctl.path, sizeof ctl.path, "%s/%d.sock", ctl.dirs[i], pid);
		if (n < 0 || (size_t)n >= sizeof ctl.path)
			continue;
		fd = (int)ts_sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0, 0, 0);
		if (fd < 0)
			return -1;
		fd = move_high(fd);
		/* A leftover of an earlier process with our pid (or of our image before exec). */
		if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)ctl.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) == 0 &&
		    S_ISSOCK(st.st_mode))
			ts_sys(SYS_unlink, (long)ctl.path, 0, 0, 0, 0, 0);
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, ctl.path, (size_t)n + 1);
		if (ts_sys(SYS_bind, fd, (long)&sa, sizeof sa, 0, 0, 0) < 0 ||
		    ts_sys(SYS_chmod, (long)ctl.path, 0600, 0, 0, 0, 0) < 0 ||
		    ts_sys(SYS_newfstatat, AT_FDCWD, (long)ctl.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) < 0 ||
		    ts_sys(SYS_listen, fd, MAX_CLIENTS, 0, 0, 0, 0) < 0 || fd_identity(fd, &ctl.ldev, &ctl.lino)) {
			sys_close(fd);
			continue;
		}
		ctl.path_dev = st.st_dev;
		ctl.path_ino = st.st_ino;
		ctl.lfd = fd;
		return 0;
	}
	ctl.path[0] = 0;
	return -1;
}

/* Output */

static int out_append(struct client *c, const char *s, size_t n)
{
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *p;
		while (cap < c->outlen + n)
			cap *= 2;
		if (cap > OUT_MAX)
			return -1;
		p = realloc(c->out, cap);
		if (!p)
			return -1;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	return 0;
}

static void reply(struct client *c, const char *s)
{
	if (out_append(c, s, strlen(s)))
		c->closing = 1;
}

static void reply_err(struct client *c, const char *code, const char *msg)
{
	char line[TSP_REPLY_MAX];
	if (tsp_fmt_err(line, sizeof line, code, msg) > 0)
		reply(c, line);
}

static void drop(struct client *c)
{
	if (still_ours(c->fd, c->dev, c->ino))
		sys_close(c->fd);
	free(c->out);
	c->out = 0;
	c->outlen = c->outoff = c->outcap = c->inlen = 0;
	c->closing = 0;
	c->fd = -1;
}

/* Write what we can; never wait. */
static void flush(struct client *c, long now)
{
	while (c->outoff < c->outlen) {
		long w = ts_sys(SYS_sendto, c->fd, (long)(c->out + c->outoff), (long)(c->outlen - c->outoff),
				MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		if (w == -EINTR)
			continue;
		if (w == -EAGAIN)
			return;
		if (w <= 0) {
			c->outoff = c->outlen;
			c->closing = 1;
			c->inlen = 0;
			return;
		}
		c->outoff += (size_t)w;
		c->deadline = now + IDLE_MS;
	}
}

/* The threads */

/* A thread's name, from /proc. */
static void snap_name(struct snap *s)
{
	char path[48];
	long r = -1;
	int fd;
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)s->tid);
	fd = (int)ts_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd >= 0) {
		r = ts_sys(SYS_read, fd, (long)s->name, sizeof s->name - 1, 0, 0, 0);
		sys_close(fd);
	}
	if (r > 0 && s->name[r - 1] == '\n')
		r--;
	s->namelen = r > 0 ? (int)r : 0;
	s->name[s->namelen] = 0;
}

/* Copy what `list` and `stop` need of every registered thread, under the registry lock
 * for as short as possible; names are read afterwards, from /proc, when `names` is set
 * (else they are empty).  Returns the count. */
static int snapshot(int names)
{
	struct ts_thread *t;
	int64_t now = now_real_ns();
	int n, i;
	for (;;) {
		ts_registry_lock();
		for (n = 0, t = ts_registry_first(); t; t = t->next)
			n++;
		if (n <= ctl.snapcap)
			break;
		ts_registry_unlock();
		{
			int cap = n + n / 2 + 16;
			struct snap *p = realloc(ctl.snap, (size_t)cap * sizeof *p);
			if (!p)
				return -1;
			ctl.snap = p;
			ctl.snapcap = cap;
		}
	}
	for (i = 0, t = ts_registry_first(); t; t = t->next, i++) {
		struct snap *s = &ctl.snap[i];
		s->tid = t->tid;
		s->stop = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
		s->call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
		s->arg = __atomic_load_n(&t->arg, __ATOMIC_RELAXED);
		s->seq = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
		s->since = -1;
		if (s->call > 0 && s->call < TS_C_count) {
			/* No clock on the fast path: "since" is when we first saw this call. */
			if (t->seen_seq != s->seq || !t->seen_ns) {
				t->seen_seq = s->seq;
				t->seen_ns = now;
			}
			s->since = t->seen_ns;
		} else {
			s->call = 0;
		}
	}
	ts_registry_unlock();
	for (i = 0; i < n; i++) {
		struct snap *s = &ctl.snap[i];
		s->foreign = 0;
		if (!s->call) {
			/* outside our wrappers: asleep in a system call of glibc's own? (only
			 * threads not in a wrapper cost a /proc read here) */
			long args[2] = { 0, 0 }, nr = ts_blocked_syscall(s->tid, args);
			if (nr >= 0 && ts_foreign_stoppable(nr, args[1])) {
				s->foreign = ts_foreign_name(nr);
				s->arg = args[0];
			}
		}
		s->namelen = 0;
		s->name[0] = 0;
		if (names)
			snap_name(s);
	}
	return n;
}

static enum tsp_arg_kind arg_kind(int kind)
{
	switch (kind) {
	case TS_K_FD: return TSP_ARG_FD;
	case TS_K_JOIN: return TSP_ARG_TID;
	case TS_K_PID: return TSP_ARG_PID;
	case TS_K_TIME: case TS_K_COND: case TS_K_WAIT: return TSP_ARG_TIMEOUT;
	}
	return TSP_ARG_NONE;
}

static void describe(const struct snap *s, struct tsp_thread *t)
{
	int kind = s->call ? ts_call_kind[s->call] : s->foreign ? TS_K_FD : TS_K_API;
	int in_call = s->call || s->foreign;
	const char *st = s->stop & TS_STOPPED ? (in_call ? TSP_ST_PENDING : TSP_ST_STOPPED)
					       : (in_call ? TSP_ST_BLOCKED : TSP_ST_RUNNING);
	memset(t, 0, sizeof *t);
	t->tid = s->tid;
	snprintf(t->state, sizeof t->state, "%s", st);
	snprintf(t->call, sizeof t->call, "%s", s->call ? ts_call_name[s->call] : s->foreign ? s->foreign : "-");
	tsp_fmt_arg(t->arg, sizeof t->arg, arg_kind(kind), s->arg);
	t->seq = s->seq;
	t->since_ns = s->since;
}

static void thread_line(struct client *c, const char *type, const struct snap *s)
{
	struct tsp_thread t;
	char line[TSP_REPLY_MAX];
	describe(s, &t);
	if (tsp_fmt_thread(line, sizeof line, type, &t, s->name, (size_t)s->namelen) > 0)
		reply(c, line);
}

static void do_list(struct client *c)
{
	char line[64];
	int i, n = snapshot(1);
	if (n < 0) {
		reply_err(c, TSP_E_NOMEM, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		thread_line(c, "thread", &ctl.snap[i]);
	snprintf(line, sizeof line, "ok %d\n", n);
	reply(c, line);
}

static void do_stop(struct client *c, const struct tsp_req *req)
{
	unsigned char hit[TSP_SEL_MAX] = { 0 }, *ok = 0;
	pid_t *tids = 0;
	int *idx = 0;
	int i, k, n, m = 0, found;
	char line[TSP_REPLY_MAX];
	/* Reading 1,000 names from /proc takes milliseconds: before the stop only when a
	 * selector needs them, or when forced threads may exit before we could read them. */
	int names_first = req->force;

	for (k = 0; k < req->nsel; k++)
		names_first |= req->sel[k].kind == TSP_SEL_NAME;
	n = snapshot(names_first);
	if (n >= 0) {
		tids = malloc((size_t)(n ? n : 1) * (sizeof *tids + sizeof *idx + 1));
		idx = tids ? (int *)(tids + (n ? n : 1)) : 0;
		ok = tids ? (unsigned char *)(idx + (n ? n : 1)) : 0;
	}
	if (n < 0 || !tids) {
		reply_err(c, TSP_E_NOMEM, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct snap *s = &ctl.snap[i];
		int match = 0;
		for (k = 0; k < req->nsel; k++)
			if (tsp_sel_match(&req->sel[k], s->tid, s->name, s->call ? ts_call_name[s->call] : s->foreign))
				match = hit[k] = 1;
		if (match) {
			tids[m] = s->tid;
			idx[m++] = i;
		}
	}
	found = m ? ts_stop_tids(tids, m, req->force ? THREAD_STOP_FORCE : 0, ok) : 0;
	for (i = 0; i < m; i++)
		if (ok[i]) {
			if (!names_first)
				snap_name(&ctl.snap[idx[i]]);
			thread_line(c, "stopped", &ctl.snap[idx[i]]);
		}
	free(tids);
	for (k = 0; k < req->nsel; k++) {
		char esc[TSP_PAT_MAX * 4 + 1];
		if (hit[k] || tsp_escape(req->sel[k].text, strlen(req->sel[k].text), esc, sizeof esc) < 0)
			continue;
		snprintf(line, sizeof line, "unmatched %s\n", esc);
		reply(c, line);
	}
	if (!found) {
		reply_err(c, TSP_E_NOMATCH, "no thread matches (see 'list')");
		return;
	}
	snprintf(line, sizeof line, "ok %d\n", found);
	reply(c, line);
}

static void do_help(struct client *c)
{
	static const char *const text[] = {
		"help list                       one 'thread' line per thread, then 'ok N'",
		"help stop SELECTOR... [force]   stop the matching threads: one 'stopped' line each, then 'ok N'",
		"help   SELECTOR: TID | NAME | GLOB | name:GLOB | tid:TID | call:GLOB | all",
		"help version                    'ok threadstop VERSION protocol N'",
		"help quit                       'ok bye', then the connection closes",
		"help thread TID STATE CALL ARG SEQ SINCE_NS NAME   (see doc/protocol.md)",
	};
	unsigned i;
	for (i = 0; i < sizeof text / sizeof *text; i++) {
		reply(c, text[i]);
		reply(c, "\n");
	}
	reply(c, "ok\n");
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	struct tsp_req req;
	const char *code, *msg;
	if (tsp_parse_request(line, len, &req, &code, &msg)) {
		reply_err(c, code, msg);
		return;
	}
	switch (req.cmd) {
	case TSP_LIST:
		do_list(c);
		break;
	case TSP_STOP:
		do_stop(c, &req);
		break;
	case TSP_HELP:
		do_help(c);
		break;
	case TSP_VERSION: {
		char v[64];
		snprintf(v, sizeof v, "ok threadstop %s protocol %d\n", TS_VERSION, TSP_PROTO);
		reply(c, v);
		break;
	}
	case TSP_QUIT:
		reply(c, "ok bye\n");
		c->closing = 1;
		break;
	}
}

/* Serve the complete lines of c's input, as long as its output is not backed up. */
static void serve(struct client *c, long now)
{
	char *nl;
	while (!c->closing && c->outlen - c->outoff < OUT_PAUSE && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t k = (size_t)(nl - c->in);
		__atomic_store_n(&ctl.inflight, 1, __ATOMIC_RELEASE);
		handle_line(c, c->in, k);
		flush(c, now);
		__atomic_store_n(&ctl.inflight, 0, __ATOMIC_RELEASE);
		memmove(c->in, nl + 1, c->inlen - k - 1);
		c->inlen -= k + 1;
		c->deadline = now + IDLE_MS;
	}
	if (!c->closing && c->inlen == sizeof c->in && !memchr(c->in, '\n', c->inlen)) {
		reply_err(c, TSP_E_TOOLONG, "request line longer than 4095 bytes; closing");
		c->closing = 1;
	}
	if (c->closing)
		c->inlen = 0;
}

static void on_readable(struct client *c, long now)
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
		struct client *c = 0;
		char line[64];
		dev_t dev;
		ino_t ino;
		int i, fd = (int)ts_sys(SYS_accept4, ctl.lfd, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0);
		if (fd == -EINTR || fd == -ECONNABORTED)
			continue;
		if (fd < 0)
			return;
		fd = move_high(fd);
		if (ts_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&cl, 0) < 0 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			sys_close(fd); /* not ours to serve: no word, no effect */
			continue;
		}
		for (i = 0; i < MAX_CLIENTS && !c; i++)
			if (ctl.cl[i].fd < 0)
				c = &ctl.cl[i];
		if (!c || fd_identity(fd, &dev, &ino) < 0) {
			static const char busy[] = "err busy too many clients; try again\n";
			ts_sys(SYS_sendto, fd, (long)busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
			sys_close(fd);
			continue;
		}
		c->dev = dev;
		c->ino = ino;
		c->fd = fd;
		c->deadline = now + IDLE_MS;
		if (tsp_fmt_greeting(line, sizeof line, (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0)) > 0)
			reply(c, line);
		flush(c, now);
	}
}

static void *listener(void *arg)
{
	struct pollfd pfd[MAX_CLIENTS + 1];
	int map[MAX_CLIENTS + 1];
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

		if (ctl.lfd >= 0) {
			pfd[n].fd = ctl.lfd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		} else if (ctl.lost) {
			timeout = RETRY_MS;
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &ctl.cl[i];
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
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &ctl.cl[i];
			if (c->fd >= 0 && !still_ours(c->fd, c->dev, c->ino)) {
				/* closed, or its number reused by the program: forget, never close */
				for (int k = 0; k < n; k++)
					if (map[k] == i)
						pfd[k].revents = 0;
				drop(c);
			}
		}
		if (ctl.lfd >= 0 && !still_ours(ctl.lfd, ctl.ldev, ctl.lino)) {
			/* The program closed our socket (and maybe reused the number): forget
			 * it without closing, and make a new one. */
			ctl.lfd = -1;
			ctl.lost = 1;
		}
		if (ctl.lfd < 0 && ctl.lost) {
			unlink_ours();
			ctl.lost = make_socket() < 0;
		}
		for (i = 0; i < n && r > 0; i++)
			if (map[i] < 0 && pfd[i].revents && ctl.lfd == pfd[i].fd)
				on_connect(now);
		pthread_mutex_unlock(&ctl.lock);
		for (i = 0; i < n && r > 0; i++) {
			struct client *c;
			if (map[i] < 0 || !pfd[i].revents)
				continue;
			c = &ctl.cl[map[i]];
			if (pfd[i].revents & POLLNVAL) {
				drop(c);
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(c, now);
			flush(c, now);
			serve(c, now); /* requests held back while output was pending */
			flush(c, now);
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &ctl.cl[i];
			if (c->fd < 0)
				continue;
			if (c->closing && c->outoff == c->outlen) {
				drop(c);
			} else if (now >= c->deadline) {
				if (c->outoff == c->outlen) {
					static const char idle[] = "err timeout idle for 5 seconds; closing\n";
					ts_sys(SYS_sendto, c->fd, (long)idle, sizeof idle - 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
				}
				drop(c); /* idle, or not reading its replies */
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

	for (i = 0; i < MAX_CLIENTS; i++)
		ctl.cl[i].fd = -1;
	if (make_socket() < 0)
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
	sys_close(ctl.lfd);
	ctl.lfd = -1;
	unlink_ours();
}

static void atfork_prepare(void) { pthread_mutex_lock(&ctl.lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&ctl.lock); }

/* The child has no listener thread, and a copy of the parent's sockets: close those
 * copies (the parent's clients must see it hang up, not us), keep the parent's socket
 * file, and serve our own. */
static void atfork_child(void)
{
	int i;
	ctl.tid = 0;
	pthread_mutex_init(&ctl.lock, 0);
	if (ctl.lfd >= 0)
		sys_close(ctl.lfd);
	ctl.lfd = -1;
	ctl.lost = 0;
	ctl.path_ino = 0;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (ctl.cl[i].fd >= 0)
			drop(&ctl.cl[i]);
	start_listener();
}

static void add_dir(const char *a, const char *b)
{
	int n = snprintf(ctl.dirs[ctl.ndirs], sizeof ctl.dirs[0], "%s%s", a, b);
	if (n > 0 && (size_t)n < sizeof ctl.dirs[0])
		ctl.ndirs++;
}

/* From the constructor, after the registry exists. */
void ts_control_init(void)
{
	const char *tsdir = getenv("THREADSTOP_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	char tmp[40];
	if (tsdir && *tsdir) {
		add_dir(tsdir, "");
	} else {
		if (xdg && xdg[0] == '/')
			add_dir(xdg, "/threadstop");
		snprintf(tmp, sizeof tmp, "/tmp/threadstop-%u", (unsigned)geteuid());
		add_dir(tmp, "");
	}
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
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
	unlink_ours();
}
