/* What the files of the threadstop command share: exit statuses, messages, argument
 * helpers, the connection to a process, and the escapers every printed field goes through.
 * main.c dispatches; connect.c reaches a process; list.c, stop.c, run.c, ps.c are the
 * subcommands; help.c holds every --help text; escape.c makes untrusted bytes printable. */
#ifndef TS_CLI_H
#define TS_CLI_H

/* Where the installed library is (meson sets both; `run` and the help text use them). */
#ifndef TS_LIBDIR
#define TS_LIBDIR "/usr/local/lib"
#endif
#ifndef TS_LIBNAME
#define TS_LIBNAME "libthreadstop.so.0"
#endif

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "client.h"
#include "protocol.h"

enum {
	EXIT_DONE = 0,
	EXIT_NOMATCH = 1,      /* stop: nothing matched, not delivered, or still blocked after --wait */
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,  /* cannot reach the process, no answer in time, or a malformed reply */
	EXIT_NOEXEC = 126,     /* run: CMD exists but cannot be executed */
	EXIT_NOTFOUND = 127,   /* run: CMD or the library not found */
};

/* How long the CLI waits for one process, whatever it sends.  The caps on a reply are
 * the client's: TSC_REPLY_LINES, TSC_REPLY_BYTES. */
#define CLI_TIMEOUT_S 10.0          /* default --timeout: one deadline for the whole command */
#define CLI_PS_EACH_S 2.0           /* ps: at most this much of the deadline per process */

void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* A usage error of subcommand cmd (0: none): the message, then where to find help; exit 2. */
void usage_error(const char *cmd, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* help.c */
const char *help_text(const char *cmd);    /* 0 for an unknown command */
void print_help(const char *cmd);          /* to stdout */

/* args.c: each exits 2 with a message naming the option on a bad value. */
pid_t parse_pid(const char *cmd, const char *s);
double parse_seconds(const char *cmd, const char *opt, const char *s);
/* A signal by name or number: 61, SIGRTMIN+3, RTMIN+3, RTMAX-3, TERM, SIGTERM (any case).
 * Returns the number, or -1. */
int signal_number(const char *s);
/* getopt_long for subcommand cmd: --help prints its help and exits 0; an unknown option
 * or a missing value is a usage error.  Returns the option, or -1 at the end. */
struct option;
int next_opt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts);

/* connect.c */
double now_mono(void);
double now_real(void);
/* Connect to pid, or exit 3 with what is true and what to do.  deadline: CLOCK_MONOTONIC
 * seconds by which the whole command must be done: the connection keeps it, and nothing
 * is read on it after that. */
void connect_or_die(struct tsc *c, pid_t pid, double deadline);
long deadline_ms(double deadline);         /* for tsc_open_until() */
/* tsc_read(): 0, or -errno (ETIMEDOUT past the deadline, E2BIG over a cap, EPROTO
 * malformed: cli_why says how, when known). */
int cli_read(struct tsc *c, struct tsp_reply *r);
/* The connection broke or timed out or the peer sent nonsense: say which, exit 3. */
extern const char *cli_why;   /* what was malformed, when known (for lost()) */
void lost(struct tsc *c, int e) __attribute__((noreturn));
void malformed(pid_t pid, const char *what) __attribute__((noreturn));
int proc_gone(pid_t pid);

/* The threads of one `list`. */
struct tlist {
	struct tsp_thread *t;
	int n, cap;
};
/* `list` on an open connection.  0, or -errno; an `err` reply is reported on stderr and
 * is -EREMOTEIO; a reply that breaks the protocol is -EPROTO with cli_why set. */
int fetch_list(struct tsc *c, struct tlist *l);
int read_list(struct tsc *c, struct tlist *l); /* the reply, the request already sent */

/* escape.c: the only way a byte from a reply, /proc or the user reaches the output. */
void escape_init(void);                    /* setlocale(LC_CTYPE, ""): is the terminal UTF-8? */
/* Printable form of n bytes for a terminal: `\` as `\\`, control and non-printable
 * characters and bytes that are not valid UTF-8 (or any non-ASCII byte outside a UTF-8
 * locale) as `\xHH`.  Writes at most outsz bytes (NUL included; truncated at a character
 * boundary) and returns the display width of what it wrote. */
int term_escape(const char *in, size_t n, char *out, size_t outsz, int utf8);
/* The same, as a JSON string body (no quotes): valid UTF-8, `"` `\` and controls escaped,
 * U+0080..U+009F, U+2028, U+2029 as \uXXXX, each invalid byte as \ufffd.  Returns the
 * length it needs (as snprintf: the output is complete when that is < outsz). */
size_t json_escape(const char *in, size_t n, char *out, size_t outsz);
int term_utf8(void);                       /* what escape_init found (run at the first need) */
/* Print s escaped for the terminal, padded with spaces to `width` columns (0: no pad;
 * negative: right-aligned). */
void put_field(FILE *f, const char *s, int width);
int field_width(const char *s);
void put_json(FILE *f, const char *s);     /* "..." through json_escape */
/* Escaped copy in a caller's buffer, for messages. */
const char *esc(const char *s, char *buf, size_t sz);
#define ESC_MAX 1024

/* subcommands: argc/argv start at the subcommand's name */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_ps(int argc, char **argv);

#endif
