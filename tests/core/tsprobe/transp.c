/* Transparency with no stop requested (issue 11): pthread_cancel of a thread that has
 * not run yet, fork against sigaction, bad masks, the virtual disposition under stress,
 * a handler without SA_RESTART, a nested wait's ARG, and seccomp. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include "tsprobe.h"

/* The shim's signal number, as the program can see it used. */
static int shim_sig(void)
{
	const char *e = getenv("THREADSTOP_SIGNAL");
	return e ? atoi(e) : SIGRTMAX - 3;
}

/* pthread_create, then at once pthread_cancel: glibc cancels the thread at its first
 * cancellation point, before it has run or not.  Here: a read of a pipe whose write end
 * is closed right after (a lost cancel returns EOF), and a long sleep (a lost cancel
 * sleeps until the bounded join gives up). */
static void *pce_reader(void *p)
{
	char c;
	return (void *)(long)(read((int)(long)p, &c, 1) == 0 ? 1 : 2);
}

static void *pce_sleeper(void *p)
{
	struct timespec ts = { 1000, 0 };
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, 0);
	return p;
}

int scen_pcancel_early(void)
{
	int lost = 0, n = 300;
	for (int i = 0; i < n; i++) {
		int fd[2];
		pthread_t th;
		if (pipe(fd) || pthread_create(&th, 0, pce_reader, (void *)(long)fd[0]))
			die("pipe");
		pthread_cancel(th);
		close(fd[1]);
		if (join(th) != PTHREAD_CANCELED)
			lost++;
		close(fd[0]);
	}
	check(lost == 0, "pcancel-early: create, cancel, close, join: %d of %d threads cancelled", n - lost, n);
	lost = 0;
	for (int i = 0; i < 20; i++) {
		pthread_t th;
		if (pthread_create(&th, 0, pce_sleeper, 0))
			die("pthread_create");
		pthread_cancel(th);
		if (join(th) != PTHREAD_CANCELED)
			lost++;
	}
	check(lost == 0, "pcancel-early: create, cancel, join a sleeper: %d of 20 cancelled", 20 - lost);
	return 0;
}

/* fork while another thread changes the disposition of the shim's signal number: the
 * child's own sigaction on that number must not find a lock held for ever. */
static volatile int fs_done;

static void fs_handler(int sig)
{
	(void)sig;
}

static void *fs_changer(void *p)
{
	int sig = shim_sig();
	struct sigaction sa;
	(void)p;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fs_handler;
	while (!fs_done) {
		sigaction(sig, &sa, 0);
		signal(sig, SIG_IGN);
		sigaction(sig, 0, &sa);
	}
	return 0;
}

