/* say(): see say.h. */
#include <stdarg.h>
#include <stdio.h>
#include "say.h"

void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
