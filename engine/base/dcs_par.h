/* dcs_par.h: work split across the cores, by worker processes.
 *
 * HDF5 1.10 as Debian builds it is not thread-safe: no two HDF5 calls may run at
 * once, even on different files, and the zone conversions switch the process's
 * TZ. So dcscore splits its long jobs (score, rollup, compact, import) across
 * processes, each with its own HDF5 state and file handles:
 *   - the caller lays out the results in memory shared with the workers
 *     (dcs_par_shared), a fixed place per task;
 *   - dcs_par_run forks the workers; worker w runs tasks w, w + N, w + 2N, ...,
 *     writing only its tasks' places, and exits;
 *   - the parent waits for every worker, then combines the results in task
 *     order.
 * Tasks are cut by the data (days, channel groups sized by memory), never by
 * the number of workers, and each is computed as one process would compute it,
 * so the results are bit for bit those of one worker. With one worker (or one
 * task) nothing is forked. A worker that fails or dies fails the run; nothing
 * it wrote is used. */
#ifndef DCS_PAR_H
#define DCS_PAR_H

#include <stddef.h>

/* Workers used by dcs_par_run: dcs_par_set_workers(n) (the CLI's --threads N),
 * else DCSCORE_THREADS, else the online cores but no more than one per 512 MB
 * of memory (a worker holds up to about 300 MB); at least 1, at most 64. */
unsigned dcs_par_workers(void);
void dcs_par_set_workers(unsigned n); /* 0: back to the default */

/* Zeroed memory shared with workers forked later; NULL when out of memory.
 * Release with dcs_par_unshare(p, bytes). */
void *dcs_par_shared(size_t bytes);
void dcs_par_unshare(void *p, size_t bytes);

/* Run task(ctx, t) for t in [0, ntasks) on `workers` processes (the calling
 * process alone when workers or ntasks is 1). A task returns 0 or a DCS_E
 * code; the run stops a worker at its first failure. Returns 0, the failing
 * task's code (the lowest failing task's, when several fail), or DCS_EIO when a
 * worker could not start or died (err says which, and how). */
int dcs_par_run(unsigned workers, size_t ntasks, int (*task)(void *ctx, size_t t), void *ctx, char *err,
                size_t errlen);

/* dcs_par_run, telling tick(tctx, tasks done, ntasks) as they finish (every
 * 100 ms while workers run; after each task in the calling process). */
typedef void (*dcs_par_tick_fn)(void *tctx, size_t done, size_t total);
int dcs_par_run_ticks(unsigned workers, size_t ntasks, int (*task)(void *ctx, size_t t), void *ctx,
                      dcs_par_tick_fn tick, void *tctx, char *err, size_t errlen);

#endif
