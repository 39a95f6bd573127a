/* ts-bench-fast: the fast path of the interposed calls, timed in a tight loop.  Run once
 * plain and once with LD_PRELOAD=libthreadstop.so; the driver (driver.c) compares the two.
 *
 *   ts-bench-fast MODE N REPS   prints the median over REPS runs of N calls, ns per call:
 *                               wall time (CLOCK_MONOTONIC), then the CPU time of the
 *                               process (CLOCK_PROCESS_CPUTIME_ID: all its threads; it
 *                               leaves out the time spent waiting for a CPU that other
 *                               programs hold)
 *   MODE: read      read(2) of 1 byte from /dev/zero
 *         recv      recv of 1 byte with MSG_PEEK on a socketpair holding 1 byte (so the
 *                   data stays and the loop needs no refill)
 *         poll      poll of an empty pipe with a zero timeout
 *         pingpong  pthread_cond_signal/pthread_cond_wait between two threads (one round
 *                   trip = two waits and two signals; ns per round trip)
 *         write     write(2) of 1 byte to /dev/null
 *         accept4   accept4 on a non-blocking listening socket with no connection (EAGAIN)
 *         epoll_wait  epoll_wait on an empty epoll set, timeout 0
 *         nanosleep nanosleep of 0 ns
 *         MODE-st   MODE in a single-threaded process (every other mode but fork runs one
 *                   extra idle thread, as any program that threadstop is used on does)
 *         getc-st   getc() from a buffered FILE over /dev/zero, single-threaded (glibc
 *                   locks stdio only once the process has a second thread)
 *         fork      fork, _exit(0) in the child, waitpid in the parent, single-threaded
 *                   (ns per fork)
 * The idle thread keeps glibc on its multi-threaded paths in both runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int fd_a, fd_b;

static void run_read(long n)
{
	char c;
	for (long i = 0; i < n; i++)
		if (read(fd_a, &c, 1) != 1)
			die("read");
}

static FILE *file_a;

static void run_getc(long n)
{
	for (long i = 0; i < n; i++)
		if (getc(file_a) != 0)
			die("getc");
}

static void run_fork(long n)
{
	for (long i = 0; i < n; i++) {
		int st;
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0)
			_exit(0);
		if (waitpid(p, &st, 0) != p || st != 0)
			die("waitpid");
	}
}

static void run_recv(long n)
{
	char c;
	for (long i = 0; i < n; i++)
		if (recv(fd_a, &c, 1, MSG_PEEK) != 1)
			die("recv");
}

static void run_poll(long n)
{
	struct pollfd p = { .fd = fd_a, .events = POLLIN };
	for (long i = 0; i < n; i++)
		if (poll(&p, 1, 0) != 0)
			die("poll");
}

static void run_write(long n)
{
	for (long i = 0; i < n; i++)
		if (write(fd_a, "", 1) != 1)
			die("write");
}

static void run_accept4(long n)
{
	for (long i = 0; i < n; i++)
		if (accept4(fd_a, 0, 0, SOCK_CLOEXEC) != -1 || errno != EAGAIN)
			die("accept4");
}

static void run_epoll_wait(long n)
{
	struct epoll_event ev;
	for (long i = 0; i < n; i++)
		if (epoll_wait(fd_a, &ev, 1, 0) != 0)
			die("epoll_wait");
}

static void run_nanosleep(long n)
{
	struct timespec ts = { 0, 0 };
	for (long i = 0; i < n; i++)
		if (nanosleep(&ts, 0))
			die("nanosleep");
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn, quit;

static void *ponger(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	for (;;) {
		while (turn == 0 && !quit)
			if (pthread_cond_wait(&c, &m))
				die("pthread_cond_wait");
		if (quit)
			break;
		turn = 0;
		pthread_cond_signal(&c);
	}
	pthread_mutex_unlock(&m);
	return 0;
}

static void run_pingpong(long n)
{
	pthread_mutex_lock(&m);
	for (long i = 0; i < n; i++) {
		turn = 1;
		pthread_cond_signal(&c);
		while (turn == 1)
			if (pthread_cond_wait(&c, &m))
				die("pthread_cond_wait");
	}
	pthread_mutex_unlock(&m);
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	void (*run)(long);
	const char *mode;
	long n, reps;
	long long t[64], cpu[64];
	pthread_t th;
	int sv[2], single = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s read|write|recv|accept4|poll|epoll_wait|nanosleep|pingpong[-st]|getc-st|fork N REPS\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	n = atol(argv[2]);
	reps = atol(argv[3]);
	if (n < 1 || reps < 1 || reps > 64)
		return 2;
	{ /* MODE-st: no idle thread */
		size_t len = strlen(mode);
		static char base[32];
		if (len > 3 && len < sizeof base && !strcmp(mode + len - 3, "-st")) {
			memcpy(base, mode, len - 3);
			base[len - 3] = 0;
			mode = base;
			single = 1;
		}
	}
	if (!strcmp(mode, "read")) {
		run = run_read;
		if ((fd_a = open("/dev/zero", O_RDONLY)) < 0)
			die("/dev/zero");
	} else if (!strcmp(mode, "write")) {
		run = run_write;
		if ((fd_a = open("/dev/null", O_WRONLY)) < 0)
			die("/dev/null");
	} else if (!strcmp(mode, "accept4")) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		run = run_accept4;
		snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "ts-bench-fast-%d", getpid());
		if ((fd_a = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
		    bind(fd_a, (struct sockaddr *)&a, sizeof a) || listen(fd_a, 1))
			die("listen");
	} else if (!strcmp(mode, "epoll_wait")) {
		run = run_epoll_wait;
		if ((fd_a = epoll_create1(0)) < 0)
			die("epoll_create1");
	} else if (!strcmp(mode, "nanosleep")) {
		run = run_nanosleep;
	} else if (!strcmp(mode, "getc")) { /* (getc-st: getc is single-threaded only) */
		run = run_getc;
		single = 1;
		if (!(file_a = fopen("/dev/zero", "r")))
			die("/dev/zero");
	} else if (!strcmp(mode, "fork")) {
		run = run_fork;
		single = 1;
	} else if (!strcmp(mode, "recv")) {
		run = run_recv;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		fd_a = sv[0];
		fd_b = sv[1];
		if (write(fd_b, "x", 1) != 1)
			die("write");
	} else if (!strcmp(mode, "poll")) {
		run = run_poll;
		if (pipe(sv))
			die("pipe");
		fd_a = sv[0];
	} else if (!strcmp(mode, "pingpong")) {
		run = run_pingpong;
		single = 1; /* the ponger is the second thread */
		if (pthread_create(&th, 0, ponger, 0))
			die("pthread_create");
	} else {
		fprintf(stderr, "%s: unknown mode %s\n", argv[0], mode);
		return 2;
	}
	if (!single && pthread_create(&th, 0, idle, 0))
		die("pthread_create");
	run(n / 10 + 1); /* warm up */
	for (long r = 0; r < reps; r++) {
		long long t0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		run(n);
		cpu[r] = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
		t[r] = clock_ns(CLOCK_MONOTONIC) - t0;
	}
	qsort(t, (size_t)reps, sizeof t[0], cmp_ll);
	qsort(cpu, (size_t)reps, sizeof cpu[0], cmp_ll);
	printf("%.2f %.2f\n", (double)t[reps / 2] / (double)n, (double)cpu[reps / 2] / (double)n);
	fflush(stdout);
	if (run == run_pingpong) {
		pthread_mutex_lock(&m);
		quit = 1;
		pthread_cond_signal(&c);
		pthread_mutex_unlock(&m);
		pthread_join(th, 0);
	}
	return 0;
}
