/* The cancel signal: choosing it, sending it, and its handler.
 *
 * The shim sends it with rt_tgsigqueueinfo carrying a per-process cookie, so the handler
 * knows its own signals from the same number sent by the program or by anyone else;
 * those go to the disposition the program set through the interposed sigaction (see
 * wrap_signal.c), as if the shim were not there.
 *
 * For its own signal the handler does one of two things, in the target thread:
 *  - the PC lies in ts_syscall_cp's window: move it to the cancel exit (cancel.c, design);
 *  - the thread is not in an interposed call but blocked in a system call of glibc's own
 *    (stdio's read, a semaphore's futex): the kernel rewound the PC onto the `syscall`
 *    instruction to restart it (SA_RESTART; arch/ARCH/arch.h knows the instruction).  For an allowlisted call that has made no
 *    progress by definition of a restart, skip the instruction and return ECANCELED
 *    (EINTR for a futex wait, the only error glibc's futex callers expect). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "ts.h"

int ts_signal;
static int cookie;
static pid_t pid; /* ours, refreshed in a fork child: a stop of 1,000 threads sends 1,000 signals */

static void refresh_pid(void)
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

void ts_send(const struct ts_thread *t)
{
	ts_send_tid(t->tid);
}

void ts_send_tid(pid_t tid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = ts_signal;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = 0; /* not looked at: the cookie and the pid are */
	si.si_value.sival_int = cookie;
	ts_sys(SYS_rt_tgsigqueueinfo, si.si_pid, tid, ts_signal, (long)&si, 0, 0);
}

/* System calls a stop may end when the thread is blocked in one outside our wrappers:
 * waits for I/O, children, locks and messages, which report ECANCELED like ours.  The
 * names are what `list` shows, as libc:NAME. */
#define FOREIGN(X) \
	X(read) X(readv) X(pread64) X(preadv) X(preadv2) X(write) X(writev) X(pwrite64) X(pwritev) \
	X(pwritev2) X(recvfrom) X(recvmsg) X(recvmmsg) X(sendto) X(sendmsg) X(sendmmsg) X(accept) \
	X(accept4) X(connect) X(wait4) X(waitid) X(flock) X(open) X(openat) X(msgrcv) X(msgsnd) \
	X(mq_timedreceive) X(mq_timedsend) X(fcntl)

const char *ts_foreign_name(long nr)
{
	switch (nr) {
#define NAME(n) case SYS_##n: return "libc:" #n;
	FOREIGN(NAME)
#undef NAME
	}
	return 0;
}

int ts_foreign_stoppable(long nr, long arg2)
{
	if (nr == SYS_fcntl) /* only the waits for a lock: the command is the 2nd argument */
		return arg2 == F_SETLKW || arg2 == F_OFD_SETLKW;
	return ts_foreign_name(nr) != 0;
}

static int futex_wait_op(long op)
{
	op &= ~(long)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	return op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET;
}

static int is_ours(const siginfo_t *si)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == cookie && si->si_pid == pid;
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uintptr_t pc = ts_arch_pc(uc);
	struct ts_thread *t = &ts_tls;
	int s, call, e = errno;

	if (!is_ours(si)) {
		ts_deliver_foreign(sig, si, ctx);
		errno = e;
		return;
	}
	s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	if (!(s & (TS_STOPPED | TS_PCANCEL)) || (s & (TS_NEW | TS_DEAD)))
		return;
	if (pc >= (uintptr_t)ts_cp_begin && pc < (uintptr_t)ts_cp_end) {
		ts_arch_set_pc(uc, (uintptr_t)ts_cp_cancel);
		return;
	}
	if (!(s & TS_STOPPED) || !ts_arch_on_syscall(pc))
		return;
	call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	if (call == TS_C_none && ts_foreign_stoppable(ts_arch_sysnr(uc), ts_arch_sysarg(uc, 1))) {
		ts_arch_skip_syscall(uc, -ECANCELED);
	} else if (call != TS_C_none && ts_call_kind[call] == TS_K_WAIT && ts_arch_sysnr(uc) == SYS_futex &&
		   futex_wait_op(ts_arch_sysarg(uc, 1)) && ((s & TS_FORCE) || !t->cond_immune)) {
		/* (an immune wait is left alone: a signal still queued from an earlier kick may
		 * arrive in a wait begun after the stop) */
		ts_arch_skip_syscall(uc, -EINTR);
	}
}

void ts_signal_init(void)
{
	struct sigaction sa;
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	ts_signal = pick_signal();
	refresh_pid();
	pthread_atfork(0, 0, refresh_pid);
	if (rnd)
		memcpy(&cookie, rnd + 8, sizeof cookie);
	cookie ^= (int)pid | 1;
	ts_virtual_signal_init();
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	REAL(sigaction)(ts_signal, &sa, 0);
}
