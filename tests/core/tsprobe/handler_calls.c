/* A call made from a signal handler while the thread is inside another interposed call
 * (a nested call, which the fast path sends to the slow path) leaves the outer call as it
 * was: still published, so still stoppable. */
#define _GNU_SOURCE
#include "tsprobe.h"

static int io_fd[2], joinee_fd[2];
static volatile pid_t joiner_tid;
static volatile int handled, join_r = -1;
static pthread_t joinee;

static void on_usr1(int sig)
{
	char c = 'x';
	(void)sig;
	/* two interposed calls inside the handler: a write, and a read of what it wrote */
	if (write(io_fd[1], &c, 1) == 1 && read(io_fd[0], &c, 1) == 1)
		handled = 1;
}

static void *joinee_main(void *p)
{
	char c;
	(void)p;
	(void)syscall(SYS_read, joinee_fd[0], &c, 1); /* raw: never stopped */
	return 0;
}

/* A join: a futex wait, which SA_RESTART restarts after the handler, and which no
 * fallback (the allowlist of glibc-internal calls) would catch if the shim lost track. */
static void *joiner(void *p)
{
	(void)p;
	joiner_tid = gettid();
	join_r = pthread_join(joinee, 0);
	return 0;
}

int scen_handler_calls(void)
{
	struct sigaction sa;
	pthread_t th;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, 0) || pipe(io_fd) || pipe(joinee_fd) || pthread_create(&joinee, 0, joinee_main, 0) ||
	    pthread_create(&th, 0, joiner, 0))
		die("setup");
	while (!joiner_tid)
		msleep(1);
	wait_sleeping(joiner_tid, 0);
	if (syscall(SYS_tgkill, getpid(), joiner_tid, SIGUSR1))
		die("tgkill");
	while (!handled)
		msleep(1);
	wait_sleeping(joiner_tid, 0); /* back in its join */
	check(stop_tid(joiner_tid, 0) == 0, "stop a thread whose handler made interposed calls during its join");
	join(th);
	check(join_r == ECANCELED, "its join, resumed after the handler, was stopped: %s", err(-join_r));
	if (write(joinee_fd[1], "x", 1) != 1)
		die("write");
	join(joinee);
	return 0;
}
