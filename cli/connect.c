/* Reaching a process: what /proc says about it, connecting with messages that say what is
 * true and what to do, and reading replies within one deadline and fixed caps, trusting
 * nothing the peer sends. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "procfs.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_mono(void) { return clock_s(CLOCK_MONOTONIC); }
double now_real(void) { return clock_s(CLOCK_REALTIME); }

/* What /proc/PID/status says: state letter, parent, effective uid. */
struct pinfo {
	char state;
	pid_t ppid;
	long euid;
};

static int proc_info(pid_t pid, struct pinfo *pi)
{
	char path[40], line[256];
	FILE *f;
	pi->state = 0, pi->ppid = 0, pi->euid = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		long r, e;
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &pi->state);
		else if (!strncmp(line, "PPid:", 5))
			pi->ppid = (pid_t)atol(line + 5);
		else if (!strncmp(line, "Uid:", 4) && sscanf(line + 4, "%ld %ld", &r, &e) == 2)
			pi->euid = e;
	}
	fclose(f);
	return pi->state ? 0 : -1;
}

int proc_gone(pid_t pid)
{
	struct pinfo pi;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	return proc_info(pid, &pi) < 0 || pi.state == 'Z' || pi.state == 'X';
}

/* The reasons a process cannot be reached that /proc alone tells: gone, a zombie, another
 * user's.  Exits 3 with the message; returns if none applies. */
static void check_reachable(pid_t pid)
{
	struct pinfo pi;
	if (proc_info(pid, &pi) < 0 || pi.state == 'X')
		die(EXIT_UNREACHABLE, "no process with pid %d (it has exited, or never existed)", (int)pid);
	if (pi.state == 'Z')
		die(EXIT_UNREACHABLE,
		    "pid %d has exited: it is a zombie (its parent, pid %d, has not collected its status); "
		    "it has no threads left to stop",
		    (int)pid, (int)pi.ppid);
	if (pi.euid >= 0 && pi.euid != (long)geteuid() && geteuid() != 0)
		die(EXIT_UNREACHABLE, "pid %d is owned by uid %ld: run as that user or root (you are uid %ld)", (int)pid,
		    pi.euid, (long)geteuid());
}

static void no_shim(pid_t pid) __attribute__((noreturn));
static void no_shim(pid_t pid)
{
	die(EXIT_UNREACHABLE,
	    "pid %d does not run with threadstop (libthreadstop.so is not loaded in it), and a running process "
	    "cannot be given it: restart the program as 'threadstop run -- COMMAND'",
	    (int)pid);
}

void connect_or_die(struct tsc *c, pid_t pid, double deadline)
{
	char pbuf[ESC_MAX];
	int e;
	check_reachable(pid);
	/* Its socket's name lives in its network namespace (a container's, maybe). */
	if (tsc_enter_netns(pid) < 0)
		die(EXIT_UNREACHABLE,
		    "pid %d is in another network namespace (a container?), which only root may enter: run "
		    "'nsenter -t %d -n threadstop ...' as root, or threadstop inside the container",
		    (int)pid, (int)pid);
	/* A process with the library mapped but no socket yet is still starting; a busy one
	 * may have a slot free in a moment: retry both until the deadline. */
	for (;;) {
		e = tsc_open_until(c, pid, deadline_ms(deadline));
		if (now_mono() >= deadline)
			break;
		if (e == -EAGAIN || (e == -ENOENT && ts_proc_has_shim(pid) == 1)) {
			usleep(50000);
			continue;
		}
		break;
	}
	esc(c->path[0] ? c->path : "?", pbuf, sizeof pbuf);
	switch (-e) {
	case 0:
		return;
	case ESRCH:
		check_reachable(pid);
		die(EXIT_UNREACHABLE, "no process with pid %d", (int)pid);
	case ENOENT:
		check_reachable(pid);
		if (ts_proc_has_shim(pid) == 1)
			die(EXIT_UNREACHABLE,
			    "pid %d has libthreadstop loaded but no control socket answers as it (%s): its "
			    "listener could not start (a seccomp filter, or no memory or threads left: "
			    "THREADSTOP_DEBUG=1 in its environment says which), or another process holds its "
			    "socket names",
			    (int)pid, pbuf);
		no_shim(pid);
	case EACCES:
		check_reachable(pid);
		die(EXIT_UNREACHABLE, "pid %d refused the connection (%s): only its own user or root may control it",
		    (int)pid, pbuf);
	case EAGAIN:
		die(EXIT_UNREACHABLE, "pid %d still had too many control clients connected at the deadline; try again",
		    (int)pid);
	case ETIMEDOUT:
		die(EXIT_UNREACHABLE,
		    "pid %d did not greet within the deadline (it may be stopped, or its listener out of "
		    "descriptors or memory)",
		    (int)pid);
	case EPROTO:
		die(EXIT_UNREACHABLE,
		    "%s is not the threadstop control socket of pid %d (another process serves it, or it speaks "
		    "another protocol version)",
		    pbuf, (int)pid);
	default:
		die(EXIT_UNREACHABLE, "cannot reach pid %d through %s: %s", (int)pid, pbuf, strerror(-e));
	}
}

