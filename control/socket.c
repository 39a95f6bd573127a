/* The control socket: an abstract unix socket named threadstop.<pid> (client.c,
 * tsc_name), so that no file exists for it, and it is gone with the process whatever the
 * end (exit, _exit, SIGKILL, exec).  Anyone may bind an abstract name: clients check
 * that whoever listens is the process they asked for (SO_PEERCRED), and if someone took
 * our name first, the next names are tried.  Its descriptors live in the listener's own
 * table (listener.c), never in the program's.  Raw system calls only. */
#define _GNU_SOURCE
#include <stddef.h>
#include <string.h>
#include <sys/un.h>
#include "log.h"
#include "socket.h"

struct ts_sock ts_sock = { .lfd = -1 };

int ts_socket_open(void)
{
	struct sockaddr_un sa;
	int k, pid = (int)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);

	for (k = 0; k <= TSC_NAME_ALT; k++) {
		int n = tsc_name(pid, k, ts_sock.name, sizeof ts_sock.name);
		long fd, e;
		if (n < 0)
			return -ENAMETOOLONG;
		fd = ts_sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0, 0, 0);
		if (fd < 0)
			return (int)fd;
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path + 1, ts_sock.name, (size_t)n);
		e = ts_sys(SYS_bind, fd, (long)&sa, (long)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n), 0, 0, 0);
		if (e == 0)
			e = ts_sys(SYS_listen, fd, TS_BACKLOG, 0, 0, 0, 0);
		if (e == 0) {
			ts_sock.lfd = (int)fd;
			return 0;
		}
		ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
		if (e != -EADDRINUSE)
			return (int)e;
		ts_debug("threadstop: the abstract name @%s is taken by another process\n", ts_sock.name);
	}
	return -EADDRINUSE;
}
