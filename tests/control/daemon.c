/* daemon MODE PIDFILE: daemonize (fork, setsid, fork), take away every descriptor, write
 * PIDFILE, then run a thread named worker blocked in read until it is stopped.
 *   closefrom    closefrom(0)
 *   close_range  close_range(0, ~0U, 0)
 *   loop         close(fd) for every fd up to sysconf(_SC_OPEN_MAX)
 *   dup2         dup2(/dev/null) over every descriptor listed in /proc/self/fd */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fds[2];

static void *worker(void *p)
{
	char c;
	(void)p;
	pthread_setname_np(pthread_self(), "worker");
	return (void *)(long)read(fds[0], &c, 1);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[1] : "";
	FILE *f;
	pthread_t th;
	void *ret;
	int null;
	if (argc < 3)
		return 2;
	if (fork())
		return 0;
	setsid();
	if (fork())
		return 0;
	if (!strcmp(mode, "closefrom"))
		closefrom(0);
	else if (!strcmp(mode, "close_range"))
		close_range(0, ~0U, 0);
	else if (!strcmp(mode, "loop")) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 0; fd < max; fd++)
			close((int)fd);
	} else if (!strcmp(mode, "dup2")) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;
		int list[256], n = 0;
		null = open("/dev/null", O_RDWR);
		while (d && (e = readdir(d)) && n < 256)
			if (e->d_name[0] != '.')
				list[n++] = atoi(e->d_name);
		if (d)
			closedir(d);
		for (int i = 0; i < n; i++)
			if (list[i] != null)
				dup2(null, list[i]);
	} else
		return 2;
	null = open("/dev/null", O_RDWR); /* 0, 1, 2 as daemons do */
	dup2(null, 1);
	dup2(null, 2);
	if (!(f = fopen(argv[2], "w")))
		return 1;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	if (pipe(fds) || pthread_create(&th, 0, worker, 0))
		return 1;
	pthread_join(th, &ret);
	return ret == (void *)-1L ? 0 : 1;
}
