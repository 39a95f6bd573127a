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
 * SIGKILL, leaves the process detached and running. */
#define _GNU_SOURCE
#include <stdio.h>
#include "cli.h"
#include "procfs.h"
#include "ptrace.h"

#if !defined(__x86_64__)
/* The registers at the stop and where the kernel decides to restart are per
 * architecture (aarch64 decides before the stop, and clears the call number): only x86_64
 * is written and tested. */
int ts_ptrace_stop(pid_t pid, const char *const *sels, int nsel, int wait, double limit)
{
	fprintf(stderr, "threadstop: stop --ptrace is implemented for x86_64 only; on this machine, start the "
			"program with 'threadstop run' to stop its threads\n");
	return 2;
}
#else
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

/* How long a seized thread may take to stop: it is asleep in an interruptible wait, so it
 * stops at once; this only bounds a thread that went into an uninterruptible sleep. */
#define STOP_LIMIT_S 10

enum outcome { O_NONE, O_STOPPED, O_COMPLETED, O_RUNNING, O_MOVED, O_EXITED, O_SEIZE, O_PTRACE };

struct rec {
	int outcome;
	int err;               /* O_SEIZE, O_PTRACE: errno */
	long nr, rax;          /* orig_rax and rax at the stop */
	unsigned long switches; /* the thread's context switches while it was stopped */
};

static int is_restart(long rax)
{
	/* -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK: the call
	 * made no progress and the kernel would restart it; -EINTR: a call the kernel does
	 * not restart after a stop (epoll_wait, semop, sigtimedwait) made none either. */
	return rax == -512 || rax == -513 || rax == -514 || rax == -516 || rax == -EINTR;
}

static void send_rec(int fd, const struct rec *r)
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
	struct rec r = { 0 };
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

/* Run the tracer for one thread and collect what it did; *died_sig when it died first. */
static int trace_one(pid_t pid, pid_t tid, long nr, struct rec *r, int *died_sig)
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

/* The name of a (tracer) thread, for a message. */
static const char *comm_of(pid_t tid)
{
	static char out[ESC_MAX / 4];
	char comm[64], p[40];
	FILE *f;
	snprintf(comm, sizeof comm, "?");
	snprintf(p, sizeof p, "/proc/%d/comm", (int)tid);
	if ((f = fopen(p, "re"))) {
		if (!fgets(comm, sizeof comm, f))
			snprintf(comm, sizeof comm, "?");
		comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	return esc(comm, out, sizeof out);
}

struct done {
	pid_t tid;
	long nr;
	unsigned long switches;
	char name[ESC_MAX / 4], call[40];
};

/* --wait: until each stopped thread has run again, left its call, or is gone. */
static int watch(pid_t pid, const struct done *d, int n, double limit)
{
	struct timespec t0, t1;
	int *seen = calloc((size_t)n, sizeof *seen), left = n, still = 0, i;
	useconds_t delay = 2000;
	if (!seen)
		return 3;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left) {
		double el;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		for (i = 0; i < n; i++) {
			struct ts_pthread t;
			char arg[64];
			if (seen[i])
				continue;
			if (ts_proc_thread(pid, d[i].tid, &t) || t.state == 'Z' || t.state == 'X') {
				printf("%d %s: exited (after %.3fs)\n", (int)d[i].tid, d[i].name, el);
			} else if (t.switches != d[i].switches || t.nr != d[i].nr || t.state != 'S') {
				ts_proc_arg(pid, &t, arg, sizeof arg);
				if (t.nr == d[i].nr && t.state == 'S')
					printf("%d %s: left %s after %.3fs; now blocked in %s %s again (a ptrace stop fails one "
					       "call; the shim's stop is sticky)\n",
					       (int)d[i].tid, d[i].name, d[i].call, el, ts_proc_call(&t), arg);
				else if (t.nr >= 0 && t.state != 'R')
					printf("%d %s: left %s after %.3fs; now %s, in %s %s\n", (int)d[i].tid, d[i].name,
					       d[i].call, el, ts_proc_state(&t), ts_proc_call(&t), arg);
				else
					printf("%d %s: left %s after %.3fs; now %s\n", (int)d[i].tid, d[i].name, d[i].call, el,
					       ts_proc_state(&t));
			} else if (el >= limit) {
				printf("%d %s: still blocked in %s after %gs\n", (int)d[i].tid, d[i].name, d[i].call, limit);
				still++;
			} else {
				continue;
			}
			seen[i] = 1;
			left--;
		}
		if (left) {
			usleep(delay);
			if (delay < 100000)
				delay *= 2;
		}
	}
	free(seen);
	fflush(stdout);
	return still ? 1 : 0;
}

