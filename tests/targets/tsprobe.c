/* tsprobe: scenarios for the cancellation core, run under LD_PRELOAD=libthreadstop.so by
 * tests/test_core.c.  Each scenario checks its own outcome, prints one line per finding
 * and exits 0 when all held, 1 when one did not, 77 without the shim.
 *
 *   tsprobe block CALL      a thread blocked in CALL with nothing to wake it is stopped
 *   tsprobe nostop CALL     with no stop, CALL behaves as glibc's (results, errno)
 *   tsprobe prestop CALL    stopped before the call: ECANCELED without entering the kernel
 *   tsprobe force CALL      a forced stop ends the thread through pthread_exit
 *   tsprobe race N          N stops against a reader of a counted byte stream
 *   tsprobe gil             a thread stopped in read then waits on a contended condition
 *   tsprobe isolation       a stop affects its target only
 *   tsprobe condshare       a stopped waiter leaves a condition its peers keep using
 *   tsprobe pcancel         the program's own pthread_cancel still works at our calls
 *   tsprobe api             thread_stop_tid's errors
 *   tsprobe sigblockall     threads that block every signal are still stopped
 *   tsprobe sighandlers     a program with a handler for every signal: still stopped, sees its own
 *   tsprobe sigdefault      SIG_IGN and SIG_DFL of the shim's signal number act as without it
 *   tsprobe pcancel-self    pthread_cancel(pthread_self()), with cancellation disabled and enabled
 *   tsprobe fork            fork from a threaded program under load
 *   tsprobe spawn           vfork, posix_spawn, system, popen from a threaded program
 *   tsprobe condclear       a waiter that clears its stop is not woken by the old stop's repeats
 *   tsprobe early           (with libtsearly.so preloaded after the shim) its constructor's calls worked
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../common/probe.h"

#define THREAD_STOP_FORCE 1u

/* Wait until thread tid sleeps in the kernel (the call it announced). */
static void wait_sleeping(pid_t tid)
{
	double t0 = now();
	while (thread_state(tid) != 'S') {
		if (now() - t0 > 10)
			die("thread never blocked");
		msleep(1);
	}
	msleep(20);
}

/* ------------------------------------------------------------------------------------ */
/* The calls under test, each on a resource that is either idle (blocks forever) or ready */

struct res {
	int pipe[2];   /* [0] read end; nothing written unless ready */
	int lsock;     /* listening TCP socket on 127.0.0.1 */
	int sp[2];     /* socketpair: sp[0] is read */
	int client;    /* a connection to lsock when ready */
	pthread_mutex_t m;
	pthread_cond_t c;
	int pred;
	sem_t sem;     /* 0 unless ready */
	int jp[2];     /* the joinee reads it: it exits when written, or at once if ready */
	pthread_t joinee;
	int joined;
	int fp[2];     /* fgets reads it through stdio */
	FILE *in;
};

static void *joinee_main(void *p)
{
	struct res *r = p;
	char c;
	while (read(r->jp[0], &c, 1) < 0 && errno == EINTR)
		;
	return (void *)42;
}

static void res_init(struct res *r, int ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	pthread_mutexattr_t ma;
	memset(r, 0, sizeof *r);
	if (pipe(r->pipe) || socketpair(AF_UNIX, SOCK_STREAM, 0, r->sp))
		die("pipe");
	r->lsock = socket(AF_INET, SOCK_STREAM, 0);
	if (r->lsock < 0 || bind(r->lsock, (void *)&a, sizeof a) || listen(r->lsock, 8) ||
	    getsockname(r->lsock, (void *)&a, &al))
		die("listen");
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&r->m, &ma);
	pthread_cond_init(&r->c, 0);
	r->client = -1;
	sem_init(&r->sem, 0, ready);
	if (pipe(r->jp) || pipe(r->fp) || !(r->in = fdopen(r->fp[0], "r")))
		die("pipe");
	if (ready && write(r->jp[1], "x", 1) != 1)
		die("write");
	if (pthread_create(&r->joinee, 0, joinee_main, r))
		die("pthread_create");
	if (ready) {
		if (write(r->fp[1], "line\n", 5) != 5)
			die("write");
		/* ready means: the joinee has exited (its tid word is 0) but is not joined */
		msleep(20);
		if (write(r->pipe[1], "data", 4) != 4 || write(r->sp[1], "data", 4) != 4)
			die("write");
		r->client = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(r->client, (void *)&a, sizeof a))
			die("connect");
	}
}

static void res_free(struct res *r)
{
	void *ret;
	if (write(r->jp[1], "x", 1) != 1)
		die("write");
	if (!r->joined)
		pthread_join(r->joinee, &ret);
	fclose(r->in);
	close(r->fp[1]);
	close(r->jp[0]);
	close(r->jp[1]);
	sem_destroy(&r->sem);
	close(r->pipe[0]);
	close(r->pipe[1]);
	close(r->sp[0]);
	close(r->sp[1]);
	close(r->lsock);
	if (r->client >= 0)
		close(r->client);
}

static const char *const calls[] = {
	"accept", "accept4", "read", "recv", "recvfrom", "recvmsg", "poll", "ppoll",
	"nanosleep", "clock_nanosleep", "pthread_cond_wait", "pthread_cond_timedwait", "pthread_cond_clockwait",
	"sem_wait", "sem_timedwait", "sem_clockwait", "pthread_join", "pthread_timedjoin_np",
	"pthread_clockjoin_np", "fgets", 0,
};

/* Waits a plain stop does not fail (timed library waits). */
static int immune_timed(const char *call)
{
	return !strcmp(call, "pthread_cond_timedwait") || !strcmp(call, "pthread_cond_clockwait") ||
	       !strcmp(call, "sem_timedwait") || !strcmp(call, "sem_clockwait");
}

static void deadline(struct timespec *dl, clockid_t clock, int ms)
{
	clock_gettime(clock, dl);
	dl->tv_sec += ms / 1000;
	dl->tv_nsec += (ms % 1000) * 1000000L;
	if (dl->tv_nsec >= 1000000000L)
		dl->tv_sec++, dl->tv_nsec -= 1000000000L;
}