const char *cli_why;

long deadline_ms(double deadline)
{
	return (long)(deadline * 1000);
}

int cli_read(struct tsc *c, struct tsp_reply *r)
{
	int e = tsc_read(c, r);
	if (e == -EPROTO)
		cli_why = 0;
	return e;
}

void malformed(pid_t pid, const char *what)
{
	die(EXIT_UNREACHABLE, "pid %d sent a malformed reply (%s): is it a threadstop control socket of a compatible "
			      "version?",
	    (int)pid, what);
}

void lost(struct tsc *c, int e)
{
	pid_t pid = c->pid;
	if (e == -EPROTO)
		malformed(pid, cli_why ? cli_why : "a line that is not valid in protocol 1");
	if (e == -EREMOTEIO)
		exit(EXIT_UNREACHABLE); /* the peer's error is already reported */
	if (e == -E2BIG)
		die(EXIT_UNREACHABLE, "pid %d sent more than %d lines or %ld MiB in reply: refused", (int)pid,
		    TSC_REPLY_LINES, TSC_REPLY_BYTES >> 20);
	if (e == -ETIMEDOUT)
		die(EXIT_UNREACHABLE, "pid %d did not complete its reply within the deadline (--timeout)", (int)pid);
	if (proc_gone(pid))
		die(EXIT_UNREACHABLE, "pid %d exited", (int)pid);
	die(EXIT_UNREACHABLE, "lost the connection to pid %d: %s", (int)pid, strerror(-e));
}

static int count_is(const char *text, int n)
{
	char *end;
	long v = strtol(text, &end, 10);
	return text[0] >= '0' && text[0] <= '9' && !*end && v == n;
}

int fetch_list(struct tsc *c, struct tlist *l)
{
	int e = tsc_send(c, "list");
	return e ? e : read_list(c, l);
}

int read_list(struct tsc *c, struct tlist *l)
{
	struct tsp_reply r;
	char buf[ESC_MAX];
	int e = 0;
	l->n = 0;
	while (!e && !(e = cli_read(c, &r))) {
		if (r.type == TSP_R_OK) {
			if (count_is(r.text, l->n))
				return 0;
			cli_why = "its 'ok' does not count the thread lines";
			return -EPROTO;
		}
		if (r.type == TSP_R_ERR) {
			fprintf(stderr, "threadstop: pid %d answered 'list' with an error: %s\n", (int)c->pid,
				esc(r.text, buf, sizeof buf));
			return -EREMOTEIO;
		}
		if (r.type != TSP_R_THREAD) {
			cli_why = "a line other than 'thread' in reply to 'list'";
			return -EPROTO;
		}
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
