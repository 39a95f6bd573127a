/* Interposed sleeps.  Each does what glibc 2.36 does around the syscall
 * (clock_nanosleep's clock checks, sleep's seconds left) and records its timeout in ms for
 * `list` (-1: none, -2: an absolute deadline). */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/syscall.h>
#include <unistd.h>
#include "cancel.h"

TS_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	long r;
	if (clock == CLOCK_THREAD_CPUTIME_ID)
		return EINVAL;
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		clock = (clockid_t)((~0u << 3) | 2); /* the kernel's id for this process's CPU clock */
	r = ts_block(TS_C_clock_nanosleep, flags & TIMER_ABSTIME ? -2 : ts_ms(req), SYS_clock_nanosleep,
		     clock, flags, (long)req, (long)rem, 0, 0);
	return r < 0 ? (int)-r : 0;
}

TS_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)ts_ret(ts_block(TS_C_nanosleep, ts_ms(req), SYS_clock_nanosleep, CLOCK_REALTIME, 0, (long)req, (long)rem, 0, 0));
}

/* sleep: glibc's loop over nanosleep, which it calls internally where no wrapper sees it.
 * Interrupted (or stopped), it returns the whole seconds not slept and leaves errno as
 * the interruption set it: EINTR, or ECANCELED for a stop.  It cannot return -1. */
TS_EXPORT unsigned int sleep(unsigned int seconds)
{
	int saved = errno;
	struct timespec ts = { seconds, 0 };
	long r = ts_block(TS_C_sleep, (long)seconds * 1000, SYS_clock_nanosleep, CLOCK_REALTIME, 0, (long)&ts, (long)&ts, 0, 0);
	if (r < 0) {
		errno = (int)-r;
		return (unsigned int)ts.tv_sec;
	}
	errno = saved;
	return 0;
}

TS_EXPORT int usleep(useconds_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
	return (int)ts_ret(ts_block(TS_C_usleep, us / 1000, SYS_clock_nanosleep, CLOCK_REALTIME, 0, (long)&ts, 0, 0, 0));
}

/* glibc's exported internal name. */
TS_EXPORT int __nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)ts_ret(ts_block(TS_C___nanosleep, ts_ms(req), SYS_clock_nanosleep, CLOCK_REALTIME, 0, (long)req, (long)rem, 0, 0));
}
