/* What ts-bench's parts share (report.c); driver.c runs them: one file per group of
 * figures, each reporting as TAP on stdout and as Markdown (MD). */
#ifndef TS_BENCH_REPORT_H
#define TS_BENCH_REPORT_H

#include <stdio.h>
#include <sys/types.h>

extern int quick;                          /* --quick: a few seconds, nothing asserted */
extern const char *lib, *bindir, *cli;     /* the shim, ts-bench-* and the CLI */
extern char **env_plain, **env_shim;       /* without and with LD_PRELOAD */
extern FILE *mdf;                          /* the Markdown report */
extern int ntap, nfail, nmissed;
extern char tmpdir[64];

#define MD(...) fprintf(mdf, __VA_ARGS__)

long long now_ns(void);
void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *verdict(int met);              /* "met" / "MISSED" against a target */
char *bin(const char *name);               /* DIR/name, allocated */
pid_t spawn(char *const argv[], char **env, int in, int out);
int wait_ok(pid_t pid, const char *what);
int run_capture(char *const argv[], char **env, char *buf, size_t size, long long *elapsed);
double median(double *v, int n);
double percentile(double *v, int n, double q);
char task_state(int pid, int tid);

/* A `ts-bench-stop ARGS...` run with the shim, its stdout on a pipe; its first line read. */
struct target {
	pid_t pid;
	FILE *out;
	int in;  /* its stdin (write end), or -1 */
	char line[256];
};
int target_start(struct target *t, char *const argv[], int with_stdin);
int target_end(struct target *t, const char *what);

/* The groups, in the order of doc/benchmarks.md. */
void fast_path(void);      /* 1. fast-path overhead */
void instructions(void);   /* 1. its instructions per call (callgrind) */
void latency(void);        /* 2. stop latency */
void scale(void);          /* 3. scale */
void cli_and_idle(void);   /* 4. CLI end to end, 5. idle control thread */
void memory(void);         /* 6. memory */

#endif
