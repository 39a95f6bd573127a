/* The cancellation windows, found from a PC (window.h). */
#define _GNU_SOURCE
#include "window.h"

#ifdef TS_ARCH_CP_INLINE
/* The linker's bounds of the section the inlined windows record themselves in. */
extern const struct ts_cp_window __start_ts_cp_windows[] TS_HIDDEN, __stop_ts_cp_windows[] TS_HIDDEN;
#endif

#ifdef TS_ARCH_CP_INLINE
static uintptr_t at(const int32_t *field)
{
	return (uintptr_t)field + (uintptr_t)(intptr_t)*field;
}

/* The records are in link order, which is address order unless the linker placed some
 * function's section before another's (.text.unlikely, .text.startup): checked once, in
 * the handler (reads only), then a binary search, else a scan. */
static int sorted = -1;

static int windows_sorted(void)
{
	int s = __atomic_load_n(&sorted, __ATOMIC_RELAXED);
	if (s < 0) {
		s = 1;
		for (const struct ts_cp_window *w = __start_ts_cp_windows + 1; w < __stop_ts_cp_windows; w++)
			if (at(&w->begin) < at(&w[-1].end))
				s = 0;
		__atomic_store_n(&sorted, s, __ATOMIC_RELAXED);
	}
	return s;
}
#endif

#ifdef TS_ARCH_CP_INLINE
/* The inlined window whose [begin, end] holds pc, or 0. */
static const struct ts_cp_window *window_of(uintptr_t pc)
{
	const struct ts_cp_window *lo = __start_ts_cp_windows, *hi = __stop_ts_cp_windows, *w;
	if (windows_sorted()) {
		while (hi - lo > 1) { /* the last record that begins at or before pc */
			w = lo + (hi - lo) / 2;
			if (at(&w->begin) <= pc)
				lo = w;
			else
				hi = w;
		}
		hi = lo < __stop_ts_cp_windows ? lo + 1 : lo;
	}
	for (w = lo; w < hi; w++)
		if (pc >= at(&w->begin) && pc <= at(&w->end))
			return w;
	return 0;
}
#endif

uintptr_t ts_cp_window_cancel(uintptr_t pc)
{
	if (pc >= (uintptr_t)ts_cp_begin && pc < (uintptr_t)ts_cp_end)
		return (uintptr_t)ts_cp_cancel;
#ifdef TS_ARCH_CP_INLINE
	const struct ts_cp_window *w = window_of(pc);
	if (w && pc < at(&w->end))
		return at(&w->cancel);
#endif
	return 0;
}

uintptr_t ts_cp_window_at_end(uintptr_t pc)
{
	if (pc == (uintptr_t)ts_cp_end)
		return (uintptr_t)ts_cp_cancel;
#ifdef TS_ARCH_CP_INLINE
	const struct ts_cp_window *w = window_of(pc);
	if (w && pc == at(&w->end))
		return at(&w->cancel);
#endif
	return 0;
}

int ts_cp_window_at_syscall(uintptr_t pc)
{
	if (pc == (uintptr_t)ts_cp_syscall)
		return 1;
#ifdef TS_ARCH_CP_INLINE
	const struct ts_cp_window *w = window_of(pc);
	if (w && pc == at(&w->sys))
		return 1;
#endif
	return 0;
}
