/* ts-bench: 3. many threads stopped at once. */
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

/* 3. Scale: 1,000 threads blocked in read, stopped all at once. */
void scale(void)
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

