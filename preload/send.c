/* The cancel signal: choosing its number, and sending it.
 *
 * The shim sends it with rt_tgsigqueueinfo carrying a per-process cookie (from
 * AT_RANDOM), so the handler (cancel.c) knows its own signals from the same number sent
 * by the program or by anyone else; those go to the disposition the program set
 * (sigvirt.c), as if the shim were not there. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include "log.h"
#include "send.h"

int ts_signal;
static int cookie;
static pid_t pid; /* ours, refreshed in a fork child: a stop of 1,000 threads sends 1,000 signals */

void ts_signal_fork_child(void)
{
	pid = (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static int pick_signal(void)
{
	const char *e = getenv("THREADSTOP_SIGNAL");
	char *end;
	long n;
	if (!e || !*e)
		return SIGRTMAX - 3;
	n = strtol(e, &end, 10);
	if (*end || n < SIGRTMIN || n > SIGRTMAX) {
		ts_log("threadstop: THREADSTOP_SIGNAL=%s is not a real-time signal number (%d..%d); using %d\n",
		       e, SIGRTMIN, SIGRTMAX, SIGRTMAX - 3);
		return SIGRTMAX - 3;
	}
	return (int)n;
}

void ts_signal_init(void)
{
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	ts_signal = pick_signal();
	ts_signal_fork_child();
	if (rnd)
		memcpy(&cookie, rnd + 8, sizeof cookie);
	cookie ^= (int)pid | 1;
}

int ts_send(const struct ts_thread *t)
{
	return ts_send_tid(t->tid);
}

/* 0, or the kernel's -errno: a seccomp filter may refuse rt_tgsigqueueinfo (stop.c then
 * reports the stop as not delivered). */
int ts_send_tid(pid_t tid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = ts_signal;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = 0; /* not looked at: the cookie and the pid are */
	si.si_value.sival_int = cookie;
	return (int)ts_sys(SYS_rt_tgsigqueueinfo, si.si_pid, tid, ts_signal, (long)&si, 0, 0);
}

/* The value of a fork child's start timer (control/listener.c): never the cookie, so
 * that the two kinds of our signal are never taken for each other. */
int ts_timer_cookie(void)
{
	return ~cookie;
}

int ts_signal_is_ours(const siginfo_t *si)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == cookie && si->si_pid == pid;
}
