/* What the handler (signal.c) needs to know about x86_64: where the interrupted PC and the
 * system call registers live in a ucontext, and what a `syscall` instruction looks like.
 * The contract of an arch/ARCH/ directory: doc/design.md. */
#ifndef TS_ARCH_H
#define TS_ARCH_H

#include <stdint.h>
#include <ucontext.h>

static inline uintptr_t ts_arch_pc(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

static inline void ts_arch_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
}

/* The PC is on a system call instruction (0f 05), where the kernel's restart rewind of an
 * interrupted call (SA_RESTART) leaves it. */
static inline int ts_arch_on_syscall(uintptr_t pc)
{
	return ((const unsigned char *)pc)[0] == 0x0f && ((const unsigned char *)pc)[1] == 0x05;
}

/* The number of the system call about to be (re-)entered, and its argument i (0..5). */
static inline long ts_arch_sysnr(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RAX];
}

static inline long ts_arch_sysarg(const ucontext_t *uc, int i)
{
	static const int reg[6] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
	return uc->uc_mcontext.gregs[reg[i]];
}

/* Skip the system call instruction at the PC as if the call had returned r. */
static inline void ts_arch_skip_syscall(ucontext_t *uc, long r)
{
	uc->uc_mcontext.gregs[REG_RAX] = r;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* The offset of the tid word (CLONE_CHILD_CLEARTID) in glibc's struct pthread, after tcbhead_t (704 bytes) and a list_t:
 * used for joins when prctl(PR_GET_TID_ADDRESS) is missing, and only if the main
 * thread's word holds its tid (wrap_thread.c). */
#define TS_ARCH_GLIBC_TID_OFFSET 720

#endif
