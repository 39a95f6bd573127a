/* Processes: fork and the spawn family from a threaded program under the shim. */
#define _GNU_SOURCE
#include "tsprobe.h"

/* fork from a program whose threads are busy with interposed calls, creating threads and
 * being stopped: no child deadlocks, each child has its own registry. */
static volatile int fork_done;
static int fork_fd[2];

/* The reader drains the pipe until EOF, not until fork_done: a reader that left first
 * would leave the writer blocked for good on a full pipe (the test's own hang, seen under
 * load as "thread did not return"). */
static void *fork_reader(void *p)
{
	char buf[64];
	ssize_t r;
	(void)p;
	while ((r = read(fork_fd[0], buf, sizeof buf)) != 0)
		if (r < 0 && errno == ECANCELED)
			stop_clear();
	return 0;
}

static void *fork_writer(void *p)
{
	(void)p;
	while (!fork_done)
		if (write(fork_fd[1], "0123456789", 10) < 0)
			break;
	return 0;
}

static void *nothing(void *p)
{
	return p;
}

static void *fork_spawner(void *p)
{
	(void)p;
	while (!fork_done) {
		pthread_t th;
		if (pthread_create(&th, 0, nothing, 0) == 0)
			pthread_join(th, 0);
	}
	return 0;
}

int scen_fork(void)
{
	pthread_t th[4];
	volatile pid_t rtid;
	int hung = 0, bad = 0, n = 200;
	if (pipe(fork_fd))
		die("pipe");
	pthread_create(&th[0], 0, fork_reader, 0);
	pthread_create(&th[1], 0, fork_writer, 0);
	pthread_create(&th[2], 0, fork_spawner, 0);
	pthread_create(&th[3], 0, fork_spawner, 0);
	msleep(20);
	rtid = getpid() + 1; /* some other thread's tid, for the ESRCH check */
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;
		if (i % 10 == 0) {
			/* keep stoppers busy on the registry too */
			struct res dummy;
			(void)dummy;
		}
		pid = fork();
		if (pid == 0) {
			char c;
			pthread_t t;
			int fd[2];
			if (pipe(fd) || write(fd[1], "ab", 2) != 2 || read(fd[0], &c, 1) != 1)
				_exit(10);
			/* Under ASan a thread made in the child can block for good on ASan's
			 * allocator lock, inherited locked (its runtime has no atfork for it). */
			if (!getenv("TSPROBE_NO_THREADS_IN_FORK") && (pthread_create(&t, 0, nothing, 0) || pthread_join(t, 0)))
				_exit(11);
			if (stop_pending())
				_exit(12);
			if (stop_tid(getpid(), 0) || read(fd[0], &c, 1) != -1 || errno != ECANCELED)
				_exit(13);
			for (pid_t x = rtid; x < rtid + 8; x++)
				if (x != getpid() && stop_tid(x, 0) == 0)
					_exit(14);
			_exit(0);
		}
		if (pid < 0)
			die("fork");
		hung += reap(pid, &st, 1);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++, printf("FAIL: child %d: status %#x\n", i, st);
	}
	fork_done = 1;
	for (int i = 1; i < 4; i++)
		join(th[i]);
	close(fork_fd[1]); /* (the writer has left: EOF for the reader) */
	join(th[0]);
	check(hung == 0, "fork: %d children forked under load, none hung", n);
	check(bad == 0, "fork: each child made interposed calls, made a thread, had only itself registered");
	return 0;
}

/* vfork, posix_spawn, system and popen from a program with threads blocked in
 * interposed calls: children run, inherit the preload, report their status; the parent's
 * shim still stops its thread afterwards. */
extern char **environ;

static int spawn_status(char *const argv[])
{
	pid_t pid;
	int st;
	if (posix_spawn(&pid, argv[0], 0, 0, argv, environ))
		return -1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int scen_spawn(void)
{
	struct res r;
	struct worker w = { .call = "read", .r = &r, .timeout = -1 };
	char *sh3[] = { "/bin/sh", "-c", "exit 3", 0 };
	char *preload[] = { "/bin/sh", "-c", "case \"$LD_PRELOAD\" in *libthreadstop*) exit 6;; esac; exit 1", 0 };
	pthread_t th;
	pid_t pid;
	int st;
	char line[16] = "";
	FILE *p;
	res_init(&r, 0);
	th = start_worker(&w);
	check(spawn_status(sh3) == 3, "posix_spawn: the child ran and exited 3");
	check(spawn_status(preload) == 6, "posix_spawn: the child inherited LD_PRELOAD");
	pid = vfork();
	if (pid == 0) {
		execve(sh3[0], (char *[]){ "/bin/sh", "-c", "exit 4", 0 }, environ);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 4, "vfork+execve: the child exited 4");
	st = system("exit 5");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 5, "system: exited 5");
	p = popen("echo hi", "r");
	check(p && fgets(line, sizeof line, p) && !strcmp(line, "hi\n") && pclose(p) == 0, "popen: read the child's output");
	check(stop_tid(w.tid, 0) == 0, "spawn: the worker is still registered");
	join(th);
	check(w.first == -ECANCELED, "spawn: and stopped: %s", err(w.first));
	res_free(&r);
	return 0;
}

