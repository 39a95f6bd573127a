/* The race: a writer sends increasing 32-bit counters; a reader reads them in odd-sized
 * pieces and is stopped again and again at arbitrary points.  Every byte must arrive once
 * and in order, and every stop must be seen. */
#define _GNU_SOURCE
#include "tsprobe.h"

struct race {
	int fd[2];
	volatile pid_t reader;
	volatile int done;
	long stops_seen;
	long stops_on_empty; /* observed by a read that found the pipe empty: it had to block */
	long sent;
	unsigned long bytes;
	int bad;
};

/* Bursty, so that the reader is caught both in the middle of its loop and asleep in
 * the kernel with the pipe empty. */
static void *race_writer(void *p)
{
	struct race *rc = p;
	uint32_t buf[256], n = 0;
	unsigned seed = 3;
	while (!__atomic_load_n(&rc->done, __ATOMIC_ACQUIRE)) {
		int count = 1 + rand_r(&seed) % 256;
		for (int i = 0; i < count; i++)
			buf[i] = n++;
		const char *q = (const char *)buf;
		size_t left = (size_t)count * 4;
		while (left) {
			/* odd-sized writes split counters across reads */
			size_t chunk = 1 + rand_r(&seed) % left;
			ssize_t w = write(rc->fd[1], q, chunk);
			if (w < 0)
				die("race write");
			q += w, left -= (size_t)w;
		}
		if (rand_r(&seed) % 4 == 0)
			sched_yield();
	}
	close(rc->fd[1]);
	return 0;
}

static void *race_reader(void *p)
{
	struct race *rc = p;
	unsigned char buf[97], cur[4];
	uint32_t expect = 0;
	int have = 0;
	unsigned seed = 1;
	rc->reader = gettid();
	for (;;) {
		size_t want = 1 + rand_r(&seed) % sizeof buf;
		int avail = 1;
		ioctl(rc->fd[0], FIONREAD, &avail);
		ssize_t n = read(rc->fd[0], buf, want);
		if (n < 0) {
			rc->stops_on_empty += avail == 0;
			if (errno != ECANCELED) {
				printf("FAIL: reader: %s\n", strerror(errno));
				rc->bad = 1;
				return 0;
			}
			/* clear first: the next stop may come as soon as this one is counted */
			stop_clear();
			__atomic_store_n(&rc->stops_seen, rc->stops_seen + 1, __ATOMIC_RELEASE);
			continue;
		}
		if (n == 0)
			return 0;
		rc->bytes += (unsigned long)n;
		for (ssize_t i = 0; i < n; i++) {
			cur[have++] = buf[i];
			if (have == 4) {
				uint32_t v;
				memcpy(&v, cur, 4);
				if (v != expect && !rc->bad) {
					printf("FAIL: counter %u where %u was due: a byte was lost or repeated\n", v, expect);
					rc->bad = 1;
				}
				expect++;
				have = 0;
			}
		}
	}
}

int scen_race(long iterations)
{
	struct race rc = { 0 };
	pthread_t w, rd;
	unsigned seed = 7;
	double t0 = now();
	if (pipe(rc.fd))
		die("pipe");
	if (pthread_create(&rd, 0, race_reader, &rc) || pthread_create(&w, 0, race_writer, &rc))
		die("pthread_create");
	while (!rc.reader)
		msleep(1);
	for (long i = 0; i < iterations && !rc.bad; i++) {
		/* land the stop at an arbitrary point of the reader's loop */
		for (unsigned spin = rand_r(&seed) % 2000; spin; spin--)
			__asm__ volatile("" ::: "memory");
		if (stop_tid(rc.reader, 0))
			die("thread_stop_tid");
		rc.sent++;
		double t1 = now();
		while (__atomic_load_n(&rc.stops_seen, __ATOMIC_ACQUIRE) != rc.sent) {
			if (now() - t1 > 10) {
				printf("FAIL: stop %ld was never observed\n", rc.sent);
				rc.bad = 1;
				break;
			}
			sched_yield();
		}
	}
	__atomic_store_n(&rc.done, 1, __ATOMIC_RELEASE);
	join(w);
	join(rd);
	check(!rc.bad, "race: every byte arrived once and in order (%lu bytes, %lu counters)", rc.bytes, rc.bytes / 4);
	check(rc.stops_seen == rc.sent, "race: %ld stops sent, %ld observed (%ld by a read that found the pipe empty), in %.1f s",
	      rc.sent, rc.stops_seen, rc.stops_on_empty, now() - t0);
	/* aarch64's split-window test build says how many landed between check and svc */
	long (*moves)(void) = (long (*)(void))dlsym(RTLD_DEFAULT, "ts_test_window_moves");
	if (moves)
		printf("race: %ld stops landed inside the window, after the token check\n", moves());
	return 0;
}

