/* live.c: a site's figures over its last interval, from the samples as they are
 * polled (no store read): mean facility and IT power, PUE, rated and effective
 * FP16/FP32 compute (METRICS.md, CUE, with each group's mean utilisation over the
 * interval), and the coverage behind them. Two slots hold the sums of the
 * interval being polled and of the one before it, so that the forwarder can
 * take a finished interval while the next one fills. */
#define _GNU_SOURCE
#include "dcs_forward.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { USE_DC = 1, USE_IT = 2 };

typedef struct {
    uint32_t ok;                  /* samples with a value */
    double sum;                   /* of their values */
    int64_t t_first, t_last;
    double v_first, v_last;
} acc_t;

typedef struct {
    int64_t k;                    /* interval index (start / interval), -1 unused */
    acc_t *a;                     /* per channel */
} slot_t;

struct dcs_live {
    pthread_mutex_t mu;
    size_t n;
    int64_t iv_ns, poll_ns;
    double min_cov, pue_min, pue_max;
    uint8_t *use, *energy;        /* per channel: USE_* bits; 1 for a Wh counter */
    int64_t *ref_t;               /* per counter: its last sample before the slot taken next */
    double *ref_v;
    size_t ng;                    /* server groups */
    uint32_t *g_chan;
    double *g_rated;              /* [ng][2]: count x peak, FP16 and FP32 */
    slot_t slot[2];
    int64_t taken_k;
    uint64_t late;
};

void dcs_live_free(dcs_live_t *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->use), free(l->energy), free(l->ref_t), free(l->ref_v);
    free(l->g_chan), free(l->g_rated);
    free(l->slot[0].a), free(l->slot[1].a);
    free(l);
}

static int live_groups(dcs_live_t *l, const dcs_config_t *cfg)
{
    const dcs_config_inventory_t *inv = cfg->inventory;
    l->ng = inv ? inv->servers_count : 0;
    l->g_chan = calloc(l->ng ? l->ng : 1, sizeof *l->g_chan);
    l->g_rated = calloc(l->ng ? 2 * l->ng : 1, sizeof *l->g_rated);
    if (!l->g_chan || !l->g_rated)
        return -1;
    for (size_t g = 0; g < l->ng; g++) {
        const dcs_config_server_t *s = &inv->servers[g];
        l->g_chan[g] = s->channel_index;
        l->g_rated[2 * g] = s->count * s->fp16_tflops;
        l->g_rated[2 * g + 1] = s->count * s->fp32_tflops;
    }
    return 0;
}

dcs_live_t *dcs_live_new(const dcs_config_t *cfg, double interval_s, const dcs_metric_limits_t *lim)
{
    dcs_live_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    size_t n = l->n = cfg->channels_count;
    l->iv_ns = (int64_t)(interval_s * DCS_NS_PER_S);
    l->poll_ns = (int64_t)cfg->site->poll_interval_ms * 1000000;
    l->min_cov = fmax(lim->min_coverage, cfg->site->min_coverage);
    l->pue_min = lim->pue_min, l->pue_max = lim->pue_max;
    l->taken_k = INT64_MIN;
    l->use = calloc(n ? n : 1, 1), l->energy = calloc(n ? n : 1, 1);
    l->ref_t = calloc(n ? n : 1, sizeof *l->ref_t), l->ref_v = calloc(n ? n : 1, sizeof *l->ref_v);
    for (int k = 0; k < 2; k++)
        l->slot[k] = (slot_t){.k = -1, .a = calloc(n ? n : 1, sizeof(acc_t))};
    if (!l->use || !l->energy || !l->ref_t || !l->ref_v || !l->slot[0].a || !l->slot[1].a ||
        live_groups(l, cfg))
        return dcs_live_free(l), NULL;
    int has_it_total = dcs_metric_has_it_total(cfg);
    for (size_t i = 0; i < n; i++) {
        const dcs_config_channel_t *c = &cfg->channels[i];
        l->use[i] = (uint8_t)((dcs_metric_counts_for(c, 0, has_it_total) ? USE_DC : 0) |
                              (dcs_metric_counts_for(c, 1, has_it_total) ? USE_IT : 0));
        l->energy[i] = c->kind == DCS_CONFIG_ENERGY;
        l->ref_t[i] = INT64_MIN;
    }
    return l;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

void dcs_live_add(dcs_live_t *l, const dcs_sample_t *s, size_t n)
{
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < n; i++) {
        if (s[i].channel >= l->n || s[i].flag != DCS_SAMPLE_OK || !isfinite(s[i].value))
            continue;
        int64_t k = floor_div(s[i].t_ns, l->iv_ns);
        if (k <= l->taken_k) {
            l->late++;
            continue;
        }
        slot_t *sl = &l->slot[k & 1];
        if (sl->k != k) { /* a new interval: the slot's old one was taken (or is lost) */
            memset(sl->a, 0, l->n * sizeof *sl->a);
            sl->k = k;
        }
        acc_t *a = &sl->a[s[i].channel];
        if (!a->ok)
            a->t_first = s[i].t_ns, a->v_first = s[i].value;
        a->ok++;
        a->sum += s[i].value;
        a->t_last = s[i].t_ns, a->v_last = s[i].value;
    }
    pthread_mutex_unlock(&l->mu);
}