/* Make the call; return its result in the kernel's style: >= 0, or -errno. */
static long do_call(const char *call, struct res *r, int ms_timeout)
{
	char buf[16];
	long ret;
	int fd;
	if (!strcmp(call, "accept") || !strcmp(call, "accept4")) {
		fd = call[6] ? accept4(r->lsock, 0, 0, SOCK_CLOEXEC) : accept(r->lsock, 0, 0);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : 0;
	}
	if (!strcmp(call, "read"))
		ret = read(r->pipe[0], buf, sizeof buf);
	else if (!strcmp(call, "recv"))
		ret = recv(r->sp[0], buf, sizeof buf, 0);
	else if (!strcmp(call, "recvfrom"))
		ret = recvfrom(r->sp[0], buf, sizeof buf, 0, 0, 0);
	else if (!strcmp(call, "recvmsg")) {
		struct iovec iov = { buf, sizeof buf };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ret = recvmsg(r->sp[0], &msg, 0);
	} else if (!strcmp(call, "poll")) {
		struct pollfd p = { r->pipe[0], POLLIN, 0 };
		ret = poll(&p, 1, ms_timeout);
	} else if (!strcmp(call, "ppoll")) {
		struct pollfd p = { r->pipe[0], POLLIN, 0 };
		struct timespec ts = { ms_timeout / 1000, (ms_timeout % 1000) * 1000000L };
		ret = ppoll(&p, 1, ms_timeout < 0 ? 0 : &ts, 0);
	} else if (!strcmp(call, "nanosleep")) {
		struct timespec ts = { ms_timeout / 1000, (ms_timeout % 1000) * 1000000L };
		ret = nanosleep(&ts, 0);
	} else if (!strcmp(call, "clock_nanosleep")) {
		struct timespec ts = { ms_timeout / 1000, (ms_timeout % 1000) * 1000000L };
		int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, 0);
		return -e;
	} else if (!strncmp(call, "pthread_cond_", 13)) {
		int e = 0, timed = call[17] != 0, clockwait = !strcmp(call, "pthread_cond_clockwait");
		struct timespec dl;
		deadline(&dl, clockwait ? CLOCK_MONOTONIC : CLOCK_REALTIME, ms_timeout);
		pthread_mutex_lock(&r->m);
		while (!r->pred && !e)
			e = clockwait ? pthread_cond_clockwait(&r->c, &r->m, CLOCK_MONOTONIC, &dl)
			    : timed   ? pthread_cond_timedwait(&r->c, &r->m, &dl)
				      : pthread_cond_wait(&r->c, &r->m);
		r->pred = 0;
		/* An errorcheck mutex: unlock fails with EPERM unless we hold it. */
		if (pthread_mutex_unlock(&r->m))
			return -EDEADLK; /* reported as "returned without the mutex" */
		return -e;
	} else if (!strncmp(call, "sem_", 4)) {
		struct timespec dl;
		deadline(&dl, !strcmp(call, "sem_clockwait") ? CLOCK_MONOTONIC : CLOCK_REALTIME, ms_timeout);
		if (!strcmp(call, "sem_wait"))
			ret = sem_wait(&r->sem);
		else if (!strcmp(call, "sem_timedwait"))
			ret = sem_timedwait(&r->sem, &dl);
		else
			ret = sem_clockwait(&r->sem, CLOCK_MONOTONIC, &dl);
	} else if (!strncmp(call, "pthread_", 8) && strstr(call, "join")) {
		void *v = 0;
		struct timespec dl;
		int e;
		if (!strcmp(call, "pthread_join"))
			e = pthread_join(r->joinee, &v);
		else if (!strcmp(call, "pthread_timedjoin_np")) {
			deadline(&dl, CLOCK_REALTIME, ms_timeout < 0 ? 1000000 : ms_timeout);
			e = pthread_timedjoin_np(r->joinee, &v, &dl);
		} else {
			deadline(&dl, CLOCK_MONOTONIC, ms_timeout < 0 ? 1000000 : ms_timeout);
			e = pthread_clockjoin_np(r->joinee, &v, CLOCK_MONOTONIC, &dl);
		}
		if (!e) {
			r->joined = 1;
			return v == (void *)42 ? 0 : -EPROTO;
		}
		return -e;
	} else if (!strcmp(call, "fgets")) {
		char line[16];
		int saved = errno;
		errno = 0;
		if (fgets(line, sizeof line, r->in)) {
			errno = saved;
			return (long)strlen(line);
		}
		return -errno;
	} else {
		printf("FAIL: unknown call %s\n", call);
		exit(2);
	}
	return ret < 0 ? -errno : ret;
}

static const char *err(long r)
{
	static char buf[64];
	if (r >= 0) {
		snprintf(buf, sizeof buf, "returned %ld", r);
		return buf;
	}
	return strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?";
}

/* ------------------------------------------------------------------------------------ */

struct worker {
	const char *call;
	struct res *r;
	int timeout;
	volatile pid_t tid;
	volatile int entering;
	int no_again; /* an untimed condition wait begun after a stop would block for good */
	long first, again;
	int cleanup_ran, cleanup_had_mutex;
	double took;
};

static void cleanup(void *p)
{
	struct worker *w = p;
	w->cleanup_ran = 1;
	if (!strncmp(w->call, "pthread_cond", 12))
		w->cleanup_had_mutex = pthread_mutex_unlock(&w->r->m) == 0;
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	w->tid = gettid();
	pthread_cleanup_push(cleanup, w);
	__atomic_store_n(&w->entering, 1, __ATOMIC_SEQ_CST);
	w->first = do_call(w->call, w->r, w->timeout);
	if (!w->no_again) {
		double t0 = now();
		w->again = do_call(w->call, w->r, w->timeout);
		w->took = now() - t0;
	}
	pthread_cleanup_pop(0);
	return 0;
}

static pthread_t start_worker(struct worker *w)
{
	pthread_t th;
	if (pthread_create(&th, 0, worker_main, w))
		die("pthread_create");
	while (!__atomic_load_n(&w->entering, __ATOMIC_SEQ_CST))
		msleep(1);
	wait_sleeping(w->tid);
	return th;
}

