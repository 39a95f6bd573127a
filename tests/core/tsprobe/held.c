/* Signals of the shim's number held per thread while the program blocks it: in threads
 * that come and go, and across fork.  The queue is mapped at a thread's first held signal
 * (preload/sigvirt_held.c); this checks that every thread still gets its signals back in
 * order, and that threads which held some and left leave no memory behind. */
#define _GNU_SOURCE
#include "tsprobe.h"

static int shim_sig(void)
{
	const char *e = getenv("THREADSTOP_SIGNAL");
	return e ? atoi(e) : SIGRTMAX - 3;
}

/* The process's mappings, in kB: summed from /proc/self/maps (VmSize, as qemu-user also
 * shows it for the emulated program, where /proc/self/status is qemu's own). */
static long vm_kib(void)
{
	static char buf[1 << 18];
	size_t len = 0;
	ssize_t n;
	long kib = 0;
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return -1;
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : 0) {
		unsigned long lo, hi;
		if (sscanf(p, "%lx-%lx", &lo, &hi) == 2)
			kib += (long)((hi - lo) / 1024);
	}
	return kib;
}

/* Block the number, queue three values to itself, take them back in order. */
static void *holder(void *p)
{
	int sig = shim_sig(), ok = 1;
	sigset_t one, pend;
	struct timespec zero = { 0, 0 };
	(void)p;
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_BLOCK, &one, 0);
	for (int v = 1; v <= 3; v++)
		pthread_sigqueue(pthread_self(), sig, (union sigval){ .sival_int = v });
	sigemptyset(&pend);
	sigpending(&pend);
	ok = sigismember(&pend, sig) == 1;
	for (int v = 1; v <= 3; v++) {
		siginfo_t si;
		ok &= sigtimedwait(&one, &si, &zero) == sig && si.si_value.sival_int == v;
	}
	sigpending(&pend);
	ok &= sigismember(&pend, sig) == 0;
	return (void *)(long)ok;
}

int scen_sigheld(void)
{
	int sig = shim_sig(), bad = 0, n = 200;
	long before = -1, after;
	pthread_t th;
	sigset_t one, pend;
	pid_t pid;
	int st;
	for (int i = 0; i < 10 + n; i++) {
		if (i == 10)
			before = vm_kib(); /* after a few: the stack cache and malloc's arena are set */
		if (pthread_create(&th, 0, holder, 0))
			die("pthread_create");
		bad += join(th) != (void *)1L;
	}
	after = vm_kib();
	check(bad == 0, "sigheld: %d of %d threads got their three held signals back in order", 10 + n - bad, 10 + n);
	check(before > 0 && after - before < 256,
	      "sigheld: %d threads that held signals and left: the mappings grew %ld kB (a page each kept would be %d kB)", n,
	      after - before, n * 4);
	/* Held in the parent, not in the child; the child holds its own. */
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_BLOCK, &one, 0);
	sigqueue(getpid(), sig, (union sigval){ .sival_int = 5 });
	msleep(20);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		siginfo_t si;
		struct timespec zero = { 0, 0 };
		int ok;
		sigemptyset(&pend);
		sigpending(&pend);
		ok = sigismember(&pend, sig) == 0;
		pthread_sigqueue(pthread_self(), sig, (union sigval){ .sival_int = 6 });
		ok &= sigtimedwait(&one, &si, &zero) == sig && si.si_value.sival_int == 6;
		_exit(ok ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sigheld: a fork child has none of its parent's held signals, and holds its own");
	{
		siginfo_t si;
		struct timespec zero = { 0, 0 };
		int v = sigtimedwait(&one, &si, &zero) == sig ? si.si_value.sival_int : -1;
		check(v == 5, "sigheld: the parent still holds its own (%d)", v);
	}
	pthread_sigmask(SIG_UNBLOCK, &one, 0);
	return 0;
}
