/* Thread names, kept in the registry (struct ts_thread's name) so that `list` and a stop
 * by name need no /proc read: a thread starts with its creator's name (the kernel copies
 * it; registry.c reads it when the thread registers) and changes it through
 * pthread_setname_np or prctl(PR_SET_NAME).  A name written straight into
 * /proc/PID/task/TID/comm is not seen. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include "calls.h"
#include "registry.h"

/* The kernel keeps at most 15 bytes of a name. */
static void set_name(struct ts_thread *t, const char *name)
{
	size_t n = strnlen(name, sizeof t->name - 1);
	memcpy(t->name, name, n);
	memset(t->name + n, 0, sizeof t->name - n);
}

TS_EXPORT int pthread_setname_np(pthread_t th, const char *name)
{
	int r = REAL(pthread_setname_np)(th, name);
	if (r == 0) {
		struct ts_thread *t;
		ts_registry_lock();
		t = pthread_equal(th, pthread_self()) ? &ts_tls : ts_find_self(th);
		if (t && !(__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & (TS_NEW | TS_DEAD)))
			set_name(t, name);
		ts_registry_unlock();
	}
	return r;
}

TS_EXPORT int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int r;
	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	r = REAL(prctl)(option, a[0], a[1], a[2], a[3]);
	if (r == 0 && option == PR_SET_NAME) {
		struct ts_thread *t = &ts_tls;
		ts_registry_lock();
		if (!(__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & (TS_NEW | TS_DEAD)))
			set_name(t, (const char *)a[0]);
		ts_registry_unlock();
	}
	return r;
}
