/* libtsearly.so: a library whose constructor makes interposed calls, possibly before the
 * shim's own constructor has run (tsprobe early checks what it recorded). */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

int early_result = -1; /* 0: every call behaved; else the step that did not */
int early_shim_ready;   /* whether the shim's stop API answered yet */

static void on_usr1(int sig)
{
	(void)sig;
}

static void *child(void *p)
{
	return p;
}

__attribute__((constructor)) static void early(void)
{
	int fd[2];
	char buf[4];
	void *ret = 0;
	pthread_t th;
	struct timespec ts = { 0, 1000000 };
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	early_result = 1;
	if (pipe(fd) || write(fd[1], "abc", 3) != 3 || read(fd[0], buf, sizeof buf) != 3)
		return;
	early_result = 2;
	if (nanosleep(&ts, 0))
		return;
	early_result = 3;
	if (pthread_create(&th, 0, child, (void *)7) || pthread_join(th, &ret) || ret != (void *)7)
		return;
	early_result = 4;
	clock_gettime(CLOCK_REALTIME, &dl);
	pthread_mutex_lock(&m);
	if (pthread_cond_timedwait(&c, &m, &dl) != ETIMEDOUT)
		return;
	pthread_mutex_unlock(&m);
	/* Successful calls that take a mask leave errno alone (the shim's signal number is
	 * not chosen yet). */
	early_result = 5;
	{
		sigset_t set, usr1;
		struct timespec zero = { 0, 0 };
		siginfo_t si;
		int sfd;
		sigemptyset(&set);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		errno = 0;
		if (ppoll(0, 0, &zero, &set) != 0 || errno)
			return;
		early_result = 6;
		if (pselect(0, 0, 0, 0, &zero, &set) != 0 || errno)
			return;
		early_result = 7;
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (sfd < 0 || errno)
			return;
		close(sfd);
		early_result = 8;
		if (sigprocmask(SIG_BLOCK, &usr1, 0) || raise(SIGUSR1) || sigtimedwait(&usr1, &si, &zero) != SIGUSR1 || errno)
			return;
		early_result = 9;
		/* sigsuspend never succeeds: EINTR, as without the shim */
		signal(SIGUSR1, on_usr1);
		raise(SIGUSR1);
		if (sigsuspend(&set) != -1 || errno != EINTR)
			return;
		signal(SIGUSR1, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &usr1, 0);
	}
	close(fd[0]);
	close(fd[1]);
	early_result = 0;
}
