/* fortified: built with -O2 -D_FORTIFY_SOURCE=2, so that its read, pread, recv,
 * recvfrom, poll, ppoll and open calls are glibc's checking variants (__read_chk,
 * __open_2...), as in a distribution's hardened binaries.  Run under the shim by
 * tests/cover/test_cover.c (engine.c runs the stops):
 *   fortified stop NAME    a thread blocked in NAME is stopped: ECANCELED
 *   fortified ready NAME   with no stop NAME returns what glibc's does */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS /* the plain names: __pread_chk and __open_2, not their *64 twins */
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include "engine.h"
#include "table.h"

#if !defined(_FORTIFY_SOURCE) || _FORTIFY_SOURCE < 2 || !defined(__OPTIMIZE__)
#error "build with -O2 -D_FORTIFY_SOURCE=2"
#endif

/* Sizes the compiler cannot see through, or it would call the plain function. */
static volatile size_t want = 64;
static volatile nfds_t one = 1;
static volatile int rdonly = O_RDONLY;

struct res {
	int block, fd[2];
	char dir[64], path[128];
};

static long ret_of(long r) { return r < 0 ? -errno : r; }

static long c_read_chk(struct res *r) { char b[64]; return ret_of(read(r->fd[0], b, want)); }
static long c_pread_chk(struct res *r) { char b[8192]; long n; do n = ret_of(pread(r->fd[0], b, want * 128, 0)); while (r->block && n > 0); return n; }
static long c_pread64_chk(struct res *r) { char b[8192]; long n; do n = ret_of(pread64(r->fd[0], b, want * 128, 0)); while (r->block && n > 0); return n; }
static long c_recv_chk(struct res *r) { char b[64]; return ret_of(recv(r->fd[0], b, want, 0)); }
static long c_recvfrom_chk(struct res *r) { char b[64]; return ret_of(recvfrom(r->fd[0], b, want, 0, 0, 0)); }
static long c_poll_chk(struct res *r) { struct pollfd p[1] = { { r->fd[0], POLLIN, 0 } }; return ret_of(poll(p, one, -1)); }
static long c_ppoll_chk(struct res *r) { struct pollfd p[1] = { { r->fd[0], POLLIN, 0 } }; return ret_of(ppoll(p, one, 0, 0)); }
#define OPENED(expr) ({ long fd_ = ret_of(expr); if (fd_ >= 0) close((int)fd_); fd_ < 0 ? fd_ : 0; })
static long c_open_2(struct res *r) { return OPENED(open(r->path, rdonly)); }
static long c_open64_2(struct res *r) { return OPENED(open64(r->path, rdonly)); }
static long c_openat_2(struct res *r) { return OPENED(openat(AT_FDCWD, r->path, rdonly)); }
static long c_openat64_2(struct res *r) { return OPENED(openat64(AT_FDCWD, r->path, rdonly)); }

enum setup { PIPE, SOCK, SEEK, FIFO };
static const struct kase {
	const char *name;
	enum setup setup;
	long (*call)(struct res *);
	long ready;
} cases[] = {
	{ "__read_chk", PIPE, c_read_chk, 4 },
	{ "__pread_chk", SEEK, c_pread_chk, 4 },
	{ "__pread64_chk", SEEK, c_pread64_chk, 4 },
	{ "__recv_chk", SOCK, c_recv_chk, 4 },
	{ "__recvfrom_chk", SOCK, c_recvfrom_chk, 4 },
	{ "__poll_chk", PIPE, c_poll_chk, 1 },
	{ "__ppoll_chk", PIPE, c_ppoll_chk, 1 },
	{ "__open_2", FIFO, c_open_2, 0 },
	{ "__open64_2", FIFO, c_open64_2, 0 },
	{ "__openat_2", FIFO, c_openat_2, 0 },
	{ "__openat64_2", FIFO, c_openat64_2, 0 },
};

static int setup(struct res *r, enum setup s, int block)
{
	memset(r, 0, sizeof *r);
	r->block = block;
	r->fd[0] = r->fd[1] = -1;
	snprintf(r->dir, sizeof r->dir, "/tmp/tsfort.XXXXXX");
	if (!mkdtemp(r->dir))
		die("mkdtemp");
	snprintf(r->path, sizeof r->path, "%s/f", r->dir);
	switch (s) {
	case PIPE:
	case SOCK:
		if (s == PIPE ? pipe(r->fd) : socketpair(AF_UNIX, SOCK_STREAM, 0, r->fd))
			die("pipe");
		if (!block && syscall(SYS_write, r->fd[1], "data", 4) != 4)
			die("write");
		break;
	case SEEK:
		if (block) { /* the one seekable file a read waits on; root only */
			r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, "/dev/kmsg", O_RDONLY, 0);
			if (r->fd[0] < 0)
				return -1;
			lseek(r->fd[0], 0, SEEK_END);
			break;
		}
		r->fd[0] = (int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600);
		if (r->fd[0] < 0 || syscall(SYS_write, r->fd[0], "data", 4) != 4)
			die("file");
		break;
	case FIFO:
		if (block ? mkfifo(r->path, 0600) : close((int)syscall(SYS_openat, AT_FDCWD, r->path, O_RDWR | O_CREAT, 0600)))
			die("mkfifo");
		break;
	}
	return 0;
}

static void teardown(struct res *r)
{
	unlink(r->path);
	rmdir(r->dir);
}

static void scen_stop(const struct kase *k)
{
	const struct table_entry *e = table_find(k->name);
	struct tcall t = { k->name, k->call, k->ready, e && e->policy == TS_P_LATE, 0 };
	struct res r;
	if (setup(&r, k->setup, 1) == 0) {
		engine_stop_blocked(&t, &r);
		teardown(&r);
	} else {
		printf("ok: %s: no resource blocks it here: checked with a stop before the call\n", k->name);
	}
	setup(&r, k->setup, 0);
	t.file = e && e->policy == TS_P_IO && k->setup == SEEK; /* a regular file when ready */
	engine_prestop(&t, &r);
	teardown(&r);
}

static void scen_ready(const struct kase *k)
{
	struct res r;
	long ret;
	setup(&r, k->setup, 0);
	errno = 4242;
	ret = k->call(&r);
	check(ret == k->ready, "%s: %s (glibc: %s)", k->name, err(ret), err(k->ready));
	check(errno == 4242, "%s: errno untouched on success", k->name);
	teardown(&r);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "", *name = argc > 2 ? argv[2] : "";
	signal(SIGPIPE, SIG_IGN);
	bind_api();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(cases[i].name, name))
			continue;
		if (!strcmp(s, "stop"))
			scen_stop(&cases[i]);
		else if (!strcmp(s, "ready"))
			scen_ready(&cases[i]);
		else
			break;
		return failed;
	}
	fprintf(stderr, "usage: fortified stop|ready NAME\n");
	return 2;
}
