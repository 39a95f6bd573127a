/* Interposed thread calls: pthread_create registers each new thread before it runs the
 * program's code; pthread_cancel keeps POSIX cancellation working at our wrappers, which
 * make raw syscalls where glibc's are cancellation points. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cancel.h"
#include "stop.h"
#include "python.h"

struct start {
	void *(*fn)(void *);
	void *arg;
	char sig_blocked; /* the creator's virtual mask bit: a new thread inherits the mask */
	char name[16];    /* a Python thread's threading.Thread.name, for the OS (python.c) */
};

static void *start(void *p)
{
	struct start s = *(struct start *)p;
	pthread_attr_t a;
	void *lo;
	size_t size;
	free(p);
	ts_tls.sig_blocked = s.sig_blocked;
	if (s.name[0])
		ts_sys(SYS_prctl, PR_SET_NAME, (long)s.name, 0, 0, 0, 0);
	/* The bounds of this thread's stack (one mapping), for the mask check of send.h. */
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		if (pthread_attr_getstack(&a, &lo, &size) == 0) {
			ts_tls.stack_lo = (uintptr_t)lo;
			ts_tls.stack_hi = (uintptr_t)lo + size;
		}
		pthread_attr_destroy(&a);
	}
	ts_register(&ts_tls);
	return s.fn(s.arg);
}

TS_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof *s);
	int r;
	if (!s) /* the thread still registers, at its first interposed call */
		return REAL(pthread_create)(th, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->sig_blocked = ts_tls.sig_blocked;
	s->name[0] = 0;
	if (ts_py_names)
		ts_py_thread_name(s->name);
	r = REAL(pthread_create)(th, attr, start, s);
	if (r)
		free(s);
	return r;
}

/* Where a thread's token lies from its pthread_t: glibc places every thread's static TLS
 * at the same distance from its descriptor, and initialises it before pthread_create
 * returns. */
static long tls_offset;
static int tls_offset_ok;

TS_EXPORT int pthread_cancel(pthread_t th)
{
	struct ts_thread *t;
	int r = REAL(pthread_cancel)(th);
	if (r)
		return r;
	ts_registry_lock();
	t = ts_find_self(th);
	if (t) {
		ts_mark(t, TS_PCANCEL);
		ts_barrier();
		ts_kick(t, TS_PCANCEL);
	} else if (tls_offset_ok) {
		/* Not registered yet (created, not yet run): the mark waits in its token, which
		 * registering keeps, for its first interposed call.  (An exited thread's token
		 * is DEAD: the mark is ignored there.)  Under the registry lock, so the thread
		 * cannot register between the look-up and the mark and miss a kick. */
		ts_mark((struct ts_thread *)((char *)th + tls_offset), TS_PCANCEL);
	}
	ts_registry_unlock();
	return 0;
}

/* A cancellation the thread had disabled when it reached one of our calls is due again
 * at our next call once the thread enables cancellation. */
TS_EXPORT int pthread_setcancelstate(int state, int *old)
{
	int r = REAL(pthread_setcancelstate)(state, old);
	if (r == 0 && state == PTHREAD_CANCEL_ENABLE && ts_tls.pcancel_held) {
		ts_tls.pcancel_held = 0;
		__atomic_fetch_or(&ts_tls.stop, TS_PCANCEL, __ATOMIC_RELAXED);
	}
	return r;
}

/* Joins.  glibc waits for the kernel to clear the thread's tid word (CLONE_CHILD_CLEARTID)
 * and retries its futex wait after EINTR, so its join cannot be interrupted; the wrapper
 * makes that wait itself, through the cancellable syscall, and lets glibc's join finish
 * once the word is 0.  The word's offset in glibc's thread descriptor is learnt once from
 * the kernel (PR_GET_TID_ADDRESS gives the main thread's), else taken from arch.h and
 * checked against the main thread's tid; where neither works, joins pass through
 * unstoppable. */
static long tid_offset = -1;

/* The main thread's stack, for the mask check of send.h: from the top the process
 * started with down to the stack limit, a range where nothing but the stack is mapped
 * (the kernel keeps other mappings at least that far below). */
extern void *__libc_stack_end;

