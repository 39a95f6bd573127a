/* Internal interfaces of libthreadstop.so: the per-thread cancel token, the registry of
 * live threads, the cancellable syscall and the real libc functions. */
#ifndef TS_H
#define TS_H

#include <errno.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TS_HIDDEN __attribute__((visibility("hidden")))
#define TS_EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Bits of the token.  Any nonzero token sends an interposed call down its slow path,
 * so the fast path is one thread-local load and a branch; NEW and DEAD ride on that. */
#define TS_STOP 1u     /* stop requested: blocking calls return ECANCELED */
#define TS_FORCE 2u    /* forced stop: the thread exits at its next interposed call */
#define TS_PCANCEL 4u  /* the program pthread_cancel()ed this thread */
#define TS_NEW 8u      /* not registered yet (the initial TLS value) */
#define TS_DEAD 16u    /* unregistered: exiting, or an internal thread; calls pass through */
#define TS_BUSY 32u    /* registering: a nested call (signal handler) passes through */
#define TS_STOPPED (TS_STOP | TS_FORCE)

/* How a call is shown by `list`, and how a stopper reaches a thread inside it:
 *   FD, TIME, JOIN  one cancellable syscall: one signal (arg: fd, timeout ms, joined tid)
 *   PID, NONE       the same (arg: the pid a wait* call waits for, -1 any child, 0 or
 *                   < -1 a process group; NONE: nothing to show, -1)
 *   COND            a condition wait: broadcasts (wrap_sync.c)
 *   WAIT            a glibc wait on a futex (semaphores): signals until it leaves
 *   API             not a blocking call */
enum ts_kind { TS_K_FD, TS_K_TIME, TS_K_JOIN, TS_K_COND, TS_K_WAIT, TS_K_API, TS_K_PID, TS_K_NONE };

enum ts_call_id {
	TS_C_none,
#define TS_CALL(name, ret, params, args, kind, ver) TS_C_##name,
#include "calls.def"
#undef TS_CALL
	TS_C_count
};

/* One per thread, in static TLS.  The registry links the live ones. */
struct ts_thread {
	int stop;              /* the token (bits above) */
	int call;              /* enum ts_call_id the thread is inside, or 0 */
	long arg;              /* that call's fd or timeout (ms) */
	unsigned seq;          /* counts interposed calls entered: tells one wait from the next */
	pid_t tid;
	pthread_t self;
	pthread_cond_t *cond;  /* the condition it waits on, TS_COND_BUSY while broadcast */
	int cond_immune;       /* that wait is not failed by a plain stop (timed, or begun stopped) */
	int cond_done;         /* futex: the stopper finished with our condition */
	char sig_blocked;      /* the program blocked the shim's signal in this thread (virtually) */
	char sig_pending;      /* one arrived meanwhile (wrap_signal.c) */
	char pcancel_held;     /* a pthread_cancel met cancellation disabled (wrap_thread.c) */
	struct ts_thread *next, *prev;
	unsigned seen_seq;     /* control plane: the seq when it first saw this call ... */
	int64_t seen_ns;       /* ... and when (CLOCK_REALTIME ns) */
};

#define TS_COND_BUSY ((pthread_cond_t *)1)

extern __thread struct ts_thread ts_tls __attribute__((tls_model("initial-exec"))) TS_HIDDEN;

/* arch/: the cancellable syscall.  Returns the raw kernel result (-errno on error), or
 * -ECANCELED without entering the kernel when *token is nonzero at the check, or when
 * the cancel signal arrives before the syscall instruction completes. */
