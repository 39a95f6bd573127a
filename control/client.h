/* The client side of the control protocol: find a process's control socket, connect,
 * check who serves it, send requests and read replies.  Part of control's static
 * library: linked into the shim (thread_stop(), preload/api.c), the CLI and the tests. */
#ifndef TS_CLIENT_H
#define TS_CLIENT_H

#include <sys/types.h>
#include "protocol.h"

#define TSC_TIMEOUT_MS 10000   /* thread_stop()'s deadline: the whole exchange */
#define TSC_PATH_MAX 108       /* sizeof sun_path */
#define TSC_NAME_ALT 7         /* names tried after the first, when someone else took it */
#define TSC_REPLY_LINES 65536  /* reply lines to one request, at most */
#define TSC_REPLY_BYTES (16L << 20) /* reply bytes to one request, at most */

struct tsc {
	int fd;
	pid_t pid;
	long deadline;             /* CLOCK_MONOTONIC ms: nothing is read after it */
	long lines, bytes;         /* read since the last request */
	char path[TSC_PATH_MAX];   /* the name connected to, or the first one tried: @threadstop.PID */
	char buf[TSP_REPLY_MAX];
	size_t len;
};

/* The abstract socket name (without its leading NUL) that process `pid` (as it sees its
 * own pid) listens on: threadstop.PID, or threadstop.PID.K for K = 1..TSC_NAME_ALT when
 * someone else holds the first.  Returns its length, or -1 if outsz is too small. */
int tsc_name(pid_t pid, int k, char *out, size_t outsz);
/* The pid in such a name (len bytes, no NUL, no '@'), or -1 if it is not one. */
int tsc_pid_of_name(const char *name, size_t len);
/* Abstract names live in a network namespace: join pid's if it is not ours (a
 * container).  0 already there (or cannot tell), 1 entered, -EPERM not allowed (it
 * needs CAP_SYS_ADMIN: run as root, or `nsenter -t PID -n`).  For the CLI only: it
 * changes the calling thread's namespace. */
int tsc_enter_netns(pid_t pid);

/* Connect to pid's control socket and read its greeting.  Returns 0, or -errno:
 * ESRCH no such process (or a zombie), ENOENT no listener answers as that process (no
 * shim, still starting, or another network namespace), EACCES another user's process
 * (unless we are root) or refused by it, EAGAIN too many clients, ETIMEDOUT, EPROTO not
 * a threadstop listener.  Whoever answers must be pid (SO_PEERCRED), of its uid or root.  deadline_ms
 * (CLOCK_MONOTONIC ms, see tsc_now_ms()) bounds everything read on this connection, the
 * greeting included, whatever the peer sends. */
int tsc_open_until(struct tsc *c, pid_t pid, long deadline_ms);
/* Connect, send the request `line` (newline added) before the greeting is read, then
 * read and check the greeting: one round trip where tsc_open_until() and tsc_send() take
 * two.  Tries pid's own name, as we see it, with no /proc read; when that is not pid's
 * listener (another pid or network namespace, no listener yet, a squatted name, another
 * user) it goes tsc_open_until()'s way and then sends.  Returns as tsc_open_until(), or
 * tsc_send()'s -errno; on 0 the replies follow with tsc_read(). */
int tsc_open_send(struct tsc *c, pid_t pid, long deadline_ms, const char *line);
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
