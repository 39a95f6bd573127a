/* ts-bench: runs the threadstop benchmarks and reports them, as TAP on stdout (one "ok"
 * line per benchmark that produced its figures, "not ok" when one crashed or produced
 * none; the figures on "# " lines) and as Markdown tables (--md FILE).  Driven by
 * scripts/bench; see doc/benchmarks.md for what each figure means.
 *
 *   ts-bench [--quick] --lib LIBTHREADSTOP --bin DIR --cli THREADSTOP [--md FILE]
 *     --bin DIR: where ts-bench-fast, -fast-linked, -stop and -mem are. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../tests/common/taskstate.h"

extern char **environ;

static int quick;
static const char *lib, *bindir, *cli;
static char **env_plain, **env_shim;
static char *md;
static size_t mdlen;
static FILE *mdf;
static int ntap, nfail, nmissed;
static char tmpdir[64];

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", ok ? "" : "not ", ++ntap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		nfail++;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define MD(...) fprintf(mdf, __VA_ARGS__)

/* "met" / "MISSED" against a target; quick mode asserts nothing. */
static const char *verdict(int met)
{
	if (quick)
		return "-";
	if (!met)
		nmissed++;
	return met ? "met" : "**MISSED**";
}

static char **make_env(int preload)
{
	size_t n = 0, k = 0;
	char **e;
	while (environ[n])
		n++;
	e = calloc(n + 2, sizeof *e);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			e[k++] = environ[i];
	if (preload && asprintf(&e[k++], "LD_PRELOAD=%s", lib) < 0)
		exit(1);
	return e;
}

static char *bin(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", bindir, name) < 0)
		exit(1);
	return p;
}

/* Start argv with stdin/stdout redirected (-1: inherit). */
static pid_t spawn(char *const argv[], char **env, int in, int out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int e;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	e = posix_spawn(&pid, argv[0], &fa, 0, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "ts-bench: %s: %s\n", argv[0], strerror(e));
		return -1;
	}
	return pid;
}

