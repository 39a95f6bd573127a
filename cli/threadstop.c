/* threadstop: run a program with the shim, list its threads, stop some of them.  It talks
 * to the shim over the control socket with the shim's own client code (control/client.c)
 * and is never itself preloaded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "client.h"
#include "protocol.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif
#ifndef TS_LIBDIR
#define TS_LIBDIR "/usr/local/lib"
#endif
#ifndef TS_LIBNAME
#define TS_LIBNAME "libthreadstop.so.0"
#endif

enum { EXIT_DONE = 0, EXIT_NOMATCH = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_EXEC = 127 };

static const char usage_text[] =
	"usage: threadstop COMMAND [ARGS]\n"
	"\n"
	"Stop a thread of a running program that is blocked in accept, read, recv, poll,\n"
	"sleep or a condition wait: its call returns ECANCELED, the rest of the program\n"
	"runs on.  The program needs no change: it runs with libthreadstop.so preloaded.\n"
	"\n"
	"commands:\n"
	"  run [--signal N] [--] CMD [ARGS...]\n"
	"      Execute CMD with libthreadstop.so prepended to LD_PRELOAD (same pid; its\n"
	"      children inherit it).  --signal N: the real-time signal the shim uses to\n"
	"      interrupt a blocked thread (SIGRTMIN..SIGRTMAX; default SIGRTMAX-3).\n"
	"      The library is $THREADSTOP_LIB, else " TS_LIBDIR "/" TS_LIBNAME "\n"
	"      (the build tree's library when this is the build tree's binary).\n"
	"  list PID [--json]\n"
	"      One line per thread of PID: TID NAME STATE CALL ARG SINCE.\n"
	"      STATE: running | blocked (in an interposed call) | stop-pending (stopped,\n"
	"      still in its call) | stopped (its next blocking call fails).\n"
	"      CALL: the interposed call (read, accept4, pthread_cond_wait, ...), or\n"
	"      libc:NAME for a system call glibc makes itself (stdio's libc:read under\n"
	"      fgets): a stop ends that one too.  ARG: fd=N, timeout=MS|none, deadline,\n"
	"      or tid=N for a join.\n"
	"      SINCE: how long the thread has been in CALL, counted from the first time\n"
	"      threadstop looked at it in that call (a 'list' or 'stop').\n"
	"  stop PID SELECTOR... [--force] [--wait[=SECONDS]]\n"
	"      Stop the threads that match any SELECTOR:\n"
	"        TID          a thread id (as shown by 'list'); also tid:TID\n"
	"        NAME         an exact thread name (pthread_setname_np, /proc/PID/task/*/comm)\n"
	"        GLOB         a name pattern with * ? [...], e.g. 'worker-*' (quote it)\n"
	"        name:GLOB    a name, even one that looks like a number or 'all'\n"
	"        call:GLOB    the threads blocked in a matching call, e.g. 'call:accept*'\n"
	"        all          every thread of the program (never threadstop's own)\n"
	"      The blocked call returns -1/ECANCELED, and so does every later blocking\n"
	"      call of that thread, but output and opens begun after the stop, and\n"
	"      condition and semaphore waits that are timed or begun after it (see\n"
	"      doc/calls.md).  --force: the thread exits\n"
	"      (pthread_exit, cleanup handlers run) at its blocking call instead.\n"
	"      --wait: wait up to SECONDS (default 10) until each stopped thread has left\n"
	"      its blocking call or exited, and say what happened to each.\n"
	"  ps [--json]\n"
	"      The processes running with the shim that you can reach, from the socket\n"
	"      directory; stale sockets of dead processes are removed.\n"
	"  --help, help     this text\n"
	"  --version        the version\n"
	"\n"
	"exit status: 0 done; 1 nothing matched, or a thread still blocked after --wait;\n"
	"2 usage error; 3 the process cannot be reached; 127 'run' could not execute CMD.\n"
	"\n"
	"environment: THREADSTOP_DIR (socket directory; default $XDG_RUNTIME_DIR/threadstop,\n"
	"else /tmp/threadstop-UID), THREADSTOP_LIB (the library for 'run').  Read by the\n"
	"shim in the program: THREADSTOP_DIR, THREADSTOP_SIGNAL (what --signal sets),\n"
	"THREADSTOP_DEBUG=1 (say on stderr when it loads and what it stops).\n"
	"See README.md, doc/cli.md, doc/protocol.md and doc/calls.md.\n";

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("threadstop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("threadstop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see 'threadstop --help')\n", stderr);
	exit(EXIT_USAGE);
}

