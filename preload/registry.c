/* The per-thread cancel token (static TLS) and the registry of live threads: a list and
 * an index by tid under one mutex, taken only when a thread starts or ends and by
 * stoppers and `list`. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "force.h"
#include "lock.h"
#include "registry.h"
#include "sigvirt_held.h"

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
/* The listener's unlocked look (is anyone left?): a relaxed load, the writers' stores
 * relaxed too, so that the test is no data race in C11's sense. */
int ts_registry_empty(void) { return !__atomic_load_n(&registry, __ATOMIC_RELAXED); }

/* The index by tid: open addressing, linear probing, at most half full, under the
 * registry lock.  It starts in a static table and grows in whole pages from mmap (no
 * malloc: threads register from signal handlers, and the listener must not allocate).
 * Where mmap fails the index is dropped and lookups walk the list. */
struct slot { pid_t tid; struct ts_thread *t; };
static struct slot first_slots[256];
static struct slot *slots = first_slots;
static unsigned nslots = 256, nused;
static int index_ok = 1;

static unsigned slot_of(pid_t tid, unsigned n)
{
	return ((uint32_t)tid * 2654435761u) & (n - 1); /* n: a power of two */
}

static void index_put(struct slot *tab, unsigned n, struct ts_thread *t)
{
	unsigned i = slot_of(t->tid, n);
	while (tab[i].t)
		i = (i + 1) & (n - 1);
	tab[i].tid = t->tid;
	tab[i].t = t;
}

static void index_add(struct ts_thread *t)
{
	if (!index_ok)
		return;
	if (2 * (nused + 1) > nslots) {
		unsigned n = nslots * 2, i;
		long p = ts_sys(SYS_mmap, 0, (long)(n * sizeof *slots), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
		if (p < 0 && p > -4096) {
			index_ok = 0;
			return;
		}
		for (i = 0; i < nslots; i++)
			if (slots[i].t)
				index_put((struct slot *)p, n, slots[i].t);
		if (slots != first_slots)
			ts_sys(SYS_munmap, (long)slots, (long)(nslots * sizeof *slots), 0, 0, 0, 0);
		slots = (struct slot *)p;
		nslots = n;
	}
	index_put(slots, nslots, t);
	nused++;
}

/* Backward-shift deletion: no tombstones, so lookups stay short however many threads
 * came and went. */
static void index_del(struct ts_thread *t)
{
	unsigned m = nslots - 1, i, j, k;
	if (!index_ok)
		return;
	for (i = slot_of(t->tid, nslots); slots[i].t != t; i = (i + 1) & m)
		if (!slots[i].t)
			return;
	/* Knuth's algorithm R: pull back each later entry of the run whose home slot k
	 * does not lie cyclically in (i, j]. */
	for (j = i;;) {
		j = (j + 1) & m;
		if (!slots[j].t)
			break;
		k = slot_of(slots[j].tid, nslots);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		slots[i] = slots[j];
		i = j;
	}
	slots[i].t = 0;
	nused--;
}

struct ts_thread *ts_find_tid(pid_t tid)
{
	struct ts_thread *t;
	if (index_ok) {
		unsigned i = slot_of(tid, nslots);
		for (; slots[i].t; i = (i + 1) & (nslots - 1))
			if (slots[i].tid == tid)
				return slots[i].t;
		return 0;
	}
	for (t = registry; t; t = t->next)
		if (t->tid == tid)
			return t;
	return 0;
}

int ts_registry_count(void)
{
	struct ts_thread *t;
	int n = 0;
	if (index_ok)
		return (int)nused;
	for (t = registry; t; t = t->next)
		n++;
	return n;
}

void ts_registry_prefetch(void)
{
	for (unsigned i = 0; index_ok && i < nslots; i++)
		if (slots[i].t) {
			__builtin_prefetch(slots[i].t);
			__builtin_prefetch(slots[i].t->name);
		}
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
		__atomic_store_n(&registry, t->next, __ATOMIC_RELAXED);
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
	index_del(t);
	__atomic_store_n(&t->stop, TS_DEAD, __ATOMIC_RELEASE);
	/* After DEAD, the handler holds no more signals in it; under the lock, a fork
	 * child's walk (below) meets every queue not freed yet. */
	ts_held_free(t);
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
	/* (under the lock: a pthread_setname_np of this thread from another either finds it
	 * linked, or changed the name before this reads it) */
	ts_sys(SYS_prctl, PR_GET_NAME, (long)t->name, 0, 0, 0, 0);
	t->prev = 0;
	t->next = registry;
	if (registry)
		registry->prev = t;
	__atomic_store_n(&registry, t, __ATOMIC_RELAXED);
	index_add(t);
	__atomic_and_fetch(&t->stop, ~(TS_NEW | TS_BUSY), __ATOMIC_RELEASE);
	ts_registry_unlock();
	if (exit_key_ok)
		pthread_setspecific(exit_key, t);
}

/* The child has one thread: the registry holds it alone, with its new tid and no stop
 * (a stop was aimed at a thread of the parent). */
void ts_registry_fork_child(void)
{
	struct ts_thread *t = &ts_tls, *o;
	/* The parent's other threads are gone: their held signals with them.  (Their TLS
	 * is still mapped: glibc keeps their stacks, and the list was locked for the fork.) */
	for (o = registry; o; o = o->next)
		if (o != t)
			ts_held_free(o);
	registry_mutex = TS_LOCK_INIT;
	__atomic_store_n(&registry, 0, __ATOMIC_RELAXED);
	if (slots != first_slots)
		ts_sys(SYS_munmap, (long)slots, (long)(nslots * sizeof *slots), 0, 0, 0, 0);
	__builtin_memset(first_slots, 0, sizeof first_slots);
	slots = first_slots;
	nslots = 256;
	nused = 0;
	index_ok = 1;
	if (__atomic_load_n(&t->stop, __ATOMIC_RELAXED) & (TS_NEW | TS_DEAD))
		return;
	t->tid = gettid();
	t->next = t->prev = 0;
	t->cond = 0;
	__atomic_store_n(&registry, t, __ATOMIC_RELAXED);
	index_add(t);
	__atomic_and_fetch(&t->stop, ~(TS_STOP_BITS | TS_PCANCEL), __ATOMIC_RELAXED);
	t->py_reforce = 0; /* (a forced Python thread's: its stop is not the child's) */
}

void ts_registry_init(void)
{
	exit_key_ok = pthread_key_create(&exit_key, on_thread_exit) == 0;
	ts_register(&ts_tls);
}