static int scen_block(const char *call)
{
	struct res r;
	struct worker w = { .call = call, .r = &r, .timeout = -1 };
	pthread_t th;
	int timed = immune_timed(call);
	res_init(&r, 0);
	if (strstr(call, "sleep"))
		w.timeout = 1000000;
	if (timed)
		w.timeout = 300;
	/* an untimed condition wait begun after the stop is immune: it would block for good;
	 * fgets is not interposed: a later one is not failed either */
	w.no_again = !strcmp(call, "pthread_cond_wait") || !strcmp(call, "fgets");
	th = start_worker(&w);
	check(stop_tid(w.tid, 0) == 0, "%s: thread_stop_tid returned 0", call);
	if (!strcmp(call, "sem_wait")) {
		/* the wait begun after the stop is not failed: it returns when posted */
		msleep(100);
		sem_post(&r.sem);
	}
	join(th);
	if (timed) {
		/* A plain stop does not fail a timed library wait: it ends as it would have. */
		check(w.first == -ETIMEDOUT, "%s: a plain stop does not fail it: %s", call, err(w.first));
		check(w.again == -ETIMEDOUT, "%s: nor a later one: %s", call, err(w.again));
	} else if (!strcmp(call, "pthread_cond_wait")) {
		check(w.first == -ECANCELED, "%s: stopped in the wait: %s, mutex held", call, err(w.first));
	} else if (!strcmp(call, "sem_wait")) {
		check(w.first == -ECANCELED, "%s: stopped in the wait: %s", call, err(w.first));
		check(w.again == 0, "%s: a wait begun after the stop is not failed: %s", call, err(w.again));
	} else if (!strcmp(call, "fgets")) {
		check(w.first == -ECANCELED, "%s: blocked in glibc's internal read, stopped: %s", call, err(w.first));
		check(ferror(r.in), "%s: the stream has its error flag set", call);
		clearerr(r.in);
		if (write(r.fp[1], "more\n", 5) != 5)
			die("write");
		check(do_call(call, &r, -1) == 5, "%s: after clearerr the stream reads on, nothing lost", call);
	} else {
		check(w.first == -ECANCELED, "%s: stopped: %s", call, err(w.first));
		check(w.again == -ECANCELED, "%s: the next call too: %s", call, err(w.again));
	}
	res_free(&r);
	return 0;
}

/* For pthread_cond_wait: after the stop, a new wait blocks and returns 0 when signalled. */
static void *cond_after_main(void *p)
{
	struct worker *w = p;
	w->tid = gettid();
	__atomic_store_n(&w->entering, 1, __ATOMIC_SEQ_CST);
	w->first = do_call("pthread_cond_wait", w->r, -1);
	stop_tid(gettid(), 0);
	__atomic_store_n(&w->entering, 2, __ATOMIC_SEQ_CST);
	w->again = do_call("pthread_cond_wait", w->r, -1);
	return 0;
}

static int scen_cond_after(void)
{
	struct res r;
	struct worker w = { .r = &r };
	pthread_t th;
	res_init(&r, 0);
	if (pthread_create(&th, 0, cond_after_main, &w))
		die("pthread_create");
	while (!__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST))
		msleep(1);
	wait_sleeping(w.tid);
	pthread_mutex_lock(&r.m);
	r.pred = 1;
	pthread_cond_signal(&r.c);
	pthread_mutex_unlock(&r.m);
	while (__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST) != 2)
		msleep(1);
	wait_sleeping(w.tid);
	check(thread_state(w.tid) == 'S', "pthread_cond_wait begun with a stop pending blocks");
	pthread_mutex_lock(&r.m);
	r.pred = 1;
	pthread_cond_signal(&r.c);
	pthread_mutex_unlock(&r.m);
	join(th);
	check(w.first == 0, "pthread_cond_wait without a stop: %s", err(w.first));
	check(w.again == 0, "pthread_cond_wait begun after the stop is not failed: %s", err(w.again));
	res_free(&r);
	return 0;
}

static int scen_nostop(const char *call)
{
	struct res r;
	long ret;
	int timed = strstr(call, "cond") != 0;
	int zero = strstr(call, "sleep") || !strncmp(call, "accept", 6) || timed || !strncmp(call, "sem_", 4) || strstr(call, "join");
	res_init(&r, 1);
	if (timed)
		r.pred = 1;
	errno = 4242;
	ret = do_call(call, &r, strstr(call, "sleep") ? 1 : 10);
	if (!strcmp(call, "poll") || !strcmp(call, "ppoll"))
		check(ret == 1, "%s: ready fd: %s", call, err(ret));
	else if (zero)
		check(ret == 0, "%s: %s", call, err(ret));
	else if (!strcmp(call, "fgets"))
		check(ret == 5, "fgets: read the line: %s", err(ret));
	else
		check(ret == 4, "%s: read the 4 bytes written: %s", call, err(ret));
	check(errno == 4242, "%s: errno untouched on success (%d)", call, errno);
	res_free(&r);

	/* Timeouts and errors as glibc gives them. */
	res_init(&r, 0);
	if (!strcmp(call, "poll") || !strcmp(call, "ppoll")) {
		ret = do_call(call, &r, 5);
		check(ret == 0, "%s: times out: %s", call, err(ret));
	}
	if (immune_timed(call) || !strcmp(call, "pthread_timedjoin_np") || !strcmp(call, "pthread_clockjoin_np")) {
		ret = do_call(call, &r, 5);
		check(ret == -ETIMEDOUT, "%s: times out: %s", call, err(ret));
	}
	if (!strcmp(call, "pthread_clockjoin_np")) {
		struct timespec dl = { 0, 0 };
		void *v;
		check(pthread_clockjoin_np(r.joinee, &v, CLOCK_PROCESS_CPUTIME_ID, &dl) == EINVAL, "pthread_clockjoin_np(cpu clock): EINVAL");
	}
	if (!strcmp(call, "pthread_join")) {
		void *v;
		check(pthread_join(pthread_self(), &v) == EDEADLK, "pthread_join(self): EDEADLK");
	}
	if (!strcmp(call, "sem_wait")) {
		errno = 0;
		sem_post(&r.sem);
		check(sem_wait(&r.sem) == 0 && errno == 0, "sem_wait: takes a posted unit");
		check(sem_trywait(&r.sem) == -1 && errno == EAGAIN, "sem_wait: took exactly one");
	}
	if (!strcmp(call, "read")) {
		char c;
		errno = 0;
		check(read(-1, &c, 1) == -1 && errno == EBADF, "read(-1): EBADF (%s)", strerrorname_np(errno));
		check(read(r.pipe[1], &c, 1) == -1 && errno == EBADF, "read(write end): EBADF");
		fcntl(r.pipe[0], F_SETFL, O_NONBLOCK);
		check(read(r.pipe[0], &c, 1) == -1 && errno == EAGAIN, "read(empty, O_NONBLOCK): EAGAIN");
	}
	if (!strcmp(call, "recv")) {
		char c;
		check(recv(r.pipe[0], &c, 1, 0) == -1 && errno == ENOTSOCK, "recv(pipe): ENOTSOCK");
		check(recv(r.sp[0], &c, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN, "recv(MSG_DONTWAIT): EAGAIN");
	}
	if (!strcmp(call, "accept"))
		check(accept(r.pipe[0], 0, 0) == -1 && errno == ENOTSOCK, "accept(pipe): ENOTSOCK");
	if (!strcmp(call, "accept4"))
		check(accept4(r.lsock, 0, 0, -1) == -1 && errno == EINVAL, "accept4(bad flags): EINVAL");
	if (!strcmp(call, "nanosleep")) {
		struct timespec bad = { 0, 2000000000L };
		check(nanosleep(&bad, 0) == -1 && errno == EINVAL, "nanosleep(bad ns): EINVAL");
	}
	if (!strcmp(call, "clock_nanosleep")) {
		struct timespec ts = { 0, 1000 };
		check(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, 0) == EINVAL, "clock_nanosleep(thread cpu clock): EINVAL");
		struct timespec past = { 0, 0 };
		check(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, 0) == 0, "clock_nanosleep(process cpu clock, past deadline): 0");
		errno = 77;
		check(clock_nanosleep(12345, 0, &ts, 0) == EINVAL && errno == 77, "clock_nanosleep(bad clock): EINVAL, errno untouched");
	}
	if (!strcmp(call, "ppoll")) {
		struct pollfd p = { r.pipe[0], POLLIN, 0 };
		struct timespec ts = { 0, 5000000 };
		ppoll(&p, 1, &ts, 0);
		check(ts.tv_sec == 0 && ts.tv_nsec == 5000000, "ppoll leaves its timeout argument as it was");
	}
	res_free(&r);
	return 0;
}

