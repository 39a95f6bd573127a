/* The cancellable syscall.  Between ts_cp_begin and ts_cp_end the token is checked and
 * the syscall entered; the cancel handler (cancel.c) moves a PC found inside that window
 * to ts_cp_cancel, so a stop that lands after the check never enters (or, through
 * SA_RESTART's rewind onto the syscall instruction, never re-enters) the kernel.  A PC at
 * ts_cp_end means the syscall completed: its result is returned untouched.
 *
 * long ts_syscall_cp(const int *token, long nr, long a, long b, long c, long d, long e, long f)
 *                    rdi               rsi      rdx     rcx     r8      r9      8(%rsp) 16(%rsp)
 */
	.text
	.globl ts_syscall_cp, ts_cp_begin, ts_cp_syscall, ts_cp_end, ts_cp_cancel
	.hidden ts_syscall_cp, ts_cp_begin, ts_cp_syscall, ts_cp_end, ts_cp_cancel
	.type ts_syscall_cp, @function
ts_syscall_cp:
	.cfi_startproc
ts_cp_begin:
	mov (%rdi), %eax
	test %eax, %eax
	jnz ts_cp_cancel
	mov %rsi, %rax
	mov %rdx, %rdi
	mov %rcx, %rsi
	mov %r8, %rdx
	mov %r9, %r10
	mov 8(%rsp), %r8
	mov 16(%rsp), %r9
	xor %ecx, %ecx		/* the syscall instruction sets rcx: see ts_arch_restarting */
ts_cp_syscall:
	syscall
ts_cp_end:
	ret
ts_cp_cancel:
	mov $-125, %rax		/* -ECANCELED */
	ret
	.cfi_endproc
	.size ts_syscall_cp, .-ts_syscall_cp

/* long ts_sys(long nr, long a, long b, long c, long d, long e, long f): a plain syscall,
 * the raw result; for the shim's own use (it must never call its own wrappers). */
	.text
	.globl ts_sys
	.hidden ts_sys
	.type ts_sys, @function
ts_sys:
	.cfi_startproc
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
	ret
	.cfi_endproc
	.size ts_sys, .-ts_sys

	.section .note.GNU-stack, "", @progbits
