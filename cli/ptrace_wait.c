/* `stop --ptrace --wait`: see ptrace_wait.h.  A ptrace stop ends one call; the thread
 * may block again at once, and only /proc tells. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "procfs.h"
#include "ptrace_wait.h"

int ts_ptrace_watch(pid_t pid, const struct ts_ptrace_done *d, int n, double limit)
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
