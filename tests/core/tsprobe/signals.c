/* Transparency of the shim's signal: programs that block every signal or handle every
 * signal, and SIG_IGN and SIG_DFL of its number. */
#define _GNU_SOURCE
#include "tsprobe.h"

static int sig_fd[2];
static volatile long sig_first;
static volatile int sig_reported_all;
static volatile pid_t sig_tid;

/* Every catchable signal the program asked to block reads back as blocked. */
static int all_blocked(const sigset_t *cur)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN))
			continue;
		if (sigismember(cur, sig) != 1) {
			printf("FAIL: signal %d reads back unblocked\n", sig);
			return 0;
		}
	}
	return 1;
}

static void *blockall_main(void *p)
{
	sigset_t all, cur;
	char c;
	sigfillset(&all);
	if (p)
		sigprocmask(SIG_SETMASK, &all, 0);
	else
		pthread_sigmask(SIG_BLOCK, &all, 0);
	pthread_sigmask(SIG_BLOCK, 0, &cur);
	sig_reported_all = all_blocked(&cur);
	sig_tid = gettid();
	sig_first = read(sig_fd[0], &c, 1) < 0 ? -errno : 0;
	return 0;
}

int scen_sigblockall(void)
{
	for (int v = 0; v < 2; v++) {
		const char *how = v ? "sigprocmask(SIG_SETMASK, all)" : "pthread_sigmask(SIG_BLOCK, all)";
		pthread_t th;
		sig_tid = 0;
		if (pipe(sig_fd) || pthread_create(&th, 0, blockall_main, v ? (void *)1 : 0))
			die("pthread_create");
		while (!sig_tid)
			msleep(1);
		wait_sleeping(sig_tid, 0);
		check(sig_reported_all, "%s: the mask reads back with every signal blocked", how);
		check(stop_tid(sig_tid, 0) == 0, "%s: stop the thread", how);
		join(th);
		check(sig_first == -ECANCELED, "%s: its read was stopped: %s", how, err(sig_first));
		close(sig_fd[0]);
		close(sig_fd[1]);
	}
	/* The main thread too: a mask set before threads are made is inherited. */
	sigset_t all, cur, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	sigprocmask(SIG_SETMASK, &old, &cur);
	check(all_blocked(&cur), "main: sigprocmask returns the old mask as the program set it");
	return 0;
}

static volatile int hits[_NSIG];
static volatile int hit_code[_NSIG];

static void on_any(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits[sig]++;
	hit_code[sig] = si->si_code;
}

int scen_sighandlers(void)
{
	struct sigaction sa, old;
	int installed = 0, bad = 0;
	pthread_t th;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_any;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < _NSIG; sig++)
		installed += sigaction(sig, &sa, 0) == 0;
	check(installed >= 60, "handlers installed for %d signals", installed);
	/* Our thread still stops: the shim's handler was not replaced. */
	sig_tid = 0;
	if (pipe(sig_fd) || pthread_create(&th, 0, blockall_main, 0))
		die("pthread_create");
	while (!sig_tid)
		msleep(1);
	wait_sleeping(sig_tid, 0);
	check(stop_tid(sig_tid, 0) == 0, "stop a thread of a program that handles every signal");
	join(th);
	check(sig_first == -ECANCELED, "its read was stopped: %s", err(sig_first));
	/* The program sees its own handlers, and they run for the signals it raises. */
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
		if (sigaction(sig, 0, &old) || old.sa_sigaction != on_any)
			bad++;
	}
	check(!bad, "sigaction reads back the program's handler for every real-time signal");
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		raise(sig);
	bad = 0;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (hits[sig] != 1 || hit_code[sig] != SI_TKILL)
			printf("FAIL: signal %d: the program's handler ran %d times\n", sig, hits[sig]), bad++;
	check(!bad, "raise() of each real-time signal ran the program's handler once, with its siginfo");
	/* A handler-blocked signal waits until unblocked, as it would. */
	sigset_t one;
	int sig = SIGRTMAX - 3;
	const char *e = getenv("THREADSTOP_SIGNAL");
	if (e)
		sig = atoi(e);
	sigemptyset(&one);
	sigaddset(&one, sig);
	hits[sig] = 0;
	pthread_sigmask(SIG_BLOCK, &one, 0);
	raise(sig);
	check(hits[sig] == 0, "signal %d raised while blocked: held", sig);
	pthread_sigmask(SIG_UNBLOCK, &one, 0);
	check(hits[sig] == 1, "signal %d: delivered once unblocked (%d)", sig, hits[sig]);
	close(sig_fd[0]);
	close(sig_fd[1]);
	return 0;
}

/* SIG_IGN ignores, SIG_DFL kills: for every real-time signal, the shim's included. */
int scen_sigdefault(void)
{
	int ok = 1;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, SIG_IGN);
	int ign = 0;
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
		struct sigaction cur;
		raise(sig);
		ign += sigaction(sig, 0, &cur) == 0 && cur.sa_handler == SIG_IGN;
	}
	/* (reaching this line means none of them ended the process) */
	check(ign == SIGRTMAX - SIGRTMIN + 1, "SIG_IGN: %d real-time signals raised and ignored; each still reads back SIG_IGN", ign);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig += 3) {
		int st;
		pid_t pid = fork();
		if (pid == 0) {
			signal(sig, SIG_DFL);
			raise(sig);
			_exit(0);
		}
		waitpid(pid, &st, 0);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
			printf("FAIL: SIG_DFL signal %d: child status %#x\n", sig, st), ok = 0;
	}
	check(ok, "SIG_DFL: raising a real-time signal ends the process with it");
	return 0;
}
