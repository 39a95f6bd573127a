/* What a thread's state and call mean for a stop from outside: the state `list` shows,
 * and why `stop --ptrace` leaves a thread alone. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "procfs.h"

static int is_call(long nr, const char *name) { return nr >= 0 && !strcmp(ts_sys_name(nr), name); }

/* restart_syscall continues a sleep, a poll or a timed futex wait after a signal or a
 * stop; only wchan tells which. */
static int restart_is_futex(const struct ts_pthread *t) { return strstr(t->wchan, "futex") != 0; }
static int restart_is_sleep(const struct ts_pthread *t)
{
	return strstr(t->wchan, "nanosleep") || strstr(t->wchan, "poll");
}

const char *ts_proc_refusal(const struct ts_pthread *t, char *buf, size_t sz)
{
	const char *name = ts_sys_name(t->nr);
	if (t->tracer) {
		snprintf(buf, sz, "traced by pid %d (a debugger or strace): a thread has one tracer at a time; detach it first",
			 (int)t->tracer);
		return buf;
	}
	if (t->kthread)
		return "a kernel thread";
	switch (t->state) {
	case 'Z':
	case 'X':
		return "it has exited";
	case 'T':
		return "stopped by a signal (state T): continue it first (kill -CONT)";
	case 't':
		return "stopped by its tracer";
	case 'R':
		return "running, not blocked in a system call: there is no call to end";
	}
	if (t->nr == TS_NR_RUNNING)
		return "not in a system call: there is no call to end";
	if (t->nr == TS_NR_UNKNOWN) {
		snprintf(buf, sz, "its system call cannot be read from /proc (%s)", strerror(t->nr_errno));
		return buf;
	}
	if (t->state == 'D') {
		snprintf(buf, sz, "in an uninterruptible sleep (state D) in %s: neither a signal nor ptrace interrupts it",
			 name);
		return buf;
	}
	if (t->state != 'S') {
		snprintf(buf, sz, "in state %c, not asleep in a system call", t->state);
		return buf;
	}
	if (ts_sys_policy(t->nr) == TS_SYS_FUTEX || (is_call(t->nr, "restart_syscall") && restart_is_futex(t)))
		return "in a futex wait (a mutex, condition variable, semaphore or join): glibc aborts when such a wait "
		       "fails, so only the shim ('threadstop run') can stop it";
	if (is_call(t->nr, "restart_syscall") && !restart_is_sleep(t)) {
		char w[256];
		snprintf(buf, sz, "restarting a call after a signal (restart_syscall, in %s): which call cannot be told, "
			 "so it is left alone", esc(t->wchan[0] ? t->wchan : "?", w, sizeof w));
		return buf;
	}
	/* fcntl waits only to take a lock (F_SETLKW, F_OFD_SETLKW) */
	if (ts_sys_policy(t->nr) == TS_SYS_OTHER || (is_call(t->nr, "fcntl") && t->args[1] != 7 && t->args[1] != 38)) {
		snprintf(buf, sz, "in %s, not a wait threadstop ends (see 'threadstop --help')", name);
		return buf;
	}
	return 0;
}

const char *ts_proc_state(const struct ts_pthread *t)
{
	char buf[256];
	switch (t->state) {
	case 'R':
		return "running";
	case 'S':
		if (t->nr == TS_NR_UNKNOWN || t->nr == TS_NR_RUNNING)
			return "sleeping";
		return ts_proc_refusal(t, buf, sizeof buf) ? "waiting" : "blocked";
	case 'D':
		return "disk-wait";
	case 'T':
		return "job-stopped";
	case 't':
		return "traced";
	case 'Z':
	case 'X':
		return "zombie";
	case 'I':
		return "idle";
	}
	return "sleeping";
}