static int scen_prestop(const char *call)
{
	struct res r;
	long ret;
	char buf[8];
	double t0;
	res_init(&r, 1);
	r.pred = 1;
	check(!stop_pending(), "%s: no stop pending at first", call);
	check(stop_tid(gettid(), 0) == 0, "%s: stop self", call);
	check(stop_pending() != 0, "%s: stop pending", call);
	t0 = now();
	ret = do_call(call, &r, strstr(call, "sleep") ? 100000 : -1);
	if (strstr(call, "cond") || !strncmp(call, "sem_", 4)) {
		check(ret == 0, "%s: begun with a stop pending, not failed: %s", call, err(ret));
	} else if (!strcmp(call, "fgets")) {
		check(ret == 5, "fgets: not interposed: a stop fails it only while it blocks: %s", err(ret));
	} else {
		check(ret == -ECANCELED, "%s: returns %s at once", call, err(ret));
		check(now() - t0 < 5, "%s: did not wait", call);
	}
	stop_clear();
	check(!stop_pending(), "%s: cleared", call);
	/* The data is still there: the stopped call never reached the kernel. */
	if (!strcmp(call, "read"))
		check(read(r.pipe[0], buf, sizeof buf) == 4, "read: the data is still in the pipe");
	if (!strncmp(call, "recv", 4))
		check(recv(r.sp[0], buf, sizeof buf, 0) == 4, "%s: the data is still in the socket", call);
	if (!strncmp(call, "accept", 6))
		check(do_call(call, &r, 0) == 0, "%s: the connection is still pending", call);
	if (strstr(call, "join"))
		check(do_call(call, &r, 1000) == 0, "%s: the thread can still be joined", call);
	res_free(&r);
	return 0;
}