int scen_forksig(void)
{
	pthread_t th[2];
	int hung = 0, bad = 0, n = 300, sig = shim_sig();
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], 0, fs_changer, 0);
	for (int i = 0; i < n; i++) {
		int st;
		pid_t pid = fork();
		if (pid == 0) {
			struct sigaction sa, old;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = SIG_IGN;
			if (sigaction(sig, &sa, &old) || signal(sig, SIG_DFL) != SIG_IGN)
				_exit(3);
			_exit(0);
		}
		if (pid < 0)
			die("fork");
		hung += reap(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	fs_done = 1;
	for (int i = 0; i < 2; i++)
		join(th[i]);
	check(hung == 0 && bad == 0, "forksig: %d children forked while threads set signal %d's disposition: %d hung, %d failed",
	      n, sig, hung, bad);
	return 0;
}

/* Masks the shim cannot read: the calls fail with EFAULT, as glibc's do. */
int scen_efault(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(0, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const sigset_t *bad[2];
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	int sig, fails = 0;
	if (map == MAP_FAILED)
		die("mmap");
	/* a page that was readable, then unmapped, and an address never mapped */
	sigemptyset((sigset_t *)map);
	check(ppoll(0, 0, &zero, (sigset_t *)map) == 0, "efault: ppoll with a good mask");
	munmap(map, (size_t)pg);
	bad[0] = (const sigset_t *)map;
	bad[1] = (const sigset_t *)8;
	for (int i = 0; i < 2; i++) {
		int r;
		errno = 0;
		r = ppoll(0, 0, &zero, bad[i]);
		if (r != -1 || errno != EFAULT)
			printf("FAIL: ppoll(mask %p): %d %s\n", (void *)bad[i], r, strerror(errno)), fails++;
		errno = 0;
		r = pselect(0, 0, 0, 0, &zero, bad[i]);
		if (r != -1 || errno != EFAULT)
			printf("FAIL: pselect(mask %p): %d %s\n", (void *)bad[i], r, strerror(errno)), fails++;
		errno = 0;
		r = sigsuspend(bad[i]);
		if (r != -1 || errno != EFAULT)
			printf("FAIL: sigsuspend(%p): %d %s\n", (void *)bad[i], r, strerror(errno)), fails++;
		r = sigwait(bad[i], &sig);
		if (r != EFAULT)
			printf("FAIL: sigwait(%p): %d\n", (void *)bad[i], r), fails++;
		errno = 0;
		r = sigtimedwait(bad[i], &si, &zero);
		if (r != -1 || errno != EFAULT)
			printf("FAIL: sigtimedwait(%p): %d %s\n", (void *)bad[i], r, strerror(errno)), fails++;
		errno = 0;
		r = signalfd(-1, bad[i], 0);
		if (r != -1 || errno != EFAULT)
			printf("FAIL: signalfd(%p): %d %s\n", (void *)bad[i], r, strerror(errno)), fails++;
	}
	check(!fails, "efault: ppoll, pselect, sigsuspend, sigwait, sigtimedwait, signalfd given unreadable masks: EFAULT");
	return 0;
}

/* The disposition of the shim's number, changed by two threads between two actions while
 * two others raise the signal: every delivery runs one whole action (its handler, its
 * flags, its mask), never a mix of the two. */
static volatile int tear_done;
static volatile long tear_runs, tear_bad;

static void tear_check(int mine, int other)
{
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, 0, &cur);
	if (sigismember(&cur, mine) != 1 || sigismember(&cur, other) != 0)
		__atomic_fetch_add(&tear_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&tear_runs, 1, __ATOMIC_RELAXED);
}

static void tear_x(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (!si || si->si_signo != sig)
		__atomic_fetch_add(&tear_bad, 1, __ATOMIC_RELAXED);
	tear_check(SIGUSR1, SIGUSR2);
}

static void tear_y(int sig)
{
	(void)sig;
	tear_check(SIGUSR2, SIGUSR1);
}

/* The two actions the writers alternate. */
static void tear_actions(struct sigaction *x, struct sigaction *y)
{
	memset(x, 0, sizeof *x);
	memset(y, 0, sizeof *y);
	x->sa_sigaction = tear_x;
	x->sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&x->sa_mask);
	sigaddset(&x->sa_mask, SIGUSR1);
	y->sa_handler = tear_y;
	y->sa_flags = SA_RESTART;
	sigemptyset(&y->sa_mask);
	sigaddset(&y->sa_mask, SIGUSR2);
}

static void *tear_writer(void *p)
{
	struct sigaction x, y;
	int sig = shim_sig();
	(void)p;
	tear_actions(&x, &y);
	while (!tear_done) {
		sigaction(sig, &x, 0);
		sigaction(sig, &y, 0);
	}
	return 0;
}

static void *tear_raiser(void *p)
{
	int sig = shim_sig();
	(void)p;
	while (!tear_done)
		raise(sig);
	return 0;
}

int scen_sigtear(void)
{
	pthread_t th[4];
	struct sigaction x, y;
	double t0 = now();
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	/* Start from one of the two actions: a delivery before the writers' first change
	 * (a loaded machine may not run them for a while) must find a whole one too. */
	tear_actions(&x, &y);
	sigaction(shim_sig(), &y, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], 0, i < 2 ? tear_writer : tear_raiser, 0);
	while (now() - t0 < 3 && tear_runs < 400000)
		msleep(10);
	tear_done = 1;
	for (int i = 0; i < 4; i++)
		join(th[i]);
	check(tear_runs > 0 && tear_bad == 0, "sigtear: %ld deliveries while two threads changed the action: %ld mixed two actions",
	      tear_runs, tear_bad);
	return 0;
}

/* A handler of the shim's number installed without SA_RESTART: a read it interrupts fails
 * with EINTR; with SA_RESTART the read goes on. */
static int nr_fd[2];
static volatile pid_t nr_tid;
static volatile int nr_hits;
static volatile long nr_ret;

static void nr_handler(int sig)
{
	(void)sig;
	nr_hits++;
}

static void *nr_reader(void *p)
{
	char c;
	(void)p;
	nr_tid = gettid();
	nr_ret = read(nr_fd[0], &c, 1) < 0 ? -errno : 1;
	return 0;
}

