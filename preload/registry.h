/* A thread as the shim knows it: its token and the call it is in, in static TLS, and the
 * registry of the live ones (registry.c). */
#ifndef TS_REGISTRY_H
#define TS_REGISTRY_H

#include "ts.h"

/* Bits of the token.  Any nonzero token sends an interposed call down its slow path,
 * so the fast path is one thread-local load and a branch; NEW and DEAD ride on that. */
#define TS_STOP 1u     /* stop requested: blocking calls return ECANCELED */
#define TS_FORCE 2u    /* forced stop: the thread exits at its next interposed call */
#define TS_PCANCEL 4u  /* the program pthread_cancel()ed this thread */
#define TS_NEW 8u      /* not registered yet (the initial TLS value) */
#define TS_DEAD 16u    /* unregistered: exiting, or an internal thread; calls pass through */
#define TS_BUSY 32u    /* registering: a nested call (signal handler) passes through */
#define TS_LAZY 64u    /* a fork child's thread: start the listener at the next call */
#define TS_STOP_BITS (TS_STOP | TS_FORCE) /* either kind of stop */

/* A stop lapses when the thread enters a call it refused TS_REFUSE_SAME times already
 * (the same call on the same fd or timeout), or any call after TS_REFUSE_MAX refusals. */
#define TS_REFUSE_SAME 2
#define TS_REFUSE_MAX 8

struct ts_held;

/* One per thread, in static TLS.  The registry links the live ones.  (Fields grouped by
 * size so that no padding is left: the shim's whole static TLS at most 256 bytes per
 * thread, doc/benchmarks.md.) */
struct ts_thread {
	int stop;              /* the token (bits above) */
	unsigned short call;   /* enum ts_call_id the thread is inside, or 0 */
	/* A forced Python thread: how many more times its blocking calls raise Forced again
	 * (python.c).  Next to the call, so that the fast path's one load of the token and
	 * the call (cancel.h: ts_busy) sends such a thread's calls to the slow path. */
	unsigned char py_reforce;
	unsigned char spare;   /* (zero: read by that same load) */
	long arg;              /* that call's fd or timeout (ms) */
	unsigned seq;          /* counts interposed calls entered: tells one wait from the next */
	pid_t tid;
	pthread_t self;
	pthread_cond_t *cond;  /* the condition it waits on, TS_COND_BUSY while broadcast */
	int immune;            /* its condition or semaphore wait is not failed by a plain stop
				* (timed, or begun stopped) */
	int cond_done;         /* futex: the stopper finished with our condition */
	unsigned seen_seq;     /* control plane: the seq when it first saw this call (seen_ns) */
	/* Ignored stops (cancel.c: ts_refuse): the stopper bumps gen with each stop; the
	 * thread counts the calls that stop refused and lets it lapse when it retries one. */
	unsigned gen, gen_seen;
	int refused;           /* blocking calls failed by the stop of gen_seen */
	char sig_blocked;      /* the program blocked the shim's signal in this thread (virtually) */
	char sig_waiting;      /* in a sigwait* that waits for the shim's number (sigvirt.c) */
	char pcancel_held;     /* a pthread_cancel met cancellation disabled (wrap_thread.c) */
	char lapsed;           /* that stop was ignored and lapsed: the thread blocks again */
	char force_refused;    /* a forced exit would have been swallowed by a catch (...) */
	char exiting;          /* forced out: unwinding (cleanup handlers, destructors) */
	char nrefusals;
	/* the calls refused, as three arrays (a struct of the three would be padded to 16) */
	unsigned char refusal_call[TS_REFUSE_MAX]; /* enum ts_call_id */
	unsigned char refusal_n[TS_REFUSE_MAX];    /* times refused (saturating) */
	long refusal_arg[TS_REFUSE_MAX];
	uintptr_t stack_lo, stack_hi; /* its stack, where known: a mask between the caller's
				       * frame and stack_hi is readable (send.h) */
	struct ts_thread *next, *prev;
	struct ts_held *held;  /* signals held while it blocks the shim's number: from mmap at
				* the first (sigvirt_held.c), unmapped when it leaves */
	void *chain_base;      /* the head of glibc's cleanup chain when it registered (force.c) */
	int64_t seen_ns;       /* ... and when (CLOCK_REALTIME ns) */
	char name[16];         /* its name (comm), kept by wrap_name.c; registry lock */
};

#define TS_COND_BUSY ((pthread_cond_t *)1)

extern __thread struct ts_thread ts_tls __attribute__((tls_model("initial-exec"))) TS_HIDDEN;

void ts_registry_init(void) TS_HIDDEN;
void ts_register(struct ts_thread *t) TS_HIDDEN;
void ts_registry_lock(void) TS_HIDDEN;
void ts_registry_unlock(void) TS_HIDDEN;
struct ts_thread *ts_find_tid(pid_t tid) TS_HIDDEN;      /* registry locked; O(1) */
struct ts_thread *ts_find_self(pthread_t th) TS_HIDDEN;  /* registry locked */
struct ts_thread *ts_registry_first(void) TS_HIDDEN;     /* registry locked */
/* How many are registered (registry locked): O(1) with the index, without a walk that
 * would touch every thread's TLS, one page each. */
int ts_registry_count(void) TS_HIDDEN;
/* Start loading every registered thread's record (registry locked): from the index, an
 * array, so that the misses overlap, where a walk of the list takes them one by one. */
void ts_registry_prefetch(void) TS_HIDDEN;
int ts_registry_empty(void) TS_HIDDEN;                   /* no lock: a hint only */
void ts_registry_fork_child(void) TS_HIDDEN;             /* fork.c */
/* fn runs when the last registered thread has unregistered (control/listener.c) */
void ts_registry_on_empty(void (*fn)(void)) TS_HIDDEN;

#endif
