/* task.h: waits that either block or yield. The poller runs the lines of a
 * cooperative backend (dcs_probe_ops.cooperative, e.g. Modbus TCP) as tasks
 * (ucontext coroutines) on one thread with one epoll loop, so a thousand meters
 * cost one thread and few wake-ups; other lines run on worker threads and block.
 * A backend's code is the same either way: it waits only through dcs_task_wait
 * and dcs_task_sleep_until. */
#ifndef DCS_TASK_H
#define DCS_TASK_H

#include <stddef.h>
#include <stdint.h>

/* Wait until fd has one of events (POLLIN/POLLOUT) or until_ns (CLOCK_REALTIME,
 * as dcs_time_now_ns) has passed. Returns 1 ready, 0 timed out, -1 error (errno).
 * In a task it yields to the others; elsewhere it blocks in poll(). */
int dcs_task_wait(int fd, int events, int64_t until_ns);
/* Sleep until t_ns (yielding in a task). */
void dcs_task_sleep_until(int64_t t_ns);

/* Run fn(args[i]) for i < n as tasks on this thread until every one returns.
 * Returns 0, or DCS_ENOMEM when no task could be set up (then none ran). */
int dcs_task_run(void (*fn)(void *arg), void **args, size_t n);

#endif
