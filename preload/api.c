/* The exported in-process API of include/threadstop.h.  thread_stop() (another process,
 * or this one, through its control socket) is the control client's (control/client.c). */
#define _GNU_SOURCE
#include <string.h>
#include "client.h"
#include "threadstop.h"
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
	if (ok == TS_UNDELIVERED) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

TS_EXPORT int thread_stop_pending(void)
{
	return (__atomic_load_n(&ts_tls.stop, __ATOMIC_RELAXED) & TS_STOP_BITS) != 0;
}

TS_EXPORT void thread_stop_clear(void)
{
	__atomic_fetch_and(&ts_tls.stop, ~TS_STOP_BITS, __ATOMIC_RELAXED);
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
		e = tsc_open(&c, pid);
	if (!e)
		e = tsc_send(&c, line);
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