static int scen_force(const char *call)
{
	struct res r;
	struct worker w = { .call = call, .r = &r, .timeout = -1 };
	pthread_t th;
	void *ret;
	res_init(&r, 0);
	if (strstr(call, "sleep"))
		w.timeout = 1000000;
	if (immune_timed(call))
		w.timeout = 1000000;
	th = start_worker(&w);
	check(stop_tid(w.tid, THREAD_STOP_FORCE) == 0, "%s: forced stop", call);
	ret = join(th);
	check(ret == PTHREAD_CANCELED, "%s: the thread exited through pthread_exit", call);
	check(w.cleanup_ran, "%s: its cleanup handler ran", call);
	if (!strncmp(call, "pthread_cond", 12))
		check(w.cleanup_had_mutex, "%s: with the mutex re-acquired", call);
	res_free(&r);
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* The race: a writer sends increasing 32-bit counters; a reader reads them in odd-sized
 * pieces and is stopped again and again at arbitrary points.  Every byte must arrive once
 * and in order, and every stop must be seen. */

struct race {
	int fd[2];
	volatile pid_t reader;
	volatile int done;
	long stops_seen;
	long stops_on_empty; /* observed by a read that found the pipe empty: it had to block */
	long sent;
	unsigned long bytes;
	int bad;
};

/* Bursty, so that the reader is caught both in the middle of its loop and asleep in
 * the kernel with the pipe empty. */
static void *race_writer(void *p)
{
	struct race *rc = p;
	uint32_t buf[256], n = 0;
	unsigned seed = 3;
	while (!__atomic_load_n(&rc->done, __ATOMIC_ACQUIRE)) {
		int count = 1 + rand_r(&seed) % 256;
		for (int i = 0; i < count; i++)
			buf[i] = n++;
		const char *q = (const char *)buf;
		size_t left = (size_t)count * 4;
		while (left) {
			/* odd-sized writes split counters across reads */
			size_t chunk = 1 + rand_r(&seed) % left;
			ssize_t w = write(rc->fd[1], q, chunk);
			if (w < 0)
				die("race write");
			q += w, left -= (size_t)w;
		}
		if (rand_r(&seed) % 4 == 0)
			sched_yield();
	}
	close(rc->fd[1]);
	return 0;
}

static void *race_reader(void *p)
{
	struct race *rc = p;
	unsigned char buf[97], cur[4];
	uint32_t expect = 0;
	int have = 0;
	unsigned seed = 1;
	rc->reader = gettid();
	for (;;) {
		size_t want = 1 + rand_r(&seed) % sizeof buf;
		int avail = 1;
		ioctl(rc->fd[0], FIONREAD, &avail);
		ssize_t n = read(rc->fd[0], buf, want);
		if (n < 0) {
			rc->stops_on_empty += avail == 0;
			if (errno != ECANCELED) {
				printf("FAIL: reader: %s\n", strerror(errno));
				rc->bad = 1;
				return 0;
			}
			/* clear first: the next stop may come as soon as this one is counted */
			stop_clear();
			__atomic_store_n(&rc->stops_seen, rc->stops_seen + 1, __ATOMIC_RELEASE);
			continue;
		}
		if (n == 0)
			return 0;
		rc->bytes += (unsigned long)n;
		for (ssize_t i = 0; i < n; i++) {
			cur[have++] = buf[i];
			if (have == 4) {
				uint32_t v;
				memcpy(&v, cur, 4);
				if (v != expect && !rc->bad) {
					printf("FAIL: counter %u where %u was due: a byte was lost or repeated\n", v, expect);
					rc->bad = 1;
				}
				expect++;
				have = 0;
			}
		}
	}
}

static int scen_race(long iterations)
{
	struct race rc = { 0 };
	pthread_t w, rd;
	unsigned seed = 7;
	double t0 = now();
	if (pipe(rc.fd))
		die("pipe");
	if (pthread_create(&rd, 0, race_reader, &rc) || pthread_create(&w, 0, race_writer, &rc))
		die("pthread_create");
	while (!rc.reader)
		msleep(1);
	for (long i = 0; i < iterations && !rc.bad; i++) {
		/* land the stop at an arbitrary point of the reader's loop */
		for (unsigned spin = rand_r(&seed) % 2000; spin; spin--)
			__asm__ volatile("" ::: "memory");
		if (stop_tid(rc.reader, 0))
			die("thread_stop_tid");
		rc.sent++;
		double t1 = now();
		while (__atomic_load_n(&rc.stops_seen, __ATOMIC_ACQUIRE) != rc.sent) {
			if (now() - t1 > 10) {
				printf("FAIL: stop %ld was never observed\n", rc.sent);
				rc.bad = 1;
				break;
			}
			sched_yield();
		}
	}
	__atomic_store_n(&rc.done, 1, __ATOMIC_RELEASE);
	join(w);
	join(rd);
	check(!rc.bad, "race: every byte arrived once and in order (%lu bytes, %lu counters)", rc.bytes, rc.bytes / 4);
	check(rc.stops_seen == rc.sent, "race: %ld stops sent, %ld observed (%ld by a read that found the pipe empty), in %.1f s",
	      rc.sent, rc.stops_seen, rc.stops_on_empty, now() - t0);
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* GIL: a thread stopped in read then takes a contended "GIL" the way CPython does
 * (pthread_cond_timedwait in a loop, with a holder that hands it over). */

struct gil {
	pthread_mutex_t m;
	pthread_cond_t c;
	int locked;
	volatile int stop_all;
	int fd[2];
	volatile pid_t tid;
	volatile int phase;
	long waits, errors;
	double cpu;
};

static void gil_take(struct gil *g, long *errors)
{
	pthread_mutex_lock(&g->m);
	while (g->locked) {
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 5000000;
		if (dl.tv_nsec >= 1000000000L)
			dl.tv_sec++, dl.tv_nsec -= 1000000000L;
		int e = pthread_cond_timedwait(&g->c, &g->m, &dl);
		if (e && e != ETIMEDOUT) {
			(*errors)++;
			/* CPython: Py_FatalError("take_gil: ...") aborts here */
			printf("FAIL: GIL wait failed: %s\n", strerror(e));
			abort();
		}
	}
	g->locked = 1;
	pthread_mutex_unlock(&g->m);
}

static void gil_drop(struct gil *g)
{
	pthread_mutex_lock(&g->m);
	g->locked = 0;
	pthread_cond_signal(&g->c);
	pthread_mutex_unlock(&g->m);
}

static void *gil_holder(void *p)
{
	struct gil *g = p;
	long errors = 0;
	while (!g->stop_all) {
		gil_take(g, &errors);
		msleep(2);
		gil_drop(g);
		sched_yield();
	}
	return 0;
}

static void *gil_reader(void *p)
{
	struct gil *g = p;
	char c;
	struct timespec c0, c1;
	g->tid = gettid();
	gil_take(g, &g->errors);
	gil_drop(g); /* Py_BEGIN_ALLOW_THREADS */
	g->phase = 1;
	ssize_t n = read(g->fd[0], &c, 1);
	int e = errno;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	for (int i = 0; i < 50; i++) { /* Py_END_ALLOW_THREADS, and more bytecode after */
		gil_take(g, &g->errors);
		g->waits++;
		gil_drop(g);
		msleep(1);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	g->cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
	g->phase = n < 0 && e == ECANCELED ? 2 : 3;
	return 0;
}

static int scen_gil(void)
{
	struct gil g = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t h1, h2, rd;
	if (pipe(g.fd))
		die("pipe");
	pthread_create(&rd, 0, gil_reader, &g);
	while (g.phase != 1)
		msleep(1);
	wait_sleeping(g.tid);
	pthread_create(&h1, 0, gil_holder, &g);
	pthread_create(&h2, 0, gil_holder, &g);
	msleep(20);
	check(stop_tid(g.tid, 0) == 0, "gil: stop the reader");
	join(rd);
	g.stop_all = 1;
	join(h1);
	join(h2);
	check(g.phase == 2, "gil: read returned ECANCELED");
	check(g.errors == 0 && g.waits == 50, "gil: the %ld contended condition waits after it all succeeded", g.waits);
	check(g.cpu < 1.0, "gil: no spin (%.3f s of CPU over the waits)", g.cpu);
	return 0;
}

/* ------------------------------------------------------------------------------------ */

static int scen_isolation(void)
{
	struct res ra, rb, rc;
	struct worker a = { .call = "read", .r = &ra, .timeout = -1, .no_again = 1 };
	struct worker b = { .call = "read", .r = &rb, .timeout = -1, .no_again = 1 };
	struct worker c = { .call = "pthread_cond_wait", .r = &rc, .timeout = -1, .no_again = 1 };
	pthread_t ta, tb, tc;
	res_init(&ra, 0);
	res_init(&rb, 0);
	res_init(&rc, 0);
	ta = start_worker(&a);
	tb = start_worker(&b);
	tc = start_worker(&c);
	check(stop_tid(a.tid, 0) == 0, "isolation: stop A");
	join(ta);
	check(a.first == -ECANCELED, "isolation: A's read: %s", err(a.first));
	msleep(50);
	check(thread_state(b.tid) == 'S' && thread_state(c.tid) == 'S', "isolation: B and C still blocked");
	check(!stop_pending(), "isolation: the stopper has no stop pending");
	/* B and C are unaffected: they complete normally when their event comes. */
	if (write(rb.pipe[1], "x", 1) != 1)
		die("write");
	pthread_mutex_lock(&rc.m);
	rc.pred = 1;
	pthread_cond_signal(&rc.c);
	pthread_mutex_unlock(&rc.m);
	join(tb);
	join(tc);
	check(b.first >= 1, "isolation: B read its data: %s", err(b.first));
	check(c.first == 0, "isolation: C's wait returned 0: %s", err(c.first));
	return 0;
}

/* A queue on one condition and mutex: 4 consumers; one is stopped while waiting; the
 * others must still consume every item, and the mutex stays consistent. */
struct queue {
	pthread_mutex_t m;
	pthread_cond_t c;
	int items, closed, consumed;
	volatile pid_t victim;
	pthread_t victim_th;
	volatile int victim_ret;
};

static void *consumer(void *p)
{
	struct queue *q = p;
	int victim = 0, e = 0;
	pthread_mutex_lock(&q->m);
	if (!q->victim) {
		q->victim_th = pthread_self();
		q->victim = gettid();
		victim = 1;
	}
	for (;;) {
		while (!q->items && !q->closed && !e)
			e = pthread_cond_wait(&q->c, &q->m);
		if (e) {
			q->victim_ret = e;
			break;
		}
		if (!q->items)
			break;
		q->items--;
		q->consumed++;
		pthread_mutex_unlock(&q->m);
		sched_yield();
		pthread_mutex_lock(&q->m);
	}
	(void)victim;
	pthread_mutex_unlock(&q->m);
	return 0;
}

static int scen_condshare(void)
{
	struct queue q = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t th[4];
	/* The victim alone first: asleep, it can only be in its condition wait (with its
	 * peers already running it could be asleep on their mutex, and miss the stop). */
	pthread_create(&th[0], 0, consumer, &q);
	while (!q.victim)
		msleep(1);
	wait_sleeping(q.victim);
	for (int i = 1; i < 4; i++)
		pthread_create(&th[i], 0, consumer, &q);
	check(stop_tid(q.victim, 0) == 0, "condshare: stop one waiter");
	/* Woken, it runs ('R') for a moment before it records the result: wait for that. */
	for (double t0 = now(); !__atomic_load_n(&q.victim_ret, __ATOMIC_ACQUIRE) && now() - t0 < 10;)
		msleep(1);
	check(q.victim_ret == ECANCELED, "condshare: its wait returned %s", strerrorname_np(q.victim_ret));
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&q.m);
		q.items++;
		pthread_cond_signal(&q.c);
		pthread_mutex_unlock(&q.m);
	}
	pthread_mutex_lock(&q.m);
	q.closed = 1;
	pthread_cond_broadcast(&q.c);
	pthread_mutex_unlock(&q.m);
	for (int i = 0; i < 4; i++)
		join(th[i]);
	check(q.consumed == 20000 && q.items == 0, "condshare: the others consumed all %d items", q.consumed);
	return 0;
}

/* The program's own pthread_cancel of a thread blocked in an interposed call.  The
 * worker reads into a static buffer: under ASan, cancellation unwinding past an
 * instrumented frame with a stack array trips an ASan CHECK even without the shim. */
static int pc_fd[2], pc_cleanup_ran;
static volatile pid_t pc_tid;
static char pc_buf[4];

static void pc_cleanup(void *p)
{
	(void)p;
	pc_cleanup_ran = 1;
}

static void *pc_worker(void *p)
{
	(void)p;
	pc_tid = gettid();
	pthread_cleanup_push(pc_cleanup, 0);
	if (read(pc_fd[0], pc_buf, 1) < 0)
		pc_buf[0] = 'E';
	pthread_cleanup_pop(0);
	return 0;
}

static int scen_pcancel(void)
{
	pthread_t th;
	void *ret;
	if (pipe(pc_fd) || pthread_create(&th, 0, pc_worker, 0))
		die("pipe");
	while (!pc_tid)
		msleep(1);
	wait_sleeping(pc_tid);
	check(pthread_cancel(th) == 0, "pcancel: pthread_cancel");
	ret = join(th);
	check(ret == PTHREAD_CANCELED, "pcancel: the thread was cancelled in read");
	check(pc_cleanup_ran, "pcancel: its cleanup handler ran");
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Transparency: programs that block every signal, or handle every signal. */

static int sig_fd[2];
static volatile long sig_first;
static volatile int sig_reported_all;
static volatile pid_t sig_tid;

/* Every catchable signal the program asked to block reads back as blocked. */
static int all_blocked(const sigset_t *cur)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN))
			continue;
		if (sigismember(cur, sig) != 1) {
			printf("FAIL: signal %d reads back unblocked\n", sig);
			return 0;
		}
	}
	return 1;
}

