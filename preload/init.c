/* The constructor: bind the real functions, choose the cancel signal and install its
 * handler over what the program had, register the loading thread (normally main), list
 * the locks for fork, open the control socket. */
#define _GNU_SOURCE
#include <unistd.h>
#include "calls.h"
#include "cancel.h"
#include "force.h"
#include "fork.h"
#include "log.h"
#include "registry.h"
#include "server.h"
#include "send.h"
#include "sigvirt.h"
#include "stop.h"
#include "python.h"

__attribute__((constructor)) static void ts_init(void)
{
	ts_log_init();
	ts_bind();
	ts_signal_init();
	ts_sigvirt_init();
	ts_cancel_init();
	ts_stop_init();
	ts_force_init(); /* before the first thread registers */
	ts_registry_init();
	ts_join_init();
	ts_py_init();
	ts_fork_init();
	ts_control_init();
	ts_debug("threadstop: loaded in pid %d; cancel signal %d\n", (int)getpid(), ts_signal);
}
