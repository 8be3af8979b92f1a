/* schedule.c: the schedule a collector serves from the status messages
 * (dcscore.schedule/2, docs/json.md): per site its latest figures, their
 * freshness, and its composite from its last accepted submission; and, for a
 * need of X TFLOPS at a precision, the sites that can take it now in the order
 * METRICS.md gives ("Placement"). */
#define _GNU_SOURCE
#include "region_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    dcs_region_sched_t *s;
    size_t n, cap;
    int oom;
} rows_t;

static int row(void *ctx, int nc, const char *const *v)
{
    rows_t *x = ctx;
    if (nc < 14)
        return 1;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 16;
        dcs_region_sched_t *g = realloc(x->s, cap * sizeof *g);
        if (!g)
            return x->oom = 1;
        x->s = g, x->cap = cap;
    }
    dcs_region_sched_t *s = &x->s[x->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->site_id, sizeof s->site_id, "%s", v[0] ? v[0] : "");
    snprintf(s->region, sizeof s->region, "%s", v[1] ? v[1] : "");
    s->seq = v[2] ? strtoull(v[2], NULL, 10) : 0;
    s->t_ns = v[3] ? strtoll(v[3], NULL, 10) : 0;
    s->interval_s = rs_double(v[4]), s->pue = rs_double(v[5]), s->it_kw = rs_double(v[6]), s->facility_kw = rs_double(v[7]);
    s->rated[0] = rs_double(v[8]), s->effective[0] = rs_double(v[9]), s->rated[1] = rs_double(v[10]), s->effective[1] = rs_double(v[11]);
    s->coverage = rs_double(v[12]), s->composite = rs_double(v[13]);
    return 0;
}

/* Freshness, availability and CUE of a row at now. */
static void derive(dcs_region_sched_t *s, int64_t now_ns)
{
    s->age_s = (double)(now_ns - s->t_ns) / DCS_NS_PER_S;
    s->stale = !(s->age_s <= 3 * s->interval_s);
    for (int p = 0; p < 2; p++) {
        double a = s->rated[p] - s->effective[p];
        s->available[p] = s->stale || !isfinite(a) ? NAN : fmax(a, 0); /* stale: never shown as available */
        s->cue[p] = s->it_kw > 0 ? s->effective[p] / s->it_kw : NAN;
    }
}

int dcs_region_schedule(dcs_region_t *r, const char *region, int64_t now_ns, dcs_region_sched_t **out, size_t *n)
{
    rows_t x = {0};
    const char *p[1] = {region};
    int rc = rs_run(r, "SELECT s.site_id, t.region, s.seq, s.t_ns, s.interval_s, s.pue, s.it_kw, s.facility_kw, "
                       "s.fp16_rated_tflops, s.fp16_effective_tflops, s.fp32_rated_tflops, s.fp32_effective_tflops, "
                       "s.coverage, (SELECT u.composite FROM submissions u WHERE u.site_id = s.site_id AND "
                       "u.status = 'accepted' AND u.rankable = 1 ORDER BY u.to_ns DESC, u.id DESC LIMIT 1) "
                       "FROM status s JOIN sites t ON t.id = s.site_id WHERE s.seq = (SELECT MAX(seq) FROM status "
                       "WHERE site_id = s.site_id) AND (CAST($1 AS TEXT) IS NULL OR t.region = CAST($1 AS TEXT)) "
                       "ORDER BY s.site_id", 1, p, row, &x) ? DCS_ESTORE : x.oom ? DCS_ENOMEM : 0;
    for (size_t i = 0; !rc && i < x.n; i++)
        derive(&x.s[i], now_ns);
    if (rc)
        free(x.s), x.s = NULL, x.n = 0;
    *out = x.s, *n = x.n;
    return rc;
}

/* Facility power per effective TFLOPS at the site's current PUE: the marginal
 * energy of a unit of work placed there (kW per TFLOPS). */
static double marginal(const dcs_region_sched_t *s, int p)
{
    return s->effective[p] > 0 && s->it_kw > 0 && s->pue >= 1 ? s->pue * s->it_kw / s->effective[p] : NAN;
}

