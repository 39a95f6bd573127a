/* The control protocol's request side: the wire escapes, globs and selectors, and the
 * request parser, shared by the shim's listener and the client (which checks a request
 * as the listener will).  Every input is bounded by its length argument and may hold
 * any bytes; nothing here allocates or does I/O.  The reply side is reply.c. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "protocol.h"

static int is_space(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tsp_escape(const char *in, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	if (!outsz)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\\') {
			if (o + 2 >= outsz)
				return -1;
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c <= 0x20 || c == 0x7f) {
			if (o + 4 >= outsz)
				return -1;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return (int)o;
}

int tsp_unescape(const char *in, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;
	int h, l;
	if (!outsz)
		return -1;
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (c == '\\') {
			if (i + 1 < n && in[i + 1] == '\\') {
				i++;
			} else if (i + 3 < n && in[i + 1] == 'x' && (h = hexval(in[i + 2])) >= 0 &&
				   (l = hexval(in[i + 3])) >= 0) {
				c = (char)(h << 4 | l);
				i += 3;
			} else {
				return -1;
			}
		}
		if (!c || o + 1 >= outsz)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return (int)o;
}

/* One bracket expression at p (just past '['): does it match c?  *end gets the position
 * after ']', or 0 if the expression is unterminated (then '[' is a literal). */
static int bracket(const char *p, unsigned char c, const char **end)
{
	int neg = 0, hit = 0, first = 1;
	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	for (; *p && (first || *p != ']'); first = 0) {
		unsigned char lo = (unsigned char)*p, hi;
		if (lo == '\\' && p[1])
			lo = (unsigned char)*++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1])
				p++;
			hi = (unsigned char)*p++;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*p != ']') {
		*end = 0;
		return 0;
	}
	*end = p + 1;
	return hit != neg;
}

/* Iterative, with one backtrack point for the last '*': linear in practice, and never
 * exponential whatever the pattern. */
int tsp_glob(const char *pat, const char *s)
{
	const char *star = 0, *resume = 0, *end;
	while (*s) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return 1;
			star = pat;
			resume = s;
			continue;
		}
		if (*pat == '?') {
			pat++;
			s++;
			continue;
		}
		if (*pat == '[') {
			int m = bracket(pat + 1, (unsigned char)*s, &end);
			if (end) {
				if (m) {
					pat = end;
					s++;
					continue;
				}
				goto mismatch;
			}
		}
		if (*pat == '\\' && pat[1]) {
			if (pat[1] == *s) {
				pat += 2;
				s++;
				continue;
			}
		} else if (*pat && *pat == *s) {
			pat++;
			s++;
			continue;
		}
	mismatch:
		if (!star)
			return 0;
		pat = star;
		s = ++resume;
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

int tsp_sel_match(const struct tsp_sel *sel, pid_t tid, const char *name, const char *call)
{
	switch (sel->kind) {
	case TSP_SEL_ALL:
		return 1;
	case TSP_SEL_TID:
		return sel->tid == tid;
	case TSP_SEL_NAME:
		return name && tsp_glob(sel->pat, name);
	case TSP_SEL_CALL:
		return call && tsp_glob(sel->pat, call);
	}
	return 0;
}

/* A decimal number of 1..10 digits up to INT_MAX, nothing else. */
static int parse_pid(const char *s, size_t n, pid_t *out)
{
	long long v = 0;
	size_t i;
	if (!n || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

static int word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

#define FAIL(c, m)             \
	do {                   \
		*code = (c);   \
		*msg = (m);    \
		return -1;     \
	} while (0)

static int parse_selector(const char *w, size_t n, struct tsp_req *req, size_t *used, const char **code, const char **msg)
{
	struct tsp_sel *sel = &req->sel[req->nsel];
	char *out = req->buf + *used;
	size_t room = sizeof req->buf - *used;
	int len;

	if (req->nsel >= TSP_SEL_MAX)
		FAIL(TSP_E_SYNTAX, "too many selectors (at most 32)");
	if (room > TSP_PAT_MAX + 1)
		room = TSP_PAT_MAX + 1;
	len = tsp_unescape(w, n, out, room);
	if (len < 0)
		FAIL(TSP_E_SYNTAX, "bad selector: an invalid escape, a NUL, or longer than 255 bytes");
	sel->pat = sel->text = out;
	sel->tid = 0;
	if (!strcmp(out, "all")) {
		sel->kind = TSP_SEL_ALL;
	} else if (!strncmp(out, "tid:", 4) || is_digit(out[0])) {
		const char *d = out[0] == 't' ? out + 4 : out;
		sel->kind = TSP_SEL_TID;
		if (parse_pid(d, strlen(d), &sel->tid))
			FAIL(TSP_E_SYNTAX, "bad selector: a thread id is a decimal number from 1 (use name:PATTERN for a name that starts with a digit)");
	} else if (!strncmp(out, "name:", 5)) {
		sel->kind = TSP_SEL_NAME;
		sel->pat = out + 5;
	} else if (!strncmp(out, "call:", 5)) {
		sel->kind = TSP_SEL_CALL;
		sel->pat = out + 5;
	} else {
		sel->kind = TSP_SEL_NAME;
	}
	if ((sel->kind == TSP_SEL_NAME || sel->kind == TSP_SEL_CALL) && !*sel->pat)
		FAIL(TSP_E_SYNTAX, "bad selector: empty pattern");
	*used += (size_t)len + 1;
	req->nsel++;
	return 0;
}

int tsp_parse_request(const char *line, size_t len, struct tsp_req *req, const char **code, const char **msg)
{
	const char *p = line, *end, *w;
	size_t used = 0, n;

	memset(req, 0, offsetof(struct tsp_req, buf));
	if (len >= TSP_LINE_MAX)
		FAIL(TSP_E_TOOLONG, TSP_E_TOOLONG_MSG);
	if (memchr(line, 0, len))
		FAIL(TSP_E_SYNTAX, "NUL byte in request");
	if (len && line[len - 1] == '\r')
		len--;
	end = line + len;
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		FAIL(TSP_E_SYNTAX, "empty request (try 'help')");
	for (w = p; p < end && !is_space(*p); p++)
		;
	n = (size_t)(p - w);
	if (word_is(w, n, "list"))
		req->cmd = TSP_LIST;
	else if (word_is(w, n, "stop"))
		req->cmd = TSP_STOP;
	else if (word_is(w, n, "help"))
		req->cmd = TSP_HELP;
	else if (word_is(w, n, "version"))
		req->cmd = TSP_VERSION;
	else if (word_is(w, n, "quit"))
		req->cmd = TSP_QUIT;
	else
		FAIL(TSP_E_UNKNOWN, "unknown command (commands: list, stop, help, version, quit)");

	for (;;) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		for (w = p; p < end && !is_space(*p); p++)
			;
		n = (size_t)(p - w);
		if (req->cmd != TSP_STOP)
			FAIL(TSP_E_SYNTAX, "this command takes no arguments");
		if (word_is(w, n, "force"))
			req->force = 1;
		else if (parse_selector(w, n, req, &used, code, msg))
			return -1;
	}
	if (req->cmd == TSP_STOP && !req->nsel)
		FAIL(TSP_E_SYNTAX, "stop needs a selector: TID, NAME, GLOB, name:GLOB, call:GLOB or all");
	return 0;
}
