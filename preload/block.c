/* The out-of-line half of every interposed call (cancel.h: ts_block): what happens when
 * the token is set at entry or the call failed, and the handler's lookup of the
 * cancellation windows.  Kept out of the wrappers so that their fast path is a leaf with
 * no saved register (doc/benchmarks.md, instructions per call). */
#define _GNU_SOURCE
#include "cancel.h"

long ts_errno_tp;

long ts_set_errno(long r)
{
	errno = (int)-r;
#ifdef TS_ERRNO_INLINE
	{
		long tp;
		__asm__("mov %%fs:0, %0" : "=r"(tp));
		__atomic_store_n(&ts_errno_tp, (long)&errno - tp, __ATOMIC_RELAXED);
	}
#endif
	return -1;
}

/* The calls of the slow path go through the out-of-line window (ts_syscall_cp). */
static long publish_call(struct ts_thread *t, const int *token, int id, long arg, long nr, long a, long b, long c,
			 long d, long e, long f)
{
	int saved = t->call;
	long saved_arg = t->arg, r;
	ts_publish(t, id, arg);
	r = ts_syscall_cp(token, nr, a, b, c, d, e, f);
	ts_unpublish(t, saved, saved_arg);
	return r;
}

/* `entering`: the token was found set before the call, else the call returned EINTR or
 * ECANCELED with the token set (a stop may have interrupted it). */
static long slow_loop(int entering, int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	long r;
	for (;;) {
		switch (ts_slow_call(t, id, arg, entering)) {
		case TS_CANCEL: return ts_py_failed(t, -ECANCELED);
		case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
		}
		r = publish_call(t, &t->stop, id, arg, nr, a, b, c, d, e, f);
		if (!((r == -EINTR || r == -ECANCELED) && __atomic_load_n(&t->stop, __ATOMIC_RELAXED)))
			return r;
		entering = 0;
	}
}

long ts_block_slow(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	/* (a forced Python thread's call: Forced again, python.c) */
	if (unlikely(t->py_reforce) && t->call == TS_C_none && !(__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) & TS_STOP_BITS)) {
		long r = ts_py_reforce_call(t, id, arg);
		if (r)
			return r;
	}
	return slow_loop(1, id, arg, nr, a, b, c, d, e, f);
}

long ts_block_failed(long r, int id, long nr, long a, long b, long c, long d, long e, long f)
{
	if ((r != -EINTR && r != -ECANCELED) || !__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED))
		return r;
	return slow_loop(0, id, __atomic_load_n(&ts_tls.arg, __ATOMIC_RELAXED), nr, a, b, c, d, e, f);
}

long ts_block_late_slow(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	static const int go = 0;
	struct ts_thread *t = &ts_tls;
	long r;
	if (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) /* nested in another call: no stop */
		return slow_loop(1, id, arg, nr, a, b, c, d, e, f);
	switch (ts_slow(t)) {
	case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
	case TS_GO: return slow_loop(1, id, arg, nr, a, b, c, d, e, f);
	}
	/* The token is set: check a zero one instead, so the call goes in; the handler still
	 * moves a new stop's signal inside the window to the cancel exit. */
	r = publish_call(t, &go, id, arg, nr, a, b, c, d, e, f);
	return r == -EINTR ? -ECANCELED : r;
}
