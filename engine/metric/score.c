/* score.c: the site score over a window. Each channel is read from the store with
 * one gap's margin on both sides (so the window's edges are covered), integrated
 * into buckets, then summed by role. PUE is always a ratio of summed energies
 * (ISO/IEC 30134-2; reference/metrics.md: "never average PUE values"). */
#include "dcs_metric.h"
#include "metric_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double dcs_metric_pue(double e_dc_wh, double e_it_wh)
{
    if (!isfinite(e_dc_wh) || !isfinite(e_it_wh) || e_it_wh <= 0)
        return NAN;
    return e_dc_wh / e_it_wh;
}

void dcs_metric_score_free(dcs_metric_score_t *sc)
{
    if (!sc)
        return;
    free(sc->bucket_start_ns);
    free(sc->bucket_e_dc_wh);
    free(sc->bucket_e_it_wh);
    free(sc->bucket_pue);
    free(sc->bucket_coverage);
    free(sc->channels);
    free(sc->zones);
    free(sc);
}

int dcs_metric_has_it_total(const dcs_config_t *cfg)
{
    for (unsigned i = 0; i < cfg->channels_count; i++)
        if (cfg->channels[i].role == DCS_CONFIG_ROLE_IT_TOTAL && !cfg->channels[i].cross_check)
            return 1;
    return 0;
}

int dcs_metric_counts_for(const dcs_config_channel_t *c, int which, int has_it_total)
{
    if (c->cross_check || (c->kind != DCS_CONFIG_POWER && c->kind != DCS_CONFIG_ENERGY))
        return 0;
    if (which == 0)
        return c->role == DCS_CONFIG_ROLE_FACILITY_TOTAL;
    return c->role == (has_it_total ? DCS_CONFIG_ROLE_IT_TOTAL : DCS_CONFIG_ROLE_IT_RACK);
}

static int alloc_buckets(dcs_metric_score_t *sc, const dcs_agg_buckets_t *b)
{
    sc->nbuckets = b->n;
    sc->bucket_start_ns = calloc(b->n, sizeof *sc->bucket_start_ns);
    sc->bucket_e_dc_wh = calloc(b->n, sizeof(double));
    sc->bucket_e_it_wh = calloc(b->n, sizeof(double));
    sc->bucket_pue = calloc(b->n, sizeof(double));
    sc->bucket_coverage = calloc(b->n, sizeof(double));
    if (!sc->bucket_start_ns || !sc->bucket_e_dc_wh || !sc->bucket_e_it_wh || !sc->bucket_pue ||
        !sc->bucket_coverage)
        return DCS_ENOMEM;
    for (size_t k = 0; k < b->n; k++) {
        int64_t start = b->t0_ns + (int64_t)k * b->width_ns;
        sc->bucket_start_ns[k] = start > b->from_ns ? start : b->from_ns;
        sc->bucket_coverage[k] = 1.0;
    }
    return 0;
}

/* Energy-weighted coverage of the two PUE roles (0 = E_DC, 1 = E_IT): energy
 * measured, and the energy missing as estimated from each channel's own mean
 * power over its uncovered time (for the weighting only, never for a result).
 * A channel without any data is estimated at the mean of its role's channels
 * that have data; a role with none has coverage 0. Per bucket the same. */
typedef struct {
    double mean_w_sum[2];
    unsigned with_data[2], without[2];
    double *b_have, *b_miss; /* [role * nbuckets + k] */
} cover_acc_t;

static double bucket_s(const dcs_metric_score_t *sc, const dcs_agg_buckets_t *b, size_t k)
{
    int64_t hi = b->t0_ns + (int64_t)(k + 1) * b->width_ns;
    return (double)((hi < b->to_ns ? hi : b->to_ns) - sc->bucket_start_ns[k]) * 1e-9;
}

