/* The control protocol's parser and formatters (control/protocol.c, control/reply.c), linked directly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "client.h"
#include "protocol.h"

static struct tsp_req req;
static const char *code, *msg;

static int parse(const char *s)
{
	return tsp_parse_request(s, strlen(s), &req, &code, &msg);
}

Test(request, list_and_friends)
{
	cr_assert_eq(parse("list"), 0);
	cr_assert_eq(req.cmd, TSP_LIST);
	cr_assert_eq(parse("  list \t"), 0);
	cr_assert_eq(parse("list\r"), 0);
	cr_assert_eq(parse("help"), 0);
	cr_assert_eq(req.cmd, TSP_HELP);
	cr_assert_eq(parse("version"), 0);
	cr_assert_eq(req.cmd, TSP_VERSION);
	cr_assert_eq(parse("quit"), 0);
	cr_assert_eq(req.cmd, TSP_QUIT);
}

Test(request, list_takes_no_arguments)
{
	cr_assert_eq(parse("list all"), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
}

Test(request, empty_and_blank)
{
	cr_assert_eq(parse(""), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
	cr_assert_eq(parse("   \t "), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
	cr_assert_eq(parse("\r"), -1);
}

Test(request, unknown_commands_are_answered)
{
	cr_assert_eq(parse("LIST"), -1);
	cr_assert_str_eq(code, TSP_E_UNKNOWN);
	cr_assert_eq(parse("listx"), -1);
	cr_assert_str_eq(code, TSP_E_UNKNOWN);
	cr_assert_eq(parse("\x01\x02\xff garbage"), -1);
	cr_assert_str_eq(code, TSP_E_UNKNOWN);
	cr_assert(strlen(msg) > 0);
}

Test(request, embedded_nul)
{
	static const char line[] = "stop a\0b";
	cr_assert_eq(tsp_parse_request(line, sizeof line - 1, &req, &code, &msg), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
}

Test(request, overlong)
{
	static char line[TSP_LINE_MAX + 10];
	memset(line, 'a', sizeof line);
	memcpy(line, "stop ", 5);
	cr_assert_eq(tsp_parse_request(line, TSP_LINE_MAX, &req, &code, &msg), -1);
	cr_assert_str_eq(code, TSP_E_TOOLONG);
	/* A selector longer than 255 bytes in a line that fits. */
	cr_assert_eq(tsp_parse_request(line, 600, &req, &code, &msg), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
	cr_assert_eq(tsp_parse_request(line, 5 + 255, &req, &code, &msg), 0);
}

Test(request, stop_selectors)
{
	cr_assert_eq(parse("stop 1234 worker-* acceptor all name:42 call:accept* tid:7 force"), 0);
	cr_assert_eq(req.cmd, TSP_STOP);
	cr_assert_eq(req.force, 1);
	cr_assert_eq(req.nsel, 7);
	cr_assert_eq(req.sel[0].kind, TSP_SEL_TID);
	cr_assert_eq(req.sel[0].tid, 1234);
	cr_assert_eq(req.sel[1].kind, TSP_SEL_NAME);
	cr_assert_str_eq(req.sel[1].pat, "worker-*");
	cr_assert_eq(req.sel[2].kind, TSP_SEL_NAME);
	cr_assert_str_eq(req.sel[2].pat, "acceptor");
	cr_assert_eq(req.sel[3].kind, TSP_SEL_ALL);
	cr_assert_eq(req.sel[4].kind, TSP_SEL_NAME);
	cr_assert_str_eq(req.sel[4].pat, "42");
	cr_assert_str_eq(req.sel[4].text, "name:42");
	cr_assert_eq(req.sel[5].kind, TSP_SEL_CALL);
	cr_assert_str_eq(req.sel[5].pat, "accept*");
	cr_assert_eq(req.sel[6].kind, TSP_SEL_TID);
	cr_assert_eq(req.sel[6].tid, 7);
}

