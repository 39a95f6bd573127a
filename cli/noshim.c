/* Does a process run without the shim: libthreadstop.so not in its maps, not about to
 * load it, and no listener answering for its pid. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "procfs.h"

int ts_proc_has_shim(pid_t pid)
{
	char path[40], line[512];
	FILE *f;
	int hit = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!hit && fgets(line, sizeof line, f))
		hit = strstr(line, "libthreadstop") != 0;
	if (!hit && ferror(f))
		hit = -1;
	fclose(f);
	return hit;
}

/* Does pid's listener answer (its abstract name, checked by SO_PEERCRED: client.c)?
 * Then the control path judges it.  There is never anything to remove. */
static int serving(pid_t pid, double deadline)
{
	struct tsc c;
	int e = tsc_open_until(&c, pid, deadline_ms(deadline));
	if (!e)
		tsc_close(&c);
	return e != -ENOENT;
}

int ts_proc_without_shim(pid_t pid, double deadline)
{
	char path[40], exe[PATH_MAX], self[PATH_MAX], *env, *p;
	ssize_t n, k;
	int fd, pending = 0;
	if (ts_proc_has_shim(pid) != 0)
		return 0;
	/* Gone or a zombie: the control path says so. */
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (ts_proc_slurp(path, exe, sizeof exe) <= 0 || !(env = strrchr(exe, ')')) || env[1] != ' ' || env[2] == 'Z' ||
	    env[2] == 'X')
		return 0;
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof exe - 1);
	k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0 && n == k && !memcmp(exe, self, (size_t)n))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || !(env = malloc(1 << 16))) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	n = 0;
	while (n < (1 << 16) - 1 && (k = read(fd, env + n, (size_t)((1 << 16) - 1 - n))) > 0)
		n += k;
	close(fd);
	env[n] = 0;
	for (p = env; p < env + n; p += strlen(p) + 1)
		if (!strncmp(p, "LD_PRELOAD=", 11) && strstr(p, "libthreadstop"))
			pending = 1;
	free(env);
	return !pending && !serving(pid, deadline);
}
