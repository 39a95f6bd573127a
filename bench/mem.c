/* ts-bench-mem: memory cost of the shim.  This executable defines malloc and friends
 * (wrapping glibc's __libc_* entry points), so every allocation in the process, the
 * shim's included, is counted.  Run plain and with LD_PRELOAD=libthreadstop.so.
 *
 *   ts-bench-mem size           the static TLS of libthreadstop.so (run preloaded): its
 *                               per-thread record, as the loader reserves it
 *   ts-bench-mem fast N         allocations during N calls each of read, recv (MSG_PEEK),
 *                               poll (zero timeout), nanosleep (0 s) and an uncontended
 *                               pthread_cond_timedwait that times out at once
 *   ts-bench-mem threads N      allocations and bytes during N pthread_create/join of
 *                               threads that each make one interposed call
 * Prints "allocs N bytes B live L": allocations, bytes requested, and the change of
 * the bytes still allocated (usable size) over the measured part (or the size). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static unsigned long n_allocs, n_bytes;
static long live; /* usable bytes allocated and not freed */

static void *count(size_t n, void *p)
{
	__atomic_fetch_add(&n_allocs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&n_bytes, n, __ATOMIC_RELAXED);
	if (p)
		__atomic_fetch_add(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
	return p;
}

static void uncount(void *p)
{
	if (p)
		__atomic_fetch_sub(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
	return count(n, __libc_malloc(n));
}

void *calloc(size_t a, size_t b)
{
	return count(a * b, __libc_calloc(a, b));
}

void *realloc(void *p, size_t n)
{
	uncount(p);
	return count(n, __libc_realloc(p, n));
}

void free(void *p)
{
	uncount(p);
	__libc_free(p);
}

void *memalign(size_t a, size_t n)
{
	return count(n, __libc_memalign(a, n));
}

void *aligned_alloc(size_t a, size_t n)
{
	return memalign(a, n);
}

int posix_memalign(void **p, size_t a, size_t n)
{
	*p = memalign(a, n);
	return *p ? 0 : 12;
}

static void *one_call(void *arg)
{
	struct pollfd p = { .fd = (int)(long)arg, .events = POLLIN };
	(void)poll(&p, 1, 0);
	return 0;
}

static int tls_of_shim(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (!strstr(info->dlpi_name, "libthreadstop"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_TLS)
			*(long *)data = (long)info->dlpi_phdr[i].p_memsz;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long a0, b0;
	long l0;
	long n;
	if (argc == 2 && !strcmp(argv[1], "size")) {
		long tls = -1;
		dl_iterate_phdr(tls_of_shim, &tls);
		printf("%ld\n", tls);
		return tls < 0;
	}
	if (argc != 3 || (n = atol(argv[2])) < 1)
		goto usage;
	if (!strcmp(argv[1], "fast")) {
		int z = open("/dev/zero", O_RDONLY), sv[2], pp[2];
		pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
		pthread_cond_t c = PTHREAD_COND_INITIALIZER;
		struct timespec zero = { 0, 0 };
		char b;
		if (z < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(pp) || write(sv[1], "x", 1) != 1)
			return 1;
		one_call((void *)(long)pp[0]); /* registration, the first call, is not the fast path */
		a0 = n_allocs;
		b0 = n_bytes;
		l0 = live;
		for (long i = 0; i < n; i++) {
			struct pollfd p = { .fd = pp[0], .events = POLLIN };
			if (read(z, &b, 1) != 1 || recv(sv[0], &b, 1, MSG_PEEK) != 1 || poll(&p, 1, 0) != 0 ||
			    nanosleep(&zero, 0))
				return 1;
			pthread_mutex_lock(&m);
			if (pthread_cond_timedwait(&c, &m, &zero) != ETIMEDOUT)
				return 1;
			pthread_mutex_unlock(&m);
		}
	} else if (!strcmp(argv[1], "threads")) {
		int pp[2];
		pthread_t th;
		if (pipe(pp))
			return 1;
		one_call((void *)(long)pp[0]);
		a0 = n_allocs;
		b0 = n_bytes;
		l0 = live;
		for (long i = 0; i < n; i++)
			if (pthread_create(&th, 0, one_call, (void *)(long)pp[0]) || pthread_join(th, 0))
				return 1;
	} else {
		goto usage;
	}
	printf("allocs %lu bytes %lu live %ld\n", n_allocs - a0, n_bytes - b0, live - l0);
	return 0;
usage:
	fprintf(stderr, "usage: ts-bench-mem size | fast N | threads N\n");
	return 2;
}
