/* cover: the coverage test of every blocking call in preload/calls.def (main.c has the
 * scenarios).  Shared here: the resources each call blocks on or finds ready
 * (resources.c) and the cases (cases.c). */
#ifndef TS_COVER_H
#define TS_COVER_H

#define _GNU_SOURCE
/* Call the plain names (pread, open, fcntl...): under meson's _FILE_OFFSET_BITS=64 the
 * headers would turn them into their *64 twins. */
#undef _FILE_OFFSET_BITS
#include <mqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <termios.h>
#include "engine.h"
#include "probe.h"
#include "protos.h"
#include "table.h"

/* Resources: each set up either to block the call for good or to let it complete. */
enum setup {
	S_PIPE_IN,   /* read end of a pipe: empty, or 4 bytes */
	S_PIPE_OUT,  /* write end of a pipe: full, or empty */
	S_SOCK_IN,   /* a stream socketpair end: empty, or 4 bytes */
	S_SOCK_OUT,  /* a stream socketpair end: its peer's buffer full, or empty */
	S_LISTEN,    /* a listening TCP socket: no client, or one */
	S_CONNECT,   /* a UNIX listener: backlog full, or room */
	S_SEEK_IN,   /* /dev/kmsg at its end (root only), or a file of 4 bytes */
	S_SEEK_OUT,  /* nothing blocks a positioned write: a file either way */
	S_EPOLL,     /* epoll set over S_PIPE_IN */
	S_TIME,      /* sleeps: long, or short */
	S_SIGNAL,    /* SIGUSR1 blocked with a handler: not sent, or pending */
	S_CHILD,     /* a child: waiting on a pipe we hold, or exited with status 7 */
	S_LOCK,      /* a file: locked through another open file description, or free */
	S_FIFO,      /* a FIFO with nobody at the other end, or a regular file */
	S_MSG_IN,    /* a System V queue: empty, or one message */
	S_MSG_OUT,   /* a System V queue: full, or empty */
	S_SEM,       /* a System V semaphore: 0, or 1 */
	S_MQ_IN,     /* a POSIX queue: empty, or one message */
	S_MQ_OUT,    /* a POSIX queue: full, or empty */
	S_TTY,       /* a pseudo-terminal: never blocks tcdrain */
};

struct res {
	int block;
	int fd[2];
	int fd2;
	int ep;
	pid_t child;
	int cpipe[2];
	int msq, sem;
	mqd_t mq;
	char dir[64], path[128];
	struct sockaddr_un sa;
	socklen_t salen;
};

extern volatile sig_atomic_t got_usr1, got_alrm; /* the program's handlers ran */
int setup(struct res *r, enum setup s, int block); /* -1: nothing blocks it here */
void teardown(struct res *r);

#define ANY (-1000000)   /* ready: any result >= 0 */
#define CHILD (-1000001) /* ready: the child's pid */

/* A case: how to make the call, on which resource, and its result when that is ready. */
struct kase {
	const char *name;
	enum setup setup;
	long (*call)(struct res *);
	long ready;
};
extern const struct kase cases[];
extern const size_t ncases;
const struct kase *find_case(const char *name);
void scen_extra(const char *name); /* extra.c: glibc behaviours beyond the result */

#endif
