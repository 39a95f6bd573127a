/* The shim's own mutex: an int and a futex, whatever glibc believes.  glibc 2.34+ takes
 * a pthread mutex with a plain store while it thinks the process single-threaded, and
 * the listener (control/listener.c) is a thread glibc does not count: a pthread mutex
 * shared with it would exclude nothing.  0 free, 1 locked, 2 locked with waiters. */
#ifndef TS_LOCK_H
#define TS_LOCK_H

#include <linux/futex.h>
#include <sys/syscall.h>
#include "ts.h"

typedef int ts_lock_t;
#define TS_LOCK_INIT 0

static inline void ts_lock(ts_lock_t *l)
{
	int c = 0;
	if (likely(__atomic_compare_exchange_n(l, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		return;
	if (c != 2)
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		ts_sys(SYS_futex, (long)l, FUTEX_WAIT_PRIVATE, 2, 0, 0, 0);
		c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
	}
}

static inline void ts_unlock(ts_lock_t *l)
{
	if (unlikely(__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2))
		ts_sys(SYS_futex, (long)l, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

#endif
