/* The prototype of every entry of calls.def, as the table writes it.  The wrappers see
 * these before their definitions, so a wrapper whose type differs from its table entry
 * (or a table entry that differs from glibc's own declaration) does not compile.  Also
 * declares what glibc's headers do not: its exported internal names (__read...) and the
 * fortified entry points (__read_chk...), for the wrappers and the coverage targets.
 * Include it after the system headers, with the plain names not renamed to their *64
 * twins (#undef _FILE_OFFSET_BITS). */
#ifndef TS_PROTOS_H
#define TS_PROTOS_H

#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* (<signal.h> binds `sigpause` to the X/Open form under another assembler name: that
 * redeclaration keeps it; the BSD symbol is defined as ts_sigpause_bsd, wrap_sigwait.c.) */
#define TS_CALL(name, ret, params, args, kind, policy, family, ver) ret name params;
#include "calls.def"
#undef TS_CALL

#endif
