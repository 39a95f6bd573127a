/* The stopper side of a stop (stop.c): mark the token, one barrier, then wake the target
 * where it waits (signal, broadcast, or both again until it has left that wait). */
#ifndef TS_STOP_H
#define TS_STOP_H

#include "registry.h"

void ts_stop_init(void) TS_HIDDEN;
int ts_mark(struct ts_thread *t, unsigned bits) TS_HIDDEN;  /* registry locked */
void ts_barrier(void) TS_HIDDEN;
int ts_kick(struct ts_thread *t, unsigned bits) TS_HIDDEN;  /* registry locked */
void ts_kick_more(pid_t tid, unsigned bits, unsigned seq) TS_HIDDEN;
#define TS_UNDELIVERED 3 /* ok[i] of ts_stop_tids: marked, but its call not interrupted */
/* flags: TS_FORCE or 0 */
int ts_stop_tids(const pid_t *tids, int n, unsigned flags, unsigned char *ok) TS_HIDDEN;

#endif