Test(request, stop_without_force)
{
	cr_assert_eq(parse("stop x"), 0);
	cr_assert_eq(req.force, 0);
	cr_assert_eq(req.nsel, 1);
}

Test(request, stop_needs_a_selector)
{
	cr_assert_eq(parse("stop"), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
	cr_assert_eq(parse("stop force"), -1);
	cr_assert_eq(parse("stop name:"), -1);
	cr_assert_eq(parse("stop call:"), -1);
}

Test(request, bad_tids)
{
	const char *bad[] = { "stop 0", "stop 12ab", "stop 99999999999", "stop 2147483648", "stop tid:",
			      "stop tid:x" };
	unsigned i;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_assert_eq(parse(bad[i]), -1, "%s", bad[i]);
		cr_assert_str_eq(code, TSP_E_SYNTAX);
	}
	cr_assert_eq(parse("stop 2147483647"), 0);
}

Test(request, too_many_selectors)
{
	char line[512] = "stop";
	int i;
	for (i = 0; i < TSP_SEL_MAX; i++)
		strcat(line, " a");
	cr_assert_eq(parse(line), 0);
	strcat(line, " a");
	cr_assert_eq(parse(line), -1);
	cr_assert_str_eq(code, TSP_E_SYNTAX);
}

Test(request, escaped_selectors)
{
	cr_assert_eq(parse("stop my\\x20thread back\\\\slash"), 0);
	cr_assert_str_eq(req.sel[0].pat, "my thread");
	cr_assert_str_eq(req.sel[1].pat, "back\\slash");
	cr_assert_eq(parse("stop bad\\q"), -1);
	cr_assert_eq(parse("stop bad\\x2"), -1);
	cr_assert_eq(parse("stop nul\\x00"), -1);
	cr_assert_eq(parse("stop trailing\\"), -1);
}

Test(glob, basics)
{
	cr_assert(tsp_glob("acceptor", "acceptor"));
	cr_assert_not(tsp_glob("acceptor", "acceptor2"));
	cr_assert_not(tsp_glob("acceptor", "accepto"));
	cr_assert(tsp_glob("worker-*", "worker-1"));
	cr_assert(tsp_glob("worker-*", "worker-"));
	cr_assert_not(tsp_glob("worker-*", "worker"));
	cr_assert(tsp_glob("*", ""));
	cr_assert(tsp_glob("*", "anything"));
	cr_assert(tsp_glob("w?rker", "worker"));
	cr_assert_not(tsp_glob("w?rker", "wrker"));
	cr_assert(tsp_glob("*er*", "poller"));
	cr_assert(tsp_glob("p*l*r", "poller"));
	cr_assert_not(tsp_glob("p*l*r", "pollers"));
	cr_assert(tsp_glob("**a**", "a"));
	cr_assert_not(tsp_glob("", "a"));
	cr_assert(tsp_glob("", ""));
}

Test(glob, brackets)
{
	cr_assert(tsp_glob("worker-[0-9]", "worker-7"));
	cr_assert_not(tsp_glob("worker-[0-9]", "worker-x"));
	cr_assert(tsp_glob("[!a]bc", "xbc"));
	cr_assert_not(tsp_glob("[!a]bc", "abc"));
	cr_assert(tsp_glob("[]]x", "]x"));
	cr_assert(tsp_glob("[a-]", "-"));
	cr_assert(tsp_glob("[", "["));       /* unterminated: a literal */
	cr_assert(tsp_glob("a[b", "a[b"));
	cr_assert_not(tsp_glob("a[b", "ab"));
}

Test(glob, escapes)
{
	cr_assert(tsp_glob("a\\*", "a*"));
	cr_assert_not(tsp_glob("a\\*", "ab"));
	cr_assert(tsp_glob("\\?", "?"));
	cr_assert_not(tsp_glob("\\?", "x"));
}

