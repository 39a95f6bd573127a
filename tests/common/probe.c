/* The basics of the test targets (probe.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "probe.h"
#include "taskstate.h"

int (*stop_tid)(pid_t, unsigned);
int (*stop_pending)(void);
void (*stop_clear)(void);
int failed;

void check(int ok, const char *fmt, ...)
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

void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

void bind_api(void)
{
	stop_tid = (int (*)(pid_t, unsigned))dlsym(RTLD_DEFAULT, "thread_stop_tid");
	stop_pending = (int (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_pending");
	stop_clear = (void (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_clear");
	if (!stop_tid || !stop_pending || !stop_clear) {
		printf("SKIP: libthreadstop.so is not loaded\n");
		exit(77);
	}
}

double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	syscall(SYS_nanosleep, &ts, NULL);
}

char thread_state(pid_t tid)
{
	return task_state_of(getpid(), tid);
}

int wait_sleeping(pid_t tid, volatile int *done)
{
	double t0 = now();
	while (thread_state(tid) != 'S') {
		if (done && *done)
			return 0;
		if (now() - t0 > 10)
			die("thread never blocked");
		msleep(1);
	}
	msleep(20);
	return !done || !*done;
}

void *join(pthread_t th)
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

const char *err(long r)
{
	static char buf[64];
	if (r >= 0) {
		snprintf(buf, sizeof buf, "returned %ld", r);
		return buf;
	}
	return strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?";
}

int reap(pid_t pid, int *st, int spin)
{
	double t0 = now();
	while (waitpid(pid, st, WNOHANG) == 0) {
		if (now() - t0 > 10) {
			kill(pid, SIGKILL);
			waitpid(pid, st, 0);
			return 1;
		}
		if (spin)
			sched_yield();
		else
			msleep(1);
	}
	return 0;
}
