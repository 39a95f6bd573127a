/* The per-call engine of tsprobe: a resource for each call under test, either idle
 * (the call blocks for good) or ready, the call itself, and a worker thread making it. */
#define _GNU_SOURCE
#include "tsprobe.h"

static void *joinee_main(void *p)
{
	struct res *r = p;
	char c;
	__atomic_store_n(&r->joinee_tid, gettid(), __ATOMIC_SEQ_CST);
	while (read(r->jp[0], &c, 1) < 0 && errno == EINTR)
		;
	return (void *)42;
}

void res_init(struct res *r, int ready)
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
		/* ready means: the joinee has exited (its tid word is 0) but is not joined.  The
		 * kernel clears the word before the thread leaves /proc: wait for that (a fixed
		 * sleep was too short on a loaded machine). */
		double t0 = now();
		while (!__atomic_load_n(&r->joinee_tid, __ATOMIC_SEQ_CST) || thread_state(r->joinee_tid) != '?') {
			if (now() - t0 > 10)
				die("the joinee did not exit");
			msleep(1);
		}
		if (write(r->pipe[1], "data", 4) != 4 || write(r->sp[1], "data", 4) != 4)
			die("write");
		r->client = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(r->client, (void *)&a, sizeof a))
			die("connect");
	}
}

void res_free(struct res *r)
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

void deadline(struct timespec *dl, clockid_t clock, int ms)
{
	clock_gettime(clock, dl);
	dl->tv_sec += ms / 1000;
	dl->tv_nsec += (ms % 1000) * 1000000L;
	if (dl->tv_nsec >= 1000000000L)
		dl->tv_sec++, dl->tv_nsec -= 1000000000L;
}

/* Make the call; return its result in the kernel's style: >= 0, or -errno. */
long do_call(const char *call, struct res *r, int ms_timeout)
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

pthread_t start_worker(struct worker *w)
{
	pthread_t th;
	if (pthread_create(&th, 0, worker_main, w))
		die("pthread_create");
	while (!__atomic_load_n(&w->entering, __ATOMIC_SEQ_CST))
		msleep(1);
	wait_sleeping(w->tid, 0);
	return th;
}