static pid_t parse_pid(const char *s)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v <= 0 || v > INT_MAX)
		usage_error("'%s' is not a process id", s);
	return (pid_t)v;
}

static double now_s(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Is libthreadstop.so mapped into pid? */
static int lib_loaded(pid_t pid)
{
	char path[40], line[512];
	FILE *f;
	int hit = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!hit && fgets(line, sizeof line, f))
		hit = strstr(line, "libthreadstop") != 0;
	fclose(f);
	return hit;
}

/* Connect, or exit 3 with the cause and the fix.  A process that has the library mapped
 * but no socket yet is still starting: give it a moment. */
static void connect_or_die(struct tsc *c, pid_t pid)
{
	int e, tries = 0;
	while ((e = tsc_open(c, pid)) == -ENOENT && lib_loaded(pid) == 1 && tries++ < 40)
		usleep(50000);
	if (e == -EAGAIN) {
		for (tries = 0; tries < 20 && (e = tsc_open(c, pid)) == -EAGAIN; tries++)
			usleep(100000);
	}
	switch (-e) {
	case 0:
		return;
	case ESRCH:
		die(EXIT_UNREACHABLE, "no process with pid %d", (int)pid);
	case ENOENT:
		if (lib_loaded(pid) == 1)
			die(EXIT_UNREACHABLE,
			    "pid %d has libthreadstop loaded but no control socket (looked for %s): its socket "
			    "directory must be owned by its user, not a symlink, and not writable by others; "
			    "or set THREADSTOP_DIR to the directory it uses",
			    (int)pid, c->path[0] ? c->path : "?");
		die(EXIT_UNREACHABLE, "pid %d has no control socket (is it running under 'threadstop run'?)", (int)pid);
	case ECONNREFUSED:
		if (lib_loaded(pid) == 0) {
			/* left by an earlier process with the same pid, killed before it could
			 * remove it: not this process's socket */
			unlink(c->path);
			die(EXIT_UNREACHABLE, "pid %d has no control socket (is it running under 'threadstop run'?)",
			    (int)pid);
		}
		die(EXIT_UNREACHABLE,
		    "the control socket of pid %d (%s) refuses connections: a stale socket (the process "
		    "exec'd a program without the shim, or closed it); 'threadstop ps' removes stale sockets",
		    (int)pid, c->path);
	case EACCES:
		die(EXIT_UNREACHABLE,
		    "pid %d refused the connection (%s): only its own user or root may control it", (int)pid, c->path);
	case EAGAIN:
		die(EXIT_UNREACHABLE, "pid %d has too many control clients connected; try again", (int)pid);
	case ETIMEDOUT:
		die(EXIT_UNREACHABLE, "pid %d did not answer within %d s", (int)pid, TSC_TIMEOUT_MS / 1000);
	case EPROTO:
		die(EXIT_UNREACHABLE, "%s is not the threadstop control socket of pid %d (another process serves it)",
		    c->path, (int)pid);
	default:
		die(EXIT_UNREACHABLE, "cannot reach pid %d through %s: %s", (int)pid, c->path, strerror(-e));
	}
}

