/* The shim's only output: one line at a time with write(2) to stderr.  ts_log() is for
 * errors the user must see; ts_debug() (log.h) calls it only when THREADSTOP_DEBUG is set. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "log.h"

int ts_debug_on;

void ts_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	ts_sys(SYS_write, 2, (long)buf, n, 0, 0, 0);
}

void ts_log_init(void)
{
	const char *e = getenv("THREADSTOP_DEBUG");
	ts_debug_on = e && *e && *e != '0';
}
