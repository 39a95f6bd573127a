/* The constructor: bind the real functions, install the cancel signal, register the
 * loading thread (normally main), open the control socket. */
#define _GNU_SOURCE
#include <unistd.h>
#include "ts.h"
#include "python.h"

__attribute__((constructor)) static void ts_init(void)
{
	ts_log_init();
	ts_bind();
	ts_signal_init();
	ts_cancel_init();
	ts_token_init();
	ts_join_init();
	ts_py_init();
	ts_control_init();
	ts_debug("threadstop: loaded in pid %d; cancel signal %d\n", (int)getpid(), ts_signal);
}
