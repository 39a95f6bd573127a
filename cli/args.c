/* The command line: messages and exits, getopt_long for every subcommand, and the values
 * options and arguments take (process ids, seconds, signals). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

void die(int code, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("threadstop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("threadstop: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\n(see 'threadstop %s --help')\n", cmd);
	else
		fputs("\n(see 'threadstop --help')\n", stderr);
	exit(EXIT_USAGE);
}

pid_t parse_pid(const char *cmd, const char *s)
{
	char *end, buf[64];
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v <= 0 || v > INT_MAX || s[0] == '+' || s[0] == ' ')
		usage_error(cmd, "'%s' is not a process id", esc(s, buf, sizeof buf));
	return (pid_t)v;
}

double parse_seconds(const char *cmd, const char *opt, const char *s)
{
	char *end, buf[64];
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v > 0) || v > 86400)
		usage_error(cmd, "%s needs a number of seconds (0 < SECONDS <= 86400), not '%s'", opt,
			    esc(s, buf, sizeof buf));
	return v;
}

/* A decimal number and nothing else (no sign, no space); -1 otherwise. */
static int small_num(const char *s)
{
	int v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int signal_number(const char *s)
{
	const char *p = s;
	int n, base, off = 0, sign = 0;
	if ((n = small_num(s)) >= 0)
		return n >= 1 && n < NSIG ? n : -1;
	if (!strncasecmp(p, "SIG", 3))
		p += 3;
	if (!strncasecmp(p, "RTMIN", 5) || !strncasecmp(p, "RTMAX", 5)) {
		base = p[4] == 'N' || p[4] == 'n' ? SIGRTMIN : SIGRTMAX;
		p += 5;
		if (*p == '+' || *p == '-') {
			sign = *p == '+' ? 1 : -1;
			if ((off = small_num(p + 1)) < 0)
				return -1;
		} else if (*p) {
			return -1;
		}
		n = base + sign * off;
		return n >= SIGRTMIN && n <= SIGRTMAX ? n : -1;
	}
	for (n = 1; n < SIGRTMIN; n++) {
		const char *abbrev = sigabbrev_np(n);
		if (abbrev && !strcasecmp(p, abbrev))
			return n;
	}
	return -1;
}

int next_opt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char buf[64];
	int c;
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, 0);
	if (c == 'h') {
		print_help(cmd);
		exit(EXIT_DONE);
	}
	if (c == ':')
		usage_error(cmd, "option '%s' needs a value", esc(argv[optind - 1], buf, sizeof buf));
	if (c == '?') {
		const char *a = argv[optind - 1], *eq = strchr(a, '=');
		const struct option *o;
		if (a[0] == '-' && a[1] == '-' && eq)
			for (o = longopts; o->name; o++)
				if (strlen(o->name) == (size_t)(eq - a - 2) && !strncmp(o->name, a + 2, (size_t)(eq - a - 2)))
					usage_error(cmd, "option '--%s' takes no value", o->name);
		if (a[0] == '-' && a[1] != '-' && optopt) {
			char one[2] = { (char)optopt, 0 };
			usage_error(cmd, "unknown option '-%s'", esc(one, buf, sizeof buf));
		}
		usage_error(cmd, "unknown option '%s'", esc(a, buf, sizeof buf));
	}
	return c;
}
