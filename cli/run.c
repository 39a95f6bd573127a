/* threadstop run: execute a command with libthreadstop.so first in LD_PRELOAD, in place
 * (same pid), with exit statuses as the shell gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static int readable(const char *p) { return p && access(p, R_OK) == 0; }

/* The build tree's library only for the build tree's binary (TS_BUILD_EXE): an installed
 * threadstop never looks into a build tree, even one that still exists. */
static void find_lib(char *out, size_t sz)
{
	const char *env = getenv("THREADSTOP_LIB");
	char buf[ESC_MAX];
	if (env && *env) {
		if (!realpath(env, out) || !readable(out))
			die(EXIT_NOTFOUND, "THREADSTOP_LIB=%s: cannot read it (%s)", esc(env, buf, sizeof buf), strerror(errno));
		return;
	}
#ifdef TS_BUILD_EXE
	{
		char exe[PATH_MAX], built[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = 0;
			if (realpath(TS_BUILD_EXE, built) && !strcmp(exe, built) && readable(TS_BUILD_LIB) &&
			    realpath(TS_BUILD_LIB, out))
				return;
		}
	}
#endif
	if (readable(TS_LIBDIR "/" TS_LIBNAME) && realpath(TS_LIBDIR "/" TS_LIBNAME, out))
		return;
	die(EXIT_NOTFOUND, "cannot find %s in %s; set THREADSTOP_LIB to its path", TS_LIBNAME, TS_LIBDIR);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signal", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char lib[PATH_MAX], *pre, *old, buf[ESC_MAX];
	size_t len;
	int o;

	/* '+': options end at CMD, whose own options follow it */
	while ((o = next_opt("run", argc, argv, "+:hs:", opts)) != -1) {
		if (o == 's') {
			int sig = signal_number(optarg);
			char num[16];
			if (sig < SIGRTMIN || sig > SIGRTMAX)
				usage_error("run",
					    "--signal needs a real-time signal, SIGRTMIN..SIGRTMAX (%d..%d), by number or "
					    "name (SIGRTMIN+3, RTMAX-2), not '%s'",
					    SIGRTMIN, SIGRTMAX, esc(optarg, buf, sizeof buf));
			snprintf(num, sizeof num, "%d", sig);
			setenv("THREADSTOP_SIGNAL", num, 1);
		}
	}
	if (optind >= argc)
		usage_error("run", "needs a command: threadstop run [--signal SIG] [--] CMD [ARGS...]");
	find_lib(lib, sizeof lib);
	old = getenv("LD_PRELOAD");
	len = strlen(lib) + (old ? strlen(old) : 0) + 2;
	pre = malloc(len);
	if (!pre)
		die(EXIT_NOTFOUND, "out of memory");
	if (old && *old)
		snprintf(pre, len, "%s:%s", lib, old);
	else
		snprintf(pre, len, "%s", lib);
	setenv("LD_PRELOAD", pre, 1);
	execvp(argv[optind], argv + optind);
	/* as the shell: not found 127, found but not executable 126 */
	o = errno;
	die(o == ENOENT || o == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC, "cannot execute '%s': %s",
	    esc(argv[optind], buf, sizeof buf), strerror(o));
}
