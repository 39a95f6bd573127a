/* Interposed condition and semaphore waits.  A condition wait the thread is in when a
 * stop arrives returns ECANCELED with the mutex held (a forced one exits with it
 * released, unless the program pushed cleanup handlers: cancel.c); a timed wait, or one begun with a
 * stop already pending, is "immune": only a forced stop ends it (runtimes such as
 * CPython wait on condition variables on the way out of a stopped call and treat a
 * failure there as fatal). */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <linux/futex.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "python.h"

/* Enter a condition or semaphore wait: the slow path if the token is set, then publish
 * the call.  Returns -1 when the call passes straight to glibc, else whether the wait is
 * immune to a plain stop: a timed one (calls.def: TIMED), or one begun with a stop
 * pending.  A forced stop does not return. */
static int wait_enter(struct ts_thread *t, int id, const struct timespec *abstime)
{
	int immune = ts_call_policy[id] == TS_P_TIMED;
	if (unlikely(__atomic_load_n(&t->stop, __ATOMIC_RELAXED))) {
		switch (ts_slow(t)) {
		case TS_PASS:
			return -1;
		case TS_CANCEL:
			immune = 1;
		}
	}
	__atomic_store_n(&t->immune, immune, __ATOMIC_RELAXED);
	ts_publish(t, id, abstime ? -2 : -1);
	return immune;
}

static int real_timed(int id, pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock, const struct timespec *abstime)
{
	if (id == TS_C_pthread_cond_clockwait)
		return REAL(pthread_cond_clockwait)(c, m, clock, abstime);
	return REAL(pthread_cond_timedwait)(c, m, abstime);
}

/* The general case: a stop pending at entry, an unregistered thread, or a wait begun
 * inside another interposed call (from a signal handler).  Out of line. */
static __attribute__((noinline)) int cond_wait_slow(int id, pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
						     const struct timespec *abstime)
{
	struct ts_thread *t = &ts_tls;
	int saved = t->call, immune;
	long saved_arg = t->arg;
	int s, r;

	immune = wait_enter(t, id, abstime);

	if (immune < 0)
		goto pass;
	/* Publish the condition, then look at the token: a full barrier between the two
	 * (the exchange), paired with the stopper's token store then condition load. */
	(void)__atomic_exchange_n(&t->cond, c, __ATOMIC_SEQ_CST);
	s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	/* A Python thread's condition waits (the GIL's) are never failed. */
	if (unlikely(s & (TS_FORCE | (immune ? 0 : TS_STOP))) && !ts_py_thread())
		r = ECANCELED;
	else if (abstime)
		r = real_timed(id, c, m, clock, abstime);
	else
		r = REAL(pthread_cond_wait)(c, m);
	ts_cond_leave(t);
	ts_unpublish(t, saved, saved_arg); /* call and arg: this wait may be nested in a handler */
	s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (unlikely(s & TS_STOP_BITS) && ts_py_thread())
		return r;
	if (unlikely(s & TS_FORCE))
		ts_exit_forced(t, m);
	if (unlikely(!immune && (s & TS_STOP)) && r == 0)
		r = ECANCELED;
	return r;
pass:
	return abstime ? real_timed(id, c, m, clock, abstime) : REAL(pthread_cond_wait)(c, m);
}

/* A stop arrived during a wait of the fast path: a forced one exits (as cond_wait_slow
 * does), a plain one makes a successful return of a wait that is not immune ECANCELED. */
static __attribute__((noinline)) int cond_wait_stopped(struct ts_thread *t, int r, int immune, pthread_mutex_t *m)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (s & TS_FORCE)
		ts_exit_forced(t, m);
	if (!immune && (s & TS_STOP) && r == 0)
		r = ECANCELED;
	return r;
}

/* The stopper was broadcasting our condition as we left (stop.c: cond_kick). */
static __attribute__((noinline)) void cond_left_busy(struct ts_thread *t)
{
	while (!__atomic_load_n(&t->cond_done, __ATOMIC_ACQUIRE))
		ts_sys(SYS_futex, (long)&t->cond_done, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	t->cond_done = 0;
}

/* The fast path: no stop, no call in progress.  What cond_wait_slow does, with the
 * immunity a constant (TIMED or not), the call restored to none, and the leaving
 * handshake (ts_cond_leave) inline. */
TS_INLINE int cond_wait(int id, pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock, const struct timespec *abstime)
{
	struct ts_thread *t = &ts_tls;
	int immune = ts_call_policy[id] == TS_P_TIMED, r;

	if (unlikely(ts_busy(t)))
		return cond_wait_slow(id, c, m, clock, abstime);
	__atomic_store_n(&t->immune, immune, __ATOMIC_RELAXED);
	ts_publish(t, id, abstime ? -2 : -1);
	(void)__atomic_exchange_n(&t->cond, c, __ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & (TS_FORCE | (immune ? 0 : TS_STOP))))
		r = ECANCELED;
	else if (abstime)
		r = real_timed(id, c, m, clock, abstime);
	else
		r = REAL(pthread_cond_wait)(c, m);
	if (unlikely(__atomic_exchange_n(&t->cond, 0, __ATOMIC_ACQ_REL) == TS_COND_BUSY))
		cond_left_busy(t);
	__atomic_store_n(&t->call, TS_C_none, __ATOMIC_RELAXED);
	if (unlikely(__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) & TS_STOP_BITS))
		return cond_wait_stopped(t, r, immune, m);
	return r;
}

