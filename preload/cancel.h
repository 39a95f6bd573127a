/* The target side of a stop: the fast path of every interposed call (ts_block), the slow
 * path taken when its token is set, and the forced exit (cancel.c).  The stopper side is
 * stop.h. */
#ifndef TS_CANCEL_H
#define TS_CANCEL_H

#include "calls.h"
#include "python.h"
#include "registry.h"

/* What ts_slow() tells a wrapper to do. */
enum { TS_GO = 0, TS_CANCEL = 1, TS_PASS = 2 };

void ts_cancel_init(void) TS_HIDDEN;  /* installs the cancel signal's handler */
int ts_slow(struct ts_thread *t) TS_HIDDEN;
/* ts_slow() for a blocking call: `entering` it, or leaving it interrupted.  Counts the
 * calls the stop refuses and lets it lapse when the thread retries (DESIGN rule 2). */
int ts_slow_call(struct ts_thread *t, int id, long arg, int entering) TS_HIDDEN;
/* Clear this thread's stop; `lapsed`: because it ignored it (list: ignored).  For the
 * runtimes (python.c) as for thread_stop_clear(). */
void ts_stop_clear(struct ts_thread *t, int lapsed) TS_HIDDEN;
/* A forced stop: exit through pthread_exit, releasing `held` (the mutex of a condition
 * wait, or 0) unless the program's cleanup handlers will run and expect it held.
 * Returns, with the stop made a plain one, when the unwind would be caught (force.c). */
void ts_exit_forced(struct ts_thread *t, pthread_mutex_t *held) TS_HIDDEN;
void ts_cond_leave(struct ts_thread *t) TS_HIDDEN;
void ts_join_init(void) TS_HIDDEN;  /* wrap_thread.c: where glibc keeps a thread's tid */

/* Describe the call the thread enters for `list` and for stoppers, and restore the one
 * it was in (a wait nested in a signal handler): relaxed atomic stores, plain moves on
 * x86_64, so that the fields stoppers read are free of data races in C11's sense. */
TS_INLINE void ts_publish(struct ts_thread *t, int id, long arg)
{
	__atomic_store_n(&t->arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->call, id, __ATOMIC_RELAXED);
}

TS_INLINE void ts_unpublish(struct ts_thread *t, int call, long arg)
{
	__atomic_store_n(&t->call, call, __ATOMIC_RELAXED);
	__atomic_store_n(&t->arg, arg, __ATOMIC_RELAXED);
}

/* A blocking syscall, cancellable (policy PLAIN, and IO: a read of a regular file or a
 * block device passes, checked on the slow path only, in ts_slow_call).  The fast path: one TLS load of the
 * token and a branch, then a few plain stores that describe the call for `list` and for
 * the stopper (who signals the thread only while call is set). */
TS_INLINE long ts_block_plain(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	long r;
	int saved;
	long saved_arg;
	int entering = 1;

	if (unlikely(__atomic_load_n(&t->stop, __ATOMIC_RELAXED))) {
	slow:
		switch (ts_slow_call(t, id, arg, entering)) {
		case TS_CANCEL: return ts_py_failed(t, -ECANCELED);
		case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
		}
	}
	saved = t->call;
	saved_arg = t->arg;
	ts_publish(t, id, arg);
	r = ts_syscall_cp(&t->stop, nr, a, b, c, d, e, f);
	ts_unpublish(t, saved, saved_arg);
	if (unlikely(r == -EINTR || r == -ECANCELED) && __atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		entering = 0;
		goto slow;
	}
	return r;
}

/* Output and opens (policy LATE): a stop already pending when the call begins does not
 * fail it, so that a stopped thread can still report its error, flush its output or open
 * a file on its way out (CPython prints the traceback of the stopped call to stderr).  A
 * stop that arrives while the call is in progress, blocked, ends it with ECANCELED as it
 * ends any call; a forced stop exits as everywhere. */
static inline long ts_block_late(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	static const int go = 0;
	struct ts_thread *t = &ts_tls;
	long r;
	int saved;
	long saved_arg;

	if (likely(!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)))
		return ts_block_plain(id, arg, nr, a, b, c, d, e, f);
	switch (ts_slow(t)) {
	case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
	case TS_GO: return ts_block_plain(id, arg, nr, a, b, c, d, e, f);
	}
	/* The token is set: check a zero one instead, so the call goes in; the handler still
	 * moves a new stop's signal inside the window to the cancel exit. */
	saved = t->call;
	saved_arg = t->arg;
	ts_publish(t, id, arg);
	r = ts_syscall_cp(&go, nr, a, b, c, d, e, f);
	ts_unpublish(t, saved, saved_arg);
	return r == -EINTR ? -ECANCELED : r;
}

/* Call `id` as its entry in calls.def says (the policy is a constant where id is). */
TS_INLINE long ts_block(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	if (ts_call_policy[id] == TS_P_LATE)
		return ts_block_late(id, arg, nr, a, b, c, d, e, f);
	return ts_block_plain(id, arg, nr, a, b, c, d, e, f);
}

#endif
