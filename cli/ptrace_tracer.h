/* `stop --ptrace` (x86_64): the child process that traces one thread, ends its call if
 * it is still blocked in it, and detaches (ptrace_tracer.c). */
#ifndef TS_PTRACE_TRACER_H
#define TS_PTRACE_TRACER_H

#include <sys/types.h>

/* How long a seized thread may take to stop: it is asleep in an interruptible wait, so it
 * stops at once; this only bounds a thread that went into an uninterruptible sleep. */
#define STOP_LIMIT_S 10

enum ts_ptrace_outcome { O_NONE, O_STOPPED, O_COMPLETED, O_RUNNING, O_MOVED, O_EXITED, O_SEIZE, O_PTRACE };

struct ts_ptrace_rec {
	int outcome;
	int err;               /* O_SEIZE, O_PTRACE: errno */
	long nr, rax;          /* orig_rax and rax at the stop */
	unsigned long switches; /* the thread's context switches while it was stopped */
};

/* Run the tracer for one thread (blocked in call nr) and collect what it did into *r;
 * *died_sig when it died first.  0, or -errno when no tracer could be started. */
int ts_ptrace_one(pid_t pid, pid_t tid, long nr, struct ts_ptrace_rec *r, int *died_sig);

#endif
