/* The basics of the test targets (tsprobe, cover, fortified): findings printed as
 * "ok: ..." / "FAIL: ...", the shim's API looked up at run time (the targets are
 * unmodified programs run under LD_PRELOAD), a clock, a raw sleep, a thread's state. */
#ifndef TS_PROBE_H
#define TS_PROBE_H

#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "taskstate.h"

static int (*stop_tid)(pid_t, unsigned);
static int (*stop_pending)(void);
static void (*stop_clear)(void);
static int failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	if (!ok)
		failed = 1;
}

static void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static void bind_api(void)
{
	stop_tid = (int (*)(pid_t, unsigned))dlsym(RTLD_DEFAULT, "thread_stop_tid");
	stop_pending = (int (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_pending");
	stop_clear = (void (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_clear");
	if (!stop_tid || !stop_pending || !stop_clear) {
		printf("SKIP: libthreadstop.so is not loaded\n");
		exit(77);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Raw, so the harness itself never goes through the calls under test. */
static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	syscall(SYS_nanosleep, &ts, NULL);
}

static char thread_state(pid_t tid)
{
	return task_state_of(getpid(), tid);
}

/* Until thread tid sleeps in the kernel, or returned (*done). */
/* Join with a generous bound: a hang is a failure, not a stuck test. */
static void *join(pthread_t th)
{
	struct timespec dl;
	void *ret;
	int r;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	r = pthread_timedjoin_np(th, &ret, &dl);
	if (r) {
		printf("FAIL: thread did not return: %s\n", strerror(r));
		fflush(stdout);
		_exit(1);
	}
	return ret;
}

#endif
