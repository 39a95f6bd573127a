/* The commands of the control protocol (doc/protocol.md), run in the listener thread:
 * `list` and `stop` work on a snapshot of the registry (names included: wrap_name.c),
 * taken under its lock for as short as possible; glibc-internal calls are read from
 * /proc afterwards.
 * Raw system calls only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "calls.h"
#include "commands.h"
#include "foreign.h"
#include "registry.h"
#include "socket.h"
#include "stop.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif

struct snap {
	pid_t tid;
	int stop, call;
	long arg;
	unsigned seq;
	int64_t since;
	char name[TSP_NAME_MAX];
	int namelen;
	const char *foreign; /* not in a wrapper: blocked in this system call of glibc's own */
	int refused;         /* ignored its stop (which lapsed) after this many refused calls, or -1 */
	char unforced;       /* a forced stop was made a plain one (force.c) */
	char exiting;        /* forced out, unwinding */
};

/* The listener's, reused from one request to the next, with the arrays a stop hands to
 * ts_stop_tids (its selected tids, their snapshot indexes, the outcome of each): a
 * stop of 1,000 threads maps and unmaps nothing (an munmap interrupts every CPU running
 * the process with a TLB shootdown, the stopped threads' too). */
static struct snap *snaps;
static pid_t *sel_tids;
static int *sel_idx;
static unsigned char *sel_ok;
static int snapcap;
static size_t snapbytes;

