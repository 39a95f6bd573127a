/* Every field the CLI prints comes from a peer it does not trust (a reply, /proc, the
 * command line): these escapers make any bytes safe for a terminal or a JSON document, and
 * measure terminal fields in display columns so that UTF-8 names align. */
#define _GNU_SOURCE
#include <langinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "cli.h"

static int utf8_term;

void escape_init(void)
{
	const char *cs = nl_langinfo(CODESET);
	utf8_term = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

int term_utf8(void) { return utf8_term; }

/* The code point of the valid UTF-8 sequence at s (shortest form, no surrogates, at most
 * U+10FFFF) and its length in *len; -1 if s does not start one. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	long cp, min;
	size_t k, i;
	if (!n)
		return -1;
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return -1;
	if (n < k)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = k;
	return cp;
}

int term_escape(const char *in, size_t n, char *out, size_t outsz, int utf8)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, len, j;
	int width = 0;
	if (!outsz)
		return 0;
	while (i < n) {
		long cp = utf8_decode(s + i, n - i, &len);
		int w = -1;
		if (cp == '\\') {
			if (o + 2 >= outsz)
				break;
			out[o++] = '\\', out[o++] = '\\';
			width += 2;
			i++;
			continue;
		}
		if (cp >= 0x20 && cp < 0x7f)
			w = 1;
		else if (cp >= 0xa0 && utf8)
			w = wcwidth((wchar_t)cp); /* 0 (combining, format controls such as U+202E) is escaped too */
		if (w > 0) {
			if (o + len >= outsz)
				break;
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
			width += w;
			continue;
		}
		/* not printable here: every byte of it as \xHH */
		if (cp < 0)
			len = 1;
		if (o + 4 * len >= outsz)
			break;
		for (j = 0; j < len; j++, i++) {
			out[o++] = '\\', out[o++] = 'x';
			out[o++] = hex[s[i] >> 4], out[o++] = hex[s[i] & 15];
			width += 4;
		}
	}
	out[o] = 0;
	return width;
}

size_t json_escape(const char *in, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, len;
	char tmp[8];
	while (i < n) {
		long cp = utf8_decode(s + i, n - i, &len);
		const char *put = tmp;
		size_t k;
		if (cp < 0) {
			put = "\\ufffd", k = 6, len = 1;
		} else if (cp == '"' || cp == '\\') {
			tmp[0] = '\\', tmp[1] = (char)cp, k = 2;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
			memcpy(tmp, "\\u", 2);
			tmp[2] = hex[cp >> 12 & 15], tmp[3] = hex[cp >> 8 & 15];
			tmp[4] = hex[cp >> 4 & 15], tmp[5] = hex[cp & 15];
			k = 6;
		} else {
			put = in + i, k = len;
		}
		if (o + k < outsz)
			memcpy(out + o, put, k);
		o += k;
		i += len;
	}
	if (outsz)
		out[o < outsz ? o : outsz - 1] = 0;
	return o;
}

int field_width(const char *s)
{
	char buf[ESC_MAX];
	return term_escape(s, strlen(s), buf, sizeof buf, utf8_term);
}

void put_field(FILE *f, const char *s, int width)
{
	char buf[ESC_MAX];
	int w = term_escape(s, strlen(s), buf, sizeof buf, utf8_term);
	int pad = (width < 0 ? -width : width) - w;
	if (width < 0)
		for (; pad > 0; pad--)
			fputc(' ', f);
	fputs(buf, f);
	if (width > 0)
		for (; pad > 0; pad--)
			fputc(' ', f);
}

void put_json(FILE *f, const char *s)
{
	size_t n = strlen(s), need = json_escape(s, n, 0, 0);
	char *buf = malloc(need + 1);
	if (!buf)
		die(EXIT_UNREACHABLE, "out of memory");
	json_escape(s, n, buf, need + 1);
	fputc('"', f);
	fputs(buf, f);
	fputc('"', f);
	free(buf);
}

const char *esc(const char *s, char *buf, size_t sz)
{
	term_escape(s, strlen(s), buf, sz, utf8_term);
	return buf;
}