static void main_stack(void)
{
	struct rlimit rl;
	uintptr_t hi = (uintptr_t)__libc_stack_end;
	if (ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0) != ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0) ||
	    ts_sys(SYS_getrlimit, RLIMIT_STACK, (long)&rl, 0, 0, 0, 0) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= hi)
		return;
	ts_tls.stack_lo = hi - rl.rlim_cur;
	ts_tls.stack_hi = hi;
}

void ts_join_init(void)
{
	char *addr = 0, *self = (char *)pthread_self();
	long off;
	tls_offset = (char *)&ts_tls - self;
	tls_offset_ok = 1;
	main_stack();
	/* (a seccomp filter may punish a prctl glibc programs do not make) */
	if (ts_seccomp_filtered() ||
	    ts_sys(SYS_prctl, PR_GET_TID_ADDRESS, (long)&addr, 0, 0, 0, 0) != 0 || !addr)
		addr = self + TS_ARCH_GLIBC_TID_OFFSET; /* (no CONFIG_CHECKPOINT_RESTORE, qemu-user) */
	off = addr - self;
	if (off > 0 && off < 4096 && *(pid_t *)addr == (pid_t)ts_sys(SYS_gettid, 0, 0, 0, 0, 0, 0))
		tid_offset = off;
}

/* The tid word of a thread's descriptor.  The kernel clears it as the thread exits
 * (CLONE_CHILD_CLEARTID) and then wakes its futex, an order ThreadSanitizer cannot see,
 * and ThreadSanitizer marks a finished thread's TLS and descriptor written: the load is
 * not instrumented. */
TS_NO_TSAN static pid_t tid_word(const pid_t *word)
{
	return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

TS_INLINE int join_wait(int id, pthread_t th, clockid_t clock, const struct timespec *abstime)
{
	pid_t *word = (pid_t *)((char *)th + tid_offset);
	for (;;) {
		pid_t v = tid_word(word);
		long r;
		if (v == 0)
			return 0;
		if (abstime)
			r = ts_block(id, v, SYS_futex, (long)word,
				     FUTEX_WAIT_BITSET | (clock == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0), v,
				     (long)abstime, 0, FUTEX_BITSET_MATCH_ANY);
		else
			r = ts_block(id, v, SYS_futex, (long)word, FUTEX_WAIT, v, 0, 0, 0);
		if (r == -ECANCELED || r == -ETIMEDOUT)
			return (int)-r;
		/* 0, EAGAIN (the word changed), EINTR (a signal): look again */
	}
}

static int join(int id, pthread_t th, void **ret, clockid_t clock, const struct timespec *abstime)
{
	int r;
	if (unlikely(__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED))) {
		/* (counted as join_wait's futex wait is, on the joined tid: a join retried for
		 * ever lapses the stop) */
		long arg = tid_offset >= 0 ? __atomic_load_n((pid_t *)((char *)th + tid_offset), __ATOMIC_ACQUIRE) : 0;
		switch (ts_slow_call(&ts_tls, id, arg, 1)) { /* a forced stop does not return */
		case TS_CANCEL:
			return ECANCELED;
		case TS_PASS:
			goto pass;
		}
	}
	if (tid_offset < 0 || pthread_equal(th, pthread_self()))
		goto pass;
	if (abstime && (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC))
		return EINVAL;
	if (abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L) &&
	    __atomic_load_n((pid_t *)((char *)th + tid_offset), __ATOMIC_ACQUIRE))
		return EINVAL;
	r = join_wait(id, th, clock, abstime);
	if (r)
		return r;
pass:
	if (id == TS_C_pthread_join)
		return REAL(pthread_join)(th, ret);
	if (id == TS_C_pthread_timedjoin_np)
		return REAL(pthread_timedjoin_np)(th, ret, abstime);
	return REAL(pthread_clockjoin_np)(th, ret, clock, abstime);
}

TS_EXPORT int pthread_join(pthread_t th, void **ret)
{
	return join(TS_C_pthread_join, th, ret, CLOCK_REALTIME, 0);
}

TS_EXPORT int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	return join(TS_C_pthread_timedjoin_np, th, ret, CLOCK_REALTIME, abstime);
}

TS_EXPORT int pthread_clockjoin_np(pthread_t th, void **ret, clockid_t clock, const struct timespec *abstime)
{
	return join(TS_C_pthread_clockjoin_np, th, ret, clock, abstime);
}
