/* A program whose reference to pthread_cond_wait names glibc's version explicitly
 * (pthread_cond_wait@GLIBC_2.3.2 on x86_64, @GLIBC_2.17 on aarch64, as every binary built
 * against glibc records it).  Run
 * with the shim preloaded: its worker, blocked in that condition wait, is stopped with
 * thread_stop_tid() and the wait must return ECANCELED, which only the shim's wrapper
 * can return.  Exit 0 when it does. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define COND_VER "GLIBC_2.3.2"
#elif defined(__aarch64__)
#define COND_VER "GLIBC_2.17"
#endif
__asm__(".symver pthread_cond_wait, pthread_cond_wait@" COND_VER);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pid_t worker_tid;
static int ready, rc = -1;

static void *worker(void *arg)
{
	pthread_mutex_lock(&mu);
	worker_tid = gettid();
	ready = 1;
	rc = pthread_cond_wait(&cv, &mu); /* nobody signals cv */
	pthread_mutex_unlock(&mu);
	return arg;
}

int main(void)
{
	int (*stop)(pid_t, unsigned) = (int (*)(pid_t, unsigned))dlsym(RTLD_DEFAULT, "thread_stop_tid");
	pthread_t t;
	int in_wait = 0;
	if (!stop) {
		puts("thread_stop_tid not found: run me with libthreadstop preloaded");
		return 2;
	}
	alarm(60); /* a bound for hangs only */
	pthread_create(&t, 0, worker, 0);
	/* The worker sets ready with the mutex held, which only its wait releases: once we
	 * hold the mutex and see ready, it is inside pthread_cond_wait. */
	while (!in_wait) {
		pthread_mutex_lock(&mu);
		in_wait = ready;
		pthread_mutex_unlock(&mu);
		if (!in_wait)
			usleep(1000);
	}
	if (stop(worker_tid, 0) != 0) {
		printf("thread_stop_tid: %s\n", strerror(errno));
		return 1;
	}
	pthread_join(t, 0);
	printf("pthread_cond_wait@" COND_VER " returned %s\n", rc == ECANCELED ? "ECANCELED" : strerror(rc));
	return rc == ECANCELED ? 0 : 1;
}
