/* Interposed poll and sleep calls.  Each does what glibc 2.36 does around the syscall
 * (ppoll's private copy of the timeout, clock_nanosleep's clock checks) and records its
 * timeout in ms for `list` (-1: none, -2: an absolute deadline). */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include <unistd.h>
#include "ts.h"

static inline long ms(const struct timespec *ts)
{
	return ts ? ts->tv_sec * 1000 + ts->tv_nsec / 1000000 : -1;
}

TS_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return (int)ts_ret(ts_block(TS_C_poll, timeout < 0 ? -1 : timeout, SYS_poll, (long)fds, (long)n, timeout, 0, 0, 0));
}

TS_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	/* The kernel writes the time left into its argument; glibc hides that. */
	struct timespec copy, *tp = 0;
	sigset_t mcopy;
	if (timeout) {
		copy = *timeout;
		tp = &copy;
	}
	mask = ts_unblock_ours(mask, &mcopy);
	return (int)ts_ret(ts_block(TS_C_ppoll, ms(timeout), SYS_ppoll, (long)fds, (long)n, (long)tp, (long)mask, _NSIG / 8, 0));
}

TS_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	long r;
	if (clock == CLOCK_THREAD_CPUTIME_ID)
		return EINVAL;
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		clock = (clockid_t)((~0u << 3) | 2); /* the kernel's id for this process's CPU clock */
	r = ts_block(TS_C_clock_nanosleep, flags & TIMER_ABSTIME ? -2 : ms(req), SYS_clock_nanosleep,
		     clock, flags, (long)req, (long)rem, 0, 0);
	return r < 0 ? (int)-r : 0;
}

TS_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)ts_ret(ts_block(TS_C_nanosleep, ms(req), SYS_clock_nanosleep, CLOCK_REALTIME, 0, (long)req, (long)rem, 0, 0));
}
