/* libFuzzer target: the reply parser (the client's input from whatever answers on the
 * socket).  A line it accepts is formatted again and must parse to the same thing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocol.h"

static void bounded(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tsp_reply r, r2;
	static char line[TSP_REPLY_MAX];
	const struct tsp_thread *t = &r.th;
	int n;
	if (tsp_parse_reply((const char *)data, size, &r))
		return 0;
	bounded(r.code, sizeof r.code);
	bounded(r.text, sizeof r.text);
	bounded(t->state, sizeof t->state);
	bounded(t->call, sizeof t->call);
	bounded(t->arg, sizeof t->arg);
	bounded(t->name, sizeof t->name);
	if (r.type != TSP_R_THREAD && r.type != TSP_R_STOPPED && r.type != TSP_R_UNDELIVERED)
		return 0;
	if (t->tid <= 0 || !t->state[0] || !t->call[0] || !t->arg[0])
		abort();
	/* round trip; an empty name is written "-" and read back as "-" */
	n = tsp_fmt_thread(line, sizeof line,
			   r.type == TSP_R_THREAD ? "thread" : r.type == TSP_R_STOPPED ? "stopped" : "undelivered", t, t->name,
			   strlen(t->name));
	if (n < 0)
		return 0; /* a name of 63 bytes that escape to more than fits: the formatter refuses it */
	if (tsp_parse_reply(line, (size_t)n - 1, &r2) || r2.type != r.type)
		abort();
	if (r2.th.tid != t->tid || r2.th.seq != t->seq || r2.th.since_ns != t->since_ns || strcmp(r2.th.state, t->state) ||
	    strcmp(r2.th.call, t->call) || strcmp(r2.th.arg, t->arg) || strcmp(r2.th.name, t->name[0] ? t->name : "-"))
		abort();
	return 0;
}
