/* lsnr MODE: programs that would see the listener if it showed (tests/control/listener.sh).
 *   fds          print what pipe() returns, the descriptors in /proc/self/fd, and how
 *                many more can be opened before EMFILE: equal with and without the shim
 *   exhaust      open /dev/null until EMFILE, say "exhausted", then echo each line of
 *                stdin (read(2) on fd 0) prefixed "got " until EOF
 *   pexit        main calls pthread_exit while a worker finishes 300 ms later: exit 0
 *   forkworker   fork a child that blocks in accept() on a listening socket (a pre-fork
 *                worker); print "child PID"; the child exits 3 when accept fails
 *                ECANCELED; the parent waits for it and exits with its status
 *   forkspin     fork a child that computes (no call at all) for up to 60 s; print
 *                "child PID"; wait for it
 *   forkexit N   fork N children that _exit(0) at once, wait for each; print "done"
 *   sandbox      install a seccomp filter that kills the process at a thread clone
 *                without CLONE_FILES (as sandboxes check clone's flags), then fork a
 *                child that blocks in accept; print "child PID"; wait for it */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *late(void *p)
{
	(void)p;
	usleep(300000);
	printf("worker done\n");
	fflush(stdout);
	return 0;
}

static int fds(void)
{
	int p[2], n = 0, fd;
	DIR *d;
	struct dirent *e;
	if (pipe(p))
		return 1;
	printf("pipe %d %d\n", p[0], p[1]);
	d = opendir("/proc/self/fd");
	if (!d)
		return 1;
	printf("fds");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf(" %s", e->d_name);
	printf("\n");
	closedir(d);
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	printf("more %d (%s)\n", n, strerror(errno));
	return 0;
}

static int exhaust(void)
{
	char buf[256];
	ssize_t r;
	int n = 0;
	while (open("/dev/null", O_RDONLY) >= 0)
		n++;
	if (errno != EMFILE)
		return 1;
	printf("exhausted %d\n", n);
	fflush(stdout);
	while ((r = read(0, buf, sizeof buf - 1)) > 0) {
		buf[r] = 0;
		printf("got %s", buf);
		fflush(stdout);
	}
	return 0;
}

static int wait_child(pid_t c)
{
	int st;
	printf("child %d\n", (int)c);
	fflush(stdout);
	if (waitpid(c, &st, 0) != c)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Kill the process at clone(flags) with CLONE_THREAD and without CLONE_FILES. */
static int sandbox(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_THREAD | CLONE_FILES),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_THREAD, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pid_t c;
	if (!strcmp(mode, "fds"))
		return fds();
	if (!strcmp(mode, "exhaust"))
		return exhaust();
	if (!strcmp(mode, "pexit")) {
		pthread_t th;
		if (pthread_create(&th, 0, late, 0))
			return 1;
		pthread_exit(0);
	}
	if (!strcmp(mode, "forkworker") || !strcmp(mode, "sandbox")) {
		struct sockaddr sa = { .sa_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		/* autobind: an abstract name of the kernel's choice */
		if (s < 0 || bind(s, &sa, sizeof(sa_family_t)) || listen(s, 1))
			return 1;
		if (mode[0] == 's' && sandbox())
			return 1;
		if ((c = fork()) == 0) {
			int a = accept(s, 0, 0);
			_exit(a < 0 && errno == ECANCELED ? 3 : 4);
		}
		return wait_child(c);
	}
	if (!strcmp(mode, "forkspin")) {
		if ((c = fork()) == 0) {
			struct timespec t0, t;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			do
				clock_gettime(CLOCK_MONOTONIC, &t);
			while (t.tv_sec - t0.tv_sec < 60);
			_exit(0);
		}
		return wait_child(c);
	}
	if (!strcmp(mode, "forkexit")) {
		int n = argc > 2 ? atoi(argv[2]) : 100, st;
		for (int i = 0; i < n; i++) {
			if ((c = fork()) == 0)
				_exit(0);
			if (c < 0 || waitpid(c, &st, 0) != c || st)
				return 1;
		}
		printf("done\n");
		return 0;
	}
	fprintf(stderr, "usage: lsnr fds|exhaust|pexit|forkworker|forkspin|forkexit [N]|sandbox\n");
	return 2;
}
