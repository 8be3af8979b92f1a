/* srank.c: rank a cohort on an index system, with the reasons a losing entry
 * can check: each ranked entry's composite, its gap to the entry just above,
 * and P(rank = k) from a seeded Monte-Carlo over measurement uncertainty and
 * weight perturbation. Entries below min_coverage or missing a leaf are
 * listed, not ranked, with the reason. METRICS.md "Ranking on an index system". */
#define _GNU_SOURCE
#include "system_int.h"
#include "../base/dcs_base.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why entry e is not ranked, in English (buf) and Chinese (zh), or NULL. */
static const char *why_not(const dcs_index_system_t *s, const dcs_index_sentry_t *e, double min_cov,
                           char *buf, size_t len, char *zh, size_t zhlen)
{
    if (e->withheld) {
        const char *detail = strchr(e->withheld, ':');
        int prefixed = strncmp(e->withheld, "not publishable: ", 17) == 0 ||
                       strncmp(e->withheld, "not rankable: ", 14) == 0;
        snprintf(zh, zhlen, "数据不可发布：%s", prefixed ? detail + 2 : e->withheld);
        return snprintf(buf, len, "%s", e->withheld), buf;
    }
    if (!(e->coverage >= min_cov)) {
        snprintf(zh, zhlen, "数据覆盖率 %.0f %% 低于参评要求 %.0f %%", e->coverage * 100, min_cov * 100);
        return snprintf(buf, len, "coverage %.0f %% below the cohort's %.0f %%", e->coverage * 100,
                        min_cov * 100), buf;
    }
    for (size_t k = 0; k < s->nleaves; k++) {
        const dcs_index_node_t *leaf = &s->nodes[s->leaf_node[k]];
        const dcs_index_indicator_t *ind = dcs_index_indicator_find(leaf->indicator);
        if (!isfinite(e->x[k])) {
            snprintf(zh, zhlen, "缺少指标 %s 的数值（%s）", leaf->indicator, leaf->id);
            return snprintf(buf, len, "no %s figure (leaf %s)", leaf->indicator, leaf->id), buf;
        }
        if (ind && !(e->x[k] >= ind->lo && e->x[k] <= ind->hi)) {
            snprintf(zh, zhlen, "指标 %s 的数值 %g 超出真实数值的范围 %g .. %g（%s）", leaf->indicator, e->x[k],
                     ind->lo, ind->hi, leaf->id);
            return snprintf(buf, len, "%s %g is outside %g .. %g, the range of a real figure (leaf %s)",
                            leaf->indicator, e->x[k], ind->lo, ind->hi, leaf->id), buf;
        }
    }
    return NULL;
}

/* rank[i] = 1 + entries with a higher composite (ties: the earlier first). */
static void ranks_of(const double *comp, size_t m, int *rank)
{
    for (size_t i = 0; i < m; i++) {
        rank[i] = 1;
        for (size_t j = 0; j < m; j++)
            rank[i] += comp[j] > comp[i] || (comp[j] == comp[i] && j < i);
    }
}

/* Relative 1-sigma of leaf k for an entry: PUE from two meters of class c;
 * another leaf its stated u (u_<indicator>_pct) or u_default and one meter;
 * both widened by half the missing share. */
static double rel_sd(const dcs_index_node_t *leaf, const dcs_index_sentry_t *e, size_t k, double u_pct)
{
    double c = e->meter_class_pct / 100, gap = (1 - e->coverage) / 2;
    double u = (e->u_pct && isfinite(e->u_pct[k]) ? e->u_pct[k] : u_pct) / 100;
    return strcmp(leaf->indicator, "pue") == 0 ? sqrt(2 * c * c + gap * gap) : sqrt(u * u + c * c + gap * gap);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One draw: perturbed values (x0 m x L), then the composite with perturbed
 * global weights (weighted sum) or TOPSIS as evaluated. */
static int draw(dcs_index_system_t *s, const dcs_index_sentry_t *const *ent, const double *x0, size_t m,
                const dcs_index_sopts_t *o, gsl_rng *rng, double *x, double *comp)
{
    size_t L = s->nleaves;
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < L; k++)
            x[i * L + k] = fmax(0.0, x0[i * L + k] * (1 + rel_sd(&s->nodes[s->leaf_node[k]], ent[i], k,
                                                   o->u_default_pct > 0 ? o->u_default_pct : 5) *
                                                   gsl_ran_gaussian(rng, 1.0)));
    dcs_index_eval_t e;
    char err[256];
    int rc = dcs_index_system_eval(s, x, m, &e, err, sizeof err);
    double g[DCS_INDEX_MAX_NODES], sum = 0;
    for (size_t k = 0; !rc && k < L; k++)
        sum += g[k] = fmax(0.0, e.global_w[k] * (1 + o->weight_sd * gsl_ran_gaussian(rng, 1.0)));
    for (size_t i = 0; !rc && i < m; i++) {
        comp[i] = s->agg == DCS_AGG_TOPSIS ? e.composite[i] : 0;
        for (size_t k = 0; s->agg != DCS_AGG_TOPSIS && k < L; k++)
            comp[i] += (sum > 0 ? g[k] / sum : e.global_w[k]) * e.score[i * L + k];
    }
    dcs_index_eval_free(&e);
    return rc;
}

