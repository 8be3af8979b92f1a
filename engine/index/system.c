/* system.c: evaluate an index system over a cohort. Each leaf's raw values
 * are normalised to 0..100 scores; each group weighs its children (fixed, AHP,
 * or objectively from the cohort: entropy, CRITIC, or a blend); a leaf's global
 * weight is the product of the local weights on its path; the composite is the
 * weighted sum of the leaf scores (or TOPSIS over the raw leaves with the
 * global weights). Formulas and a worked two-level example: METRICS.md "Index
 * systems". */
#include "system_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t system_children(const dcs_index_system_t *s, int p, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nnodes; i++)
        if (s->nodes[i].parent == p)
            out[n++] = i;
    return n;
}

dcs_index_node_t *system_node(dcs_index_system_t *s, int p)
{
    return p < 0 ? &s->root : &s->nodes[p];
}

/* Score of raw value v for leaf nd; lo/hi/norm2 are the cohort's min, max and
 * sum of squares of that leaf (min-max, vector). */
static double leaf_score(const dcs_index_node_t *nd, double v, double lo, double hi, double norm2)
{
    if (!isfinite(v))
        return NAN;
    switch (nd->norm) {
    case DCS_NORM_LINEAR:
        return dcs_index_score(v, (dcs_index_anchor_t){nd->best, nd->worst});
    case DCS_NORM_TARGET:
        return 100 * fmax(0, 1 - fabs(v - nd->target) / nd->tolerance);
    case DCS_NORM_MINMAX:
        return !(hi > lo) ? 100 : 100 * (nd->benefit ? v - lo : hi - v) / (hi - lo);
    case DCS_NORM_VECTOR: /* for display beside TOPSIS: the share of the column's norm */
        return norm2 > 0 ? 100 * (nd->benefit ? v / sqrt(norm2) : 1 - v / sqrt(norm2)) : NAN;
    }
    return NAN;
}

static void scores(const dcs_index_system_t *s, const double *x, size_t m, double *sc)
{
    size_t L = s->nleaves;
    for (size_t k = 0; k < L; k++) {
        const dcs_index_node_t *nd = &s->nodes[s->leaf_node[k]];
        double lo = INFINITY, hi = -INFINITY, norm2 = 0;
        for (size_t i = 0; i < m; i++)
            if (isfinite(x[i * L + k]))
                lo = fmin(lo, x[i * L + k]), hi = fmax(hi, x[i * L + k]), norm2 += x[i * L + k] * x[i * L + k];
        for (size_t i = 0; i < m; i++)
            sc[i * L + k] = leaf_score(nd, x[i * L + k], lo, hi, norm2);
    }
}

/* Objective weights (entropy or CRITIC) of the columns cols (mc rows x n). */
static int objective(dcs_index_wmethod_t how, const double *cols, size_t mc, size_t n, double *w)
{
    int ben[DCS_INDEX_MAX_NODES];
    for (size_t j = 0; j < n; j++)
        ben[j] = 1; /* scores: more is better */
    return how == DCS_W_ENTROPY ? dcs_index_entropy(cols, mc, n, w) : dcs_index_critic(cols, mc, n, ben, w);
}

/* Local weights of node p's children ch[0..n-1] from their score columns
 * (complete entries only, mc x n). */
static int local_weights(dcs_index_system_t *s, int p, const size_t *ch, size_t n, const double *cols,
                         size_t mc, char *err, size_t errlen)
{
    dcs_index_node_t *nd = system_node(s, p);
    double subj[DCS_INDEX_MAX_NODES], obj[DCS_INDEX_MAX_NODES], sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += s->nodes[ch[k]].weight;
    for (size_t k = 0; k < n; k++)
        subj[k] = nd->ahp ? nd->ahp_result.w[k] : sum > 0 ? s->nodes[ch[k]].weight / sum : 1.0 / (double)n;
    dcs_index_wmethod_t how = nd->wmethod == DCS_W_BLEND ? nd->blend_objective : nd->wmethod;
    int rc = 0;
    if (how == DCS_W_ENTROPY || how == DCS_W_CRITIC) {
        if (mc < 2)
            return snprintf(err, errlen, "%s: objective weights need at least 2 entries with every "
                            "indicator (have %zu)", nd->id, mc), DCS_EINVAL;
        rc = objective(how, cols, mc, n, obj);
        if (rc)
            return snprintf(err, errlen, "%s: objective weights: a score is negative or not a "
                            "number", nd->id), rc;
    }
    for (size_t k = 0; k < n; k++) {
        double a = nd->blend_alpha, w = nd->wmethod == DCS_W_BLEND ? a * subj[k] + (1 - a) * obj[k]
                                       : how == DCS_W_ENTROPY || how == DCS_W_CRITIC ? obj[k] : subj[k];
        s->nodes[ch[k]].local_w = w;
    }
    return 0;
}

