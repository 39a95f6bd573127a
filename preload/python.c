/* CPython integration: a stop of a Python thread becomes one Python exception in it.
 *
 * The interpreter is found at load time with dlsym(RTLD_DEFAULT): Debian's python3.11
 * exports its symbols from the executable, other builds from libpython; nothing is
 * linked.  A thread is a Python thread while it has a Python thread state.  For those:
 *  - a failed I/O call returns ECANCELED once: CPython raises OSError, and the stop is
 *    consumed (the thread's except and finally blocks run normally);
 *  - a failed lock wait (CPython's locks are POSIX semaphores) arms the exception
 *    (threadstop.Stopped, an OSError with errno ECANCELED) under the GIL, taken with
 *    PyGILState_Ensure in the stopped thread itself: in the main thread as a pending call,
 *    which CPython's lock retry loop runs and whose failure it raises (the wait returns
 *    EINTR); in other threads as an asynchronous exception, raised when the call
 *    returns to the eval loop, the wait returning as if timed out where acquire()'s
 *    False cannot be seen (fail_at_call), else EINTR, which CPython retries; an armed
 *    exception CPython drops as unraisable is armed again (unraisable);
 *  - condition waits (the GIL's) are never failed;
 *  - a forced stop raises threadstop.Forced (a BaseException) the same way, once, and
 *    never exits the thread with pthread_exit: CPython waits on locks of its own on the
 *    way out of a thread (excepthook, threading's bookkeeping, interpreter shutdown), so
 *    a Forced raised again there would break them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "calls.h"
#include "log.h"
#include "python.h"
#include "py_exc.h" /* ts_py_exc_src: python/threadstop/_exc.py, the exception classes */

typedef struct _object PyObject;
/* PyMethodDef: the functions the shim gives the interpreter (PyCFunction_NewEx) */
struct method_def {
	const char *name;
	PyObject *(*fn)(PyObject *, PyObject *);
	int flags;
	const char *doc;
};

static struct {
	int (*IsInitialized)(void);
	const char *(*GetVersion)(void);
	int (*IsFinalizing)(void);
	void *(*GILState_GetThisThreadState)(void);
	int (*GILState_Check)(void);
	int (*GILState_Ensure)(void);
	void (*GILState_Release)(int);
	int (*ThreadState_SetAsyncExc)(unsigned long, PyObject *);
	int (*AddPendingCall)(int (*)(void *), void *);
	void (*Err_SetNone)(PyObject *);
	void (*Err_Fetch)(PyObject **, PyObject **, PyObject **);
	void (*Err_Restore)(PyObject *, PyObject *, PyObject *);
	void (*Err_Clear)(void);
	PyObject *(*Eval_GetFrame)(void);
	PyObject *(*Eval_GetBuiltins)(void);
	PyObject *(*GetAttrString)(PyObject *, const char *);
	PyObject *(*Import_GetModuleDict)(void);
	PyObject *(*Dict_GetItemString)(PyObject *, const char *);
	int (*Dict_SetItemString)(PyObject *, const char *, PyObject *);
	PyObject *(*Run_StringFlags)(const char *, int, PyObject *, PyObject *, void *);
	PyObject *(*Module_New)(const char *);
	PyObject *(*Module_GetDict)(PyObject *);
	PyObject *(*Mapping_GetItemString)(PyObject *, const char *);
	const char *(*Unicode_AsUTF8)(PyObject *);
	int (*SetAttrString)(PyObject *, const char *, PyObject *);
	PyObject *(*CFunction_NewEx)(void *, PyObject *, PyObject *);
	PyObject *None;
	/* for fail_at_call: optional, a stop there falls back to a retried wait without them */
	PyObject *(*Import_ImportModule)(const char *);
	long (*Long_AsLong)(PyObject *);
	char *(*Bytes_AsString)(PyObject *);
	long (*Bytes_Size)(PyObject *);
	PyObject *(*Mapping_Values)(PyObject *);
	long (*List_Size)(PyObject *);
	PyObject *(*List_GetItem)(PyObject *, long);
	PyObject *(*GenericGetAttr)(PyObject *, PyObject *);
	PyObject *(*Unicode_InternFromString)(const char *);
	/* for the unraisable hook: optional */
	PyObject *(*Sys_GetObject)(const char *);
	int (*Sys_SetObject)(const char *, PyObject *);
	PyObject *(*Object_CallFunctionObjArgs)(PyObject *, ...);
	PyObject *True, *False;
	/* for shadowed: optional */
	void *(*InterpreterState_Head)(void);
	void *(*InterpreterState_ThreadHead)(void *);
	void *(*ThreadState_Next)(void *);
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
} py;

