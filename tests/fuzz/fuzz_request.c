/* libFuzzer target: the request parser (the listener's input from any local client), and
 * the client's request builder round trip: selectors escaped by tsc_stop_request() come
 * back from tsp_parse_request() byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "protocol.h"

static void check_request(const uint8_t *data, size_t size)
{
	static struct tsp_req req;
	const char *code, *msg;
	int i;
	if (tsp_parse_request((const char *)data, size, &req, &code, &msg)) {
		if (!code || !msg || !*msg)
			abort();
		return;
	}
	if (req.nsel < 0 || req.nsel > TSP_SEL_MAX || (req.cmd == TSP_STOP && !req.nsel))
		abort();
	for (i = 0; i < req.nsel; i++) {
		const struct tsp_sel *s = &req.sel[i];
		if (strlen(s->text) > TSP_PAT_MAX || s->pat < s->text || s->pat > s->text + strlen(s->text))
			abort();
		if (s->kind == TSP_SEL_TID && s->tid <= 0)
			abort();
		tsp_sel_match(s, 1234, "worker-1", "accept4");
	}
}

/* The input as NUL-separated selectors. */
static void check_builder(const uint8_t *data, size_t size)
{
	static char copy[8192], line[TSP_LINE_MAX];
	static struct tsp_req req;
	const char *sels[TSP_SEL_MAX + 2], *msg, *code;
	int n = 0, i;
	size_t k;
	if (size >= sizeof copy)
		return;
	memcpy(copy, data, size);
	copy[size] = 0;
	sels[n++] = copy;
	for (k = 0; k < size && n < TSP_SEL_MAX + 2; k++)
		if (!copy[k])
			sels[n++] = copy + k + 1;
	if (tsc_stop_request(line, sizeof line, sels, n, 0, &msg))
		return;
	if (tsp_parse_request(line, strlen(line), &req, &code, &msg) || req.cmd != TSP_STOP)
		abort();
	/* "force" as a selector is the flag, not a selector: the builder must not pass it */
	if (req.force || req.nsel != n)
		abort();
	for (i = 0; i < n; i++)
		if (strcmp(req.sel[i].text, sels[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_builder(data, size);
	return 0;
}
