/* dcs_store.h: the HDF5 sample store, one file per site per UTC day:
 * STORE_DIR/SITE/SITE_YYYYMMDD.h5 with /samples/{t_ns,value,flag}[row][column]
 * and /channels/<id> naming each channel's column.
 * The poller appends samples (SWMR writer); score, report and inspect read
 * (SWMR readers). Layout: docs/store.md. */
#ifndef DCS_STORE_H
#define DCS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../aggregate/dcs_aggregate.h"
#include "../config/dcs_config.h"
#include "../sample/dcs_sample.h"

#define DCS_STORE_SCHEMA "dcscore.store"
#define DCS_STORE_SCHEMA_VERSION 2 /* 1 is still read, and upgraded when appended to */

typedef struct dcs_store dcs_store_t;

/* The poller's self-metrics, stored with the samples in the day file of their
 * time: /poller/t_ns int64[rows] and /poller/stats float64[rows][DCS_STORE_STATS_N],
 * columns in this order (also the "columns" attribute of /poller/stats). */
#define DCS_STORE_STATS_N 19
extern const char *const dcs_store_stats_names[DCS_STORE_STATS_N];

/* Open the store of cfg's site for appending (mode 'w') or reading (mode 'r').
 * Nothing is touched on disk until the first append/read. Returns 0 or
 * DCS_ENOMEM; *out is set unless out of memory. cfg must outlive the store. */
int dcs_store_open(const dcs_config_t *cfg, char mode, dcs_store_t **out);

/* One writer per store: take the advisory lock on STORE_DIR/SITE/.lock for
 * `what` ("poll", "import", "rollup", "compact"), which every writer must hold.
 * Shared within one process (a poller's reload); released by dcs_store_close or
 * by the kernel when the process dies, so a lock left by kill -9 is taken over
 * (dcs_store_notice says so). Returns 0, DCS_EBUSY (errmsg: "store DIR is being
 * written by PID N (dcscore poll) ...") or DCS_ESTORE. */
int dcs_store_lock(dcs_store_t *st, const char *what);

/* Flush and close. NULL does nothing. */
void dcs_store_close(dcs_store_t *st);

/* One line naming the file and what went wrong with the last failed call. */
const char *dcs_store_errmsg(const dcs_store_t *st);

/* Take the pending notice (e.g. "recovered a file left open by a killed writer"):
 * copies it to buf and returns 1, or returns 0 when there is none. */
int dcs_store_notice(dcs_store_t *st, char *buf, size_t len);

/* Buffer samples (any channels, any order across channels, ascending time per
 * channel). Returns 0 or DCS_ENOMEM/DCS_EINVAL (unknown channel index). */
int dcs_store_append(dcs_store_t *st, const dcs_sample_t *s, size_t n);

/* Append and flush samples whose days ascend (each UTC day's samples together,
 * ascending per channel), the days split across dcs_par_workers() processes:
 * each writes whole day files with its own HDF5 handles, under this process's
 * writer lock, with SWMR as dcs_store_flush. What is buffered is flushed first.
 * Samples out of day order are appended and flushed here instead. The files
 * hold the same samples whatever the number of workers. Returns 0 or the first
 * failing day's code (errmsg names it; the days before it are written). */
int dcs_store_write_days(dcs_store_t *st, const dcs_sample_t *s, size_t n);

/* Write buffered samples to their day files and H5Fflush them; with
 * dcs_store_set_fsync, also fsync the file (survives power loss, not only a
 * killed process). Returns 0 or DCS_ESTORE; on failure the samples stay
 * buffered for a retry. */
int dcs_store_flush(dcs_store_t *st);
/* Keep one self-metrics row (values in dcs_store_stats_names order) for the next
 * flush; a newer row replaces one not yet written. Returns 0. */
int dcs_store_put_stats(dcs_store_t *st, int64_t t_ns, const double *v);
void dcs_store_set_fsync(dcs_store_t *st, int on);
/* State channel ci's own gap limit (longer steps count as missing) in every day
 * file the next flushes write its samples to; readers use it over those days
 * instead of site.gap_limit_s. For history at another interval than polling
 * (import). Returns 0 or DCS_EINVAL. */
int dcs_store_set_gap_limit(dcs_store_t *st, unsigned ci, double gap_s);

/* A channel's samples in [from_ns, to_ns], ascending. Arrays owned by the caller,
 * freed with dcs_store_series_free. Imported history states its own gap limit
 * in its day files (dcs_store_set_gap_limit): own[0..nown-1] lists, per day file
 * read that states one for this channel, the span of its imported samples and
 * that limit, ascending; own_gap_ns is the largest (0 = none: the site's
 * gap_limit_s holds everywhere). */
typedef struct {
    int64_t from_ns, to_ns, gap_ns; /* first and last imported sample; the time
                                     * [from, to + gap] is judged by gap_ns */
} dcs_store_own_gap_t;
typedef struct {
    int64_t *t_ns;
    double *value;
    uint8_t *flag;
    size_t n;
    size_t cap;        /* samples the arrays hold room for (0: exactly n) */
    dcs_store_own_gap_t *own;
    size_t nown;
    int64_t own_gap_ns;
} dcs_store_series_t;