/* Gone, or a zombie: it will never answer again. */
static int proc_gone(pid_t pid)
{
	char path[40], buf[256], *p;
	ssize_t n;
	int fd;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void lost(pid_t pid, int e) __attribute__((noreturn));
static void lost(pid_t pid, int e)
{
	if (proc_gone(pid))
		die(EXIT_UNREACHABLE, "pid %d exited", (int)pid);
	die(EXIT_UNREACHABLE, "lost the connection to pid %d: %s", (int)pid,
	    e == -EPROTO ? "malformed reply" : strerror(-e));
}

/* The threads of one `list`. */
struct tlist {
	struct tsp_thread *t;
	int n, cap;
};

static int fetch_list(struct tsc *c, struct tlist *l)
{
	struct tsp_reply r;
	int e = tsc_send(c, "list");
	l->n = 0;
	while (!e && !(e = tsc_read(c, &r))) {
		if (r.type == TSP_R_OK)
			return 0;
		if (r.type == TSP_R_ERR) {
			fprintf(stderr, "threadstop: pid %d: %s\n", (int)c->pid, r.text);
			return -EPROTO;
		}
		if (r.type != TSP_R_THREAD)
			continue;
		if (l->n == l->cap) {
			int cap = l->cap ? l->cap * 2 : 64;
			struct tsp_thread *p = realloc(l->t, (size_t)cap * sizeof *p);
			if (!p)
				die(EXIT_UNREACHABLE, "out of memory");
			l->t = p;
			l->cap = cap;
		}
		l->t[l->n++] = r.th;
	}
	return e;
}

static void fmt_since(char *out, size_t sz, int64_t since_ns, double now)
{
	double d;
	if (since_ns < 0) {
		snprintf(out, sz, "-");
		return;
	}
	d = now - since_ns / 1e9;
	if (d < 0)
		d = 0;
	if (d < 60)
		snprintf(out, sz, "%.1fs", d);
	else if (d < 3600)
		snprintf(out, sz, "%dm%02ds", (int)d / 60, (int)d % 60);
	else if (d < 86400)
		snprintf(out, sz, "%dh%02dm", (int)d / 3600, (int)d % 3600 / 60);
	else
		snprintf(out, sz, "%dd%02dh", (int)(d / 86400), (int)d % 86400 / 3600);
}

/* A thread name for a terminal: control bytes become '?'. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_thread(FILE *f, const struct tsp_thread *t, double now)
{
	fprintf(f, "{\"tid\":%d,\"name\":", (int)t->tid);
	json_str(f, t->name);
	fprintf(f, ",\"state\":\"%s\",\"call\":", t->state);
	if (strcmp(t->call, "-"))
		json_str(f, t->call);
	else
		fputs("null", f);
	fputs(",\"arg\":", f);
	if (strcmp(t->arg, "-"))
		json_str(f, t->arg);
	else
		fputs("null", f);
	if (t->since_ns >= 0)
		fprintf(f, ",\"since_ns\":%lld,\"since_s\":%.3f}", (long long)t->since_ns,
			now - t->since_ns / 1e9 > 0 ? now - t->since_ns / 1e9 : 0.0);
	else
		fputs(",\"since_ns\":null,\"since_s\":null}", f);
}

static int cmd_list(int argc, char **argv)
{
	struct tlist l = { 0 };
	struct tsc c;
	pid_t pid = 0;
	int i, json = 0, e;
	int w[4] = { 3, 4, 5, 4 };
	double now;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			usage_error("list: unknown option '%s'", argv[i]);
		else if (!pid)
			pid = parse_pid(argv[i]);
		else
			usage_error("list takes one PID");
	}
	if (!pid)
		usage_error("list needs a PID");
	connect_or_die(&c, pid);
	e = fetch_list(&c, &l);
	if (e)
		lost(pid, e);
	tsc_close(&c);
	now = now_s(CLOCK_REALTIME);
	if (json) {
		printf("{\"pid\":%d,\"threads\":[", (int)pid);
		for (i = 0; i < l.n; i++) {
			if (i)
				putchar(',');
			json_thread(stdout, &l.t[i], now);
		}
		printf("]}\n");
		free(l.t);
		return EXIT_DONE;
	}
	for (i = 0; i < l.n; i++) {
		char tid[16];
		int k;
		printable(l.t[i].name);
		snprintf(tid, sizeof tid, "%d", (int)l.t[i].tid);
		k = (int)strlen(tid), w[0] = k > w[0] ? k : w[0];
		k = (int)strlen(l.t[i].name), w[1] = k > w[1] ? k : w[1];
		k = (int)strlen(l.t[i].state), w[2] = k > w[2] ? k : w[2];
		k = (int)strlen(l.t[i].call), w[3] = k > w[3] ? k : w[3];
	}
	printf("%*s  %-*s  %-*s  %-*s  %-14s  %s\n", w[0], "TID", w[1], "NAME", w[2], "STATE", w[3], "CALL", "ARG", "SINCE");
	for (i = 0; i < l.n; i++) {
		char since[24];
		fmt_since(since, sizeof since, l.t[i].since_ns, now);
		printf("%*d  %-*s  %-*s  %-*s  %-14s  %s\n", w[0], (int)l.t[i].tid, w[1], l.t[i].name[0] ? l.t[i].name : "-",
		       w[2], l.t[i].state, w[3], l.t[i].call, l.t[i].arg, since);
	}
	free(l.t);
	return EXIT_DONE;
}

static void describe_call(char *out, size_t sz, const struct tsp_thread *t)
{
	if (!strcmp(t->call, "-"))
		snprintf(out, sz, "not in a blocking call");
	else if (!strcmp(t->arg, "-"))
		snprintf(out, sz, "in %s", t->call);
	else
		snprintf(out, sz, "in %s %s", t->call, t->arg);
}

/* --wait: poll the process's list until each stopped thread has left the call it was in
 * (its call counter moved on, or it is in no call) or is gone. */
static int wait_threads(struct tsc *c, struct tsp_thread *st, int n, double limit)
{
	struct tlist l = { 0 };
	double t0 = now_s(CLOCK_MONOTONIC);
	int *done = calloc((size_t)n, sizeof *done), left = n, i, j, still = 0;
	useconds_t delay = 2000;

	if (!done)
		die(EXIT_UNREACHABLE, "out of memory");
	for (;;) {
		double el = now_s(CLOCK_MONOTONIC) - t0;
		int e = fetch_list(c, &l);
		if (e) {
			/* The connection broke: most likely the process is exiting. */
			for (j = 0; j < 50 && !proc_gone(c->pid); j++)
				usleep(20000);
			if (proc_gone(c->pid)) {
				for (i = 0; i < n; i++)
					if (!done[i])
						printf("%d %s: exited (the process exited)\n", (int)st[i].tid, st[i].name);
				break;
			}
			lost(c->pid, e);
		}
		for (i = 0; i < n; i++) {
			const struct tsp_thread *now = 0;
			char was[80];
			if (done[i])
				continue;
			for (j = 0; j < l.n && !now; j++)
				if (l.t[j].tid == st[i].tid)
					now = &l.t[j];
			describe_call(was, sizeof was, &st[i]);
			if (!now) {
				printf("%d %s: exited (after %.3fs)\n", (int)st[i].tid, st[i].name, el);
			} else if (!strcmp(st[i].call, "-")) {
				printf("%d %s: was not in a blocking call; its next one fails (now %s)\n", (int)st[i].tid,
				       st[i].name, now->state);
			} else if (!strcmp(now->call, "-") || now->seq != st[i].seq) {
				char in[80];
				describe_call(in, sizeof in, now);
				printf("%d %s: left %s after %.3fs; now %s, %s\n", (int)st[i].tid, st[i].name, st[i].call, el,
				       now->state, in);
			} else if (el >= limit) {
				printf("%d %s: still blocked %s after %gs%s\n", (int)st[i].tid, st[i].name, was, limit,
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
		if (!left)
			break;
		usleep(delay);
		if (delay < 100000)
			delay *= 2;
	}
	fflush(stdout);
	free(done);
	free(l.t);
	return still ? EXIT_NOMATCH : EXIT_DONE;
}

static int cmd_stop(int argc, char **argv)
{
	const char **sels = calloc((size_t)argc + 1, sizeof *sels);
	char line[TSP_LINE_MAX];
	struct tsp_thread *st = 0;
	struct tsp_reply r;
	struct tsc c;
	pid_t pid = 0;
	int i, nsel = 0, force = 0, wait = 0, n = 0, e, rc;
	double limit = 10;
	const char *msg;

	if (!sels)
		die(EXIT_UNREACHABLE, "out of memory");
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--force")) {
			force = 1;
		} else if (!strcmp(a, "--wait")) {
			wait = 1;
		} else if (!strncmp(a, "--wait=", 7)) {
			char *end;
			wait = 1;
			limit = strtod(a + 7, &end);
			if (!a[7] || *end || !(limit > 0) || limit > 86400)
				usage_error("--wait=SECONDS needs a number of seconds (0 < SECONDS <= 86400), not '%s'", a + 7);
		} else if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				sels[nsel++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			usage_error("stop: unknown option '%s'", a);
		} else if (!pid) {
			pid = parse_pid(a);
		} else {
			sels[nsel++] = a;
		}
	}
	if (!pid || !nsel)
		usage_error("usage: threadstop stop PID SELECTOR... [--force] [--wait[=SECONDS]]");
	e = tsc_stop_request(line, sizeof line, sels, nsel, force, &msg);
	if (e)
		usage_error("stop: %s", msg);
	connect_or_die(&c, pid);
	e = tsc_send(&c, line);
	while (!e && !(e = tsc_read(&c, &r))) {
		if (r.type == TSP_R_OK || r.type == TSP_R_ERR)
			break;
		if (r.type == TSP_R_UNMATCHED) {
			fprintf(stderr, "threadstop: no thread of pid %d matches '%s'\n", (int)pid, r.text);
		} else if (r.type == TSP_R_STOPPED) {
			char was[80];
			struct tsp_thread *p = realloc(st, (size_t)(n + 1) * sizeof *st);
			if (!p)
				die(EXIT_UNREACHABLE, "out of memory");
			st = p;
			st[n] = r.th;
			printable(st[n].name);
			describe_call(was, sizeof was, &st[n]);
			printf("%s %d %s (%s)\n", force ? "force-stopped" : "stopped", (int)st[n].tid, st[n].name, was);
			n++;
		}
	}
	if (e) {
		/* A stop that ends the program (a one-thread program whose blocked call
		 * fails) can take the listener with it before the reply is sent. */
		for (i = 0; i < 50 && !proc_gone(pid); i++)
			usleep(20000);
		if (!proc_gone(pid))
			lost(pid, e);
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
		if (!strcmp(r.code, TSP_E_NOMATCH)) {
			fprintf(stderr, "threadstop: nothing stopped: no thread of pid %d matches (see 'threadstop list %d')\n",
				(int)pid, (int)pid);
			return EXIT_NOMATCH;
		}
		die(EXIT_USAGE, "pid %d: %s", (int)pid, r.text);
	}
	fflush(stdout);
	rc = wait ? wait_threads(&c, st, n, limit) : EXIT_DONE;
	tsc_close(&c);
	free(st);
	free(sels);
	return rc;
}

/* run */

static int readable(const char *p) { return p && access(p, R_OK) == 0; }

/* The build tree's library only for the build tree's binary (TS_BUILD_EXE): an installed
 * threadstop never looks into a build tree, even one that still exists. */
static void find_lib(char *out, size_t sz)
{
	const char *env = getenv("THREADSTOP_LIB");
	char exe[PATH_MAX], built[PATH_MAX];
	ssize_t n;
	if (env && *env) {
		if (!realpath(env, out) || !readable(out))
			die(EXIT_EXEC, "THREADSTOP_LIB=%s: cannot read it (%s)", env, strerror(errno));
		return;
	}
#ifdef TS_BUILD_EXE
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		if (realpath(TS_BUILD_EXE, built) && !strcmp(exe, built) && readable(TS_BUILD_LIB) &&
		    realpath(TS_BUILD_LIB, out))
			return;
	}
#endif
	if (readable(TS_LIBDIR "/" TS_LIBNAME) && realpath(TS_LIBDIR "/" TS_LIBNAME, out))
		return;
	die(EXIT_EXEC, "cannot find %s in %s; set THREADSTOP_LIB to its path", TS_LIBNAME, TS_LIBDIR);
}

static int cmd_run(int argc, char **argv)
{
	char lib[PATH_MAX], *pre, *old;
	int i = 0;
	size_t len;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--signal") || !strncmp(argv[i], "--signal=", 9)) {
			const char *v = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[++i] : 0);
			char *end;
			long s = v ? strtol(v, &end, 10) : 0;
			if (!v || !*v || *end || s < SIGRTMIN || s > SIGRTMAX)
				usage_error("--signal needs a real-time signal number from %d to %d", SIGRTMIN, SIGRTMAX);
			setenv("THREADSTOP_SIGNAL", v, 1);
			i++;
		} else {
			usage_error("run: unknown option '%s' (put the command after '--')", argv[i]);
		}
	}
	if (i >= argc)
		usage_error("usage: threadstop run [--signal N] -- CMD [ARGS...]");
	find_lib(lib, sizeof lib);
	old = getenv("LD_PRELOAD");
	len = strlen(lib) + (old ? strlen(old) : 0) + 2;
	pre = malloc(len);
	if (!pre)
		die(EXIT_EXEC, "out of memory");
	if (old && *old)
		snprintf(pre, len, "%s:%s", lib, old);
	else
		snprintf(pre, len, "%s", lib);
	setenv("LD_PRELOAD", pre, 1);
	execvp(argv[i], argv + i);
	die(EXIT_EXEC, "cannot execute '%s': %s", argv[i], strerror(errno));
}

