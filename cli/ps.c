/* threadstop ps: the processes with a control socket in your socket directories, their
 * thread counts read live; stale sockets removed.  One deadline for the whole scan, and at
 * most CLI_PS_EACH_S of it per process, so no peer can hold it. */
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

/* One socket of the directory: 1 listed in *n, 0 skipped (stale, elsewhere, or reported). */
static int probe(const char *path, const struct stat *st1, pid_t pid, double deadline, struct counts *n)
{
	struct tlist l = { 0 };
	struct stat st2;
	struct tsc c;
	char buf[ESC_MAX];
	int e, i;

	e = kill(pid, 0) < 0 && errno == ESRCH ? -ESRCH : tsc_open_until(&c, pid, deadline_ms(deadline));
	if (!e && strcmp(c.path, path)) { /* it serves from another directory */
		tsc_close(&c);
		return 0;
	}
	if (e == -ESRCH || e == -ECONNREFUSED) {
		/* Stale: unlink it unless a new process just replaced it. */
		if (!lstat(path, &st2) && st2.st_ino == st1->st_ino && st2.st_dev == st1->st_dev)
			unlink(path);
		return 0;
	}
	if (!e)
		e = fetch_list(&c, &l);
	if (e && e != -EREMOTEIO)
		fprintf(stderr, "threadstop: ps: pid %d (%s): %s; left out\n", (int)pid, esc(path, buf, sizeof buf),
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
		{ "timeout", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char dirs[2][TSC_PATH_MAX];
	double timeout = CLI_TIMEOUT_S, deadline;
	int nd = 0, k, json = 0, first = 1, o, late = 0;

	while ((o = next_opt("ps", argc, argv, ":h", opts)) != -1) {
		if (o == 'j')
			json = 1;
		else if (o == 't')
			timeout = parse_seconds("ps", "--timeout", optarg);
	}
	if (optind < argc) {
		char buf[64];
		usage_error("ps", "takes no arguments (got '%s')", esc(argv[optind], buf, sizeof buf));
	}
	deadline = now_mono() + timeout;
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
			struct counts n;
			struct stat st;
			long v = strtol(de->d_name, &end, 10);
			double mine = now_mono() + CLI_PS_EACH_S;
			if (v <= 0 || v > INT_MAX || strcmp(end, ".sock") || !(de->d_name[0] >= '1' && de->d_name[0] <= '9'))
				continue;
			snprintf(path, sizeof path, "%s/%s", dirs[k], de->d_name);
			if (lstat(path, &st) || !S_ISSOCK(st.st_mode))
				continue;
			if (now_mono() >= deadline) {
				late++;
				continue;
			}
			if (!probe(path, &st, (pid_t)v, mine < deadline ? mine : deadline, &n))
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
		closedir(d);
	}
	if (json)
		printf("]\n");
	if (late)
		die(EXIT_UNREACHABLE, "ps: the deadline (--timeout %g s) passed with %d socket%s not examined", timeout, late,
		    late == 1 ? "" : "s");
	return EXIT_DONE;
}
