/* The constructor: bind the real functions, install the cancel signal, register the
 * loading thread (normally main), open the control socket. */
#define _GNU_SOURCE
#include "ts.h"

__attribute__((constructor)) static void ts_init(void)
{
	ts_bind();
	ts_cancel_init();
	ts_token_init();
	ts_control_init();
}
