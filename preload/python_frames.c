/* What a stopped Python thread's frames and state say, for python.c: whether its lock wait
 * can fail at once (the False acquire() returns is never seen), whether the main thread
 * is still in the program, and whether another thread's state carries its id.  Every
 * function runs in the stopped thread with the GIL held. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include "python_api.h"

/* Outside the main thread CPython retries an interrupted lock wait (only the main thread
 * runs pending calls), so there a stop fails the wait as a timeout: acquire() returns
 * False and the armed exception is raised as the CALL instruction that called it ends,
 * before Python code can see the False.  Only where that is so: the innermost frame is
 * at a CALL, and the semaphore is that of a Lock or RLock found in the frame's locals,
 * in the instance attributes of one of them (self._lock) or in its globals, whose
 * semaphore only acquire() waits on.  Anything else -- a wait of CPython's own, `with
 * lock:` (whose __exit__ would release a lock it does not hold) -- is retried, and the
 * exception comes once the lock is acquired.  GIL held. */
static unsigned char call_op[256];
static int call_ops; /* 1: call_op built from opcode.opname; -1: cannot be */
static PyObject *lock_type, *rlock_type, *dict_name;

static int call_table(void)
{
	PyObject *m, *names, *mods, *th;
	long n;
	if (call_ops)
		return call_ops > 0;
	call_ops = -1;
	mods = py.Import_GetModuleDict();
	th = mods ? py.Dict_GetItemString(mods, "_thread") : 0;
	if (!th || !(lock_type = py.GetAttrString(th, "LockType")) || !(rlock_type = py.GetAttrString(th, "RLock")) ||
	    !(dict_name = py.Unicode_InternFromString("__dict__")) || !(m = py.Import_ImportModule("opcode")))
		return 0;
	names = py.GetAttrString(m, "opname");
	decref(m);
	if (!names || (n = py.List_Size(names)) < 0) {
		decref(names);
		return 0;
	}
	/* CALL_FUNCTION*, CALL_METHOD (3.8 to 3.10), PRECALL (3.11), CALL, CALL_KW: each
	 * checks for an asynchronous exception as it ends.  Not CALL_FINALLY or the
	 * intrinsics, which call no Python-visible function. */
	for (long i = 0; i < n && i < 256; i++) {
		const char *o = py.Unicode_AsUTF8(py.List_GetItem(names, i));
		call_op[i] = o && (!strncmp(o, "CALL", 4) || !strcmp(o, "PRECALL")) && strcmp(o, "CALL_FINALLY") &&
			     strncmp(o, "CALL_INTRINSIC", 14);
	}
	decref(names);
	call_ops = 1;
	return 1;
}

static int at_call(PyObject *frame)
{
	PyObject *lasti = py.GetAttrString(frame, "f_lasti"), *code = 0, *bytes = 0;
	long at = lasti ? py.Long_AsLong(lasti) : -1, n;
	int r = 0;
	if (at >= 0 && (code = py.GetAttrString(frame, "f_code")) && (bytes = py.GetAttrString(code, "co_code")) &&
	    (n = py.Bytes_Size(bytes)) > at)
		r = call_op[(unsigned char)py.Bytes_AsString(bytes)[at]];
	decref(bytes);
	decref(code);
	decref(lasti);
	return r;
}

/* o is a Lock or RLock whose semaphore is sem: both keep their PyThread_type_lock (a
 * sem_t * with POSIX semaphores, 3.8 to 3.13) right after the object header. */
static int lock_on(PyObject *o, sem_t *sem)
{
	PyObject *type = *(PyObject **)((char *)o + sizeof(long));
	return (type == lock_type || type == rlock_type) && *(sem_t **)((char *)o + 2 * sizeof(void *)) == sem;
}

/* A value of the mapping (and, deep, of each value's __dict__) is a lock on sem. */
static int holds_lock(PyObject *map, sem_t *sem, int deep)
{
	PyObject *vals = map ? py.Mapping_Values(map) : 0, *d;
	long n = vals ? py.List_Size(vals) : -1;
	int r = 0;
	for (long i = 0; i < n && !r; i++) {
		PyObject *v = py.List_GetItem(vals, i);
		r = lock_on(v, sem);
		/* the generic lookup: no __getattr__ or __getattribute__ of the program runs */
		if (!r && deep && (d = py.GenericGetAttr(v, dict_name))) {
			r = holds_lock(d, sem, 0);
			decref(d);
		}
		py.Err_Clear();
	}
	decref(vals);
	py.Err_Clear();
	return r;
}

int ts_py_fail_at_call(sem_t *sem)
{
	PyObject *frame = py.Eval_GetFrame(), *locals, *globals;
	int r;
	if (!ts_py_have_scan || !frame || !call_table() || !at_call(frame))
		return 0;
	locals = py.GetAttrString(frame, "f_locals");
	r = holds_lock(locals, sem, 1);
	decref(locals);
	if (!r) {
		globals = py.GetAttrString(frame, "f_globals");
		r = holds_lock(globals, sem, 0);
		decref(globals);
	}
	py.Err_Clear();
	return r;
}

/* The main thread is still in the program: a frame of module __main__ is on its stack
 * (not so in threading._shutdown or atexit, run after the program).  GIL held. */
int ts_py_in_program(void)
{
	PyObject *mods = py.Import_GetModuleDict(), *m = mods ? py.Dict_GetItemString(mods, "__main__") : 0;
	PyObject *d = m ? py.GetAttrString(m, "__dict__") : 0, *f = py.Eval_GetFrame(), *g, *back;
	int r = 0;
	if (f)
		py.IncRef(f);
	while (d && f && !r) {
		g = py.GetAttrString(f, "f_globals");
		r = g == d;
		decref(g);
		back = py.GetAttrString(f, "f_back");
		decref(f);
		f = back == py.None ? (decref(back), (PyObject *)0) : back;
	}
	decref(f);
	decref(d);
	py.Err_Clear();
	return r;
}

/* PyThreadState_SetAsyncExc finds a thread by its id, the first state in the list (the
 * newest first) with it.  3.8 to 3.11 give the state of a thread being started its
 * creator's id until the new thread runs, so a stop of a thread just after it started
 * another (Thread.start() waits for it) would raise in the new thread.  This thread's
 * state is shadowed so, until the new one takes its own id.  The id's place in the
 * state is found in this thread's own (the word equal to its pthread_t).  GIL held. */
int ts_py_shadowed(void)
{
	char *me = py.GILState_GetThisThreadState(), *ts;
	unsigned long id = (unsigned long)pthread_self();
	size_t at = 0;
	if (!ts_py_have_list || !me)
		return 0;
	while (at < 64 && *(unsigned long *)(me + at * sizeof(long)) != id)
		at++;
	if (at == 64)
		return 0;
	for (ts = py.InterpreterState_ThreadHead(py.InterpreterState_Head()); ts && ts != me; ts = py.ThreadState_Next(ts))
		if (*(unsigned long *)(ts + at * sizeof(long)) == id)
			return 1;
	return 0;
}
