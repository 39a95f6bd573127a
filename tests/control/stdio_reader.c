/* A thread named stdio-reader blocked in fgets(stdin): glibc's stdio reads through its
 * internal read, which no wrapper sees. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *reader(void *p)
{
	char line[64];
	(void)p;
	pthread_setname_np(pthread_self(), "stdio-reader");
	if (fgets(line, sizeof line, stdin))
		printf("fgets: read %s", line);
	else
		printf("fgets: %s\n", strerror(errno));
	fflush(stdout);
	return 0;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, 0, reader, 0);
	pthread_join(t, 0);
	printf("main: joined the reader\n");
	return 0;
}
