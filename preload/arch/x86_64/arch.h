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

/* Optional (a port may leave it out; cancel.h then calls ts_syscall_cp): the cancellable
 * system call inlined into each wrapper, so that the fast path is a leaf function with no
 * call, no argument shuffling and no saved registers.  Each expansion is a window of its
 * own, [1:, 2:), recorded with its cancel exit (3:) in the section ts_cp_windows as
 * offsets from the record (no relocations); the handler looks a PC up there
 * (ts_cp_window_cancel, cancel.h).  Same contract as ts_syscall_cp. */
#define TS_ARCH_CP_INLINE 1
struct ts_cp_window { int32_t begin, end, cancel, sys; };  /* each relative to its own field */

#define TS_ARCH_CP_ASM                                                         \
	"1:	cmpl $0, %[tok]\n"                                              \
	"	jne 3f\n"                                                        \
	"	xor %%ecx, %%ecx\n" /* see ts_arch_restarting */                 \
	"4:	syscall\n"                                                       \
	"2:\n"                                                                   \
	"	.pushsection .text.unlikely,\"ax\",@progbits\n"                 \
	"3:	mov $-125, %%rax\n" /* -ECANCELED */                            \
	"	jmp 2b\n"                                                        \
	"	.popsection\n"                                                   \
	"	.pushsection ts_cp_windows,\"a\",@progbits\n"                   \
	"	.balign 4\n"                                                     \
	"	.long 1b - .\n"                                                  \
	"	.long 2b - .\n"                                                  \
	"	.long 3b - .\n"                                                  \
	"	.long 4b - .\n"                                                  \
	"	.popsection"

/* n: how many of the arguments the system call reads (a constant where it is inlined):
 * the registers of the others are left as they are. */
static inline __attribute__((always_inline)) long
ts_arch_syscall_cp(int n, const int *token, long nr, long a, long b, long c, long d, long e, long f)
{
	long r = nr;
	if (n <= 3) {
		__asm__ volatile(TS_ARCH_CP_ASM
				 : "+a"(r)
				 : [tok] "m"(*token), "D"(a), "S"(b), "d"(c)
				 : "rcx", "r11", "memory", "cc");
	} else if (n == 4) {
		register long r10 __asm__("r10") = d;
		__asm__ volatile(TS_ARCH_CP_ASM
				 : "+a"(r)
				 : [tok] "m"(*token), "D"(a), "S"(b), "d"(c), "r"(r10)
				 : "rcx", "r11", "memory", "cc");
	} else {
		register long r10 __asm__("r10") = d;
		register long r8 __asm__("r8") = e;
		register long r9 __asm__("r9") = f;
		__asm__ volatile(TS_ARCH_CP_ASM
				 : "+a"(r)
				 : [tok] "m"(*token), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory", "cc");
	}
	return r;
}

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
