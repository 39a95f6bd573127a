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
 * with errno ESRCH (no such thread of this process runs with the shim) or EINVAL (bad
 * flags). */
int thread_stop_tid(pid_t tid, unsigned flags);

/* Nonzero when the calling thread has a stop pending. */
int thread_stop_pending(void);

/* Clear the calling thread's stop: its next interposed calls block again as usual. */
void thread_stop_clear(void);

#ifdef __cplusplus
}
#endif

#endif
