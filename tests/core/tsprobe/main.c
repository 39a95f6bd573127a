/* tsprobe: scenarios for the cancellation core and its transparency, run under
 * LD_PRELOAD=libthreadstop.so by tests/core/test_core.c and test_transparency.c.  Each
 * scenario checks its own outcome, prints one line per finding and exits 0 when all
 * held, 1 when one did not, 77 without the shim.  The scenarios live in files by
 * concern (tsprobe.h); this one has the API's errors and the dispatch.
 *
 *   tsprobe block CALL      a thread blocked in CALL with nothing to wake it is stopped
 *   tsprobe nostop CALL     with no stop, CALL behaves as glibc's (results, errno)
 *   tsprobe prestop CALL    stopped before the call: ECANCELED without entering the kernel
 *   tsprobe force CALL      a forced stop ends the thread through pthread_exit
 *   tsprobe race N          N stops against a reader of a counted byte stream
 *   tsprobe gil             a thread stopped in read then waits on a contended condition
 *   tsprobe isolation       a stop affects its target only
 *   tsprobe condshare       a stopped waiter leaves a condition its peers keep using
 *   tsprobe pcancel         the program's own pthread_cancel still works at our calls
 *   tsprobe api             thread_stop_tid's errors
 *   tsprobe sigblockall     threads that block every signal are still stopped
 *   tsprobe sighandlers     a program with a handler for every signal: still stopped, sees its own
 *   tsprobe sigdefault      SIG_IGN and SIG_DFL of the shim's signal number act as without it
 *   tsprobe pcancel-self    pthread_cancel(pthread_self()), with cancellation disabled and enabled
 *   tsprobe fork            fork from a threaded program under load
 *   tsprobe spawn           vfork, posix_spawn, system, popen from a threaded program
 *   tsprobe condclear       a waiter that clears its stop is not woken by the old stop's repeats
 *   tsprobe early           (with libtsearly.so preloaded after the shim) its constructor's calls worked
 *   tsprobe pcancel-early   pthread_cancel right after pthread_create, before the thread ran
 *   tsprobe forksig         fork while threads set the disposition of the shim's number
 *   tsprobe efault          unreadable masks: EFAULT, no crash
 *   tsprobe sigtear         the shim's number's disposition changed under deliveries: never mixed
 *   tsprobe norestart       a handler without SA_RESTART makes the interrupted read fail EINTR
 *   tsprobe nested          a wait nested in a handler: list shows the outer call's ARG
 *   tsprobe handler-calls   calls made in a handler during a join: the join is still stopped
 *   tsprobe seccomp-eperm   a refused signal: the stop is reported not delivered
 *   tsprobe sigqueue        the program's own signals of the shim's number: held, pending, waited for
 *   tsprobe sigheld         held in 200 threads that come and go (no memory kept), and across fork
 *   tsprobe stackmask       masks on created threads' stacks (default, small, guardless, the program's)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "tsprobe.h"

static int scen_api(void)
{
	errno = 0;
	check(stop_tid(999999999, 0) == -1 && errno == ESRCH, "api: unknown tid: ESRCH");
	check(stop_tid(gettid(), 0x80) == -1 && errno == EINVAL, "api: unknown flag: EINVAL");
	check(!stop_pending(), "api: a rejected stop changed nothing");
	check(stop_tid(getpid(), 0) == 0 && stop_pending(), "api: the main thread is registered");
	stop_clear();
	return 0;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : "";
	signal(SIGPIPE, SIG_IGN);
	bind_api();
	if (!strcmp(s, "block")) {
		scen_block(arg);
		if (!strcmp(arg, "pthread_cond_wait"))
			scen_cond_after();
	} else if (!strcmp(s, "nostop"))
		scen_nostop(arg);
	else if (!strcmp(s, "prestop"))
		scen_prestop(arg);
	else if (!strcmp(s, "force"))
		scen_force(arg);
	else if (!strcmp(s, "race"))
		scen_race(atol(arg));
	else if (!strcmp(s, "gil"))
		scen_gil();
	else if (!strcmp(s, "isolation"))
		scen_isolation();
	else if (!strcmp(s, "condshare"))
		scen_condshare();
	else if (!strcmp(s, "pcancel"))
		scen_pcancel();
	else if (!strcmp(s, "api"))
		scen_api();
	else if (!strcmp(s, "sigblockall"))
		scen_sigblockall();
	else if (!strcmp(s, "sighandlers"))
		scen_sighandlers();
	else if (!strcmp(s, "sigdefault"))
		scen_sigdefault();
	else if (!strcmp(s, "pcancel-self"))
		scen_pcancel_self();
	else if (!strcmp(s, "fork"))
		scen_fork();
	else if (!strcmp(s, "spawn"))
		scen_spawn();
	else if (!strcmp(s, "condclear"))
		scen_condclear();
	else if (!strcmp(s, "pcancel-early"))
		scen_pcancel_early();
	else if (!strcmp(s, "forksig"))
		scen_forksig();
	else if (!strcmp(s, "efault"))
		scen_efault();
	else if (!strcmp(s, "sigtear"))
		scen_sigtear();
	else if (!strcmp(s, "norestart"))
		scen_norestart();
	else if (!strcmp(s, "nested"))
		scen_nested();
	else if (!strcmp(s, "seccomp-eperm"))
		scen_seccomp_eperm();
	else if (!strcmp(s, "sigqueue"))
		scen_sigqueue();
	else if (!strcmp(s, "sigheld"))
		scen_sigheld();
	else if (!strcmp(s, "stackmask"))
		scen_stackmask();
	else if (!strcmp(s, "handler-calls"))
		scen_handler_calls();
	else if (!strcmp(s, "early")) {
		int *r = (int *)dlsym(RTLD_DEFAULT, "early_result");
		check(r && *r == 0, "a library constructor's interposed calls, before the shim's constructor: %d", r ? *r : -99);
		scen_block("read");
	}
	else {
		fprintf(stderr, "usage: tsprobe block|nostop|prestop|force CALL | race N | gil | isolation | condshare | pcancel | api\n");
		return 2;
	}
	return failed;
}

