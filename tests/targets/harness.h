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
	char path[64], buf[512], *p;
	long n;
	int fd;
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return '?';
	n = syscall(SYS_read, fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

/* Until thread tid sleeps in the kernel, or returned (*done). */
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
