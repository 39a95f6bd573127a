/* The resources of the cover cases: each set up either to block its calls for good or
 * to let them complete. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#include "cover.h"

volatile sig_atomic_t got_usr1, got_alrm;
static void on_usr1(int s) { (void)s; got_usr1++; }
static void on_alrm(int s) { (void)s; got_alrm++; }

static void set_nonblock(int fd, int on)
{
	int fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
	syscall(SYS_fcntl, fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Fill fd's buffer until a write would block. */
static void fill(int fd)
{
	static char big[65536];
	set_nonblock(fd, 1);
	while (syscall(SYS_write, fd, big, sizeof big) > 0)
		;
	while (syscall(SYS_write, fd, big, 1) > 0)
		;
	set_nonblock(fd, 0);
}

int setup(struct res *r, enum setup s, int block)
{
	struct sigaction sa = { 0 };
	sigset_t usr1;
	memset(r, 0, sizeof *r);
	r->block = block;
	r->fd[0] = r->fd[1] = r->fd2 = r->ep = r->msq = r->sem = -1;
	r->mq = -1;
	snprintf(r->dir, sizeof r->dir, "/tmp/tscover.XXXXXX");
	if (!mkdtemp(r->dir))
		die("mkdtemp");
	snprintf(r->path, sizeof r->path, "%s/f", r->dir);
	switch (s) {
	case S_PIPE_IN:
	case S_EPOLL:
		if (pipe(r->fd))
			die("pipe");
		if (!block && syscall(SYS_write, r->fd[1], "data", 4) != 4)
			die("write");
		if (s == S_EPOLL) {
			struct epoll_event ev = { .events = EPOLLIN };
			r->ep = epoll_create1(0);
			if (r->ep < 0 || epoll_ctl(r->ep, EPOLL_CTL_ADD, r->fd[0], &ev))
				die("epoll");
		}
		break;
	case S_PIPE_OUT:
		if (pipe(r->fd))
			die("pipe");
		if (block)
			fill(r->fd[1]);
		break;
	case S_SOCK_IN:
	case S_SOCK_OUT:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, r->fd))
			die("socketpair");
		if (s == S_SOCK_IN && !block && syscall(SYS_write, r->fd[1], "data", 4) != 4)
			die("write");
		if (s == S_SOCK_OUT && block)
			fill(r->fd[0]);
		break;
	case S_LISTEN: {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t al = sizeof a;
		r->fd[0] = socket(AF_INET, SOCK_STREAM, 0);
		if (r->fd[0] < 0 || bind(r->fd[0], (void *)&a, sizeof a) || listen(r->fd[0], 8) ||
		    getsockname(r->fd[0], (void *)&a, &al))
			die("listen");
		if (!block) {
			r->fd[1] = socket(AF_INET, SOCK_STREAM, 0);
			if (syscall(SYS_connect, r->fd[1], &a, sizeof a))
				die("connect");
		}
		break;
	}
	case S_CONNECT:
		r->sa.sun_family = AF_UNIX;
		snprintf(r->sa.sun_path, sizeof r->sa.sun_path, "%s/s", r->dir);
		r->salen = sizeof r->sa;
		r->fd[0] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (r->fd[0] < 0 || bind(r->fd[0], (void *)&r->sa, r->salen) || listen(r->fd[0], block ? 0 : 8))
			die("listen");
		if (block) { /* one pending connection fills a backlog of 0 */
			r->fd2 = socket(AF_UNIX, SOCK_STREAM, 0);
			if (syscall(SYS_connect, r->fd2, &r->sa, r->salen))
				die("connect");
		}
		r->fd[1] = socket(AF_UNIX, SOCK_STREAM, 0);
		break;
	case S_SEEK_IN:
		if (block) {
			r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, "/dev/kmsg", O_RDONLY, 0);
			if (r->fd[0] < 0)
				return -1;
			lseek(r->fd[0], 0, SEEK_END);
			break;
		}
		/* fall through */
	case S_SEEK_OUT:
		if (block && s == S_SEEK_OUT)
			return -1;
		r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
		if (r->fd[0] < 0 || (s == S_SEEK_IN && syscall(SYS_write, r->fd[0], "data", 4) != 4))
			die("file");
		break;
	case S_TIME:
		break;
	case S_SIGNAL:
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, 0);
		sa.sa_handler = on_alrm;
		sigaction(SIGALRM, &sa, 0);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr1, 0);
		got_usr1 = got_alrm = 0;
		if (!block)
			raise(SIGUSR1);
		break;
	case S_CHILD:
		if (pipe(r->cpipe))
			die("pipe");
		r->child = fork();
		if (r->child < 0)
			die("fork");
		if (!r->child) {
			char c;
			close(r->cpipe[1]);
			if (block) /* until the parent exits or lets go */
				syscall(SYS_read, r->cpipe[0], &c, 1);
			_exit(7);
		}
		close(r->cpipe[0]);
		if (!block) { /* a zombie by the time the call is made */
			siginfo_t si;
			syscall(SYS_waitid, P_PID, r->child, &si, WEXITED | WNOWAIT, 0);
		}
		break;
	case S_LOCK:
		r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
		r->fd2 = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR, 0);
		if (r->fd[0] < 0 || r->fd2 < 0)
			die("lock file");
		if (block) {
			/* An OFD lock conflicts with POSIX locks, even of this process. */
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			if (syscall(SYS_fcntl, r->fd2, F_OFD_SETLK, &fl) || syscall(SYS_flock, r->fd2, LOCK_EX))
				die("hold lock");
		}
		break;
	case S_FIFO:
		if (block) {
			if (mkfifo(r->path, 0600))
				die("mkfifo");
		} else {
			int fd = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
			if (fd < 0)
				die("file");
			close(fd);
		}
		break;
	case S_MSG_IN:
	case S_MSG_OUT: {
		struct { long type; char text[16]; } m = { 1, "data" };
		r->msq = msgget(IPC_PRIVATE, 0600);
		if (r->msq < 0)
			die("msgget");
		if (s == S_MSG_OUT) {
			struct msqid_ds ds;
			msgctl(r->msq, IPC_STAT, &ds);
			ds.msg_qbytes = 16;
			if (msgctl(r->msq, IPC_SET, &ds))
				die("msgctl");
		}
		if ((s == S_MSG_IN && !block) || (s == S_MSG_OUT && block))
			if (syscall(SYS_msgsnd, r->msq, &m, 16, IPC_NOWAIT))
				die("msgsnd");
		break;
	}
	case S_SEM: {
		union { int val; } arg = { block ? 0 : 1 };
		r->sem = semget(IPC_PRIVATE, 1, 0600);
		if (r->sem < 0 || semctl(r->sem, 0, SETVAL, arg))
			die("semget");
		break;
	}
	case S_MQ_IN:
	case S_MQ_OUT: {
		struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 16 };
		char name[64];
		snprintf(name, sizeof name, "/tscover-%d", getpid());
		r->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (r->mq < 0)
			die("mq_open");
		mq_unlink(name);
		if ((s == S_MQ_IN && !block) || (s == S_MQ_OUT && block))
			if (syscall(SYS_mq_timedsend, r->mq, "data", 4, 0, 0))
				die("mq_send");
		break;
	}
	case S_TTY:
		if (block)
			return -1;
		if (openpty(&r->fd[0], &r->fd[1], 0, 0, 0))
			die("openpty");
		break;
	}
	return 0;
}

void teardown(struct res *r)
{
	if (r->child > 0) {
		close(r->cpipe[1]);
		syscall(SYS_wait4, r->child, 0, 0, 0);
	}
	if (r->msq >= 0)
		msgctl(r->msq, IPC_RMID, 0);
	if (r->sem >= 0)
		semctl(r->sem, 0, IPC_RMID);
	unlink(r->path);
	unlink(r->sa.sun_path);
	rmdir(r->dir);
}