int scen_norestart(void)
{
	int sig = shim_sig();
#ifdef __aarch64__
	/* (aarch64 cannot tell a rewound svc from one not yet entered: arch.h) */
	for (int restart = 1; restart < 2; restart++) {
#else
	for (int restart = 0; restart < 2; restart++) {
#endif
		struct sigaction sa;
		pthread_t th;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = nr_handler;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		sigaction(sig, &sa, 0);
		nr_tid = 0;
		nr_hits = 0;
		nr_ret = 0;
		if (pipe(nr_fd) || pthread_create(&th, 0, nr_reader, 0))
			die("pipe");
		while (!nr_tid)
			msleep(1);
		wait_sleeping(nr_tid, 0);
		pthread_kill(th, sig);
		for (int i = 0; i < 2000 && !nr_hits; i++)
			msleep(1);
		msleep(50);
		if (restart && write(nr_fd[1], "x", 1) != 1)
			die("write");
		if (!restart && !nr_ret)
			close(nr_fd[1]), nr_fd[1] = -1; /* (a read that did restart ends with EOF) */
		join(th);
		if (restart)
			check(nr_hits == 1 && nr_ret == 1, "norestart: with SA_RESTART, the handler ran and the read went on: %s",
			      err(nr_ret));
		else
			check(nr_hits == 1 && nr_ret == -EINTR, "norestart: without SA_RESTART, the handler ran and the read failed: %s",
			      err(nr_ret));
		close(nr_fd[0]);
		if (nr_fd[1] >= 0)
			close(nr_fd[1]);
	}
	return 0;
}

/* A wait nested in a signal handler (a timed condition wait in a handler that interrupted
 * a read) leaves `list` showing the outer call with its own ARG. */
static int ns_fd[2];
static volatile pid_t ns_tid;
static volatile int ns_nested;

static void ns_handler(int sig)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	(void)sig;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 5000000;
	if (dl.tv_nsec >= 1000000000)
		dl.tv_sec++, dl.tv_nsec -= 1000000000;
	pthread_mutex_lock(&m);
	ns_nested = pthread_cond_timedwait(&c, &m, &dl) == ETIMEDOUT ? 1 : 2;
	pthread_mutex_unlock(&m);
}