static int wait_ok(pid_t pid, const char *what)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	fprintf(stderr, "ts-bench: %s: %s %d\n", what, WIFEXITED(st) ? "exit status" : "killed by signal",
		WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* Run argv to completion and capture its stdout (NUL-terminated).  Returns 1 when it
 * exited 0.  *elapsed: wall time in ns, process start included. */
static int run_capture(char *const argv[], char **env, char *buf, size_t size, long long *elapsed)
{
	int p[2], ok;
	size_t len = 0;
	ssize_t n;
	long long t0;
	pid_t pid;
	if (pipe2(p, O_CLOEXEC))
		return 0;
	t0 = now_ns();
	pid = spawn(argv, env, -1, p[1]);
	close(p[1]);
	while ((n = read(p[0], buf + len, size - 1 - len)) > 0 && len + (size_t)n < size - 1)
		len += (size_t)n;
	if (n > 0)
		len += (size_t)n;
	while (n > 0) {
		char sink[4096];
		n = read(p[0], sink, sizeof sink);
	}
	close(p[0]);
	buf[len] = 0;
	ok = wait_ok(pid, argv[0]);
	if (elapsed)
		*elapsed = now_ns() - t0;
	return ok;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* 1. The fast path, plain vs shim, interleaved. */
static void fast_path(void)
{
	static const struct { const char *mode; long n; double target; const char *what; } B[] = {
		{ "read", 200000, 1.02, "`read` 1 byte from /dev/zero" },
		{ "recv", 200000, 1.02, "`recv` 1 byte, `MSG_PEEK`, socketpair" },
		{ "poll", 200000, 1.02, "`poll` 1 empty pipe, timeout 0" },
		{ "pingpong", 20000, 1.03, "cond signal/wait ping-pong (per round trip)" },
		{ "read-st", 200000, 0, "`read`, single-threaded process" },
	};
	int rounds = quick ? 2 : 15, reps = quick ? 1 : 5;
	MD("## 1. Fast-path overhead (no stop pending)\n\n"
	   "%d rounds; in each round the same binary (`ts-bench-fast`) runs once plain and once "
	   "with `LD_PRELOAD=libthreadstop.so`, in alternating order (A B, B A, ...). Each run "
	   "times %d loops of N calls after a warm-up and reports the median ns per call; the "
	   "ratio shim/plain is taken per round. `recv` uses `MSG_PEEK` on a socketpair holding "
	   "one byte, so the data stays and the loop needs no refill. Every mode but the last "
	   "runs one extra idle thread, so glibc takes its multi-threaded paths in both runs "
	   "(under the shim the process has the control thread anyway); `read-st` is the "
	   "single-threaded plain process, for reference.\n\n"
	   "The target applies to the wall-time ratio; the CPU-time ratio (CPU time of the whole "
	   "process, `CLOCK_PROCESS_CPUTIME_ID`, per round, median) leaves out the time a run "
	   "spent waiting for a CPU held by other programs, which dominates the ping-pong's "
	   "spread on a loaded machine.\n\n"
	   "| call | N | plain ns/call (median) | shim ns/call (median) | ratio median | min | max | CPU-time ratio median | target | |\n"
	   "|---|---|---|---|---|---|---|---|---|---|\n",
	   rounds, reps);
	for (size_t b = 0; b < sizeof B / sizeof B[0]; b++) {
		double ratio[32], plain[32], shim[32], cratio[32], cplain[32], cshim[32];
		char nbuf[32], rbuf[32], out[64];
		long n = quick ? B[b].n / 20 : B[b].n;
		int ok = 1;
		snprintf(nbuf, sizeof nbuf, "%ld", n);
		snprintf(rbuf, sizeof rbuf, "%d", reps);
		for (int r = 0; r < rounds && ok; r++) {
			char *argv[] = { bin("ts-bench-fast"), (char *)B[b].mode, nbuf, rbuf, 0 };
			for (int k = 0; k < 2 && ok; k++) {
				int with = (k + r) % 2;
				double v = 0, cv = 0;
				ok = run_capture(argv, with ? env_shim : env_plain, out, sizeof out, 0) &&
				     sscanf(out, "%lf %lf", &v, &cv) == 2 && v > 0 && cv > 0;
				(with ? shim : plain)[r] = v;
				(with ? cshim : cplain)[r] = cv;
			}
			ratio[r] = shim[r] / plain[r];
			cratio[r] = cshim[r] / cplain[r];
			free(argv[0]);
		}
		if (!ok) {
			tap(0, "fast %s: no figures", B[b].mode);
			continue;
		}
		double mp = median(plain, rounds), ms = median(shim, rounds);
		double lo = 1e9, hi = 0;
		for (int r = 0; r < rounds; r++) {
			lo = ratio[r] < lo ? ratio[r] : lo;
			hi = ratio[r] > hi ? ratio[r] : hi;
		}
		double med = median(ratio, rounds), cmed = median(cratio, rounds);
		const char *v = B[b].target > 0 ? verdict(med <= B[b].target) : "-";
		tap(1, "fast %s: plain %.1f ns, shim %.1f ns, ratio median %.3f (min %.3f, max %.3f), CPU time ratio median %.3f%s%s",
		    B[b].mode, mp, ms, med, lo, hi, cmed, B[b].target > 0 && !quick ? ", target met: " : "",
		    B[b].target > 0 && !quick ? (med <= B[b].target ? "yes" : "NO") : "");
		if (B[b].target > 0)
			MD("| %s | %ld | %.1f | %.1f | %.3f | %.3f | %.3f | %.3f | <= %.2f | %s |\n", B[b].what, n, mp, ms, med, lo, hi,
			   cmed, B[b].target, v);
		else
			MD("| %s | %ld | %.1f | %.1f | %.3f | %.3f | %.3f | %.3f | | |\n", B[b].what, n, mp, ms, med, lo, hi, cmed);
	}
	MD("\n");
}

/* Instructions per call, user space, from callgrind: (I(2N) - I(N)) / calls. */
static double callgrind_ir(const char *prog, const char *mode, long n)
{
	char file[128], nbuf[32], line[256], out[64];
	char *vg = "/usr/bin/valgrind";
	double ir = -1;
	FILE *f;
	snprintf(file, sizeof file, "%s/callgrind.out", tmpdir);
	snprintf(nbuf, sizeof nbuf, "%ld", n);
	char *fileopt;
	if (asprintf(&fileopt, "--callgrind-out-file=%s", file) < 0)
		return -1;
	char *argv[] = { vg, "-q", "--tool=callgrind", fileopt, bin(prog), (char *)mode, nbuf, "1", 0 };
	if (run_capture(argv, env_plain, out, sizeof out, 0) && (f = fopen(file, "r"))) {
		while (fgets(line, sizeof line, f))
			if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7))
				ir = atof(strchr(line, ':') + 1);
		fclose(f);
	}
	unlink(file);
	free(argv[4]);
	free(fileopt);
	return ir;
}

