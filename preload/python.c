/* CPython integration: a stop of a Python thread becomes one Python exception in it.
 *
 * The interpreter is found at load time with dlsym(RTLD_DEFAULT): Debian's python3.11
 * exports its symbols from the executable, other builds from libpython; nothing is
 * linked.  A thread is a Python thread while it has a Python thread state.  For those:
 *  - a failed I/O call returns ECANCELED once: CPython raises OSError, and the stop is
 *    consumed (the thread's except and finally blocks run normally);
 *  - a failed lock wait (CPython's locks are POSIX semaphores) returns EINTR, the one error
 *    CPython's lock code treats as an interruption, and the shim arms the exception
 *    (threadstop.Stopped, an OSError with errno ECANCELED) under the GIL, taken with
 *    PyGILState_Ensure in the stopped thread itself: in the main thread as a pending call,
 *    which CPython's lock retry loop runs and whose failure it raises; in other threads as
 *    an asynchronous exception, raised when the call returns to the eval loop.  CPython
 *    retries an interrupted lock wait there, so when the lock waited for is the private
 *    waiter lock of threading.Condition.wait (Event, Condition, Semaphore, Queue), the
 *    shim posts it, which is what a notify would do;
 *  - condition waits (the GIL's) are never failed;
 *  - a forced stop raises threadstop.Forced (a BaseException) the same way, once, and
 *    never exits the thread with pthread_exit: CPython waits on locks of its own on the
 *    way out of a thread (excepthook, threading's bookkeeping, interpreter shutdown), so
 *    a Forced raised again there would break them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "log.h"
#include "python.h"
#include "py_exc.h" /* ts_py_exc_src: python/threadstop/_exc.py, the exception classes */

typedef struct _object PyObject;

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
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
} py;

int ts_py_present;
int ts_py_names; /* give Python threads their Thread.name (THREADSTOP_PYTHON_NAMES=0: not) */
static PyObject *cls_stopped, *cls_forced; /* strong references, kept for ever */

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
	ts_py_present = ok;
	ts_py_names = ok && !(getenv("THREADSTOP_PYTHON_NAMES") && !strcmp(getenv("THREADSTOP_PYTHON_NAMES"), "0"));
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
 * is being raised in this thread. */
static PyObject *raised(PyObject *self, PyObject *unused)
{
	py_armed = 0;
	py.IncRef(py.None);
	return py.None;
}

static struct {
	const char *name;
	PyObject *(*fn)(PyObject *, PyObject *);
	int flags;
	const char *doc;
} raised_def = { "_threadstop_raised", raised, 0x0004 /* METH_NOARGS */, 0 };

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
	return 0;
}

/* A pending call: raises in the main thread, where CPython's lock retry loop and its
 * eval loop run pending calls. */
static int raise_pending(void *forced)
{
	py.Err_SetNone(forced ? cls_forced : cls_stopped);
	return -1;
}

/* The innermost Python frame is threading.Condition.wait blocked on its own waiter lock,
 * whose semaphore is sem: post it, as Condition.notify would.  The lock object's first
 * field is its semaphore (PyThread_type_lock, a sem_t * with POSIX semaphores: 3.8 to
 * 3.13).  Posting it does not touch the Python-level lock, so a notify racing with us
 * still releases it without error; the waiter lock is thrown away after the wait. */
static void post_waiter(sem_t *sem)
{
	PyObject *frame = py.Eval_GetFrame(), *code = 0, *mods, *th, *cond = 0, *wait = 0, *wcode = 0,
		 *locals = 0, *waiter = 0;
	if (!frame || !sem)
		return;
	mods = py.Import_GetModuleDict();
	th = mods ? py.Dict_GetItemString(mods, "threading") : 0;
	if (!th || !(code = py.GetAttrString(frame, "f_code")) || !(cond = py.GetAttrString(th, "Condition")) ||
	    !(wait = py.GetAttrString(cond, "wait")) || !(wcode = py.GetAttrString(wait, "__code__")))
		goto out;
	if (code != wcode || !(locals = py.GetAttrString(frame, "f_locals")) ||
	    !(waiter = py.Mapping_GetItemString(locals, "waiter")))
		goto out;
	if (*(sem_t **)((char *)waiter + 2 * sizeof(void *)) == sem)
		sem_post(sem);
out:
	decref(waiter);
	decref(locals);
	decref(wcode);
	decref(wait);
	decref(cond);
	decref(code);
}

/* Arm the exception that carries the stop, in the calling (stopped) thread. */
static void arm(struct ts_thread *t, int forced, sem_t *sem)
{
	PyObject *et, *ev, *etb;
	int g;
	if (py.IsFinalizing && py.IsFinalizing())
		return;
	g = py.GILState_Ensure();
	py.Err_Fetch(&et, &ev, &etb);
	if (classes() == 0) {
		int main = t->tid == (pid_t)ts_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
		py_armed = 1;
		if (!main || py.AddPendingCall(raise_pending, forced ? (void *)1 : 0) != 0) {
			py.ThreadState_SetAsyncExc((unsigned long)pthread_self(), forced ? cls_forced : cls_stopped);
			post_waiter(sem);
		}
	}
	py.Err_Clear();
	py.Err_Restore(et, ev, etb);
	py.GILState_Release(g);
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

static void consume_and_arm(struct ts_thread *t, sem_t *sem, int io)
{
	int forced = consume(t);
	if (io && !forced)
		return; /* CPython raises OSError(ECANCELED) for the failed call */
	arming = 1;
	arm(t, forced, sem);
	arming = 0;
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
	return !arming && !py_armed && (s & TS_STOP_BITS);
}

int ts_py_sem_stopped(struct ts_thread *t, sem_t *sem)
{
	if (!arming && !py_armed) /* else the stop waits for the armed exception to be raised */
		consume_and_arm(t, sem, 0);
	return EINTR;
}

/* In Thread.start (GIL held), the name of the thread being started.  Only C-level
 * lookups: self._name, not the `name` property, whose bytecode could run an eval-loop
 * check here and an exception it raised (a signal's) would be lost. */
int ts_py_thread_name(char name[16])
{
	PyObject *et, *ev, *etb, *frame, *code = 0, *mods, *th, *cls = 0, *start = 0, *scode = 0, *locals = 0,
		 *self = 0, *n = 0;
	const char *s;
	int r = 0;
	if (!py.IsInitialized() || !py.GILState_Check() || !(frame = py.Eval_GetFrame()))
		return 0;
	py.Err_Fetch(&et, &ev, &etb);
	mods = py.Import_GetModuleDict();
	th = mods ? py.Dict_GetItemString(mods, "threading") : 0;
	if (th && (code = py.GetAttrString(frame, "f_code")) && (cls = py.GetAttrString(th, "Thread")) &&
	    (start = py.GetAttrString(cls, "start")) && (scode = py.GetAttrString(start, "__code__")) &&
	    code == scode && (locals = py.GetAttrString(frame, "f_locals")) &&
	    (self = py.Mapping_GetItemString(locals, "self")) && (n = py.GetAttrString(self, "_name")) &&
	    (s = py.Unicode_AsUTF8(n)) && *s) {
		strncpy(name, s, 15);
		name[15] = 0;
		r = 1;
	}
	decref(n);
	decref(self);
	decref(locals);
	decref(scode);
	decref(start);
	decref(cls);
	decref(code);
	py.Err_Clear();
	py.Err_Restore(et, ev, etb);
	return r;
}