int ts_ptrace_stop(pid_t pid, const char *const *sels, int nsel, int wait, double limit)
{
	char line[TSP_LINE_MAX], why[512], arg[64];
	const char *msg, *code;
	struct tsp_req *req = malloc(sizeof *req);
	struct ts_pthread *v = 0;
	struct done *done = 0;
	int n, i, j, e, ndone = 0, denied = 0, rc;
	pid_t tracer_pid;

	if (!req)
		return 3;
	if (tsc_stop_request(line, sizeof line, sels, nsel, 0, &msg) ||
	    tsp_parse_request(line, strlen(line), req, &code, &msg)) {
		fprintf(stderr, "threadstop: stop: %s\n(see 'threadstop --help')\n", msg);
		free(req);
		return 2;
	}
	if (pid == getpid()) {
		fprintf(stderr, "threadstop: pid %d is this threadstop\n", (int)pid);
		free(req);
		return 2;
	}
	if (ts_proc_has_shim(pid) == 1) {
		fprintf(stderr, "threadstop: pid %d runs with the shim: stop it without --ptrace (the shim's stop is "
				"sticky, and also ends condition and semaphore waits)\n", (int)pid);
		free(req);
		return 2;
	}
	if (!ts_proc_is_64bit(pid)) {
		fprintf(stderr, "threadstop: pid %d is a 32-bit program: --ptrace knows x86_64 system calls only\n",
			(int)pid);
		free(req);
		return 3;
	}
	n = ts_proc_threads(pid, &v);
	if (n < 0) {
		if (n == -ESRCH)
			fprintf(stderr, "threadstop: no process with pid %d\n", (int)pid);
		else
			fprintf(stderr, "threadstop: cannot read /proc/%d/task: %s\n", (int)pid, strerror(-n));
		free(req);
		return 3;
	}
	tracer_pid = ts_proc_tracer(pid);
	if (tracer_pid > 0) {
		fprintf(stderr, "threadstop: pid %d is already traced by pid %d (%s): a thread has one tracer at a time "
				"(a debugger or strace); detach it first\n", (int)pid, (int)tracer_pid, comm_of(tracer_pid));
		free(v);
		free(req);
		return 3;
	}
	for (i = 0; i < n; i++)
		if (v[i].nr == TS_NR_UNKNOWN && (v[i].nr_errno == EACCES || v[i].nr_errno == EPERM)) {
			ts_proc_why_denied(pid, why, sizeof why);
			fprintf(stderr, "threadstop: cannot trace pid %d: %s\n", (int)pid, why);
			free(v);
			free(req);
			return 3;
		}
	for (j = 0; j < req->nsel; j++) {
		int hit = 0;
		for (i = 0; i < n && !hit; i++)
			hit = tsp_sel_match(&req->sel[j], v[i].tid, v[i].name, v[i].state == 'R' ? 0 : ts_proc_call(&v[i]));
		if (!hit)
			fprintf(stderr, "threadstop: no thread of pid %d matches '%s'\n", (int)pid,
				esc(req->sel[j].text, why, sizeof why));
	}
	done = calloc((size_t)n + 1, sizeof *done);
	if (!done) {
		free(v);
		free(req);
		return 3;
	}
	for (i = 0; i < n; i++) {
		const struct ts_pthread *t = &v[i];
		const char *call = ts_proc_call(t), *no;
		struct ts_pthread now;
		char nm[ESC_MAX / 4];
		struct rec r;
		int hit = 0, sig;
		for (j = 0; j < req->nsel && !hit; j++)
			hit = tsp_sel_match(&req->sel[j], t->tid, t->name, t->state == 'R' ? 0 : call);
		if (!hit)
			continue;
		esc(t->name, nm, sizeof nm);
		ts_proc_arg(pid, t, arg, sizeof arg);
		if (t->tracer > 0) {
			fprintf(stderr, "threadstop: not stopped %d %s: already traced by pid %d (%s): a thread has one tracer "
					"at a time (a debugger or strace); detach it first\n", (int)t->tid, nm,
				(int)t->tracer, comm_of(t->tracer));
			denied = 1;
			continue;
		}
		if ((no = ts_proc_refusal(t, why, sizeof why))) {
			fprintf(stderr, "threadstop: not stopped %d %s: %s\n", (int)t->tid, nm, no);
			continue;
		}
		e = trace_one(pid, t->tid, t->nr, &r, &sig);
		if (e) {
			fprintf(stderr, "threadstop: cannot start a tracer: %s\n", strerror(-e));
			continue;
		}
		switch (r.outcome) {
		case O_STOPPED:
			printf("stopped %d %s (in %s %s) with ptrace: the call returns ECANCELED\n", (int)t->tid, nm, call,
			       arg);
			done[ndone].tid = t->tid;
			done[ndone].nr = t->nr;
			done[ndone].switches = r.switches;
			snprintf(done[ndone].name, sizeof done[ndone].name, "%s", nm);
			snprintf(done[ndone].call, sizeof done[ndone].call, "%s", call);
			ndone++;
			break;
		case O_COMPLETED:
			if (r.rax >= 0 || r.rax < -4095)
				fprintf(stderr, "threadstop: not stopped %d %s: its %s had transferred data or completed when "
						"it stopped (it returned %ld): the program gets that result\n", (int)t->tid, nm,
					call, r.rax);
			else
				fprintf(stderr, "threadstop: not stopped %d %s: its %s had failed when it stopped (%s): the "
						"program gets that result\n", (int)t->tid, nm, call, strerror((int)-r.rax));
			break;
		case O_RUNNING:
			fprintf(stderr, "threadstop: not stopped %d %s: it was running, not in a system call, when "
					"interrupted; nothing changed\n", (int)t->tid, nm);
			break;
		case O_MOVED:
			fprintf(stderr, "threadstop: not stopped %d %s: it had left %s for %s when interrupted; nothing "
					"changed (try again)\n", (int)t->tid, nm, call, ts_sys_name(r.nr));
			break;
		case O_EXITED:
			fprintf(stderr, "threadstop: not stopped %d %s: it exited\n", (int)t->tid, nm);
			break;
		case O_SEIZE:
			if (r.err == ESRCH) {
				fprintf(stderr, "threadstop: not stopped %d %s: it exited\n", (int)t->tid, nm);
			} else if (r.err == EPERM && !ts_proc_thread(pid, t->tid, &now) && now.tracer > 0) {
				fprintf(stderr, "threadstop: not stopped %d %s: already traced by pid %d (%s); detach it "
						"first\n", (int)t->tid, nm, (int)now.tracer, comm_of(now.tracer));
				denied = 1;
			} else {
				if (r.err == EPERM)
					ts_proc_why_denied(pid, why, sizeof why);
				else
					snprintf(why, sizeof why, "%s", strerror(r.err));
				fprintf(stderr, "threadstop: cannot trace %d %s: %s\n", (int)t->tid, nm, why);
				denied = 1;
			}
			break;
		case O_PTRACE:
			fprintf(stderr, "threadstop: not stopped %d %s: ptrace failed (%s); detached, nothing changed\n",
				(int)t->tid, nm, strerror(r.err));
			break;
		default:
			if (sig == SIGALRM)
				fprintf(stderr, "threadstop: not stopped %d %s: it did not stop within %d s (busy in the "
						"kernel?); detached, nothing changed\n", (int)t->tid, nm, STOP_LIMIT_S);
			else
				fprintf(stderr, "threadstop: %d %s: the tracer died (%s); the thread was detached\n",
					(int)t->tid, nm, sig > 0 ? strsignal(sig) : "no report");
		}
	}
	fflush(stdout);
	if (!ndone) {
		rc = denied ? 3 : 1;
		fprintf(stderr, "threadstop: nothing stopped in pid %d (see 'threadstop list %d')\n", (int)pid, (int)pid);
	} else {
		rc = wait ? watch(pid, done, ndone, limit) : 0;
	}
	free(done);
	free(v);
	free(req);
	return rc;
}

#endif

int ts_ptrace_hint(pid_t pid, double deadline)
{
	if (!ts_proc_without_shim(pid, deadline))
		return 0;
#if defined(__x86_64__)
	fprintf(stderr, "threadstop: pid %d runs without the shim (it was not started with 'threadstop run'); "
			"'threadstop stop --ptrace %d SELECTOR...' can end its blocked calls from outside, once, with "
			"ptrace (see 'threadstop list %d')\n", (int)pid, (int)pid, (int)pid);
#else
	fprintf(stderr, "threadstop: pid %d runs without the shim (it was not started with 'threadstop run'): "
			"restart the program as 'threadstop run -- COMMAND' (stop --ptrace is x86_64 only)\n", (int)pid);
#endif
	return 3;
}
