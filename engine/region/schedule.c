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

static double num(const char *v)
{
    return v ? strtod(v, NULL) : NAN;
}

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
    s->interval_s = num(v[4]), s->pue = num(v[5]), s->it_kw = num(v[6]), s->facility_kw = num(v[7]);
    s->rated[0] = num(v[8]), s->effective[0] = num(v[9]), s->rated[1] = num(v[10]), s->effective[1] = num(v[11]);
    s->coverage = num(v[12]), s->composite = num(v[13]);
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