/* Weigh node p's subtree bottom-up: its children's weights, then its own score
 * column over the complete entries (rows[0..mc-1] of the leaf scores sc) into
 * col[0..mc-1]. */
static int weigh(dcs_index_system_t *s, int p, const double *sc, const size_t *rows, size_t mc,
                 double *col, char *err, size_t errlen)
{
    size_t ch[DCS_INDEX_MAX_NODES], n = system_children(s, p, ch), L = s->nleaves;
    double *cols = malloc((mc ? mc : 1) * n * sizeof *cols), *sub = malloc((mc ? mc : 1) * sizeof *sub);
    int rc = cols && sub ? 0 : DCS_ENOMEM;
    for (size_t k = 0; !rc && k < n; k++) {
        const dcs_index_node_t *c = &s->nodes[ch[k]];
        size_t leaf = 0;
        while (c->leaf && s->leaf_node[leaf] != ch[k])
            leaf++;
        if (!c->leaf)
            rc = weigh(s, (int)ch[k], sc, rows, mc, sub, err, errlen);
        for (size_t r = 0; !rc && r < mc; r++)
            cols[r * n + k] = c->leaf ? sc[rows[r] * L + leaf] : sub[r];
    }
    if (!rc)
        rc = local_weights(s, p, ch, n, cols, mc, err, errlen);
    for (size_t r = 0; !rc && col && r < mc; r++) {
        col[r] = 0;
        for (size_t k = 0; k < n; k++)
            col[r] += s->nodes[ch[k]].local_w * cols[r * n + k];
    }
    free(cols);
    free(sub);
    return rc;
}

static int alloc_eval(dcs_index_eval_t *e, size_t m, size_t L)
{
    memset(e, 0, sizeof *e);
    e->m = m, e->nleaves = L;
    size_t cells = (m ? m : 1) * L;
    e->score = malloc(cells * sizeof *e->score);
    e->contribution = malloc(cells * sizeof *e->contribution);
    e->global_w = malloc(L * sizeof *e->global_w);
    e->composite = malloc((m ? m : 1) * sizeof *e->composite);
    e->missing = calloc(m ? m : 1, sizeof *e->missing);
    return e->score && e->contribution && e->global_w && e->composite && e->missing ? 0 : DCS_ENOMEM;
}

/* Composite of every entry: the weighted sum of its scores, or 100 x TOPSIS
 * closeness over the complete entries' raw values. */
