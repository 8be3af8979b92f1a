/* rollup_make.c: making the rollup files (rollup.c has their layout and
 * readers): a day at a time, or a pass over a range of days split across
 * worker processes (dcs_par.h), each day's file written by one worker. */
#define _GNU_SOURCE
#include "store_int.h"
#include "../aggregate/dcs_aggregate.h"
#include "../base/dcs_base.h"
#include "../base/dcs_par.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Power samples s rolled up over [lo, hi) at width w. A day that holds imported
 * history with its own gap limit and other samples (polled after it) takes its
 * statistics from one pass and its energy run by run, each with its limit. */
static int rollup_power(const dcs_store_series_t *s, int64_t lo, int64_t hi, int64_t w, int64_t gap,
                        dcs_agg_rollup_t *r)
{
    size_t got;
    int64_t b, g = dcs_store_gap_run(s, lo, hi, gap, &b);
    int rc = dcs_agg_rollup(s->t_ns, s->value, s->n, lo, hi, w, g, r, &got);
    if (rc || b >= hi)
        return rc;
    dcs_agg_buckets_t e;
    if ((rc = dcs_agg_buckets_init(&e, lo, hi, w)))
        return rc;
    dcs_store_integrate_power(s, gap, &e);
    for (size_t k = 0; k < got && k < e.n; k++) {
        r[k].e_wh = e.e_wh[k];
        r[k].covered_s = e.covered_s[k];
    }
    dcs_agg_buckets_free(&e);
    return 0;
}

/* Roll channel ci's samples s (the day with a gap's margin) up at level l into
 * r[0 .. buckets). */
static int rollup_one(const dcs_store_t *st, unsigned ci, int64_t day, int l, const dcs_store_series_t *s,
                      dcs_agg_rollup_t *r)
{
    const dcs_config_channel_t *c = &st->cfg->channels[ci];
    int64_t lo = day * 86400 * DCS_NS_PER_S, hi = lo + 86400 * DCS_NS_PER_S;
    int64_t gap = (int64_t)(st->cfg->site->gap_limit_s * 1e9), w = dcs_store_rollup_widths_ns[l];
    size_t got;
    if (c->kind == DCS_CONFIG_ENERGY) /* counters: spread deltas like scoring does */
        return dcs_agg_rollup_counter(s->t_ns, s->value, s->n, lo, hi, w,
                                      c->counter_modulus_raw * fabs(c->scale) * c->to_si, c->max_w, r, &got);
    return rollup_power(s, lo, hi, w, gap, r);
}

/* Channels rolled up together: every channel, unless their samples of the
 * day and its margins (three days at the polling rate) would pass
 * ROLLUP_BYTES; then groups of STORE_ROLLUP_GROUP columns (the chunks' width). */
#define ROLLUP_BYTES ((size_t)256 << 20)
static unsigned rollup_group(const dcs_config_t *cfg)
{
    double rows = 86400e3 / (cfg->site->poll_interval_ms > 0 ? cfg->site->poll_interval_ms : 1000) + 1;
    double per = 3 * rows * 17 + dcs_store_rollup_buckets(DCS_STORE_PT1M) * (sizeof(dcs_agg_rollup_t) + 48);
    unsigned n = cfg->channels_count;
    return per * n <= (double)ROLLUP_BYTES || n <= STORE_ROLLUP_GROUP ? (n ? n : 1) : STORE_ROLLUP_GROUP;
}

/* What rolling up a day needs beyond the store, kept across days so a pass
 * does not fault in fresh memory each day: the group's ids and series, and the
 * buckets of one level with the transposition buffer. */
struct store_rollup_scratch {
    unsigned gs;
    const char **ids;
    dcs_store_series_t *s;
    dcs_agg_rollup_t *r;
    double *buf;
};

static void scratch_free(store_rollup_scratch_t *x)
{
    for (unsigned j = 0; x && x->s && j < x->gs; j++)
        dcs_store_series_free(&x->s[j]);
    if (x)
        free(x->s), free(x->ids), free(x->r), free(x->buf);
    free(x);
}

static store_rollup_scratch_t *scratch_new(const dcs_config_t *cfg)
{
    store_rollup_scratch_t *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->gs = rollup_group(cfg);
    size_t nmax = dcs_store_rollup_buckets(DCS_STORE_PT1M) * x->gs;
    x->ids = malloc(x->gs * sizeof *x->ids);
    x->s = calloc(x->gs, sizeof *x->s);
    x->r = malloc(nmax * sizeof *x->r);
    x->buf = malloc(6 * (nmax + dcs_store_rollup_buckets(DCS_STORE_PT1M) * 63) * sizeof *x->buf);
    if (!x->ids || !x->s || !x->r || !x->buf)
        return scratch_free(x), NULL;
    return x;
}

