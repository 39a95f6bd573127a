/* A target for the control tests: four named threads blocked in accept, recv, poll and
 * pthread_cond_wait, each serving in a loop and saying what happens to it.  The main
 * thread takes commands on stdin: reader, poller, waiter (wake that thread once),
 * selfstop SELECTOR (thread_stop() on our own pid, found with dlsym when preloaded),
 * quit.  Not linked to the shim: it runs under `threadstop run`. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "say.h"

static int sv[2], pp[2], lfd, flag;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *acceptor(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "acceptor");
	for (;;) {
		int c = accept(lfd, 0, 0);
		if (c < 0) {
			say("acceptor: accept: %s", strerror(errno));
			break;
		}
		say("acceptor: accepted");
		if (write(c, "hello\n", 6) != 6)
			say("acceptor: write: %s", strerror(errno));
		close(c);
	}
	say("acceptor: exit");
	return 0;
}

static void *reader(void *arg)
{
	char b[64];
	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	for (;;) {
		ssize_t n = recv(sv[0], b, sizeof b, 0);
		if (n <= 0) {
			say("reader: recv: %s", n ? strerror(errno) : "end of stream");
			break;
		}
		say("reader: got %zd bytes", n);
	}
	say("reader: exit");
	return 0;
}

static void *poller(void *arg)
{
	struct pollfd p = { pp[0], POLLIN, 0 };
	char b;
	(void)arg;
	pthread_setname_np(pthread_self(), "poller");
	for (;;) {
		int n = poll(&p, 1, -1);
		if (n < 0) {
			say("poller: poll: %s", strerror(errno));
			break;
		}
		if (read(pp[0], &b, 1) != 1) {
			say("poller: read: %s", strerror(errno));
			break;
		}
		say("poller: readable");
	}
	say("poller: exit");
	return 0;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	pthread_mutex_lock(&mu);
	for (;;) {
		int r = 0;
		while (!flag && !r)
			r = pthread_cond_wait(&cv, &mu);
		if (r) {
			say("waiter: pthread_cond_wait: %s", strerror(r));
			break;
		}
		flag = 0;
		say("waiter: woken");
	}
	pthread_mutex_unlock(&mu);
	say("waiter: exit");
	return 0;
}

/* One line of stdin, without its newline; 0 at the end, -1 on error. */
static int read_line(char *buf, size_t sz)
{
	size_t n = 0;
	char c;
	for (;;) {
		ssize_t r = read(0, &c, 1);
		if (r < 0) {
			say("main: read: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			return n ? 1 : 0;
		if (c == '\n')
			break;
		if (n + 1 < sz)
			buf[n++] = c;
	}
	buf[n] = 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	void *(*fns[])(void *) = { acceptor, reader, poller, waiter };
	pthread_t th[4];
	char line[256];
	unsigned i;

	if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: named_threads SOCKET_PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 8) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(pp)) {
		perror("named_threads: setup");
		return 1;
	}
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], 0, fns[i], 0);
	say("ready");
	/* read(), not stdio: glibc's stdio reads internally, past any interposed read(). */
	while (read_line(line, sizeof line) > 0) {
		if (!strcmp(line, "reader")) {
			if (write(sv[1], "x", 1) != 1)
				say("main: write: %s", strerror(errno));
		} else if (!strcmp(line, "poller")) {
			if (write(pp[1], "x", 1) != 1)
				say("main: write: %s", strerror(errno));
		} else if (!strcmp(line, "waiter")) {
			pthread_mutex_lock(&mu);
			flag = 1;
			pthread_cond_signal(&cv);
			pthread_mutex_unlock(&mu);
		} else if (!strncmp(line, "selfstop ", 9)) {
			int (*ts)(pid_t, const char *, unsigned) = (int (*)(pid_t, const char *, unsigned))dlsym(RTLD_DEFAULT, "thread_stop");
			int r;
			if (!ts) {
				say("selfstop: no thread_stop (not preloaded)");
				continue;
			}
			r = ts(getpid(), line + 9, 0);
			say("selfstop: %d %s", r, r < 0 ? strerrorname_np(errno) : "ok");
		} else if (!strcmp(line, "quit")) {
			break;
		}
	}
	say("main: exit");
	return 0;
}
