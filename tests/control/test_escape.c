/* The CLI's escapers (cli/escape.c), linked directly: what a terminal and a JSON reader get
 * from hostile or unusual bytes, and the display width the table aligns with. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

void die(int code, const char *fmt, ...) { abort(); }

static char out[512];

static int term(const char *s, int utf8)
{
	return term_escape(s, strlen(s), out, sizeof out, utf8);
}

static const char *json(const char *s)
{
	json_escape(s, strlen(s), out, sizeof out);
	return out;
}

static void utf8_locale(void)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
}

Test(term, ascii_passes_backslash_doubles)
{
	cr_assert_eq(term("worker-1", 1), 8);
	cr_assert_str_eq(out, "worker-1");
	cr_assert_eq(term("a\\x41", 1), 6);
	cr_assert_str_eq(out, "a\\\\x41");
}

Test(term, controls_never_reach_the_terminal, .init = utf8_locale)
{
	term("\x1b[2J\x07\x7f\n", 1);
	cr_assert_str_eq(out, "\\x1b[2J\\x07\\x7f\\x0a");
	term("a\xc2\x9b" "b", 1); /* C1 CSI, valid UTF-8 */
	cr_assert_str_eq(out, "a\\xc2\\x9bb");
	term("\xe2\x80\xae" "abc", 1); /* U+202E right-to-left override */
	cr_assert_str_eq(out, "\\xe2\\x80\\xaeabc");
}

Test(term, utf8_width_is_display_columns, .init = utf8_locale)
{
	cr_assert_eq(term("caf\xc3\xa9\xe2\x9c\x93", 1), 5);
	cr_assert_str_eq(out, "caf\xc3\xa9\xe2\x9c\x93");
	cr_assert_eq(term("\xe6\x97\xa5\xe6\x9c\xac", 1), 4); /* two wide CJK characters */
}

Test(term, invalid_utf8_and_non_utf8_terminals, .init = utf8_locale)
{
	cr_assert_eq(term("\xff\xc3", 1), 8);
	cr_assert_str_eq(out, "\\xff\\xc3");
	cr_assert_eq(term("\xed\xa0\x80", 1), 12); /* a surrogate is not UTF-8 */
	cr_assert_eq(term("caf\xc3\xa9", 0), 11);
	cr_assert_str_eq(out, "caf\\xc3\\xa9");
}

Test(term, truncates_at_a_boundary)
{
	char small[6];
	term_escape("\x1b\x1b", 2, small, sizeof small, 1);
	cr_assert_str_eq(small, "\\x1b");
}

Test(json, escapes_and_stays_valid_utf8)
{
	cr_assert_str_eq(json("a\"b\\c"), "a\\\"b\\\\c");
	cr_assert_str_eq(json("\x1b\n\x7f"), "\\u001b\\u000a\\u007f");
	cr_assert_str_eq(json("caf\xc3\xa9"), "caf\xc3\xa9");
	cr_assert_str_eq(json("\xc2\x9b\xe2\x80\xa8"), "\\u009b\\u2028");
	cr_assert_str_eq(json("\xff-\xc3"), "\\ufffd-\\ufffd");
	cr_assert_str_eq(json("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

Test(json, reports_the_length_it_needs)
{
	char small[4];
	cr_assert_eq(json_escape("\x01\x02", 2, small, sizeof small), 12u);
	cr_assert_eq(small[3], 0);
	cr_assert_eq(json_escape("abc", 3, 0, 0), 3u);
}