typedef struct {
    const dcs_region_sched_t *s;
    int p;
} by_t;

static int by_marginal(const void *a, const void *b, void *ctx)
{
    const by_t *c = ctx;
    const dcs_region_sched_t *x = &c->s[*(const size_t *)a], *y = &c->s[*(const size_t *)b];
    double mx = marginal(x, c->p), my = marginal(y, c->p);
    if (mx != my)
        return mx < my ? -1 : 1;
    double cx = isfinite(x->composite) ? x->composite : -1, cy = isfinite(y->composite) ? y->composite : -1;
    return (cx < cy) - (cx > cy);
}

size_t dcs_region_place(dcs_region_sched_t *s, size_t n, int p, double need, size_t *order)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        s[i].why_not = s[i].stale ? "stale: no message for 3 intervals"
                     : !isfinite(s[i].available[p]) ? "no rated or effective compute at this precision"
                     : s[i].available[p] < need ? "not enough available compute"
                     : !isfinite(marginal(&s[i], p)) ? "no PUE, IT power or effective compute to weigh it by" : NULL;
        s[i].marginal_kw_per_tflops = marginal(&s[i], p);
        if (!s[i].why_not)
            order[k++] = i;
    }
    by_t c = {s, p};
    qsort_r(order, k, sizeof *order, by_marginal, &c);
    return k;
}

static void jnum(FILE *f, const char *key, double v, const char *fmt)
{
    fprintf(f, ", \"%s\": ", key);
    dcs_json_num(f, fmt, v);
}

/* One site of the schedule as a JSON object. */
static void site_json(FILE *f, const dcs_region_sched_t *s)
{
    char t[48];
    dcs_time_format(s->t_ns, "UTC", t, sizeof t);
    fprintf(f, "{\"site\": ");
    dcs_json_str(f, s->site_id);
    fprintf(f, ", \"region\": ");
    dcs_json_str(f, s->region);
    fprintf(f, ", \"seq\": %llu, \"data_utc\": \"%s\"", (unsigned long long)s->seq, t);
    jnum(f, "age_s", s->age_s, "%.1f");
    fprintf(f, ", \"stale\": %s", s->stale ? "true" : "false");
    jnum(f, "pue", s->pue, "%.4f"), jnum(f, "it_kw", s->it_kw, "%.3f"), jnum(f, "facility_kw", s->facility_kw, "%.3f");
    jnum(f, "coverage", s->coverage, "%.4f");
    static const char *const prec[2] = {"fp16", "fp32"};
    for (int p = 0; p < 2; p++) {
        fprintf(f, ", \"%s\": {\"rated_tflops\": ", prec[p]);
        dcs_json_num(f, "%.3f", s->rated[p]);
        jnum(f, "effective_tflops", s->effective[p], "%.3f");
        jnum(f, "available_tflops", s->available[p], "%.3f");
        jnum(f, "cue_tflops_per_kw", s->cue[p], "%.6g");
        fputc('}', f);
    }
    jnum(f, "composite", s->composite, "%.4f");
    fputc('}', f);
}

void dcs_region_schedule_json(FILE *f, const dcs_region_sched_t *s, size_t n, int64_t now_ns, int p, double need,
                              const size_t *order, size_t k)
{
    char t[48];
    dcs_time_format(now_ns, "UTC", t, sizeof t);
    fprintf(f, "{\"schema\": \"dcscore.schedule/2\", \"generated_utc\": \"%s\", \"stale_after_intervals\": 3,\n"
               " \"sites\": [", t);
    for (size_t i = 0; i < n; i++)
        fputs(i ? ",\n  " : "\n  ", f), site_json(f, &s[i]);
    fputs("]", f);
    if (need > 0) {
        fprintf(f, ",\n \"placement\": {\"need_tflops\": %.6g, \"precision\": \"%s\", \"rule\": \"facility kW per "
                   "effective TFLOPS at the current PUE, lower first; then composite, higher first\", \"order\": [",
                need, p ? "fp32" : "fp16");
        for (size_t j = 0; j < k; j++) {
            fprintf(f, "%s{\"site\": ", j ? ", " : "");
            dcs_json_str(f, s[order[j]].site_id);
            jnum(f, "marginal_kw_per_tflops", s[order[j]].marginal_kw_per_tflops, "%.6g");
            fputc('}', f);
        }
        fputs("], \"excluded\": [", f);
        for (size_t i = 0, first = 1; i < n; i++)
            if (s[i].why_not) {
                fprintf(f, "%s{\"site\": ", first ? "" : ", ");
                dcs_json_str(f, s[i].site_id);
                fprintf(f, ", \"why\": ");
                dcs_json_str(f, s[i].why_not);
                fputc('}', f);
                first = 0;
            }
        fputs("]}", f);
    }
    fputs("\n}\n", f);
}

