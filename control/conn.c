/* One client connection of the listener: a bounded output buffer, written with
 * MSG_DONTWAIT only, so that a slow or hostile peer never blocks the listener.  No
 * malloc: the buffer is mmap'd (reserved, not committed, until written). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "conn.h"

static int out_append(struct ts_conn *c, const char *s, size_t n)
{
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (!c->out && !(c->out = ts_pages(TS_OUT_MAX)))
		return -1;
	if (c->outlen + n > TS_OUT_MAX)
		return -1;
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	return 0;
}

void ts_reply(struct ts_conn *c, const char *s)
{
	if (out_append(c, s, strlen(s)))
		c->closing = 1;
}

void ts_reply_err(struct ts_conn *c, const char *code, const char *msg)
{
	char line[TSP_REPLY_MAX];
	if (tsp_fmt_err(line, sizeof line, code, msg) > 0)
		ts_reply(c, line);
}

void ts_conn_drop(struct ts_conn *c)
{
	if (c->fd >= 0)
		ts_sys(SYS_close, c->fd, 0, 0, 0, 0, 0);
	ts_conn_forget(c);
}

void ts_conn_forget(struct ts_conn *c)
{
	ts_pages_free(c->out, TS_OUT_MAX);
	c->out = 0;
	c->outlen = c->outoff = c->inlen = 0;
	c->closing = 0;
	c->partial = 0;
	c->fd = -1;
}

/* Write what we can; never wait. */
void ts_conn_flush(struct ts_conn *c, long now)
{
	while (c->outoff < c->outlen) {
		long w = ts_sys(SYS_sendto, c->fd, (long)(c->out + c->outoff), (long)(c->outlen - c->outoff),
				MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
		if (w == -EINTR)
			continue;
		if (w == -EAGAIN)
			return;
		if (w <= 0) {
			c->outoff = c->outlen;
			c->closing = 1;
			c->inlen = 0;
			return;
		}
		c->outoff += (size_t)w;
		c->deadline = now + TS_IDLE_MS;
	}
}
