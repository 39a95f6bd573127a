/* Masks on a thread's own stack are read by the shim without the kernel's check; the
 * stack's bounds come from how the thread was created (preload/wrap_thread.c).  In
 * threads with the default stack, a small one, one without a guard page and one the
 * program supplies (unreadable pages on both sides): a ppoll whose mask on the stack
 * blocks every signal is still stopped, and a mask pointer just above the program's
 * stack, or on a stack of the program's own below it (a coroutine), gets EFAULT, not a
 * crash. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "tsprobe.h"

static pid_t sm_tid; /* (atomics: ThreadSanitizer runs this too) */
static volatile int sm_done;
static long sm_ret;
static char *sm_above; /* an unreadable page right above the program-supplied stack */
static char *sm_below; /* an unreadable page between that stack and the coroutine's */
static long sm_efault[2];
static ucontext_t sm_main_ctx, sm_co_ctx;

static void coroutine(void)
{
	struct timespec z = { 0, 0 };
	sm_efault[1] = ppoll(0, 0, &z, (sigset_t *)sm_below) < 0 ? errno : 0;
}

static void *blocker(void *p)
{
	sigset_t all;
	struct timespec z = { 0, 0 };
	sigfillset(&all);
	if (p) { /* the program's stack: masks just above it, and from the coroutine below */
		sm_efault[0] = ppoll(0, 0, &z, (sigset_t *)sm_above) < 0 ? errno : 0;
		swapcontext(&sm_main_ctx, &sm_co_ctx);
	}
	__atomic_store_n(&sm_tid, gettid(), __ATOMIC_RELEASE);
	sm_ret = ppoll(0, 0, 0, &all) < 0 ? errno : 0;
	__atomic_store_n(&sm_done, 1, __ATOMIC_RELEASE);
	return 0;
}

int scen_stackmask(void)
{
	static const char *what[] = { "default stack", "64 KiB stack", "no guard page", "the program's stack" };
	long pg = sysconf(_SC_PAGESIZE), size = 1024 * 1024; /* (ThreadSanitizer wants 900 KiB) */
	/* [none][coroutine's stack][none][thread's stack][none] */
	char *m = mmap(0, (size_t)(3 * pg + 2 * size), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *co = m + pg, *st = co + size + pg;
	if (m == MAP_FAILED || mprotect(co, (size_t)size, PROT_READ | PROT_WRITE) ||
	    mprotect(st, (size_t)size, PROT_READ | PROT_WRITE))
		die("mmap");
	sm_below = co + size;
	sm_above = st + size;
	getcontext(&sm_co_ctx);
	sm_co_ctx.uc_stack.ss_sp = co;
	sm_co_ctx.uc_stack.ss_size = (size_t)size;
	sm_co_ctx.uc_link = &sm_main_ctx;
	makecontext(&sm_co_ctx, coroutine, 0);
	for (int i = 0; i < 4; i++) {
		pthread_attr_t a;
		pthread_t th;
		pthread_attr_init(&a);
		if (i == 1)
			pthread_attr_setstacksize(&a, 64 * 1024);
		if (i == 2)
			pthread_attr_setguardsize(&a, 0);
		if (i == 3)
			pthread_attr_setstack(&a, st, (size_t)size);
		__atomic_store_n(&sm_tid, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sm_done, 0, __ATOMIC_RELAXED);
		sm_ret = -1;
		if (pthread_create(&th, &a, blocker, i == 3 ? (void *)1 : 0))
			die("pthread_create");
		pthread_attr_destroy(&a);
		while (!__atomic_load_n(&sm_tid, __ATOMIC_ACQUIRE))
			msleep(1);
		if (wait_sleeping(sm_tid, &sm_done))
			stop_tid(sm_tid, 0);
		join(th);
		check(sm_ret == ECANCELED, "stackmask: %s: ppoll with every signal blocked by a mask on the stack was stopped: %s",
		      what[i], sm_ret >= 0 ? strerror((int)sm_ret) : "not run");
	}
	check(sm_efault[0] == EFAULT, "stackmask: a mask just above the program's stack: EFAULT (%s)", strerror((int)sm_efault[0]));
	check(sm_efault[1] == EFAULT, "stackmask: a mask below, from a coroutine's stack: EFAULT (%s)", strerror((int)sm_efault[1]));
	munmap(m, (size_t)(3 * pg + 2 * size));
	return 0;
}
