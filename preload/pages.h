/* Memory for code that must not call malloc: the listener runs in a thread glibc does not
 * know (control/rawthread.c), and stoppers run there too.  Whole pages from mmap,
 * zeroed, reserved rather than committed until written.  0 when out of memory. */
#ifndef TS_PAGES_H
#define TS_PAGES_H

#include <sys/mman.h>
#include <sys/syscall.h>
#include "ts.h"

static inline void *ts_pages(size_t n)
{
	long p = ts_sys(SYS_mmap, 0, (long)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p < 0 && p > -4096 ? 0 : (void *)p;
}

static inline void ts_pages_free(void *p, size_t n)
{
	if (p)
		ts_sys(SYS_munmap, (long)p, (long)n, 0, 0, 0, 0);
}

#endif
