/* What every file of the shim shares: visibility, branch hints, the raw system call
 * (arch.h), libc's return convention, and the guard that keeps internal code off the
 * interposed names.  Each part of the shim has its own header (registry.h, calls.h,
 * cancel.h, stop.h, ...); doc/design.md has the map. */
#ifndef TS_H
#define TS_H

#include <errno.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TS_HIDDEN __attribute__((visibility("hidden")))
#define TS_EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* For the fast path's helpers that take a call id: inlined where the id is a constant,
 * so that the call's policy (ts_block) is chosen at compile time. */
#define TS_INLINE static inline __attribute__((always_inline))
/* Code ThreadSanitizer's runtime reaches before it is initialised (SANITIZE=thread): not
 * instrumented. */
#define TS_NO_TSAN __attribute__((no_sanitize_thread))

#include "arch.h"

/* A call's timeout in ms for `list`: -1 none; 0 for an invalid (negative) one;
 * INT64_MAX for one as good as forever. */
static inline long ts_ms(const struct timespec *ts)
{
	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_sec >= INT64_MAX / 1000 - 1)
		return ts->tv_sec < 0 ? 0 : INT64_MAX;
	return ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* The libc convention: -1 and errno.  errno is libc's static TLS: at the same offset from
 * the thread pointer in every thread, learnt at the first error (block.c), then written
 * inline, as libc itself does.  Not in sanitized builds: ASan and TSan instrument a
 * %fs-relative store as if it were an address, and fault on its shadow. */
#if defined(__SEG_FS) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define TS_ERRNO_INLINE 1
#endif
long ts_set_errno(long r) TS_HIDDEN;
extern long ts_errno_tp TS_HIDDEN;
static inline long ts_ret(long r)
{
	if (unlikely((unsigned long)r > -4096UL)) {
#ifdef TS_ERRNO_INLINE
		long off = __atomic_load_n(&ts_errno_tp, __ATOMIC_RELAXED);
		if (likely(off)) {
			*(int __seg_fs *)off = (int)-r;
			return -1;
		}
#endif
		return ts_set_errno(r);
	}
	return r;
}

/* Keep internal code from calling an interposed name by accident: it would go through
 * our own wrapper.  Internal code uses ts_sys() or REAL(). */
#ifndef TS_NAMES_INTERPOSED
#define read ts_do_not_call_read
#define recv ts_do_not_call_recv
#define accept ts_do_not_call_accept
#define poll ts_do_not_call_poll
#define nanosleep ts_do_not_call_nanosleep
#define clock_nanosleep ts_do_not_call_clock_nanosleep
#define pthread_cond_wait ts_do_not_call_pthread_cond_wait
#define pthread_cond_timedwait ts_do_not_call_pthread_cond_timedwait
#define write(...) ts_do_not_call_write(__VA_ARGS__)
#define send(...) ts_do_not_call_send(__VA_ARGS__)
#define connect(...) ts_do_not_call_connect(__VA_ARGS__)
#define select(...) ts_do_not_call_select(__VA_ARGS__)
#define epoll_wait(...) ts_do_not_call_epoll_wait(__VA_ARGS__)
#define sleep(...) ts_do_not_call_sleep(__VA_ARGS__)
#define usleep(...) ts_do_not_call_usleep(__VA_ARGS__)
#define pause(...) ts_do_not_call_pause(__VA_ARGS__)
#define sigsuspend(...) ts_do_not_call_sigsuspend(__VA_ARGS__)
#define sigwait(...) ts_do_not_call_sigwait(__VA_ARGS__)
#define sigwaitinfo(...) ts_do_not_call_sigwaitinfo(__VA_ARGS__)
#define sigtimedwait(...) ts_do_not_call_sigtimedwait(__VA_ARGS__)
#define waitpid(...) ts_do_not_call_waitpid(__VA_ARGS__)
#define wait(...) ts_do_not_call_wait(__VA_ARGS__)
#define fcntl(...) ts_do_not_call_fcntl(__VA_ARGS__)
#define flock(...) ts_do_not_call_flock(__VA_ARGS__)
#define open(...) ts_do_not_call_open(__VA_ARGS__)
#define openat(...) ts_do_not_call_openat(__VA_ARGS__)
#endif

#endif
