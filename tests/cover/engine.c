/* The stop of one call in the coverage targets (engine.h). */
#define _GNU_SOURCE
#include "engine.h"

struct worker {
	const struct tcall *k;
	struct res *r;
	volatile pid_t tid;
	volatile int entering, first_done, done;
	long first, again;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	w->tid = gettid();
	__atomic_store_n(&w->entering, 1, __ATOMIC_SEQ_CST);
	w->first = w->k->call(w->r);
	__atomic_store_n(&w->first_done, 1, __ATOMIC_SEQ_CST);
	w->again = w->k->call(w->r);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void engine_stop_blocked(const struct tcall *k, struct res *r)
{
	struct worker w = { .k = k, .r = r };
	pthread_t th;
	if (pthread_create(&th, 0, worker_main, &w))
		die("pthread_create");
	while (!__atomic_load_n(&w.entering, __ATOMIC_SEQ_CST))
		msleep(1);
	if (!wait_sleeping(w.tid, &w.done)) {
		join(th);
		check(0, "%s: did not block: %s", k->name, err(w.first));
		return;
	}
	check(stop_tid(w.tid, 0) == 0, "%s: blocked, thread_stop_tid returned 0", k->name);
	if (k->late) {
		/* The next call begins with the stop pending: it goes in and blocks, until a
		 * second stop ends it. */
		while (!__atomic_load_n(&w.first_done, __ATOMIC_SEQ_CST))
			msleep(1);
		check(wait_sleeping(w.tid, &w.done), "%s: the next call, begun stopped, blocks as it would", k->name);
		check(stop_tid(w.tid, 0) == 0, "%s: stopped again", k->name);
	}
	join(th);
	check(w.first == -ECANCELED, "%s: stopped: %s", k->name, err(w.first));
	check(w.again == -ECANCELED, "%s: the next call %s: %s", k->name, k->late ? "by the second stop" : "too", err(w.again));
}

long engine_prestop(const struct tcall *k, struct res *r)
{
	double t0;
	long ret;
	check(stop_tid(gettid(), 0) == 0 && stop_pending(), "%s: stop before the call", k->name);
	t0 = now();
	ret = k->call(r);
	if (k->late)
		check(ret == k->ready, "%s: begun with a stop pending, it is not failed: %s", k->name, err(ret));
	else if (k->file)
		check(ret == k->ready, "%s: a regular file, read with a stop pending: %s", k->name, err(ret));
	else
		check(ret == -ECANCELED, "%s: stopped before the call: %s", k->name, err(ret));
	check(now() - t0 < 5, "%s: at once", k->name);
	stop_clear();
	return ret;
}