static void instructions(void)
{
	static const char *const modes[] = { "read", "recv", "poll", "pingpong" };
	long n = 20000, calls = n + n / 10 + 1; /* ts-bench-fast: warm-up n/10+1, then n */
	if (access("/usr/bin/valgrind", X_OK)) {
		tap(1, "instructions # SKIP valgrind not installed");
		return;
	}
	MD("## Instructions per call (callgrind)\n\n"
	   "User-space instructions counted by `valgrind --tool=callgrind`, repeatable whatever "
	   "the noise: (I(2N) - I(N)) / calls for N = %ld, of `ts-bench-fast` (plain) and of "
	   "`ts-bench-fast-linked` (the same source linked against libthreadstop.so, which "
	   "interposes exactly as LD_PRELOAD does; valgrind's launcher is a shell script that "
	   "should not be preloaded). The kernel's work is not counted.\n\n"
	   "| call | plain instr/call | shim instr/call | difference |\n|---|---|---|---|\n",
	   n);
	for (int i = 0; i < 4; i++) {
		double p1 = callgrind_ir("ts-bench-fast", modes[i], n), p2 = callgrind_ir("ts-bench-fast", modes[i], 2 * n);
		double s1 = callgrind_ir("ts-bench-fast-linked", modes[i], n),
		       s2 = callgrind_ir("ts-bench-fast-linked", modes[i], 2 * n);
		if (p1 < 0 || p2 < 0 || s1 < 0 || s2 < 0) {
			tap(0, "instructions %s: callgrind failed", modes[i]);
			continue;
		}
		double p = (p2 - p1) / (double)calls, s = (s2 - s1) / (double)calls;
		tap(1, "instructions %s: plain %.1f, shim %.1f per call", modes[i], p, s);
		MD("| %s%s | %.1f | %.1f | %+.1f |\n", modes[i], i == 3 ? " (per round trip, both threads)" : "", p, s, s - p);
	}
	MD("\n");
}

/* 2. Stop latency, in-process. */
static void latency(void)
{
	static const char *const calls[] = { "read", "accept", "poll", "nanosleep", "cond_wait" };
	long count = quick ? 50 : 1000, cond_spurious = 0, cond_count = 0;
	char cbuf[32], out[256];
	snprintf(cbuf, sizeof cbuf, "%ld", count);
	MD("## 2. Stop latency\n\n"
	   "`ts-bench-stop latency CALL %ld`: a thread blocks in CALL; once "
	   "`/proc/self/task/TID/stat` shows it asleep (`S`), the main thread takes t0 "
	   "(`CLOCK_MONOTONIC`) and calls `thread_stop_tid()` (the stop reaching the process); "
	   "the blocked thread takes t1 right after its call returns `ECANCELED`, clears its "
	   "stop and blocks again. t1 - t0 over %ld stops per call:\n\n"
	   "| call | stops | p50 us | p99 us | max us | target p50 <= 15, p99 <= 50 |\n|---|---|---|---|---|---|\n",
	   count, count);
	for (int i = 0; i < 5; i++) {
		char *argv[] = { bin("ts-bench-stop"), "latency", (char *)calls[i], cbuf, 0 };
		long n = 0, spurious = 0;
		long long p50, p99, max;
		int ok = run_capture(argv, env_shim, out, sizeof out, 0) &&
			 sscanf(out, "%ld %lld %lld %lld %ld", &n, &p50, &p99, &max, &spurious) == 5 && n == count;
		free(argv[0]);
		if (!ok) {
			tap(0, "latency %s: no figures", calls[i]);
			continue;
		}
		int met = p50 <= 15000 && p99 <= 50000;
		tap(1, "latency %s: %ld stops, p50 %.1f us, p99 %.1f us, max %.1f us%s", calls[i], n, p50 / 1e3,
		    p99 / 1e3, max / 1e3, quick ? "" : met ? ", target met" : ", target MISSED");
		MD("| %s | %ld | %.1f | %.1f | %.1f | %s |\n", calls[i], n, p50 / 1e3, p99 / 1e3, max / 1e3, verdict(met));
		if (spurious)
			cond_spurious = spurious, cond_count = n;
	}
	MD("\n");
	if (cond_spurious) {
		note("cond_wait: %ld spurious wake-ups (return 0) over %ld stops", cond_spurious, cond_count);
		MD("The `cond_wait` waiter saw %ld spurious wake-ups (returns of 0, which POSIX allows and "
		   "a program's predicate loop absorbs) over %ld stops.  The stop protocol should cause "
		   "none (its repeated broadcasts follow the wait they were meant for: see "
		   "`tsprobe condclear`); these came from elsewhere on the machine or are a regression.\n\n",
		   cond_spurious, cond_count);
	}
}

