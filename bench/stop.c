/* ts-bench-stop: programs to stop, run with LD_PRELOAD=libthreadstop.so.
 *
 *   ts-bench-stop latency CALL COUNT
 *       Stop latency inside the process: a thread blocks in CALL (read, accept, poll,
 *       nanosleep, cond_wait); once it is asleep in the kernel (/proc/self/task/TID/stat
 *       shows 'S') the main thread takes t0 = CLOCK_MONOTONIC and calls thread_stop_tid();
 *       the blocked thread takes t1 right after its call returns ECANCELED, clears its
 *       stop and blocks again.  Prints "n p50 p99 max" of t1 - t0 in ns, and for cond_wait
 *       the number of spurious wake-ups (returns of 0) it waited through.
 *       With a third argument FILE, also writes every t1 - t0 (ns, sorted) to FILE.
 *   ts-bench-stop many N inproc|socket|glob|all|pick|wait|floor
 *       N threads (named "reader") blocked in read on one empty pipe, each having used
 *       16 KiB of its stack first (touch_stack; TSB_FRESH=1: not; TSB_DEEP=BYTES: the
 *       read from a frame that much lower).  Prints "ready PID"
 *       once all sleep.  inproc: the main thread then stops each with thread_stop_tid()
 *       (t0 before the first); socket: it stops them all with thread_stop(getpid(),
 *       "call:read"), through the control socket as the CLI does, minus the CLI's process
 *       start; glob: the same with the name glob "r*"; all: with "all", which stops this
 *       thread too (it clears its stop at once); pick: it stops up to 51 of them one
 *       at a time (thread_stop_tid, then waits for that read to return) and prints
 *       "pick K P50 MAX" (ns), then stops the rest; wait: it waits for a stop from outside
 *       (threadstop stop PID all); floor: without the shim, the same threads woken by a
 *       bare tgkill each (a signal whose handler does nothing, without SA_RESTART), the
 *       floor any stop of N blocked threads is compared with.  Prints
 *       "done N_CANCELLED T0 T_LAST" (CLOCK_MONOTONIC ns; T0 = 0 for wait) when every
 *       reader has returned (they wait for each other before they exit: the figure is
 *       the stop, not their exit); wait then stays until end of file on stdin, so that
 *       the CLI never sees the process go.  TSB_DEBUG=1: the returns' spread on stderr.
 *   ts-bench-stop one
 *       One thread blocked in read; prints "ready PID TID", then each time its read is
 *       stopped it clears the stop, writes one byte "." to stdout and blocks again; exits
 *       when stdin reaches end of file. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include "taskstate.h"

static int (*stop_tid)(pid_t, unsigned);
static int (*stop_sel)(pid_t, const char *, unsigned);
static void (*stop_clear)(void);

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ts-bench-stop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char task_state(pid_t tid)
{
	return task_state_of(getpid(), tid);
}

static void wait_asleep(pid_t tid)
{
	while (task_state(tid) != 'S')
		sched_yield();
}

/* latency */

enum { C_READ, C_ACCEPT, C_POLL, C_NANOSLEEP, C_COND };
static const char *const call_names[] = { "read", "accept", "poll", "nanosleep", "cond_wait" };

static struct {
	int call, fd;
	long count;
	pid_t tid;
	long long *t1;
	int armed, done;
	long spurious;
	pthread_mutex_t m;
	pthread_cond_t c;
} L = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };

