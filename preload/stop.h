/* The stopper side of a stop (stop.c): mark the token, one barrier, then wake the target
 * where it waits (signal, broadcast, or both again until it has left that wait). */
#ifndef TS_STOP_H
#define TS_STOP_H

#include "registry.h"

void ts_stop_init(void) TS_HIDDEN;
/* A seccomp filter watches the process: the shim makes no system call a glibc program
 * would not (no membarrier); the control plane may want to do without its socket. */
int ts_seccomp_filtered(void) TS_HIDDEN;
int ts_mark(struct ts_thread *t, unsigned bits) TS_HIDDEN;  /* registry locked */
void ts_barrier(void) TS_HIDDEN;
/* Registry locked.  Nonzero: repeat (ts_kick_more); TS_KICK_REFUSED: the signal was
 * refused (seccomp), the thread stays blocked. */
int ts_kick(struct ts_thread *t, unsigned bits) TS_HIDDEN;
#define TS_KICK_REFUSED (-1)
void ts_kick_more(pid_t tid, unsigned bits, unsigned seq) TS_HIDDEN;
/* flags: TS_FORCE or 0; ok[i]: 0 not found, 1 stopped, TS_STOP_UNDELIVERED (stop.c) */
#define TS_STOP_UNDELIVERED 3
int ts_stop_tids(const pid_t *tids, int n, unsigned flags, unsigned char *ok) TS_HIDDEN;

#endif
