/* tsprobe: scenarios for the cancellation core and its transparency, run under
 * LD_PRELOAD=libthreadstop.so by tests/core/test_core.c and test_transparency.c (the
 * scenarios are listed in main.c).  Shared here: the per-call engine (calls.c), a
 * resource per call that blocks for good or is ready, and a worker thread that makes
 * the call. */
#ifndef TSPROBE_H
#define TSPROBE_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"
#include "table.h"

struct res {
	int pipe[2];   /* [0] read end; nothing written unless ready */
	int lsock;     /* listening TCP socket on 127.0.0.1 */
	int sp[2];     /* socketpair: sp[0] is read */
	int client;    /* a connection to lsock when ready */
	pthread_mutex_t m;
	pthread_cond_t c;
	int pred;
	sem_t sem;     /* 0 unless ready */
	int jp[2];     /* the joinee reads it: it exits when written, or at once if ready */
	pthread_t joinee;
	pid_t joinee_tid;
	int joined;
	int fp[2];     /* fgets reads it through stdio */
	FILE *in;
};

struct worker {
	const char *call;
	struct res *r;
	int timeout;
	volatile pid_t tid;
	volatile int entering;
	int no_again; /* an untimed condition wait begun after a stop would block for good */
	long first, again;
	int cleanup_ran, cleanup_had_mutex;
	double took;
};

void res_init(struct res *r, int ready);
void res_free(struct res *r);
void deadline(struct timespec *dl, clockid_t clock, int ms);
long do_call(const char *call, struct res *r, int ms_timeout); /* >= 0, or -errno */
pthread_t start_worker(struct worker *w); /* returns once the call blocks */

/* Waits a plain stop does not fail (calls.def: TIMED). */
static inline int immune_timed(const char *call)
{
	const struct table_entry *e = table_find(call);
	return e && e->policy == TS_P_TIMED;
}

/* The scenarios, by concern: stop.c, race.c, sync.c, signals.c, process.c, transp.c, main.c. */
int scen_block(const char *call);
int scen_cond_after(void);
int scen_nostop(const char *call);
int scen_prestop(const char *call);
int scen_force(const char *call);
int scen_race(long iterations);
int scen_gil(void);
int scen_isolation(void);
int scen_condshare(void);
int scen_pcancel(void);
int scen_condclear(void);
int scen_sigblockall(void);
int scen_sighandlers(void);
int scen_sigdefault(void);
int scen_pcancel_self(void);
int scen_fork(void);
int scen_spawn(void);
int scen_pcancel_early(void);  /* transp.c */
int scen_forksig(void);
int scen_efault(void);
int scen_sigtear(void);
int scen_norestart(void);
int scen_nested(void);
int scen_seccomp_eperm(void);
int scen_sigqueue(void);
int scen_sigheld(void);        /* held.c */
int scen_stackmask(void);      /* stackmask.c */
int scen_handler_calls(void);  /* handler_calls.c */

#endif