/* The gap limit at time t (of a step starting there, or a part of one): within
 * an imported span or one gap after its last sample, its own; else site_gap_ns. */
int64_t dcs_store_gap_at(const dcs_store_series_t *s, int64_t t, int64_t site_gap_ns);
/* Integrate power series s into b over b's window [from_ns, to_ns), each run of
 * time by its own gap limit (dcs_store_gap_run): what score, rollups and
 * inspect count as energy and covered time. */
void dcs_store_integrate_power(const dcs_store_series_t *s, int64_t site_gap_ns, dcs_agg_buckets_t *b);
/* The run of [lo, hi) from lo that has one gap limit: returns that limit and
 * sets *run_hi (<= hi) where the run ends. Loop: for (a = lo; a < hi; a = b). */
int64_t dcs_store_gap_run(const dcs_store_series_t *s, int64_t lo, int64_t hi, int64_t site_gap_ns,
                          int64_t *run_hi);

/* Read one channel across day files. Missing day files are skipped. A day file
 * that cannot be read (truncated, foreign, newer schema) is skipped too and
 * recorded as a problem naming it (dcs_store_problem), so other days still
 * score. Returns 0 (possibly n == 0), DCS_EINVAL (unknown channel), DCS_ENOMEM. */
int dcs_store_read(dcs_store_t *st, const char *channel_id, int64_t from_ns, int64_t to_ns,
                   dcs_store_series_t *out);
void dcs_store_series_free(dcs_store_series_t *s);

/* dcs_store_read for channels ids[0..n-1] into out[0..n-1], reading each day
 * file once for all of them: faster than n single reads when they share files. */
int dcs_store_read_many(dcs_store_t *st, const char *const *ids, size_t n, int64_t from_ns,
                        int64_t to_ns, dcs_store_series_t *out);

/* dcs_store_read_many over [lo, hi] with a gap's margin either side, so that
 * steps crossing into the window count: gap_ns (the site's gap limit), or the
 * longer limit the data read states for itself (imported history). Into series
 * that are zeroed or were read before: their arrays are reused, so a long job
 * does not allocate and fault in fresh memory for every slice. Free them with
 * dcs_store_series_free when done. */
int dcs_store_read_margin_into(dcs_store_t *st, const char *const *ids, size_t n, int64_t lo, int64_t hi,
                               int64_t gap_ns, dcs_store_series_t *out);

/* Day files skipped by readers so far, one line each ("FILE: reason"); NULL past
 * the end. At most 8 are kept. */
const char *dcs_store_problem(const dcs_store_t *st, size_t i);

/* Record a skipped day file found elsewhere (a worker process's read): as
 * dcs_store_problem lists them, once each. And set the one-line error. */
void dcs_store_add_problem(dcs_store_t *st, const char *line);
void dcs_store_set_error(dcs_store_t *st, const char *line);

/* First and last sample time over all channels and readable day files.
 * Returns 0, DCS_ENODATA (no files) or DCS_ESTORE. */
int dcs_store_range(dcs_store_t *st, int64_t *first_ns, int64_t *last_ns);

/* 1 when the raw day file of UTC day `day` exists. */
int dcs_store_day_exists(const dcs_store_t *st, int64_t day);

/* Path of the day file holding t_ns (for messages and inspect). */
void dcs_store_day_path(const dcs_store_t *st, int64_t t_ns, char *buf, size_t len);

/* Describe a store file, or every .h5 file of a folder, to out (no site config
 * needed): schema, site day, and per channel samples, flagged, time range, gaps
 * and coverage. A file that is not a dcscore store gets one line and the rest
 * are still shown. Returns 0, DCS_ESTORE (some file bad), DCS_EIO, DCS_ENODATA. */
int dcs_store_inspect(const char *path, FILE *out);

/* ---- rollups and retention (rollup.c) ---- */

enum { DCS_STORE_PT1M, DCS_STORE_PT15M, DCS_STORE_PT1H, DCS_STORE_NLEVELS };
extern const int64_t dcs_store_rollup_widths_ns[DCS_STORE_NLEVELS];

/* Path of a day's rollup file: STORE/SITE/rollup/SITE_YYYYMMDD.h5. */
void dcs_store_rollup_path(const dcs_store_t *st, int64_t day, char *buf, size_t len);

/* Write the rollup file of UTC day `day` (days since 1970) from the raw samples
 * (with a gap's margin into the neighbouring days, so edges are exact). Written
 * to a temporary name and renamed: complete or absent. A day already rolled up
 * is left alone while it is current (dcs_store_rollup_current), and made again
 * when its raw day has changed since. Returns 0, DCS_ESTORE or DCS_ENOMEM. */
int dcs_store_rollup_day(dcs_store_t *st, int64_t day);

/* dcs_store_rollup_day for every day first..last that has a raw file, split
 * across dcs_par_workers() processes (a day each; the files are the same bit
 * for bit whatever the number). *done counts the days whose rollup is now
 * current; progress (may be NULL) hears of the days done as they finish.
 * Returns 0 or the first failing day's code (errmsg names it). */
