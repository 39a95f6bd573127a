/* ts-bench: 4. the CLI end to end, 5. the idle control thread, 6. memory. */
#define _GNU_SOURCE
#include <dirent.h>
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

/* 4. CLI end to end, and 5. the idle control thread. */
void cli_and_idle(void)
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
	usleep(500000); /* the last CLI run's connection closed: let the listener see it first */
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
		tap(1, "cli: threadstop stop PID TID median %.0f us (p99 %.0f), /bin/true median %.0f us (p99 %.0f), %d each: %+.0f us%s",
		    c50, c99, t50, t99, count, c50 - t50, quick ? "" : c50 - t50 <= 100 ? ", target met" : ", target MISSED");
		MD("`threadstop stop PID TID` against a thread blocked in `read` (`ts-bench-stop one`), wall time "
		   "from `posix_spawn` to `waitpid`, process start included, %d runs interleaved with `/bin/true` "
		   "timed the same way (the cost of starting any process):\n\n"
		   "| command | median us | p99 us | target |\n|---|---|---|---|\n"
		   "| `threadstop stop PID TID` | %.0f | %.0f | |\n"
		   "| `/bin/true` | %.0f | %.0f | |\n| difference of the medians | %.0f | | <= 100: %s |\n\n",
		   count, c50, c99, t50, t99, c50 - t50, verdict(c50 - t50 <= 100));
	} else {
		tap(0, "cli: no figures");
		MD("(failed)\n\n");
	}
	if (ok && ctl && sw0 >= 0 && sw1 >= 0) {
		double rate = (sw1 - sw0) * 1000.0 / idle_ms;
		tap(1, "idle: control thread %d: %ld context switches in %d ms (%.2f/s)", ctl, sw1 - sw0, idle_ms, rate);
		MD("## 5. Idle control thread\n\n"
		   "`voluntary_ctxt_switches + nonvoluntary_ctxt_switches` of the `threadstop` thread "
		   "(/proc/PID/task/TID/status) of an idle process (from 500 ms after the last CLI run above, "
		   "whose connection the listener closes), before and after %d ms: **%ld** "
		   "wake-ups (%.2f per second; target 0: %s).\n\n",
		   idle_ms, sw1 - sw0, rate, verdict(sw1 == sw0));
	} else {
		tap(0, "idle: %s", ok ? "control thread not found" : "no figures");
	}
	free(tc);
	free(tt);
}

/* 6. Memory. */
void memory(void)
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
	   "- Per registered thread: the shim's static TLS (its `struct ts_thread`, and the flags of "
	   "the Python support) = **%ld bytes** (`ts-bench-mem size`, preloaded; target <= 256: %s); the "
	   "queue of signals held while the program blocks the shim's number is not in it, but mapped "
	   "(a page) in a thread that holds one. Heap allocations per thread created and "
	   "joined (each making one interposed call), shim minus plain over %ld threads "
	   "(`ts-bench-mem threads %ld`): %+.2f allocations, %+.1f bytes per thread, of which %+.1f bytes "
	   "are still allocated after the threads have been joined: the record `pthread_create`'s "
	   "wrapper hands the new thread (56 bytes), and in the first thread only the three of "
	   "`pthread_getattr_np`, from which the shim learns the layout of thread stacks.\n"
	   "- Heap allocations on the fast path (`ts-bench-mem fast N`: N calls each of `read`, "
	   "`recv`, `poll`, `nanosleep` and a `pthread_cond_timedwait` that times out, with every "
	   "`malloc`/`calloc`/`realloc`/`memalign` of the process counted by the executable's own "
	   "allocator wrappers): plain **%lu** (N = %ld) / **%lu** (2N), with the shim **%lu** / **%lu** "
	   "(target 0: %s).\n\n",
	   size, verdict(size <= 256), k, k, per_thread, per_thread_b, per_thread_live, a[0][0], n, a[0][1], a[1][0],
	   a[1][1], verdict(a[1][0] == 0 && a[1][1] == 0));
}

