/* A target for `stop --ptrace`, never run with the shim: a thread named "blocked" makes
 * one blocking call (argv[1]) and says how it ended; a thread named "ticker" counts on
 * (the main thread prints its count on "tick" from stdin), to show that it keeps running.
 *   blocker read|accept|poll|poll-timeout|nanosleep|epoll|select|cond|write [then]
 * (write: 1 MiB into a pipe nobody reads; the kernel has taken part of it when it blocks)
 * With "then", the blocked thread, after its call, reads a line from its pipe and echoes
 * it (to show the process still works). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "say.h"

static const char *mode;
static int pfd[2], then;
static volatile unsigned long ticks;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

/* Report how the call ended: "MODE: returned N" or "MODE: failed: <strerror> (errno N)". */
static void ended(long ret)
{
	if (ret < 0)
		say("%s: failed: %s (errno %d)", mode, strerror(errno), errno);
	else
		say("%s: returned %ld", mode, ret);
}

static void *blocked(void *arg)
{
	char b[64];
	long ret = 0;
	(void)arg;
	pthread_setname_np(pthread_self(), "blocked");
	if (!strcmp(mode, "read")) {
		ret = read(pfd[0], b, sizeof b);
	} else if (!strcmp(mode, "accept")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1))
			return say("accept: setup: %s", strerror(errno)), NULL;
		ret = accept(s, 0, 0);
	} else if (!strcmp(mode, "poll") || !strcmp(mode, "poll-timeout")) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ret = poll(&p, 1, strcmp(mode, "poll") ? 1000000 : -1);
	} else if (!strcmp(mode, "nanosleep")) {
		struct timespec ts = { 1000, 0 }, rem;
		ret = nanosleep(&ts, &rem);
	} else if (!strcmp(mode, "epoll")) {
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int e = epoll_create1(0);
		if (e < 0 || epoll_ctl(e, EPOLL_CTL_ADD, pfd[0], &ev))
			return say("epoll: setup: %s", strerror(errno)), NULL;
		ret = epoll_wait(e, &out, 1, -1);
	} else if (!strcmp(mode, "select")) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(pfd[0], &r);
		ret = select(pfd[0] + 1, &r, 0, 0, 0);
	} else if (!strcmp(mode, "write")) {
		static char big[1 << 20];
		int w[2];
		if (pipe(w))
			return say("write: setup: %s", strerror(errno)), NULL;
		ret = write(w[1], big, sizeof big);
	} else if (!strcmp(mode, "cond")) {
		pthread_mutex_lock(&mu);
		errno = pthread_cond_wait(&cv, &mu);
		ret = errno ? -1 : 0;
		pthread_mutex_unlock(&mu);
	} else {
		say("unknown mode %s", mode);
		exit(2);
	}
	ended(ret);
	if (then) {
		ssize_t n = read(pfd[0], b, sizeof b - 1);
		if (n > 0) {
			b[n] = 0;
			say("%s: then read %s", mode, strtok(b, "\n"));
		}
	}
	return 0;
}

static void *ticker(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	(void)arg;
	pthread_setname_np(pthread_self(), "ticker");
	for (;;) {
		ticks++;
		nanosleep(&ts, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	char line[64];
	if (argc < 2)
		return 2;
	mode = argv[1];
	then = argc > 2 && !strcmp(argv[2], "then");
	if (pipe(pfd))
		return 1;
	pthread_create(&b, 0, ticker, 0);
	pthread_create(&a, 0, blocked, 0);
	/* stdin: "tick" prints the ticker's count; "write TEXT" writes to the pipe;
	 * "wake" signals the condition; end of input exits. */
	while (fgets(line, sizeof line, stdin)) {
		if (!strncmp(line, "tick", 4))
			say("ticks %lu", ticks);
		else if (!strncmp(line, "write ", 6) && write(pfd[1], line + 6, strlen(line + 6)) < 0)
			say("write: %s", strerror(errno));
		else if (!strncmp(line, "wake", 4)) {
			pthread_mutex_lock(&mu);
			pthread_cond_signal(&cv);
			pthread_mutex_unlock(&mu);
		}
	}
	return 0;
}
