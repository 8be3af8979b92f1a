/* task.c: tasks for the lines of cooperative backends (see task.h). A task is a
 * ucontext coroutine with its own stack; it runs until it waits (dcs_task_wait), and the
 * scheduler resumes it when its descriptor is ready (epoll, one-shot) or its
 * time is up. Under AddressSanitizer every switch is announced to it, so stack
 * checks follow the task. */
#define _GNU_SOURCE
#include "task.h"
#include "../engine/base/dcs_base.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define STACK_BYTES (512 * 1024)
#else
#define STACK_BYTES (64 * 1024)
#endif

enum { T_RUN, T_WAIT, T_DONE };

typedef struct {
    ucontext_t uc;
    void *stack;
    void (*fn)(void *);
    void *arg;
    int state;
    int fd, reg_fd;   /* descriptor waited for (-1: time only); one registered in epoll */
    int64_t until_ns;
    int result;       /* of the wait: 1 ready, 0 timed out */
    void *fake;       /* AddressSanitizer's fake stack while switched out */
} task_t;

typedef struct {
    ucontext_t main;
    int ep;
    task_t *cur;
    const void *main_bottom; /* AddressSanitizer: the scheduler's stack */
    size_t main_size;
} sched_t;

static _Thread_local sched_t *sched;

/* Stacks are kept for the next cycle (a thousand lines would otherwise cost a
 * thousand fresh allocations and their page faults every cycle). */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static void **pool;
static size_t npool, cap_pool;

static void take_stacks(task_t *ts, size_t n)
{
    pthread_mutex_lock(&pool_lock);
    for (size_t i = 0; i < n; i++)
        ts[i].stack = npool ? pool[--npool] : malloc(STACK_BYTES);
    pthread_mutex_unlock(&pool_lock);
}

static void give_stacks(task_t *ts, size_t n)
{
    pthread_mutex_lock(&pool_lock);
    if (npool + n > cap_pool) {
        void **grown = realloc(pool, (npool + n) * sizeof *pool);
        if (grown)
            pool = grown, cap_pool = npool + n;
    }
    for (size_t i = 0; i < n; i++)
        if (npool < cap_pool && ts[i].stack)
            pool[npool++] = ts[i].stack;
        else
            free(ts[i].stack);
    pthread_mutex_unlock(&pool_lock);
}

static void to_task(sched_t *s, task_t *t)
{
    s->cur = t;
#if defined(__SANITIZE_ADDRESS__)
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, t->stack, STACK_BYTES);
#endif
    swapcontext(&s->main, &t->uc);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    s->cur = NULL;
}

static void to_main(sched_t *s, task_t *t)
{
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_start_switch_fiber(t->state == T_DONE ? NULL : &t->fake, s->main_bottom,
                                   s->main_size);
#endif
    swapcontext(&t->uc, &s->main);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(t->fake, &s->main_bottom, &s->main_size);
#endif
}

static void trampoline(void)
{
    sched_t *s = sched;
    task_t *t = s->cur;
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(NULL, &s->main_bottom, &s->main_size);
#endif
    t->fn(t->arg);
    t->state = T_DONE;
    to_main(s, t); /* never resumed */
}

