/* The control socket's file and descriptors.  The socket is <dir>/<pid>.sock in the
 * first usable directory ($THREADSTOP_DIR, else $XDG_RUNTIME_DIR/threadstop, then
 * /tmp/threadstop-<euid>).  Its descriptors live in the listener's own descriptor table
 * (listener.c), never in the program's.  Raw system calls only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include "socket.h"

struct ts_sock ts_sock = { .lfd = -1 };

/* The directory, created 0700 if missing; used only if it is a real directory (not a
 * symlink) owned by us and writable by no one else. */
static int safe_dir(const char *dir)
{
	struct stat st;
	long e = ts_sys(SYS_mkdir, (long)dir, 0700, 0, 0, 0, 0);
	if (e < 0 && e != -EEXIST)
		return -1;
	if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)dir, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -1;
	return 0;
}

/* Unlink the socket file we bound, if it is still that one. */
void ts_socket_unlink(void)
{
	struct stat st;
	if (!ts_sock.path_ino)
		return;
	if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)ts_sock.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) == 0 &&
	    st.st_dev == ts_sock.path_dev && st.st_ino == ts_sock.path_ino)
		ts_sys(SYS_unlink, (long)ts_sock.path, 0, 0, 0, 0, 0);
	ts_sock.path_ino = 0;
}

/* Create, bind and listen on <dir>/<pid>.sock, replacing a stale one.  The listener's lock held. */
int ts_socket_open(void)
{
	struct sockaddr_un sa;
	struct stat st;
	int i, fd, pid = (int)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);

	for (i = 0; i < ts_sock.ndirs; i++) {
		int n;
		if (safe_dir(ts_sock.dirs[i]))
			continue;
		n = snprintf(ts_sock.path, sizeof ts_sock.path, "%s/%d.sock", ts_sock.dirs[i], pid);
		if (n < 0 || (size_t)n >= sizeof ts_sock.path)
			continue;
		fd = (int)ts_sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0, 0, 0);
		if (fd < 0)
			return -1;
		/* A leftover of an earlier process with our pid (or of our image before exec). */
		if (ts_sys(SYS_newfstatat, AT_FDCWD, (long)ts_sock.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) == 0 &&
		    S_ISSOCK(st.st_mode))
			ts_sys(SYS_unlink, (long)ts_sock.path, 0, 0, 0, 0, 0);
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, ts_sock.path, (size_t)n + 1);
		if (ts_sys(SYS_bind, fd, (long)&sa, sizeof sa, 0, 0, 0) < 0 ||
		    ts_sys(SYS_chmod, (long)ts_sock.path, 0600, 0, 0, 0, 0) < 0 ||
		    ts_sys(SYS_newfstatat, AT_FDCWD, (long)ts_sock.path, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) < 0 ||
		    ts_sys(SYS_listen, fd, TS_MAX_CLIENTS, 0, 0, 0, 0) < 0) {
			ts_close_raw(fd);
			continue;
		}
		ts_sock.path_dev = st.st_dev;
		ts_sock.path_ino = st.st_ino;
		ts_sock.lfd = fd;
		return 0;
	}
	ts_sock.path[0] = 0;
	return -1;
}

/* The candidate directories, as the client looks for them (tsc_dir). */
void ts_socket_dirs(void)
{
	const char *tsdir = getenv("THREADSTOP_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	for (int i = 0; i < 2; i++)
		if (!tsc_dir(i, tsdir, xdg, geteuid(), ts_sock.dirs[ts_sock.ndirs], sizeof ts_sock.dirs[0]))
			ts_sock.ndirs++;
}
