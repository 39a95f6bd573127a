/* ts-bench: 3. many threads stopped at once, against the floor of bare signal wake-ups,
 * and the curves of how the costs grow with the number of threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "report.h"

/* base plus the space-separated VAR=VALUE words of `extra`; free both *words and it */
static char **env_with(char **base, const char *extra, char **words)
{
	size_t n = 0, k = 0;
	char **e, *w, *save;
	while (base[n])
		n++;
	e = calloc(n + 8, sizeof *e);
	*words = strdup(extra);
	if (!e || !*words)
		exit(1);
	for (size_t i = 0; i < n; i++)
		e[k++] = base[i];
	for (w = strtok_r(*words, " ", &save); w && k < n + 7; w = strtok_r(0, " ", &save))
		e[k++] = w;
	return e;
}

/* One `ts-bench-stop many N HOW` run, with the VAR=VALUE words of `extra` (or 0) in its
 * environment: ms from the first stop to the last read returning (-1 when it failed);
 * for pick, *one_us gets the median single stop in us. */
static double many_env(long n, const char *how, double *one_us, const char *extra)
{
	char nbuf[32];
	struct target t;
	long long t0, last, p50, max;
	int cancelled = -1, k, ok;
	snprintf(nbuf, sizeof nbuf, "%ld", n);
	char *argv[] = { bin("ts-bench-stop"), "many", nbuf, (char *)how, 0 };
	char **env = strcmp(how, "floor") ? env_shim : env_plain, *words = 0;
	if (extra)
		env = env_with(env, extra, &words);
	ok = target_start_env(&t, argv, 0, env);
	if (extra)
		free(env), free(words);
	if (ok && one_us) {
		ok = fgets(t.line, sizeof t.line, t.out) && sscanf(t.line, "pick %d %lld %lld", &k, &p50, &max) == 3;
		*one_us = p50 / 1e3;
	}
	ok = ok && fgets(t.line, sizeof t.line, t.out) && sscanf(t.line, "done %d %lld %lld", &cancelled, &t0, &last) == 3;
	ok = target_end(&t, how) && ok && cancelled == n;
	free(argv[0]);
	if (ok && one_us) /* (pick: the rest, if any, were stopped after t0) */
		return 1;
	return ok ? (last - t0) / 1e6 : -1;
}

static double many(long n, const char *how, double *one_us)
{
	return many_env(n, how, one_us, 0);
}

/* A `threadstop CMD PID ARGS` run against a `many N wait` target: wall time in ms. */
static double cli_ms(char **argv)
{
	static char out[1 << 20];
	long long el;
	return run_capture(argv, env_plain, out, sizeof out, &el) ? el / 1e6 : -1;
}

/* list (median of `reps` runs, ms) and `threadstop stop PID all` (ms from the CLI's start to
 * the last read returning) against N blocked threads. */
static int list_and_stop(long n, int reps, double *list_ms, double *stop_ms, int *lines)
{
	char nbuf[32], pidbuf[32];
	struct target t;
	double v[16];
	long long t0, t00, last;
	int pid = 0, cancelled = -1, ok;
	snprintf(nbuf, sizeof nbuf, "%ld", n);
	char *argv[] = { bin("ts-bench-stop"), "many", nbuf, "wait", 0 };
	ok = target_start(&t, argv, 1) && sscanf(t.line, "ready %d", &pid) == 1;
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	char *list[] = { (char *)cli, "list", pidbuf, 0 }, *stop[] = { (char *)cli, "stop", pidbuf, "all", 0 };
	for (int i = 0; i < reps && ok; i++)
		ok = (v[i] = cli_ms(list)) >= 0;
	if (ok) {
		static char out[1 << 20];
		long long el;
		*list_ms = median(v, reps);
		ok = run_capture(list, env_plain, out, sizeof out, &el);
		*lines = 0;
		for (char *p = out; ok && (p = strchr(p, '\n')); p++)
			++*lines;
		t0 = now_ns();
		ok = ok && run_capture(stop, env_plain, out, sizeof out, &el);
	}
	ok = ok && fgets(t.line, sizeof t.line, t.out) &&
	     sscanf(t.line, "done %d %lld %lld", &cancelled, &t00, &last) == 3 && cancelled == n;
	ok = target_end(&t, "many wait") && ok;
	free(argv[0]);
	if (ok)
		*stop_ms = (last - t0) / 1e6;
	return ok;
}

