/* CPython integration (python.c): in a CPython process a stop becomes one Python
 * exception in the stopped thread, and a forced stop unwinds it instead of exiting it.
 * Every entry point here runs on a slow path (a stop pending) or at thread creation. */
#ifndef TS_PYTHON_H
#define TS_PYTHON_H

#include "registry.h"


/* Nonzero when the process is a CPython interpreter (its symbols were found at load). */
extern int ts_py_present TS_HIDDEN;
extern int ts_py_names TS_HIDDEN; /* and its threads get their Thread.name */
void ts_py_init(void) TS_HIDDEN;

/* The calling thread has a live Python thread state (slow path only). */
int ts_py_thread(void) TS_HIDDEN;

/* An interposed call of the calling thread is failed by its stop (returns r, -ECANCELED).
 * In a Python thread the stop is then consumed: CPython raises OSError for the failed
 * call and the exception carries the stop; a forced stop also arms threadstop.Forced. */
long ts_py_failed(struct ts_thread *t, long r) TS_HIDDEN;

/* A semaphore wait of a Python thread met a stop (pending at the start, or arrived
 * during the wait): arms the exception and returns the errno the wait must return
 * (EINTR or ETIMEDOUT: CPython's locks treat anything else as fatal or print it). */
int ts_py_sem_stopped(struct ts_thread *t, sem_t *sem, int timed) TS_HIDDEN;
/* A forced Python thread (t->py_reforce nonzero) raises Forced again at its later lock
 * waits, which take the slow path (ts_py_sem_due) with no stop in the token (0 returned
 * by ts_py_sem_stopped then means: wait), and at its later cancellable calls
 * (ts_block_slow): -ECANCELED, or 0 when the call goes on. */
long ts_py_reforce_call(struct ts_thread *t, int id, long arg) TS_HIDDEN;
/* Nonzero while a stopped lock wait of a thread other than the main one returns EINTR
 * to CPython's retry loop (python_spoof.c): a wait begun so takes the slow path. */
extern __thread char ts_py_spoof TS_HIDDEN __attribute__((tls_model("initial-exec")));
/* A semaphore wait of a Python thread with a nonzero token must be failed (slow path). */
int ts_py_sem_due(struct ts_thread *t, sem_t *sem) TS_HIDDEN;

/* pthread_create in a Python process: the name of the threading.Thread being started
 * (from the caller's frame, Thread.start), for the OS thread name.  0 when none.
 * (python_name.c; ts_py_name_init binds its symbols at load: -1 when some are missing.) */
int ts_py_thread_name(char name[16]) TS_HIDDEN;
int ts_py_name_init(void) TS_HIDDEN;

#endif
