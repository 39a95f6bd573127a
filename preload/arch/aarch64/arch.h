/* aarch64: the symbols of the cancellable system call (syscall_cp.S) and what the cancel
 * signal's handler needs of an interrupted context, with the same names as
 * arch/x86_64/arch.h (the contract: doc/design.md).  The number is in x8, the arguments
 * in x0..x5 (a restart rewind puts the first one back in x0), the result in x0, the PC in
 * uc_mcontext.pc; `svc #0` is one 4-byte instruction. */
#ifndef TS_ARCH_H
#define TS_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

/* The cancellable syscall (the contract of arch/x86_64/arch.h).  Here a C function
 * (compat.c) in front of the assembly, for the calls aarch64 lacks (below). */
long ts_syscall_cp(const int *token, long nr, long a, long b, long c, long d, long e, long f)
	__attribute__((visibility("hidden")));
extern const char ts_cp_begin[], ts_cp_syscall[], ts_cp_end[], ts_cp_cancel[] __attribute__((visibility("hidden")));

/* A plain system call, the raw result (-errno on error). */
long ts_sys(long nr, long a, long b, long c, long d, long e, long f) __attribute__((visibility("hidden")));

static inline uintptr_t ts_arch_pc(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.pc;
}

static inline void ts_arch_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.pc = pc;
}

/* Is pc on `svc #0` (0xd4000001; instructions are little-endian words, 4-byte aligned)? */
static inline int ts_arch_at_syscall(uintptr_t pc)
{
	return !(pc & 3) && *(const uint32_t *)pc == 0xd4000001u;
}

static inline long ts_arch_syscall_nr(const ucontext_t *uc)
{
	return (long)uc->uc_mcontext.regs[8];
}

/* n counts from 1: x0..x5. */
static inline long ts_arch_syscall_arg(const ucontext_t *uc, int n)
{
	return (long)uc->uc_mcontext.regs[n - 1];
}

/* Did the kernel enter the svc at the PC and rewind it for a restart, rather than the
 * signal arriving before it?  `svc` changes no register and a rewind restores x0, so
 * aarch64 cannot tell: say no, and a handler the program installed without SA_RESTART
 * does not turn a restarted call into EINTR here (the x86_64 limit before issue 11). */
static inline int ts_arch_restarting(const ucontext_t *uc)
{
	(void)uc;
	return 0;
}

static inline void ts_arch_skip_syscall(ucontext_t *uc, long ret)
{
	uc->uc_mcontext.regs[0] = (unsigned long long)ret;
	uc->uc_mcontext.pc += 4;
}

/* The offset of the tid word (CLONE_CHILD_CLEARTID) in glibc's struct pthread: after 24
 * words of padding and a list_t.  Joins use it where prctl(PR_GET_TID_ADDRESS) is missing
 * (qemu-user, kernels without CONFIG_CHECKPOINT_RESTORE), and only if the main thread's
 * word holds its tid (wrap_thread.c). */
#define TS_ARCH_GLIBC_TID_OFFSET 208

/* A thread glibc does not know gets a thread pointer of its own (x86_64/arch.h has the
 * contract).  aarch64 keeps the TLS blocks above the pointer (after a 16-byte TCB) and
 * glibc's struct pthread below it; the stack-protector canary and the pointer guard are
 * globals here, not in the TCB.  So the pointer sits TS_ARCH_TCB_SIZE into the zeroed
 * area: glibc's thread descriptor below it, the static TLS blocks above. */
#define TS_ARCH_TCB_SIZE 4096
static inline void *ts_arch_tls_setup(void *area, size_t size)
{
	(void)size;
	return (char *)area + TS_ARCH_TCB_SIZE;
}

/* aarch64 has no open, creat, poll, epoll_wait, pause, mkdir, unlink or chmod system
 * calls, only their *at and p* forms.  The shared code names the old ones (on x86_64
 * they are what glibc itself uses, so the shim makes the calls the program would); here
 * they get numbers no kernel has, which ts_syscall_cp and ts_sys (compat.c) translate,
 * as glibc does, before entering the kernel.  The kernel never reports such a number in
 * /proc/TID/syscall nor leaves one in x8, so the allowlist of foreign calls
 * (foreign.c, one table for every arch) never matches them: it holds openat too. */
#define TS_NR_COMPAT 0x7fff0000L
#define SYS_poll (TS_NR_COMPAT + 0)
#define SYS_epoll_wait (TS_NR_COMPAT + 1)
#define SYS_pause (TS_NR_COMPAT + 2)
#define SYS_open (TS_NR_COMPAT + 3)
#define SYS_creat (TS_NR_COMPAT + 4)
#define SYS_mkdir (TS_NR_COMPAT + 5)
#define SYS_unlink (TS_NR_COMPAT + 6)
#define SYS_chmod (TS_NR_COMPAT + 7)

#endif