/* Fold one integrated channel into the role totals and per-bucket figures. */
static void fold_channel(dcs_metric_score_t *sc, const dcs_config_channel_t *c,
                         const dcs_agg_buckets_t *b, const dcs_metric_channel_t *mc,
                         int has_it_total, cover_acc_t *acc)
{
    int dc = dcs_metric_counts_for(c, 0, has_it_total), it = dcs_metric_counts_for(c, 1, has_it_total);
    double e = dcs_agg_buckets_total_wh(b);
    if (dc)
        sc->e_dc_wh += e;
    if (it)
        sc->e_it_wh += e;
    if (!c->cross_check && c->role == DCS_CONFIG_ROLE_COOLING && c->kind != DCS_CONFIG_UTILISATION)
        sc->e_cooling_wh += e;
    if (!c->cross_check && c->role == DCS_CONFIG_ROLE_LIGHTING_OTHER && c->kind != DCS_CONFIG_UTILISATION)
        sc->e_other_wh += e;
    if (!dc && !it)
        return;
    int r = dc ? 0 : 1;
    double mean_w = mc->covered_s > 0 ? fabs(mc->e_wh) * 3600.0 / mc->covered_s : NAN;
    if (isfinite(mean_w)) {
        acc->with_data[r]++;
        acc->mean_w_sum[r] += mean_w;
    } else {
        acc->without[r]++;
    }
    for (size_t k = 0; k < b->n; k++) {
        double miss_s = fmax(bucket_s(sc, b, k) - b->covered_s[k], 0);
        if (dc)
            sc->bucket_e_dc_wh[k] += b->e_wh[k];
        else
            sc->bucket_e_it_wh[k] += b->e_wh[k];
        acc->b_have[r * b->n + k] += fabs(b->e_wh[k]);
        if (isfinite(mean_w))
            acc->b_miss[r * b->n + k] += mean_w * miss_s / 3600.0;
    }
}

static double cover_ratio(double have, double miss)
{
    return have + miss > 0 ? have / (have + miss) : 1.0;
}

/* Close the accumulation: channels without data, then role, site and bucket
 * coverage (the lower of the two roles). */
static void cover_finish(dcs_metric_score_t *sc, const dcs_agg_buckets_t *b, cover_acc_t *acc)
{
    double role[2];
    for (int r = 0; r < 2; r++) {
        double per_ch = acc->with_data[r] ? acc->mean_w_sum[r] / acc->with_data[r] : 0;
        double have = 0, miss = 0;
        for (size_t k = 0; k < b->n; k++) {
            acc->b_miss[r * b->n + k] += acc->without[r] * per_ch * bucket_s(sc, b, k) / 3600.0;
            have += acc->b_have[r * b->n + k];
            miss += acc->b_miss[r * b->n + k];
        }
        role[r] = acc->with_data[r] ? cover_ratio(have, miss) : 0;
    }
    sc->coverage_dc = role[0];
    sc->coverage_it = role[1];
    sc->coverage = fmin(role[0], role[1]);
    for (size_t k = 0; k < b->n; k++) {
        double c0 = cover_ratio(acc->b_have[k], acc->b_miss[k]);
        double c1 = cover_ratio(acc->b_have[b->n + k], acc->b_miss[b->n + k]);
        sc->bucket_coverage[k] = acc->with_data[0] && acc->with_data[1] ? fmin(c0, c1) : 0;
    }
}

static void cross_checks(dcs_metric_score_t *sc, const dcs_config_t *cfg)
{
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_config_channel_t *c = &cfg->channels[sc->channels[i].channel];
        double ref = NAN;
        if (c->role == DCS_CONFIG_ROLE_FACILITY_TOTAL)
            ref = sc->e_dc_wh;
        else if (c->role == DCS_CONFIG_ROLE_IT_TOTAL || c->role == DCS_CONFIG_ROLE_IT_RACK)
            ref = sc->e_it_wh;
        sc->channels[i].cross_check_rel =
            c->cross_check && ref > 0 ? (sc->channels[i].e_wh - ref) / ref : NAN;
    }
}

