/* The virtual disposition, read by the handler without a lock: two slots, the index of
 * the current one, and a sequence number per slot, odd while the slot is written (a
 * seqlock per slot).  A writer fills the slot that is not current and then makes it
 * current, so a handler that interrupts a write in its own thread reads the other slot
 * and never waits.  A reader in another thread that raced a write to the slot it read
 * (two writes during its copy) sees the slot's number change, and copies again.
 * Every word is stored with release and loaded with acquire (plain moves on x86_64):
 * a reader that read a word of a write then sees that write's odd number, and no copy is
 * a data race in C11's sense.
 *
 * Writers serialise on a spin word, taken with every signal blocked, so that no handler
 * (the program's, through ours) runs in a thread that holds it: the handler's own write
 * (SA_RESETHAND) can wait for it.  fork.c takes it too; the child resets it. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include "sigvirt.h"
#include "sigvirt_action.h"

#define PROG_WORDS (sizeof(struct sigaction) / sizeof(unsigned long))
static unsigned long prog[2][PROG_WORDS];
static unsigned prog_seq[2];
static int prog_cur;
static int prog_busy;
static sigset_t fork_saved; /* the forking thread's mask, while fork.c holds the lock */

void ts_prog_get(struct sigaction *act)
{
	unsigned long w[PROG_WORDS];
	unsigned s1, s2;
	int i;
	do {
		i = __atomic_load_n(&prog_cur, __ATOMIC_ACQUIRE);
		s1 = __atomic_load_n(&prog_seq[i], __ATOMIC_ACQUIRE);
		for (size_t k = 0; k < PROG_WORDS; k++)
			w[k] = __atomic_load_n(&prog[i][k], __ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&prog_seq[i], __ATOMIC_RELAXED);
	} while ((s1 & 1) || s1 != s2);
	memcpy(act, w, sizeof *act);
}

void ts_prog_put(const struct sigaction *act)
{
	unsigned long w[PROG_WORDS];
	int i = !__atomic_load_n(&prog_cur, __ATOMIC_RELAXED);
	unsigned s = __atomic_load_n(&prog_seq[i], __ATOMIC_RELAXED);
	memcpy(w, act, sizeof w);
	__atomic_store_n(&prog_seq[i], s + 1, __ATOMIC_RELAXED);
	for (size_t k = 0; k < PROG_WORDS; k++)
		__atomic_store_n(&prog[i][k], w[k], __ATOMIC_RELEASE);
	__atomic_store_n(&prog_seq[i], s + 2, __ATOMIC_RELEASE);
	__atomic_store_n(&prog_cur, i, __ATOMIC_RELEASE);
}

static void all_signals(int how, const sigset_t *set, sigset_t *old)
{
	ts_sys(SYS_rt_sigprocmask, how, (long)set, (long)old, _NSIG / 8, 0, 0);
}

void ts_prog_lock(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	all_signals(SIG_BLOCK, &all, old);
	while (__atomic_exchange_n(&prog_busy, 1, __ATOMIC_ACQUIRE))
		ts_sys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

void ts_prog_unlock(const sigset_t *old)
{
	__atomic_store_n(&prog_busy, 0, __ATOMIC_RELEASE);
	all_signals(SIG_SETMASK, old, 0);
}

void ts_prog_set(const struct sigaction *act)
{
	sigset_t old;
	ts_prog_lock(&old);
	ts_prog_put(act);
	ts_prog_unlock(&old);
}

/* fork.c: no write in progress while the address space is copied. */
void ts_sigvirt_lock(void)
{
	sigset_t old;
	ts_prog_lock(&old);
	fork_saved = old;
}

void ts_sigvirt_unlock(void)
{
	sigset_t old = fork_saved;
	ts_prog_unlock(&old);
}
