/* A thread that glibc does not count.  glibc keeps a process "single-threaded" (no stdio
 * locking, __libc_single_threaded, the kernel's unshared descriptor table) until the
 * program creates a thread, and ends the process when its last thread ends: a listener
 * made with pthread_create would change both.  A thread made with clone() directly is
 * invisible to glibc: it is killed by exit_group and exec like any other, but glibc
 * never waits for it and never locks for it.
 *
 * The price is what it may run: it has no glibc thread of its own, so it must not call
 * what writes thread state (errno, malloc's arenas, stdio, pthread mutexes, which glibc
 * takes with plain stores while single-threaded: preload/lock.h).  Its code makes raw
 * system calls, allocates with mmap, and formats with the pure string functions of
 * control/protocol.c.  Its thread pointer is a zeroed block of its own (arch.h), large
 * enough for the process's static TLS, so that a stray TLS access (a canary read, an
 * errno write deep in a libc call) lands in its own memory, never in another thread's. */
#define _GNU_SOURCE
#include <link.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "rawthread.h"

#define STACK_SIZE (256 << 10)
#define GUARD 4096
#define TLS_SURPLUS (64 << 10)

static size_t tls_size = 256 << 10;

static int add_tls(struct dl_phdr_info *info, size_t size, void *sum)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_TLS)
			*(size_t *)sum += info->dlpi_phdr[i].p_memsz + info->dlpi_phdr[i].p_align;
	return 0;
}

void ts_rawthread_init(void)
{
	size_t sum = 0;
	dl_iterate_phdr(add_tls, &sum);
	/* the static blocks of the modules loaded at start, glibc's surplus for later
	 * initial-exec ones, and a margin; whole pages */
	tls_size = (sum + TLS_SURPLUS + TS_ARCH_TCB_SIZE + 4095) & ~(size_t)4095;
}

int ts_rawthread_start(int (*fn)(void *), void *arg)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS;
	size_t total = GUARD + STACK_SIZE + tls_size;
	uint64_t all = ~0ull, old;
	long m = ts_sys(SYS_mmap, 0, (long)total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *base = (char *)m;
	void *tp;
	int e = errno, tid;
	if (m < 0 && m > -4096)
		return (int)m;
	ts_sys(SYS_mprotect, m, GUARD, PROT_NONE, 0, 0, 0);
	tp = ts_arch_tls_setup(base + GUARD + STACK_SIZE, tls_size);
	/* The thread starts with every signal blocked: the program's signals go to its own
	 * threads, as if the listener were not there. */
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, sizeof all, 0, 0);
	tid = clone(fn, base + GUARD + STACK_SIZE, (int)flags, arg, 0, tp, 0);
	if (tid < 0)
		tid = -errno;
	ts_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, sizeof old, 0, 0);
	errno = e;
	if (tid < 0)
		ts_sys(SYS_munmap, m, (long)total, 0, 0, 0, 0);
	return tid;
}
