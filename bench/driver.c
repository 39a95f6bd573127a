/* ts-bench: runs the threadstop benchmarks and reports them, as TAP on stdout (one "ok"
 * line per benchmark that produced its figures, "not ok" when one crashed or produced
 * none; the figures on "# " lines) and as Markdown tables (--md FILE).  Driven by
 * scripts/bench; see doc/benchmarks.md for what each figure means.
 *
 *   ts-bench [--quick] --lib LIBTHREADSTOP --bin DIR --cli THREADSTOP [--md FILE] [--data DIR]
 *     --bin DIR: where ts-bench-fast, -fast-linked, -stop and -mem are.
 *     --only GROUP: run one group (fast_path, instructions, latency, scale, cli_and_idle,
 *     memory), to iterate on it.
 *     --data DIR: where to write the data of the plots (scripts/bench draws them):
 *     latency-CALL.dat (every stop latency, ns, sorted), scale.dat (the curves). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "report.h"

extern char **environ;

static char *md;
static size_t mdlen;

static char **make_env(int preload)
{
	size_t n = 0, k = 0;
	char **e;
	while (environ[n])
		n++;
	e = calloc(n + 2, sizeof *e);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11))
			e[k++] = environ[i];
	if (preload && asprintf(&e[k++], "LD_PRELOAD=%s", lib) < 0)
		exit(1);
	return e;
}

int main(int argc, char **argv)
{
	const char *mdpath = 0, *only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--lib") && i + 1 < argc)
			lib = argv[++i];
		else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
			bindir = argv[++i];
		else if (!strcmp(argv[i], "--cli") && i + 1 < argc)
			cli = argv[++i];
		else if (!strcmp(argv[i], "--md") && i + 1 < argc)
			mdpath = argv[++i];
		else if (!strcmp(argv[i], "--data") && i + 1 < argc)
			datadir = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else {
			fprintf(stderr, "usage: ts-bench [--quick] --lib LIB --bin DIR --cli THREADSTOP [--md FILE] [--data DIR] [--only GROUP]\n");
			return 2;
		}
	}
	if (!lib || !bindir || !cli) {
		fprintf(stderr, "ts-bench: --lib, --bin and --cli are required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* a private directory for the benchmarks' files (callgrind's output) */
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ts-bench-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	env_plain = make_env(0);
	env_shim = make_env(1);
	mdf = open_memstream(&md, &mdlen);
#define RUN(group) if (!only || !strcmp(only, #group)) group()
	RUN(fast_path);
	if (!quick)
		RUN(instructions);
	RUN(latency);
	RUN(scale);
	RUN(cli_and_idle);
	RUN(memory);
	fclose(mdf);
	if (mdpath) {
		FILE *f = fopen(mdpath, "w");
		if (!f || fputs(md, f) < 0 || fclose(f))
			return 1;
	}
	/* remove what the benchmarks may have left */
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		char p[sizeof tmpdir + 260];
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(tmpdir);
	printf("1..%d\n", ntap); /* (TAP allows the plan last) */
	if (!quick)
		note("%d target%s missed", nmissed, nmissed == 1 ? "" : "s");
	return nfail ? 1 : 0;
}