static void *blockall_main(void *p)
{
	sigset_t all, cur;
	char c;
	sigfillset(&all);
	if (p)
		sigprocmask(SIG_SETMASK, &all, 0);
	else
		pthread_sigmask(SIG_BLOCK, &all, 0);
	pthread_sigmask(SIG_BLOCK, 0, &cur);
	sig_reported_all = all_blocked(&cur);
	sig_tid = gettid();
	sig_first = read(sig_fd[0], &c, 1) < 0 ? -errno : 0;
	return 0;
}

static int scen_sigblockall(void)
{
	for (int v = 0; v < 2; v++) {
		const char *how = v ? "sigprocmask(SIG_SETMASK, all)" : "pthread_sigmask(SIG_BLOCK, all)";
		pthread_t th;
		sig_tid = 0;
		if (pipe(sig_fd) || pthread_create(&th, 0, blockall_main, v ? (void *)1 : 0))
			die("pthread_create");
		while (!sig_tid)
			msleep(1);
		wait_sleeping(sig_tid);
		check(sig_reported_all, "%s: the mask reads back with every signal blocked", how);
		check(stop_tid(sig_tid, 0) == 0, "%s: stop the thread", how);
		join(th);
		check(sig_first == -ECANCELED, "%s: its read was stopped: %s", how, err(sig_first));
		close(sig_fd[0]);
		close(sig_fd[1]);
	}
	/* The main thread too: a mask set before threads are made is inherited. */
	sigset_t all, cur, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	sigprocmask(SIG_SETMASK, &old, &cur);
	check(all_blocked(&cur), "main: sigprocmask returns the old mask as the program set it");
	return 0;
}

static volatile int hits[_NSIG];
static volatile int hit_code[_NSIG];

static void on_any(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits[sig]++;
	hit_code[sig] = si->si_code;
}

