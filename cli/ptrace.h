/* `threadstop stop --ptrace`: end the blocked system call of selected threads of a
 * process that runs without the shim, from outside, with ptrace. */
#ifndef TS_PTRACE_H
#define TS_PTRACE_H

#include <sys/types.h>

/* Stop the threads of pid that match any of sels; with wait, watch them for up to limit
 * seconds.  Prints what happened; returns the exit status (0 done, 1 nothing stopped,
 * 2 usage, 3 cannot reach or trace the process). */
int ts_ptrace_stop(pid_t pid, const char *const *sels, int nsel, int wait, double limit);

/* For `stop` without --ptrace: if pid runs without the shim, say that --ptrace can do it
 * and return 3; otherwise return 0 (go on with the control socket).  deadline as for
 * ts_proc_without_shim(). */
int ts_ptrace_hint(pid_t pid, double deadline);

#endif
