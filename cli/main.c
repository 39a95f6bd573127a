/* threadstop: run a program with the shim, list its threads, stop some of them.  It talks
 * to the shim over the control socket with the shared client code (client.c) and is never
 * itself preloaded.  This file only dispatches to the subcommands. */
#define _GNU_SOURCE
#include <getopt.h>
#include <locale.h>
#include <string.h>
#include "cli.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif

static int cmd_help(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	char buf[64];
	while (next_opt("help", argc, argv, ":h", opts) != -1)
		;
	if (optind + 1 < argc)
		usage_error("help", "takes one COMMAND");
	if (optind < argc && !help_text(argv[optind]))
		usage_error(0, "no command '%s' (commands: run, list, stop, ps, help)", esc(argv[optind], buf, sizeof buf));
	print_help(optind < argc ? argv[optind] : 0);
	return EXIT_DONE;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "run", cmd_run }, { "list", cmd_list }, { "stop", cmd_stop }, { "ps", cmd_ps }, { "help", cmd_help } };
	const char *cmd = argc > 1 ? argv[1] : 0;
	char buf[64];
	unsigned i;

	setlocale(LC_CTYPE, "");
	escape_init();
	if (!cmd)
		usage_error(0, "no command given (commands: run, list, stop, ps, help)");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		print_help(0);
		return EXIT_DONE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("threadstop %s (control protocol %d)\n", TS_VERSION, TSP_PROTO);
		return EXIT_DONE;
	}
	for (i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	if (cmd[0] == '-')
		usage_error(0, "unknown option '%s' (options go after the command)", esc(cmd, buf, sizeof buf));
	usage_error(0, "unknown command '%s' (commands: run, list, stop, ps, help)", esc(cmd, buf, sizeof buf));
}
