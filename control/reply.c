/* The control protocol's reply side: formatting the listener's reply lines and parsing
 * them in the client.  Bounded, no allocation, no I/O (protocol.c has the request side). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "protocol.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int tsp_fmt_greeting(char *out, size_t outsz, pid_t pid)
{
	int n = snprintf(out, outsz, "threadstop %d %d\n", TSP_PROTO, (int)pid);
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

/* The thread lines are formatted by hand, not by snprintf: a stop of 1,000 threads
 * formats 1,000 "stopped" lines while the threads it woke need the CPU (about 10 times
 * less work; test_protocol and the reply fuzzer check the output). */
struct out {
	char *p, *end; /* end: the last byte, kept for the NUL */
	int full;      /* something did not fit */
};

static void put_s(struct out *o, const char *s)
{
	while (*s && o->p < o->end)
		*o->p++ = *s++;
	o->full |= *s != 0;
}

static void put_ll(struct out *o, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	int n = 0;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		tmp[n++] = '-';
	while (n && o->p < o->end)
		*o->p++ = tmp[--n];
	o->full |= n != 0;
}

void tsp_fmt_arg(char *out, size_t outsz, enum tsp_arg_kind kind, long arg)
{
	struct out o;
	if (!outsz)
		return;
	o = (struct out){ out, out + outsz - 1, 0 };
	if (kind == TSP_ARG_FD)
		put_s(&o, "fd="), put_ll(&o, arg);
	else if (kind == TSP_ARG_TID)
		put_s(&o, "tid="), put_ll(&o, arg);
	else if (kind == TSP_ARG_PID && arg == -1)
		put_s(&o, "pid=any");
	else if (kind == TSP_ARG_PID && arg <= 0)
		put_s(&o, "pgid="), put_ll(&o, arg == 0 ? 0 : -(long long)arg);
	else if (kind == TSP_ARG_PID)
		put_s(&o, "pid="), put_ll(&o, arg);
	else if (kind == TSP_ARG_TIMEOUT && arg == -1)
		put_s(&o, "timeout=none");
	else if (kind == TSP_ARG_TIMEOUT && arg == -2)
		put_s(&o, "deadline");
	else if (kind == TSP_ARG_TIMEOUT)
		put_s(&o, "timeout="), put_ll(&o, arg);
	else
		put_s(&o, "-");
	*o.p = 0;
}

int tsp_fmt_thread(char *out, size_t outsz, const char *type, const struct tsp_thread *t, const char *name, size_t namelen)
{
	char esc[TSP_NAME_MAX * 4 + 1];
	struct out o;
	if (!outsz || tsp_escape(name, namelen, esc, sizeof esc) < 0)
		return -1;
	o = (struct out){ out, out + outsz - 1, 0 };
	if (!esc[0])
		esc[0] = '-', esc[1] = 0;
	put_s(&o, type), put_s(&o, " ");
	put_ll(&o, t->tid), put_s(&o, " ");
	put_s(&o, t->state), put_s(&o, " ");
	put_s(&o, t->call), put_s(&o, " ");
	put_s(&o, t->arg), put_s(&o, " ");
	put_ll(&o, t->seq), put_s(&o, " ");
	if (t->since_ns < 0)
		put_s(&o, "-");
	else
		put_ll(&o, t->since_ns);
	put_s(&o, " "), put_s(&o, esc), put_s(&o, "\n");
	*o.p = 0;
	return o.full ? -1 : (int)(o.p - out);
}

int tsp_fmt_err(char *out, size_t outsz, const char *code, const char *msg)
{
	int n = snprintf(out, outsz, "err %s %s\n", code, msg);
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

/* The next space-separated field of [*p, end), copied NUL-terminated into out. */
static int field(const char **p, const char *end, char *out, size_t outsz)
{
	const char *w;
	size_t n;
	while (*p < end && **p == ' ')
		(*p)++;
	for (w = *p; *p < end && **p != ' '; (*p)++)
		;
	n = (size_t)(*p - w);
	if (!n || n >= outsz)
		return -1;
	memcpy(out, w, n);
	out[n] = 0;
	return 0;
}

static int num(const char *s, long long lo, long long hi, long long *v)
{
	long long x = 0;
	int neg = *s == '-';
	if (neg)
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!is_digit(*s) || x > (LLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (*s - '0');
	}
	x = neg ? -x : x;
	if (x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int rest(const char *p, const char *end, char *out, size_t outsz)
{
	size_t n;
	if (p < end && *p == ' ')
		p++;
	n = (size_t)(end - p);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

int tsp_parse_reply(const char *line, size_t len, struct tsp_reply *r)
{
	const char *p = line, *end;
	char w[32], nm[TSP_PAT_MAX * 4 + 8];
	long long v;

	memset(r, 0, sizeof *r);
	if (len >= TSP_REPLY_MAX || memchr(line, 0, len))
		return -1;
	if (len && line[len - 1] == '\r')
		len--;
	end = line + len;
	if (field(&p, end, w, sizeof w))
		return -1;
	if (!strcmp(w, "threadstop")) {
		r->type = TSP_R_GREETING;
		if (field(&p, end, w, sizeof w) || num(w, 1, INT_MAX, &v))
			return -1;
		r->version = (int)v;
		if (field(&p, end, w, sizeof w) || num(w, 1, INT_MAX, &v))
			return -1;
		r->pid = (pid_t)v;
		return p == end ? 0 : -1;
	}
	if (!strcmp(w, "thread") || !strcmp(w, "stopped") || !strcmp(w, "undelivered")) {
		struct tsp_thread *t = &r->th;
		r->type = w[0] == 't' ? TSP_R_THREAD : w[0] == 's' ? TSP_R_STOPPED : TSP_R_UNDELIVERED;
		if (field(&p, end, w, sizeof w) || num(w, 1, INT_MAX, &v))
			return -1;
		t->tid = (pid_t)v;
		if (field(&p, end, t->state, sizeof t->state) || field(&p, end, t->call, sizeof t->call) ||
		    field(&p, end, t->arg, sizeof t->arg))
			return -1;
		if (field(&p, end, w, sizeof w) || num(w, 0, UINT_MAX, &v))
			return -1;
		t->seq = (unsigned)v;
		if (field(&p, end, w, sizeof w))
			return -1;
		if (!strcmp(w, "-"))
			t->since_ns = -1;
		else if (num(w, 0, LLONG_MAX, &v))
			return -1;
		else
			t->since_ns = v;
		if (field(&p, end, nm, sizeof nm) || tsp_unescape(nm, strlen(nm), t->name, sizeof t->name) < 0)
			return -1;
		return p == end ? 0 : -1;
	}
	if (!strcmp(w, "unmatched")) {
		r->type = TSP_R_UNMATCHED;
		if (field(&p, end, nm, sizeof nm) || tsp_unescape(nm, strlen(nm), r->text, sizeof r->text) < 0)
			return -1;
		return p == end ? 0 : -1;
	}
	if (!strcmp(w, "help")) {
		r->type = TSP_R_HELP;
		return rest(p, end, r->text, sizeof r->text);
	}
	if (!strcmp(w, "ok")) {
		r->type = TSP_R_OK;
		return rest(p, end, r->text, sizeof r->text);
	}
	if (!strcmp(w, "err")) {
		r->type = TSP_R_ERR;
		if (field(&p, end, r->code, sizeof r->code))
			return -1;
		return rest(p, end, r->text, sizeof r->text);
	}
	return -1;
}