static void *blocker(void *arg)
{
	char b;
	(void)arg;
	__atomic_store_n(&L.tid, gettid(), __ATOMIC_RELEASE);
	for (long i = 0; i < L.count; i++) {
		long r;
		int err;
		__atomic_store_n(&L.armed, (int)i + 1, __ATOMIC_RELEASE);
		switch (L.call) {
		case C_READ:
			r = read(L.fd, &b, 1);
			break;
		case C_ACCEPT:
			r = accept(L.fd, 0, 0);
			break;
		case C_POLL: {
			struct pollfd p = { .fd = L.fd, .events = POLLIN };
			r = poll(&p, 1, -1);
			break;
		}
		case C_NANOSLEEP: {
			struct timespec ts = { 100, 0 };
			r = nanosleep(&ts, 0);
			break;
		}
		default:
			/* A return of 0 is a spurious wake-up (allowed by POSIX; the stopper's
			 * follow-up broadcasts for the previous stop can cause it): wait again,
			 * as a program with a predicate would. */
			pthread_mutex_lock(&L.m);
			while ((r = pthread_cond_wait(&L.c, &L.m)) == 0)
				L.spurious++;
			break;
		}
		L.t1[i] = now_ns();
		err = errno;
		if (L.call == C_COND) {
			pthread_mutex_unlock(&L.m);
			if (r != ECANCELED) {
				fprintf(stderr, "ts-bench-stop: pthread_cond_wait returned %ld\n", r);
				exit(1);
			}
		} else if (r != -1 || err != ECANCELED) {
			fprintf(stderr, "ts-bench-stop: %s returned %ld (%s), not ECANCELED\n",
				call_names[L.call], r, strerror(err));
			exit(1);
		}
		stop_clear();
		__atomic_store_n(&L.done, (int)i + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int latency(const char *call, long count, const char *dump)
{
	long long *t0, *d;
	pthread_t th;
	int p[2];
	pid_t tid;

	for (L.call = 0; L.call < 5 && strcmp(call, call_names[L.call]); L.call++)
		;
	if (L.call == 5 || count < 1)
		return 2;
	L.count = count;
	if (L.call == C_ACCEPT) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		L.fd = socket(AF_UNIX, SOCK_STREAM, 0);
		/* an abstract name: nothing to clean up */
		snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "ts-bench-%d", getpid());
		if (L.fd < 0 || bind(L.fd, (struct sockaddr *)&a, sizeof a) || listen(L.fd, 1))
			die("listen");
	} else if (L.call == C_READ || L.call == C_POLL) {
		if (pipe(p))
			die("pipe");
		L.fd = p[0];
	}
	t0 = calloc((size_t)count, sizeof *t0);
	d = calloc((size_t)count, sizeof *d);
	L.t1 = calloc((size_t)count, sizeof *L.t1);
	if (!t0 || !d || !L.t1)
		die("calloc");
	if (pthread_create(&th, 0, blocker, 0))
		die("pthread_create");
	while (!(tid = __atomic_load_n(&L.tid, __ATOMIC_ACQUIRE)))
		sched_yield();
	for (long i = 0; i < count; i++) {
		while (__atomic_load_n(&L.armed, __ATOMIC_ACQUIRE) != i + 1)
			sched_yield();
		wait_asleep(tid);
		t0[i] = now_ns();
		if (stop_tid(tid, 0))
			die("thread_stop_tid");
		while (__atomic_load_n(&L.done, __ATOMIC_ACQUIRE) != i + 1)
			sched_yield();
	}
	pthread_join(th, 0);
	for (long i = 0; i < count; i++)
		d[i] = L.t1[i] - t0[i];
	qsort(d, (size_t)count, sizeof *d, cmp_ll);
	printf("%ld %lld %lld %lld %ld\n", count, d[count / 2], d[(count * 99 + 99) / 100 - 1], d[count - 1], L.spurious);
	if (dump) {
		FILE *f = fopen(dump, "w");
		if (!f)
			die(dump);
		for (long i = 0; i < count; i++)
			fprintf(f, "%lld\n", d[i]);
		if (fclose(f))
			die(dump);
	}
	return 0;
}

/* many */

static int many_fd;
static long long *many_t1;
static pid_t *many_tid;
static int many_ready, many_cancelled, many_returned, many_release, many_floor, many_n;

static void on_usr1(int sig) { (void)sig; }

/* The 16 KiB of stack under the reader's frame, touched once, as any thread that has
 * done some work has: the signal frame (3.5 KiB with AVX-512) that a stop, or the
 * floor's signal, pushes there then lands on pages that exist.  On a thread that has
 * used only the top of its stack, whether that frame reaches a page never touched
 * depends on where the stack pointer sits in its page: the floor's readers sit just
 * short of the boundary, the shim's 0.8 KiB lower (its TLS and start routine) fault, and
 * so do the floor's moved 800 bytes lower (TSB_DEEP).  TSB_FRESH=1 leaves the stacks
 * as they were; doc/benchmarks.md shows both. */
__attribute__((noinline)) static void touch_stack(void)
{
	volatile char buf[16384];
	for (int k = 0; k < (int)sizeof buf; k += 512)
		buf[k] = 0;
}

static int many_fresh;
static long many_deep;

/* TSB_DEEP=BYTES: the read from a frame that many bytes lower, to show the floor's
 * readers paying the same fault as the shim's with TSB_FRESH=1 once their signal frame
 * crosses the same page boundary (doc/benchmarks.md). */
__attribute__((noinline)) static long deep_read(char *b)
{
	volatile char pad[many_deep];
	pad[0] = 0;
	return read(many_fd, b, 1) + pad[0];
}

static void *reader(void *arg)
{
	long i = (long)arg;
	char b;
	long r;
	many_tid[i] = gettid();
	if (!many_fresh)
		touch_stack();
	__atomic_fetch_add(&many_ready, 1, __ATOMIC_RELEASE);
	r = many_deep ? deep_read(&b) : read(many_fd, &b, 1);
	many_t1[i] = now_ns();
	if (r == -1 && errno == (many_floor ? EINTR : ECANCELED))
		__atomic_fetch_add(&many_cancelled, 1, __ATOMIC_RELAXED);
	{ /* park until all have returned: the figure is the stop, not the threads' exit */
		if (__atomic_add_fetch(&many_returned, 1, __ATOMIC_RELEASE) == many_n) /* the last: wake main */
			syscall(SYS_futex, &many_returned, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
		while (!__atomic_load_n(&many_release, __ATOMIC_ACQUIRE))
			syscall(SYS_futex, &many_release, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	}
	return 0;
}

static int many(long n, const char *how)
{
	pthread_attr_t attr;
	pthread_t *th = calloc((size_t)n, sizeof *th);
	long long t0 = 0, last = 0;
	char b;
	int p[2], inproc = !strcmp(how, "inproc"), all = !strcmp(how, "all");
	int socket = !strcmp(how, "socket") || !strcmp(how, "glob") || all;
	int pick = !strcmp(how, "pick");
	if (n < 1)
		exit(2);
	many_n = (int)n;
	many_fresh = getenv("TSB_FRESH") && *getenv("TSB_FRESH") == '1';
	many_deep = getenv("TSB_DEEP") ? atol(getenv("TSB_DEEP")) : 0;
	if (many_deep < 0 || many_deep > 8192)
		exit(2);
	many_t1 = calloc((size_t)n, sizeof *many_t1);
	many_tid = calloc((size_t)n, sizeof *many_tid);
	if (!th || !many_t1 || !many_tid || pipe(p))
		die("setup");
	many_fd = p[0];
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	if ((many_floor = !strcmp(how, "floor"))) {
		struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART: read returns EINTR */
		sigaction(SIGUSR1, &sa, 0);
	}
	for (long i = 0; i < n; i++) {
		if (pthread_create(&th[i], &attr, reader, (void *)i))
			die("pthread_create");
		if (!many_floor)
			pthread_setname_np(th[i], "reader");
	}
	while (__atomic_load_n(&many_ready, __ATOMIC_ACQUIRE) != n)
		sched_yield();
	for (long i = 0; i < n; i++)
		wait_asleep(many_tid[i]);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (many_floor) {
		pid_t pid = getpid();
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (syscall(SYS_tgkill, pid, many_tid[i], SIGUSR1))
				die("tgkill");
	} else if (pick) {
		/* one at a time, each a stop of one thread among n blocked ones */
		long k = n < 51 ? n : 51, step = n / k;
		long long d[51];
		for (long j = 0; j < k; j++) {
			long i = j * step;
			long long s0 = now_ns();
			if (stop_tid(many_tid[i], 0))
				die("thread_stop_tid");
			while (__atomic_load_n(&many_returned, __ATOMIC_ACQUIRE) != j + 1)
				sched_yield();
			d[j] = many_t1[i] - s0;
		}
		qsort(d, (size_t)k, sizeof *d, cmp_ll);
		printf("pick %ld %lld %lld\n", k, d[k / 2], d[k - 1]);
		fflush(stdout);
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (i % step || i / step >= k)
				stop_tid(many_tid[i], 0);
	} else if (inproc) {
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (stop_tid(many_tid[i], 0))
				die("thread_stop_tid");
	} else if (socket) {
		int r;
		const char *sel = all ? "all" : how[0] == 'g' ? "r*" : "call:read";
		t0 = now_ns();
		/* (all: this thread too, in no call: its stop is cleared at once, before any
		 * interposed call of its own could fail) */
		if ((r = stop_sel(getpid(), sel, 0)) != n + all) {
			fprintf(stderr, "ts-bench-stop: thread_stop(%s) returned %d: %s\n", sel, r, strerror(errno));
			exit(1);
		}
		if (all)
			stop_clear();
	}
	long long tk = now_ns();
	{
		/* Asleep in a raw futex wait (`stop all` stops this thread too, and leaves a
		 * futex wait alone), not spinning: a spinning main thread would take a CPU from
		 * the threads being stopped, in the floor as with the shim. */
		int r;
		while ((r = __atomic_load_n(&many_returned, __ATOMIC_ACQUIRE)) != n)
			syscall(SYS_futex, &many_returned, FUTEX_WAIT_PRIVATE, r, 0, 0, 0);
		__atomic_store_n(&many_release, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &many_release, FUTEX_WAKE_PRIVATE, 1 << 30, 0, 0, 0);
	}
	for (long i = 0; i < n; i++) {
		pthread_join(th[i], 0);
		if (many_t1[i] > last)
			last = many_t1[i];
	}
	printf("done %d %lld %lld\n", many_cancelled, t0, last);
	fflush(stdout);
	if (!strcmp(how, "wait")) /* stay until the CLI is done with us (stdin closed) */
		while (syscall(SYS_read, 0, &b, 1) > 0)
			;
	if (getenv("TSB_DEBUG")) {
		qsort(many_t1, (size_t)n, sizeof *many_t1, cmp_ll);
		fprintf(stderr, "stop calls %.2f ms; returns: first %.2f, 10%% %.2f, 50%% %.2f, 90%% %.2f, last %.2f ms\n",
			(tk - t0) / 1e6, (many_t1[0] - t0) / 1e6, (many_t1[n / 10] - t0) / 1e6, (many_t1[n / 2] - t0) / 1e6,
			(many_t1[n * 9 / 10] - t0) / 1e6, (many_t1[n - 1] - t0) / 1e6);
	}
	return 0;
}

/* one */

static void *one_reader(void *arg)
{
	int fd = (int)(long)arg;
	char b;
	printf("ready %d %d\n", getpid(), gettid());
	fflush(stdout);
	for (;;) {
		if (read(fd, &b, 1) != -1 || errno != ECANCELED)
			die("read");
		stop_clear();
		if (write(1, ".", 1) != 1)
			exit(0);
	}
	return 0;
}

static int one(void)
{
	pthread_t th;
	char b;
	int p[2];
	if (pipe(p) || pthread_create(&th, 0, one_reader, (void *)(long)p[0]))
		die("setup");
	pthread_setname_np(th, "reader");
	/* the main thread waits for end of file on stdin, in a raw (never stopped) read */
	while (syscall(SYS_read, 0, &b, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	stop_tid = (int (*)(pid_t, unsigned))dlsym(RTLD_DEFAULT, "thread_stop_tid");
	stop_clear = (void (*)(void))dlsym(RTLD_DEFAULT, "thread_stop_clear");
	stop_sel = (int (*)(pid_t, const char *, unsigned))dlsym(RTLD_DEFAULT, "thread_stop");
	if (argc == 4 && !strcmp(argv[1], "many") && !strcmp(argv[3], "floor"))
		return many(atol(argv[2]), argv[3]); /* the floor runs without the shim */
	if (!stop_tid || !stop_clear) {
		fprintf(stderr, "ts-bench-stop: run me with LD_PRELOAD=libthreadstop.so\n");
		return 77;
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "latency"))
		return latency(argv[2], atol(argv[3]), argc == 5 ? argv[4] : 0);
	if (argc == 4 && !strcmp(argv[1], "many"))
		return many(atol(argv[2]), argv[3]);
	if (argc == 2 && !strcmp(argv[1], "one"))
		return one();
	fprintf(stderr, "usage: ts-bench-stop latency CALL COUNT [FILE] | many N inproc|socket|glob|all|pick|wait|floor | one\n");
	return 2;
}
