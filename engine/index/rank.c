/* rank.c: rank a cohort on the composite index, and say how sure the ranks are:
 * a seeded Monte-Carlo over measurement uncertainty (each indicator scaled by
 * 1 + rel_sd * N(0,1)) and weight perturbation (each weight scaled by
 * 1 + weight_sd * N(0,1), clamped at 0, renormalised). Same seed, same answer. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int benefit[DCS_INDEX_N] = {0, 1, 1}; /* PUE is a cost, CUE and EUE benefits */

typedef struct {
    const dcs_index_entry_t *e;
    const dcs_index_policy_t *pol;
    const dcs_index_options_t *opt;
    size_t m;        /* ranked entries */
    size_t *idx;     /* entry index of each ranked entry */
} cohort_t;

/* Composite of every ranked entry from values x (m x N) and weights w. For the
 * entropy method w is recomputed from the scores. */
static int composites(const cohort_t *c, const double *x, double *w, double *scores, double *out)
{
    for (size_t i = 0; i < c->m; i++)
        for (int j = 0; j < DCS_INDEX_N; j++)
            scores[i * DCS_INDEX_N + j] =
                dcs_index_score(x[i * DCS_INDEX_N + j], dcs_index_policy_anchor(c->pol, j));
    if (c->opt->method == DCS_INDEX_ENTROPY && dcs_index_entropy(scores, c->m, DCS_INDEX_N, w))
        return DCS_EINVAL;
    if (c->opt->method == DCS_INDEX_TOPSIS) {
        int rc = dcs_index_topsis(x, c->m, DCS_INDEX_N, w, benefit, 0, out);
        for (size_t i = 0; i < c->m; i++)
            out[i] *= 100.0;
        return rc;
    }
    for (size_t i = 0; i < c->m; i++)
        out[i] = dcs_index_composite(&scores[i * DCS_INDEX_N], w, DCS_INDEX_N);
    return 0;
}

/* rank_of[i] = 1 + number of entries with a higher composite (ties: lower index first). */
static void ranks(const double *comp, size_t m, int *rank_of)
{
    for (size_t i = 0; i < m; i++) {
        int r = 1;
        for (size_t k = 0; k < m; k++)
            r += comp[k] > comp[i] || (comp[k] == comp[i] && k < i);
        rank_of[i] = r;
    }
}

static int base_weights(const cohort_t *c, double *w, dcs_index_ranking_t *out, char *err,
                        size_t errlen)
{
    const dcs_index_options_t *o = c->opt;
    out->lambda_max = out->cr = NAN;
    if (o->method == DCS_INDEX_FIXED || o->topsis_fixed) {
        double s = 0;
        for (int j = 0; j < DCS_INDEX_N; j++)
            s += w[j] = o->w_fixed[j] > 0 ? o->w_fixed[j] : 0;
        if (!(s > 0)) {
            snprintf(err, errlen, "fixed weights must not all be 0");
            return DCS_ECONFIG;
        }
        for (int j = 0; j < DCS_INDEX_N; j++)
            w[j] /= s;
        return 0;
    }
    if (o->method == DCS_INDEX_ENTROPY)
        return 0; /* from the data, in composites() */
    dcs_index_ahp_result_t r;
    char why[256];
    int rc = dcs_index_ahp_solve(o->ahp, DCS_INDEX_N, NULL, &r, why, sizeof why);
    out->lambda_max = r.lambda_max;
    out->cr = r.cr;
    for (int j = 0; !rc && j < DCS_INDEX_N; j++)
        w[j] = r.w[j];
    if (rc)
        snprintf(err, errlen, "AHP matrix [[%g, %g, %g], [%g, %g, %g], [%g, %g, %g]]: %s", o->ahp[0],
                 o->ahp[1], o->ahp[2], o->ahp[3], o->ahp[4], o->ahp[5], o->ahp[6], o->ahp[7],
                 o->ahp[8], why);
    return rc ? DCS_ECONFIG : 0;
}

