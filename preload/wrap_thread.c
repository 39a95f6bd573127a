/* Interposed thread calls: pthread_create registers each new thread before it runs the
 * program's code; pthread_cancel keeps POSIX cancellation working at our wrappers, which
 * make raw syscalls where glibc's are cancellation points. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <stdlib.h>
#include "ts.h"

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *start(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	ts_register(&ts_tls);
	return s.fn(s.arg);
}

TS_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct start *s = malloc(sizeof *s);
	int r;
	if (!s) /* the thread still registers, at its first interposed call */
		return REAL(pthread_create)(th, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	r = REAL(pthread_create)(th, attr, start, s);
	if (r)
		free(s);
	return r;
}

TS_EXPORT int pthread_cancel(pthread_t th)
{
	struct ts_thread *t;
	int r = REAL(pthread_cancel)(th);
	if (r)
		return r;
	ts_registry_lock();
	t = ts_find_self(th);
	if (t) {
		ts_mark(t, TS_PCANCEL);
		ts_barrier();
		ts_kick(t, TS_PCANCEL);
	}
	ts_registry_unlock();
	return 0;
}
