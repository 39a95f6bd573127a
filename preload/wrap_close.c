/* Interposed descriptor calls that can take the control socket away: daemons close every
 * descriptor, programs dup2 over whatever number they like.  The call runs as it would;
 * if it touched the shim's range (the highest numbers, see control/socket.c) the
 * listener is woken to check its descriptors and make a new socket.  One compare on the
 * fast path. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <unistd.h>
#include "calls.h"
#include "server.h"

TS_EXPORT int close(int fd)
{
	int r = REAL(close)(fd);
	if (unlikely(fd >= ts_ctl_fd_floor))
		ts_control_poke();
	return r;
}

TS_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	int r = REAL(close_range)(first, last, flags);
	if (unlikely(last >= (unsigned)ts_ctl_fd_floor))
		ts_control_poke();
	return r;
}

TS_EXPORT void closefrom(int lowfd)
{
	REAL(closefrom)(lowfd);
	if (ts_ctl_fd_floor != INT_MAX)
		ts_control_poke();
}

TS_EXPORT int dup2(int old, int fd)
{
	int r = REAL(dup2)(old, fd);
	if (unlikely(fd >= ts_ctl_fd_floor))
		ts_control_poke();
	return r;
}

TS_EXPORT int dup3(int old, int fd, int flags)
{
	int r = REAL(dup3)(old, fd, flags);
	if (unlikely(fd >= ts_ctl_fd_floor))
		ts_control_poke();
	return r;
}
