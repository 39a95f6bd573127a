/* The target side of a stop: the cancel signal's handler, the slow path of an interposed
 * call whose token is set, and the forced exit.
 *
 * The handler runs in the target thread.  A signal of the shim's number that the shim
 * did not send goes to the program's virtual disposition (sigvirt.c).  For its own:
 *  - the PC lies in a cancellation window (ts_syscall_cp's, or one inlined in a wrapper:
 *    block.c): move it to the cancel exit, so the
 *    call never (re-)enters the kernel; -EINTR or -ECANCELED with a stop pending then
 *    means cancelled (the fast path, cancel.h);
 *  - the thread is not in an interposed call but blocked in a system call of glibc's own
 *    (stdio's read): the kernel rewound the PC onto the system call instruction to
 *    restart it (SA_RESTART).  For an allowlisted call (foreign.c), which by definition
 *    of a restart has made no progress, skip the instruction and return ECANCELED;
 *  - a semaphore wait (kind WAIT): glibc's futex wait being restarted returns EINTR, the
 *    one error glibc's futex callers expect; the wrapper turns it into ECANCELED. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/futex.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include "cancel.h"
#include "force.h"
#include "foreign.h"
#include "log.h"
#include "registry.h"
#include "send.h"
#include "server.h"
#include "sigvirt.h"
#include "window.h"

/* Cleanup handlers and destructors may make interposed calls: they must fail, not block
 * and not exit a second time.  A thread forced out of a condition wait holds its mutex
 * (glibc re-acquires it): the program's cleanup handlers, if it pushed any, expect it
 * held, as after a POSIX cancellation; a program that pushed none was not written for
 * cancellation and would be left with a mutex no one can unlock, so it is unlocked. */
void ts_exit_forced(struct ts_thread *t, pthread_mutex_t *held)
{
	int cleanups = 0;
	__atomic_fetch_or(&t->stop, TS_STOP, __ATOMIC_RELAXED);
	__atomic_fetch_and(&t->stop, ~TS_FORCE, __ATOMIC_RELAXED);
	if (ts_force_check(t->chain_base, &cleanups)) {
		/* The unwind would be caught (glibc aborts the process): a plain stop instead. */
		__atomic_store_n(&t->force_refused, 1, __ATOMIC_RELAXED);
		ts_debug("threadstop: tid %d: not forced: a catch (...), an exception specification or a "
			 "noexcept frame would catch the unwind; stopped instead\n", (int)t->tid);
		return;
	}
	ts_debug("threadstop: tid %d forced out%s%s\n", (int)t->tid, held ? (cleanups ? ", its mutex held for its cleanup handlers" : ", its mutex unlocked") : "", "");
	if (held && !cleanups)
		pthread_mutex_unlock(held);
	__atomic_store_n(&t->call, TS_C_none, __ATOMIC_RELAXED);
	__atomic_store_n(&t->exiting, 1, __ATOMIC_RELEASE);
	pthread_exit(PTHREAD_CANCELED);
}

void ts_stop_clear(struct ts_thread *t, int lapsed)
{
	unsigned gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	if (lapsed)
		__atomic_store_n(&t->lapsed, 1, __ATOMIC_RELAXED);
	__atomic_fetch_and(&t->stop, ~TS_STOP, __ATOMIC_SEQ_CST);
	/* A new stop marked since we looked (the stopper bumps gen before it marks) stays. */
	if (__atomic_load_n(&t->gen, __ATOMIC_SEQ_CST) != gen)
		__atomic_fetch_or(&t->stop, TS_STOP, __ATOMIC_SEQ_CST);
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
	if (s & TS_FORCE) {
		/* Never pthread_exit a thread with a Python thread state: it unwinds with
		 * threadstop.Forced instead (python.c). */
		if (ts_py_thread())
			return TS_CANCEL;
		ts_exit_forced(t, 0);
		s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	}
	return s & TS_STOP ? TS_CANCEL : TS_GO;
}

/* A read of this fd cannot block for ever: a regular file or a block device, except
 * where the file system makes reads wait (procfs: /proc/kmsg; FUSE: its daemon). */