/* Indicator whose weighted score differs most from the cohort mean, per entry. */
static void key_indicators(const cohort_t *c, const double *scores, const double *w,
                           dcs_index_ranking_t *out)
{
    double mean[DCS_INDEX_N] = {0};
    for (size_t i = 0; i < c->m; i++)
        for (int j = 0; j < DCS_INDEX_N; j++)
            mean[j] += scores[i * DCS_INDEX_N + j] / (double)c->m;
    for (size_t i = 0; i < c->m; i++) {
        dcs_index_result_t *r = &out->r[c->idx[i]];
        r->key_points = 0;
        for (int j = 0; j < DCS_INDEX_N; j++) {
            double d = w[j] * (scores[i * DCS_INDEX_N + j] - mean[j]);
            if (j == 0 || fabs(d) > fabs(r->key_points)) {
                r->key = j;
                r->key_points = d;
            }
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Monte-Carlo: rank histogram and 90 % interval of each composite. */
static int monte_carlo(const cohort_t *c, const double *w0, dcs_index_ranking_t *out)
{
    size_t m = c->m, draws = c->opt->draws;
    double *x = malloc(m * DCS_INDEX_N * sizeof *x), *sc = malloc(m * DCS_INDEX_N * sizeof *sc);
    double *comp = malloc(m * sizeof *comp), *samples = malloc(draws * m * sizeof *samples);
    int *rk = malloc(m * sizeof *rk);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int rc = x && sc && comp && samples && rk && rng ? 0 : DCS_ENOMEM;
    if (!rc)
        gsl_rng_set(rng, c->opt->seed);
    for (size_t d = 0; !rc && d < draws; d++) {
        double w[DCS_INDEX_N], s = 0;
        for (size_t i = 0; i < m; i++)
            for (int j = 0; j < DCS_INDEX_N; j++)
                x[i * DCS_INDEX_N + j] = fmax(0.0, c->e[c->idx[i]].x[j] * /* a quantity */
                    (1.0 + c->e[c->idx[i]].rel_sd[j] * gsl_ran_gaussian(rng, 1.0)));
        for (int j = 0; j < DCS_INDEX_N; j++)
            s += w[j] = fmax(0.0, w0[j] * (1.0 + c->opt->weight_sd * gsl_ran_gaussian(rng, 1.0)));
        for (int j = 0; j < DCS_INDEX_N; j++)
            w[j] = s > 0 ? w[j] / s : w0[j];
        rc = composites(c, x, w, sc, comp);
        ranks(comp, m, rk);
        for (size_t i = 0; i < m; i++) {
            out->r[c->idx[i]].p_rank[rk[i] - 1] += 1.0 / (double)draws;
            samples[i * draws + d] = comp[i];
        }
        if (c->opt->progress && ((d + 1) % 100 == 0 || d + 1 == draws))
            c->opt->progress(c->opt->progress_ctx, (unsigned)(d + 1), (unsigned)draws);
    }
    for (size_t i = 0; !rc && i < m; i++) {
        dcs_index_result_t *r = &out->r[c->idx[i]];
        qsort(samples + i * draws, draws, sizeof *samples, cmp_double);
        r->ci90_lo = samples[i * draws + (size_t)(0.05 * (double)(draws - 1))];
        r->ci90_hi = samples[i * draws + (size_t)(0.95 * (double)(draws - 1))];
        r->p_top = r->p_rank[0];
    }
    gsl_rng_free(rng);
    free(x), free(sc), free(comp), free(samples), free(rk);
    return rc;
}

static const char *why_not_ranked(const dcs_index_entry_t *e, double min_coverage)
{
    if (e->withheld)
        return e->withheld;
    if (!(e->coverage >= min_coverage))
        return "coverage below the cohort's threshold";
    for (int j = 0; j < DCS_INDEX_N; j++)
        if (!isfinite(e->x[j]) || e->x[j] < 0 || (j == DCS_INDEX_PUE && e->x[j] < 1.0))
            return j == DCS_INDEX_PUE ? "no valid PUE" : j == DCS_INDEX_CUE ? "no valid CUE" : "no valid EUE";
    return NULL;
}

int dcs_index_rank(const dcs_index_entry_t *e, size_t m, const dcs_index_policy_t *pol,
                   const dcs_index_options_t *opt, dcs_index_ranking_t *out, char *err,
                   size_t errlen)
{
    cohort_t c = {.e = e, .pol = pol, .opt = opt, .idx = calloc(m ? m : 1, sizeof(size_t))};
    memset(out, 0, sizeof *out);
    out->r = calloc(m ? m : 1, sizeof *out->r);
    if (!c.idx || !out->r) {
        free(c.idx);
        return DCS_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        out->r[i].why_not = why_not_ranked(&e[i], opt->min_coverage);
        out->r[i].ranked = !out->r[i].why_not;
        out->r[i].composite = out->r[i].ci90_lo = out->r[i].ci90_hi = NAN;
        for (int j = 0; j < DCS_INDEX_N; j++)
            out->r[i].score[j] = dcs_index_score(e[i].x[j], dcs_index_policy_anchor(pol, j));
        if (out->r[i].ranked)
            c.idx[c.m++] = i;
    }
    out->nranked = c.m;
    int rc = base_weights(&c, out->w, out, err, errlen);
    if (!rc && !c.m) {
        snprintf(err, errlen, "no entry can be ranked (coverage or indicators missing)");
        rc = DCS_ENODATA;
    }
    double *x = malloc((c.m + 1) * DCS_INDEX_N * sizeof *x), *sc = malloc((c.m + 1) * DCS_INDEX_N * sizeof *sc);
    double *comp = malloc((c.m + 1) * sizeof *comp);
    int *rk = malloc((c.m + 1) * sizeof *rk);
    if (!rc && (!x || !sc || !comp || !rk))
        rc = DCS_ENOMEM;
    for (size_t i = 0; !rc && i < c.m; i++) {
        memcpy(&x[i * DCS_INDEX_N], e[c.idx[i]].x, sizeof e[0].x);
        if (!(out->r[c.idx[i]].p_rank = calloc(c.m, sizeof(double))))
            rc = DCS_ENOMEM;
    }
    if (!rc && (rc = composites(&c, x, out->w, sc, comp)))
        snprintf(err, errlen, "a cohort value is negative or not a number");
    if (!rc) {
        ranks(comp, c.m, rk);
        for (size_t i = 0; i < c.m; i++) {
            out->r[c.idx[i]].composite = comp[i];
            out->r[c.idx[i]].rank = rk[i];
        }
        key_indicators(&c, sc, out->w, out);
        if (opt->draws)
            rc = monte_carlo(&c, out->w, out);
    }
    free(x), free(sc), free(comp), free(rk), free(c.idx);
    return rc;
}

void dcs_index_ranking_free(dcs_index_ranking_t *r, size_t m)
{
    for (size_t i = 0; r->r && i < m; i++)
        free(r->r[i].p_rank);
    free(r->r);
    r->r = NULL;
}

int dcs_index_sensitivity(const dcs_index_entry_t *e, size_t m, const dcs_index_policy_t *pol,
                          const dcs_index_options_t *opt, const double *w, double delta,
                          int *ranks)
{
    char err[256];
    for (int j = 0; j < DCS_INDEX_N; j++)
        for (int k = 0; k < 2; k++) {
            dcs_index_options_t o = *opt;
            dcs_index_ranking_t r;
            o.draws = 0;
            o.method = opt->method == DCS_INDEX_TOPSIS ? DCS_INDEX_TOPSIS : DCS_INDEX_FIXED;
            o.topsis_fixed = 1;
            for (int q = 0; q < DCS_INDEX_N; q++)
                o.w_fixed[q] = w[q] * (q == j ? (k == 0 ? 1 + delta : 1 - delta) : 1);
            int rc = dcs_index_rank(e, m, pol, &o, &r, err, sizeof err);
            for (size_t i = 0; !rc && i < m; i++)
                ranks[(2 * j + k) * m + i] = r.r[i].ranked ? r.r[i].rank : 0;
            dcs_index_ranking_free(&r, m);
            if (rc)
                return rc;
        }
    return 0;
}

size_t *dcs_index_rank_order(const dcs_index_ranking_t *r, size_t m)
{
    size_t *o = malloc((m ? m : 1) * sizeof *o), k = 0;
    for (size_t want = 1; o && want <= r->nranked; want++)
        for (size_t i = 0; i < m; i++)
            if (r->r[i].ranked && (size_t)r->r[i].rank == want)
                o[k++] = i;
    for (size_t i = 0; o && i < m; i++)
        if (!r->r[i].ranked)
            o[k++] = i;
    return o;
}
