/* The cancellable syscall for aarch64 (the contract: arch/x86_64/syscall_cp.S, design.md).
 * The window [ts_cp_begin, ts_cp_end) holds the token check and the `svc #0`; the kernel's
 * restart rewind (SA_RESTART) puts the PC back on the svc, 4 bytes before ts_cp_end, so
 * a stop that arrives while the call is restarted moves it to ts_cp_cancel as well.
 *
 * long ts_syscall_cp_asm(const int *token, long nr, long a, long b, long c, long d, long e, long f)
 *                        x0                x1       x2      x3      x4      x5      x6      x7
 * The kernel takes the number in x8, the arguments in x0..x5, and returns in x0.  The
 * shared code calls ts_syscall_cp and ts_sys (compat.c), which come here after
 * translating the calls aarch64 lacks (arch.h).
 *
 * TS_SPLIT_WINDOW (a test build only, libthreadstop-splitwin.so): a sched_yield between
 * the check and the svc.  qemu-user delivers a guest signal only at a translation-block
 * boundary or after a system call, never between the token load and the svc; the extra
 * svc lets a stop land inside the window after the check, so the handler's move of the PC
 * runs under emulation too.  ts_test_window_moves() counts the stops that did land there:
 * the handler moved the PC to the cancel exit while x8 still held the yield's number
 * (after the check, before the real syscall; the check's own branch skips the count). */
	.text
	.globl ts_syscall_cp_asm, ts_cp_begin, ts_cp_syscall, ts_cp_end, ts_cp_cancel
	.hidden ts_syscall_cp_asm, ts_cp_begin, ts_cp_syscall, ts_cp_end, ts_cp_cancel
	.type ts_syscall_cp_asm, %function
	.p2align 2
ts_syscall_cp_asm:
	.cfi_startproc
ts_cp_begin:
	ldr w9, [x0]
#ifndef TS_SPLIT_WINDOW
	cbnz w9, ts_cp_cancel
#else
	cbnz w9, 2f
	mov x8, #124		/* SYS_sched_yield; x1..x7 survive it */
	svc #0
#endif
	mov x8, x1
	mov x0, x2
	mov x1, x3
	mov x2, x4
	mov x3, x5
	mov x4, x6
	mov x5, x7
ts_cp_syscall:
	svc #0
ts_cp_end:
	ret
ts_cp_cancel:
#ifdef TS_SPLIT_WINDOW
	cmp x8, #124		/* still the yield's number: moved from between check and svc */
	b.ne 2f
	adrp x9, window_moves
	add x9, x9, :lo12:window_moves
1:	ldxr x10, [x9]
	add x10, x10, #1
	stxr w11, x10, [x9]
	cbnz w11, 1b
2:
#endif
	mov x0, #-125		/* -ECANCELED */
	ret
	.cfi_endproc
	.size ts_syscall_cp_asm, .-ts_syscall_cp_asm

#ifdef TS_SPLIT_WINDOW
/* long ts_test_window_moves(void): the count above (exported by the test build, which
 * has no version script). */
	.globl ts_test_window_moves
	.type ts_test_window_moves, %function
	.p2align 2
ts_test_window_moves:
	adrp x0, window_moves
	ldr x0, [x0, :lo12:window_moves]
	ret
	.size ts_test_window_moves, .-ts_test_window_moves
	.local window_moves
	.comm window_moves, 8, 8
#endif

/* long ts_sys_asm(long nr, long a, long b, long c, long d, long e, long f): a plain syscall,
 * the raw result; for the shim's own use (it must never call its own wrappers). */
	.globl ts_sys_asm
	.hidden ts_sys_asm
	.type ts_sys_asm, %function
	.p2align 2
ts_sys_asm:
	.cfi_startproc
	mov x8, x0
	mov x0, x1
	mov x1, x2
	mov x2, x3
	mov x3, x4
	mov x4, x5
	mov x5, x6
	svc #0
	ret
	.cfi_endproc
	.size ts_sys_asm, .-ts_sys_asm

	.section .note.GNU-stack, "", %progbits
