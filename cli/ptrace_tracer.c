/* `threadstop stop --ptrace`: the outside twin of the shim's handler.  For each selected
 * thread blocked in a wait, a child process seizes that one thread, interrupts it, and,
 * if the thread stopped on its way out of the call it was blocked in with a restart code
 * (or EINTR) in rax, replaces it with -ECANCELED before detaching: the kernel decides to
 * restart a call after the stop (arch_do_signal_or_restart), from rax, so the call
 * returns ECANCELED instead.  Every other outcome detaches without a change.
 *
 * Why a child: a tracer's exit detaches its tracees (and clears a pending interrupt),
 * whatever killed it, so the child exits to detach from a thread that never stops; it
 * dies with the CLI (PR_SET_PDEATHSIG), so killing the CLI at any point, even with
 * SIGKILL, leaves the process detached and running.  ptrace.c decides which threads,
 * and says what happened. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "procfs.h"
#include "ptrace_tracer.h"

static int is_restart(long rax)
{
	/* -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK: the call
	 * made no progress and the kernel would restart it; -EINTR: a call the kernel does
	 * not restart after a stop (epoll_wait, semop, sigtimedwait) made none either. */
	return rax == -512 || rax == -513 || rax == -514 || rax == -516 || rax == -EINTR;
}

static void send_rec(int fd, const struct ts_ptrace_rec *r)
{
	ssize_t n;
	do
		n = write(fd, r, sizeof *r);
	while (n < 0 && errno == EINTR);
}

static double hold_s(void)
{
	/* A test hook: hold the thread stopped this long before changing it, so that a test
	 * can kill the CLI while it holds a thread. */
	const char *h = getenv("THREADSTOP_TEST_PTRACE_HOLD");
	return h ? atof(h) : 0;
}

/* The child: trace tid, end its call if it is still blocked in call nr, detach. */
static void tracer(pid_t parent, pid_t pid, pid_t tid, long nr, int fd) __attribute__((noreturn));
static void tracer(pid_t parent, pid_t pid, pid_t tid, long nr, int fd)
{
	struct user_regs_struct regs;
	struct ts_pthread t;
	struct ts_ptrace_rec r = { 0 };
	double hold = hold_s();
	int st, inject = 0;
	pid_t w;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	/* Never sit in a job-control stop while holding a thread stopped. */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	alarm(STOP_LIMIT_S + (unsigned)hold); /* SIGALRM kills us: the kernel detaches */

	/* Only this thread: the others of the process never notice. */
	if (ptrace(PTRACE_SEIZE, tid, 0, 0)) {
		r.outcome = O_SEIZE, r.err = errno;
		send_rec(fd, &r);
		_exit(0);
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
		r.outcome = errno == ESRCH ? O_EXITED : O_PTRACE, r.err = errno;
		send_rec(fd, &r);
		_exit(0);
	}
	while ((w = waitpid(tid, &st, __WALL)) < 0 && errno == EINTR)
		;
	if (w < 0 || !WIFSTOPPED(st)) {
		r.outcome = O_EXITED;
		send_rec(fd, &r);
		_exit(0);
	}
	/* The interrupt's stop (PTRACE_EVENT_STOP), or a group stop; or a signal arrived
	 * first (a signal-delivery stop), which must be delivered when we let go. */
	if ((st >> 16) == 0)
		inject = WSTOPSIG(st);
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs)) {
		r.outcome = O_PTRACE, r.err = errno;
	} else {
		r.nr = (long)regs.orig_rax;
		r.rax = (long)regs.rax;
		if (r.nr < 0) {
			r.outcome = O_RUNNING;
		} else if (r.nr != nr) {
			/* It left the call we saw for another one; the kernel restarts that one
			 * (the rare call that returns EINTR after a stop sees EINTR). */
			r.outcome = O_MOVED;
		} else if (!is_restart(r.rax)) {
			r.outcome = O_COMPLETED; /* its result (data transferred, a new fd) is kept */
		} else {
			if (hold > 0) {
				fprintf(stderr, "threadstop: holding %d stopped (THREADSTOP_TEST_PTRACE_HOLD)\n", (int)tid);
				nanosleep(&(struct timespec){ (time_t)hold, (long)((hold - (time_t)hold) * 1e9) }, 0);
			}
			regs.rax = (unsigned long long)-ECANCELED;
			if (ptrace(PTRACE_SETREGS, tid, 0, &regs))
				r.outcome = O_PTRACE, r.err = errno;
			else
				r.outcome = O_STOPPED;
		}
	}
	if (!ts_proc_thread(pid, tid, &t))
		r.switches = t.switches;
	if (ptrace(PTRACE_DETACH, tid, 0, (void *)(long)inject) && r.outcome == O_STOPPED && errno == ESRCH)
		r.outcome = O_EXITED; /* killed while stopped */
	send_rec(fd, &r);
	_exit(0);
}

int ts_ptrace_one(pid_t pid, pid_t tid, long nr, struct ts_ptrace_rec *r, int *died_sig)
{
	int fds[2], st;
	ssize_t n, got = 0;
	pid_t child, self = getpid();

	memset(r, 0, sizeof *r);
	*died_sig = 0;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(0);
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!child) {
		close(fds[0]);
		tracer(self, pid, tid, nr, fds[1]);
	}
	close(fds[1]);
	while (got < (ssize_t)sizeof *r) {
		n = read(fds[0], (char *)r + got, sizeof *r - (size_t)got);
		if (n > 0)
			got += n;
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(fds[0]);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof *r) {
		r->outcome = O_NONE;
		*died_sig = WIFSIGNALED(st) ? WTERMSIG(st) : -1;
	}
	return 0;
}
