/* The exported in-process API of include/threadstop.h.  thread_stop() (another process,
 * or this one, through its control socket) is the control client's (control/client.c). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include "client.h"
#include "threadstop.h"
#include "python.h"
#include "registry.h"
#include "stop.h"

TS_EXPORT int thread_stop_tid(pid_t tid, unsigned flags)
{
	unsigned char ok;
	if (flags & ~THREAD_STOP_FORCE) {
		errno = EINVAL;
		return -1;
	}
	if (!ts_stop_tids(&tid, 1, flags & THREAD_STOP_FORCE ? TS_FORCE : 0, &ok)) {
		errno = ESRCH;
		return -1;
	}
	if (ok == TS_STOP_UNDELIVERED) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Where t stands since the stop that saw it at call counter seq: 0 still in that call,
 * 1 left it (or was in none), 2 ignored the stop.  Registry locked. */
static int grace_state(struct ts_thread *t, unsigned seq, int call)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->lapsed, __ATOMIC_RELAXED) && !(s & TS_STOP_BITS) &&
	    __atomic_load_n(&t->gen_seen, __ATOMIC_ACQUIRE) == __atomic_load_n(&t->gen, __ATOMIC_RELAXED))
		return 2;
	if (!call || __atomic_load_n(&t->seq, __ATOMIC_RELAXED) != seq)
		return !(s & TS_STOP_BITS) && __atomic_load_n(&t->call, __ATOMIC_RELAXED) ? 0 : 1;
	return 0;
}

TS_EXPORT int thread_stop_grace(pid_t tid, unsigned grace_ms)
{
	struct timespec ms = { 0, 1000000 };
	struct ts_thread *t;
	unsigned char ok;
	unsigned seq = 0, i;
	int call = 0, st = 0;
	if (tid == gettid()) {
		errno = EINVAL;
		return -1;
	}
	ts_registry_lock();
	if ((t = ts_find_tid(tid))) {
		seq = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
		call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	}
	ts_registry_unlock();
	if (!t || !ts_stop_tids(&tid, 1, 0, &ok)) {
		errno = ESRCH;
		return -1;
	}
	for (i = 0; i <= grace_ms; i++) {
		ts_registry_lock();
		t = ts_find_tid(tid);
		st = t ? grace_state(t, seq, call) : 1;
		ts_registry_unlock();
		/* a thread blocked again with its stop cleared (st 0 after leaving) waits out the grace */
		if (st)
			break;
		if (i < grace_ms)
			ts_sys(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0);
	}
	if (st == 1)
		return THREAD_STOP_LEFT;
	ts_stop_tids(&tid, 1, TS_FORCE, &ok);
	return THREAD_STOP_FORCED;
}

TS_EXPORT int thread_stop_pending(void)
{
	return (__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED) & TS_STOP_BITS) != 0;
}

TS_EXPORT void thread_stop_clear(void)
{
	__atomic_fetch_and(&ts_tls.stop, ~TS_STOP_BITS, __ATOMIC_RELAXED);
	ts_tls.py_reforce = 0; /* and a forced Python thread's Forced is not raised again */
}

/* Stop the threads of process pid that `selector` matches, through its control socket.
 * Returns how many were stopped, or -1 with errno.  The client's system calls are plain
 * ones (syscall(2), never a wrapper): errno is kept on success. */
TS_EXPORT int thread_stop(pid_t pid, const char *selector, unsigned flags)
{
	char line[TSP_LINE_MAX];
	const char *msg;
	struct tsp_reply r;
	struct tsc c;
	int e, n = 0, saved = errno;

	c.fd = -1;
	if (flags & ~THREAD_STOP_FORCE || !selector) {
		errno = EINVAL;
		return -1;
	}
	e = tsc_stop_request(line, sizeof line, &selector, 1, flags & THREAD_STOP_FORCE, &msg);
	if (!e)
		e = tsc_open_send(&c, pid, tsc_now_ms() + TSC_TIMEOUT_MS, line);
	while (!e) {
		e = tsc_read(&c, &r);
		if (e)
			break;
		if (r.type == TSP_R_STOPPED) {
			n++;
		} else if (r.type == TSP_R_OK) {
			break;
		} else if (r.type == TSP_R_ERR) {
			e = !strcmp(r.code, TSP_E_NOMATCH)	   ? -ESRCH
			    : !strcmp(r.code, TSP_E_UNDELIVERED) ? -EPERM
			    : !strcmp(r.code, TSP_E_SYNTAX)	   ? -EINVAL
			    : !strcmp(r.code, TSP_E_BUSY)	   ? -EAGAIN
								   : -EPROTO;
		} else if (r.type != TSP_R_UNDELIVERED && r.type != TSP_R_UNMATCHED) {
			e = -EPROTO;
		}
	}
	tsc_close(&c);
	if (e == -E2BIG)
		e = -EPROTO; /* a flood */
	errno = e ? -e : saved;
	return e ? -1 : n;
}
