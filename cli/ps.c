/* threadstop ps: the processes with a control socket (listening abstract sockets named
 * threadstop.PID in /proc/net/unix: this network namespace), their thread counts read
 * live.  There is nothing to clean up: the sockets have no file.  One deadline for the
 * whole scan, and at most CLI_PS_EACH_S of it per process, so no peer can hold it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "procfs.h"

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
}

struct counts {
	int threads, blocked, stopped;
};

/* One process: 1 listed in *n, 0 skipped (gone, someone else's name, or reported). */
static int probe(pid_t pid, double deadline, struct counts *n, char *path, size_t pathsz)
{
	struct tlist l = { 0 };
	struct tsc c;
	char buf[ESC_MAX];
	int e, i;

	e = kill(pid, 0) < 0 && errno == ESRCH ? -ESRCH : tsc_open_until(&c, pid, deadline_ms(deadline));
	snprintf(path, pathsz, "%s", e == -ESRCH ? "" : c.path);
	if (e == -ESRCH || e == -ENOENT)
		return 0; /* gone, or the name is not its (anyone may bind one) */
	if (!e)
		e = fetch_list(&c, &l);
	if (e && e != -EREMOTEIO)
		fprintf(stderr, "threadstop: ps: pid %d (%s): %s; left out\n", (int)pid, esc(c.path, buf, sizeof buf),
			e == -ETIMEDOUT	 ? "no complete answer in time"
			: e == -EPROTO	 ? "malformed reply"
			: e == -E2BIG	 ? "reply over the limits"
			: e == -EACCES	 ? "refused the connection"
			: e == -EAGAIN	 ? "too many clients"
					 : strerror(-e));
	tsc_close(&c);
	if (e) {
		free(l.t);
		return 0;
	}
	memset(n, 0, sizeof *n);
	n->threads = l.n;
	for (i = 0; i < l.n; i++) {
		n->blocked += !strcmp(l.t[i].state, TSP_ST_BLOCKED);
		n->stopped += !strcmp(l.t[i].state, TSP_ST_STOPPED) || !strcmp(l.t[i].state, TSP_ST_PENDING);
	}
	free(l.t);
	return 1;
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "all", no_argument, 0, 'a' },
		{ "timeout", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	double timeout = CLI_TIMEOUT_S, deadline;
	int json = 0, first = 1, o, late = 0, np = 0, k, all = 0;
	pid_t *pids = 0;
	char line[512];
	FILE *f;

	while ((o = next_opt("ps", argc, argv, ":h", opts)) != -1) {
		if (o == 'j')
			json = 1;
		else if (o == 'a')
			all = 1;
		else if (o == 't')
			timeout = parse_seconds("ps", "--timeout", optarg);
	}
	if (optind < argc) {
		char buf[64];
		usage_error("ps", "takes no arguments (got '%s')", esc(argv[optind], buf, sizeof buf));
	}
	deadline = now_mono() + timeout;
	if (all)
		return ts_proc_ps_all(json, deadline);
	/* Num RefCount Protocol Flags Type St Inode Path: the listening ones (flag
	 * __SO_ACCEPTCON, 0x10000) with one of our names */
	f = fopen("/proc/net/unix", "re");
	if (!f)
		die(EXIT_UNREACHABLE, "ps: cannot read /proc/net/unix: %s", strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char name[256];
		unsigned long flags;
		int v;
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s @%255s", &flags, name) != 2 || !(flags & 0x10000))
			continue;
		if ((v = tsc_pid_of_name(name, strlen(name))) <= 0)
			continue;
		for (k = 0; k < np && pids[k] != v; k++)
			;
		if (k < np)
			continue;
		if (!(np & 63) && !(pids = realloc(pids, (size_t)(np + 64) * sizeof *pids)))
			die(EXIT_UNREACHABLE, "out of memory");
		pids[np++] = v;
	}
	fclose(f);
	if (json)
		printf("[");
	else
		printf("%7s  %7s  %7s  %7s  %s\n", "PID", "THREADS", "BLOCKED", "STOPPED", "COMMAND");
	for (k = 0; k < np; k++) {
		char cmd[256], path[TSC_PATH_MAX];
		struct counts n;
		double mine = now_mono() + CLI_PS_EACH_S;
		long v = pids[k];
		if (now_mono() >= deadline) {
			late++;
			continue;
		}
		if (!probe((pid_t)v, mine < deadline ? mine : deadline, &n, path, sizeof path))
			continue;
		cmdline((pid_t)v, cmd, sizeof cmd);
		if (json) {
			printf("%s{\"pid\":%ld,\"threads\":%d,\"blocked\":%d,\"stopped\":%d,\"command\":", first ? "" : ",",
			       v, n.threads, n.blocked, n.stopped);
			put_json(stdout, cmd);
			printf(",\"socket\":");
			put_json(stdout, path);
			printf("}");
		} else {
			printf("%7ld  %7d  %7d  %7d  ", v, n.threads, n.blocked, n.stopped);
			put_field(stdout, cmd, 0);
			putchar('\n');
		}
		first = 0;
	}
	free(pids);
	if (json)
		printf("]\n");
	if (late)
		die(EXIT_UNREACHABLE, "ps: the deadline (--timeout %g s) passed with %d process%s not examined", timeout, late,
		    late == 1 ? "" : "es");
	return EXIT_DONE;
}
