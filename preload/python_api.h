/* The CPython API as the shim binds it at load (python.c: ts_py_init), shared by the
 * files of the CPython integration that call into the interpreter.  Nothing is linked:
 * every function is found with dlsym; the optional ones may be null. */
#ifndef TS_PYTHON_API_H
#define TS_PYTHON_API_H

#include <semaphore.h>
#include "ts.h"

typedef struct _object PyObject;
/* PyMethodDef: the functions the shim gives the interpreter (PyCFunction_NewEx) */
struct method_def {
	const char *name;
	PyObject *(*fn)(PyObject *, PyObject *);
	int flags;
	const char *doc;
};

struct py_api {
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
	/* for the unraisable and gc hooks: optional */
	PyObject *(*Sys_GetObject)(const char *);
	int (*Sys_SetObject)(const char *, PyObject *);
	PyObject *(*Object_CallFunctionObjArgs)(PyObject *, ...);
	PyObject *True, *False;
	int (*List_Append)(PyObject *, PyObject *);
	/* for shadowed: optional */
	void *(*InterpreterState_Head)(void);
	void *(*InterpreterState_ThreadHead)(void *);
	void *(*ThreadState_Next)(void *);
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
};

extern struct py_api py TS_HIDDEN;
extern int ts_py_have_scan TS_HIDDEN; /* the functions fail_at_call needs were found */
extern int ts_py_have_list TS_HIDDEN; /* and those of shadowed */

static inline void decref(PyObject *o)
{
	if (o)
		py.DecRef(o);
}

/* python.c: the kinds of exception armed in a thread, and their classes. */
enum { ARMED_STOPPED = 1, ARMED_FORCED };
PyObject *ts_py_armed_class(int kind) TS_HIDDEN;

/* python_spoof.c: CPython's main-thread check answered in a stopped wait's retry loop.
 * ts_py_read_main_ident (GIL held) reads the main thread's id, 0 when it cannot;
 * ts_py_spoof_open opens the window for an armed kind (SPOOF_AGAIN: a forced thread's
 * later wait), ts_py_spoof being the kind until it closes. */
#define SPOOF_AGAIN 4
int ts_py_read_main_ident(void) TS_HIDDEN;
void ts_py_spoof_open(int kind) TS_HIDDEN;

/* python_frames.c: what the stopped thread's Python frames and state say (GIL held). */
int ts_py_fail_at_call(sem_t *sem) TS_HIDDEN;
int ts_py_in_program(void) TS_HIDDEN;
int ts_py_shadowed(void) TS_HIDDEN;

#endif
