/* The control plane inside the host process: one listener thread serving the line
 * protocol (control/protocol.h, doc/protocol.md) on the process's socket (socket.c),
 * answering with the commands of commands.c.
 *
 * The listener is invisible to the program (doc/design.md, "The listener"):
 *  - its descriptors are in a table of its own: it is made without CLONE_FILES and closes
 *    the copies of the program's descriptors before the program runs on, so the
 *    program's /proc/self/fd, close_range, dup2 and RLIMIT_NOFILE are its own, and the
 *    kernel's single-table fast path applies to the program's descriptor calls;
 *  - on the main path it is a thread glibc does not count (rawthread.c): the program
 *    stays single-threaded for glibc, and ends when its last thread does;
 *  - where a seccomp filter refuses that clone, it is a pthread that unshares its
 *    descriptor table (CLONE_FILES) and leaves when the program's last thread has;
 *    where that is refused too, there is no control plane (THREADSTOP_DEBUG=1 says why);
 *  - a fork child gets its listener at its first interposed call, or from a one-shot
 *    timer 50 ms after the fork: a child that execs or exits at once pays for neither.
 *
 * It lives in someone else's program, so: raw syscalls only (never our wrappers, never
 * errno, malloc or stdio: see rawthread.c), every signal blocked, it sleeps in poll()
 * with no timeout when no client is connected, every client is non-blocking, bounded in
 * input and output and timed out, the oldest idle one evicted when a new one needs its
 * slot, and only the same uid or root is served (SO_PEERCRED). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "calls.h"
#include "commands.h"
#include "conn.h"
#include "log.h"
#include "rawthread.h"
#include "registry.h"
#include "server.h"
#include "send.h"
#include "socket.h"

#define TS_BACKOFF_MS 100          /* accept failed for want of resources: wait this long */
#define TS_FORK_START_MS 50        /* a fork child that makes no interposed call: its timer */

enum { MODE_NONE, MODE_RAW, MODE_THREAD };
enum { ST_OFF, ST_STARTING, ST_ON };

static struct {
	struct ts_conn conn[TS_MAX_CLIENTS];
	int inflight;           /* a request is being answered (see ts_control_fini) */
	int state;              /* ST_*: one start per process, whoever asks first */
	int ready;              /* futex: 0 while the new listener starts, 1 serving, -errno */
	int mode;               /* MODE_* of the running listener */
	pid_t tid;              /* the listener's */
	int timer;              /* a fork child's one-shot start timer, or -1 */
	int forked;             /* a fork child: the listener starts late (ts_control_lazy) */
	int filters;            /* seccomp filters when the process started (Seccomp_filters) */
	long backoff;           /* ms: the listening socket is not polled before this */
} ctl = { .timer = -1 };

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
		if (ctl.conn[i].fd < 0)
			return &ctl.conn[i];
		if (!c || ctl.conn[i].active < c->active)
			c = &ctl.conn[i];
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
			ctl.backoff = now + TS_BACKOFF_MS;
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

/* The pthread fallback counts for glibc, so the process would outlive its last program
 * thread: leave when no registered thread is left and only one other thread (the last
 * one, exiting) remains, so that glibc's exit(0) follows as without the shim. */
/* A number of /proc/self/status ("\nThreads:\t"), or -1.  Raw system calls. */
static int status_field(const char *key)
{
	char buf[4096], *p;
	int fd = (int)ts_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	long n = fd < 0 ? -1 : ts_sys(SYS_read, fd, (long)buf, sizeof buf - 1, 0, 0, 0);
	int k = 0;
	if (fd >= 0)
		ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!(p = strstr(buf, key)))
		return -1;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		k = k * 10 + (*p - '0');
	return k;
}

static int threads_now(void)
{
	return status_field("\nThreads:\t");
}

static int program_gone(void)
{
	int empty;
	ts_registry_lock();
	empty = !ts_registry_first();
	ts_registry_unlock();
	return empty && threads_now() <= 2;
}

