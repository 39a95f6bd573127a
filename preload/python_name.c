/* The OS name of a Python thread: its threading.Thread.name, read by the pthread_create
 * wrapper while Thread.start runs (GIL held), from `self` in Thread.start's frame.
 *
 * Thread starts are frequent, so the common case is kept cheap: Thread.start's code
 * object is looked up once (a strong reference, compared by identity with the caller's
 * frame's code), the frame's code comes from PyFrame_GetCode (3.9+) and `self` from
 * PyFrame_GetVar (3.12+) or, before, the frame's locals (PyEval_GetLocals), with
 * interned names.  A frame whose code is not the cached one takes the full look-up
 * (sys.modules['threading'].Thread.start.__code__, as a subinterpreter, a reloaded
 * threading or a replaced Thread.start need): a match there in the main interpreter
 * becomes the cached code.  Only the main interpreter's objects are cached: they live
 * as long as the process, so an identity match cannot be a reused address. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include "python.h"

typedef struct _object PyObject;

static struct {
	int (*IsInitialized)(void);
	int (*GILState_Check)(void);
	PyObject *(*Eval_GetFrame)(void);
	void (*Err_Fetch)(PyObject **, PyObject **, PyObject **);
	void (*Err_Restore)(PyObject *, PyObject *, PyObject *);
	void (*Err_Clear)(void);
	PyObject *(*GetAttr)(PyObject *, PyObject *);
	PyObject *(*GetAttrString)(PyObject *, const char *);
	PyObject *(*Import_GetModuleDict)(void);
	PyObject *(*Dict_GetItemString)(PyObject *, const char *);
	PyObject *(*Dict_GetItemWithError)(PyObject *, PyObject *);
	PyObject *(*Mapping_GetItemString)(PyObject *, const char *);
	PyObject *(*Eval_GetLocals)(void);
	PyObject *(*Unicode_InternFromString)(const char *);
	const char *(*Unicode_AsUTF8)(PyObject *);
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
	/* optional: each has a fallback */
	PyObject *(*Frame_GetCode)(PyObject *);           /* 3.9+; else frame.f_code */
	PyObject *(*Frame_GetVar)(PyObject *, PyObject *); /* 3.12+; else the frame's locals */
	void *(*InterpreterState_Get)(void);               /* 3.9+, _PyInterpreterState_Get in 3.8 */
	void *(*InterpreterState_Main)(void);              /* without both, nothing is cached */
} pn;

/* threading.Thread.start.__code__ of the main interpreter (a strong reference), and the
 * interned names the cached path uses; written under the main interpreter's GIL. */
static PyObject *start_code, *s_self, *s_name, *s_f_code;

#define BIND(field, name) (*(void **)&pn.field = dlsym(RTLD_DEFAULT, name))

int ts_py_name_init(void)
{
	int ok = BIND(IsInitialized, "Py_IsInitialized") && BIND(GILState_Check, "PyGILState_Check") &&
		 BIND(Eval_GetFrame, "PyEval_GetFrame") && BIND(Err_Fetch, "PyErr_Fetch") &&
		 BIND(Err_Restore, "PyErr_Restore") && BIND(Err_Clear, "PyErr_Clear") &&
		 BIND(GetAttr, "PyObject_GetAttr") && BIND(GetAttrString, "PyObject_GetAttrString") &&
		 BIND(Import_GetModuleDict, "PyImport_GetModuleDict") &&
		 BIND(Dict_GetItemString, "PyDict_GetItemString") &&
		 BIND(Dict_GetItemWithError, "PyDict_GetItemWithError") &&
		 BIND(Mapping_GetItemString, "PyMapping_GetItemString") &&
		 BIND(Eval_GetLocals, "PyEval_GetLocals") &&
		 BIND(Unicode_InternFromString, "PyUnicode_InternFromString") &&
		 BIND(Unicode_AsUTF8, "PyUnicode_AsUTF8") && BIND(IncRef, "Py_IncRef") && BIND(DecRef, "Py_DecRef");
	BIND(Frame_GetCode, "PyFrame_GetCode");
	BIND(Frame_GetVar, "PyFrame_GetVar");
	if (!BIND(InterpreterState_Get, "PyInterpreterState_Get"))
		BIND(InterpreterState_Get, "_PyInterpreterState_Get");
	BIND(InterpreterState_Main, "PyInterpreterState_Main");
	return ok ? 0 : -1;
}

