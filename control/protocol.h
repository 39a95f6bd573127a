/* The control protocol: one parser and formatter for both ends, the shim's listener and
 * the client (the CLI and thread_stop()); protocol.c the requests, reply.c the replies.
 * Pure string code: no I/O, no allocation, no libc call that the shim interposes.
 * doc/protocol.md is its specification. */
#ifndef TS_PROTOCOL_H
#define TS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TSP_PROTO 1            /* in the greeting: `threadstop 1 <pid>` */
#define TSP_LINE_CHARS 4095    /* a request line, without its newline ... */
#define TSP_LINE_MAX (TSP_LINE_CHARS + 1) /* ... and with it */
#define TSP_REPLY_MAX 1280     /* a reply line, newline included */
#define TSP_SEL_MAX 32         /* selectors in one stop request */
#define TSP_PAT_MAX 255        /* a selector, decoded */
#define TSP_NAME_MAX 16        /* a thread name (comm), with its NUL */

enum tsp_cmd { TSP_LIST = 1, TSP_STOP, TSP_HELP, TSP_VERSION, TSP_QUIT };

enum tsp_sel_kind { TSP_SEL_ALL = 1, TSP_SEL_TID, TSP_SEL_NAME, TSP_SEL_CALL };

struct tsp_sel {
	enum tsp_sel_kind kind;
	pid_t tid;
	const char *pat;       /* decoded glob, NUL-terminated (in the request's buffer) */
	const char *text;      /* the whole selector as given, decoded */
};

struct tsp_req {
	enum tsp_cmd cmd;
	int force;
	int nsel;
	struct tsp_sel sel[TSP_SEL_MAX];
	char buf[TSP_LINE_MAX + TSP_SEL_MAX];  /* decoded selectors */
};

/* Error codes of `err <code> <message>` replies. */
#define TSP_E_SYNTAX "syntax"      /* malformed request */
#define TSP_E_UNKNOWN "unknown"    /* unknown command */
#define TSP_E_TOOLONG "toolong"    /* request line over TSP_LINE_MAX */
#define TSP_E_NOMATCH "nomatch"    /* no thread matches the selectors */
#define TSP_E_UNDELIVERED "undelivered" /* threads matched, none of their calls could be interrupted */
#define TSP_E_BUSY "busy"          /* too many clients */
#define TSP_E_NOMEM "nomem"        /* the listener could not allocate what the reply needs */
#define TSP_STR_(x) #x
#define TSP_STR(x) TSP_STR_(x)
#define TSP_E_TOOLONG_MSG "request line longer than " TSP_STR(TSP_LINE_CHARS) " bytes"

/* Parse one request line (without its newline; a trailing CR is ignored).  Returns 0, or
 * -1 with *code (one of TSP_E_*) and *msg (static text) describing the error. */
int tsp_parse_request(const char *line, size_t len, struct tsp_req *req, const char **code, const char **msg);

/* Glob match: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`, and `\` quoting the next character. */
int tsp_glob(const char *pat, const char *s);

/* Does selector `sel` match a thread with this tid, name and current call name (or 0)? */
int tsp_sel_match(const struct tsp_sel *sel, pid_t tid, const char *name, const char *call);

/* Escape `in` (n bytes) for the wire: bytes <= 0x20, 0x7f and `\` become `\xHH`
 * (or `\\`), so that no field holds a space.  Returns the length written to out (always
 * NUL-terminated), or -1 if outsz is too small. */
int tsp_escape(const char *in, size_t n, char *out, size_t outsz);
/* The inverse; also accepts `\\`.  Returns the decoded length, or -1 on a bad escape, a
 * NUL or an overflow. */
int tsp_unescape(const char *in, size_t n, char *out, size_t outsz);

/* The states a thread is listed with. */
#define TSP_ST_RUNNING "running"        /* no stop, not in a blocking call */
#define TSP_ST_BLOCKED "blocked"        /* no stop, in an interposed blocking call */
#define TSP_ST_PENDING "stop-pending"   /* stopped, still in a blocking call */
#define TSP_ST_STOPPED "stopped"        /* stopped, out of any call: its next ones fail */
#define TSP_ST_IGNORED "ignored"        /* "ignored:N": it retried after N refused calls; the
					 * stop lapsed and it runs or blocks as without one */
#define TSP_ST_EXITING "exiting"        /* forced out: its cleanup handlers and destructors run */
#define TSP_ST_UNFORCED "force-refused" /* forced, but the unwind would have been caught
					 * (catch (...)): stopped as by a plain stop instead */

/* One thread, as a `thread` line of `list` or a `stopped` or `undelivered` line of `stop`. */
struct tsp_thread {
	pid_t tid;
	char state[16];
	char call[32];             /* "-" when not in an interposed call */
	char arg[32];              /* fd=N, timeout=MS, timeout=none, deadline, or "-" */
	unsigned seq;              /* the thread's call counter: tells one call from the next */
	int64_t since_ns;          /* CLOCK_REALTIME ns first seen in this call, or -1 */
	char name[TSP_NAME_MAX * 4];
};

/* A reply line, parsed. */
enum tsp_reply_type {
	TSP_R_GREETING = 1,
	TSP_R_THREAD,
	TSP_R_STOPPED,
	TSP_R_UNMATCHED,
	TSP_R_HELP,
	TSP_R_OK,
	TSP_R_ERR,
	TSP_R_UNDELIVERED,         /* matched, stop marked, but its call could not be interrupted */
};

struct tsp_reply {
	enum tsp_reply_type type;
	int version;               /* greeting */
	pid_t pid;                 /* greeting */
	struct tsp_thread th;      /* thread, stopped, undelivered */
	char code[16];             /* err */
	char text[TSP_REPLY_MAX];  /* ok, err, help, unmatched: the rest of the line (unmatched: decoded) */
};

/* Parse one reply line (without its newline).  Returns 0, or -1 if it is malformed. */
int tsp_parse_reply(const char *line, size_t len, struct tsp_reply *r);

/* Formatters: each writes one line with its newline into out and returns its length, or
 * -1 if it does not fit. */
int tsp_fmt_greeting(char *out, size_t outsz, pid_t pid);
int tsp_fmt_thread(char *out, size_t outsz, const char *type, const struct tsp_thread *t, const char *name, size_t namelen);
int tsp_fmt_err(char *out, size_t outsz, const char *code, const char *msg);
/* The call argument of a `thread` line: fd=N, timeout=MS (timeout=none for -1, deadline
 * for -2), or "-". */
enum tsp_arg_kind { TSP_ARG_NONE, TSP_ARG_FD, TSP_ARG_TIMEOUT, TSP_ARG_TID, TSP_ARG_PID };
void tsp_fmt_arg(char *out, size_t outsz, enum tsp_arg_kind kind, long arg);

#endif