int dcs_store_rollup_range(dcs_store_t *st, int64_t first, int64_t last, size_t *done,
                           void (*progress)(void *ctx, size_t done, size_t total), void *pctx);

/* 1 when day's rollup exists and its raw day file is unchanged since the
 * rollup was made (same size and mtime), or gone. */
int dcs_store_rollup_current(const dcs_store_t *st, int64_t day);

/* Buckets of a day at rollup level `level` (DCS_STORE_PT1M..PT1H): 1440, 96, 24. */
size_t dcs_store_rollup_buckets(int level);

/* A channel's rollup buckets of one day at one level (all of the day's
 * buckets, *n = dcs_store_rollup_buckets(level)). Returns 0, DCS_ENODATA (no
 * rollup file or channel), DCS_ESTORE or DCS_ENOMEM. *out is freed by the caller. */
int dcs_store_rollup_read(dcs_store_t *st, const char *channel_id, int64_t day, int level,
                          dcs_agg_rollup_t **out, size_t *n);

/* The same for channels ids[0..n-1] with one open of the day's rollup file:
 * channel j's buckets go to out[j * B .. (j + 1) * B), B =
 * dcs_store_rollup_buckets(level), caller-allocated; have[j] = 0 for a channel
 * the file does not hold (its buckets are left as they were). Returns 0,
 * DCS_ENODATA (no rollup file), DCS_ESTORE (unreadable or newer layout, one line
 * in dcs_store_errmsg) or DCS_ENOMEM. */
int dcs_store_rollup_read_many(dcs_store_t *st, const char *const *ids, size_t n, int64_t day, int level,
                               dcs_agg_rollup_t *out, uint8_t *have);

/* Write day's rollup buckets of `level` for every config channel to a new
 * file at path holding that level alone (a submission bundle's PT15M rollups).
 * Reads the store's current rollup of the day (make it first). Returns 0,
 * DCS_ENODATA (no rollup), DCS_ESTORE or DCS_ENOMEM; a failure leaves no file. */
int dcs_store_rollup_extract(dcs_store_t *st, int64_t day, int level, const char *path);

/* From now on, readers of st score every day from its rollups of `level` (or a
 * finer one the buckets need), never from raw files: what a region re-scores
 * from a bundle's rollups, and what a submission's claimed figures are scored
 * from, so that both read the same numbers. dcs_store_rollup_cap gives the
 * level, or -1 when readers choose (raw, or current rollups of any level). */
void dcs_store_rollups_only(dcs_store_t *st, int level);
int dcs_store_rollup_cap(const dcs_store_t *st);

/* Retention: remove raw day files of days before keep_after_day, each only once
 * its rollup exists (made now if missing). *removed counts them. */
int dcs_store_compact(dcs_store_t *st, int64_t keep_after_day, size_t *removed);

/* ---- CSV for spreadsheet users (csv.c) ---- */

typedef struct {
    int64_t from_ns, to_ns;  /* window [from, to) */
    const char **channels;   /* ids to export, NULL = all */
    size_t nchannels;
    int bom;                 /* start with a UTF-8 BOM (Excel) */
} dcs_store_export_t;

/* One row per polling tick (sample time rounded down to the poll interval):
 * time_utc, time_local (site zone), then one column per channel named
 * "id (unit)"; a missing or flagged sample is an empty cell. Returns 0,
 * DCS_EINVAL (unknown channel), DCS_ESTORE or DCS_ENOMEM. */
int dcs_store_export_csv(dcs_store_t *st, const dcs_store_export_t *opt, FILE *out);

typedef struct {
    const char *zone;        /* zone of times without an offset; NULL = the site's */
    int skip_bad_rows;       /* 0: any bad row rejects the whole file */
    size_t rows, samples, skipped; /* filled in */
    double interval_s;       /* the rows' interval; 0 = their median step */
    double median_step_s;    /* filled in: the median time between rows (NaN below 2 rows) */
    double gap_limit_s;      /* filled in: the gap limit stated for the imported days */
    char bad[5][200];        /* the first bad rows, "FILE:LINE: reason" */
    size_t nbad;
} dcs_store_import_t;

/* Load CSV history: a header row "time,<channel id>[ (unit)],...", one row per
 * time (ISO 8601, a date-time in `zone`, or Unix seconds), values in each
 * channel's configured unit, empty = missing. Rows must ascend in time, and the
 * period from the first row to the last must hold no stored sample of those
 * channels. The imported days state their own gap limit: interval_s (or the
 * median step) times the intervals site.gap_limit_s allows polled data (3 by
 * default), never below site.gap_limit_s. With skip_bad_rows, bad rows are
 * reported and skipped; otherwise the first bad row rejects the file and nothing
 * is written. Returns 0, DCS_EIO, DCS_EINVAL (bad file or rows; details in opt
 * and errmsg), DCS_ESTORE or DCS_ENOMEM. The store must be open for writing. */
int dcs_store_import_csv(dcs_store_t *st, const char *path, dcs_store_import_t *opt);

#endif
