/* What the shim needs to know about aarch64 (the contract: arch/x86_64/arch.h and
 * doc/design.md): the PC in uc_mcontext.pc, the number in x8, the arguments in x0..x5
 * (x0 restored to the first argument by a restart rewind), the result in x0, and the
 * 4-byte `svc #0`. */
#ifndef TS_ARCH_H
#define TS_ARCH_H

#include <stdint.h>
#include <ucontext.h>

static inline uintptr_t ts_arch_pc(const ucontext_t *uc)
{
	return (uintptr_t)uc->uc_mcontext.pc;
}

static inline void ts_arch_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.pc = pc;
}

/* `svc #0` (0xd4000001; instructions are little-endian and 4-byte aligned). */
static inline int ts_arch_on_syscall(uintptr_t pc)
{
	return !(pc & 3) && *(const uint32_t *)pc == 0xd4000001u;
}

static inline long ts_arch_sysnr(const ucontext_t *uc)
{
	return (long)uc->uc_mcontext.regs[8];
}

static inline long ts_arch_sysarg(const ucontext_t *uc, int i)
{
	return (long)uc->uc_mcontext.regs[i];
}

static inline void ts_arch_skip_syscall(ucontext_t *uc, long r)
{
	uc->uc_mcontext.regs[0] = (unsigned long long)r;
	uc->uc_mcontext.pc += 4;
}

/* aarch64 has no open, creat, poll, epoll_wait, pause, mkdir, unlink or chmod system
 * calls, only their *at and p* forms.  The shared code names the old ones (on x86_64 they
 * are what glibc itself uses, so the shim makes the same calls as the program would);
 * here they get numbers no kernel has, which ts_syscall_cp and ts_sys (compat.c)
 * translate, as glibc does, before entering the kernel.  The kernel never reports such a
 * number in /proc/TID/syscall nor leaves one in x8, so the allowlist of foreign calls
 * (signal.c) simply never matches them. */
#define TS_NR_COMPAT 0x7fff0000L
#define SYS_poll (TS_NR_COMPAT + 0)
#define SYS_epoll_wait (TS_NR_COMPAT + 1)
#define SYS_pause (TS_NR_COMPAT + 2)
#define SYS_open (TS_NR_COMPAT + 3)
#define SYS_creat (TS_NR_COMPAT + 4)
#define SYS_mkdir (TS_NR_COMPAT + 5)
#define SYS_unlink (TS_NR_COMPAT + 6)
#define SYS_chmod (TS_NR_COMPAT + 7)

/* The offset of the tid word (CLONE_CHILD_CLEARTID) in glibc's struct pthread, after 24 words of padding and a list_t:
 * used for joins when prctl(PR_GET_TID_ADDRESS) is missing, and only if the main
 * thread's word holds its tid (wrap_thread.c). */
#define TS_ARCH_GLIBC_TID_OFFSET 208

#endif
