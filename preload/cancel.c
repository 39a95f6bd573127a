/* The target side of a stop: the cancel signal's handler, the slow path of an interposed
 * call whose token is set, and the forced exit.
 *
 * The handler runs in the target thread.  A signal of the shim's number that the shim
 * did not send goes to the program's virtual disposition (sigvirt.c).  For its own:
 *  - the PC lies in ts_syscall_cp's window (arch/): move it to the cancel exit, so the
 *    call never (re-)enters the kernel; -EINTR or -ECANCELED with a stop pending then
 *    means cancelled (the fast path, cancel.h);
 *  - the thread is not in an interposed call but blocked in a system call of glibc's own
 *    (stdio's read): the kernel rewound the PC onto the system call instruction to
 *    restart it (SA_RESTART).  For an allowlisted call (foreign.c), which by definition
 *    of a restart has made no progress, skip the instruction and return ECANCELED;
 *  - a semaphore wait (kind WAIT): glibc's futex wait being restarted returns EINTR, the
 *    one error glibc's futex callers expect; the wrapper turns it into ECANCELED. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "foreign.h"
#include "registry.h"
#include "send.h"
#include "server.h"
#include "sigvirt.h"

/* Cleanup handlers and destructors may make interposed calls: they must fail, not block
 * and not exit a second time. */
void ts_exit_forced(struct ts_thread *t)
{
	__atomic_fetch_or(&t->stop, TS_STOP, __ATOMIC_RELAXED);
	__atomic_fetch_and(&t->stop, ~TS_FORCE, __ATOMIC_RELAXED);
	t->call = TS_C_none;
	pthread_exit(PTHREAD_CANCELED);
}

/* An interposed call found its token nonzero. */
int ts_slow(struct ts_thread *t)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	if (s & (TS_LAZY | TS_NEW)) { /* a fork child's first call, or a new thread's: its listener */
		ts_control_lazy(0);
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	if (s & TS_NEW) {
		ts_register(t);
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	if (s & (TS_NEW | TS_DEAD))
		return TS_PASS;
	if (s & TS_PCANCEL) {
		/* The program cancelled this thread (pthread_cancel): act as glibc's own
		 * wrapper would at this cancellation point. */
		__atomic_fetch_and(&t->stop, ~TS_PCANCEL, __ATOMIC_RELAXED);
		pthread_testcancel();
		/* Still here: cancellation is disabled.  It acts once re-enabled. */
		t->pcancel_held = 1;
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	if (s & TS_FORCE)
		ts_exit_forced(t);
	return s & TS_STOP ? TS_CANCEL : TS_GO;
}

/* The waiter's side of the stopper's broadcast (stop.c): leave the slot; if a stopper is
 * broadcasting our condition right now, wait until it is done, since the caller may
 * destroy the condition as soon as we return. */
void ts_cond_leave(struct ts_thread *t)
{
	if (likely(__atomic_exchange_n(&t->cond, 0, __ATOMIC_ACQ_REL) != TS_COND_BUSY))
		return;
	while (!__atomic_load_n(&t->cond_done, __ATOMIC_ACQUIRE))
		ts_sys(SYS_futex, (long)&t->cond_done, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	t->cond_done = 0;
}

static int futex_wait_op(long op)
{
	op &= ~(long)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	return op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET;
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uintptr_t pc = ts_arch_pc(uc);
	struct ts_thread *t = &ts_tls;
	int s, call, e = errno;

	if (si->si_code == SI_TIMER && si->si_value.sival_int == ts_timer_cookie()) {
		ts_control_lazy(1); /* a fork child's start timer */
		errno = e;
		return;
	}
	if (!ts_signal_is_ours(si)) {
		ts_sigvirt_deliver(sig, si, ctx);
		errno = e;
		return;
	}
	s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	if (!(s & (TS_STOP_BITS | TS_PCANCEL)) || (s & (TS_NEW | TS_DEAD)))
		return;
	if (pc >= (uintptr_t)ts_cp_begin && pc < (uintptr_t)ts_cp_end) {
		ts_arch_set_pc(uc, (uintptr_t)ts_cp_cancel);
		return;
	}
	if (!(s & TS_STOP_BITS) || !ts_arch_at_syscall(pc))
		return;
	call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
	if (call == TS_C_none && ts_foreign_stoppable(ts_arch_syscall_nr(uc), ts_arch_syscall_arg(uc, 2))) {
		ts_arch_skip_syscall(uc, -ECANCELED);
	} else if (call != TS_C_none && ts_call_kind[call] == TS_K_WAIT && ts_arch_syscall_nr(uc) == SYS_futex &&
		   futex_wait_op(ts_arch_syscall_arg(uc, 2)) && ((s & TS_FORCE) || !t->immune)) {
		/* (an immune wait is left alone: a signal still queued from an earlier kick may
		 * arrive in a wait begun after the stop) */
		ts_arch_skip_syscall(uc, -EINTR);
	}
}

/* After ts_signal_init() chose the number and ts_sigvirt_init() took over what the
 * program had installed for it. */
void ts_cancel_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	REAL(sigaction)(ts_signal, &sa, 0);
}
