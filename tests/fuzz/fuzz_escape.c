/* libFuzzer target: the escapers.  The CLI's terminal and JSON escapers must turn any
 * bytes into text with no control character, valid UTF-8, a JSON string that decodes back
 * to the input (invalid bytes as U+FFFD); the wire escaper must round-trip. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

void die(int code, const char *fmt, ...) { abort(); }

/* Strict UTF-8 (shortest form, no surrogates): the length of the sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t k, i;
	unsigned long c, min;
	if (s[0] < 0x80)
		return *cp = s[0], 1;
	if ((s[0] & 0xe0) == 0xc0)
		k = 2, c = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		k = 3, c = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		k = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

/* What a JSON reader gets from the input: each valid sequence, each invalid byte U+FFFD. */
static size_t expected(const unsigned char *in, size_t n, unsigned long *out)
{
	size_t i = 0, o = 0, k;
	unsigned long cp;
	while (i < n) {
		k = utf8_len(in + i, n - i, &cp);
		out[o++] = k ? cp : 0xfffd;
		i += k ? k : 1;
	}
	return o;
}

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

/* Decode the JSON string body as a strict reader would; abort on anything invalid. */
static size_t json_decode(const unsigned char *s, size_t n, unsigned long *out)
{
	size_t i = 0, o = 0, k;
	unsigned long cp;
	while (i < n) {
		if (s[i] < 0x20 || s[i] == '"' || s[i] == 0x7f)
			abort();
		if (s[i] == '\\') {
			if (i + 1 >= n)
				abort();
			switch (s[i + 1]) {
			case '"': case '\\': out[o++] = s[i + 1]; i += 2; continue;
			case 'u':
				if (i + 5 >= n)
					abort();
				cp = 0;
				for (k = 2; k < 6; k++) {
					if (hexv((char)s[i + k]) < 0)
						abort();
					cp = cp << 4 | (unsigned long)hexv((char)s[i + k]);
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					abort(); /* never a lone surrogate */
				out[o++] = cp;
				i += 6;
				continue;
			default:
				abort();
			}
		}
		k = utf8_len(s + i, n - i, &cp);
		if (!k || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			abort();
		out[o++] = cp;
		i += k;
	}
	return o;
}

static void check_term(const uint8_t *data, size_t size, int utf8)
{
	static char out[4 * 600 + 1];
	size_t i, k, n;
	unsigned long cp;
	int w = term_escape((const char *)data, size, out, sizeof out, utf8);
	n = strlen(out);
	if (w < 0 || (size_t)w > n || (size <= 600 && (n < size || w < (int)(size ? 1 : 0))))
		abort();
	for (i = 0; i < n; i += k) {
		k = utf8_len((const unsigned char *)out + i, n - i, &cp);
		if (!k || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (!utf8 && cp >= 0x80))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long want[2048], got[2048];
	static char json[6 * 1024 + 1], wire[4 * 1024 + 1], back[1025];
	size_t need, nw, ng;
	int n;
	if (size > 1024)
		return 0;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		abort();
	check_term(data, size, 1);
	check_term(data, size, 0);
	/* a buffer too small: still NUL-terminated, never overrun */
	{
		char small[7];
		term_escape((const char *)data, size, small, sizeof small, 1);
		if (!memchr(small, 0, sizeof small))
			abort();
	}
	need = json_escape((const char *)data, size, json, sizeof json);
	if (need >= sizeof json || strlen(json) != need)
		abort();
	nw = expected(data, size, want);
	ng = json_decode((const unsigned char *)json, need, got);
	if (nw != ng || memcmp(want, got, nw * sizeof *want))
		abort();
	n = tsp_escape((const char *)data, size, wire, sizeof wire);
	if (n < 0 || memchr(wire, ' ', (size_t)n) || memchr(wire, '\n', (size_t)n))
		abort();
	if (!memchr(data, 0, size)) {
		if (tsp_unescape(wire, (size_t)n, back, sizeof back) != (int)size || memcmp(back, data, size))
			abort();
	}
	return 0;
}