static void loop(void)
{
	struct pollfd pfd[TS_MAX_CLIENTS + 1];
	int map[TS_MAX_CLIENTS + 1];
	for (;;) {
		long now = now_ms(), timeout = -1;
		int i, n = 0, r;

		if (ctl.mode == MODE_THREAD && program_gone())
			return;
		if (ts_sock.lfd >= 0 && now >= ctl.backoff) {
			pfd[n].fd = ts_sock.lfd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		} else if (ts_sock.lfd >= 0) {
			timeout = ctl.backoff - now;
		}
		for (i = 0; i < TS_MAX_CLIENTS; i++) {
			struct ts_conn *c = &ctl.conn[i];
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
		if (ctl.mode == MODE_THREAD && timeout < 0 && ts_registry_empty())
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
			c = &ctl.conn[map[i]];
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
			struct ts_conn *c = &ctl.conn[i];
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

/* In the new listener, in a descriptor table of its own that started as a copy of its
 * creator's: close every copy (a pipe's write end held here would keep the program's
 * reader from ever seeing EOF) before the creator runs on, then open the socket. */
static int setup(void)
{
	int i, r;
	for (i = 0; i < TS_MAX_CLIENTS; i++)
		ctl.conn[i].fd = -1;
	if (ts_sys(SYS_close_range, 0, ~0u, 0, 0, 0, 0) < 0) {
		struct { uint64_t cur, max; } rl = { 1024, 1024 };
		ts_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0);
		for (uint64_t fd = 0; fd < rl.cur && fd < (1u << 20); fd++)
			ts_sys(SYS_close, (long)fd, 0, 0, 0, 0, 0);
	}
	r = ts_socket_open();
	ctl.tid = (pid_t)ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	__atomic_store_n(&ctl.ready, r < 0 ? r : 1, __ATOMIC_RELEASE);
	ts_sys(SYS_futex, (long)&ctl.ready, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	return r;
}

static int raw_main(void *arg)
{
	(void)arg;
	ts_sys(SYS_prctl, PR_SET_NAME, (long)"threadstop", 0, 0, 0, 0);
	if (setup() == 0)
		loop();
	for (;;) /* no socket: this thread has nothing to do (its stack is not reclaimed) */
		ts_sys(SYS_exit, 0, 0, 0, 0, 0, 0);
	return 0;
}

static void *thread_main(void *arg)
{
	long e;
	(void)arg;
	ts_tls.stop = TS_DEAD;
	ts_sys(SYS_prctl, PR_SET_NAME, (long)"threadstop", 0, 0, 0, 0);
	e = ts_sys(SYS_unshare, CLONE_FILES, 0, 0, 0, 0, 0);
	if (e < 0) {
		/* Sharing the program's table would put our socket among its descriptors,
		 * where it could close it or dup2 over it: no control plane rather. */
		__atomic_store_n(&ctl.ready, (int)e, __ATOMIC_RELEASE);
		ts_sys(SYS_futex, (long)&ctl.ready, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
		return 0;
	}
	{
		/* Poked (poke()) when the last registered thread leaves. */
		uint64_t one = 1ull << (ts_signal - 1);
		ts_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&one, 0, sizeof one, 0, 0);
	}
	if (setup() == 0)
		loop();
	return 0; /* the last program thread has gone: glibc ends the process now */
}

/* Wait until the new listener is serving (or failed): by then it has closed its copies
 * of our descriptors. */
static int wait_ready(void)
{
	int r;
	while (!(r = __atomic_load_n(&ctl.ready, __ATOMIC_ACQUIRE)))
		ts_sys(SYS_futex, (long)&ctl.ready, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	return r;
}

static int start_thread(void)
{
	uint64_t all = ~0ull & ~(1ull << (32 - 1)) & ~(1ull << (33 - 1)), old;
	pthread_attr_t attr;
	pthread_t th;
	int r;
	if (pthread_attr_init(&attr))
		return -ENOMEM;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	/* glibc's own SIGCANCEL and SIGSETXID stay open: setuid() needs them */
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, sizeof all, 0, 0);
	r = REAL(pthread_create)(&th, &attr, thread_main, 0);
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, sizeof old, 0, 0);
	pthread_attr_destroy(&attr);
	return -r;
}

/* THREADSTOP_LISTENER=thread: the fallback, for tests; valgrind too.  Sanitizer runtimes
 * must know every thread that runs instrumented code: a sanitized shim always takes it. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static int force_thread = 1;
#else
static int force_thread;
#endif

/* Start this process's listener, once.  Async-signal-safe on the main path (the fork
 * child's timer calls it from the cancel signal's handler): a raw clone.  The fallback
 * creates a pthread, which only the constructor does (allow_thread). */
static void start(int allow_thread)
{
	int st = ST_OFF, r;
	if (!__atomic_compare_exchange_n(&ctl.state, &st, ST_STARTING, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	ctl.ready = 0;
	ctl.mode = MODE_RAW;
	r = force_thread ? -EPERM : ts_rawthread_start(raw_main, 0);
	if (r > 0) {
		r = wait_ready();
		if (r < 0)
			ts_debug("threadstop: listener: no control socket (%d)\n", -r);
	} else if (allow_thread) {
		if (force_thread)
			ts_debug("threadstop: listener: the fallback (THREADSTOP_LISTENER=thread, valgrind, or a "
				 "sanitized build): a thread with unshare(CLONE_FILES)\n");
		else
			ts_debug("threadstop: listener: clone without CLONE_FILES refused (%d); falling back to a "
				 "thread with unshare(CLONE_FILES)\n", -r);
		ctl.mode = MODE_THREAD;
		r = start_thread();
		if (r == 0 && (r = wait_ready()) < 0)
			ts_debug("threadstop: listener: unshare(CLONE_FILES) refused (%d): no control plane in "
				 "this process (thread_stop() still works)\n", -r);
	} else {
		ts_debug("threadstop: listener: clone refused (%d): no control plane in this process\n", -r);
	}
	if (r < 0)
		ctl.mode = MODE_NONE;
	__atomic_store_n(&ctl.state, ST_ON, __ATOMIC_RELEASE);
}

/* The child has one thread and no listener; the parent's is not copied, nor (being in a
 * table of its own) are its descriptors.  A child that execs or exits at once must not
 * pay for a listener: it starts at the child's first interposed call (TS_LAZY), or when
 * a one-shot timer fires in a child that makes none.  exec deletes the timer. */
void ts_control_fork_child(void)
{
	struct { /* the kernel's struct sigevent, with SIGEV_THREAD_ID's tid */
		union sigval value;
		int signo, notify, tid;
		char pad[44];
	} sev;
	struct itimerspec its = { { 0, 0 }, { 0, TS_FORK_START_MS * 1000000L } };
	int id = -1;
	ctl.state = ST_OFF;
	ctl.mode = MODE_NONE;
	ctl.tid = 0;
	ctl.timer = -1;
	ctl.inflight = 0;
	ctl.forked = 1;
	for (int i = 0; i < TS_MAX_CLIENTS; i++) { /* the parent's connections: not ours */
		struct ts_conn *c = &ctl.conn[i];
		if (c->fd < 0 && !c->out)
			continue; /* (read only: writing would copy a page per slot in every child) */
		ts_pages_free(c->out, TS_OUT_MAX);
		c->out = 0;
		c->outlen = c->outoff = c->inlen = 0;
		c->closing = 0;
		c->partial = 0;
		c->fd = -1;
	}
	ts_sock.lfd = -1;
	if (!(ts_tls.stop & (TS_NEW | TS_DEAD)))
		__atomic_fetch_or(&ts_tls.stop, TS_LAZY, __ATOMIC_RELAXED);
	memset(&sev, 0, sizeof sev);
	sev.value.sival_int = ts_timer_cookie();
	sev.signo = ts_signal;
	sev.notify = 4; /* SIGEV_THREAD_ID */
	sev.tid = (int)ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	if (ts_sys(SYS_timer_create, CLOCK_MONOTONIC, (long)&sev, (long)&id, 0, 0, 0) == 0) {
		ctl.timer = id;
		ts_sys(SYS_timer_settime, id, 0, (long)&its, 0, 0, 0);
	}
}

/* The fork child's first interposed call (TS_LAZY; or any new thread's, should the
 * forking thread be gone), or its timer (the cancel signal's handler, si_code SI_TIMER
 * with ts_timer_cookie(): in_handler). */
void ts_control_lazy(int in_handler)
{
	int id = ctl.timer;
	__atomic_fetch_and(&ts_tls.stop, ~TS_LAZY, __ATOMIC_RELAXED);
	if (!ctl.forked || __atomic_load_n(&ctl.state, __ATOMIC_ACQUIRE) == ST_ON)
		return;
	if (status_field("\nSeccomp_filters:\t") > ctl.filters) {
		/* The program installed a seccomp filter of its own since it started (sandboxed
		 * workers do, before forking them): it was written for the program's calls,
		 * and may kill on a clone it does not expect.  No listener in this child. */
		int st = ST_OFF;
		if (__atomic_compare_exchange_n(&ctl.state, &st, ST_ON, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			ts_debug("threadstop: listener: the program installed a seccomp filter: no control plane "
				 "in this fork child\n");
	} else {
		start(!in_handler);
	}
	if (id >= 0 && __atomic_compare_exchange_n(&ctl.timer, &id, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		ts_sys(SYS_timer_delete, id, 0, 0, 0, 0, 0);
}

/* The last registered thread left (registry.c): the pthread fallback looks whether the
 * program has any thread left. */
static void poke(void)
{
	if (ctl.mode == MODE_THREAD && ctl.tid > 0)
		ts_send_tid(ctl.tid);
}

/* From the constructor, after the registry exists. */
void ts_control_init(void)
{
	const char *e = getenv("THREADSTOP_LISTENER"), *pre = getenv("LD_PRELOAD");
	force_thread |= e && !strcmp(e, "thread");
	/* valgrind runs only the clones of a threads library, and ends the program at any
	 * other: under it (its preloads are there), the fallback */
	force_thread |= pre && strstr(pre, "/vgpreload_") != 0;
	ctl.filters = status_field("\nSeccomp_filters:\t");
	ts_registry_on_empty(poke);
	ts_rawthread_init();
	start(1);
	if (ctl.mode != MODE_NONE)
		ts_debug("threadstop: listener: %s, tid %d\n",
			 ctl.mode == MODE_RAW ? "a thread of its own (clone without CLONE_FILES)" : "a pthread with unshare(CLONE_FILES)",
			 (int)ctl.tid);
}

/* A stop often makes the program finish: let the reply to the request that caused it go
 * out before a normal exit (at most 200 ms). */
__attribute__((destructor)) static void ts_control_fini(void)
{
	for (int i = 0; i < 200 && __atomic_load_n(&ctl.inflight, __ATOMIC_ACQUIRE) && !(ts_tls.stop & TS_DEAD); i++) {
		struct timespec ms = { 0, 1000000 };
		ts_sys(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0);
	}
}