static void *ns_reader(void *p)
{
	char c;
	(void)p;
	ns_tid = gettid();
	while (read(ns_fd[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

int scen_nested(void)
{
	const char *cli = getenv("TSPROBE_CLI");
	char cmd[512], line[512], want[64];
	int found = 0, tries;
	pthread_t th;
	signal(SIGUSR1, ns_handler);
	if (pipe(ns_fd) || pthread_create(&th, 0, ns_reader, 0))
		die("pipe");
	while (!ns_tid)
		msleep(1);
	wait_sleeping(ns_tid, 0);
	pthread_kill(th, SIGUSR1);
	for (int i = 0; i < 5000 && !ns_nested; i++)
		msleep(1);
	check(ns_nested == 1, "nested: the handler's timed wait timed out");
	wait_sleeping(ns_tid, 0);
	if (!cli) {
		check(0, "nested: TSPROBE_CLI is not set");
		return 0;
	}
	snprintf(cmd, sizeof cmd, "%s list %d 2>&1", cli, (int)getpid());
	snprintf(want, sizeof want, "fd=%d", ns_fd[0]);
	for (tries = 0; tries < 50 && !found; tries++) {
		FILE *p = popen(cmd, "r");
		if (!p)
			die("popen");
		while (fgets(line, sizeof line, p)) {
			int tid = 0;
			if (sscanf(line, "%d", &tid) == 1 && tid == ns_tid && strstr(line, " read ")) {
				if (strstr(line, want))
					found = 1;
				else
					printf("list: %s", line);
			}
		}
		pclose(p);
		if (!found)
			msleep(20);
	}
	check(found, "nested: list shows the outer read with its own ARG (%s) after a nested wait", want);
	close(ns_fd[1]);
	join(th);
	close(ns_fd[0]);
	return 0;
}

/* A seccomp filter that refuses the shim's signal (rt_tgsigqueueinfo: EPERM): a stop of a
 * thread blocked in read is reported not delivered; the read keeps its data, and the stop
 * shows at the thread's next call. */
static int sc_fd[2];
static volatile pid_t sc_tid;
static volatile long sc_first, sc_next;

static void *sc_reader(void *p)
{
	char c;
	(void)p;
	sc_tid = gettid();
	sc_first = read(sc_fd[0], &c, 1) < 0 ? -errno : 1;
	sc_next = read(sc_fd[0], &c, 1) < 0 ? -errno : 1;
	return 0;
}

int seccomp_refuse(long nr, int kill); /* seccomp.c: install a filter for one call */

int scen_seccomp_eperm(void)
{
	pthread_t th;
	int r, e;
	if (seccomp_refuse(SYS_rt_tgsigqueueinfo, 0)) {
		check(1, "seccomp: no filter can be installed here (%s): skipped", strerror(errno));
		return 0;
	}
	if (pipe(sc_fd) || pthread_create(&th, 0, sc_reader, 0))
		die("pipe");
	while (!sc_tid)
		msleep(1);
	wait_sleeping(sc_tid, 0);
	errno = 0;
	r = stop_tid(sc_tid, 0);
	e = errno;
	check(r == -1 && e == EPERM, "seccomp: a stop whose signal is refused reports not delivered: %d %s", r, strerror(e));
	if (write(sc_fd[1], "xy", 2) != 2)
		die("write");
	join(th);
	check(sc_first == 1, "seccomp: the blocked read kept its data: %s", err(sc_first));
	check(sc_next == -ECANCELED, "seccomp: the next call saw the stop: %s", err(sc_next));
	return 0;
}

/* The program uses the shim's number itself: three sigqueue()s while it has the number
 * blocked are held with their values, show in sigpending, are taken by sigtimedwait in
 * order, and the last one runs the handler when unblocked; a thread asleep in
 * sigwaitinfo for the number is woken by one. */
static volatile int q_vals[8], q_codes[8], q_n;
static volatile pid_t q_pid;

static void q_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	if (q_n < 8) {
		q_vals[q_n] = si->si_value.sival_int;
		q_codes[q_n] = si->si_code;
		q_n++;
	}
}

static volatile int qw_val = -1;
static volatile pid_t qw_tid;

static void *q_waiter(void *p)
{
	sigset_t one;
	siginfo_t si;
	int sig = shim_sig();
	(void)p;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_BLOCK, &one, 0);
	qw_tid = gettid();
	if (sigwaitinfo(&one, &si) == sig)
		qw_val = si.si_value.sival_int;
	return 0;
}

int scen_sigqueue(void)
{
	int sig = shim_sig(), got[2] = { -1, -1 }, codes[2] = { 0, 0 };
	struct sigaction sa;
	sigset_t one, pend;
	struct timespec zero = { 0, 0 };
	pthread_t th;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = q_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, 0);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_BLOCK, &one, 0);
	for (int v = 10; v <= 30; v += 10)
		sigqueue(getpid(), sig, (union sigval){ .sival_int = v });
	msleep(20);
	sigemptyset(&pend);
	sigpending(&pend);
	check(sigismember(&pend, sig) == 1 && q_n == 0, "sigqueue: held while blocked, and sigpending shows it");
	for (int i = 0; i < 2; i++) {
		siginfo_t si;
		if (sigtimedwait(&one, &si, &zero) == sig)
			got[i] = si.si_value.sival_int, codes[i] = si.si_code;
	}
	check(got[0] == 10 && got[1] == 20 && codes[0] == SI_QUEUE && codes[1] == SI_QUEUE,
	      "sigqueue: sigtimedwait took 10 and 20 with SI_QUEUE (got %d %d)", got[0], got[1]);
	pthread_sigmask(SIG_UNBLOCK, &one, 0);
	check(q_n == 1 && q_vals[0] == 30 && q_codes[0] == SI_QUEUE, "sigqueue: unblocked, the handler ran once with 30 (%d runs, %d)",
	      q_n, q_n ? q_vals[0] : -1);
	sigemptyset(&pend);
	sigpending(&pend);
	check(sigismember(&pend, sig) == 0, "sigqueue: nothing pending after");
	if (pthread_create(&th, 0, q_waiter, 0))
		die("pthread_create");
	while (!qw_tid)
		msleep(1);
	wait_sleeping(qw_tid, 0);
	pthread_sigqueue(th, sig, (union sigval){ .sival_int = 77 });
	join(th);
	check(qw_val == 77, "sigqueue: a thread asleep in sigwaitinfo for the number got it (%d)", qw_val);
	return 0;
}
