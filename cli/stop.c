/* threadstop stop [--wait]: stop the matching threads, report each as the process reports
 * it (stopped, or not delivered), then optionally watch each leave its call. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
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

/* --wait: poll the process's list until each stopped thread has left the call it was in
 * (its call counter moved on, or it is in no call) or is gone, or `limit` passed. */
static int wait_threads(struct tsc *c, struct tsp_thread *st, int n, double limit)
{
	struct tlist l = { 0 };
	double t0 = now_mono();
	int *done = calloc((size_t)n + 1, sizeof *done), left = n, i, j, still = 0;
	useconds_t delay = 2000;

	if (!done)
		die(EXIT_UNREACHABLE, "out of memory");
	while (left) {
		double el = now_mono() - t0;
		int e = fetch_list(c, &l);
		if (e) {
			/* The connection broke: most likely the process is exiting. */
			for (j = 0; j < 50 && !proc_gone(c->pid) && e != -EPROTO && e != -E2BIG; j++)
				usleep(20000);
			if (e == -EPROTO || e == -E2BIG || e == -ETIMEDOUT || !proc_gone(c->pid))
				lost(c, e);
			for (i = 0; i < n; i++) {
				char w[ESC_MAX];
				if (!done[i])
					printf("%s: exited (the process exited)\n", who(&st[i], w, sizeof w));
			}
			break;
		}
		for (i = 0; i < n; i++) {
			const struct tsp_thread *now = 0;
			char was[ESC_MAX], in[ESC_MAX], w[ESC_MAX], call[ESC_MAX / 2];
			if (done[i])
				continue;
			for (j = 0; j < l.n && !now; j++)
				if (l.t[j].tid == st[i].tid)
					now = &l.t[j];
			describe_call(was, sizeof was, &st[i]);
			who(&st[i], w, sizeof w);
			if (!now) {
				printf("%s: exited (after %.3fs)\n", w, el);
			} else if (!strcmp(st[i].call, "-")) {
				printf("%s: was not in a blocking call; its next one fails (now %s)\n", w,
				       esc(now->state, in, sizeof in));
			} else if (!strcmp(now->call, "-") || now->seq != st[i].seq) {
				char state[64];
				describe_call(in, sizeof in, now);
				printf("%s: left %s after %.3fs; now %s, %s\n", w, esc(st[i].call, call, sizeof call), el,
				       esc(now->state, state, sizeof state), in);
			} else if (el >= limit) {
				printf("%s: still blocked %s after %gs%s\n", w, was, limit,
				       !strncmp(st[i].call, "pthread_cond", 12)
					       ? " (a timed wait, or a wait begun after the stop, ends only with --force)"
					       : "");
				still++;
			} else {
				continue;
			}
			done[i] = 1;
			left--;
		}
		fflush(stdout);
		if (left) {
			usleep(delay);
			if (delay < 100000)
				delay *= 2;
		}
	}
	fflush(stdout);
	free(done);
	free(l.t);
	return still ? EXIT_NOMATCH : EXIT_DONE;
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
		{ "wait", optional_argument, 0, 'w' },
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
	int nsel = 0, force = 0, wait = 0, n = 0, e, rc, o, undelivered = 0;
	double limit = 10, timeout = CLI_TIMEOUT_S, deadline;
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
		else if (o == 't')
			timeout = parse_seconds("stop", "--timeout", optarg);
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
	if (!nsel)
		usage_error("stop", "needs a SELECTOR after the PID: TID, NAME, GLOB, name:GLOB, call:GLOB or all");
	e = tsc_stop_request(line, sizeof line, sels, nsel, force ? THREAD_STOP_FORCE : 0, &msg);
	if (e)
		usage_error("stop", "%s", msg);
	deadline = now_mono() + timeout + (wait ? limit : 0);
	connect_or_die(&c, pid, deadline);
	e = tsc_send(&c, line);
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
	rc = wait && n ? wait_threads(&c, st, n, limit) : EXIT_DONE;
	tsc_close(&c);
	free(st);
	free(sels);
	return undelivered ? EXIT_NOMATCH : rc;
}