/* Start `ts-bench-stop ARGS...` with the shim, its stdout on a pipe; read its first line. */
struct target {
	pid_t pid;
	FILE *out;
	int in;  /* its stdin (write end), or -1 */
	char line[256];
};

static int target_start(struct target *t, char *const argv[], int with_stdin)
{
	int o[2], i[2] = { -1, -1 };
	t->in = -1;
	t->out = 0;
	if (pipe2(o, O_CLOEXEC) || (with_stdin && pipe2(i, O_CLOEXEC)))
		return 0;
	t->pid = spawn(argv, env_shim, i[0], o[1]);
	close(o[1]);
	if (i[0] >= 0)
		close(i[0]);
	t->in = i[1];
	t->out = fdopen(o[0], "r");
	return t->pid > 0 && fgets(t->line, sizeof t->line, t->out);
}

static int target_end(struct target *t, const char *what)
{
	if (t->in >= 0)
		close(t->in);
	if (t->out)
		fclose(t->out);
	return wait_ok(t->pid, what);
}

/* 3. Scale: 1,000 threads blocked in read, stopped all at once. */
static void scale(void)
{
	long n = quick ? 50 : 1000;
	char nbuf[32], pidbuf[32], *out = malloc(1 << 20);
	long long t0, t_cli, t_list, t_last, t00;
	int cancelled, pid;
	struct target t;
	snprintf(nbuf, sizeof nbuf, "%ld", n);
	MD("## 3. Scale: %ld threads blocked in `read`\n\n", n);

	/* in-process: thread_stop_tid() on every tid */
	{
		char *argv[] = { bin("ts-bench-stop"), "many", nbuf, "inproc", 0 };
		int ok = target_start(&t, argv, 0) && fgets(t.line, sizeof t.line, t.out) &&
			 sscanf(t.line, "done %d %lld %lld", &cancelled, &t00, &t_last) == 3;
		ok = target_end(&t, "many inproc") && ok && cancelled == n;
		free(argv[0]);
		if (ok) {
			double ms = (t_last - t00) / 1e6;
			tap(1, "scale in-process: %ld threads stopped with thread_stop_tid() each, all returned in %.2f ms", n, ms);
			MD("- In-process, `thread_stop_tid()` on each tid in turn (`ts-bench-stop many %ld inproc`): "
			   "first call to the last blocked `read` returning: **%.2f ms** (target <= 10 ms: %s).\n",
			   n, ms, verdict(ms <= 10));
		} else {
			tap(0, "scale in-process: no figures");
		}
	}
	/* the control plane from inside: thread_stop(getpid(), "call:read") */
	{
		char *argv[] = { bin("ts-bench-stop"), "many", nbuf, "socket", 0 };
		int ok = target_start(&t, argv, 0) && fgets(t.line, sizeof t.line, t.out) &&
			 sscanf(t.line, "done %d %lld %lld", &cancelled, &t00, &t_last) == 3;
		ok = target_end(&t, "many socket") && ok && cancelled == n;
		free(argv[0]);
		if (ok) {
			double ms = (t_last - t00) / 1e6;
			tap(1, "scale control socket: thread_stop(getpid(), \"call:read\"): all %ld returned in %.2f ms", n, ms);
			MD("- Control plane without the CLI's process start: the target's main thread calls "
			   "`thread_stop(getpid(), \"call:read\")` (the client call the CLI makes, over the control "
			   "socket; `ts-bench-stop many %ld socket`): from that call to the last blocked `read` "
			   "returning: **%.2f ms** (target <= 10 ms: %s).\n",
			   n, ms, verdict(ms <= 10));
		} else {
			tap(0, "scale control socket: no figures");
		}
	}
	/* the control plane: threadstop list PID, then threadstop stop PID all */
	{
		char *argv[] = { bin("ts-bench-stop"), "many", nbuf, "wait", 0 };
		int ok = target_start(&t, argv, 1) && sscanf(t.line, "ready %d", &pid) == 1, lines = 0;
		size_t bytes = 0;
		snprintf(pidbuf, sizeof pidbuf, "%d", pid);
		char *list[] = { (char *)cli, "list", pidbuf, 0 }, *stop[] = { (char *)cli, "stop", pidbuf, "all", 0 };
		if (ok && (ok = run_capture(list, env_plain, out, 1 << 20, &t_list))) {
			bytes = strlen(out);
			for (char *p = out; (p = strchr(p, '\n')); p++)
				lines++;
		}
		if (ok) {
			t0 = now_ns();
			ok = run_capture(stop, env_plain, out, 1 << 20, &t_cli);
		}
		ok = ok && fgets(t.line, sizeof t.line, t.out) &&
		     sscanf(t.line, "done %d %lld %lld", &cancelled, &t00, &t_last) == 3 && cancelled == n;
		ok = target_end(&t, "many wait") && ok;
		free(argv[0]);
		if (ok) {
			double ms = (t_last - t0) / 1e6;
			tap(1, "scale control plane: threadstop stop PID all: all %ld returned %.2f ms after the CLI started "
			       "(the CLI ran %.2f ms); threadstop list: %.2f ms, %d lines, %zu bytes",
			    n, ms, t_cli / 1e6, t_list / 1e6, lines, bytes);
			MD("- Control plane, `threadstop stop PID all` (`ts-bench-stop many %ld wait`): from the start of "
			   "the `threadstop` process to the last blocked `read` returning: **%.2f ms** (target <= 10 ms: %s; "
			   "this includes starting the CLI, see section 4); the CLI process itself ran %.2f ms.\n"
			   "- `threadstop list PID` on those %ld threads (+ main): **%.2f ms** including process start, "
			   "%d lines, %zu bytes of output.\n",
			   n, ms, verdict(ms <= 10), t_cli / 1e6, n, t_list / 1e6, lines, bytes);
		} else {
			tap(0, "scale control plane: no figures");
		}
	}
	MD("\n");
	free(out);
}

