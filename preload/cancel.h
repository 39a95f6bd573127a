/* The target side of a stop: the fast path of every interposed call (ts_block), the slow
 * path taken when its token is set, and the forced exit (cancel.c).  The stopper side is
 * stop.h. */
#ifndef TS_CANCEL_H
#define TS_CANCEL_H

#include <sys/syscall.h>
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
/* A read of fd cannot block for ever: a regular file or a block device (policy IO). */
int ts_never_blocks(long fd) TS_HIDDEN;
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

/* The cancellable syscall the fast path uses: inlined where the port provides it
 * (arch.h, TS_ARCH_CP_INLINE), else the out-of-line ts_syscall_cp. */
#ifdef TS_ARCH_CP_INLINE
/* How many arguments system call nr reads, where the fast path can leave the other
 * registers alone (a constant in every wrapper; 6 when unsure). */
TS_INLINE int ts_nargs(long nr)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev: case SYS_poll:
	case SYS_accept: case SYS_connect: case SYS_recvmsg: case SYS_sendmsg:
		return 3;
	case SYS_accept4: case SYS_epoll_wait: case SYS_clock_nanosleep: case SYS_pread64:
	case SYS_pwrite64: case SYS_wait4: case SYS_rt_sigtimedwait:
		return 4;
	}
	return 6;
}
#define ts_cp(nr, ...) ts_arch_syscall_cp(ts_nargs(nr), __VA_ARGS__)
#else
#define ts_cp(nr, token, ...) ts_syscall_cp(token, __VA_ARGS__)
#endif



/* The slow paths, out of line (block.c), so that the fast path needs no saved register
 * and no frame: the token was set at entry (policy PLAIN, or LATE), or the call failed
 * with r and may have been stopped. */
long ts_block_slow(int id, long arg, long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;
long ts_block_late_slow(int id, long arg, long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;
/* (ts_block_failed reads the call's arg back from the thread: one value less to keep) */
long ts_block_failed(long r, int id, long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;

/* Anything but the fast path: a token set, or a call in progress. */
TS_INLINE int ts_busy(const struct ts_thread *t)
{
	/* The token and the call in one load: a call made while another is in progress (from
	 * a signal handler) takes the slow path, which saves and restores the outer one. */
	typedef uint64_t __attribute__((may_alias)) pair;
	return __atomic_load_n((const pair *)(const void *)t, __ATOMIC_RELAXED) != 0;
}

/* The fast path proper, once ts_busy() said no. */
TS_INLINE long ts_block_fast(struct ts_thread *t, int id, long arg, long nr, long a, long b, long c, long d, long e,
			     long f)
{
	long r;
	ts_publish(t, id, arg);
	r = ts_cp(nr, &t->stop, nr, a, b, c, d, e, f);
	__atomic_store_n(&t->call, TS_C_none, __ATOMIC_RELAXED);
	/* An error with the token set: a stop may have interrupted the call (EINTR,
	 * ECANCELED); anything else is the call's own result. */
	if (unlikely((unsigned long)r > -4096UL) && unlikely(__atomic_load_n(&t->stop, __ATOMIC_RELAXED)))
		return ts_block_failed(r, id, nr, a, b, c, d, e, f);
	return r;
}

/* A blocking syscall, cancellable (policy PLAIN, and IO: a read of a regular file or a
 * block device passes, checked on the slow path only, in ts_slow_call).  The fast path:
 * one TLS load of the token and the call, a branch, three plain stores that describe the
 * call for `list` and for the stopper (who signals the thread only while call is set),
 * the window, one store, one compare of the result.  Anything else (a token set, a call
 * in progress, an error with the token set) is out of line. */
TS_INLINE long ts_block_plain(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	if (unlikely(ts_busy(t)))
		return ts_block_slow(id, arg, nr, a, b, c, d, e, f);
	return ts_block_fast(t, id, arg, nr, a, b, c, d, e, f);
}

_Static_assert(__builtin_offsetof(struct ts_thread, stop) == 0 && __builtin_offsetof(struct ts_thread, call) == 4,
	       "ts_block_plain loads the token and the call as one 64-bit word");

/* Output and opens (policy LATE): a stop already pending when the call begins does not
 * fail it, so that a stopped thread can still report its error, flush its output or open
 * a file on its way out (CPython prints the traceback of the stopped call to stderr).  A
 * stop that arrives while the call is in progress, blocked, ends it with ECANCELED as it
 * ends any call; a forced stop exits as everywhere (block.c). */
TS_INLINE long ts_block_late(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	if (unlikely(ts_busy(t)))
		return ts_block_late_slow(id, arg, nr, a, b, c, d, e, f);
	return ts_block_fast(t, id, arg, nr, a, b, c, d, e, f);
}

/* Call `id` as its entry in calls.def says (the policy is a constant where id is). */
TS_INLINE long ts_block(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	if (ts_call_policy[id] == TS_P_LATE)
		return ts_block_late(id, arg, nr, a, b, c, d, e, f);
	return ts_block_plain(id, arg, nr, a, b, c, d, e, f);
}

#endif
