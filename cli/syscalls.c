/* The system calls a thread without the shim can sleep in (syscalls_ARCH.def): their
 * names, whether `stop --ptrace` may end them, and the call and argument `list` shows,
 * a timeout read from the process's memory. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include "procfs.h"

enum sys_arg { A_NONE, A_FD, A_MS, A_TS, A_TV, A_ABS, A_CLOCK, A_FUTEX, A_PID, A_IDTYPE, A_RESTART };

struct sys_ent {
	const char *name;
	unsigned char policy, arg, argi;
};

#define STOP TS_SYS_STOP
#define FUTEX TS_SYS_FUTEX
#define OTHER TS_SYS_OTHER
#define TS_SYS(nr, nm, pol, kind, idx) [nr] = { #nm, pol, A_##kind, idx },
static const struct sys_ent sys_table[] = {
#if defined(__x86_64__)
#include "syscalls_x86_64.def"
#elif defined(__aarch64__)
#include "syscalls_aarch64.def"
#else
#error "no system call table for this architecture (cli/syscalls_ARCH.def)"
#endif
};
#undef TS_SYS
#undef STOP
#undef FUTEX
#undef OTHER

#define NSYS ((long)(sizeof sys_table / sizeof sys_table[0]))

const char *ts_sys_name(long nr)
{
	static char buf[32];
	if (nr >= 0 && nr < NSYS && sys_table[nr].name)
		return sys_table[nr].name;
	snprintf(buf, sizeof buf, "syscall_%ld", nr);
	return buf;
}

enum ts_sys_policy ts_sys_policy(long nr)
{
	if (nr >= 0 && nr < NSYS && sys_table[nr].name)
		return (enum ts_sys_policy)sys_table[nr].policy;
	return TS_SYS_OTHER;
}

const char *ts_proc_call(const struct ts_pthread *t)
{
	if (t->nr == TS_NR_UNKNOWN)
		return "?";
	if (t->nr == TS_NR_RUNNING || t->state == 'R')
		return "-";
	return ts_sys_name(t->nr);
}

/* A struct timespec (or timeval, usec) at addr in pid, in ms; -1 if unreadable. */
static long long remote_ms(pid_t pid, unsigned long addr, int usec)
{
	long long v[2];
	struct iovec local = { v, sizeof v }, remote = { (void *)addr, sizeof v };
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof v || v[0] < 0 || v[1] < 0)
		return -1;
	return v[0] * 1000 + (usec ? v[1] / 1000 : v[1] / 1000000);
}

static void fmt_rel(char *out, size_t sz, pid_t pid, unsigned long addr, int usec)
{
	long long ms;
	if (!addr) {
		snprintf(out, sz, "timeout=none");
		return;
	}
	ms = remote_ms(pid, addr, usec);
	if (ms < 0)
		snprintf(out, sz, "timeout=?");
	else
		snprintf(out, sz, "timeout=%lld", ms);
}

void ts_proc_arg(pid_t pid, const struct ts_pthread *t, char *out, size_t sz)
{
	const struct sys_ent *e;
	unsigned long a;
	snprintf(out, sz, "-");
	if (t->nr < 0 || t->nr >= NSYS || t->state == 'R' || !sys_table[t->nr].name)
		return;
	e = &sys_table[t->nr];
	a = t->args[e->argi];
	switch (e->arg) {
	case A_FD:
		snprintf(out, sz, "fd=%d", (int)a);
		break;
	case A_MS:
		if ((int)a < 0)
			snprintf(out, sz, "timeout=none");
		else
			snprintf(out, sz, "timeout=%d", (int)a);
		break;
	case A_TS:
	case A_TV:
		fmt_rel(out, sz, pid, a, e->arg == A_TV);
		break;
	case A_ABS:
		snprintf(out, sz, a ? "deadline" : "timeout=none");
		break;
	case A_CLOCK: /* clock_nanosleep(clock, flags, req, rem) */
		if (t->args[1] & 1 /* TIMER_ABSTIME */)
			snprintf(out, sz, "deadline");
		else
			fmt_rel(out, sz, pid, a, 0);
		break;
	case A_FUTEX: { /* futex(uaddr, op, val, timeout, ...) */
		unsigned op = (unsigned)t->args[1] & 127;
		if (op == 0) /* FUTEX_WAIT: relative */
			fmt_rel(out, sz, pid, a, 0);
		else if (op == 9 || op == 11 || op == 6 || op == 13) /* WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI(2) */
			snprintf(out, sz, a ? "deadline" : "timeout=none");
		break;
	}
	case A_PID:
		if ((int)a == -1)
			snprintf(out, sz, "pid=any");
		else if ((int)a < -1)
			snprintf(out, sz, "pgid=%d", -(int)a);
		else if ((int)a == 0)
			snprintf(out, sz, "pgid=own");
		else
			snprintf(out, sz, "pid=%d", (int)a);
		break;
	case A_IDTYPE: /* waitid(idtype, id, ...) */
		if (a == 0)
			snprintf(out, sz, "pid=any");
		else if (a == 1)
			snprintf(out, sz, "pid=%d", (int)t->args[1]);
		else if (a == 2)
			snprintf(out, sz, t->args[1] ? "pgid=%d" : "pgid=own", (int)t->args[1]);
		else if (a == 3)
			snprintf(out, sz, "pidfd=%d", (int)t->args[1]);
		break;
	}
}