/* Every channel of the day, a group of channels at a time: one read of the
 * day's files per group, then each level computed and written, one write per
 * matrix. */
static int rollup_channels(dcs_store_t *st, hid_t f, int64_t day, store_rollup_scratch_t *x)
{
    int64_t lo = day * 86400 * DCS_NS_PER_S, hi = lo + 86400 * DCS_NS_PER_S;
    int64_t gap = (int64_t)(st->cfg->site->gap_limit_s * 1e9);
    unsigned n = st->cfg->channels_count;
    int rc = 0;
    for (unsigned g0 = 0; !rc && g0 < n; g0 += x->gs) {
        unsigned m = n - g0 < x->gs ? n - g0 : x->gs;
        for (unsigned j = 0; j < m; j++)
            x->ids[j] = st->cfg->channels[g0 + j].id;
        rc = dcs_store_read_margin_into(st, x->ids, m, lo, hi, gap, x->s);
        for (int l = 0; !rc && l < DCS_STORE_NLEVELS; l++) {
            for (unsigned j = 0; !rc && j < m; j++)
                rc = rollup_one(st, g0 + j, day, l, &x->s[j], x->r + j * dcs_store_rollup_buckets(l));
            if (!rc && store_rollup_write_columns(f, l, g0, m, x->r, x->buf))
                rc = DCS_ESTORE;
        }
    }
    return rc;
}

/* Size and modification time of a day's raw file, {-1, -1} when it is gone. A
 * rollup records them and is current while they are unchanged. */
static void raw_signature(const dcs_store_t *st, int64_t day, long long sig[2])
{
    char raw[4200];
    struct stat sb;
    dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
    sig[0] = sig[1] = -1;
    if (stat(raw, &sb) == 0) {
        sig[0] = (long long)sb.st_size;
        sig[1] = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    }
}

int dcs_store_rollup_current(const dcs_store_t *st, int64_t day)
{
    char path[4400];
    struct stat sb;
    long long now[2];
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (stat(path, &sb) != 0)
        return 0;
    raw_signature(st, day, now);
    if (now[0] < 0)
        return 1; /* raw gone: the rollup is all there is */
    hid_t f = store_reader_open(path);
    if (f < 0)
        return 0;
    int same = store_attr_read(f, "raw_size") == now[0] && store_attr_read(f, "raw_mtime_ns") == now[1];
    H5Fclose(f);
    return same;
}

static int rollup_day(dcs_store_t *st, int64_t day, store_rollup_scratch_t *x)
{
    char path[4400], tmp[4500];
    long long sig[2];
    dcs_store_rollup_path(st, day, path, sizeof path);
    if (dcs_store_rollup_current(st, day))
        return 0; /* done before, and the raw day has not changed since */
    raw_signature(st, day, sig); /* before reading: a write meanwhile makes it stale */
    snprintf(tmp, sizeof tmp, "%.*s", (int)(strrchr(path, '/') - path), path);
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return store_set_err(st, "%s: cannot create: %s", tmp, strerror(errno)), DCS_ESTORE;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return store_set_err(st, "%s: cannot create", tmp), DCS_ESTORE;
    int rc = 0;
    if (store_rollup_write_ids(st->cfg, f) || store_rollup_create_levels(f, day, st->cfg->channels_count, 0, DCS_STORE_NLEVELS - 1) ||
        store_attr_int(f, "rollup_layout", STORE_ROLLUP_LAYOUT) ||
        store_attr_int(f, "schema_version", DCS_STORE_SCHEMA_VERSION) ||
        store_attr_int(f, "day_start_ns", day * 86400 * DCS_NS_PER_S) ||
        store_attr_int(f, "raw_size", sig[0]) || store_attr_int(f, "raw_mtime_ns", sig[1]))
        rc = DCS_ESTORE;
    if (!rc)
        rc = rollup_channels(st, f, day, x);
    if (H5Fclose(f) < 0 && !rc)
        rc = DCS_ESTORE;
    if (!rc && rename(tmp, path) != 0) /* complete or absent, never half-written */
        rc = (store_set_err(st, "%s: cannot rename: %s", path, strerror(errno)), DCS_ESTORE);
    if (rc) {
        unlink(tmp);
        if (!st->errmsg[0] || rc == DCS_ENOMEM)
            store_set_err(st, "%s: rollup failed", path);
    }
    return rc;
}


