/* threadstop stop [--wait] [--grace]: stop the matching threads, report each as the
 * process reports it (stopped, or not delivered), then optionally watch what becomes of
 * each (exited, left its call, ignored the stop, still blocked), forcing it after a
 * grace. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ptrace.h"
#include "threadstop.h"

static void describe_call(char *out, size_t sz, const struct tsp_thread *t)
{
	char call[160], arg[160]; /* 32 bytes of reply, escaped */
	esc(t->call, call, sizeof call);
	esc(t->arg, arg, sizeof arg);
	if (!strcmp(t->call, "-"))
		snprintf(out, sz, "not in a blocking call");
	else if (!strcmp(t->arg, "-"))
		snprintf(out, sz, "in %s", call);
	else
		snprintf(out, sz, "in %s %s", call, arg);
}

/* "TID NAME", escaped. */
static const char *who(const struct tsp_thread *t, char *buf, size_t sz)
{
	char name[ESC_MAX / 2];
	snprintf(buf, sz, "%d %s", (int)t->tid, esc(t->name[0] ? t->name : "-", name, sizeof name));
	return buf;
}

/* Force the threads given by tid (--grace, escalating), on the open connection.  Returns
 * 0 when the process answered. */
static int force_tids(struct tsc *c, const pid_t *tids, int n)
{
	char line[TSP_LINE_MAX], (*sel)[24] = calloc((size_t)n, sizeof *sel);
	const char **sels = calloc((size_t)n, sizeof *sels);
	const char *msg;
	struct tsp_reply r;
	int i, e;
	if (!sel || !sels)
		die(EXIT_UNREACHABLE, "out of memory");
	for (i = 0; i < n; i++) {
		snprintf(sel[i], sizeof sel[i], "tid:%d", (int)tids[i]);
		sels[i] = sel[i];
	}
	e = tsc_stop_request(line, sizeof line, sels, n, THREAD_STOP_FORCE, &msg);
	if (!e)
		e = tsc_send(c, line);
	while (!e && !(e = cli_read(c, &r)) && r.type != TSP_R_OK && r.type != TSP_R_ERR)
		;
	free(sel);
	free(sels);
	return e;
}

/* How long a thread that left its call is watched before --wait says what it does now. */
#define SETTLE_S 0.2

/* What became of one stopped thread (--wait, --grace). */
enum fate { F_WAITING, F_EXITED, F_LEFT, F_REBLOCKED, F_IGNORED, F_STILL, F_NOCALL };

/* --wait and --grace: poll the process's list until each stopped thread has exited, left
 * the call it was in (its call counter moved on, or it is in no call), ignored the stop,
 * or `limit` passed; say which, exactly one per thread.  --grace: a thread that has
 * neither exited nor left its call when `grace` is up, or that ignored the stop, is
 * forced, and watched for `limit` more.  Returns EXIT_DONE when every thread exited or
 * left its call and is not blocked again, else EXIT_NOMATCH. */
