/* threadstop list: the threads of one process, as a table aligned by display width or as
 * JSON, every field escaped. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "procfs.h"

static void fmt_since(char *out, size_t sz, int64_t since_ns, double now)
{
	double d;
	if (since_ns < 0) {
		snprintf(out, sz, "-");
		return;
	}
	d = now - since_ns / 1e9;
	if (d < 0)
		d = 0;
	if (d < 60)
		snprintf(out, sz, "%.1fs", d);
	else if (d < 3600)
		snprintf(out, sz, "%dm%02ds", (int)d / 60, (int)d % 60);
	else if (d < 86400)
		snprintf(out, sz, "%dh%02dm", (int)d / 3600, (int)d % 3600 / 60);
	else if (d < 1e9)
		snprintf(out, sz, "%dd%02dh", (int)(d / 86400), (int)d % 86400 / 3600);
	else
		snprintf(out, sz, "long");
}

/* "-" (outside a call) is null in JSON. */
static void json_opt(const char *key, const char *v)
{
	printf(",\"%s\":", key);
	if (strcmp(v, "-"))
		put_json(stdout, v);
	else
		fputs("null", stdout);
}

static void print_json(pid_t pid, const struct tlist *l, double now)
{
	int i;
	printf("{\"pid\":%d,\"threads\":[", (int)pid);
	for (i = 0; i < l->n; i++) {
		const struct tsp_thread *t = &l->t[i];
		printf("%s{\"tid\":%d,\"name\":", i ? "," : "", (int)t->tid);
		put_json(stdout, t->name);
		fputs(",\"state\":", stdout);
		put_json(stdout, t->state);
		json_opt("call", t->call);
		json_opt("arg", t->arg);
		if (t->since_ns >= 0) {
			double d = now - t->since_ns / 1e9;
			printf(",\"since_ns\":%lld,\"since_s\":%.3f}", (long long)t->since_ns, d > 0 ? d : 0.0);
		} else {
			fputs(",\"since_ns\":null,\"since_s\":null}", stdout);
		}
	}
	printf("]}\n");
}

static void widen(int *w, const char *s)
{
	int k = field_width(s);
	if (k > *w)
		*w = k;
}

static void print_table(const struct tlist *l, double now)
{
	int w[5] = { 3, 4, 5, 4, 3 }, i;
	for (i = 0; i < l->n; i++) {
		char tid[16];
		snprintf(tid, sizeof tid, "%d", (int)l->t[i].tid);
		widen(&w[0], tid);
		widen(&w[1], l->t[i].name[0] ? l->t[i].name : "-");
		widen(&w[2], l->t[i].state);
		widen(&w[3], l->t[i].call);
		widen(&w[4], l->t[i].arg);
	}
	printf("%*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "TID", w[1], "NAME", w[2], "STATE", w[3], "CALL", w[4], "ARG",
	       "SINCE");
	for (i = 0; i < l->n; i++) {
		const struct tsp_thread *t = &l->t[i];
		char since[24];
		fmt_since(since, sizeof since, t->since_ns, now);
		printf("%*d  ", w[0], (int)t->tid);
		put_field(stdout, t->name[0] ? t->name : "-", w[1]);
		fputs("  ", stdout);
		put_field(stdout, t->state, w[2]);
		fputs("  ", stdout);
		put_field(stdout, t->call, w[3]);
		fputs("  ", stdout);
		put_field(stdout, t->arg, w[4]);
		printf("  %s\n", since);
	}
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "timeout", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct tlist l = { 0 };
	struct tsc c;
	double timeout = CLI_TIMEOUT_S, deadline;
	pid_t pid;
	int json = 0, o, e;

	while ((o = next_opt("list", argc, argv, ":h", opts)) != -1) {
		if (o == 'j')
			json = 1;
		else if (o == 't')
			timeout = parse_seconds("list", "--timeout", optarg);
	}
	if (optind >= argc)
		usage_error("list", "needs a PID");
	if (optind + 1 < argc) {
		char buf[64];
		usage_error("list", "takes one PID (got '%s' after it)", esc(argv[optind + 1], buf, sizeof buf));
	}
	pid = parse_pid("list", argv[optind]);
	deadline = now_mono() + timeout;
	/* As stop does: the request with the connection, and /proc only when that fails. */
	e = tsc_open_send(&c, pid, deadline_ms(deadline), "list");
	if (e) {
		if (ts_proc_without_shim(pid, deadline))
			return ts_proc_list(pid, json);
		connect_or_die(&c, pid, deadline);
		e = tsc_send(&c, "list");
	}
	if (!e)
		e = read_list(&c, &l);
	if (e)
		lost(&c, e);
	tsc_close(&c);
	if (json)
		print_json(pid, &l, now_real());
	else
		print_table(&l, now_real());
	free(l.t);
	return EXIT_DONE;
}
