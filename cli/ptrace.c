/* `threadstop stop --ptrace`: the outside twin of the shim's handler, for a process
 * that runs without the shim.  It refuses what it cannot end safely, saying why; runs
 * one tracer per selected thread (ptrace_tracer.c, which says how the call is ended);
 * reports each outcome, and with --wait watches the threads (ptrace_wait.c). */
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ptrace_tracer.h"
#include "ptrace_wait.h"

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

int ts_ptrace_stop(pid_t pid, const char *const *sels, int nsel, int wait, double limit)
{
	char line[TSP_LINE_MAX], why[512], arg[64];
	const char *msg, *code;
	struct tsp_req *req = malloc(sizeof *req);
	struct ts_pthread *v = 0;
	struct ts_ptrace_done *done = 0;
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
		struct ts_ptrace_rec r;
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
		e = ts_ptrace_one(pid, t->tid, t->nr, &r, &sig);
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
		rc = wait ? ts_ptrace_watch(pid, done, ndone, limit) : 0;
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
