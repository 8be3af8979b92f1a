/* integrate.c: the channels of a score integrated into their buckets, raw days
 * from the samples and the other days from rollups, a group of channels at a
 * time, the groups split across worker processes (dcs_par.h). score.c folds
 * the integrated channels into the site's figures, in channel order. */
#include "metric_int.h"
#include "../base/dcs_base.h"
#include "../base/dcs_par.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Channels read together: a day file is read once per group (its chunks are 64
 * channels wide), and a long run of raw days a slice of days at a time, so
 * memory stays bounded: a slice holds at most SLICE_BYTES of samples at the
 * site's polling rate (31 days of 1-min data for 64 channels: 48 MB), a wave of
 * groups at most WAVE_BYTES of buckets. Both follow from the site and the
 * window only, never from the number of workers: the slices' edges split
 * segments at midnight, and the same edges give the same bits. */
#define SCORE_GROUP 64
#define ROLLUP_GROUP 256 /* when every day comes from rollups: no samples held */
#define GROUP_MAX ROLLUP_GROUP
#define SLICE_DAYS_MAX 31
#define SLICE_BYTES ((size_t)256 << 20)
#define WAVE_BYTES ((size_t)256 << 20)

/* Raw days read at once: SLICE_DAYS_MAX, fewer when a group's samples of that
 * many days at the polling interval would pass SLICE_BYTES. */
static int64_t slice_days(const dcs_config_t *cfg)
{
    double rows = 86400e3 / (cfg->site->poll_interval_ms > 0 ? cfg->site->poll_interval_ms : 1000) + 1;
    double d = (double)SLICE_BYTES / (rows * 17.0 * SCORE_GROUP);
    return d < 1 ? 1 : d > SLICE_DAYS_MAX ? SLICE_DAYS_MAX : (int64_t)d;
}

/* 1 when rollups at level l answer the buckets exactly: l's width divides the
 * bucket width and the window's ends align to it (rollup buckets then fall
 * wholly inside one bucket). */
static int rollup_exact(const dcs_agg_buckets_t *b, int l)
{
    int64_t w = dcs_store_rollup_widths_ns[l];
    return b->width_ns % w == 0 && b->t0_ns % w == 0 && b->from_ns % w == 0 && b->to_ns % w == 0;
}

/* The coarsest exact rollup level, else PT1M. */
static int rollup_level(const dcs_agg_buckets_t *b, const dcs_store_t *st)
{
    int cap = dcs_store_rollup_cap(st);
    for (int l = cap >= 0 ? cap : DCS_STORE_NLEVELS - 1; l > 0; l--)
        if (rollup_exact(b, l))
            return l;
    return DCS_STORE_PT1M;
}


/* 1 when a power channel that a counter may bridge (mc[].counter_index) has
 * uncovered time in day's rollup: rollups hold no samples to bridge with. */
static int rollup_has_bridgeable_gap(const dcs_config_t *cfg, dcs_store_t *st,
                                     const dcs_metric_channel_t *mc, int64_t day)
{
    const char *ids[SCORE_GROUP];
    unsigned m = 0;
    for (unsigned i = 0; i < cfg->channels_count && m < SCORE_GROUP; i++)
        if (mc[i].counter_index >= 0)
            ids[m++] = cfg->channels[i].id;
    size_t nb = dcs_store_rollup_buckets(DCS_STORE_PT1H);
    dcs_agg_rollup_t *r = m ? malloc(m * nb * sizeof *r) : NULL;
    uint8_t have[SCORE_GROUP];
    int gap = m && (!r || dcs_store_rollup_read_many(st, ids, m, day, DCS_STORE_PT1H, r, have));
    for (unsigned j = 0; !gap && j < m; j++) {
        double cov = 0;
        for (size_t k = 0; have[j] && k < nb; k++)
            cov += r[j * nb + k].covered_s;
        gap = !have[j] || cov < 86400 - 1e-6;
    }
    free(r);
    return gap;
}

/* Which days of the window are read from rollups, found once per score:
 * use[d] for day dcs_time_day(from) + d. A day whose raw file is gone
 * (compacted) is; so is a day whose rollup is current (its raw file unchanged
 * since) when the rollup answers the buckets exactly, unless a bridgeable
 * power channel has a gap that day (read raw, so its counter bridges it). The
 * other days are read raw. NULL when out of memory. */
typedef struct {
    const dcs_config_t *cfg;
    dcs_store_t *st;
    const dcs_metric_channel_t *mc;
    int64_t first;
    int exact, only;
    uint8_t *use; /* shared with the workers */
} days_t;

