/* The client side of the control protocol: find a process's control socket, connect,
 * check who serves it, send requests and read replies.  Part of control's static
 * library: linked into the shim (thread_stop(), preload/api.c), the CLI and the tests. */
#ifndef TS_CLIENT_H
#define TS_CLIENT_H

#include <sys/types.h>
#include "protocol.h"

#define TSC_TIMEOUT_MS 10000   /* default deadline: the whole exchange, from tsc_open() */
#define TSC_PATH_MAX 108       /* sizeof sun_path */
#define TSC_REPLY_LINES 65536  /* reply lines to one request, at most */
#define TSC_REPLY_BYTES (16L << 20) /* reply bytes to one request, at most */

struct tsc {
	int fd;
	pid_t pid;
	long deadline;             /* CLOCK_MONOTONIC ms: nothing is read after it */
	long lines, bytes;         /* read since the last request */
	char path[TSC_PATH_MAX];   /* the socket connected to, or the first one looked for */
	char buf[TSP_REPLY_MAX];
	size_t len;
};

/* The socket directory this process would serve from: $THREADSTOP_DIR, else
 * $XDG_RUNTIME_DIR/threadstop, else /tmp/threadstop-<euid>; `i` selects the i-th
 * candidate (0, 1).  Returns 0, or -1 when there is no such candidate. */
int tsc_dir(int i, const char *tsdir, const char *xdg, uid_t uid, char *out, size_t outsz);

/* Connect to pid's control socket and read its greeting.  Returns 0, or -errno:
 * ESRCH no such process (or a zombie), ENOENT no socket, ECONNREFUSED a stale socket,
 * EACCES another user's process (unless we are root) or refused by it, EAGAIN too many
 * clients, ETIMEDOUT, EPROTO not a threadstop socket of that pid.  deadline_ms
 * (CLOCK_MONOTONIC ms, see tsc_now_ms()) bounds everything read on this connection, the
 * greeting included, whatever the peer sends; tsc_open() sets it TSC_TIMEOUT_MS ahead. */
int tsc_open_until(struct tsc *c, pid_t pid, long deadline_ms);
int tsc_open(struct tsc *c, pid_t pid);
long tsc_now_ms(void);
/* Send one request line (newline added).  0 or -errno. */
int tsc_send(struct tsc *c, const char *line);
/* Read and parse the next reply line.  0 or -errno: EPROTO a malformed line, ECONNRESET
 * end of stream, ETIMEDOUT past the deadline, E2BIG more than TSC_REPLY_LINES lines or
 * TSC_REPLY_BYTES bytes since the last tsc_send(). */
int tsc_read(struct tsc *c, struct tsp_reply *r);
void tsc_close(struct tsc *c);

/* Build `stop SEL... [force]` from raw selectors (escaped here; a selector `force` is
 * written so that it stays a selector) into out; checks it with the protocol parser.
 * Returns 0, or -EINVAL with *msg set. */
int tsc_stop_request(char *out, size_t outsz, const char *const *sels, int nsel, unsigned flags, const char **msg);

#endif
