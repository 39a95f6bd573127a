/* The control plane inside the host process: starting its one listener thread, which
 * serves the line protocol (control/protocol.h, doc/protocol.md) on the process's socket
 * (socket.c) in serve.c's loop, answering with the commands of commands.c; its fallback;
 * fork children; the end.
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
 * errno, malloc or stdio: see rawthread.c), every signal blocked, and a loop (serve.c)
 * that sleeps with no timeout when no client is connected and never waits on one. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "calls.h"
#include "conn.h"
#include "lsnr.h"
#include "log.h"
#include "rawthread.h"
#include "registry.h"
#include "server.h"
#include "send.h"
#include "socket.h"

#define TS_FORK_START_MS 50        /* a fork child that makes no interposed call: its timer */

enum { ST_OFF, ST_STARTING, ST_ON };

struct ts_lsnr ts_lsnr;

static struct {
	int state;              /* ST_*: one start per process, whoever asks first */
	int ready;              /* futex: 0 while the new listener starts, 1 serving, -errno */
	pid_t tid;              /* the listener's */
	int timer;              /* a fork child's one-shot start timer, or -1 */
	int forked;             /* a fork child: the listener starts late (ts_control_lazy) */
	int filters;            /* seccomp filters when the process started (Seccomp_filters) */
} ctl = { .timer = -1 };

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

/* The pthread fallback counts for glibc, so the process would outlive its last program
 * thread: it leaves when no registered thread is left and only one other thread (the
 * last one, exiting) remains, so that glibc's exit(0) follows as without the shim. */
int ts_lsnr_program_gone(void)
{
	int empty;
	ts_registry_lock();
	empty = !ts_registry_first();
	ts_registry_unlock();
	return empty && threads_now() <= 2;
}

/* In the new listener, in a descriptor table of its own that started as a copy of its
 * creator's: close every copy (a pipe's write end held here would keep the program's
 * reader from ever seeing EOF) before the creator runs on, then open the socket. */
static int setup(void)
{
	int i, r;
	for (i = 0; i < TS_MAX_CLIENTS; i++)
		ts_lsnr.conn[i].fd = -1;
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
		ts_lsnr_loop();
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
		ts_lsnr_loop();
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
	ts_lsnr.mode = LSNR_RAW;
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
		ts_lsnr.mode = LSNR_THREAD;
		r = start_thread();
		if (r == 0 && (r = wait_ready()) < 0)
			ts_debug("threadstop: listener: unshare(CLONE_FILES) refused (%d): no control plane in "
				 "this process (thread_stop() still works)\n", -r);
	} else {
		ts_debug("threadstop: listener: clone refused (%d): no control plane in this process\n", -r);
	}
	if (r < 0)
		ts_lsnr.mode = LSNR_NONE;
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
	ts_lsnr.mode = LSNR_NONE;
	ctl.tid = 0;
	ctl.timer = -1;
	ts_lsnr.inflight = 0;
	ctl.forked = 1;
	for (int i = 0; i < TS_MAX_CLIENTS; i++) { /* the parent's connections: not ours */
		struct ts_conn *c = &ts_lsnr.conn[i];
		if (c->fd < 0 && !c->out)
			continue; /* (read only: writing would copy a page per slot in every child) */
		ts_conn_forget(c);
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
	if (ts_lsnr.mode == LSNR_THREAD && ctl.tid > 0)
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
	if (ts_lsnr.mode != LSNR_NONE)
		ts_debug("threadstop: listener: %s, tid %d\n",
			 ts_lsnr.mode == LSNR_RAW ? "a thread of its own (clone without CLONE_FILES)" : "a pthread with unshare(CLONE_FILES)",
			 (int)ctl.tid);
}

/* A stop often makes the program finish: let the reply to the request that caused it go
 * out before a normal exit (at most 200 ms). */
__attribute__((destructor)) static void ts_control_fini(void)
{
	for (int i = 0; i < 200 && __atomic_load_n(&ts_lsnr.inflight, __ATOMIC_ACQUIRE) && !(ts_tls.stop & TS_DEAD); i++) {
		struct timespec ms = { 0, 1000000 };
		ts_sys(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0);
	}
}