static void at_1000(void)
{
	/* base: the row this one's ratio is to.  The first five are the figure and its
	 * targets; the last three show the same stop on threads that used only the top of
	 * their stacks (bench/stop.c, touch_stack). */
	static const struct { const char *how, *env, *what; int base; } M[] = {
		{ "floor", 0, "the floor: a bare `tgkill` to each thread, no shim (`floor`)", 0 },
		{ "inproc", 0, "`thread_stop_tid()` on each tid in turn (`inproc`)", 0 },
		{ "socket", 0, "`thread_stop(getpid(), \"call:read\")`, the control socket (`socket`)", 0 },
		{ "glob", 0, "`thread_stop(getpid(), \"r*\")`, a name glob (`glob`)", 0 },
		{ "all", 0, "`thread_stop(getpid(), \"all\")`, the calling thread too (`all`)", 0 },
		{ "floor", "TSB_FRESH=1", "fresh stacks: the floor (`TSB_FRESH=1 ... floor`)", 5 },
		{ "socket", "TSB_FRESH=1", "fresh stacks: `call:read` (`TSB_FRESH=1 ... socket`)", 5 },
		{ "floor", "TSB_FRESH=1 TSB_DEEP=800", "fresh stacks: the floor, its `read` 800 bytes lower (`TSB_DEEP=800`)", 5 },
	};
	enum { NM = sizeof M / sizeof M[0], NT = 5 };
	long n = quick ? 50 : 1000;
	int rounds = quick ? 1 : 15, nm = quick ? NT : NM, ok = 1;
	double ms[NM][16], ratio[NM][16];
	for (int r = 0; r < rounds && ok; r++)
		for (int m = 0; m < nm && ok; m++) {
			ms[m][r] = many_env(n, M[m].how, 0, M[m].env);
			ok = ms[m][r] > 0;
			ratio[m][r] = ms[m][r] / ms[M[m].base][r];
		}
	MD("## 3. Scale: %ld threads blocked in `read`\n\n"
	   "`ts-bench-stop many %ld HOW`: %ld threads blocked in `read` on one empty pipe are all stopped; "
	   "the figure is the time from the first stop to the last `read` returning (`ECANCELED`; for the "
	   "floor, `EINTR`). Each thread has used 16 KiB of its stack before it blocks, as a thread that "
	   "has done some work has (why: the analysis, at the end). %d rounds, the programs interleaved in each; the ratio to the "
	   "floor is taken per round, then the median; on a loaded machine the minima (the least disturbed "
	   "run of each) are shown too. Target: within 1.2x of the floor whatever the selector, and "
	   "`thread_stop_tid()` on each of 1,000 threads within 10 ms.\n\n"
	   "| how | median ms | min ms | max ms | ratio to the floor (median) | ratio of the minima | target | |\n|---|---|---|---|---|---|---|---|\n",
	   n, n, n, rounds);
	if (!ok) {
		tap(0, "scale at %ld: no figures", n);
		MD("(failed)\n\n");
		return;
	}
	double lo[NM], hi[NM];
	for (int m = 0; m < nm; m++) {
		lo[m] = 1e18, hi[m] = 0;
		for (int r = 0; r < rounds; r++)
			lo[m] = ms[m][r] < lo[m] ? ms[m][r] : lo[m], hi[m] = ms[m][r] > hi[m] ? ms[m][r] : hi[m];
	}
	for (int m = 0; m < nm; m++) {
		double med = median(ms[m], rounds), rmed = median(ratio[m], rounds);
		int base = M[m].base, target = m > 0 && m < NT, met = !target || (rmed <= 1.2 && (m != 1 || med <= 10));
		tap(1, "scale %s%s%s: %ld threads in %.2f ms (median of %d; min %.2f), %.2fx %s (minima: %.2fx)%s", M[m].how,
		    M[m].env ? " " : "", M[m].env ? M[m].env : "", n, med, rounds, lo[m], rmed,
		    base ? "the fresh floor" : "the floor", lo[m] / lo[base], quick || !target ? "" : met ? ", target met" : ", target MISSED");
		if (m == NT)
			MD("| *the same, on threads that used only the top of their stacks (`TSB_FRESH=1`; ratios to the "
			   "fresh floor)* | | | | | | | |\n");
		MD("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", M[m].what, med, lo[m], hi[m], m == base ? 1.0 : rmed,
		   lo[m] / lo[base], !target ? "" : m == 1 ? "<= 1.2, <= 10 ms" : "<= 1.2", !target ? "" : verdict(met));
	}
	MD("\n");
	double list_ms = 0, stop_ms = 0;
	int lines = 0;
	if (list_and_stop(n, quick ? 1 : 5, &list_ms, &stop_ms, &lines)) {
		tap(1, "scale CLI: threadstop list %.2f ms (%d lines), threadstop stop PID all %.2f ms", list_ms, lines, stop_ms);
		MD("Through the CLI, process start included (`ts-bench-stop many %ld wait`):\n\n"
		   "- `threadstop list PID` of those %ld threads (+ main): **%.2f ms** (median of %d; %d lines; "
		   "target <= 5 ms: %s).\n"
		   "- `threadstop stop PID all`: from the start of the `threadstop` process to the last `read` "
		   "returning: %.2f ms.\n\n",
		   n, n, list_ms, quick ? 1 : 5, lines, verdict(list_ms <= 5), stop_ms);
	} else {
		tap(0, "scale CLI: no figures");
	}
}

