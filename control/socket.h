/* The control socket's file and descriptors (control/socket.c): the directory it lives
 * in, <dir>/<pid>.sock, and descriptors placed just under the limit, checked by identity
 * so that the shim never closes a descriptor the program took. */
#ifndef TS_CONTROL_SOCKET_H
#define TS_CONTROL_SOCKET_H

#include <sys/stat.h>
#include <sys/syscall.h>
#include "client.h"
#include "ts.h"

#define TS_MAX_CLIENTS 16

extern struct ts_sock {
	char dirs[2][TSC_PATH_MAX];
	int ndirs;
	char path[TSC_PATH_MAX];
	dev_t path_dev;         /* the socket file we bound: removed at exit if still there */
	ino_t path_ino;
	int lfd;                /* the listening socket, or -1 */
} ts_sock TS_HIDDEN;

void ts_socket_dirs(void) TS_HIDDEN;          /* from the environment, at start-up */
int ts_socket_open(void) TS_HIDDEN;           /* 0, or -1: no directory would do */
void ts_socket_unlink(void) TS_HIDDEN;

static inline long ts_close_raw(int fd)
{
	return ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

#endif