/* pPUE per zone from the channel energies already integrated. */
static int zones(dcs_metric_score_t *sc, const dcs_config_t *cfg)
{
    if (!(sc->zones = calloc(cfg->channels_count ? cfg->channels_count : 1, sizeof *sc->zones)))
        return DCS_ENOMEM;
    for (size_t i = 0; i < sc->nchannels; i++) {
        const dcs_config_channel_t *c = &cfg->channels[sc->channels[i].channel];
        int it = c->role == DCS_CONFIG_ROLE_IT_TOTAL || c->role == DCS_CONFIG_ROLE_IT_RACK;
        int infra = c->role == DCS_CONFIG_ROLE_COOLING || c->role == DCS_CONFIG_ROLE_LIGHTING_OTHER;
        if (!c->zone || c->cross_check || c->kind == DCS_CONFIG_UTILISATION || (!it && !infra))
            continue;
        size_t z = 0;
        while (z < sc->nzones && strcmp(sc->zones[z].zone, c->zone) != 0)
            z++;
        if (z == sc->nzones)
            sc->zones[sc->nzones++].zone = c->zone;
        if (it)
            sc->zones[z].e_it_wh += sc->channels[i].e_wh;
        else
            sc->zones[z].e_infra_wh += sc->channels[i].e_wh;
    }
    for (size_t z = 0; z < sc->nzones; z++)
        sc->zones[z].ppue = dcs_metric_pue(sc->zones[z].e_it_wh + sc->zones[z].e_infra_wh,
                                           sc->zones[z].e_it_wh);
    return 0;
}

/* Channel mc's mean power per local day from its buckets b (days with at
 * least an hour covered), and the largest ratio between consecutive such days
 * whose means are both non-zero. */
static void day_steps(const dcs_config_t *cfg, const dcs_agg_buckets_t *b, const int64_t *bucket_day,
                      dcs_metric_channel_t *mc)
{
    const dcs_config_channel_t *c = &cfg->channels[mc->channel];
    mc->step_ratio = 1;
    if ((c->kind != DCS_CONFIG_POWER && c->kind != DCS_CONFIG_ENERGY) || b->width_ns > 86400 * DCS_NS_PER_S)
        return;
    double prev = NAN, e = 0, cov = 0;
    int64_t day = INT64_MIN, start = 0;
    for (size_t k = 0; k <= b->n; k++) {
        int64_t t = b->t0_ns + (int64_t)k * b->width_ns;
        int64_t d = k == b->n ? INT64_MAX : bucket_day[k];
        if (d != day && cov >= 3600) { /* close the day that began at start */
            double mean = fabs(e) * 3600 / cov, r = prev > 0 && mean > 0 ? mean / prev : 1;
            r = r < 1 ? 1 / r : r;
            if (r > mc->step_ratio)
                mc->step_ratio = r, mc->step_before_w = prev,
                mc->step_after_w = mean, mc->step_day_ns = start > b->from_ns ? start : b->from_ns;
            prev = mean;
        }
        if (d != day)
            day = d, start = t, e = 0, cov = 0;
        if (k < b->n)
            e += b->e_wh[k], cov += b->covered_s[k];
    }
}

/* The site-zone day (days since 1970 in local time) each bucket starts in:
 * the same for every channel, so found once a score. NULL: out of memory. */
static int64_t *bucket_days(const dcs_config_t *cfg, const dcs_agg_buckets_t *b)
{
    int64_t *d = malloc((b->n ? b->n : 1) * sizeof *d);
    for (size_t k = 0; d && k < b->n; k++) {
        int64_t t = b->t0_ns + (int64_t)k * b->width_ns;
        d[k] = dcs_time_day(t + dcs_tz_offset_s(t, cfg->site->timezone) * DCS_NS_PER_S);
    }
    return d;
}

/* What folding needs beside the channel: the score, its accumulators and the
 * local day of each bucket. */
typedef struct {
    const dcs_config_t *cfg;
    dcs_metric_score_t *sc;
    cover_acc_t *acc;
    const int64_t *bday;
    int has_it_total;
} fold_ctx_t;

static void fold_one(void *ctx, unsigned ch, const dcs_agg_buckets_t *b, dcs_metric_channel_t *mc)
{
    fold_ctx_t *f = ctx;
    fold_channel(f->sc, &f->cfg->channels[ch], b, mc, f->has_it_total, f->acc);
    day_steps(f->cfg, b, f->bday, mc);
}

/* Integrate every channel (integrate.c) and fold each, in channel order. */
static int integrate_all(const dcs_config_t *cfg, dcs_store_t *st, dcs_agg_buckets_t *b,
                         const uint8_t *use, int has_it_total, dcs_metric_score_t *sc,
                         cover_acc_t *acc, dcs_metric_progress_fn progress, void *ctx)
{
    int64_t *bday = bucket_days(cfg, b);
    fold_ctx_t f = {cfg, sc, acc, bday, has_it_total};
    int rc = bday ? metric_integrate(cfg, st, b, use, sc->channels, fold_one, &f, progress, ctx) : DCS_ENOMEM;
    free(bday);
    return rc;
}

