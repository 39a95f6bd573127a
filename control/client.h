/* The client side of the control protocol: find a process's control socket, connect,
 * check who serves it, send requests and read replies.  Part of control's static
 * library: linked into the shim (thread_stop(), preload/api.c), the CLI and the tests. */
#ifndef TS_CLIENT_H
#define TS_CLIENT_H

#include <sys/types.h>
#include "protocol.h"

#define TSC_TIMEOUT_MS 10000   /* how long a reply may take */
#define TSC_PATH_MAX 108       /* sizeof sun_path */

struct tsc {
	int fd;
	pid_t pid;
	char path[TSC_PATH_MAX];   /* the socket connected to, or the first one looked for */
	char buf[TSP_REPLY_MAX];
	size_t len;
};

/* The socket directory this process would serve from: $THREADSTOP_DIR, else
 * $XDG_RUNTIME_DIR/threadstop, else /tmp/threadstop-<euid>; `i` selects the i-th
 * candidate (0, 1).  Returns 0, or -1 when there is no such candidate. */
int tsc_dir(int i, const char *tsdir, const char *xdg, uid_t uid, char *out, size_t outsz);

/* Connect to pid's control socket and read its greeting.  Returns 0, or -errno:
 * ESRCH no such process, ENOENT no socket, ECONNREFUSED a stale socket, EACCES refused
 * (another user's process), EAGAIN too many clients, ETIMEDOUT, EPROTO not a threadstop
 * socket of that pid. */
int tsc_open(struct tsc *c, pid_t pid);
/* Send one request line (newline added).  0 or -errno. */
int tsc_send(struct tsc *c, const char *line);
/* Read and parse the next reply line.  0 or -errno (EPROTO for a malformed line,
 * ECONNRESET for end of stream). */
int tsc_read(struct tsc *c, struct tsp_reply *r);
void tsc_close(struct tsc *c);

/* Build `stop SEL... [force]` from raw selectors (escaped here) into out; checks it with
 * the protocol parser.  Returns 0, or -EINVAL with *msg set. */
int tsc_stop_request(char *out, size_t outsz, const char *const *sels, int nsel, unsigned flags, const char **msg);

#endif
