/* CPython's main-thread check, answered for a stopped lock wait it retries.
 *
 * Outside the main thread CPython retries an interrupted lock wait (acquire_timed; 3.13's
 * _PyMutex_LockTimed) after Py_MakePendingCalls(), which runs pending calls, and makes
 * the call fail when one fails, in the main thread only: it asks
 * PyThread_get_thread_ident(), that is pthread_self().  For a wait fail_at_call cannot
 * fail (`with lock:`, whose __exit__ would release a lock not held), ts_py_spoof holds
 * the armed kind while the wait returns EINTR; the thread's pthread_self(), called with
 * the GIL held, then answers the main thread's id and queues raise_spoofed, which that
 * same Py_MakePendingCalls runs: the call fails before a `with` block is entered.  The
 * window is bounded: SPOOF_ANSWERS answers, and over at the thread's next semaphore wait
 * (a wait that is not CPython's retry loop: sem_stopped arms the exception as an
 * asynchronous one instead, raised when that wait ends).  A Python signal handler due in
 * that instant would run in this thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include "calls.h"
#include "python.h"
#include "python_api.h"

#define SPOOF_ANSWERS 8
__thread char ts_py_spoof __attribute__((tls_model("initial-exec")));
static __thread char spoof_left __attribute__((tls_model("initial-exec")));
static __thread char spoof_queued __attribute__((tls_model("initial-exec")));
static unsigned long main_ident; /* threading.main_thread().ident, read at each arming */

static int raise_spoofed(void *unused)
{
	int k = ts_py_spoof;
	if (!k)
		return 0; /* run by the main thread, or this thread's wait went on (sem_stopped) */
	ts_py_spoof = 0;
	py.Err_SetNone(ts_py_armed_class(k & 3));
	return -1;
}

static __attribute__((noinline, cold)) pthread_t spoofed_self(void)
{
	int k = ts_py_spoof;
	pthread_t r;
	ts_py_spoof = 0; /* (no re-entry: CPython's own calls below see the truth) */
	if (!py.GILState_Check()) {
		ts_py_spoof = k;
		return REAL(pthread_self)();
	}
	spoof_left--;
	r = (pthread_t)main_ident;
	if (!spoof_queued) {
		spoof_queued = 1;
		if (py.AddPendingCall(raise_spoofed, 0) != 0)
			spoof_left = 0, r = REAL(pthread_self)();
	}
	ts_py_spoof = k;
	return r;
}

/* (ThreadSanitizer's runtime calls it as a thread starts, before the thread is its own:
 * TS_NO_TSAN) */
TS_NO_TSAN TS_EXPORT pthread_t pthread_self(void)
{
	if (unlikely(ts_py_spoof) && spoof_left)
		return spoofed_self();
	return REAL(pthread_self)();
}

int ts_py_read_main_ident(void)
{
	PyObject *mods = py.Import_GetModuleDict(), *th = mods ? py.Dict_GetItemString(mods, "threading") : 0;
	PyObject *fn = th && py.Long_AsLong ? py.GetAttrString(th, "main_thread") : 0;
	PyObject *m = fn ? py.Object_CallFunctionObjArgs(fn, (PyObject *)0) : 0, *id = m ? py.GetAttrString(m, "ident") : 0;
	long v = id ? py.Long_AsLong(id) : 0;
	decref(id);
	decref(m);
	decref(fn);
	py.Err_Clear();
	main_ident = (unsigned long)v;
	return v != 0 && v != -1;
}

void ts_py_spoof_open(int kind)
{
	spoof_left = SPOOF_ANSWERS;
	spoof_queued = 0;
	ts_py_spoof = kind;
}