static int64_t now_real_ns(void)
{
	struct timespec ts;
	ts_sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A thread outside our wrappers: asleep in a system call of glibc's own?  A /proc read
 * (8-13 us): only for the threads whose line is written or whose call a selector asks. */
static void look_foreign(struct snap *s)
{
	long args[2] = { 0, 0 }, nr;
	s->foreign = 0;
	if (s->call)
		return;
	nr = ts_blocked_syscall(s->tid, args);
	if (nr >= 0 && ts_foreign_stoppable(nr, args[1])) {
		s->foreign = ts_foreign_name(nr);
		s->arg = args[0];
	} else if (nr == SYS_futex) {
		/* a mutex, rwlock or barrier: shown, never stopped (foreign.c) */
		s->foreign = "libc:futex";
		s->arg = -1;
	}
}

/* Copy what `list` and `stop` need of every registered thread, under the registry lock
 * for as short as possible; with `foreign`, look at the threads outside our wrappers
 * too (look_foreign).  Returns the count. */
static int snapshot(int foreign)
{
	struct ts_thread *t;
	int64_t now = now_real_ns();
	int n, i;
	for (;;) {
		ts_registry_lock();
		n = ts_registry_count();
		if (n <= snapcap) {
			ts_registry_prefetch();
			break;
		}
		ts_registry_unlock();
		{
			size_t each = sizeof *snaps + sizeof *sel_tids + sizeof *sel_idx + sizeof *sel_ok;
			size_t bytes = ((size_t)(n + n / 2 + 16) * each + 4095) & ~(size_t)4095;
			struct snap *p = ts_pages(bytes);
			if (!p)
				return -1;
			ts_pages_free(snaps, snapbytes);
			snaps = p;
			snapbytes = bytes;
			snapcap = (int)(bytes / each);
			sel_tids = (pid_t *)(snaps + snapcap);
			sel_idx = (int *)(sel_tids + snapcap);
			sel_ok = (unsigned char *)(sel_idx + snapcap);
		}
	}
	for (i = 0, t = ts_registry_first(); t && i < n; t = t->next, i++) {
		struct snap *s = &snaps[i];
		/* each thread's record is in its own stack mapping: a cache and TLB miss each,
		 * overlapped with this one's copy */
		__builtin_prefetch(t->next);
		s->tid = t->tid;
		s->stop = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
		s->call = __atomic_load_n(&t->call, __ATOMIC_RELAXED);
		s->arg = __atomic_load_n(&t->arg, __ATOMIC_RELAXED);
		s->seq = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
		s->since = -1;
		__builtin_memcpy(s->name, t->name, sizeof t->name);
		s->name[sizeof t->name - 1] = 0;
		s->namelen = (int)strlen(s->name);
		s->refused = -1;
		if (__atomic_load_n(&t->gen_seen, __ATOMIC_ACQUIRE) == __atomic_load_n(&t->gen, __ATOMIC_RELAXED) &&
		    __atomic_load_n(&t->lapsed, __ATOMIC_RELAXED) && !(s->stop & TS_STOP_BITS))
			s->refused = __atomic_load_n(&t->refused, __ATOMIC_RELAXED);
		s->unforced = __atomic_load_n(&t->force_refused, __ATOMIC_RELAXED) && (s->stop & TS_STOP_BITS);
		s->exiting = __atomic_load_n(&t->exiting, __ATOMIC_ACQUIRE);
		if (s->call > 0 && s->call < TS_C_count) {
			/* No clock on the fast path: "since" is when we first saw this call. */
			if (t->seen_seq != s->seq || !t->seen_ns) {
				t->seen_seq = s->seq;
				t->seen_ns = now;
			}
			s->since = t->seen_ns;
		} else {
			s->call = 0;
		}
	}
	n = i;
	ts_registry_unlock();
	for (i = 0; i < n; i++)
		if (foreign)
			look_foreign(&snaps[i]);
		else
			snaps[i].foreign = 0;
	return n;
}

static enum tsp_arg_kind arg_kind(int kind)
{
	switch (kind) {
	case TS_K_FD: return TSP_ARG_FD;
	case TS_K_JOIN: return TSP_ARG_TID;
	case TS_K_PID: return TSP_ARG_PID;
	case TS_K_TIME: case TS_K_COND: case TS_K_WAIT: return TSP_ARG_TIMEOUT;
	}
	return TSP_ARG_NONE;
}

/* snprintf(out, n, "%s", s), for a fraction of its cost (a stop formats a line for each
 * thread while those threads wake up). */
static void copy(char *out, size_t n, const char *s)
{
	size_t k = 0;
	for (; k + 1 < n && s[k]; k++)
		out[k] = s[k];
	out[k] = 0;
}

static void describe(const struct snap *s, struct tsp_thread *t)
{
	int kind = s->call ? ts_call_kind[s->call] : s->foreign && s->arg >= 0 ? TS_K_FD : TS_K_NONE;
	int in_call = s->call || s->foreign;
	const char *st = s->stop & TS_STOP_BITS ? (in_call ? TSP_ST_PENDING : TSP_ST_STOPPED)
					       : (in_call ? TSP_ST_BLOCKED : TSP_ST_RUNNING);
	memset(t, 0, sizeof *t);
	t->tid = s->tid;
	if (s->unforced)
		st = TSP_ST_UNFORCED;
	if (s->exiting)
		st = TSP_ST_EXITING;
	if (s->refused >= 0)
		snprintf(t->state, sizeof t->state, TSP_ST_IGNORED ":%u", (unsigned char)s->refused);
	else
		copy(t->state, sizeof t->state, st);
	copy(t->call, sizeof t->call, s->call ? ts_call_name[s->call] : s->foreign ? s->foreign : "-");
	tsp_fmt_arg(t->arg, sizeof t->arg, arg_kind(kind), s->arg);
	t->seq = s->seq;
	t->since_ns = s->since;
}

static void thread_line(struct ts_conn *c, const char *type, const struct snap *s)
{
	struct tsp_thread t;
	char line[TSP_REPLY_MAX];
	describe(s, &t);
	if (tsp_fmt_thread(line, sizeof line, type, &t, s->name, (size_t)s->namelen) > 0)
		ts_reply(c, line);
}

static void do_list(struct ts_conn *c)
{
	char line[64];
	int i, n = snapshot(1);
	if (n < 0) {
		ts_reply_err(c, TSP_E_NOMEM, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		thread_line(c, "thread", &snaps[i]);
	snprintf(line, sizeof line, "ok %d\n", n);
	ts_reply(c, line);
}

static void do_stop(struct ts_conn *c, const struct tsp_req *req)
{
	unsigned char hit[TSP_SEL_MAX] = { 0 }, *ok;
	pid_t *tids;
	int *idx;
	int i, k, n, m = 0, found = 0, matched, by_call = 0;
	char line[TSP_REPLY_MAX];

	for (k = 0; k < req->nsel; k++)
		by_call |= req->sel[k].kind == TSP_SEL_CALL;
	n = snapshot(by_call);
	if (n < 0) {
		ts_reply_err(c, TSP_E_NOMEM, "out of memory");
		return;
	}
	tids = sel_tids, idx = sel_idx, ok = sel_ok; /* (null only while n is 0) */
	for (i = 0; i < n; i++) {
		const struct snap *s = &snaps[i];
		int match = 0;
		for (k = 0; k < req->nsel; k++)
			if (tsp_sel_match(&req->sel[k], s->tid, s->name, s->call ? ts_call_name[s->call] : s->foreign))
				match = hit[k] = 1;
		if (match) {
			tids[m] = s->tid;
			idx[m++] = i;
		}
	}
	for (i = 0; i < m && !by_call; i++) /* their lines show them as before the stop */
		look_foreign(&snaps[idx[i]]);
	matched = m ? ts_stop_tids(tids, m, req->force ? TS_FORCE : 0, ok) : 0;
	for (i = 0; i < m; i++)
		if (ok[i]) {
			thread_line(c, ok[i] == TS_STOP_UNDELIVERED ? "undelivered" : "stopped", &snaps[idx[i]]);
			found += ok[i] != TS_STOP_UNDELIVERED;
		}
	for (k = 0; k < req->nsel; k++) {
		char esc[TSP_PAT_MAX * 4 + 1];
		if (hit[k] || tsp_escape(req->sel[k].text, strlen(req->sel[k].text), esc, sizeof esc) < 0)
			continue;
		snprintf(line, sizeof line, "unmatched %s\n", esc);
		ts_reply(c, line);
	}
	if (!found && matched) {
		ts_reply_err(c, TSP_E_UNDELIVERED, "the signal that interrupts a blocking call was refused (a seccomp filter?)");
		return;
	}
	if (!found) {
		ts_reply_err(c, TSP_E_NOMATCH, "no thread matches (see 'list')");
		return;
	}
	snprintf(line, sizeof line, "ok %d\n", found);
	ts_reply(c, line);
}

static void do_help(struct ts_conn *c)
{
	static const char *const text[] = {
		"help list                       one 'thread' line per thread, then 'ok N'",
		"help stop SELECTOR... [force]   stop the matching threads: one 'stopped' line each, then 'ok N'",
		"help   SELECTOR: TID | NAME | GLOB | name:GLOB | tid:TID | call:GLOB | all",
		"help version                    'ok threadstop VERSION protocol N'",
		"help quit                       'ok bye', then the connection closes",
		"help thread TID STATE CALL ARG SEQ SINCE_NS NAME   (see doc/protocol.md)",
	};
	unsigned i;
	for (i = 0; i < sizeof text / sizeof *text; i++) {
		ts_reply(c, text[i]);
		ts_reply(c, "\n");
	}
	ts_reply(c, "ok\n");
}

void ts_ctl_handle_line(struct ts_conn *c, const char *line, size_t len)
{
	struct tsp_req req;
	const char *code, *msg;
	if (tsp_parse_request(line, len, &req, &code, &msg)) {
		ts_reply_err(c, code, msg);
		return;
	}
	switch (req.cmd) {
	case TSP_LIST:
		do_list(c);
		break;
	case TSP_STOP:
		do_stop(c, &req);
		break;
	case TSP_HELP:
		do_help(c);
		break;
	case TSP_VERSION: {
		char v[64];
		snprintf(v, sizeof v, "ok threadstop %s protocol %d\n", TS_VERSION, TSP_PROTO);
		ts_reply(c, v);
		break;
	}
	case TSP_QUIT:
		ts_reply(c, "ok bye\n");
		c->closing = 1;
		break;
	}
}

