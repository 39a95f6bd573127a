/* seccomp_run MODE CMD [ARGS...]: run CMD under a seccomp filter that refuses what the
 * shim's listener or its stops rely on, as a container's profile may (listener.sh).
 *   clone     clone() of a thread without CLONE_FILES: EPERM (clone3: ENOSYS, so that
 *             glibc's pthread_create falls back to clone, which the filter can inspect)
 *   unshare   the same, and unshare(): EPERM
 *   signal    rt_tgsigqueueinfo: EPERM (the shim's cancel signal) */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	const char *mode = argc > 2 ? argv[1] : "";
	int r = 0;
	if (argc < 3 || (strcmp(mode, "clone") && strcmp(mode, "unshare") && strcmp(mode, "signal"))) {
		fprintf(stderr, "usage: seccomp_run clone|unshare|signal CMD [ARGS...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 1;
	if (!strcmp(mode, "signal")) {
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_tgsigqueueinfo), 0);
	} else {
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_FILES, CLONE_THREAD));
		if (!strcmp(mode, "unshare"))
			r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
	}
	if (r || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_load(ctx)) {
		fprintf(stderr, "seccomp_run: cannot install the filter\n");
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
