/* Condition waits and threads: the GIL pattern, isolation of a stop, a condition shared
 * with peers, pthread_cancel (of another thread, and of oneself), and a waiter that
 * clears its stop. */
#define _GNU_SOURCE
#include "tsprobe.h"

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
		/* (CPython's GIL forces a switch to a waiter too; a holder that re-takes it at
		 * once starved the reader for over 20 s under ThreadSanitizer) */
		msleep(1);
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

int scen_gil(void)
{
	struct gil g = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t h1, h2, rd;
	if (pipe(g.fd))
		die("pipe");
	pthread_create(&rd, 0, gil_reader, &g);
	while (g.phase != 1)
		msleep(1);
	wait_sleeping(g.tid, 0);
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



int scen_isolation(void)
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

int scen_condshare(void)
{
	struct queue q = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };
	pthread_t th[4];
	/* The victim alone first: asleep, it can only be in its condition wait (with its
	 * peers already running it could be asleep on their mutex, and miss the stop). */
	pthread_create(&th[0], 0, consumer, &q);
	while (!q.victim)
		msleep(1);
	wait_sleeping(q.victim, 0);
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

int scen_pcancel(void)
{
	pthread_t th;
	void *ret;
	if (pipe(pc_fd) || pthread_create(&th, 0, pc_worker, 0))
		die("pipe");
	while (!pc_tid)
		msleep(1);
	wait_sleeping(pc_tid, 0);
	check(pthread_cancel(th) == 0, "pcancel: pthread_cancel");
	ret = join(th);
	check(ret == PTHREAD_CANCELED, "pcancel: the thread was cancelled in read");
	check(pc_cleanup_ran, "pcancel: its cleanup handler ran");
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

int scen_pcancel_self(void)
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

int scen_condclear(void)
{
	pthread_t th;
	int rounds = 50;
	pthread_create(&th, 0, condclear_main, 0);
	while (!cc_tid)
		msleep(1);
	for (int i = 0; i < rounds; i++) {
		wait_sleeping(cc_tid, 0);
		int before = cc_round;
		stop_tid(cc_tid, 0);
		while (cc_round == before)
			msleep(1);
	}
	wait_sleeping(cc_tid, 0);
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