uint64_t dcs_live_late(dcs_live_t *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t n = l->late;
    pthread_mutex_unlock(&l->mu);
    return n;
}

typedef struct {
    char list[400];
    size_t len;
} findings_t;

static void finding(findings_t *f, const char *code)
{
    if (strstr(f->list, code)) /* each code once */
        return;
    int w = snprintf(f->list + f->len, sizeof f->list - f->len, "%s\"%s\"", f->len > 1 ? "," : "", code);
    if (w > 0 && f->len + (size_t)w < sizeof f->list - 1)
        f->len += (size_t)w;
    else
        f->list[f->len] = '\0';
}

/* Channel i's mean over the interval (W or %; a counter: its energy over the
 * time between two readings, as W) into *v with its coverage; -1 for a counter
 * that went backwards. */
static int channel_mean(dcs_live_t *l, const acc_t *a, size_t i, double *v, double *cov)
{
    *v = NAN, *cov = 0;
    if (!l->energy[i]) {
        int64_t expect = l->poll_ns > 0 ? (l->iv_ns + l->poll_ns / 2) / l->poll_ns : 1;
        *cov = fmin(1.0, (double)a->ok / (double)(expect > 0 ? expect : 1));
        *v = a->ok ? a->sum / a->ok : NAN;
        return 0;
    }
    int have_ref = l->ref_t[i] != INT64_MIN && a->ok && l->ref_t[i] < a->t_first;
    int64_t t0 = have_ref ? l->ref_t[i] : a->t_first;
    double v0 = have_ref ? l->ref_v[i] : a->v_first;
    if (!a->ok || a->t_last <= t0)
        return 0;
    if (a->v_last < v0)
        return -1;
    *v = (a->v_last - v0) / ((double)(a->t_last - t0) / (3600.0 * DCS_NS_PER_S));
    *cov = fmin(1.0, (double)(a->t_last - t0) / (double)l->iv_ns);
    return 0;
}

/* A balance's power (kW) from the channels of `bit`, withheld when one of them
 * is under the coverage; the least coverage into *cov. */
static double balance_kw(dcs_live_t *l, const acc_t *a, int bit, double *cov, findings_t *f, const char *code)
{
    double kw = 0, least = 1;
    int any = 0, bad = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!(l->use[i] & bit))
            continue;
        double w, c;
        if (channel_mean(l, &a[i], i, &w, &c))
            finding(f, "counter_reset"), bad = 1;
        any = 1, least = fmin(least, c);
        kw += w / 1000.0;
        bad |= !(c >= l->min_cov) || !isfinite(w);
    }
    *cov = any ? least : 0;
    if (!any || bad)
        finding(f, code);
    return any && !bad ? kw : NAN;
}

/* Rated and effective compute per precision, withheld where a rated group's
 * utilisation is missing or outside 0..100 %. */
