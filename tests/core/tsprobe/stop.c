/* A stop of each call: blocked (block), with no stop (nostop), before the call
 * (prestop), forced (force); and a condition wait begun after a stop (cond_after). */
#define _GNU_SOURCE
#include "tsprobe.h"

int scen_block(const char *call)
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

int scen_cond_after(void)
{
	struct res r;
	struct worker w = { .r = &r };
	pthread_t th;
	res_init(&r, 0);
	if (pthread_create(&th, 0, cond_after_main, &w))
		die("pthread_create");
	while (!__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST))
		msleep(1);
	wait_sleeping(w.tid, 0);
	pthread_mutex_lock(&r.m);
	r.pred = 1;
	pthread_cond_signal(&r.c);
	pthread_mutex_unlock(&r.m);
	while (__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST) != 2)
		msleep(1);
	wait_sleeping(w.tid, 0);
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

int scen_nostop(const char *call)
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

int scen_prestop(const char *call)
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

int scen_force(const char *call)
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