static int monte_carlo(dcs_index_system_t *s, const dcs_index_sentry_t *const *ent, const double *x0,
                       size_t m, const dcs_index_sopts_t *o, dcs_index_sresult_t *const *res)
{
    size_t L = s->nleaves, D = o->draws;
    double *x = malloc(m * L * sizeof *x), *comp = malloc(m * sizeof *comp), *samples = malloc(m * D * sizeof *samples);
    int *rk = malloc(m * sizeof *rk), rc = x && comp && samples && rk ? 0 : DCS_ENOMEM;
    gsl_rng *rng = rc ? NULL : gsl_rng_alloc(gsl_rng_mt19937);
    if (!rc && !rng)
        rc = DCS_ENOMEM;
    if (!rc)
        gsl_rng_set(rng, o->seed);
    for (size_t d = 0; !rc && d < D; d++) {
        rc = draw(s, ent, x0, m, o, rng, x, comp);
        ranks_of(comp, m, rk);
        for (size_t i = 0; !rc && i < m; i++) {
            res[i]->p_rank[rk[i] - 1] += 1.0 / (double)D;
            samples[i * D + d] = comp[i];
        }
        if (o->progress && ((d + 1) % 100 == 0 || d + 1 == D))
            o->progress(o->progress_ctx, (unsigned)(d + 1), (unsigned)D);
    }
    for (size_t i = 0; !rc && i < m; i++) {
        qsort(samples + i * D, D, sizeof *samples, cmp_double);
        res[i]->ci90_lo = samples[i * D + (size_t)(0.05 * (double)(D - 1))];
        res[i]->ci90_hi = samples[i * D + (size_t)(0.95 * (double)(D - 1))];
    }
    gsl_rng_free(rng);
    free(x), free(comp), free(samples), free(rk);
    return rc;
}

static int keep_reason(dcs_index_sranking_t *out, size_t i, const char *why, const char *zh)
{
    out->r[i].why_not = strdup(why);
    out->r[i].why_not_zh = strdup(zh);
    return out->r[i].why_not && out->r[i].why_not_zh;
}

/* The ranked entries' values, pointers and results, in cohort order. */
static int ranked_set(dcs_index_system_t *s, const dcs_index_sentry_t *e, size_t n, const dcs_index_sopts_t *o,
                      dcs_index_sranking_t *out, const dcs_index_sentry_t **ent, dcs_index_sresult_t **res,
                      double *x)
{
    size_t L = s->nleaves, m = 0;
    char buf[256], zh[320];
    for (size_t i = 0; i < n; i++) {
        const char *why = why_not(s, &e[i], o->min_coverage, buf, sizeof buf, zh, sizeof zh);
        out->r[i] = (dcs_index_sresult_t){.composite = NAN, .gap_above = NAN, .above = -1,
                                          .ci90_lo = NAN, .ci90_hi = NAN};
        out->row[i] = (size_t)-1;
        if (why) {
            if (!keep_reason(out, i, why, zh))
                return DCS_ENOMEM;
            continue;
        }
        out->r[i].ranked = 1;
        out->row[i] = m;
        ent[m] = &e[i];
        res[m] = &out->r[i];
        memcpy(x + m * L, e[i].x, L * sizeof *x);
        m++;
    }
    out->nranked = m;
    return 0;
}

