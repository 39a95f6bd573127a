/* seccomp_exec kill-membarrier|eperm-signal CMD...: run CMD under a seccomp filter that
 * kills the process on membarrier, or refuses rt_tgsigqueueinfo with EPERM (the filter
 * is inherited across exec, so the shim's constructor in CMD runs under it). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int seccomp_refuse(long nr, int kill);

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "kill-membarrier") ? seccomp_refuse(SYS_membarrier, 1)
						  : seccomp_refuse(SYS_rt_tgsigqueueinfo, 0)) {
		perror("seccomp");
		return 77; /* no filter here (qemu-user): the caller skips */
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