static void cnum(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, fmt, v);
}

void dcs_region_schedule_csv(FILE *f, const dcs_region_sched_t *s, size_t n)
{
    fputs("site,region,seq,data_utc,age_s,stale,pue,it_kw,facility_kw,coverage,fp16_rated_tflops,"
          "fp16_effective_tflops,fp16_available_tflops,fp32_rated_tflops,fp32_effective_tflops,"
          "fp32_available_tflops,composite\r\n", f);
    for (size_t i = 0; i < n; i++) {
        char t[48];
        dcs_time_format(s[i].t_ns, "UTC", t, sizeof t);
        dcs_csv_str(f, s[i].site_id), fputc(',', f), dcs_csv_str(f, s[i].region);
        fprintf(f, ",%llu,%s", (unsigned long long)s[i].seq, t);
        cnum(f, s[i].age_s, "%.1f");
        fprintf(f, ",%s", s[i].stale ? "true" : "false");
        cnum(f, s[i].pue, "%.4f"), cnum(f, s[i].it_kw, "%.3f"), cnum(f, s[i].facility_kw, "%.3f");
        cnum(f, s[i].coverage, "%.4f");
        for (int p = 0; p < 2; p++)
            cnum(f, s[i].rated[p], "%.3f"), cnum(f, s[i].effective[p], "%.3f"), cnum(f, s[i].available[p], "%.3f");
        cnum(f, s[i].composite, "%.4f");
        fputs("\r\n", f);
    }
}

typedef struct {
    FILE *f;
    size_t n;
} hist_t;

static int hist_row(void *ctx, int nc, const char *const *v)
{
    hist_t *h = ctx;
    if (nc < 7)
        return 1;
    char t[48];
    dcs_time_format(v[1] ? strtoll(v[1], NULL, 10) : 0, "UTC", t, sizeof t);
    fprintf(h->f, "%s\n  {\"seq\": %s, \"data_utc\": \"%s\", \"received_ns\": %s, \"pue\": %s, \"it_kw\": %s, "
                  "\"fp16_effective_tflops\": %s, \"fp32_effective_tflops\": %s}", h->n++ ? "," : "", v[0] ? v[0] : "0", t,
            v[6] ? v[6] : "null", v[2] ? v[2] : "null", v[3] ? v[3] : "null", v[4] ? v[4] : "null",
            v[5] ? v[5] : "null");
    return 0;
}

int dcs_region_history_json(dcs_region_t *r, const char *site, int64_t from_ns, int64_t to_ns, FILE *f)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%lld", (long long)from_ns), snprintf(b, sizeof b, "%lld", (long long)to_ns);
    const char *p[3] = {site, a, b};
    hist_t h = {f, 0};
    fprintf(f, "{\"schema\": \"dcscore.history/1\", \"site\": ");
    dcs_json_str(f, site);
    fputs(", \"status\": [", f);
    int rc = rs_run(r, "SELECT seq, t_ns, pue, it_kw, fp16_effective_tflops, fp32_effective_tflops, received_ns FROM status "
                       "WHERE site_id = $1 AND t_ns >= $2 AND t_ns < $3 ORDER BY seq", 3, p, hist_row, &h);
    fputs("\n]}\n", f);
    return rc ? DCS_ESTORE : 0;
}