static int wait_blocking(int fd, int events, int64_t until_ns)
{
    for (;;) {
        int64_t left = until_ns - dcs_time_now_ns();
        if (left <= 0)
            return 0;
        if (fd < 0) {
            struct timespec ts = {.tv_sec = left / DCS_NS_PER_S, .tv_nsec = left % DCS_NS_PER_S};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd p = {.fd = fd, .events = (short)events};
        int rc = poll(&p, 1, (int)((left + 999999) / 1000000));
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

/* Arm a one-shot watch of fd for t (re-arming the registration it already has). */
static int watch(sched_t *s, task_t *t, int fd, int events)
{
    struct epoll_event ev = {.events = EPOLLONESHOT | (events & POLLIN ? EPOLLIN : 0u) |
                                       (events & POLLOUT ? EPOLLOUT : 0u),
                             .data.ptr = t};
    int op = t->reg_fd == fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(s->ep, op, fd, &ev) < 0 &&
        epoll_ctl(s->ep, op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0)
        return -1;
    t->reg_fd = fd;
    return 0;
}

int dcs_task_wait(int fd, int events, int64_t until_ns)
{
    sched_t *s = sched;
    if (!s || !s->cur)
        return wait_blocking(fd, events, until_ns);
    task_t *t = s->cur;
    if (fd >= 0 && watch(s, t, fd, events) < 0)
        return -1;
    t->fd = fd;
    t->until_ns = until_ns;
    t->state = T_WAIT;
    to_main(s, t);
    return t->result;
}

void dcs_task_sleep_until(int64_t t_ns)
{
    dcs_task_wait(-1, 0, t_ns);
}

/* Resume t with the outcome of its wait; returns 1 when it has finished. */
static int resume(sched_t *s, task_t *t, int result)
{
    if (!result && t->fd >= 0) { /* timed out: disarm, so no stale event wakes it later */
        epoll_ctl(s->ep, EPOLL_CTL_DEL, t->fd, NULL);
        t->reg_fd = -1;
    }
    t->result = result;
    t->state = T_RUN;
    to_task(s, t);
    return t->state == T_DONE;
}

/* One turn of the loop: wait for the first event or timer, resume whom it wakes. */
static size_t turn(sched_t *s, task_t *ts, size_t n)
{
    int64_t now = dcs_time_now_ns(), soon = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (ts[i].state == T_WAIT && ts[i].until_ns < soon)
            soon = ts[i].until_ns;
    int ms = soon == INT64_MAX ? -1 : soon <= now ? 0 : (int)((soon - now + 999999) / 1000000);
    struct epoll_event ev[256];
    int k = epoll_wait(s->ep, ev, 256, ms);
    size_t finished = 0;
    for (int j = 0; j < k; j++) {
        task_t *t = ev[j].data.ptr;
        if (t->state == T_WAIT && t->fd >= 0 && t->fd == t->reg_fd)
            finished += (size_t)resume(s, t, 1);
    }
    now = dcs_time_now_ns();
    for (size_t i = 0; i < n; i++)
        if (ts[i].state == T_WAIT && ts[i].until_ns <= now)
            finished += (size_t)resume(s, &ts[i], 0);
    return finished;
}

int dcs_task_run(void (*fn)(void *arg), void **args, size_t n)
{
    if (!n)
        return 0;
    task_t *ts = calloc(n, sizeof *ts);
    sched_t s = {.ep = epoll_create1(EPOLL_CLOEXEC)};
    if (!ts || s.ep < 0) {
        free(ts);
        if (s.ep >= 0)
            close(s.ep);
        return DCS_ENOMEM;
    }
    sched_t *outer = sched;
    sched = &s;
    size_t live = 0;
    take_stacks(ts, n);
    for (size_t i = 0; i < n; i++) {
        task_t *t = &ts[i];
        void *stack = t->stack;
        *t = (task_t){.stack = stack, .fn = fn, .arg = args[i], .fd = -1, .reg_fd = -1};
        if (!t->stack || getcontext(&t->uc) < 0) {
            sched = outer; /* no task: run it here, blocking */
            fn(args[i]);
            sched = &s;
            t->state = T_DONE;
            continue;
        }
        t->uc.uc_stack.ss_sp = t->stack;
        t->uc.uc_stack.ss_size = STACK_BYTES;
        t->uc.uc_link = NULL;
        makecontext(&t->uc, trampoline, 0);
        to_task(&s, t);
        live += t->state != T_DONE;
    }
    while (live)
        live -= turn(&s, ts, n);
    sched = outer;
    close(s.ep);
    give_stacks(ts, n);
    free(ts);
    return 0;
}