int ts_never_blocks(long fd)
{
	struct stat st;
	struct statfs sf;
	if (fd < 0 || ts_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return 0;
	if (ts_sys(SYS_fstatfs, fd, (long)&sf, 0, 0, 0, 0))
		return 0;
	return sf.f_type != PROC_SUPER_MAGIC && sf.f_type != FUSE_SUPER_MAGIC;
}

/* The stop refuses call `id` (on `arg`): count it, unless the thread is retrying, which
 * ignores the stop.  The stop lapses when the thread enters a call it refused twice
 * already (the same call on the same fd or timeout: the blocked call, then its first
 * retry, as "the next call fails too" promises), or any call after TS_REFUSE_MAX refused
 * ones: the token is cleared and the call blocks as without a stop.  So a thread that
 * retries for ever costs two, at most eight, failed calls, never a spin.  Returns 1 to
 * refuse, 0 to go in. */
_Static_assert(TS_C_count <= 256, "a call id fits ts_thread.refusal_call");

static int refuse(struct ts_thread *t, int id, long arg, int entering)
{
	unsigned gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	int i, n;
	if (t->gen_seen != gen) {
		t->nrefusals = 0;
		__atomic_store_n(&t->refused, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->lapsed, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->gen_seen, gen, __ATOMIC_RELEASE);
	}
	n = t->nrefusals;
	for (i = 0; i < n; i++)
		if (t->refusal_call[i] == id && t->refusal_arg[i] == arg)
			break;
	if (entering) {
		if ((i < n && t->refusal_n[i] >= TS_REFUSE_SAME) || t->refused >= TS_REFUSE_MAX) {
			ts_debug("threadstop: tid %d ignored its stop (%d refused calls, retried %s): it lapses\n",
				 (int)t->tid, t->refused, ts_call_name[id]);
			ts_stop_clear(t, 1);
			return 0;
		}
	}
	if (i < n) {
		t->refusal_n[i] += t->refusal_n[i] < 255; /* (2 lapses it: no need to count on) */
	} else if (n < TS_REFUSE_MAX) {
		t->refusal_call[n] = (unsigned char)id;
		t->refusal_arg[n] = arg;
		t->refusal_n[n] = 1;
		t->nrefusals = (char)(n + 1);
	}
	__atomic_store_n(&t->refused, t->refused + 1, __ATOMIC_RELAXED);
	return 1;
}

int ts_slow_call(struct ts_thread *t, int id, long arg, int entering)
{
	int r = ts_slow(t);
	if (r != TS_CANCEL)
		return r;
	if (entering && ts_call_policy[id] == TS_P_IO && ts_never_blocks(arg))
		return TS_PASS;
	if (refuse(t, id, arg, entering))
		return TS_CANCEL;
	/* lapsed; a forced stop may have come meanwhile */
	return ts_slow(t);
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
	uintptr_t pc = ts_arch_pc(uc), to;
	struct ts_thread *t = &ts_tls;
	int s, call, e = errno;

	if (si->si_code == SI_TIMER && si->si_value.sival_int == ts_timer_cookie()) {
		ts_control_lazy(1); /* a fork child's start timer */
		errno = e;
		return;
	}
	if (!ts_signal_is_ours(si)) {
		/* The program's handler ran without SA_RESTART: an interposed call the kernel
		 * was restarting fails with EINTR instead, as it would without the shim (ours
		 * is installed with SA_RESTART for the window's sake).  Only a call the kernel
		 * entered and rewound: one the signal met before it was entered goes in. */
		if (ts_sigvirt_deliver(sig, si, ctx) && ts_cp_window_at_syscall(ts_arch_pc(uc)) &&
		    ts_arch_restarting(uc))
			ts_arch_skip_syscall(uc, -EINTR);
		errno = e;
		return;
	}
	s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	if (!(s & (TS_STOP_BITS | TS_PCANCEL)) || (s & (TS_NEW | TS_DEAD)))
		return;
	if ((to = ts_cp_window_cancel(pc))) {
		ts_arch_set_pc(uc, to);
		return;
	}
	if ((s & TS_PCANCEL) && (to = ts_cp_window_at_end(pc)) && __atomic_load_n(&t->call, __ATOMIC_RELAXED) != TS_C_none) {
		/* The program's pthread_cancel met the call just as it completed (an EOF that
		 * came with the cancel): glibc acts on a cancel that arrives during its
		 * cancellable call, even one completing, so the result goes, as it would.  Not
		 * when the thread disabled cancellation: then the result stands. */
		int old = PTHREAD_CANCEL_DISABLE;
		if (REAL(pthread_setcancelstate)(PTHREAD_CANCEL_DISABLE, &old) == 0)
			REAL(pthread_setcancelstate)(old, 0);
		if (old == PTHREAD_CANCEL_ENABLE)
			ts_arch_set_pc(uc, to);
		errno = e;
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
#ifdef __SANITIZE_THREAD__
	{
		/* ThreadSanitizer's sigaction defers a handler to its next interceptor, where the
		 * interrupted PC is long gone: install ours with libc's own (SANITIZE=thread). */
		void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
		int (*libc_sigaction)(int, const struct sigaction *, struct sigaction *) =
			libc ? (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(libc, "sigaction") : 0;
		if (libc_sigaction) {
			libc_sigaction(ts_signal, &sa, 0);
			return;
		}
	}
#endif
	REAL(sigaction)(ts_signal, &sa, 0);
}
