/* libFuzzer target: the selector matcher.  tsp_glob() (iterative, one backtrack point) is
 * compared with a plain recursive reading of the rules in doc/protocol.md, on short
 * inputs; tsp_sel_match() runs on every parsed selector.  Input: pattern NUL name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocol.h"

/* [...] at p (just past '['): 1/0 whether c matches, *end past ']', or *end = 0 when no
 * ']' closes it (then '[' is an ordinary character).  A ']' right after '[' or '[!' is a
 * member; '\' quotes the next character; a-z is a range unless '-' is last. */
static int ref_bracket(const char *p, unsigned char c, const char **end)
{
	int neg = 0, hit = 0;
	const char *q = p;
	if (*q == '!' || *q == '^')
		neg = 1, q++;
	for (int first = 1; *q && (first || *q != ']'); first = 0) {
		unsigned char lo, hi;
		if (*q == '\\' && q[1])
			q++;
		lo = hi = (unsigned char)*q++;
		if (*q == '-' && q[1] && q[1] != ']') {
			q++;
			if (*q == '\\' && q[1])
				q++;
			hi = (unsigned char)*q++;
		}
		hit |= c >= lo && c <= hi;
	}
	if (*q != ']') {
		*end = 0;
		return 0;
	}
	*end = q + 1;
	return hit != neg;
}

static int ref_glob(const char *p, const char *s)
{
	const char *end;
	if (!*p)
		return !*s;
	if (*p == '*') {
		do
			if (ref_glob(p + 1, s))
				return 1;
		while (*s++);
		return 0;
	}
	if (!*s)
		return 0;
	if (*p == '?')
		return ref_glob(p + 1, s + 1);
	if (*p == '[') {
		int m = ref_bracket(p + 1, (unsigned char)*s, &end);
		if (end)
			return m && ref_glob(end, s + 1);
	}
	if (*p == '\\' && p[1])
		return p[1] == *s && ref_glob(p + 2, s + 1);
	return *p == *s && ref_glob(p + 1, s + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[600], line[700];
	static struct tsp_req req;
	const char *pat = buf, *name, *code, *msg;
	char *nul;
	int i, stars = 0;
	if (size >= 512)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	nul = memchr(buf, 0, size);
	name = nul ? nul + 1 : "";
	for (i = 0; pat[i]; i++)
		stars += pat[i] == '*';
	/* the reference is exponential in the stars: keep it to inputs it can finish */
	if (stars <= 4 && strlen(name) <= 40 && strlen(pat) <= 64 && tsp_glob(pat, name) != ref_glob(pat, name))
		abort();
	tsp_glob(pat, name); /* and on everything: must end, linear enough for libFuzzer's timeout */
	if (strlen(pat) + 5 < sizeof line) {
		int n = 0;
		memcpy(line, "stop ", 5);
		n = tsp_escape(pat, strlen(pat), line + 5, sizeof line - 5);
		if (n > 0 && !tsp_parse_request(line, (size_t)n + 5, &req, &code, &msg))
			for (i = 0; i < req.nsel; i++)
				tsp_sel_match(&req.sel[i], (pid_t)strlen(name) + 1, name, name);
	}
	return 0;
}