static void compute(dcs_live_t *l, const acc_t *a, dcs_live_status_t *out, double *cov, findings_t *f)
{
    for (int p = 0; p < 2; p++) {
        double rated = 0, eff = 0;
        int bad = 0;
        for (size_t g = 0; g < l->ng; g++) {
            double r = l->g_rated[2 * g + p], u, c;
            if (!(r > 0))
                continue;
            channel_mean(l, &a[l->g_chan[g]], l->g_chan[g], &u, &c);
            *cov = fmin(*cov, c);
            if (!(c >= l->min_cov) || !isfinite(u))
                finding(f, "utilisation_coverage"), bad = 1;
            else if (u < -DCS_METRIC_UTIL_SLACK_PCT || u > 100 + DCS_METRIC_UTIL_SLACK_PCT)
                finding(f, "utilisation_out_of_range"), bad = 1;
            u = fmin(fmax(u, 0), 100); /* never effective above rated by a rounding */
            rated += r, eff += r * u / 100.0;
        }
        out->rated[p] = rated > 0 ? rated : NAN;
        out->effective[p] = rated > 0 && !bad ? eff : NAN;
    }
}

void dcs_live_take(dcs_live_t *l, int64_t end_ns, dcs_live_status_t *out)
{
    pthread_mutex_lock(&l->mu);
    int64_t k = floor_div(end_ns, l->iv_ns) - 1;
    slot_t *sl = &l->slot[k & 1];
    if (sl->k != k) { /* nothing polled in the interval */
        memset(sl->a, 0, l->n * sizeof *sl->a);
        sl->k = k;
    }
    findings_t f = {"[", 1};
    memset(out, 0, sizeof *out);
    out->t_ns = end_ns;
    out->interval_s = (double)l->iv_ns / DCS_NS_PER_S;
    double cov_dc, cov_it;
    out->facility_kw = balance_kw(l, sl->a, USE_DC, &cov_dc, &f, "facility_power_coverage");
    out->it_kw = balance_kw(l, sl->a, USE_IT, &cov_it, &f, "it_power_coverage");
    out->coverage = fmin(cov_dc, cov_it);
    out->pue = out->it_kw > 0 ? out->facility_kw / out->it_kw : NAN;
    if (out->pue < l->pue_min || out->pue > l->pue_max) {
        finding(&f, out->pue < l->pue_min ? "pue_below_min" : "pue_above_max");
        out->pue = NAN;
    }
    compute(l, sl->a, out, &out->coverage, &f);
    snprintf(out->findings, sizeof out->findings, "%s]", f.list);
    for (size_t i = 0; i < l->n; i++) /* each counter's reading before the next interval */
        if (l->energy[i] && sl->a[i].ok)
            l->ref_t[i] = sl->a[i].t_last, l->ref_v[i] = sl->a[i].v_last;
    memset(sl->a, 0, l->n * sizeof *sl->a);
    sl->k = -1;
    l->taken_k = k > l->taken_k ? k : l->taken_k;
    pthread_mutex_unlock(&l->mu);
}

char *dcs_live_status_json(const dcs_live_status_t *s, const char *operator_id, const char *site_id,
                           const char *region, uint64_t seq, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fputs("{\"schema\": \"dcscore.status/1\", \"operator\": ", f);
    dcs_json_str(f, operator_id);
    fputs(", \"site\": ", f), dcs_json_str(f, site_id);
    fputs(", \"region\": ", f), dcs_json_str(f, region);
    fprintf(f, ", \"seq\": %llu, \"t_ns\": %lld, \"interval_s\": %g, \"pue\": ", (unsigned long long)seq,
            (long long)s->t_ns, s->interval_s);
    dcs_json_num(f, "%.6f", s->pue);
    fputs(", \"it_kw\": ", f), dcs_json_num(f, "%.4f", s->it_kw);
    fputs(", \"facility_kw\": ", f), dcs_json_num(f, "%.4f", s->facility_kw);
    for (int p = 0; p < 2; p++) {
        fprintf(f, ", \"%s\": {\"rated_tflops\": ", p ? "fp32" : "fp16");
        dcs_json_num(f, "%.4f", s->rated[p]);
        fputs(", \"effective_tflops\": ", f), dcs_json_num(f, "%.4f", s->effective[p]);
        double a = s->rated[p] - s->effective[p]; /* NaN when either is withheld (fmax would make it 0) */
        fputs(", \"available_tflops\": ", f), dcs_json_num(f, "%.4f", isfinite(a) ? fmax(a, 0) : NAN);
        fputc('}', f);
    }
    fprintf(f, ", \"coverage\": %.6f, \"findings\": %s}", s->coverage, s->findings);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
