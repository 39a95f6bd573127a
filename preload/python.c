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
 *    False cannot be seen (python_frames.c), else as a pending call too, the wait
 *    returning EINTR and the thread's pthread_self() answering CPython's main-thread
 *    check in its retry loop (python_spoof.c); an
 *    armed exception CPython drops as unraisable, or raised inside a garbage
 *    collection, is armed again (unraisable, gc_phase);
 *  - condition waits (the GIL's) are never failed;
 *  - a forced stop raises threadstop.Forced (a BaseException) the same way, and again at
 *    the thread's later blocking calls (t->py_reforce), and never exits the thread with
 *    pthread_exit: CPython waits on locks of its own on the way out of a thread
 *    (excepthook, threading's bookkeeping, interpreter shutdown), which are never
 *    failed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "calls.h"
#include "cancel.h"
#include "log.h"
#include "python.h"
#include "python_api.h"
#include "py_exc.h" /* ts_py_exc_src: python/threadstop/_exc.py, the exception classes */

/* The interpreter's functions, bound at load (python_api.h) */
struct py_api py;

int ts_py_present;
int ts_py_names; /* give Python threads their Thread.name (THREADSTOP_PYTHON_NAMES=0: not) */
static PyObject *cls_stopped, *cls_forced; /* strong references, kept for ever */
static PyObject *mod_exc;                   /* their module (sys.modules['_threadstop']) */
static int have_hook;
int ts_py_have_scan, ts_py_have_list;
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
	ts_py_have_scan = BIND(Import_ImportModule, "PyImport_ImportModule") && BIND(Long_AsLong, "PyLong_AsLong") &&
		    BIND(Bytes_AsString, "PyBytes_AsString") && BIND(Bytes_Size, "PyBytes_Size") &&
		    BIND(Mapping_Values, "PyMapping_Values") && BIND(List_Size, "PyList_Size") &&
		    BIND(List_GetItem, "PyList_GetItem") && BIND(GenericGetAttr, "PyObject_GenericGetAttr") &&
		    BIND(Unicode_InternFromString, "PyUnicode_InternFromString");
	have_hook = BIND(Sys_GetObject, "PySys_GetObject") && BIND(Sys_SetObject, "PySys_SetObject") &&
		    BIND(Object_CallFunctionObjArgs, "PyObject_CallFunctionObjArgs") &&
		    BIND(True, "_Py_TrueStruct") && BIND(False, "_Py_FalseStruct") &&
		    BIND(List_Append, "PyList_Append") && BIND(Import_ImportModule, "PyImport_ImportModule");
	ts_py_have_list = BIND(InterpreterState_Head, "PyInterpreterState_Head") &&
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

/* An exception armed in this thread and not raised yet (ARMED_STOPPED or ARMED_FORCED):
 * until it is, a new stop waits (one exception per stop; CPython's own lock waits on the
 * way to raising it pass). */
static __thread char py_armed __attribute__((tls_model("initial-exec")));

/* This thread is running a garbage collection (gc.callbacks), and the armed exception
 * was raised in it: in a weakref callback or finalizer the collection calls, whose
 * exceptions never leave it -- CPython reports some as unraisable and drops others
 * silently (a socket's finalizer formatting its ResourceWarning with a Python
 * __repr__).  3.12 and later collect at the very eval-loop check that raises an armed
 * exception.  It is armed again when the collection ends (gc_phase). */
static __thread char in_gc __attribute__((tls_model("initial-exec")));
static __thread char rearm_after_gc __attribute__((tls_model("initial-exec")));

PyObject *ts_py_armed_class(int kind)
{
	return kind == ARMED_FORCED ? cls_forced : cls_stopped;
}

/* Arm the exception again in this thread (GIL held); not while another thread's state
 * carries this thread's id (ts_py_shadowed): it would be raised there. */
static void rearm(int kind)
{
	if (ts_py_shadowed())
		return;
	py_armed = kind;
	py.ThreadState_SetAsyncExc((unsigned long)pthread_self(), ts_py_armed_class(kind));
}

/* Stopped.__init__ and Forced.__init__ call this (as _threadstop_raised): the exception
 * is being raised in this thread; True when the shim armed it. */
static PyObject *raised(PyObject *self, PyObject *unused)
{
	PyObject *r = py_armed && have_hook ? py.True : py.None;
	if (in_gc && py_armed)
		rearm_after_gc = py_armed; /* py_armed stays: the stop still waits for it */
	else
		py_armed = 0;
	py.IncRef(r);
	return r;
}

static struct method_def raised_def = { "_threadstop_raised", raised, 0x0004 /* METH_NOARGS */, 0 };

/* sys.unraisablehook while the shim's classes exist: an exception the shim armed that
 * CPython could not propagate -- raised in a __del__ or weakref callback that the eval
 * loop's check ran (3.12 and later collect garbage there, before raising the armed
 * exception) -- is armed again, to be raised by that same check, instead of being
 * printed and lost while the stopped call returns its failure value.  One that ended a
 * thread (CPython's "in thread started by") goes to threading.excepthook, as any
 * exception ending a thread (_exc.py: _thread_ended).  Anything else goes to the hook
 * the program had. */
static PyObject *unraisable(PyObject *self, PyObject *u)
{
	PyObject *v = py.GetAttrString(u, "exc_value"), *a = v ? py.GetAttrString(v, "_threadstop_armed") : 0;
	PyObject *m = a == py.True ? py.GetAttrString(u, "err_msg") : 0;
	const char *msg = m && m != py.None ? py.Unicode_AsUTF8(m) : 0;
	int ours = a == py.True, ended = msg && strstr(msg, "thread started by");
	py.Err_Clear();
	decref(m);
	if (ours && ended) {
		PyObject *fn = py.GetAttrString(mod_exc, "_thread_ended"), *r = fn ? py.Object_CallFunctionObjArgs(fn, u, (PyObject *)0) : 0;
		decref(r);
		decref(fn);
		py.Err_Clear();
	} else if (ours) {
		int kind = *(PyObject **)((char *)v + sizeof(long)) == cls_forced ? ARMED_FORCED : ARMED_STOPPED;
		if (in_gc)
			rearm_after_gc = kind;
		else
			rearm(kind);
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

/* A gc.callbacks entry, called with ("start" or "stop", info) around every collection. */
static PyObject *gc_phase(PyObject *self, PyObject *const *args, long nargs)
{
	const char *phase = nargs > 0 ? py.Unicode_AsUTF8(args[0]) : 0;
	if (!phase)
		py.Err_Clear();
	else if (!strcmp(phase, "start"))
		in_gc = 1;
	else if (!strcmp(phase, "stop")) {
		int kind = rearm_after_gc;
		in_gc = rearm_after_gc = 0;
		if (kind)
			rearm(kind);
	}
	py.IncRef(py.None);
	return py.None;
}

static struct method_def gc_phase_def = { "_threadstop_gc_phase", (void *)gc_phase, 0x0080 /* METH_FASTCALL */, 0 };

static void hook_gc(void)
{
	PyObject *gc = py.Import_ImportModule("gc"), *cbs = gc ? py.GetAttrString(gc, "callbacks") : 0;
	PyObject *fn = cbs ? py.CFunction_NewEx(&gc_phase_def, 0, 0) : 0;
	if (!fn || py.List_Append(cbs, fn) != 0)
		py.Err_Clear();
	decref(fn);
	decref(cbs);
	decref(gc);
}

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
	py.IncRef(m);
	mod_exc = m;
	cls_stopped = s;
	cls_forced = f;
	if (have_hook) {
		hook_unraisable();
		hook_gc();
	}
	return 0;
}

/* A pending call: raises in the main thread, where CPython's lock retry loop and its
 * eval loop run pending calls. */
static int raise_pending(void *forced)
{
	py.Err_SetNone(forced ? cls_forced : cls_stopped);
	return -1;
}

/* Arm the exception that carries the stop, in the calling (stopped) thread; returns the
 * errno a stopped lock wait returns: EINTR, which CPython retries, or ETIMEDOUT.  `again`:
 * a lock wait of a forced thread, failed (Forced again) only where ts_py_fail_at_call holds and,
 * in the main thread, while the program runs; else 0, the wait goes on. */
static int arm(struct ts_thread *t, int forced, sem_t *sem, int again)
{
	PyObject *et, *ev, *etb;
	int g, e = again ? 0 : EINTR, spoof = 0;
	if (py.IsFinalizing && py.IsFinalizing())
		return e;
	int main = t->tid == (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	g = py.GILState_Ensure();
	for (int i = 0; !main && i < 5000 && ts_py_shadowed(); i++) { /* (at most 5 s: the new thread runs) */
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
		int at = sem && (!main || again) && ts_py_fail_at_call(sem);
		spoof = sem && !main && !at && have_hook && ts_py_read_main_ident();
		/* (again: a lock wait where it raises at the call; an I/O call, sem 0) */
		if (!again || ((at || spoof || !sem) && (!main || ts_py_in_program()))) {
			e = EINTR;
			py_armed = forced ? ARMED_FORCED : ARMED_STOPPED;
			if (spoof) {
				spoof = py_armed | (again ? SPOOF_AGAIN : 0);
				ts_debug("threadstop: tid %d: %s armed as a pending call, the wait returns %d\n", (int)t->tid,
					 forced ? "Forced" : "Stopped", e);
			} else if (!main || py.AddPendingCall(raise_pending, forced ? (void *)1 : 0) != 0) {
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
	if (spoof) /* (from here: the GIL is this thread's again in CPython's retry loop) */
		ts_py_spoof_open(spoof);
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
 * one such failure the shim makes (ts_py_fail_at_call, python_frames.c) is kept quiet. */
static __thread char quiet __attribute__((tls_model("initial-exec")));

/* A forced thread: Forced is raised again at its later blocking calls, until it ends
 * (t->py_reforce counts them down: a thread that catches it and blocks again in a loop
 * cannot spin). */
#define TS_PY_REFORCE 8

static int consume_and_arm(struct ts_thread *t, sem_t *sem, int io)
{
	int forced = consume(t), e;
	if (forced)
		t->py_reforce = TS_PY_REFORCE;
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
	return !arming && (ts_py_spoof || (!py_armed && ((s & TS_STOP_BITS) || t->py_reforce)));
}

/* A cancellable call (policy PLAIN or IO) of a forced Python thread, no stop pending:
 * it fails with ECANCELED and Forced is armed again, as at a lock wait (CPython raises
 * OSError for the call, then Forced).  With a Forced armed and not raised yet (3.11 and
 * later check for it only after a call returns), the call fails the same and Forced
 * stays as it is.  Returns -ECANCELED, or 0 where the call goes on: a read of a regular
 * file, CPython's own code while the shim arms, the main thread outside the program
 * (threading's shutdown, atexit). */
long ts_py_reforce_call(struct ts_thread *t, int id, long arg)
{
	if (arming || ts_py_spoof || !ts_py_thread() || (ts_call_policy[id] == TS_P_IO && ts_never_blocks(arg)))
		return 0;
	if (py_armed != ARMED_FORCED) {
		int e;
		arming = 1;
		e = arm(t, 1, 0, 1);
		arming = 0;
		if (!e)
			return 0;
	}
	t->py_reforce--;
	ts_debug("threadstop: tid %d: %s failed, Forced again\n", (int)t->tid, ts_call_name[id]);
	return -ECANCELED;
}

/* A wait begun while ts_py_spoof is set: not CPython's retry loop (that ran
 * raise_spoofed first), but a wait that retries without running pending calls.  A stop's
 * exception is armed as an asynchronous one, raised when this wait ends; a forced
 * thread's later wait just waits.  Returns 0: the wait goes on. */
static int spoof_missed(struct ts_thread *t)
{
	int k = ts_py_spoof, g;
	ts_py_spoof = 0;
	if (k & SPOOF_AGAIN) {
		py_armed = 0;
		return 0;
	}
	arming = 1;
	g = py.GILState_Ensure();
	rearm(k & 3);
	py.GILState_Release(g);
	arming = 0;
	ts_debug("threadstop: tid %d: a wait other than CPython's retry: armed as an asynchronous exception\n",
		 (int)t->tid);
	return 0;
}

int ts_py_sem_stopped(struct ts_thread *t, sem_t *sem, int timed)
{
	int e = EINTR;
	if (ts_py_spoof)
		return spoof_missed(t);
	if (arming || py_armed) /* the stop waits for the armed exception to be raised */
		;
	else if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) & TS_STOP_BITS)
		e = consume_and_arm(t, sem, 0);
	else if (t->py_reforce) {
		arming = 1;
		e = arm(t, 1, sem, 1);
		arming = 0;
		t->py_reforce -= e != 0;
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