long ts_syscall_cp(const int *token, long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;
extern const char ts_cp_begin[], ts_cp_end[], ts_cp_cancel[] TS_HIDDEN;

/* real.c */
struct ts_real {
#define TS_CALL(name, ret, params, args, kind, ver) union { ret (*f) params; void *p; } name;
#include "calls.def"
#undef TS_CALL
	union { int (*f)(pthread_cond_t *); void *p; } pthread_cond_broadcast;
};
extern struct ts_real ts_real TS_HIDDEN;
void ts_bind(void) TS_HIDDEN;
#define REAL(name) (likely(ts_real.name.p) ? ts_real.name.f : (ts_bind(), ts_real.name.f))
extern const char *const ts_call_name[TS_C_count] TS_HIDDEN;
extern const unsigned char ts_call_kind[TS_C_count] TS_HIDDEN;

/* token.c: the registry */
void ts_register(struct ts_thread *t) TS_HIDDEN;
void ts_registry_lock(void) TS_HIDDEN;
void ts_registry_unlock(void) TS_HIDDEN;
struct ts_thread *ts_find_tid(pid_t tid) TS_HIDDEN;      /* registry locked */
struct ts_thread *ts_find_self(pthread_t th) TS_HIDDEN;  /* registry locked */
struct ts_thread *ts_registry_first(void) TS_HIDDEN;     /* registry locked */
void ts_token_init(void) TS_HIDDEN;
void ts_join_init(void) TS_HIDDEN;

/* signal.c, wrap_signal.c */
extern int ts_signal TS_HIDDEN;
void ts_signal_init(void) TS_HIDDEN;
void ts_send(const struct ts_thread *t) TS_HIDDEN;
void ts_send_tid(pid_t tid) TS_HIDDEN;
int ts_foreign_stoppable(long nr, long arg2) TS_HIDDEN;
const char *ts_foreign_name(long nr) TS_HIDDEN;
long ts_blocked_syscall(pid_t tid, long args[2]) TS_HIDDEN;
void ts_deliver_foreign(int sig, siginfo_t *si, void *ctx) TS_HIDDEN;
void ts_virtual_signal_init(void) TS_HIDDEN;

/* log.c */
extern int ts_debug_on TS_HIDDEN;
void ts_log_init(void) TS_HIDDEN;
void ts_log(const char *fmt, ...) __attribute__((format(printf, 1, 2))) TS_HIDDEN;
void ts_debug_(const char *fmt, ...) __attribute__((format(printf, 1, 2))) TS_HIDDEN;
#define ts_debug(...) (unlikely(ts_debug_on) ? ts_debug_(__VA_ARGS__) : (void)0)

/* cancel.c */
void ts_cancel_init(void) TS_HIDDEN;
int ts_slow(struct ts_thread *t) TS_HIDDEN;
int ts_mark(struct ts_thread *t, unsigned bits) TS_HIDDEN; /* registry locked */
int ts_kick(struct ts_thread *t, unsigned bits) TS_HIDDEN; /* registry locked */
void ts_barrier(void) TS_HIDDEN;
void ts_kick_more(pid_t tid, unsigned bits, unsigned seq) TS_HIDDEN;
void ts_cond_leave(struct ts_thread *t) TS_HIDDEN;
int ts_stop_tids(const pid_t *tids, int n, unsigned flags, unsigned char *ok) TS_HIDDEN;
long ts_sys(long nr, long a, long b, long c, long d, long e, long f) TS_HIDDEN;
void ts_exit_forced(struct ts_thread *t) __attribute__((noreturn)) TS_HIDDEN;

/* control.c: the control socket and its listener thread */
void ts_control_init(void) TS_HIDDEN;
void ts_control_poke(void) TS_HIDDEN;
extern int ts_ctl_fd_floor TS_HIDDEN; /* the lowest descriptor the control plane holds */

/* python.c: a stop failed this call of the calling thread (returns r). */
long ts_py_failed(struct ts_thread *t, long r) TS_HIDDEN;

/* What ts_slow() tells a wrapper to do. */
enum { TS_GO = 0, TS_CANCEL = 1, TS_PASS = 2 };

/* A blocking syscall, cancellable.  The fast path: one TLS load of the token and a
 * branch, then a few plain stores that describe the call for `list` and for the
 * stopper (who signals the thread only while call is set). */
static inline long ts_block(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	struct ts_thread *t = &ts_tls;
	long r;
	int saved;
	long saved_arg;

	if (unlikely(t->stop)) {
	slow:
		switch (ts_slow(t)) {
		case TS_CANCEL: return ts_py_failed(t, -ECANCELED);
		case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
		}
	}
	saved = t->call;
	saved_arg = t->arg;
	t->arg = arg;
	t->seq++;
	t->call = id;
	r = ts_syscall_cp(&t->stop, nr, a, b, c, d, e, f);
	t->call = saved;
	t->arg = saved_arg;
	if (unlikely(r == -EINTR || r == -ECANCELED) && __atomic_load_n(&t->stop, __ATOMIC_RELAXED))
		goto slow;
	return r;
}

/* Output and opens (write, send, open, msgsnd...): a stop already pending when the call
 * begins does not fail it, so that a stopped thread can still report its error, flush its
 * output or open a file on its way out (CPython prints the traceback of the stopped call
 * to stderr).  A stop that arrives while the call is in progress, blocked, ends it with
 * ECANCELED as it ends any call; a forced stop exits as everywhere. */
static inline long ts_block_late(int id, long arg, long nr, long a, long b, long c, long d, long e, long f)
{
	static const int go = 0;
	struct ts_thread *t = &ts_tls;
	long r;
	int saved;
	long saved_arg;

	if (likely(!t->stop))
		return ts_block(id, arg, nr, a, b, c, d, e, f);
	switch (ts_slow(t)) {
	case TS_PASS: return ts_sys(nr, a, b, c, d, e, f);
	case TS_GO: return ts_block(id, arg, nr, a, b, c, d, e, f);
	}
	/* The token is set: check a zero one instead, so the call goes in; the handler still
	 * moves a new stop's signal inside the window to the cancel exit. */
	saved = t->call;
	saved_arg = t->arg;
	t->arg = arg;
	t->seq++;
	t->call = id;
	r = ts_syscall_cp(&go, nr, a, b, c, d, e, f);
	t->call = saved;
	t->arg = saved_arg;
	return r == -EINTR ? -ECANCELED : r;
}

/* The shim's signal must stay deliverable: a mask the program hands to a call for its
 * duration (ppoll, pselect, epoll_pwait, sigsuspend...) never blocks it. */
static inline const sigset_t *ts_unblock_ours(const sigset_t *set, sigset_t *copy)
{
	if (!set || !sigismember(set, ts_signal))
		return set;
	*copy = *set;
	sigdelset(copy, ts_signal);
	return copy;
}

/* A call's timeout in ms for `list`: -1 none; 0 for an invalid (negative) one;
 * INT64_MAX for one as good as forever. */
static inline long ts_ms(const struct timespec *ts)
{
	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_sec >= INT64_MAX / 1000 - 1)
		return ts->tv_sec < 0 ? 0 : INT64_MAX;
	return ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* The libc convention: -1 and errno. */
static inline long ts_ret(long r)
{
	if (unlikely((unsigned long)r > -4096UL)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Keep internal code from calling an interposed name by accident: it would go through
 * our own wrapper.  Internal code uses ts_sys() or REAL(). */
#ifndef TS_NAMES_INTERPOSED
#define read ts_do_not_call_read
#define recv ts_do_not_call_recv
#define accept ts_do_not_call_accept
#define poll ts_do_not_call_poll
#define nanosleep ts_do_not_call_nanosleep
#define clock_nanosleep ts_do_not_call_clock_nanosleep
#define pthread_cond_wait ts_do_not_call_pthread_cond_wait
#define pthread_cond_timedwait ts_do_not_call_pthread_cond_timedwait
#define write(...) ts_do_not_call_write(__VA_ARGS__)
#define send(...) ts_do_not_call_send(__VA_ARGS__)
#define connect(...) ts_do_not_call_connect(__VA_ARGS__)
#define select(...) ts_do_not_call_select(__VA_ARGS__)
#define epoll_wait(...) ts_do_not_call_epoll_wait(__VA_ARGS__)
#define sleep(...) ts_do_not_call_sleep(__VA_ARGS__)
#define usleep(...) ts_do_not_call_usleep(__VA_ARGS__)
#define pause(...) ts_do_not_call_pause(__VA_ARGS__)
#define sigsuspend(...) ts_do_not_call_sigsuspend(__VA_ARGS__)
#define sigwait(...) ts_do_not_call_sigwait(__VA_ARGS__)
#define sigwaitinfo(...) ts_do_not_call_sigwaitinfo(__VA_ARGS__)
#define sigtimedwait(...) ts_do_not_call_sigtimedwait(__VA_ARGS__)
#define waitpid(...) ts_do_not_call_waitpid(__VA_ARGS__)
#define wait(...) ts_do_not_call_wait(__VA_ARGS__)
#define fcntl(...) ts_do_not_call_fcntl(__VA_ARGS__)
#define flock(...) ts_do_not_call_flock(__VA_ARGS__)
#define open(...) ts_do_not_call_open(__VA_ARGS__)
#define openat(...) ts_do_not_call_openat(__VA_ARGS__)
#endif

#endif