int dcs_index_srank(dcs_index_system_t *s, const dcs_index_sentry_t *e, size_t n,
                    const dcs_index_sopts_t *o, dcs_index_sranking_t *out, char *err, size_t errlen)
{
    size_t L = s->nleaves;
    memset(out, 0, sizeof *out);
    out->n = n, out->nleaves = L;
    out->r = calloc(n ? n : 1, sizeof *out->r);
    out->row = malloc((n ? n : 1) * sizeof *out->row);
    const dcs_index_sentry_t **ent = malloc((n ? n : 1) * sizeof *ent);
    dcs_index_sresult_t **res = malloc((n ? n : 1) * sizeof *res);
    double *x = malloc((n ? n : 1) * (L ? L : 1) * sizeof *x);
    int *rk = malloc((n ? n : 1) * sizeof *rk);
    int rc = out->r && out->row && ent && res && x && rk ? 0 : DCS_ENOMEM;
    if (!rc)
        rc = ranked_set(s, e, n, o, out, ent, res, x);
    size_t m = out->nranked;
    if (!rc && !m)
        rc = (snprintf(err, errlen, "no entry can be ranked (coverage or figures missing)"), DCS_ENODATA);
    if (!rc)
        rc = dcs_index_system_eval(s, x, m, &out->eval, err, errlen);
    if (!rc) {
        ranks_of(out->eval.composite, m, rk);
        for (size_t i = 0; i < m; i++) {
            res[i]->rank = rk[i];
            res[i]->composite = out->eval.composite[i];
            if (!(res[i]->p_rank = calloc(m, sizeof(double))))
                rc = DCS_ENOMEM;
        }
        for (size_t i = 0; i < m; i++) /* the entry ranked just above */
            for (size_t j = 0; j < m; j++)
                if (rk[j] == rk[i] - 1)
                    res[i]->above = (int)(ent[j] - e), res[i]->gap_above = res[j]->composite - res[i]->composite;
    }
    if (!rc && o->draws)
        rc = monte_carlo(s, ent, x, m, o, res);
    if (!rc && o->draws) { /* the draws moved the nodes' weights: evaluate the cohort again */
        dcs_index_eval_free(&out->eval);
        rc = dcs_index_system_eval(s, x, m, &out->eval, err, errlen);
    }
    free(ent), free(res), free(x), free(rk);
    if (rc) /* nothing for the caller to free after an error */
        dcs_index_sranking_free(out);
    return rc;
}

void dcs_index_sranking_free(dcs_index_sranking_t *r)
{
    for (size_t i = 0; r->r && i < r->n; i++) {
        free(r->r[i].p_rank);
        if (!r->r[i].ranked)
            free((char *)r->r[i].why_not), free((char *)r->r[i].why_not_zh);
    }
    free(r->r), free(r->row);
    dcs_index_eval_free(&r->eval);
    memset(r, 0, sizeof *r);
}

/* 1 when leaf node `leaf` lies under node j (or is j). */
static int under(const dcs_index_system_t *s, size_t leaf, size_t j)
{
    for (int p = (int)leaf; p >= 0; p = s->nodes[p].parent)
        if ((size_t)p == j)
            return 1;
    return 0;
}

/* Composites of the ranked entries with global weights w: the weighted sum of
 * their scores, or TOPSIS over their figures. */
static int recompose(const dcs_index_system_t *s, const dcs_index_sentry_t *e, size_t n,
                     const dcs_index_sranking_t *r, const double *w, double *x, double *comp)
{
    size_t L = s->nleaves, m = r->nranked;
    int ben[DCS_INDEX_MAX_NODES];
    for (size_t i = 0; i < n; i++)
        if (r->row[i] != (size_t)-1)
            memcpy(x + r->row[i] * L, e[i].x, L * sizeof *x);
    for (size_t k = 0; k < L; k++)
        ben[k] = s->nodes[s->leaf_node[k]].benefit;
    if (s->agg == DCS_AGG_TOPSIS) {
        int rc = dcs_index_topsis(x, m, L, w, ben, s->topsis_minmax, comp);
        for (size_t i = 0; i < m; i++)
            comp[i] *= 100;
        return rc;
    }
    for (size_t i = 0; i < m; i++) {
        comp[i] = 0;
        for (size_t k = 0; k < L; k++)
            comp[i] += w[k] * r->eval.score[i * L + k];
    }
    return 0;
}

