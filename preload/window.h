/* The cancellation windows (window.c): the out-of-line one of ts_syscall_cp and, where
 * the port inlines the window into the wrappers (arch.h, TS_ARCH_CP_INLINE), every
 * inlined copy, found from a PC.  For the signal handlers (cancel.c, sigvirt.c):
 * async-signal-safe, reads only. */
#ifndef TS_WINDOW_H
#define TS_WINDOW_H

#include "ts.h"

/* pc is inside a window (before its system call completed): that window's cancel exit,
 * or 0. */
uintptr_t ts_cp_window_cancel(uintptr_t pc) TS_HIDDEN;
/* pc is a window's end (its system call completed): that window's cancel exit, or 0. */
uintptr_t ts_cp_window_at_end(uintptr_t pc) TS_HIDDEN;
/* pc is a window's system call instruction (ts_cp_syscall or an inlined one's). */
int ts_cp_window_at_syscall(uintptr_t pc) TS_HIDDEN;

#endif
