/* Interposed message queue and semaphore waits: System V msgrcv/msgsnd/semop and POSIX
 * mq_* (an mqd_t is a file descriptor on Linux).  POSIX semaphores (sem_wait) are futex
 * waits, not these. */
#define _GNU_SOURCE
#define TS_NAMES_INTERPOSED
#include <sys/msg.h>
#include <sys/syscall.h>
#include "cancel.h"

TS_EXPORT ssize_t msgrcv(int id, void *msg, size_t n, long type, int flags)
{
	return ts_ret(ts_block(TS_C_msgrcv, -1, SYS_msgrcv, id, (long)msg, (long)n, type, flags, 0));
}

TS_EXPORT int msgsnd(int id, const void *msg, size_t n, int flags)
{
	return (int)ts_ret(ts_block(TS_C_msgsnd, -1, SYS_msgsnd, id, (long)msg, (long)n, flags, 0, 0));
}

TS_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	return (int)ts_ret(ts_block(TS_C_semop, -1, SYS_semtimedop, id, (long)ops, (long)n, 0, 0, 0));
}

TS_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *timeout)
{
	return (int)ts_ret(ts_block(TS_C_semtimedop, -1, SYS_semtimedop, id, (long)ops, (long)n, (long)timeout, 0, 0));
}

TS_EXPORT ssize_t mq_receive(mqd_t q, char *msg, size_t n, unsigned int *prio)
{
	return ts_ret(ts_block(TS_C_mq_receive, q, SYS_mq_timedreceive, q, (long)msg, (long)n, (long)prio, 0, 0));
}

TS_EXPORT ssize_t mq_timedreceive(mqd_t q, char *msg, size_t n, unsigned int *prio, const struct timespec *abstime)
{
	return ts_ret(ts_block(TS_C_mq_timedreceive, q, SYS_mq_timedreceive, q, (long)msg, (long)n, (long)prio, (long)abstime, 0));
}

TS_EXPORT int mq_send(mqd_t q, const char *msg, size_t n, unsigned int prio)
{
	return (int)ts_ret(ts_block(TS_C_mq_send, q, SYS_mq_timedsend, q, (long)msg, (long)n, prio, 0, 0));
}

TS_EXPORT int mq_timedsend(mqd_t q, const char *msg, size_t n, unsigned int prio, const struct timespec *abstime)
{
	return (int)ts_ret(ts_block(TS_C_mq_timedsend, q, SYS_mq_timedsend, q, (long)msg, (long)n, prio, (long)abstime, 0));
}