static void decref(PyObject *o)
{
	if (o)
		pn.DecRef(o);
}

static PyObject *frame_code(PyObject *frame)
{
	if (pn.Frame_GetCode)
		return pn.Frame_GetCode(frame);
	return s_f_code ? pn.GetAttr(frame, s_f_code) : pn.GetAttrString(frame, "f_code");
}

/* The cached path: `self` of the current frame, Thread.start's (a new reference). */
static PyObject *start_self(PyObject *frame)
{
	PyObject *locals, *self;
	if (pn.Frame_GetVar)
		return pn.Frame_GetVar(frame, s_self);
	/* the current frame's locals: a dict built as frame.f_locals builds it (borrowed) */
	if (!(locals = pn.Eval_GetLocals()) || !(self = pn.Dict_GetItemWithError(locals, s_self)))
		return 0;
	pn.IncRef(self);
	return self;
}

/* Keep code, Thread.start's in the main interpreter, for the cached path. */
static void cache(PyObject *code)
{
	PyObject *old = start_code;
	if (!pn.InterpreterState_Get || !pn.InterpreterState_Main ||
	    pn.InterpreterState_Get() != pn.InterpreterState_Main())
		return;
	if (!s_self && !(s_self = pn.Unicode_InternFromString("self")))
		return;
	if (!s_name && !(s_name = pn.Unicode_InternFromString("_name")))
		return;
	if (!pn.Frame_GetCode && !s_f_code && !(s_f_code = pn.Unicode_InternFromString("f_code")))
		return;
	pn.IncRef(code);
	__atomic_store_n(&start_code, code, __ATOMIC_RELEASE);
	decref(old); /* (a reloaded threading's: no longer compared) */
}

/* The full look-up: `self` when code is the current interpreter's Thread.start's. */
static PyObject *lookup_self(PyObject *frame, PyObject *code)
{
	PyObject *mods = pn.Import_GetModuleDict(), *th, *cls = 0, *start = 0, *scode = 0, *locals = 0,
		 *self = 0;
	th = mods ? pn.Dict_GetItemString(mods, "threading") : 0;
	if (th && (cls = pn.GetAttrString(th, "Thread")) && (start = pn.GetAttrString(cls, "start")) &&
	    (scode = pn.GetAttrString(start, "__code__")) && code == scode &&
	    (locals = pn.GetAttrString(frame, "f_locals")) && (self = pn.Mapping_GetItemString(locals, "self")))
		cache(code);
	decref(locals);
	decref(scode);
	decref(start);
	decref(cls);
	return self;
}

/* In Thread.start (GIL held), the name of the thread being started.  Only C-level
 * lookups: self._name, not the `name` property, whose bytecode could run an eval-loop
 * check here and an exception it raised (a signal's) would be lost. */
int ts_py_thread_name(char name[16])
{
	PyObject *et, *ev, *etb, *frame, *code, *self = 0, *n = 0;
	const char *s;
	int r = 0;
	if (!pn.IsInitialized() || !pn.GILState_Check() || !(frame = pn.Eval_GetFrame()))
		return 0;
	pn.Err_Fetch(&et, &ev, &etb);
	if ((code = frame_code(frame))) {
		if (code == __atomic_load_n(&start_code, __ATOMIC_ACQUIRE))
			n = (self = start_self(frame)) ? pn.GetAttr(self, s_name) : 0;
		else
			n = (self = lookup_self(frame, code)) ? pn.GetAttrString(self, "_name") : 0;
	}
	if (n && (s = pn.Unicode_AsUTF8(n)) && *s) {
		strncpy(name, s, 15);
		name[15] = 0;
		r = 1;
	}
	decref(n);
	decref(self);
	decref(code);
	pn.Err_Clear();
	pn.Err_Restore(et, ev, etb);
	return r;
}