static int judge_day(void *ctx, size_t d)
{
    days_t *x = ctx;
    int64_t day = x->first + (int64_t)d;
    int raw = !x->only && dcs_store_day_exists(x->st, day);
    x->use[d] = !raw || (x->exact && dcs_store_rollup_current(x->st, day) &&
                         !rollup_has_bridgeable_gap(x->cfg, x->st, x->mc, day));
    return 0;
}

uint8_t *metric_rollup_days(const dcs_config_t *cfg, dcs_store_t *st, const dcs_agg_buckets_t *b,
                            const dcs_metric_channel_t *mc)
{
    int64_t first = dcs_time_day(b->from_ns), last = dcs_time_day(b->to_ns - 1);
    size_t n = (size_t)(last - first + 1);
    days_t x = {cfg, st, mc, first, rollup_exact(b, rollup_level(b, st)), dcs_store_rollup_cap(st) >= 0,
                dcs_par_shared(n)};
    uint8_t *use = calloc(n, 1);
    char err[300];
    /* a rollup file opened per day to see it is current: the days across workers */
    if (!use || !x.use || dcs_par_run(dcs_par_workers(), n, judge_day, &x, err, sizeof err))
        free(use), use = NULL;
    if (use)
        memcpy(use, x.use, n);
    dcs_par_unshare(x.use, n);
    return use;
}

/* Add rollup bucket r (of `level`) into b when it lies wholly inside the
 * window. Partial buckets at the edges are left out (their coverage says so). */
static void add_bucket(dcs_agg_buckets_t *b, int level, const dcs_agg_rollup_t *r, dcs_metric_channel_t *mc)
{
    int64_t lo = r->start_ns, hi = lo + dcs_store_rollup_widths_ns[level];
    if (lo < b->from_ns || hi > b->to_ns)
        return;
    size_t kb = (size_t)((lo - b->t0_ns) / b->width_ns);
    b->e_wh[kb] += r->e_wh;
    b->covered_s[kb] += r->covered_s;
    mc->samples += r->count;
}

/* Days of the window read from rollups: add the rollup buckets of channels
 * ids[0..m-1] (one read of each day's rollup file for all of them) into
 * bs[0..m-1]. */
static int add_rollups(dcs_store_t *st, const char *const *ids, unsigned m, dcs_agg_buckets_t *bs,
                       const uint8_t *use, dcs_metric_channel_t *mc)
{
    int level = rollup_level(&bs[0], st);
    size_t nb = dcs_store_rollup_buckets(level);
    int64_t first = dcs_time_day(bs[0].from_ns);
    dcs_agg_rollup_t *r = malloc((size_t)m * nb * sizeof *r);
    uint8_t have[GROUP_MAX];
    int rc = r ? 0 : DCS_ENOMEM;
    for (int64_t day = first; !rc && day <= dcs_time_day(bs[0].to_ns - 1); day++) {
        if (!use[day - first])
            continue;
        rc = dcs_store_rollup_read_many(st, ids, m, day, level, r, have);
        for (unsigned j = 0; !rc && j < m; j++)
            for (size_t k = 0; have[j] && k < nb; k++)
                add_bucket(&bs[j], level, &r[j * nb + k], &mc[j]);
        if (rc == DCS_ENODATA)
            rc = 0;
    }
    free(r);
    return rc;
}

/* Integrate raw samples s of channel ci into the part [lo, hi) of b. */
static void integrate_raw(const dcs_config_t *cfg, unsigned ci, const dcs_store_series_t *s,
                          dcs_agg_buckets_t *b, int64_t lo, int64_t hi, dcs_metric_channel_t *mc)
{
    const dcs_config_channel_t *c = &cfg->channels[ci];
    int64_t gap_ns = (int64_t)(cfg->site->gap_limit_s * 1e9);
    dcs_agg_buckets_t part = *b; /* the same buckets, a narrower window */
    part.from_ns = lo;
    part.to_ns = hi;
    size_t a = dcs_agg_first_at(s->t_ns, s->n, lo), e = dcs_agg_first_at(s->t_ns, s->n, hi), missing = 0;
    for (size_t i = a; i < e; i++) /* the store reads series in time order */
        missing += s->flag[i] != DCS_SAMPLE_OK;
    mc->samples += e - a;
    mc->missing += missing;
    if (c->kind == DCS_CONFIG_ENERGY) {
        dcs_agg_counter_stats_t k;
        dcs_agg_counter(s->t_ns, s->value, s->n, c->counter_modulus_raw * fabs(c->scale) * c->to_si,
                        c->max_w, &part, &k);
        mc->counter.deltas += k.deltas;
        mc->counter.rollovers += k.rollovers;
        mc->counter.resets += k.resets;
        mc->counter.implausible += k.implausible;
    } else { /* imported days judge their steps by their own gap limit */
        dcs_store_integrate_power(s, gap_ns, &part);
    }
}

