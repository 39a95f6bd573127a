/* Targets for the stop-semantics tests (stopsafe.sh): programs never written for a stop.
 *   stopsafe accept      a server thread "acceptor" that retries accept for ever; prints
 *                        "port N", answers each client with "hello\n"
 *   stopsafe poll        the same, waiting in poll before each accept ("poller")
 *   stopsafe cond        "waiter" waits on a condition for ever, holding no cleanup
 *                        handler; main joins it, then takes the mutex: "main locked"
 *   stopsafe cleanup     the same, with a handler that unlocks the (error-checking)
 *                        mutex: "cleanup unlock N" (0: it was held, as expected)
 *   stopsafe ignore      "reader" retries read on a pipe for ever
 *   stopsafe file PATH   "reader" blocks on a pipe; once stopped, reads PATH (a regular
 *                        file) and prints "read N bytes: TEXT"
 *   stopsafe reblock     "reader" blocks on a pipe; once stopped, blocks on another pipe
 *                        with the stop cleared (as a runtime that retries would)
 *   stopsafe futex       "locker" waits for a mutex main holds for ever
 *   stopsafe exit        "reader" blocks on a pipe and returns when its read fails
 *   stopsafe apigrace    thread_stop_grace() on "reader" as in exit mode (prints
 *                        "grace left 0"), then on one as in ignore mode ("grace forced 1"),
 *                        each with "in N ms"
 * Every thread's main stays in pthread_join (or the mutex wait) until its worker ends;
 * then it prints "main done" and exits 0. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "say.h"

static pthread_mutex_t m;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int lfd, pipe1[2], pipeb[2];
static const char *path;

static void serve(int use_poll)
{
	for (;;) {
		int c;
		if (use_poll) {
			struct pollfd p = { lfd, POLLIN, 0 };
			if (poll(&p, 1, -1) < 0)
				continue; /* retry for ever, whatever the error */
		}
		c = accept(lfd, 0, 0);
		if (c < 0)
			continue;
		if (write(c, "hello\n", 6) != 6)
			perror("write");
		close(c);
	}
}

static void *acceptor(void *a) { serve(0); return a; }
static void *poller(void *a) { serve(1); return a; }

static void *waiter(void *a)
{
	pthread_mutex_lock(&m);
	for (;;)
		pthread_cond_wait(&cv, &m);
	return a;
}

static void unlock_it(void *a)
{
	say("cleanup unlock %d", pthread_mutex_unlock(a));
}

static void *cleaner(void *a)
{
	pthread_mutex_lock(&m);
	pthread_cleanup_push(unlock_it, &m);
	for (;;)
		pthread_cond_wait(&cv, &m);
	pthread_cleanup_pop(1);
	return a;
}

static void *ignorer(void *a)
{
	char c;
	for (;;)
		if (read(pipe1[0], &c, 1) == 0)
			return a;
}

