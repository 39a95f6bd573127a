/* Shared by the coverage targets (cover.c, fortified.c): findings, the shim's API looked
 * up at run time, and a worker thread blocked in a call until it is stopped. */
#ifndef TS_HARNESS_H
#define TS_HARNESS_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "../common/probe.h"

static int wait_sleeping(pid_t tid, volatile int *done)
{
	double t0 = now();
	while (thread_state(tid) != 'S') {
		if (*done)
			return 0;
		if (now() - t0 > 10)
			die("thread never blocked");
		msleep(1);
	}
	msleep(20);
	return !*done;
}

static const char *err(long r)
{
	static char buf[64];
	if (r >= 0) {
		snprintf(buf, sizeof buf, "returned %ld", r);
		return buf;
	}
	return strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?";
}

#endif