Test(glob, no_blowup)
{
	/* Would take exponential time with naive recursion. */
	cr_assert_not(tsp_glob("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

Test(selector, match)
{
	cr_assert_eq(parse("stop 10 acc* all call:poll name:10"), 0);
	cr_assert(tsp_sel_match(&req.sel[0], 10, "x", 0));
	cr_assert_not(tsp_sel_match(&req.sel[0], 11, "10", 0));
	cr_assert(tsp_sel_match(&req.sel[1], 1, "acceptor", "accept"));
	cr_assert_not(tsp_sel_match(&req.sel[1], 1, "reader", "accept"));
	cr_assert(tsp_sel_match(&req.sel[2], 99, "", 0));
	cr_assert(tsp_sel_match(&req.sel[3], 1, "x", "poll"));
	cr_assert_not(tsp_sel_match(&req.sel[3], 1, "poll", 0));
	cr_assert_not(tsp_sel_match(&req.sel[3], 1, "x", "ppoll"));
	cr_assert(tsp_sel_match(&req.sel[4], 1, "10", 0));
	cr_assert_not(tsp_sel_match(&req.sel[4], 10, "x", 0));
}

Test(escape, round_trip_every_byte)
{
	char in[255], esc[255 * 4 + 1], out[256];
	int i, n;
	for (i = 0; i < 255; i++)
		in[i] = (char)(i + 1);
	n = tsp_escape(in, sizeof in, esc, sizeof esc);
	cr_assert_gt(n, 0);
	cr_assert_null(strchr(esc, ' '));
	cr_assert_null(strchr(esc, '\n'));
	cr_assert_eq(tsp_unescape(esc, (size_t)n, out, sizeof out), 255);
	cr_assert_eq(memcmp(in, out, 255), 0);
}

Test(escape, overflow)
{
	char out[4];
	cr_assert_eq(tsp_escape("abcd", 4, out, sizeof out), -1);
	cr_assert_eq(tsp_escape(" ", 1, out, sizeof out), -1);
	cr_assert_eq(tsp_escape("abc", 3, out, sizeof out), 3);
	cr_assert_eq(tsp_unescape("abcd", 4, out, sizeof out), -1);
}

Test(reply, greeting)
{
	struct tsp_reply r;
	char line[64];
	int n = tsp_fmt_greeting(line, sizeof line, 4242);
	cr_assert_str_eq(line, "threadstop 1 4242\n");
	cr_assert_eq(tsp_parse_reply(line, (size_t)n - 1, &r), 0);
	cr_assert_eq(r.type, TSP_R_GREETING);
	cr_assert_eq(r.version, 1);
	cr_assert_eq(r.pid, 4242);
}

Test(reply, thread_round_trip)
{
	struct tsp_thread t = { .tid = 77, .state = "blocked", .call = "accept4", .seq = 9, .since_ns = 1700000000123456789 };
	struct tsp_reply r;
	char line[TSP_REPLY_MAX];
	int n;
	tsp_fmt_arg(t.arg, sizeof t.arg, TSP_ARG_FD, 3);
	n = tsp_fmt_thread(line, sizeof line, "thread", &t, "my thread\n", 10);
	cr_assert_gt(n, 0);
	cr_assert_str_eq(line, "thread 77 blocked accept4 fd=3 9 1700000000123456789 my\\x20thread\\x0a\n");
	cr_assert_eq(tsp_parse_reply(line, (size_t)n - 1, &r), 0);
	cr_assert_eq(r.type, TSP_R_THREAD);
	cr_assert_eq(r.th.tid, 77);
	cr_assert_str_eq(r.th.state, "blocked");
	cr_assert_str_eq(r.th.call, "accept4");
	cr_assert_str_eq(r.th.arg, "fd=3");
	cr_assert_eq(r.th.seq, 9);
	cr_assert_eq(r.th.since_ns, 1700000000123456789);
	cr_assert_str_eq(r.th.name, "my thread\n");
}

Test(reply, stopped_and_empty_name)
{
	struct tsp_thread t = { .tid = 5, .state = "running", .call = "-", .arg = "-", .seq = 0, .since_ns = -1 };
	struct tsp_reply r;
	char line[TSP_REPLY_MAX];
	int n = tsp_fmt_thread(line, sizeof line, "stopped", &t, "", 0);
	cr_assert_str_eq(line, "stopped 5 running - - 0 - -\n");
	cr_assert_eq(tsp_parse_reply(line, (size_t)n - 1, &r), 0);
	cr_assert_eq(r.type, TSP_R_STOPPED);
	cr_assert_eq(r.th.since_ns, -1);
}

Test(reply, args)
{
	char a[32];
	tsp_fmt_arg(a, sizeof a, TSP_ARG_TIMEOUT, -1);
	cr_assert_str_eq(a, "timeout=none");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_TIMEOUT, -2);
	cr_assert_str_eq(a, "deadline");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_TIMEOUT, 1500);
	cr_assert_str_eq(a, "timeout=1500");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_NONE, 3);
	cr_assert_str_eq(a, "-");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_TID, 4242);
	cr_assert_str_eq(a, "tid=4242");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_PID, 77);
	cr_assert_str_eq(a, "pid=77");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_PID, -1);
	cr_assert_str_eq(a, "pid=any");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_PID, 0);
	cr_assert_str_eq(a, "pgid=0");
	tsp_fmt_arg(a, sizeof a, TSP_ARG_PID, -300);
	cr_assert_str_eq(a, "pgid=300");
}