/* ps */

static void cmdline(pid_t pid, char *out, size_t sz)
{
	char path[40];
	ssize_t n, i;
	int fd;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, out, sz - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(out, sz, "?");
		return;
	}
	for (i = 0; i < n - 1; i++)
		if (!out[i])
			out[i] = ' ';
	out[n] = 0;
	printable(out);
}

static int cmd_ps(int argc, char **argv)
{
	char dirs[2][TSC_PATH_MAX];
	int nd = 0, i, k, json = 0, first = 1;
	struct tlist l = { 0 };

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			usage_error("ps: unexpected argument '%s'", argv[i]);
	}
	for (k = 0; k < 2; k++)
		if (!tsc_dir(k, getenv("THREADSTOP_DIR"), getenv("XDG_RUNTIME_DIR"), geteuid(), dirs[nd], sizeof dirs[nd]))
			nd++;
	if (json)
		printf("[");
	else
		printf("%7s  %7s  %7s  %7s  %s\n", "PID", "THREADS", "BLOCKED", "STOPPED", "COMMAND");
	for (k = 0; k < nd; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char path[TSC_PATH_MAX + 512], cmd[256], *end;
			struct stat st1, st2;
			struct tsc c;
			long v = strtol(de->d_name, &end, 10);
			int e, blocked = 0, stopped = 0;
			if (v <= 0 || v > INT_MAX || strcmp(end, ".sock"))
				continue;
			snprintf(path, sizeof path, "%s/%s", dirs[k], de->d_name);
			if (lstat(path, &st1) || !S_ISSOCK(st1.st_mode))
				continue;
			e = kill((pid_t)v, 0) < 0 && errno == ESRCH ? -ESRCH : tsc_open(&c, (pid_t)v);
			if (!e && strcmp(c.path, path)) { /* found in another directory */
				tsc_close(&c);
				continue;
			}
			if (e == -ESRCH || e == -ECONNREFUSED) {
				/* Stale: unlink it unless a new process just replaced it. */
				if (!lstat(path, &st2) && st2.st_ino == st1.st_ino && st2.st_dev == st1.st_dev)
					unlink(path);
				continue;
			}
			if (e || fetch_list(&c, &l)) {
				if (!e)
					tsc_close(&c);
				continue;
			}
			tsc_close(&c);
			for (i = 0; i < l.n; i++) {
				blocked += !strcmp(l.t[i].state, TSP_ST_BLOCKED);
				stopped += !strcmp(l.t[i].state, TSP_ST_STOPPED) || !strcmp(l.t[i].state, TSP_ST_PENDING);
			}
			cmdline((pid_t)v, cmd, sizeof cmd);
			if (json) {
				printf("%s{\"pid\":%ld,\"threads\":%d,\"blocked\":%d,\"stopped\":%d,\"command\":", first ? "" : ",", v,
				       l.n, blocked, stopped);
				json_str(stdout, cmd);
				printf(",\"socket\":");
				json_str(stdout, path);
				printf("}");
			} else {
				printf("%7ld  %7d  %7d  %7d  %s\n", v, l.n, blocked, stopped, cmd);
			}
			first = 0;
		}
		closedir(d);
	}
	if (json)
		printf("]\n");
	free(l.t);
	return EXIT_DONE;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : 0;
	if (!cmd)
		usage_error("no command given");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return EXIT_DONE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("threadstop %s (control protocol %d)\n", TS_VERSION, TSP_PROTO);
		return EXIT_DONE;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 2, argv + 2);
	if (!strcmp(cmd, "stop"))
		return cmd_stop(argc - 2, argv + 2);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(argc - 2, argv + 2);
	usage_error("unknown command '%s'", cmd);
}
