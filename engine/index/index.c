/* index.c: indicator scores, entropy weights, TOPSIS, composite, policy
 * verdicts (AHP: ahp.c). Pure maths on small arrays (n indicators, m = cohort
 * size). Formulas: METRICS.md, reference/metrics.md. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <string.h>

const char *dcs_index_name(int indicator)
{
    static const char *names[] = {"PUE", "CUE", "EUE"};
    return indicator >= 0 && indicator < DCS_INDEX_N ? names[indicator] : "?";
}

const char *dcs_index_method_name(dcs_index_method_t m)
{
    static const char *names[] = {"ahp", "entropy", "fixed", "topsis"};
    return (unsigned)m < 4 ? names[m] : "?";
}

double dcs_index_score(double x, dcs_index_anchor_t a)
{
    if (isnan(x) || a.best == a.worst)
        return NAN;
    double s = 100.0 * (x - a.worst) / (a.best - a.worst);
    return s < 0 ? 0 : s > 100 ? 100 : s;
}

int dcs_index_rule_met(const dcs_index_rule_t *r, double pue, double occupancy)
{
    if (!(pue > 0) || pue > r->max_pue)
        return 0;
    if (r->min_rack_occupancy > 0 && !(occupancy >= r->min_rack_occupancy))
        return 0;
    return 1;
}

void dcs_index_entropy(const double *x, size_t m, size_t n, double *w)
{
    double total = 0;
    for (size_t j = 0; j < n; j++) {
        double colsum = 0, h = 0;
        for (size_t i = 0; i < m; i++)
            colsum += x[i * n + j];
        for (size_t i = 0; m > 1 && colsum > 0 && i < m; i++) {
            double p = x[i * n + j] / colsum;
            if (p > 0)
                h -= p * log(p);
        }
        double e = m > 1 && colsum > 0 ? h / log((double)m) : 1.0;
        w[j] = 1.0 - e;
        total += w[j];
    }
    for (size_t j = 0; j < n; j++)
        w[j] = total > 1e-12 ? w[j] / total : 1.0 / (double)n;
}

void dcs_index_topsis(const double *x, size_t m, size_t n, const double *w, const int *benefit,
                      double *closeness)
{
    double norm[16] = {0}, best[16], worst[16];
    for (size_t j = 0; j < n && j < 16; j++) {
        for (size_t i = 0; i < m; i++)
            norm[j] += x[i * n + j] * x[i * n + j];
        norm[j] = sqrt(norm[j]);
        best[j] = benefit[j] ? -INFINITY : INFINITY;
        worst[j] = -best[j];
        for (size_t i = 0; norm[j] > 0 && i < m; i++) {
            double v = w[j] * x[i * n + j] / norm[j];
            best[j] = benefit[j] ? fmax(best[j], v) : fmin(best[j], v);
            worst[j] = benefit[j] ? fmin(worst[j], v) : fmax(worst[j], v);
        }
    }
    for (size_t i = 0; i < m; i++) {
        double dp = 0, dm = 0;
        for (size_t j = 0; j < n && j < 16; j++) {
            if (!(norm[j] > 0))
                continue;
            double v = w[j] * x[i * n + j] / norm[j];
            dp += (v - best[j]) * (v - best[j]);
            dm += (v - worst[j]) * (v - worst[j]);
        }
        dp = sqrt(dp);
        dm = sqrt(dm);
        closeness[i] = dp + dm > 0 ? dm / (dp + dm) : 1.0;
    }
}

double dcs_index_composite(const double *scores, const double *w, size_t n)
{
    double s = 0;
    for (size_t j = 0; j < n; j++) {
        if (w[j] > 0 && isnan(scores[j]))
            return NAN;
        if (w[j] > 0)
            s += w[j] * scores[j];
    }
    return s;
}