int dcs_metric_score(const dcs_config_t *cfg, dcs_store_t *st, int64_t from_ns, int64_t to_ns,
                     int64_t bucket_ns, dcs_metric_score_t **out, char *err, size_t errlen)
{
    return dcs_metric_score_progress(cfg, st, from_ns, to_ns, bucket_ns, NULL, NULL, out, err, errlen);
}

int dcs_metric_score_progress(const dcs_config_t *cfg, dcs_store_t *st, int64_t from_ns,
                              int64_t to_ns, int64_t bucket_ns, dcs_metric_progress_fn progress,
                              void *ctx, dcs_metric_score_t **out, char *err, size_t errlen)
{
    int has_it_total = dcs_metric_has_it_total(cfg), has_dc = 0, has_it = 0, rc = 0;
    for (unsigned i = 0; i < cfg->channels_count; i++) {
        has_dc |= dcs_metric_counts_for(&cfg->channels[i], 0, has_it_total);
        has_it |= dcs_metric_counts_for(&cfg->channels[i], 1, has_it_total);
    }
    if (!has_dc || !has_it) {
        snprintf(err, errlen, "%s: PUE needs a facility_total and an it_total (or it_rack) "
                 "power or energy channel", cfg->site->id);
        return DCS_ENODATA;
    }
    dcs_metric_score_t *sc = calloc(1, sizeof *sc);
    dcs_agg_buckets_t b = {0}; /* the window's buckets: their shape, for the score */
    if (!sc || !(sc->channels = calloc(cfg->channels_count, sizeof *sc->channels)) ||
        dcs_metric_bridge_plan(cfg, sc->channels) ||
        dcs_agg_buckets_init_local(&b, from_ns, to_ns, bucket_ns,
                                   dcs_tz_offset_s(from_ns, cfg->site->timezone) * DCS_NS_PER_S) ||
        alloc_buckets(sc, &b)) {
        dcs_metric_score_free(sc);
        dcs_agg_buckets_free(&b);
        snprintf(err, errlen, "score: out of memory or empty window");
        return to_ns <= from_ns ? DCS_EINVAL : DCS_ENOMEM;
    }
    sc->from_ns = from_ns;
    sc->to_ns = to_ns;
    sc->bucket_ns = bucket_ns;
    sc->category = cfg->site->pue_category;
    sc->it_source = has_it_total ? "it_total" : "it_rack";
    sc->nchannels = cfg->channels_count;
    cover_acc_t acc = {.b_have = calloc(2 * b.n, sizeof(double)),
                       .b_miss = calloc(2 * b.n, sizeof(double))};
    uint8_t *use = metric_rollup_days(cfg, st, &b, sc->channels);
    sc->days = (size_t)(dcs_time_day(to_ns - 1) - dcs_time_day(from_ns) + 1);
    for (size_t d = 0; use && d < sc->days; d++)
        sc->days_from_rollups += use[d];
    rc = use && acc.b_have && acc.b_miss
             ? integrate_all(cfg, st, &b, use, has_it_total, sc, &acc, progress, ctx)
             : DCS_ENOMEM;
    if (!rc)
        cover_finish(sc, &b, &acc);
    dcs_agg_buckets_free(&b);
    free(acc.b_have);
    free(acc.b_miss);
    free(use);
    if (rc) {
        snprintf(err, errlen, "%s", rc == DCS_ENOMEM ? "score: out of memory" : dcs_store_errmsg(st));
        dcs_metric_score_free(sc);
        return rc;
    }
    for (size_t k = 0; k < sc->nbuckets; k++)
        sc->bucket_pue[k] = dcs_metric_pue(sc->bucket_e_dc_wh[k], sc->bucket_e_it_wh[k]);
    sc->pue = dcs_metric_pue(sc->e_dc_wh, sc->e_it_wh);
    cross_checks(sc, cfg);
    for (const char *p; sc->nproblems < 8 && (p = dcs_store_problem(st, sc->nproblems));)
        snprintf(sc->problems[sc->nproblems++], sizeof sc->problems[0], "%s", p);
    if (zones(sc, cfg)) {
        dcs_metric_score_free(sc);
        snprintf(err, errlen, "score: out of memory");
        return DCS_ENOMEM;
    }
    *out = sc;
    return 0;
}