static char task_state(int pid, int tid)
{
	return task_state_of(pid, tid);
}

static double percentile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	int k = (int)(q * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* 4. CLI end to end, and 6. the idle control thread. */
static void cli_and_idle(void)
{
	int count = quick ? 5 : 200, pid = 0, tid = 0, ok, idle_ms = quick ? 300 : 5000;
	double *tc = calloc((size_t)count, sizeof *tc), *tt = calloc((size_t)count, sizeof *tt);
	char pidbuf[32], tidbuf[32], out[4096];
	struct target t;
	char *argv[] = { bin("ts-bench-stop"), "one", 0 };
	ok = target_start(&t, argv, 1) && sscanf(t.line, "ready %d %d", &pid, &tid) == 2;
	free(argv[0]);
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	snprintf(tidbuf, sizeof tidbuf, "%d", tid);
	char *stop[] = { (char *)cli, "stop", pidbuf, tidbuf, 0 }, *tru[] = { "/bin/true", 0 };
	for (int i = 0; i < count && ok; i++) {
		long long el;
		int c;
		while (ok && task_state(pid, tid) != 'S')
			usleep(50);
		ok = run_capture(tru, env_plain, out, sizeof out, &el);
		tt[i] = el / 1e3;
		ok = ok && run_capture(stop, env_plain, out, sizeof out, &el);
		tc[i] = el / 1e3;
		ok = ok && (c = fgetc(t.out)) == '.';
	}
	/* the idle control thread: context switches over idle_ms */
	long sw0 = -1, sw1 = -1;
	char comm[64], path[320];
	int ctl = 0;
	DIR *d;
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if (ok && (d = opendir(path))) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				FILE *f;
				snprintf(path, sizeof path, "/proc/%d/task/%s/comm", pid, e->d_name);
				if ((f = fopen(path, "r"))) {
					if (fgets(comm, sizeof comm, f) && !strcmp(comm, "threadstop\n"))
						ctl = atoi(e->d_name);
					fclose(f);
				}
			}
		closedir(d);
	}
	for (int k = 0; k < 2 && ctl; k++) {
		FILE *f;
		char line[256];
		long v = 0, nv = 0;
		if (k)
			usleep((useconds_t)idle_ms * 1000);
		snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, ctl);
		if ((f = fopen(path, "r"))) {
			while (fgets(line, sizeof line, f)) {
				sscanf(line, "voluntary_ctxt_switches: %ld", &v);
				sscanf(line, "nonvoluntary_ctxt_switches: %ld", &nv);
			}
			fclose(f);
		}
		*(k ? &sw1 : &sw0) = v + nv;
	}
	ok = target_end(&t, "one") && ok;
	MD("## 4. CLI end to end\n\n");
	if (ok) {
		double c50 = percentile(tc, count, 0.5), t50 = percentile(tt, count, 0.5);
		double c99 = percentile(tc, count, 0.99), t99 = percentile(tt, count, 0.99);
		tap(1, "cli: threadstop stop PID TID median %.0f us (p99 %.0f), /bin/true median %.0f us (p99 %.0f), %d each",
		    c50, c99, t50, t99, count);
		MD("`threadstop stop PID TID` against a thread blocked in `read` (`ts-bench-stop one`), wall time "
		   "from `posix_spawn` to `waitpid`, process start included, %d runs interleaved with `/bin/true` "
		   "timed the same way (the cost of starting any process):\n\n"
		   "| command | median us | p99 us | target |\n|---|---|---|---|\n"
		   "| `threadstop stop PID TID` | %.0f | %.0f | <= 1000: %s |\n"
		   "| `/bin/true` | %.0f | %.0f | |\n| difference of the medians | %.0f | | |\n\n",
		   count, c50, c99, verdict(c50 <= 1000), t50, t99, c50 - t50);
	} else {
		tap(0, "cli: no figures");
		MD("(failed)\n\n");
	}
	if (ok && ctl && sw0 >= 0 && sw1 >= 0) {
		double rate = (sw1 - sw0) * 1000.0 / idle_ms;
		tap(1, "idle: control thread %d: %ld context switches in %d ms (%.2f/s)", ctl, sw1 - sw0, idle_ms, rate);
		MD("## 5. Idle control thread\n\n"
		   "`voluntary_ctxt_switches + nonvoluntary_ctxt_switches` of the `threadstop` thread "
		   "(/proc/PID/task/TID/status) of an idle process, before and after %d ms: **%ld** "
		   "wake-ups (%.2f per second; target 0: %s).\n\n",
		   idle_ms, sw1 - sw0, rate, verdict(sw1 == sw0));
	} else {
		tap(0, "idle: %s", ok ? "control thread not found" : "no figures");
	}
	free(tc);
	free(tt);
}