static int aggregate(dcs_index_system_t *s, const double *x, const size_t *rows, size_t mc,
                     dcs_index_eval_t *e, char *err, size_t errlen)
{
    size_t L = s->nleaves;
    for (size_t i = 0; i < e->m; i++) {
        e->composite[i] = 0;
        for (size_t k = 0; k < L; k++) {
            e->contribution[i * L + k] = e->global_w[k] * e->score[i * L + k];
            if (!e->missing[i] && e->global_w[k] > 0 && isnan(e->score[i * L + k]))
                e->missing[i] = s->nodes[s->leaf_node[k]].id;
            e->composite[i] += e->global_w[k] > 0 ? e->contribution[i * L + k] : 0;
        }
        if (e->missing[i])
            e->composite[i] = NAN;
    }
    if (s->agg != DCS_AGG_TOPSIS)
        return 0;
    double *raw = malloc((mc ? mc : 1) * L * sizeof *raw), *cl = malloc((mc ? mc : 1) * sizeof *cl);
    int ben[DCS_INDEX_MAX_NODES], rc = raw && cl ? 0 : DCS_ENOMEM;
    for (size_t k = 0; k < L; k++)
        ben[k] = s->nodes[s->leaf_node[k]].benefit;
    for (size_t r = 0; !rc && r < mc; r++)
        memcpy(raw + r * L, x + rows[r] * L, L * sizeof *raw);
    if (!rc && (rc = dcs_index_topsis(raw, mc, L, e->global_w, ben, s->topsis_minmax, cl)))
        snprintf(err, errlen, "TOPSIS: a value is negative or not a number (use "
                 "topsis_normalisation: minmax)");
    for (size_t r = 0; !rc && r < mc; r++)
        e->composite[rows[r]] = 100 * cl[r];
    free(raw);
    free(cl);
    return rc;
}

int dcs_index_system_eval(dcs_index_system_t *s, const double *x, size_t m, dcs_index_eval_t *out,
                          char *err, size_t errlen)
{
    size_t L = s->nleaves, *rows = malloc((m ? m : 1) * sizeof *rows), mc = 0;
    memset(out, 0, sizeof *out);
    int rc = rows ? alloc_eval(out, m, L) : DCS_ENOMEM;
    if (rc) {
        free(rows);
        dcs_index_eval_free(out);
        return snprintf(err, errlen, "out of memory"), rc;
    }
    scores(s, x, m, out->score);
    for (size_t i = 0; i < m; i++) {
        int whole = 1;
        for (size_t k = 0; k < L; k++)
            whole &= isfinite(out->score[i * L + k]);
        if (whole)
            rows[mc++] = i;
    }
    rc = weigh(s, -1, out->score, rows, mc, NULL, err, errlen);
    for (size_t i = 0; !rc && i < s->nnodes; i++) { /* global weight: the product up the path */
        double g = 1;
        for (int p = (int)i; p >= 0; p = s->nodes[p].parent)
            g *= s->nodes[p].local_w;
        s->nodes[i].global_w = g;
    }
    for (size_t k = 0; !rc && k < L; k++)
        out->global_w[k] = s->nodes[s->leaf_node[k]].global_w;
    if (!rc)
        rc = aggregate(s, x, rows, mc, out, err, errlen);
    free(rows);
    if (rc) /* nothing for the caller to free after an error */
        dcs_index_eval_free(out);
    return rc;
}

void dcs_index_eval_free(dcs_index_eval_t *e)
{
    free(e->score), free(e->contribution), free(e->global_w), free(e->composite), free(e->missing);
    memset(e, 0, sizeof *e);
}

int dcs_index_system_site(dcs_index_system_t *s, const dcs_metric_score_t *sc,
                          const dcs_metric_indicators_t *ind, double rack_occupancy, double *x,
                          dcs_index_eval_t *out, char *err, size_t errlen)
{
    for (int p = -1; p < (int)s->nnodes; p++) {
        const dcs_index_node_t *nd = system_node(s, p);
        int cohort = nd->leaf ? nd->norm == DCS_NORM_MINMAX || nd->norm == DCS_NORM_VECTOR
                              : nd->wmethod == DCS_W_ENTROPY || nd->wmethod == DCS_W_CRITIC ||
                                    nd->wmethod == DCS_W_BLEND;
        if (cohort || (p < 0 && s->agg == DCS_AGG_TOPSIS))
            return snprintf(err, errlen, "index system %s: %s %s over a cohort: one site cannot be "
                            "scored on it (rank it with others: dcscore rank --system)", s->id, nd->id,
                            nd->leaf ? "is normalised" : "is weighted"), DCS_EINVAL;
    }
    for (size_t k = 0; k < s->nleaves; k++)
        x[k] = dcs_index_indicator_value(s->nodes[s->leaf_node[k]].indicator, sc, ind, rack_occupancy);
    return dcs_index_system_eval(s, x, 1, out, err, errlen);
}
