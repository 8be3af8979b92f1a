/* mb_task.h: waits for Modbus lines that either block or yield. The lines of
 * Modbus TCP devices run as tasks (ucontext coroutines) on one thread with one
 * epoll loop, so a thousand meters cost one thread and few wake-ups; serial and
 * RTU-over-TCP lines run on the poller's worker threads and block. The line code
 * is the same either way: it waits only through mb_wait and mb_sleep_until.
 * Internal to probes/modbus. */
#ifndef DCS_MB_TASK_H
#define DCS_MB_TASK_H

#include <stddef.h>
#include <stdint.h>

/* Wait until fd has one of events (POLLIN/POLLOUT) or until_ns (CLOCK_REALTIME,
 * as dcs_time_now_ns) has passed. Returns 1 ready, 0 timed out, -1 error (errno).
 * In a task it yields to the others; elsewhere it blocks in poll(). */
int mb_wait(int fd, int events, int64_t until_ns);
/* Sleep until t_ns (yielding in a task). */
void mb_sleep_until(int64_t t_ns);

/* Run fn(args[i]) for i < n as tasks on this thread until every one returns.
 * Returns 0, or DCS_ENOMEM when no task could be set up (then none ran). */
int mb_run_tasks(void (*fn)(void *arg), void **args, size_t n);

#endif