/* Integrate channels g0 .. g0+m-1 into bs[0..m-1] and fill their summaries:
 * each run of days read raw is read with a gap's margin and integrated into its
 * part of the window (a segment crossing into a rollup day or the next slice is
 * split at that midnight, as rollups split it); then the rollup days are added. */
static int integrate_group(const dcs_config_t *cfg, dcs_store_t *st, unsigned g0, unsigned m,
                           dcs_agg_buckets_t *bs, const uint8_t *use, dcs_store_series_t *s,
                           dcs_metric_channel_t *mc)
{
    int64_t slice = slice_days(cfg);
    int64_t gap_ns = (int64_t)(cfg->site->gap_limit_s * 1e9), day_ns = 86400 * DCS_NS_PER_S;
    int64_t from = bs[0].from_ns, to = bs[0].to_ns;
    int64_t first = dcs_time_day(from), last = dcs_time_day(to - 1);
    const char *ids[GROUP_MAX];
    int rc = 0;
    for (unsigned j = 0; j < m; j++) {
        ids[j] = cfg->channels[g0 + j].id;
        mc[j].channel = g0 + j;
    }
    for (int64_t d = first; !rc && d <= last; d++) {
        if (use[d - first])
            continue;
        int64_t e = d;
        while (e + 1 <= last && !use[e + 1 - first] && e + 1 - d < slice)
            e++;
        int64_t lo = d * day_ns > from ? d * day_ns : from;
        int64_t hi = (e + 1) * day_ns < to ? (e + 1) * day_ns : to;
        rc = dcs_store_read_margin_into(st, ids, m, lo, hi, gap_ns, s);
        for (unsigned j = 0; !rc && j < m; j++) {
            integrate_raw(cfg, g0 + j, &s[j], &bs[j], lo, hi, &mc[j]);
            rc = dcs_metric_bridge(cfg, st, &s[j], &bs[j], lo, hi, &mc[j]);
        }
        d = e;
    }
    if (!rc)
        rc = add_rollups(st, ids, m, bs, use, mc);
    for (unsigned j = 0; !rc && j < m; j++) {
        dcs_agg_buckets_t *b = &bs[j];
        mc[j].e_wh = dcs_agg_buckets_total_wh(b);
        mc[j].covered_s = dcs_agg_buckets_covered_s(b);
        mc[j].coverage = mc[j].covered_s / ((double)(to - from) * 1e-9);
        mc[j].mean = mc[j].covered_s > 0 ? mc[j].e_wh * 3600.0 / mc[j].covered_s : NAN;
    }
    return rc;
}

/* How many channels to integrate at once: SCORE_GROUP, or ROLLUP_GROUP when
 * every day of the window is read from rollups (a rollup file is then opened
 * once per day for four times as many channels; a rollup day's figures do not
 * depend on the group), fewer when their buckets would pass WAVE_BYTES. The
 * window and the store decide, never the number of workers. */
static unsigned group_size(size_t nbuckets, const uint8_t *use, size_t days)
{
    size_t g = WAVE_BYTES / (nbuckets * 2 * sizeof(double) + 1), cap = ROLLUP_GROUP;
    for (size_t d = 0; d < days && cap == ROLLUP_GROUP; d++)
        cap = use[d] ? ROLLUP_GROUP : SCORE_GROUP;
    return g < 1 ? 1 : g > cap ? (unsigned)cap : (unsigned)g;
}

/* What a task found that the parent must know: its error and the day files
 * its reads skipped (dcs_store_problem). In memory shared with the workers. */
typedef struct {
    char err[768];
    char problems[8][768];
    unsigned nproblems;
} task_note_t;

/* A wave: channels c0 .. c0 + nch of the config, groups of gs, each group one
 * task. cells, mc and notes are shared with the workers: channel j of the
 * wave integrates into cells + j * 2 * nb (energy, then covered seconds). */
typedef struct {
    const dcs_config_t *cfg;
    dcs_store_t *st;
    const dcs_agg_buckets_t *b;
    const uint8_t *use;
    unsigned c0, gs, nch;
    double *cells;
    dcs_metric_channel_t *mc;
    task_note_t *notes;
    dcs_store_series_t *pool; /* GROUP_MAX series, each process's own copy */
    dcs_metric_progress_fn progress;
    void *pctx;
} wave_t;

/* Progress in channels, from the wave's tasks done. */
static void wave_tick(void *ctx, size_t done, size_t total)
{
    const wave_t *w = ctx;
    size_t ch = done * w->gs < w->nch ? done * w->gs : w->nch;
    (void)total;
    if (w->progress)
        w->progress(w->pctx, w->c0 + (unsigned)ch, w->cfg->channels_count);
}

