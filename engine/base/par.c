/* par.c: worker processes for long jobs (dcs_par.h gives the model). */
#define _GNU_SOURCE
#include "dcs_par.h"
#include "dcs_base.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAR_MAX 64

static unsigned chosen;

void dcs_par_set_workers(unsigned n)
{
    chosen = n > PAR_MAX ? PAR_MAX : n;
}

/* A worker holds up to about 300 MB (a slice of samples and a wave's buckets
 * are each bounded at 256 MB): by default no more workers than there are
 * 512 MB of memory, so a many-core machine with little memory is not overrun. */
#define PAR_BYTES_PER_WORKER ((long long)512 << 20)

unsigned dcs_par_workers(void)
{
    if (chosen)
        return chosen;
    const char *e = getenv("DCSCORE_THREADS");
    long n = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    long long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (!(e && *e) && pages > 0 && page > 0 && n > pages * page / PAR_BYTES_PER_WORKER)
        n = (long)(pages * page / PAR_BYTES_PER_WORKER);
    return n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : (unsigned)n;
}

void *dcs_par_shared(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void dcs_par_unshare(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

/* What each worker reports, in shared memory: done is set last, so a parent
 * that cannot reap its children (SIGCHLD ignored) still knows. */
typedef struct {
    volatile int done;
    int rc;
    size_t failed_task;
    size_t tasks_done;   /* for the parent's progress */
} par_status_t;

static int run_inline(size_t ntasks, int (*task)(void *, size_t), void *ctx, dcs_par_tick_fn tick, void *tctx)
{
    for (size_t t = 0; t < ntasks; t++) {
        int rc = task(ctx, t);
        if (rc)
            return rc;
        if (tick)
            tick(tctx, t + 1, ntasks);
    }
    return 0;
}

static void worker(unsigned w, unsigned n, size_t ntasks, int (*task)(void *, size_t), void *ctx,
                   par_status_t *st)
{
    int rc = 0;
    for (size_t t = w; !rc && t < ntasks; t += n) {
        if ((rc = task(ctx, t)))
            st->failed_task = t;
        __atomic_store_n(&st->tasks_done, st->tasks_done + !rc, __ATOMIC_RELAXED);
    }
    st->rc = rc;
    __atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
    _exit(rc ? 1 : 0); /* no atexit handlers, no stdio flush: the parent owns those */
}

/* What became of worker w, r and status from waitpid. */
static int reaped(pid_t r, int status, unsigned w, const par_status_t *st, char *err, size_t errlen)
{
    if (r < 0 && errno == ECHILD) /* reaped by someone else (SIGCHLD ignored) */
        return __atomic_load_n(&st->done, __ATOMIC_ACQUIRE) ? 0 : (snprintf(err, errlen,
               "worker %u of the job vanished without finishing", w), DCS_EIO);
    if (WIFSIGNALED(status))
        return snprintf(err, errlen, "worker %u of the job died (signal %d, %s)", w, WTERMSIG(status),
                        strsignal(WTERMSIG(status))), DCS_EIO;
    if (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE))
        return snprintf(err, errlen, "worker %u of the job exited without finishing", w), DCS_EIO;
    return 0;
}

/* Wait for worker pid; a worker that died says how in err. */
static int reap(pid_t pid, unsigned w, const par_status_t *st, char *err, size_t errlen)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    return reaped(r, status, w, st, err, errlen);
}

/* Until every worker has finished, died or vanished: the tasks done so far to
 * tick, every 100 ms and at the end (looking every 5 ms, so the end is not
 * late). Workers are looked at without being reaped (WNOWAIT): reap collects
 * them after. */
static void watch(const par_status_t *st, const pid_t *pid, unsigned n, size_t ntasks, dcs_par_tick_fn tick,
                  void *tctx)
{
    for (unsigned round = 0;; round++) {
        size_t done = 0;
        unsigned finished = 0;
        for (unsigned w = 0; w < n; w++) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            done += __atomic_load_n(&st[w].tasks_done, __ATOMIC_RELAXED);
            finished += __atomic_load_n(&st[w].done, __ATOMIC_ACQUIRE) ||
                        waitid(P_PID, (id_t)pid[w], &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == pid[w];
        }
        if (finished == n || round % 20 == 0)
            tick(tctx, done, ntasks);
        if (finished == n)
            return;
        usleep(5000);
    }
}

int dcs_par_run(unsigned workers, size_t ntasks, int (*task)(void *ctx, size_t t), void *ctx, char *err,
                size_t errlen)
{
    return dcs_par_run_ticks(workers, ntasks, task, ctx, NULL, NULL, err, errlen);
}

int dcs_par_run_ticks(unsigned workers, size_t ntasks, int (*task)(void *ctx, size_t t), void *ctx,
                      dcs_par_tick_fn tick, void *tctx, char *err, size_t errlen)
{
    unsigned n = workers < 1 ? 1 : workers > PAR_MAX ? PAR_MAX : workers;
    if (n > ntasks)
        n = (unsigned)ntasks;
    if (n <= 1)
        return run_inline(ntasks, task, ctx, tick, tctx);
    par_status_t *st = dcs_par_shared(n * sizeof *st);
    pid_t pid[PAR_MAX];
    if (!st)
        return run_inline(ntasks, task, ctx, tick, tctx); /* no shared memory: one process does it */
    fflush(NULL); /* nothing buffered is written twice */
    unsigned started = 0;
    int rc = 0;
    for (; started < n; started++) {
        if ((pid[started] = fork()) == 0)
            worker(started, n, ntasks, task, ctx, &st[started]);
        if (pid[started] < 0) {
            snprintf(err, errlen, "cannot start worker %u of %u: %s", started, n, strerror(errno));
            rc = DCS_EIO;
            break;
        }
    }
    if (tick && started)
        watch(st, pid, started, ntasks, tick, tctx);
    int died = 0, failed = 0;
    size_t first_failed = SIZE_MAX;
    for (unsigned w = 0; w < started; w++) {
        int r = reap(pid[w], w, &st[w], err, errlen);
        died |= r != 0;
        if (!r && st[w].rc && st[w].failed_task < first_failed) /* the lowest failing task's code */
            first_failed = st[w].failed_task, failed = st[w].rc;
    }
    rc = died ? DCS_EIO : failed ? failed : rc;
    dcs_par_unshare(st, n * sizeof *st);
    return rc;
}