static int wait_threads(struct tsc *c, struct tsp_thread *st, int n, double limit, double grace, int force)
{
	struct tlist l = { 0 };
	double t0 = now_mono(), forced_at = -1;
	int *done = calloc((size_t)n + 1, sizeof *done), left = n, i, j, bad = 0;
	char *forced = calloc((size_t)n + 1, 1), *told = calloc((size_t)n + 1, 1);
	pid_t *esc_tids = calloc((size_t)n + 1, sizeof *esc_tids);
	double *left_at = calloc((size_t)n + 1, sizeof *left_at);
	double *reblock_at = calloc((size_t)n + 1, sizeof *reblock_at);
	unsigned *reblock_seq = calloc((size_t)n + 1, sizeof *reblock_seq);
	useconds_t delay = 2000;

	if (!done || !forced || !told || !esc_tids || !left_at || !reblock_at || !reblock_seq)
		die(EXIT_UNREACHABLE, "out of memory");
	for (i = 0; i < n; i++) {
		forced[i] = (char)force;
		left_at[i] = reblock_at[i] = -1;
	}
	while (left) {
		double el = now_mono() - t0, until;
		int e = fetch_list(c, &l), nesc = 0;
		if (e) {
			/* The connection broke: most likely the process is exiting. */
			for (j = 0; j < 50 && !proc_gone(c->pid) && e != -EPROTO && e != -E2BIG; j++)
				usleep(20000);
			if (e == -EPROTO || e == -E2BIG || e == -ETIMEDOUT || !proc_gone(c->pid))
				lost(c, e);
			for (i = 0; i < n; i++) {
				char w[ESC_MAX];
				if (!done[i])
					printf("%s: exited (its process exited)\n", who(&st[i], w, sizeof w));
			}
			break;
		}
		for (i = 0; i < n; i++) {
			const struct tsp_thread *now = 0;
			char was[ESC_MAX], in[ESC_MAX], w[ESC_MAX], call[ESC_MAX / 2], state[64];
			int fate = F_WAITING, refused = -1;
			if (done[i])
				continue;
			for (j = 0; j < l.n && !now; j++)
				if (l.t[j].tid == st[i].tid)
					now = &l.t[j];
			describe_call(was, sizeof was, &st[i]);
			who(&st[i], w, sizeof w);
			esc(st[i].call, call, sizeof call);
			if (now && !strncmp(now->state, TSP_ST_IGNORED ":", 8))
				refused = atoi(now->state + 8);
			if (now && !strcmp(now->state, TSP_ST_UNFORCED) && !told[i]) {
				printf("%s: not forced: a catch (...), an exception specification or a noexcept "
				       "function would catch the unwind (glibc would abort); stopped as by a plain "
				       "stop instead\n", w);
				told[i] = 1;
			}
			if (!now)
				fate = F_EXITED;
			else if (refused >= 0)
				fate = F_IGNORED;
			else if (!strcmp(now->state, TSP_ST_EXITING))
				fate = el >= limit + (forced_at >= 0 ? forced_at : 0) ? F_STILL : F_WAITING;
			else if (!strcmp(st[i].call, "-"))
				fate = F_NOCALL;
			else if (!strcmp(now->call, "-") || now->seq != st[i].seq) {
				/* blocked again: its stop cleared, or in a condition or semaphore wait
				 * begun after the stop, which a plain stop does not end */
				fate = !strcmp(now->state, TSP_ST_BLOCKED) ||
						       (!strcmp(now->state, TSP_ST_PENDING) &&
							(!strncmp(now->call, "pthread_cond_", 13) || !strncmp(now->call, "sem_", 4)))
					       ? F_REBLOCKED
					       : F_LEFT;
				/* Out of its call: watch it settle a moment (SETTLE_S) before saying
				 * what it does now; a runtime's retry blocks again within it.  Blocked
				 * again means in one call for SETTLE_S: a thread caught in the write of
				 * its traceback, or the read of a source file, is passing through. */
				if (left_at[i] < 0)
					left_at[i] = el;
				if (fate == F_REBLOCKED && (reblock_at[i] < 0 || now->seq != reblock_seq[i])) {
					reblock_seq[i] = now->seq;
					reblock_at[i] = el;
				}
				if (fate == F_LEFT)
					reblock_at[i] = -1;
				if (el < limit && (fate == F_LEFT ? el - left_at[i] < SETTLE_S : el - reblock_at[i] < SETTLE_S))
					fate = F_WAITING;
			}
			else if (el >= (forced[i] || grace < 0 ? limit + (forced_at >= 0 ? forced_at : 0) : grace))
				fate = F_STILL;
			/* --grace: force what ignored the stop or is still in its call */
			if (grace >= 0 && !forced[i] && (fate == F_IGNORED || fate == F_STILL ||
							 ((fate == F_WAITING || fate == F_REBLOCKED) && el >= grace))) {
				esc_tids[nesc++] = st[i].tid;
				forced[i] = 1;
				if (fate == F_IGNORED)
					printf("%s: ignored the stop (%d refused call%s); forcing it\n", w, refused,
					       refused == 1 ? "" : "s");
				else
					printf("%s: %s after the grace of %gs; forcing it\n", w,
					       fate == F_REBLOCKED ? "blocked again" : "still blocked", grace);
				continue;
			}
			if (grace >= 0 && !forced[i] && fate == F_REBLOCKED)
				continue; /* blocked again (a runtime retrying): forced if still so at the grace */
			switch (fate) {
			case F_WAITING:
				continue;
			case F_EXITED:
				printf("%s: exited (%s, after %.3fs)\n", w, forced[i] ? "forced" : "returned", el);
				break;
			case F_IGNORED:
				describe_call(in, sizeof in, now);
				printf("%s: ignored the stop (%d refused call%s): it lapsed; now %s\n", w, refused,
				       refused == 1 ? "" : "s", in);
				bad++;
				break;
			case F_NOCALL:
				printf("%s: was not in a blocking call; its next one fails (now %s)\n", w,
				       esc(now->state, in, sizeof in));
				break;
			case F_LEFT:
				describe_call(in, sizeof in, now);
				printf("%s: left %s with ECANCELED after %.3fs; now %s, %s\n", w, call, left_at[i],
				       esc(now->state, state, sizeof state), in);
				break;
			case F_REBLOCKED:
				describe_call(in, sizeof in, now);
				printf("%s: left %s with ECANCELED after %.3fs, but is blocked again, %s: the stop no "
				       "longer reaches it\n", w, call, left_at[i], in);
				bad++;
				break;
			case F_STILL:
				describe_call(in, sizeof in, now);
				if (!strcmp(now->state, TSP_ST_EXITING)) {
					printf("%s: still exiting after %gs: its cleanup handlers or destructors block\n", w, el);
					bad++;
					break;
				}
				printf("%s: still blocked %s after %gs%s%s\n", w, in, el, forced[i] ? " and a forced stop" : "",
				       !strcmp(now->call, "libc:futex")
					       ? " (a mutex, rwlock or barrier wait: not stoppable)"
				       : !strncmp(st[i].call, "pthread_cond", 12) && !forced[i]
					       ? " (a timed wait, or a wait begun after the stop, ends only with --force)"
					       : "");
				bad++;
				break;
			}
			done[i] = 1;
			left--;
		}
		if (nesc) {
			fflush(stdout);
			if (force_tids(c, esc_tids, nesc))
				continue; /* the next list says what became of the process */
			if (forced_at < 0)
				forced_at = now_mono() - t0;
		}
		fflush(stdout);
		if (left) {
			/* --grace: wake at its end, not up to 100 ms after */
			until = grace - (now_mono() - t0);
			usleep(grace >= 0 && until > 0 && until * 1e6 < delay ? (useconds_t)(until * 1e6) + 1000 : delay);
			if (delay < 100000)
				delay *= 2;
			if (grace >= 0 && delay > 20000)
				delay = 20000;
		}
	}
	fflush(stdout);
	free(done);
	free(forced);
	free(told);
	free(esc_tids);
	free(left_at);
	free(reblock_at);
	free(reblock_seq);
	free(l.t);
	return bad ? EXIT_NOMATCH : EXIT_DONE;
}