static dcs_agg_buckets_t cell_view(const wave_t *w, unsigned j)
{
    dcs_agg_buckets_t v = *w->b;
    v.e_wh = w->cells + (size_t)j * 2 * w->b->n;
    v.covered_s = v.e_wh + w->b->n;
    return v;
}

static int wave_task(void *ctx, size_t t)
{
    wave_t *w = ctx;
    unsigned j0 = (unsigned)t * w->gs, m = w->nch - j0 < w->gs ? w->nch - j0 : w->gs;
    dcs_agg_buckets_t bs[GROUP_MAX];
    for (unsigned j = 0; j < m; j++) {
        bs[j] = cell_view(w, j0 + j);
        memset(bs[j].e_wh, 0, 2 * w->b->n * sizeof(double));
    }
    int rc = integrate_group(w->cfg, w->st, w->c0 + j0, m, bs, w->use, w->pool, &w->mc[j0]);
    task_note_t *note = &w->notes[t];
    for (const char *p; note->nproblems < 8 && (p = dcs_store_problem(w->st, note->nproblems));)
        snprintf(note->problems[note->nproblems++], sizeof note->problems[0], "%s", p);
    if (rc)
        snprintf(note->err, sizeof note->err, "%s", rc == DCS_ENOMEM ? "out of memory" : dcs_store_errmsg(w->st));
    return rc;
}

/* Run one wave across the workers, then hand its channels to fold in order. */
static int run_wave(wave_t *w, dcs_metric_channel_t *mc_all, metric_fold_fn fold, void *fctx)
{
    size_t ntasks = (w->nch + w->gs - 1) / w->gs;
    char err[300] = "";
    memcpy(w->mc, mc_all + w->c0, w->nch * sizeof *w->mc);
    memset(w->notes, 0, ntasks * sizeof *w->notes);
    int rc = dcs_par_run_ticks(dcs_par_workers(), ntasks, wave_task, w, w->progress ? wave_tick : NULL, w, err,
                               sizeof err);
    for (size_t t = 0; t < ntasks; t++)
        for (unsigned k = 0; k < w->notes[t].nproblems; k++)
            dcs_store_add_problem(w->st, w->notes[t].problems[k]);
    for (size_t t = 0; rc && t < ntasks; t++) /* the first failing task says why */
        if (w->notes[t].err[0]) {
            dcs_store_set_error(w->st, w->notes[t].err);
            break;
        }
    if (rc && err[0])
        dcs_store_set_error(w->st, err);
    memcpy(mc_all + w->c0, w->mc, w->nch * sizeof *w->mc);
    for (unsigned j = 0; !rc && j < w->nch; j++) {
        dcs_agg_buckets_t v = cell_view(w, j);
        fold(fctx, w->c0 + j, &v, &mc_all[w->c0 + j]);
    }
    return rc;
}

int metric_integrate(const dcs_config_t *cfg, dcs_store_t *st, const dcs_agg_buckets_t *b, const uint8_t *use,
                     dcs_metric_channel_t *mc, metric_fold_fn fold, void *fctx, dcs_metric_progress_fn progress,
                     void *pctx)
{
    size_t days = (size_t)(dcs_time_day(b->to_ns - 1) - dcs_time_day(b->from_ns) + 1);
    unsigned gs = group_size(b->n, use, days), total = cfg->channels_count;
    size_t per = 2 * b->n * sizeof(double), wave = WAVE_BYTES / per / gs * gs;
    wave = wave < gs ? gs : wave > total ? total : wave;
    size_t tasks = (wave + gs - 1) / gs, cells_b = wave * per;
    wave_t w = {.cfg = cfg, .st = st, .b = b, .use = use, .gs = gs, .progress = progress, .pctx = pctx};
    w.cells = dcs_par_shared(cells_b);
    w.mc = dcs_par_shared(wave * sizeof *w.mc);
    w.notes = dcs_par_shared(tasks * sizeof *w.notes);
    w.pool = calloc(GROUP_MAX, sizeof *w.pool);
    int rc = w.cells && w.mc && w.notes && w.pool ? 0 : DCS_ENOMEM;
    (void)dcs_agg_kernel(); /* chosen before the fork: every worker uses the same kernels */
    for (unsigned c0 = 0; !rc && c0 < total; c0 += (unsigned)wave) {
        w.c0 = c0;
        w.nch = total - c0 < wave ? total - c0 : (unsigned)wave;
        rc = run_wave(&w, mc, fold, fctx);
    }
    for (unsigned j = 0; w.pool && j < GROUP_MAX; j++)
        dcs_store_series_free(&w.pool[j]);
    free(w.pool);
    dcs_par_unshare(w.cells, cells_b);
    dcs_par_unshare(w.mc, wave * sizeof *w.mc);
    dcs_par_unshare(w.notes, tasks * sizeof *w.notes);
    return rc;
}