/* The curves: stop all (the control socket, call:read), stop one among N, list. */
static void curves(void)
{
	static const long full[] = { 1, 10, 100, 1000, 10000 }, small[] = { 1, 10, 50 };
	const long *ns = quick ? small : full;
	int nn = quick ? 3 : 5, reps = quick ? 1 : 3;
	FILE *dat = 0;
	char path[512];
	if (datadir) {
		snprintf(path, sizeof path, "%s/scale.dat", datadir);
		dat = fopen(path, "w");
		if (dat)
			fprintf(dat, "# N floor_ms stop_all_ms stop_one_us list_ms\n");
	}
	MD("### How the costs grow with the number of threads\n\n"
	   "For N blocked threads (`ts-bench-stop many N ...`, medians of %d runs each): the floor (a bare "
	   "`tgkill` each, no shim); stopping all of them through the control socket (`socket`, "
	   "`call:read`); stopping one of them by tid (`pick`: up to 51 single `thread_stop_tid()` calls, "
	   "each timed until that `read` returned; the median); `threadstop list PID` (process start "
	   "included).\n\n![how the costs grow with N](img/scale.svg)\n\n"
	   "| N | floor ms | stop all ms | per thread us | stop one by tid us | list ms |\n|---|---|---|---|---|---|\n",
	   reps);
	for (int i = 0; i < nn; i++) {
		long n = ns[i];
		double fl[8], all[8], one[8], lst[8], sm;
		int lines, ok = 1;
		for (int r = 0; r < reps && ok; r++) {
			ok = (fl[r] = many(n, "floor", 0)) > 0 && (all[r] = many(n, "socket", 0)) > 0 &&
			     many(n, "pick", &one[r]) > 0 && list_and_stop(n, 1, &lst[r], &sm, &lines);
		}
		if (!ok) {
			tap(0, "curve N=%ld: no figures", n);
			continue;
		}
		double f = median(fl, reps), a = median(all, reps), o = median(one, reps), l = median(lst, reps);
		tap(1, "curve N=%ld: floor %.3f ms, stop all %.3f ms, stop one %.1f us, list %.3f ms", n, f, a, o, l);
		MD("| %ld | %.3f | %.3f | %.2f | %.1f | %.3f |\n", n, f, a, a * 1e3 / n, o, l);
		if (dat)
			fprintf(dat, "%ld %.4f %.4f %.2f %.4f\n", n, f, a, o, l);
	}
	MD("\n");
	if (dat)
		fclose(dat);
}

void scale(void)
{
	at_1000();
	curves();
}