static int scen_sighandlers(void)
{
	struct sigaction sa, old;
	int installed = 0, bad = 0;
	pthread_t th;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_any;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < _NSIG; sig++)
		installed += sigaction(sig, &sa, 0) == 0;
	check(installed >= 60, "handlers installed for %d signals", installed);
	/* Our thread still stops: the shim's handler was not replaced. */
	sig_tid = 0;
	if (pipe(sig_fd) || pthread_create(&th, 0, blockall_main, 0))
		die("pthread_create");
	while (!sig_tid)
		msleep(1);
	wait_sleeping(sig_tid);
	check(stop_tid(sig_tid, 0) == 0, "stop a thread of a program that handles every signal");
	join(th);
	check(sig_first == -ECANCELED, "its read was stopped: %s", err(sig_first));
	/* The program sees its own handlers, and they run for the signals it raises. */
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
		if (sigaction(sig, 0, &old) || old.sa_sigaction != on_any)
			bad++;
	}
	check(!bad, "sigaction reads back the program's handler for every real-time signal");
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		raise(sig);
	bad = 0;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (hits[sig] != 1 || hit_code[sig] != SI_TKILL)
			printf("FAIL: signal %d: the program's handler ran %d times\n", sig, hits[sig]), bad++;
	check(!bad, "raise() of each real-time signal ran the program's handler once, with its siginfo");
	/* A handler-blocked signal waits until unblocked, as it would. */
	sigset_t one;
	int sig = SIGRTMAX - 3;
	const char *e = getenv("THREADSTOP_SIGNAL");
	if (e)
		sig = atoi(e);
	sigemptyset(&one);
	sigaddset(&one, sig);
	hits[sig] = 0;
	pthread_sigmask(SIG_BLOCK, &one, 0);
	raise(sig);
	check(hits[sig] == 0, "signal %d raised while blocked: held", sig);
	pthread_sigmask(SIG_UNBLOCK, &one, 0);
	check(hits[sig] == 1, "signal %d: delivered once unblocked (%d)", sig, hits[sig]);
	close(sig_fd[0]);
	close(sig_fd[1]);
	return 0;
}

/* SIG_IGN ignores, SIG_DFL kills: for every real-time signal, the shim's included. */
static int scen_sigdefault(void)
{
	int ok = 1;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, SIG_IGN);
	int ign = 0;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
		struct sigaction cur;
		raise(sig);
		ign += sigaction(sig, 0, &cur) == 0 && cur.sa_handler == SIG_IGN;
	}
	/* (reaching this line means none of them ended the process) */
	check(ign == SIGRTMAX - SIGRTMIN + 1, "SIG_IGN: %d real-time signals raised and ignored; each still reads back SIG_IGN", ign);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig += 3) {
		int st;
		pid_t pid = fork();
		if (pid == 0) {
			signal(sig, SIG_DFL);
			raise(sig);
			_exit(0);
		}
		waitpid(pid, &st, 0);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
			printf("FAIL: SIG_DFL signal %d: child status %#x\n", sig, st), ok = 0;
	}
	check(ok, "SIG_DFL: raising a real-time signal ends the process with it");
	return 0;
}

/* pthread_cancel of the calling thread: acted on at the next interposed call; held while
 * cancellation is disabled, acted on once it is enabled again. */
static void *self_cancel_main(void *p)
{
	char c;
	int old;
	(void)p;
	pthread_cleanup_push(pc_cleanup, 0);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cancel(pthread_self());
	if (read(pc_fd[0], &c, 1) != 1) /* has data: disabled, so it reads */
		pc_buf[0] = 'E';
	pc_buf[1] = 'R';
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pc_tid = gettid();
	if (read(pc_fd[0], &c, 1) < 0) /* cancelled here */
		pc_buf[2] = 'E';
	pc_buf[3] = 'X';
	pthread_cleanup_pop(0);
	return 0;
}

static int scen_pcancel_self(void)
{
	pthread_t th;
	void *ret;
	pc_cleanup_ran = 0;
	memset(pc_buf, 0, sizeof pc_buf);
	if (pipe(pc_fd) || write(pc_fd[1], "x", 1) != 1 || pthread_create(&th, 0, self_cancel_main, 0))
		die("pipe");
	ret = join(th);
	check(pc_buf[1] == 'R' && pc_buf[0] == 0, "pcancel self: with cancellation disabled the read went on");
	check(ret == PTHREAD_CANCELED && pc_buf[3] == 0, "pcancel self: cancelled at the first read after enabling");
	check(pc_cleanup_ran, "pcancel self: its cleanup handler ran");
	return 0;
}

/* fork from a program whose threads are busy with interposed calls, creating threads and
 * being stopped: no child deadlocks, each child has its own registry. */
static volatile int fork_done;
static int fork_fd[2];

static void *fork_reader(void *p)
{
	char buf[64];
	(void)p;
	while (!fork_done)
		if (read(fork_fd[0], buf, sizeof buf) < 0 && errno == ECANCELED)
			stop_clear();
	return 0;
}

static void *fork_writer(void *p)
{
	(void)p;
	while (!fork_done)
		if (write(fork_fd[1], "0123456789", 10) < 0)
			break;
	return 0;
}

static void *nothing(void *p)
{
	return p;
}

static void *fork_spawner(void *p)
{
	(void)p;
	while (!fork_done) {
		pthread_t th;
		if (pthread_create(&th, 0, nothing, 0) == 0)
			pthread_join(th, 0);
	}
	return 0;
}

static int scen_fork(void)
{
	pthread_t th[4];
	volatile pid_t rtid;
	int hung = 0, bad = 0, n = 200;
	if (pipe(fork_fd))
		die("pipe");
	pthread_create(&th[0], 0, fork_reader, 0);
	pthread_create(&th[1], 0, fork_writer, 0);
	pthread_create(&th[2], 0, fork_spawner, 0);
	pthread_create(&th[3], 0, fork_spawner, 0);
	msleep(20);
	rtid = getpid() + 1; /* some other thread's tid, for the ESRCH check */
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;
		double t0;
		if (i % 10 == 0) {
			/* keep stoppers busy on the registry too */
			struct res dummy;
			(void)dummy;
		}
		pid = fork();
		if (pid == 0) {
			char c;
			pthread_t t;
			int fd[2];
			if (pipe(fd) || write(fd[1], "ab", 2) != 2 || read(fd[0], &c, 1) != 1)
				_exit(10);
			/* Under ASan a thread made in the child can block for good on ASan's
			 * allocator lock, inherited locked (its runtime has no atfork for it). */
			if (!getenv("TSPROBE_NO_THREADS_IN_FORK") && (pthread_create(&t, 0, nothing, 0) || pthread_join(t, 0)))
				_exit(11);
			if (stop_pending())
				_exit(12);
			if (stop_tid(getpid(), 0) || read(fd[0], &c, 1) != -1 || errno != ECANCELED)
				_exit(13);
			for (pid_t x = rtid; x < rtid + 8; x++)
				if (x != getpid() && stop_tid(x, 0) == 0)
					_exit(14);
			_exit(0);
		}
		if (pid < 0)
			die("fork");
		t0 = now();
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (now() - t0 > 10) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				hung++;
				break;
			}
			sched_yield();
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++, printf("FAIL: child %d: status %#x\n", i, st);
	}
	fork_done = 1;
	close(fork_fd[1]);
	for (int i = 0; i < 4; i++)
		join(th[i]);
	check(hung == 0, "fork: %d children forked under load, none hung", n);
	check(bad == 0, "fork: each child made interposed calls, made a thread, had only itself registered");
	return 0;
}

