/* The control socket (control/socket.c): an abstract unix socket, threadstop.<pid>, in
 * the listener's own descriptor table. */
#ifndef TS_CONTROL_SOCKET_H
#define TS_CONTROL_SOCKET_H

#include <sys/syscall.h>
#include "client.h"
#include "ts.h"

#define TS_MAX_CLIENTS 16
#define TS_BACKLOG 64          /* connections queued before the listener takes them */

extern struct ts_sock {
	int lfd;                /* the listening socket, or -1 */
	char name[TSC_PATH_MAX];
} ts_sock TS_HIDDEN;

int ts_socket_open(void) TS_HIDDEN;  /* 0, or -errno */

static inline long ts_close_raw(int fd)
{
	return ts_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

#endif
