/* threadstop: stop a thread blocked in a system call, from inside or outside its process.
 *
 * The in-process calls work in any program into which libthreadstop.so is loaded
 * (LD_PRELOAD, `threadstop run`, or linked).  See README.md and doc/ for the semantics. */
#ifndef THREADSTOP_H
#define THREADSTOP_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of thread_stop_tid() and thread_stop(). */
#define THREAD_STOP_FORCE 1u /* the thread exits (pthread_exit) at its next interposed call */

/* Stop thread `tid` of the calling process.  Its interposed blocking call returns -1 with
 * errno ECANCELED (or the call returns ECANCELED where it returns an error number), and
 * so does every later one until the thread calls thread_stop_clear().  Returns 0, or -1
 * with errno ESRCH (no such thread of this process runs with the shim), EINVAL (bad
 * flags) or EPERM: the stop was not delivered, because the signal that wakes a blocked
 * thread was refused (a seccomp filter); the thread stays blocked, and its next
 * interposed call sees the stop. */
int thread_stop_tid(pid_t tid, unsigned flags);

/* Stop the threads of process `pid` that `selector` matches, through its control socket
 * (the process must run with the shim: `threadstop run`, or LD_PRELOAD).  `selector` is
 * one selector, as for `threadstop stop`: a thread id, an exact thread name, a glob
 * (`worker-*`), `name:GLOB`, `call:GLOB` (threads blocked in a matching call) or `all`.
 * The stop is the same as thread_stop_tid()'s in that process.  pid may be getpid().
 * Returns the number of threads stopped (at least 1; threads whose stop could not be
 * delivered are not counted), or -1 with errno:
 *   ESRCH         no such process (or it has exited and is a zombie), or no thread of it
 *                 matches the selector
 *   ENOENT        no control socket answers as that process (it does not run with the
 *                 shim, has no listener, or is in another network namespace)
 *   EACCES        the process belongs to another user (only root may cross), or it
 *                 refused the connection
 *   EPERM         threads matched, but the process could not interrupt any of their
 *                 calls (its signal was refused, e.g. by a seccomp filter); their stops
 *                 stay marked
 *   EINVAL        bad selector or flags
 *   EAGAIN        too many clients connected to that process; try again
 *   ETIMEDOUT     no complete reply within 10 seconds (one deadline for the exchange)
 *   EPROTO        the socket is not that process's threadstop control socket, or its
 *                 reply was malformed, cut short, or over the client's limits
 * The calling thread makes only raw, non-cancellable syscalls here: a stop aimed at it
 * takes effect at its next interposed call. */
int thread_stop(pid_t pid, const char *selector, unsigned flags);

/* What thread_stop_grace() did. */
#define THREAD_STOP_LEFT 0   /* the plain stop did: the thread exited or left its call */
#define THREAD_STOP_FORCED 1 /* the thread ignored the stop, or was still in its call (or
			      * blocked again) when the grace was up: it was force-stopped */

/* A plain stop of thread `tid` of this process, escalated to a forced one when the
 * thread has neither exited nor left its blocking call after grace_ms milliseconds, or
 * as soon as it ignores the stop (it retried a call the stop failed twice).  Waits for that
 * (polling every millisecond, in raw system calls), up to grace_ms.  Returns
 * THREAD_STOP_LEFT or THREAD_STOP_FORCED, or -1 with errno ESRCH (no such thread
 * registered with the shim) or EINVAL (tid is the calling thread). */
int thread_stop_grace(pid_t tid, unsigned grace_ms);

/* Nonzero when the calling thread has a stop pending. */
int thread_stop_pending(void);

/* Clear the calling thread's stop: its next interposed calls block again as usual (and in
 * a Python thread that was forced, threadstop.Forced is not raised again). */
void thread_stop_clear(void);

#ifdef __cplusplus
}
#endif

#endif