TS_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return cond_wait(TS_C_pthread_cond_wait, c, m, CLOCK_REALTIME, 0);
}

TS_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	return cond_wait(TS_C_pthread_cond_timedwait, c, m, CLOCK_REALTIME, abstime);
}

TS_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock, const struct timespec *abstime)
{
	return cond_wait(TS_C_pthread_cond_clockwait, c, m, clock, abstime);
}

/* Semaphore waits: glibc's own code around a futex wait.  The stopper signals the thread
 * until it has left the wait; the handler turns the futex's restart into EINTR (cancel.c),
 * which glibc returns; a stop turns that EINTR into ECANCELED.  Same rule as condition
 * waits: timed waits, and waits begun with a stop pending, are immune to a plain stop. */
static int sem_call(int id, sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	struct ts_thread *t = &ts_tls;
	int saved = t->call, immune, r, e, s;
	long saved_arg = t->arg;

	/* CPython's locks: a stop pending when the wait begins fails it too, timed or not,
	 * with the errno CPython expects for an interruption (python.c).  While a stopped
	 * wait's exception is on its way through CPython's retry loop (ts_py_spoof), a wait
	 * that does not block (CPython's own locks on the way) leaves that alone. */
	if (unlikely(ts_py_spoof) && sem_trywait(sem) == 0)
		return 0;
	if (unlikely(__atomic_load_n(&t->stop, __ATOMIC_RELAXED) | t->py_reforce | ts_py_spoof) && ts_py_thread() &&
	    ts_py_sem_due(t, sem) && (e = ts_py_sem_stopped(t, sem, id != TS_C_sem_wait))) {
		errno = e;
		return -1;
	}
again:
	immune = wait_enter(t, id, abstime);
	if (immune < 0)
		goto pass;
	/* In a CPython process timed waits are signalled too: a Python thread's are failed
	 * (below), another thread's resume. */
	if (ts_py_present)
		__atomic_store_n(&t->immune, 0, __ATOMIC_RELAXED);
	/* Look at the token after publishing the call (see stop.c on membarrier). */
	s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	/* (A Python thread with an exception armed and not raised yet waits: its stop is
	 * taken after, python.c.) */
	if (unlikely(s & (TS_FORCE | (immune ? 0 : TS_STOP))) && (!ts_py_thread() || ts_py_sem_due(t, sem))) {
		r = -1;
		e = EINTR;
	} else {
		if (id == TS_C_sem_wait)
			r = REAL(sem_wait)(sem);
		else if (id == TS_C_sem_timedwait)
			r = REAL(sem_timedwait)(sem, abstime);
		else
			r = REAL(sem_clockwait)(sem, clock, abstime);
		e = errno;
	}
	ts_unpublish(t, saved, saved_arg); /* call and arg: this wait may be nested in a handler */
	s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (unlikely(s & TS_STOP_BITS) && r && e == EINTR && ts_py_present) {
		if (ts_py_thread()) {
			errno = ts_py_sem_stopped(t, sem, id != TS_C_sem_wait);
			return -1;
		}
		if (immune && !(s & TS_FORCE))
			goto again;
	}
	if (unlikely(s & TS_FORCE) && !ts_py_thread()) /* (a Python thread's is raised later) */
		ts_exit_forced(t, 0);
	if (r) {
		if (e == EINTR && !immune && (s & TS_STOP))
			e = ECANCELED;
		errno = e;
	}
	return r;
pass:
	if (id == TS_C_sem_wait)
		return REAL(sem_wait)(sem);
	if (id == TS_C_sem_timedwait)
		return REAL(sem_timedwait)(sem, abstime);
	return REAL(sem_clockwait)(sem, clock, abstime);
}

TS_EXPORT int sem_wait(sem_t *sem)
{
	return sem_call(TS_C_sem_wait, sem, CLOCK_REALTIME, 0);
}

TS_EXPORT int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
	return sem_call(TS_C_sem_timedwait, sem, CLOCK_REALTIME, abstime);
}

TS_EXPORT int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
	return sem_call(TS_C_sem_clockwait, sem, clock, abstime);
}