Test(reply, ok_err_help_unmatched)
{
	struct tsp_reply r;
	char line[TSP_REPLY_MAX];
	cr_assert_eq(tsp_parse_reply("ok 3", 4, &r), 0);
	cr_assert_eq(r.type, TSP_R_OK);
	cr_assert_str_eq(r.text, "3");
	cr_assert_eq(tsp_parse_reply("ok", 2, &r), 0);
	cr_assert_str_eq(r.text, "");
	cr_assert_gt(tsp_fmt_err(line, sizeof line, TSP_E_NOMATCH, "no thread matches"), 0);
	cr_assert_eq(tsp_parse_reply(line, strlen(line) - 1, &r), 0);
	cr_assert_eq(r.type, TSP_R_ERR);
	cr_assert_str_eq(r.code, "nomatch");
	cr_assert_str_eq(r.text, "no thread matches");
	cr_assert_eq(tsp_parse_reply("help x y", 8, &r), 0);
	cr_assert_eq(r.type, TSP_R_HELP);
	cr_assert_eq(tsp_parse_reply("unmatched a\\x20b", 16, &r), 0);
	cr_assert_eq(r.type, TSP_R_UNMATCHED);
	cr_assert_str_eq(r.text, "a b");
}

Test(reply, malformed)
{
	struct tsp_reply r;
	const char *bad[] = { "", " ", "bogus 1", "threadstop", "threadstop x 1", "threadstop 1 -1",
			      "thread 1 blocked", "thread x blocked read fd=1 1 - n", "thread 1 blocked read fd=1 1 - n extra",
			      "thread 1 blocked read fd=1 1 12x n", "thread 1 blocked read fd=1 1 - bad\\q", "err",
			      "thread 1 blocked read fd=1 99999999999 - n", "threadstop 1 42 extra", "unmatched a b",
			      "undelivered 1 blocked" };
	unsigned i;
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(tsp_parse_reply(bad[i], strlen(bad[i]), &r), -1, "%s", bad[i]);
	cr_assert_eq(tsp_parse_reply("ok\0x", 4, &r), -1);
}

