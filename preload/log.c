/* The shim's only output: one line at a time with write(2) to stderr.  ts_debug() speaks
 * only when THREADSTOP_DEBUG is set; ts_log() is for errors the user must see. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "ts.h"

int ts_debug_on;

static void vlog(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	ts_sys(SYS_write, 2, (long)buf, n, 0, 0, 0);
}

void ts_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void ts_debug_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void ts_log_init(void)
{
	const char *e = getenv("THREADSTOP_DEBUG");
	ts_debug_on = e && *e && *e != '0';
}
