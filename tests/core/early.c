/* libtsearly.so: a library whose constructor makes interposed calls, possibly before the
 * shim's own constructor has run (tsprobe early checks what it recorded). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

int early_result = -1; /* 0: every call behaved; else the step that did not */
int early_shim_ready;   /* whether the shim's stop API answered yet */

static void *child(void *p)
{
	return p;
}

__attribute__((constructor)) static void early(void)
{
	int fd[2];
	char buf[4];
	void *ret = 0;
	pthread_t th;
	struct timespec ts = { 0, 1000000 };
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	early_result = 1;
	if (pipe(fd) || write(fd[1], "abc", 3) != 3 || read(fd[0], buf, sizeof buf) != 3)
		return;
	early_result = 2;
	if (nanosleep(&ts, 0))
		return;
	early_result = 3;
	if (pthread_create(&th, 0, child, (void *)7) || pthread_join(th, &ret) || ret != (void *)7)
		return;
	early_result = 4;
	clock_gettime(CLOCK_REALTIME, &dl);
	pthread_mutex_lock(&m);
	if (pthread_cond_timedwait(&c, &m, &dl) != ETIMEDOUT)
		return;
	pthread_mutex_unlock(&m);
	close(fd[0]);
	close(fd[1]);
	early_result = 0;
}