/* vfork, posix_spawn, system and popen from a program with threads blocked in
 * interposed calls: children run, inherit the preload, report their status; the parent's
 * shim still stops its thread afterwards. */
extern char **environ;

static int spawn_status(char *const argv[])
{
	pid_t pid;
	int st;
	if (posix_spawn(&pid, argv[0], 0, 0, argv, environ))
		return -1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int scen_spawn(void)
{
	struct res r;
	struct worker w = { .call = "read", .r = &r, .timeout = -1 };
	char *sh3[] = { "/bin/sh", "-c", "exit 3", 0 };
	char *preload[] = { "/bin/sh", "-c", "case \"$LD_PRELOAD\" in *libthreadstop*) exit 6;; esac; exit 1", 0 };
	pthread_t th;
	pid_t pid;
	int st;
	char line[16] = "";
	FILE *p;
	res_init(&r, 0);
	th = start_worker(&w);
	check(spawn_status(sh3) == 3, "posix_spawn: the child ran and exited 3");
	check(spawn_status(preload) == 6, "posix_spawn: the child inherited LD_PRELOAD");
	pid = vfork();
	if (pid == 0) {
		execve(sh3[0], (char *[]){ "/bin/sh", "-c", "exit 4", 0 }, environ);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 4, "vfork+execve: the child exited 4");
	st = system("exit 5");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 5, "system: exited 5");
	p = popen("echo hi", "r");
	check(p && fgets(line, sizeof line, p) && !strcmp(line, "hi\n") && pclose(p) == 0, "popen: read the child's output");
	check(stop_tid(w.tid, 0) == 0, "spawn: the worker is still registered");
	join(th);
	check(w.first == -ECANCELED, "spawn: and stopped: %s", err(w.first));
	res_free(&r);
	return 0;
}

/* A waiter that is stopped, clears its stop and waits again must not be woken by what
 * was meant for its old wait (repeated broadcasts of the stop protocol). */
static pthread_mutex_t cc_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cc_c = PTHREAD_COND_INITIALIZER;
static volatile int cc_round, cc_done, cc_spurious, cc_cancelled;
static volatile pid_t cc_tid;

static void *condclear_main(void *p)
{
	(void)p;
	cc_tid = gettid();
	pthread_mutex_lock(&cc_m);
	while (!cc_done) {
		int e = pthread_cond_wait(&cc_c, &cc_m);
		if (e == ECANCELED) {
			cc_cancelled++;
			stop_clear();
			cc_round++;
		} else if (e == 0 && !cc_done)
			cc_spurious++;
	}
	pthread_mutex_unlock(&cc_m);
	return 0;
}

static int scen_condclear(void)
{
	pthread_t th;
	int rounds = 50;
	pthread_create(&th, 0, condclear_main, 0);
	while (!cc_tid)
		msleep(1);
	for (int i = 0; i < rounds; i++) {
		wait_sleeping(cc_tid);
		int before = cc_round;
		stop_tid(cc_tid, 0);
		while (cc_round == before)
			msleep(1);
	}
	wait_sleeping(cc_tid);
	msleep(300); /* long past the stop protocol's repeats */
	pthread_mutex_lock(&cc_m);
	cc_done = 1;
	pthread_cond_broadcast(&cc_c);
	pthread_mutex_unlock(&cc_m);
	join(th);
	check(cc_cancelled == rounds, "condclear: %d stops, %d waits cancelled", rounds, cc_cancelled);
	check(cc_spurious == 0, "condclear: the waits begun after clearing were not woken (%d spurious)", cc_spurious);
	return 0;
}

static int scen_api(void)
{
	errno = 0;
	check(stop_tid(999999999, 0) == -1 && errno == ESRCH, "api: unknown tid: ESRCH");
	check(stop_tid(gettid(), 0x80) == -1 && errno == EINVAL, "api: unknown flag: EINVAL");
	check(!stop_pending(), "api: a rejected stop changed nothing");
	check(stop_tid(getpid(), 0) == 0 && stop_pending(), "api: the main thread is registered");
	stop_clear();
	return 0;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "";
	signal(SIGPIPE, SIG_IGN);
	bind_api();
	if (!strcmp(s, "calls")) {
		for (int i = 0; calls[i]; i++)
			printf("%s\n", calls[i]);
		return 0;
	}
	if (!strcmp(s, "block")) {
		scen_block(arg);
		if (!strcmp(arg, "pthread_cond_wait"))
			scen_cond_after();
	} else if (!strcmp(s, "nostop"))
		scen_nostop(arg);
	else if (!strcmp(s, "prestop"))
		scen_prestop(arg);
	else if (!strcmp(s, "force"))
		scen_force(arg);
	else if (!strcmp(s, "race"))
		scen_race(atol(arg));
	else if (!strcmp(s, "gil"))
		scen_gil();
	else if (!strcmp(s, "isolation"))
		scen_isolation();
	else if (!strcmp(s, "condshare"))
		scen_condshare();
	else if (!strcmp(s, "pcancel"))
		scen_pcancel();
	else if (!strcmp(s, "api"))
		scen_api();
	else if (!strcmp(s, "sigblockall"))
		scen_sigblockall();
	else if (!strcmp(s, "sighandlers"))
		scen_sighandlers();
	else if (!strcmp(s, "sigdefault"))
		scen_sigdefault();
	else if (!strcmp(s, "pcancel-self"))
		scen_pcancel_self();
	else if (!strcmp(s, "fork"))
		scen_fork();
	else if (!strcmp(s, "spawn"))
		scen_spawn();
	else if (!strcmp(s, "condclear"))
		scen_condclear();
	else if (!strcmp(s, "early")) {
		int *r = (int *)dlsym(RTLD_DEFAULT, "early_result");
		check(r && *r == 0, "a library constructor's interposed calls, before the shim's constructor: %d", r ? *r : -99);
		scen_block("read");
	}
	else {
		fprintf(stderr, "usage: tsprobe block|nostop|prestop|force CALL | race N | gil | isolation | condshare | pcancel | api\n");
		return 2;
	}
	return failed;
}