Test(reply, undelivered)
{
	struct tsp_reply r;
	const char *l = "undelivered 12 blocked read fd=0 3 - worker";
	cr_assert_eq(tsp_parse_reply(l, strlen(l), &r), 0);
	cr_assert_eq(r.type, TSP_R_UNDELIVERED);
	cr_assert_eq(r.th.tid, 12);
	cr_assert_str_eq(r.th.name, "worker");
	l = "err undelivered no stop could be delivered";
	cr_assert_eq(tsp_parse_reply(l, strlen(l), &r), 0);
	cr_assert_str_eq(r.code, TSP_E_UNDELIVERED);
}

/* The client's request builder: selectors come back as given; one named "force" stays a
 * selector (it used to turn into the force flag). */
Test(request, built_selectors_round_trip)
{
	const char *sels[] = { "force", "a b", "all", "x\\y" };
	char line[TSP_LINE_MAX];
	const char *m;
	int i;
	cr_assert_eq(tsc_stop_request(line, sizeof line, sels, 4, 0, &m), 0);
	cr_assert_eq(parse(line), 0);
	cr_assert_eq(req.force, 0);
	cr_assert_eq(req.nsel, 4);
	for (i = 0; i < 4; i++)
		cr_assert_str_eq(req.sel[i].text, sels[i]);
	cr_assert_eq(tsc_stop_request(line, sizeof line, sels, 1, 1, &m), 0);
	cr_assert_eq(parse(line), 0);
	cr_assert_eq(req.force, 1);
	cr_assert_eq(req.nsel, 1);
	cr_assert_eq(tsc_stop_request(line, sizeof line, sels, 0, 0, &m), -EINVAL);
}

/* The reply lines are formatted by hand (reply.c): the same bytes snprintf gives, at the
 * extremes of every number, and the same truncation (tsp_fmt_arg) or refusal
 * (tsp_fmt_thread: -1 when the line and its NUL do not fit). */
Test(reply, hand_formatting_matches_printf)
{
	static const long vals[] = { 0, 7, -1, -300, 1500, LONG_MAX, LONG_MIN, LONG_MIN + 1 };
	char a[32], want[64], line[TSP_REPLY_MAX];
	struct tsp_thread t = { .tid = -1, .state = "pending", .call = "read", .arg = "fd=3", .seq = UINT_MAX,
				.since_ns = INT64_MAX };
	size_t len;
	for (unsigned i = 0; i < sizeof vals / sizeof *vals; i++) {
		tsp_fmt_arg(a, sizeof a, TSP_ARG_FD, vals[i]);
		snprintf(want, sizeof want, "fd=%ld", vals[i]);
		cr_assert_str_eq(a, want);
		tsp_fmt_arg(a, sizeof a, TSP_ARG_TIMEOUT, vals[i] == -1 || vals[i] == -2 ? 5 : vals[i]);
		snprintf(want, sizeof want, "timeout=%ld", vals[i] == -1 || vals[i] == -2 ? 5 : vals[i]);
		cr_assert_str_eq(a, want);
	}
	tsp_fmt_arg(a, 5, TSP_ARG_TIMEOUT, 1500);
	cr_assert_str_eq(a, "time");
	tsp_fmt_arg(a, 6, TSP_ARG_FD, -12345);
	cr_assert_str_eq(a, "fd=-1");
	tsp_fmt_arg(a, 1, TSP_ARG_PID, -1);
	cr_assert_str_eq(a, "");
	snprintf(want, sizeof want, "stopped -1 pending read fd=3 %u %lld t\n", UINT_MAX, (long long)INT64_MAX);
	cr_assert_eq(tsp_fmt_thread(line, sizeof line, "stopped", &t, "t", 1), (int)strlen(want));
	cr_assert_str_eq(line, want);
	len = strlen(want);
	cr_assert_eq(tsp_fmt_thread(line, len, "stopped", &t, "t", 1), -1);
	cr_assert_eq(tsp_fmt_thread(line, len + 1, "stopped", &t, "t", 1), (int)len);
	cr_assert_str_eq(line, want);
}