/* 6. Memory. */
static void memory(void)
{
	char out[128], nbuf[32], n2buf[32];
	long size = 0;
	unsigned long a[2][2] = { { 1, 1 }, { 1, 1 } }, b[2][2] = { { 0, 0 }, { 0, 0 } }, ta[2], tb[2];
	long l[2][2], tl[2];
	long n = quick ? 1000 : 100000, k = quick ? 20 : 200;
	int ok;
	char *sz[] = { bin("ts-bench-mem"), "size", 0 };
#ifdef TS_BENCH_SANITIZED
	/* ts-bench-mem counts allocations with malloc wrappers of its own, which a
	 * sanitizer's runtime replaces */
	printf("ok %d - memory # SKIP in a sanitized build\n", ++ntap);
	free(sz[0]);
	return;
#endif
	ok = run_capture(sz, env_shim, out, sizeof out, 0) && sscanf(out, "%ld", &size) == 1;
	for (int with = 0; with < 2 && ok; with++)
		for (int m = 0; m < 2 && ok; m++) {
			snprintf(nbuf, sizeof nbuf, "%ld", n << m);
			char *argv[] = { sz[0], "fast", nbuf, 0 };
			ok = run_capture(argv, with ? env_shim : env_plain, out, sizeof out, 0) &&
			     sscanf(out, "allocs %lu bytes %lu live %ld", &a[with][m], &b[with][m], &l[with][m]) == 3;
		}
	snprintf(n2buf, sizeof n2buf, "%ld", k);
	for (int with = 0; with < 2 && ok; with++) {
		char *argv[] = { sz[0], "threads", n2buf, 0 };
		ok = run_capture(argv, with ? env_shim : env_plain, out, sizeof out, 0) &&
		     sscanf(out, "allocs %lu bytes %lu live %ld", &ta[with], &tb[with], &tl[with]) == 3;
	}
	free(sz[0]);
	if (!ok) {
		tap(0, "memory: no figures");
		return;
	}
	double per_thread = ((double)ta[1] - (double)ta[0]) / (double)k;
	double per_thread_b = ((double)tb[1] - (double)tb[0]) / (double)k;
	double per_thread_live = ((double)tl[1] - (double)tl[0]) / (double)k;
	tap(1, "memory: static TLS per thread %ld bytes; fast path allocations plain %lu/%lu, shim %lu/%lu (N/2N); "
	       "per thread %+.2f allocations, %+.1f bytes, %+.1f bytes retained",
	    size, a[0][0], a[0][1], a[1][0], a[1][1], per_thread, per_thread_b, per_thread_live);
	MD("## 6. Memory\n\n"
	   "- Per registered thread: the shim's static TLS (its `struct ts_thread`) = **%ld bytes** "
	   "(`ts-bench-mem size`, preloaded; target <= 256: %s). Heap allocations per thread created and "
	   "joined (each making one interposed call), shim minus plain over %ld threads "
	   "(`ts-bench-mem threads %ld`): %+.2f allocations, %+.1f bytes per thread, of which %+.1f bytes "
	   "are still allocated after the threads have been joined.\n"
	   "- Heap allocations on the fast path (`ts-bench-mem fast N`: N calls each of `read`, "
	   "`recv`, `poll`, `nanosleep` and a `pthread_cond_timedwait` that times out, with every "
	   "`malloc`/`calloc`/`realloc`/`memalign` of the process counted by the executable's own "
	   "allocator wrappers): plain **%lu** (N = %ld) / **%lu** (2N), with the shim **%lu** / **%lu** "
	   "(target 0: %s).\n\n",
	   size, verdict(size <= 256), k, k, per_thread, per_thread_b, per_thread_live, a[0][0], n, a[0][1], a[1][0],
	   a[1][1], verdict(a[1][0] == 0 && a[1][1] == 0));
}