int dcs_store_rollup_day(dcs_store_t *st, int64_t day)
{
    store_rollup_scratch_t *x = scratch_new(st->cfg);
    int rc = x ? rollup_day(st, day, x) : (store_set_err(st, "rollup: out of memory"), DCS_ENOMEM);
    scratch_free(x);
    return rc;
}

/* A rollup pass over days first..last, a day per task. Each worker keeps its
 * own scratch (made at its first day: a forked worker's own memory). */
typedef struct {
    dcs_store_t *st;
    int64_t first;
    const uint8_t *todo;
    store_rollup_scratch_t *x;
    char (*err)[768];  /* shared: each day's error */
    uint8_t *made;     /* shared: 1 for each day rolled up */
} pass_t;

static int pass_day(void *ctx, size_t t)
{
    pass_t *p = ctx;
    if (!p->todo[t])
        return 0;
    if (!p->x && !(p->x = scratch_new(p->st->cfg)))
        return snprintf(p->err[t], sizeof p->err[t], "rollup: out of memory"), DCS_ENOMEM;
    p->st->errmsg[0] = '\0';
    int rc = rollup_day(p->st, p->first + (int64_t)t, p->x);
    if (rc)
        snprintf(p->err[t], sizeof p->err[t], "%s", p->st->errmsg);
    p->made[t] = !rc;
    return rc;
}

int dcs_store_rollup_range(dcs_store_t *st, int64_t first, int64_t last, size_t *done,
                           void (*progress)(void *ctx, size_t done, size_t total), void *pctx)
{
    size_t n = last >= first ? (size_t)(last - first + 1) : 0;
    uint8_t *todo = calloc(n ? n : 1, 1);
    pass_t p = {.st = st, .first = first, .todo = todo, .err = dcs_par_shared(n * sizeof *p.err),
                .made = dcs_par_shared(n)};
    char perr[300] = "";
    *done = 0;
    int rc = todo && p.err && p.made ? 0 : DCS_ENOMEM;
    for (size_t d = 0; !rc && d < n; d++) /* current ones are left alone: not worth a worker */
        todo[d] = dcs_store_day_exists(st, first + (int64_t)d) && !dcs_store_rollup_current(st, first + (int64_t)d);
    (void)dcs_agg_kernel(); /* chosen before the fork: every worker uses the same kernels */
    if (!rc)
        rc = dcs_par_run_ticks(dcs_par_workers(), n, pass_day, &p, progress, pctx, perr, sizeof perr);
    for (size_t d = 0; p.made && d < n; d++)
        *done += p.made[d] || (todo && !todo[d] && dcs_store_day_exists(st, first + (int64_t)d));
    for (size_t d = 0; rc && p.err && d < n; d++) /* the first failing day says why */
        if (p.err[d][0]) {
            store_set_err(st, "%s", p.err[d]);
            break;
        }
    if (rc && perr[0])
        store_set_err(st, "%s", perr);
    if (rc == DCS_ENOMEM && !st->errmsg[0])
        store_set_err(st, "rollup: out of memory");
    scratch_free(p.x);
    dcs_par_unshare(p.err, n * sizeof *p.err);
    dcs_par_unshare(p.made, n);
    free(todo);
    return rc;
}

int dcs_store_compact(dcs_store_t *st, int64_t keep_after_day, size_t *removed)
{
    *removed = 0;
    int64_t first, last;
    int rc = dcs_store_range(st, &first, &last);
    if (rc)
        return rc == DCS_ENODATA ? 0 : rc;
    size_t made;
    if (dcs_time_day(first) < keep_after_day &&
        (rc = dcs_store_rollup_range(st, dcs_time_day(first), keep_after_day - 1, &made, NULL, NULL)))
        return rc; /* made, or remade if stale; no current rollup, no deletion */
    for (int64_t day = dcs_time_day(first); day < keep_after_day; day++) {
        char raw[4200];
        struct stat sb;
        dcs_store_day_path(st, day * 86400 * DCS_NS_PER_S, raw, sizeof raw);
        if (stat(raw, &sb) != 0)
            continue;
        if (!dcs_store_rollup_current(st, day))
            return store_set_err(st, "%s: changed while it was rolled up: kept", raw), DCS_ESTORE;
        if (unlink(raw) != 0)
            return store_set_err(st, "%s: cannot remove: %s", raw, strerror(errno)), DCS_EIO;
        (*removed)++;
    }
    return 0;
}