int ts_py_present;
int ts_py_names; /* give Python threads their Thread.name (THREADSTOP_PYTHON_NAMES=0: not) */
static PyObject *cls_stopped, *cls_forced; /* strong references, kept for ever */
static int have_scan, have_hook, have_list;
static PyObject *prev_unraisable; /* the program's sys.unraisablehook, when the shim's was set */

#define BIND(field, name) (*(void **)&py.field = dlsym(RTLD_DEFAULT, name))

void ts_py_init(void)
{
	if (!dlsym(RTLD_DEFAULT, "Py_IsInitialized") || !dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState"))
		return;
	int ok = BIND(IsInitialized, "Py_IsInitialized") && BIND(GetVersion, "Py_GetVersion") &&
		 BIND(GILState_GetThisThreadState, "PyGILState_GetThisThreadState") &&
		 BIND(GILState_Check, "PyGILState_Check") && BIND(GILState_Ensure, "PyGILState_Ensure") &&
		 BIND(GILState_Release, "PyGILState_Release") &&
		 BIND(ThreadState_SetAsyncExc, "PyThreadState_SetAsyncExc") &&
		 BIND(AddPendingCall, "Py_AddPendingCall") && BIND(Err_SetNone, "PyErr_SetNone") &&
		 BIND(Err_Fetch, "PyErr_Fetch") && BIND(Err_Restore, "PyErr_Restore") &&
		 BIND(Err_Clear, "PyErr_Clear") && BIND(Eval_GetFrame, "PyEval_GetFrame") &&
		 BIND(Eval_GetBuiltins, "PyEval_GetBuiltins") && BIND(GetAttrString, "PyObject_GetAttrString") &&
		 BIND(Import_GetModuleDict, "PyImport_GetModuleDict") &&
		 BIND(Dict_GetItemString, "PyDict_GetItemString") &&
		 BIND(Dict_SetItemString, "PyDict_SetItemString") &&
		 BIND(Run_StringFlags, "PyRun_StringFlags") && BIND(Module_New, "PyModule_New") &&
		 BIND(Module_GetDict, "PyModule_GetDict") &&
		 BIND(Mapping_GetItemString, "PyMapping_GetItemString") &&
		 BIND(Unicode_AsUTF8, "PyUnicode_AsUTF8") && BIND(DecRef, "Py_DecRef") &&
		 BIND(IncRef, "Py_IncRef") && BIND(SetAttrString, "PyObject_SetAttrString") &&
		 BIND(CFunction_NewEx, "PyCFunction_NewEx") && BIND(None, "_Py_NoneStruct");
	/* 3.8 to 3.12 export _Py_IsFinalizing, 3.13 Py_IsFinalizing. */
	if (!BIND(IsFinalizing, "Py_IsFinalizing"))
		BIND(IsFinalizing, "_Py_IsFinalizing");
	have_scan = BIND(Import_ImportModule, "PyImport_ImportModule") && BIND(Long_AsLong, "PyLong_AsLong") &&
		    BIND(Bytes_AsString, "PyBytes_AsString") && BIND(Bytes_Size, "PyBytes_Size") &&
		    BIND(Mapping_Values, "PyMapping_Values") && BIND(List_Size, "PyList_Size") &&
		    BIND(List_GetItem, "PyList_GetItem") && BIND(GenericGetAttr, "PyObject_GenericGetAttr") &&
		    BIND(Unicode_InternFromString, "PyUnicode_InternFromString");
	have_hook = BIND(Sys_GetObject, "PySys_GetObject") && BIND(Sys_SetObject, "PySys_SetObject") &&
		    BIND(Object_CallFunctionObjArgs, "PyObject_CallFunctionObjArgs") &&
		    BIND(True, "_Py_TrueStruct") && BIND(False, "_Py_FalseStruct");
	have_list = BIND(InterpreterState_Head, "PyInterpreterState_Head") &&
		    BIND(InterpreterState_ThreadHead, "PyInterpreterState_ThreadHead") &&
		    BIND(ThreadState_Next, "PyThreadState_Next");
	ts_py_present = ok;
	ts_py_names = ok && !(getenv("THREADSTOP_PYTHON_NAMES") && !strcmp(getenv("THREADSTOP_PYTHON_NAMES"), "0")) &&
		      ts_py_name_init() == 0;
	ts_debug("threadstop: CPython %s\n", ok ? py.GetVersion() : "symbols incomplete: not integrated");
}

int ts_py_thread(void)
{
	return ts_py_present && py.IsInitialized() && py.GILState_GetThisThreadState() != 0;
}

static void decref(PyObject *o)
{
	if (o)
		py.DecRef(o);
}

/* An exception armed in this thread and not raised yet: until it is, a new stop waits
 * (one exception per stop; CPython's own lock waits on the way to raising it pass). */
static __thread char py_armed __attribute__((tls_model("initial-exec")));

/* Stopped.__init__ and Forced.__init__ call this (as _threadstop_raised): the exception
 * is being raised in this thread; True when the shim armed it. */
static PyObject *raised(PyObject *self, PyObject *unused)
{
	PyObject *r = py_armed && have_hook ? py.True : py.None;
	py_armed = 0;
	py.IncRef(r);
	return r;
}

static struct method_def raised_def = { "_threadstop_raised", raised, 0x0004 /* METH_NOARGS */, 0 };

/* sys.unraisablehook while the shim's classes exist: an exception the shim armed that
 * CPython could not propagate -- raised in a __del__ or weakref callback that the eval
 * loop's check ran (3.12 and later collect garbage there, before raising the armed
 * exception) -- is armed again, to be raised by that same check, instead of being
 * printed and lost while the stopped call returns its failure value.  Anything else
 * goes to the hook the program had. */
static PyObject *unraisable(PyObject *self, PyObject *u)
{
	PyObject *v = py.GetAttrString(u, "exc_value"), *a = v ? py.GetAttrString(v, "_threadstop_armed") : 0;
	int ours = a == py.True;
	py.Err_Clear();
	if (ours) {
		py_armed = 1;
		py.ThreadState_SetAsyncExc((unsigned long)pthread_self(), *(PyObject **)((char *)v + sizeof(long)));
	}
	decref(a);
	decref(v);
	if (ours) {
		py.IncRef(py.None);
		return py.None;
	}
	return py.Object_CallFunctionObjArgs(prev_unraisable, u, (PyObject *)0);
}

static struct method_def unraisable_def = { "_threadstop_unraisablehook", unraisable, 0x0008 /* METH_O */, 0 };

static void hook_unraisable(void)
{
	PyObject *prev = py.Sys_GetObject("unraisablehook"), *fn;
	if (!prev || !(fn = py.CFunction_NewEx(&unraisable_def, 0, 0)))
		return;
	py.IncRef(prev);
	prev_unraisable = prev;
	if (py.Sys_SetObject("unraisablehook", fn) != 0)
		prev_unraisable = 0, decref(prev);
	decref(fn);
}

/* The exception classes, from sys.modules['_threadstop'] (the threadstop package puts
 * its own there when imported first), else defined from the embedded source.  GIL held. */
static int classes(void)
{
	PyObject *mods, *m, *s, *f, *hook;
	if (cls_stopped)
		return 0;
	mods = py.Import_GetModuleDict();
	m = mods ? py.Dict_GetItemString(mods, "_threadstop") : 0;
	if (!m) {
		PyObject *d, *r;
		m = py.Module_New("_threadstop");
		if (!m)
			return -1;
		d = py.Module_GetDict(m);
		if (py.Dict_SetItemString(d, "__builtins__", py.Eval_GetBuiltins()) != 0 ||
		    !(r = py.Run_StringFlags(ts_py_exc_src, 257 /* Py_file_input */, d, d, 0)) ||
		    py.Dict_SetItemString(mods, "_threadstop", m) != 0) {
			decref(m);
			return -1;
		}
		decref(r);
		decref(m); /* sys.modules holds it */
	}
	s = py.GetAttrString(m, "Stopped");
	f = py.GetAttrString(m, "Forced");
	hook = py.CFunction_NewEx(&raised_def, 0, 0);
	if (!s || !f || !hook || py.SetAttrString(s, "_threadstop_raised", hook) != 0 ||
	    py.SetAttrString(f, "_threadstop_raised", hook) != 0) {
		decref(s);
		decref(f);
		decref(hook);
		return -1;
	}
	decref(hook);
	cls_stopped = s;
	cls_forced = f;
	if (have_hook)
		hook_unraisable();
	return 0;
}

/* A pending call: raises in the main thread, where CPython's lock retry loop and its
 * eval loop run pending calls. */
static int raise_pending(void *forced)
{
	py.Err_SetNone(forced ? cls_forced : cls_stopped);
	return -1;
}

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

static int fail_at_call(sem_t *sem)
{
	PyObject *frame = py.Eval_GetFrame(), *locals, *globals;
	int r;
	if (!have_scan || !frame || !call_table() || !at_call(frame))
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
static int in_program(void)
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
static int shadowed(void)
{
	char *me = py.GILState_GetThisThreadState(), *ts;
	unsigned long id = (unsigned long)pthread_self();
	size_t at = 0;
	if (!have_list || !me)
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

/* Arm the exception that carries the stop, in the calling (stopped) thread; returns the
 * errno a stopped lock wait returns: EINTR, which CPython retries, or ETIMEDOUT.  `again`:
 * a lock wait of a forced thread, failed (Forced again) only where fail_at_call holds and,
 * in the main thread, while the program runs; else 0, the wait goes on. */
static int arm(struct ts_thread *t, int forced, sem_t *sem, int again)
{
	PyObject *et, *ev, *etb;
	int g, e = again ? 0 : EINTR;
	if (py.IsFinalizing && py.IsFinalizing())
		return e;
	int main = t->tid == (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	g = py.GILState_Ensure();
	for (int i = 0; !main && i < 5000 && shadowed(); i++) { /* (at most 5 s: the new thread runs) */
		struct timespec ms = { 0, 1000000 };
		if (!i)
			ts_debug("threadstop: tid %d: waiting for a thread it started to take its own id\n", (int)t->tid);
		py.GILState_Release(g);
		ts_sys(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0);
		g = py.GILState_Ensure();
	}
	py.Err_Fetch(&et, &ev, &etb);
	if (classes() == 0) {
		/* (before the exception is armed: the first call imports opcode) */
		int at = sem && (!main || again) && fail_at_call(sem);
		if (!again || (at && (!main || in_program()))) {
			e = EINTR;
			py_armed = 1;
			if (!main || py.AddPendingCall(raise_pending, forced ? (void *)1 : 0) != 0) {
				if (at)
					e = ETIMEDOUT;
				int n = py.ThreadState_SetAsyncExc((unsigned long)pthread_self(), forced ? cls_forced : cls_stopped);
				ts_debug("threadstop: tid %d: %s armed as an asynchronous exception (%d), the wait returns %d\n",
					 (int)t->tid, forced ? "Forced" : "Stopped", n, e);
			}
		}
	}
	py.Err_Clear();
	py.Err_Restore(et, ev, etb);
	py.GILState_Release(g);
	return e;
}

/* Consume the stop: Python's exception carries it from here. */
static int consume(struct ts_thread *t)
{
	int s = __atomic_fetch_and(&t->stop, ~TS_STOP_BITS, __ATOMIC_ACQ_REL);
	int forced = (s & TS_FORCE) != 0;
	ts_debug("threadstop: tid %d: %s raised in Python\n", (int)t->tid, forced ? "Forced" : "Stopped");
	return forced;
}

/* Arming runs CPython code, whose own lock waits must pass: no re-entry. */
static __thread char arming __attribute__((tls_model("initial-exec")));

/* CPython prints perror("sem_wait") when an untimed wait fails other than by EINTR: the
 * one such failure the shim makes (fail_at_call) is kept quiet. */
static __thread char quiet __attribute__((tls_model("initial-exec")));

/* A forced thread: Forced is raised again at its later lock waits, until it ends (the
 * count bounds a thread that catches it and waits again: it cannot spin). */
#define TS_PY_REFORCE 8
__thread char ts_py_forced __attribute__((tls_model("initial-exec")));

static int consume_and_arm(struct ts_thread *t, sem_t *sem, int io)
{
	int forced = consume(t), e;
	if (forced)
		ts_py_forced = TS_PY_REFORCE;
	if (io && !forced)
		return 0; /* CPython raises OSError(ECANCELED) for the failed call */
	arming = 1;
	e = arm(t, forced, sem, 0);
	arming = 0;
	return e;
}

long ts_py_failed(struct ts_thread *t, long r)
{
	if (likely(!ts_py_present) || arming || !ts_py_thread())
		return r;
	/* CPython raises OSError(ECANCELED) for the call; a forced stop adds Forced. */
	consume_and_arm(t, 0, 1);
	return r;
}

int ts_py_sem_due(struct ts_thread *t, sem_t *sem)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
	return !arming && !py_armed && ((s & TS_STOP_BITS) || ts_py_forced);
}

int ts_py_sem_stopped(struct ts_thread *t, sem_t *sem, int timed)
{
	int e = EINTR;
	if (arming || py_armed) /* the stop waits for the armed exception to be raised */
		;
	else if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) & TS_STOP_BITS)
		e = consume_and_arm(t, sem, 0);
	else if (ts_py_forced) {
		arming = 1;
		e = arm(t, 1, sem, 1);
		arming = 0;
		ts_py_forced -= e != 0;
	}
	quiet = e == ETIMEDOUT && !timed;
	return e;
}

TS_EXPORT void perror(const char *s)
{
	if (quiet) {
		quiet = 0;
		if (s && !strcmp(s, "sem_wait"))
			return;
	}
	REAL(perror)(s);
}