static void *filer(void *a)
{
	char c, buf[64];
	ssize_t n;
	int fd;
	n = read(pipe1[0], &c, 1);
	say("read: %zd %s", n, n < 0 ? strerror(errno) : "");
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (n < 0) {
		say("file read failed: %s", strerror(errno));
		return a;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	say("read %zd bytes: %s", n, buf);
	return a;
}

static void *reblocker(void *a)
{
	void (*clear)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_clear");
	char c;
	ssize_t n = read(pipe1[0], &c, 1);
	say("read: %zd %s", n, n < 0 ? strerror(errno) : "");
	if (clear)
		clear();
	n = read(pipeb[0], &c, 1);
	return a;
}

static void *locker(void *a)
{
	pthread_mutex_lock(&m);
	say("locker locked");
	pthread_mutex_unlock(&m);
	return a;
}

static void *exiter(void *a)
{
	char c;
	ssize_t n = read(pipe1[0], &c, 1);
	say("read: %zd %s", n, n < 0 ? strerror(errno) : "");
	return a;
}

static void *gettid_of(void *(*fn)(void *), pthread_t *th, pid_t *tid);

/* thread_stop_grace() from inside, on a thread that handles the stop and on one that
 * ignores it. */
static int api_grace(void)
{
	int (*grace)(pid_t, unsigned) = (int (*)(pid_t, unsigned))dlsym(RTLD_DEFAULT, "thread_stop_grace");
	void *(*fns[2])(void *) = { exiter, ignorer };
	const char *what[2] = { "left", "forced" };
	int i;
	if (!grace) {
		say("no thread_stop_grace");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		struct timespec a, b;
		pthread_t th;
		pid_t tid;
		int r;
		gettid_of(fns[i], &th, &tid);
		clock_gettime(CLOCK_MONOTONIC, &a);
		r = grace(tid, 5000);
		clock_gettime(CLOCK_MONOTONIC, &b);
		say("grace %s %d in %ld ms", what[i], r,
		    (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
		pthread_join(th, 0);
	}
	say("main done");
	return 0;
}

static pid_t started_tid;
static void *(*started_fn)(void *);
static void *started(void *a)
{
	__atomic_store_n(&started_tid, gettid(), __ATOMIC_RELEASE);
	return started_fn(a);
}

/* Start fn in a thread and wait until it is blocked in its read (wchan is not needed:
 * its call shows in /proc/.../syscall as read). */
static void *gettid_of(void *(*fn)(void *), pthread_t *th, pid_t *tid)
{
	char proc[64], buf[64] = "";
	started_tid = 0;
	started_fn = fn;
	pthread_create(th, 0, started, 0);
	while (!(*tid = __atomic_load_n(&started_tid, __ATOMIC_ACQUIRE)))
		usleep(1000);
	snprintf(proc, sizeof proc, "/proc/self/task/%d/syscall", (int)*tid);
	for (;;) {
		FILE *f = fopen(proc, "r");
		if (f) {
			if (!fgets(buf, sizeof buf, f))
				buf[0] = 0;
			fclose(f);
		}
		if (!strncmp(buf, "0 ", 2)) /* SYS_read */
			return 0;
		usleep(1000);
	}
}

static int listen_any(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		perror("listen");
		exit(2);
	}
	say("port %d", ntohs(sa.sin_port));
	return fd;
}

int main(int argc, char **argv)
{
	static const struct { const char *mode, *name; void *(*fn)(void *); } modes[] = {
		{ "accept", "acceptor", acceptor }, { "poll", "poller", poller },
		{ "cond", "waiter", waiter },       { "cleanup", "waiter", cleaner },
		{ "ignore", "reader", ignorer },    { "file", "reader", filer },
		{ "reblock", "reader", reblocker }, { "futex", "locker", locker },
		{ "exit", "reader", exiter },
	};
	pthread_mutexattr_t ma;
	pthread_t th;
	unsigned i;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "apigrace")) {
		if (pipe(pipe1) || pipe(pipeb))
			return 2;
		return api_grace();
	}
	for (i = 0; i < sizeof modes / sizeof *modes && strcmp(modes[i].mode, argv[1]); i++)
		;
	if (i == sizeof modes / sizeof *modes)
		return 2;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &ma);
	path = argc > 2 ? argv[2] : "/dev/null";
	if (pipe(pipe1) || pipe(pipeb))
		return 2;
	if (!strcmp(argv[1], "accept") || !strcmp(argv[1], "poll"))
		lfd = listen_any();
	if (!strcmp(argv[1], "futex"))
		pthread_mutex_lock(&m);
	if (pthread_create(&th, 0, modes[i].fn, 0))
		return 2;
	pthread_setname_np(th, modes[i].name);
	say("ready");
	if (!strcmp(argv[1], "futex"))
		for (;;)
			pause();
	pthread_join(th, 0);
	if (!strcmp(argv[1], "cond") || !strcmp(argv[1], "cleanup")) {
		int r = pthread_mutex_lock(&m);
		say("main locked %d", r);
	}
	say("main done");
	return 0;
}