int dcs_index_ssensitivity(const dcs_index_system_t *s, const dcs_index_sentry_t *e, size_t n,
                           const dcs_index_sranking_t *r, double delta, int *ranks)
{
    size_t L = s->nleaves, m = r->nranked;
    double *x = malloc((m ? m : 1) * L * sizeof *x), *comp = malloc((m ? m : 1) * sizeof *comp), w[DCS_INDEX_MAX_NODES];
    int *rk = malloc((m ? m : 1) * sizeof *rk), rc = x && comp && rk ? 0 : DCS_ENOMEM;
    for (size_t j = 0; !rc && j < s->nnodes; j++)
        for (int k = 0; !rc && k < 2; k++) {
            double sum = 0;
            for (size_t l = 0; l < L; l++)
                sum += w[l] = r->eval.global_w[l] * (under(s, s->leaf_node[l], j) ? 1 + (k ? -delta : delta) : 1);
            for (size_t l = 0; l < L; l++)
                w[l] = sum > 0 ? w[l] / sum : w[l];
            rc = recompose(s, e, n, r, w, x, comp);
            ranks_of(comp, m, rk);
            for (size_t i = 0; i < n; i++)
                ranks[(2 * j + (size_t)k) * n + i] = r->row[i] == (size_t)-1 ? 0 : rk[r->row[i]];
        }
    free(x), free(comp), free(rk);
    return rc;
}

static const char *ordinal(int k, char *buf, size_t len)
{
    const char *suf = k % 100 >= 11 && k % 100 <= 13 ? "th" : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd"
                    : k % 10 == 3 ? "rd" : "th";
    snprintf(buf, len, "%d%s", k, suf);
    return buf;
}

/* The likeliest rank index a and the next likeliest b ((size_t)-1: none of
 * 0.5 % or more), and the draws written with a thousands separator. */
static void likeliest(const dcs_index_sresult_t *r, size_t nranked, unsigned draws, size_t *a, size_t *b,
                      char d[32])
{
    *a = 0, *b = (size_t)-1;
    for (size_t k = 1; r->p_rank && k < nranked; k++)
        if (r->p_rank[k] > r->p_rank[*a])
            *a = k;
    for (size_t k = 0; r->p_rank && k < nranked; k++)
        if (k != *a && r->p_rank[k] >= 0.005 && (*b == (size_t)-1 || r->p_rank[k] > r->p_rank[*b]))
            *b = k;
    snprintf(d, 32, "%u", draws);
    if (draws >= 1000) /* thousands separator: 2,000 */
        snprintf(d, 32, "%u,%03u", draws / 1000, draws % 1000);
}

void dcs_index_confidence_words(const dcs_index_sresult_t *r, size_t nranked, unsigned draws, char *buf,
                                size_t len)
{
    size_t a, b;
    char o1[16], o2[16], d[32];
    likeliest(r, nranked, draws, &a, &b, d);
    if (!r->p_rank || !draws)
        snprintf(buf, len, "ranked %s (no Monte-Carlo draws)", ordinal(r->rank, o1, sizeof o1));
    else if (b == (size_t)-1)
        snprintf(buf, len, "ranked %s in %.0f %% of %s draws", ordinal((int)a + 1, o1, sizeof o1),
                 r->p_rank[a] * 100, d);
    else
        snprintf(buf, len, "ranked %s in %.0f %% of %s draws; %s in %.0f %%", ordinal((int)a + 1, o1, sizeof o1),
                 r->p_rank[a] * 100, d, ordinal((int)b + 1, o2, sizeof o2), r->p_rank[b] * 100);
}

void dcs_index_confidence_words_zh(const dcs_index_sresult_t *r, size_t nranked, unsigned draws, char *buf,
                                   size_t len)
{
    size_t a, b;
    char d[32];
    likeliest(r, nranked, draws, &a, &b, d);
    if (!r->p_rank || !draws)
        snprintf(buf, len, "排名第 %d（未做蒙特卡洛抽样）", r->rank);
    else if (b == (size_t)-1)
        snprintf(buf, len, "%s 次抽样中 %.0f %% 排名第 %zu", d, r->p_rank[a] * 100, a + 1);
    else
        snprintf(buf, len, "%s 次抽样中 %.0f %% 排名第 %zu，%.0f %% 排名第 %zu", d, r->p_rank[a] * 100, a + 1,
                 r->p_rank[b] * 100, b + 1);
}