int main(int argc, char **argv)
{
	const char *mdpath = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--lib") && i + 1 < argc)
			lib = argv[++i];
		else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
			bindir = argv[++i];
		else if (!strcmp(argv[i], "--cli") && i + 1 < argc)
			cli = argv[++i];
		else if (!strcmp(argv[i], "--md") && i + 1 < argc)
			mdpath = argv[++i];
		else {
			fprintf(stderr, "usage: ts-bench [--quick] --lib LIB --bin DIR --cli THREADSTOP [--md FILE]\n");
			return 2;
		}
	}
	if (!lib || !bindir || !cli) {
		fprintf(stderr, "ts-bench: --lib, --bin and --cli are required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* a private socket directory for the targets: nothing left behind elsewhere */
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ts-bench-XXXXXX");
	if (!mkdtemp(tmpdir) || setenv("THREADSTOP_DIR", tmpdir, 1))
		return 1;
	env_plain = make_env(0);
	env_shim = make_env(1);
	mdf = open_memstream(&md, &mdlen);
	printf("1..%d\n", quick ? 16 : 20);
	fast_path();
	if (!quick)
		instructions();
	latency();
	scale();
	cli_and_idle();
	memory();
	fclose(mdf);
	if (mdpath) {
		FILE *f = fopen(mdpath, "w");
		if (!f || fputs(md, f) < 0 || fclose(f))
			return 1;
	}
	/* remove what the targets may have left */
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		char p[sizeof tmpdir + 260];
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(tmpdir);
	if (!quick)
		note("%d target%s missed", nmissed, nmissed == 1 ? "" : "s");
	return nfail ? 1 : 0;
}