/* "5", "2.5": what --wait takes as its SECONDS when written as a separate word. */
static int seconds_word(const char *s)
{
	int digits = 0, dot = 0;
	for (; *s; s++) {
		if (*s == '.' && !dot)
			dot = 1;
		else if (*s >= '0' && *s <= '9')
			digits++;
		else
			return 0;
	}
	return digits > 0;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		{ "ptrace", no_argument, 0, 'p' },
		{ "wait", optional_argument, 0, 'w' },
		{ "grace", required_argument, 0, 'g' },
		{ "timeout", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char **sels = calloc((size_t)argc + 1, sizeof *sels);
	char line[TSP_LINE_MAX], buf[ESC_MAX];
	struct tsp_thread *st = 0;
	struct tsp_reply r;
	struct tsc c;
	pid_t pid = 0;
	int nsel = 0, force = 0, wait = 0, n = 0, e, rc, o, undelivered = 0, use_ptrace = 0;
	double limit = 10, timeout = CLI_TIMEOUT_S, deadline, grace = -1;
	const char *msg;

	if (!sels)
		die(EXIT_UNREACHABLE, "out of memory");
	/* '-': arguments come back in order (as option 1), so that a number after --wait is
	 * its SECONDS only once the PID has been given. */
	while ((o = next_opt("stop", argc, argv, "-:hfw::", opts)) != -1) {
		if (o == 1 && !pid)
			pid = parse_pid("stop", optarg);
		else if (o == 1)
			sels[nsel++] = optarg;
		else if (o == 'f')
			force = 1;
		else if (o == 'p')
			use_ptrace = 1;
		else if (o == 't')
			timeout = parse_seconds("stop", "--timeout", optarg);
		else if (o == 'g')
			grace = parse_seconds("stop", "--grace", optarg);
		else if (o == 'w') {
			wait = 1;
			if (!optarg && pid && optind < argc && seconds_word(argv[optind]))
				optarg = argv[optind++];
			if (optarg)
				limit = parse_seconds("stop", "--wait", optarg);
		}
	}
	for (; optind < argc; optind++) /* after '--' */
		if (!pid)
			pid = parse_pid("stop", argv[optind]);
		else
			sels[nsel++] = argv[optind];
	if (!pid)
		usage_error("stop", "needs a PID and a SELECTOR");
	if (grace >= 0 && force)
		usage_error("stop", "--grace escalates a plain stop to --force: give one of them");
	if (grace >= 0)
		wait = 1;
	if (!nsel)
		usage_error("stop", "needs a SELECTOR after the PID: TID, NAME, GLOB, name:GLOB, call:GLOB or all");
	e = tsc_stop_request(line, sizeof line, sels, nsel, force ? THREAD_STOP_FORCE : 0, &msg);
	if (e)
		usage_error("stop", "%s", msg);
	if (use_ptrace && force)
		usage_error("stop", "--force needs the shim; --ptrace ends one blocked call");
	if (use_ptrace && grace >= 0)
		usage_error("stop", "--grace needs the shim (it escalates to --force)");
	if (use_ptrace)
		return ts_ptrace_stop(pid, sels, nsel, wait, limit);
	deadline = now_mono() + timeout + (wait ? limit : 0) + (grace >= 0 ? grace : 0);
	/* The usual case reads no /proc file: pid's listener answers, and gets the request
	 * with the connection.  Only when it does not are the reasons looked for. */
	e = tsc_open_send(&c, pid, deadline_ms(deadline), line);
	if (e) {
		if (ts_ptrace_hint(pid, deadline))
			return EXIT_UNREACHABLE;
		connect_or_die(&c, pid, deadline);
		e = tsc_send(&c, line);
	}
	while (!e && !(e = cli_read(&c, &r))) {
		char w[ESC_MAX], was[ESC_MAX];
		if (r.type == TSP_R_OK || r.type == TSP_R_ERR)
			break;
		if (r.type == TSP_R_UNMATCHED) {
			fprintf(stderr, "threadstop: no thread of pid %d matches '%s'\n", (int)pid, esc(r.text, buf, sizeof buf));
		} else if (r.type == TSP_R_STOPPED) {
			struct tsp_thread *p = realloc(st, (size_t)(n + 1) * sizeof *st);
			if (!p)
				die(EXIT_UNREACHABLE, "out of memory");
			st = p;
			st[n] = r.th;
			describe_call(was, sizeof was, &st[n]);
			printf("%s %s (%s)\n", force ? "force-stopped" : "stopped", who(&st[n], w, sizeof w), was);
			n++;
		} else if (r.type == TSP_R_UNDELIVERED) {
			/* matched, but the process could not interrupt its call: not a stop */
			describe_call(was, sizeof was, &r.th);
			printf("not delivered: %s (%s): the process could not interrupt this call (its signal was "
			       "refused); the stop stays marked: its next blocking call fails\n",
			       who(&r.th, w, sizeof w), was);
			undelivered++;
		} else {
			malformed(pid, "a line other than 'stopped', 'undelivered' or 'unmatched' in reply to 'stop'");
		}
	}
	if (e) {
		/* A stop that ends the program (a one-thread program whose blocked call
		 * fails) can take the listener with it before the reply is sent. */
		for (o = 0; o < 50 && !proc_gone(pid) && e != -EPROTO && e != -E2BIG && e != -ETIMEDOUT; o++)
			usleep(20000);
		if (!proc_gone(pid) || e == -EPROTO || e == -E2BIG || e == -ETIMEDOUT)
			lost(&c, e);
		printf("pid %d exited before it answered: the stop ended it\n", (int)pid);
		tsc_close(&c);
		free(sels);
		free(st);
		return EXIT_DONE;
	}
	if (r.type == TSP_R_ERR) {
		tsc_close(&c);
		free(sels);
		free(st);
		if (!strcmp(r.code, TSP_E_NOMATCH) && !n && !undelivered) {
			fprintf(stderr, "threadstop: nothing stopped: no thread of pid %d matches (see 'threadstop list %d')\n",
				(int)pid, (int)pid);
			return EXIT_NOMATCH;
		}
		if (!strcmp(r.code, TSP_E_UNDELIVERED) && !n) {
			fflush(stdout);
			fprintf(stderr,
				"threadstop: nothing stopped: pid %d could not interrupt the call of any matching thread "
				"(its signal was refused, e.g. by a seccomp filter)\n",
				(int)pid);
			return EXIT_NOMATCH;
		}
		die(EXIT_UNREACHABLE, "pid %d answered with an error: %s %s", (int)pid, esc(r.code, buf, sizeof buf),
		    esc(r.text, line, sizeof line));
	}
	{
		char *end;
		long cnt = strtol(r.text, &end, 10);
		if (r.text[0] < '0' || r.text[0] > '9' || *end || cnt != n)
			malformed(pid, "its 'ok' does not count the 'stopped' lines");
	}
	fflush(stdout);
	rc = wait && n ? wait_threads(&c, st, n, limit, grace, force) : EXIT_DONE;
	tsc_close(&c);
	free(st);
	free(sels);
	return undelivered ? EXIT_NOMATCH : rc;
}
