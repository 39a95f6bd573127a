/* The per-thread cancel token (static TLS) and the registry of live threads: a list
 * under one mutex, taken only when a thread starts or ends and by stoppers and `list`. */
#define _GNU_SOURCE
#include <unistd.h>
#include "force.h"
#include "lock.h"
#include "registry.h"

__thread struct ts_thread ts_tls __attribute__((tls_model("initial-exec"))) = { .stop = TS_NEW };

static ts_lock_t registry_mutex = TS_LOCK_INIT; /* lock.h: shared with the listener */
static struct ts_thread *registry;
static pthread_key_t exit_key;
static void (*on_empty)(void);

void ts_registry_on_empty(void (*fn)(void))
{
	on_empty = fn;
}
static int exit_key_ok;

void ts_registry_lock(void) { ts_lock(&registry_mutex); }
void ts_registry_unlock(void) { ts_unlock(&registry_mutex); }
struct ts_thread *ts_registry_first(void) { return registry; }

struct ts_thread *ts_find_tid(pid_t tid)
{
	struct ts_thread *t;
	for (t = registry; t; t = t->next)
		if (t->tid == tid)
			return t;
	return 0;
}

struct ts_thread *ts_find_self(pthread_t th)
{
	struct ts_thread *t;
	for (t = registry; t; t = t->next)
		if (pthread_equal(t->self, th))
			return t;
	return 0;
}

static void unlink_locked(struct ts_thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else if (registry == t)
		registry = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = 0;
}

/* Runs in the exiting thread, after its cleanup handlers and before its TLS is freed.
 * From here on its calls pass straight through. */
static void on_thread_exit(void *p)
{
	struct ts_thread *t = p;
	int last;
	ts_registry_lock();
	unlink_locked(t);
	__atomic_store_n(&t->stop, TS_DEAD, __ATOMIC_RELEASE);
	last = !registry;
	ts_registry_unlock();
	if (last && on_empty)
		on_empty(); /* the listener's fallback leaves with the last thread */
}

/* Called by the thread itself, when it starts or at its first interposed call. */
void ts_register(struct ts_thread *t)
{
	int s = __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
	if (!(s & TS_NEW) || (s & TS_BUSY))
		return;
	__atomic_or_fetch(&t->stop, TS_BUSY, __ATOMIC_RELAXED);
	t->tid = gettid();
	t->self = pthread_self();
	t->chain_base = ts_force_chain();
	ts_registry_lock();
	t->prev = 0;
	t->next = registry;
	if (registry)
		registry->prev = t;
	registry = t;
	__atomic_and_fetch(&t->stop, ~(TS_NEW | TS_BUSY), __ATOMIC_RELEASE);
	ts_registry_unlock();
	if (exit_key_ok)
		pthread_setspecific(exit_key, t);
}

/* The child has one thread: the registry holds it alone, with its new tid and no stop
 * (a stop was aimed at a thread of the parent). */
void ts_registry_fork_child(void)
{
	struct ts_thread *t = &ts_tls;
	registry_mutex = TS_LOCK_INIT;
	registry = 0;
	if (__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & (TS_NEW | TS_DEAD))
		return;
	t->tid = gettid();
	t->next = t->prev = 0;
	t->cond = 0;
	registry = t;
	__atomic_and_fetch(&t->stop, ~(TS_STOP_BITS | TS_PCANCEL), __ATOMIC_RELAXED);
}

void ts_registry_init(void)
{
	exit_key_ok = pthread_key_create(&exit_key, on_thread_exit) == 0;
	ts_register(&ts_tls);
}
