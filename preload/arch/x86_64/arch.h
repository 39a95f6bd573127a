/* x86_64: the symbols of the cancellable system call (syscall_cp.S) and what the cancel
 * signal's handler needs of an interrupted context.  The handler's logic (cancel.c) is
 * written against these names only; a port provides arch/<cpu>/arch.h with the same
 * functions and an assembly file with the same symbols. */
#ifndef TS_ARCH_H
#define TS_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

/* The cancellable syscall.  Returns the raw kernel result (-errno on error), or
 * -ECANCELED without entering the kernel when *token is nonzero at the check, or when
 * the cancel signal arrives before the syscall instruction completes (the handler moves
 * a PC found in [ts_cp_begin, ts_cp_end) to ts_cp_cancel). */
long ts_syscall_cp(const int *token, long nr, long a, long b, long c, long d, long e, long f)
	__attribute__((visibility("hidden")));
extern const char ts_cp_begin[], ts_cp_syscall[], ts_cp_end[], ts_cp_cancel[] __attribute__((visibility("hidden")));

/* A plain system call, the raw result (-errno on error): the shim's own calls, which
 * must never go through its wrappers. */
long ts_sys(long nr, long a, long b, long c, long d, long e, long f) __attribute__((visibility("hidden")));

/* The interrupted program counter, and moving it. */
static inline uintptr_t ts_arch_pc(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

static inline void ts_arch_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
}

/* Is pc on a system call instruction (`syscall`, 0f 05)?  Where a signal interrupts a
 * system call that the kernel restarts (SA_RESTART), the kernel has rewound the PC onto
 * that instruction, with the call's number back in its register. */
static inline int ts_arch_at_syscall(uintptr_t pc)
{
	const unsigned char *p = (const unsigned char *)pc;
	return p[0] == 0x0f && p[1] == 0x05;
}

/* The number of the system call about to be (re)entered at the PC (rax), and its
 * arguments (rdi, rsi, rdx, r10, r8, r9; n counts from 1). */
static inline long ts_arch_syscall_nr(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RAX];
}

static inline long ts_arch_syscall_arg(const ucontext_t *uc, int n)
{
	static const int reg[] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
	return uc->uc_mcontext.gregs[reg[n - 1]];
}

/* With the PC on ts_cp_syscall: did the kernel enter that system call and rewind the PC
 * to restart it (SA_RESTART), rather than the signal arriving before it was entered?
 * The syscall instruction loads rcx with the address after it, which the kernel keeps
 * in the interrupted context; ts_syscall_cp zeroes rcx just before it. */
static inline int ts_arch_restarting(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RCX] == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] + 2;
}

/* Undo the restart: step over the system call instruction as if the call had returned
 * ret (a -errno value) without entering the kernel. */
static inline void ts_arch_skip_syscall(ucontext_t *uc, long ret)
{
	uc->uc_mcontext.gregs[REG_RAX] = ret;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* A thread glibc does not know (control/rawthread.c) gets a thread pointer of its own:
 * `area` (size bytes, zeroed) holds its static TLS blocks below the pointer and a TCB at
 * it.  x86_64 keeps the TLS blocks below the TCB; the TCB starts with two pointers to
 * itself (0x0, 0x10), the stack-protector canary (0x28) and the pointer guard (0x30),
 * copied from the creator so that code built with -fstack-protector runs.  The dtv (0x8)
 * stays 0: a dynamic TLS access faults rather than touching the creator's blocks. */
#define TS_ARCH_TCB_SIZE 4096
static inline void *ts_arch_tls_setup(void *area, size_t size)
{
	char *tp = (char *)area + size - TS_ARCH_TCB_SIZE;
	uintptr_t guard, pguard;
	__asm__("mov %%fs:0x28, %0" : "=r"(guard));
	__asm__("mov %%fs:0x30, %0" : "=r"(pguard));
	((void **)tp)[0] = tp;
	((void **)tp)[2] = tp;
	*(uintptr_t *)(tp + 0x28) = guard;
	*(uintptr_t *)(tp + 0x30) = pguard;
	return tp;
}

/* The offset of the tid word (CLONE_CHILD_CLEARTID) in glibc's struct pthread: after
 * tcbhead_t (704 bytes) and a list_t.  Joins use it where prctl(PR_GET_TID_ADDRESS) is
 * missing (kernels without CONFIG_CHECKPOINT_RESTORE), and only if the main thread's word
 * holds its tid (wrap_thread.c). */
#define TS_ARCH_GLIBC_TID_OFFSET 720

#endif
