/* Threads named every way a program names them, each blocked in read on its own pipe
 * (fds 10, 11, 12, 13: the shell passes them): "by-prctl" names itself with
 * prctl(PR_SET_NAME); "renamed" is named by the main thread with pthread_setname_np
 * after it started; "parent" names itself and creates a thread that keeps its creator's
 * name (the kernel's copy), then renames itself "parent2" so the two differ.  Prints
 * "ready" when all are named; each prints "NAME: ECANCELED" when its read is stopped. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int named;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;

static void done_naming(void)
{
	pthread_mutex_lock(&m);
	named++;
	pthread_cond_broadcast(&c);
	pthread_mutex_unlock(&m);
}

static void block(int fd)
{
	char b, name[16];
	ssize_t r = read(fd, &b, 1);
	int e = errno;
	prctl(PR_GET_NAME, name);
	printf("%s: %s\n", name, r == -1 && e == ECANCELED ? "ECANCELED" : "read returned");
	fflush(stdout);
}

static void *by_prctl(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "by-prctl");
	done_naming();
	block(10);
	return 0;
}

static void *renamed(void *arg)
{
	(void)arg;
	block(11);
	return 0;
}

static void *child(void *arg)
{
	(void)arg;
	done_naming();
	block(13);
	return 0;
}

static void *parent(void *arg)
{
	pthread_t th;
	(void)arg;
	pthread_setname_np(pthread_self(), "parent");
	pthread_create(&th, 0, child, 0);
	pthread_mutex_lock(&m);
	while (named < 2)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	pthread_setname_np(pthread_self(), "parent2");
	done_naming();
	block(12);
	pthread_join(th, 0);
	return 0;
}

int main(void)
{
	pthread_t th[3];
	pthread_create(&th[0], 0, by_prctl, 0);
	pthread_create(&th[1], 0, renamed, 0);
	pthread_setname_np(th[1], "renamed");
	pthread_create(&th[2], 0, parent, 0);
	pthread_mutex_lock(&m);
	while (named < 3)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], 0);
	return 0;
}
