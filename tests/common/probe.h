/* The basics of the test targets (tsprobe, cover, fortified), which run as unmodified
 * programs under LD_PRELOAD: findings printed as "ok: ..." / "FAIL: ...", the shim's API
 * looked up at run time, a clock, a raw sleep, waiting for a thread to block, and a
 * hang-bounded join and child wait (probe.c). */
#ifndef TS_PROBE_H
#define TS_PROBE_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "threadstop.h"

extern int (*stop_tid)(pid_t, unsigned);  /* thread_stop_tid, thread_stop_pending, ... */
extern int (*stop_pending)(void);
extern void (*stop_clear)(void);
extern int failed;                        /* a check failed: the exit status */

void check(int ok, const char *fmt, ...);
void die(const char *what) __attribute__((noreturn));
void bind_api(void);            /* exits 77 (skip) without the shim */
double now(void);               /* CLOCK_MONOTONIC seconds */
void msleep(int ms);            /* raw: never through the calls under test */
char thread_state(pid_t tid);   /* of this process: 'S' asleep, ... */
/* Until thread tid sleeps in the kernel (then 20 ms more), or *done is set (done may be
 * null).  Returns 0 when it finished instead; dies when it never blocks. */
int wait_sleeping(pid_t tid, volatile int *done);
void *join(pthread_t th);       /* join with a generous bound: a hang is a failure */
/* Wait for child pid into *st, killing it after 10 s; 1 if it had to (a hang).  Between
 * looks: sched_yield with spin, else a 1 ms sleep. */
int reap(pid_t pid, int *st, int spin);
const char *err(long r);        /* "returned N", or the errno name of -r */

#endif
