/* What /proc tells about the threads of a process that runs without the shim: name,
 * state, the system call each sleeps in with its arguments, wchan, how long it has
 * slept; and `list` and `ps --all` built on it.  Each group below names its file. */
#ifndef TS_PROCFS_H
#define TS_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/** syscalls.c: the system calls of each arch (syscalls_ARCH.def) **/
enum ts_sys_policy { TS_SYS_STOP, TS_SYS_FUTEX, TS_SYS_OTHER };

/* The name of system call nr ("syscall_N" for an unknown one; static or in buf). */
const char *ts_sys_name(long nr);
enum ts_sys_policy ts_sys_policy(long nr);

/** procfs.c: a thread, read from /proc **/
#define TS_NR_RUNNING (-1L)     /* not in a system call */
#define TS_NR_UNKNOWN (-2L)     /* /proc/PID/task/TID/syscall could not be read */

struct ts_pthread {
	pid_t tid;
	char name[64];              /* comm, as the kernel has it: print it escaped */
	char state;                 /* the letter of /proc/.../stat: R S D T t Z X I ... */
	long nr;                    /* the system call it is in, or TS_NR_* */
	int nr_errno;               /* why nr is TS_NR_UNKNOWN */
	unsigned long args[6];
	char wchan[64];             /* "" when the kernel does not say */
	double slept;               /* seconds since it last ran (state S or D), or -1 */
	pid_t tracer;               /* TracerPid */
	unsigned long switches;     /* context switches so far */
	int kthread;                /* a kernel thread (PF_KTHREAD) */
};

/* Read a small /proc file into buf (NUL-terminated).  Its length, or -errno. */
ssize_t ts_proc_slurp(const char *path, char *buf, size_t sz);

/* Read one thread.  0, or -errno (ESRCH: gone). */
int ts_proc_thread(pid_t pid, pid_t tid, struct ts_pthread *t);
/* Read every thread of pid into *out (malloc'd).  The count, or -errno. */
int ts_proc_threads(pid_t pid, struct ts_pthread **out);

/** syscalls.c: its call and argument, as `list` shows them **/
/* The call ("-" when not in one, "?" when unreadable). */
const char *ts_proc_call(const struct ts_pthread *t);
/* Its argument: fd=N, timeout=MS, timeout=none, deadline, pid=N, or "-".  Timeouts
 * behind a pointer are read from the process's memory. */
void ts_proc_arg(pid_t pid, const struct ts_pthread *t, char *out, size_t sz);
/** procstate.c: what its state means for a stop from outside **/
/* running, blocked (a wait `stop --ptrace` ends), waiting (a wait it does not end),
 * sleeping (call unknown), disk-wait, job-stopped, traced, zombie, idle. */
const char *ts_proc_state(const struct ts_pthread *t);
/* Why `stop --ptrace` leaves this thread alone, or 0 if it can end its call. */
const char *ts_proc_refusal(const struct ts_pthread *t, char *buf, size_t sz);

/** noshim.c: does the process run with the shim **/
/* Is libthreadstop.so mapped into pid?  1, 0, or -1 when its maps cannot be read. */
int ts_proc_has_shim(pid_t pid);
/* Does pid run without the shim: its maps readable and without libthreadstop.so, not
 * about to load it (a `threadstop run` that has not exec'd yet, or the loader has not
 * mapped the LD_PRELOAD it was given), and nothing answering on a socket of its pid
 * (asked within deadline, CLOCK_MONOTONIC seconds)?  1 or 0. */
int ts_proc_without_shim(pid_t pid, double deadline);
/** traceable.c: what tracing the process needs **/
/* Is pid's program a 64-bit ELF (whose system calls cli/syscalls_x86_64.def names)?
 * 1, or 0 for a 32-bit one; 1 when its executable cannot be read. */
int ts_proc_is_64bit(pid_t pid);
/* The process's TracerPid (0: not traced), or -1. */
pid_t ts_proc_tracer(pid_t pid);
/* Why this process may not read or trace pid (after EPERM or EACCES): the sysctl, the
 * capability, the owner.  Writes a sentence into buf. */
void ts_proc_why_denied(pid_t pid, char *buf, size_t sz);

/** proclist.c: `list` and `ps --all` **/
/* `threadstop list PID [--json]` of a process without the shim.  An exit status. */
int ts_proc_list(pid_t pid, int json);
/* `threadstop ps --all [--json]`; a process with the shim is asked over its socket for at
 * most CLI_PS_EACH_S, within deadline (CLOCK_MONOTONIC seconds).  An exit status. */
int ts_proc_ps_all(int json, double deadline);

#endif
