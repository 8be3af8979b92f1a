/* index.c: indicator scores, entropy and CRITIC weights, TOPSIS, policy
 * verdicts (AHP: ahp.c). Pure maths on small arrays (n indicators, m = cohort
 * size). Formulas: METRICS.md, reference/metrics.md. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static int all_finite_nonneg(const double *x, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!isfinite(x[i]) || x[i] < 0)
            return 0;
    return 1;
}

int dcs_index_entropy(const double *x, size_t m, size_t n, double *w)
{
    if (!all_finite_nonneg(x, m * n))
        return DCS_EINVAL;
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
    return 0;
}

/* Column j of x normalised into r (m values, larger = better): vector
 * (x / ||x||, a cost column then judged by its minimum) or min-max (benefit
 * (x - min) / (max - min), cost (max - x) / (max - min), so all are benefits).
 * Returns 0 when the column carries no information (all zero, or constant). */
static int normalise_column(const double *x, size_t m, size_t n, size_t j, int minmax, int benefit,
                            double *r)
{
    double norm = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m; i++) {
        double v = x[i * n + j];
        norm += v * v, lo = fmin(lo, v), hi = fmax(hi, v);
    }
    if (minmax ? !(hi > lo) : !(norm > 0))
        return 0;
    for (size_t i = 0; i < m; i++) {
        double v = x[i * n + j];
        r[i] = !minmax ? v / sqrt(norm) : benefit ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
    }
    return 1;
}

int dcs_index_topsis(const double *x, size_t m, size_t n, const double *w, const int *benefit,
                     int minmax, double *closeness)
{
    if (minmax ? 0 : !all_finite_nonneg(x, m * n))
        return DCS_EINVAL;
    for (size_t k = 0; minmax && k < m * n; k++)
        if (!isfinite(x[k]))
            return DCS_EINVAL;
    double *r = malloc((m ? m : 1) * sizeof *r), *dp = calloc(m ? m : 1, sizeof *dp),
           *dm = calloc(m ? m : 1, sizeof *dm);
    int rc = r && dp && dm ? 0 : DCS_ENOMEM;
    for (size_t j = 0; !rc && j < n; j++) {
        if (!normalise_column(x, m, n, j, minmax, benefit[j], r))
            continue; /* no information: the same distance for all */
        int up = minmax || benefit[j]; /* larger r is better */
        double best = up ? -INFINITY : INFINITY, worst = -best;
        for (size_t i = 0; i < m; i++) {
            double v = w[j] * r[i];
            best = up ? fmax(best, v) : fmin(best, v);
            worst = up ? fmin(worst, v) : fmax(worst, v);
        }
        for (size_t i = 0; i < m; i++) {
            double v = w[j] * r[i];
            dp[i] += (v - best) * (v - best);
            dm[i] += (v - worst) * (v - worst);
        }
    }
    for (size_t i = 0; !rc && i < m; i++) {
        double a = sqrt(dp[i]), b = sqrt(dm[i]);
        closeness[i] = a + b > 0 ? b / (a + b) : 1.0;
    }
    free(r), free(dp), free(dm);
    return rc;
}

int dcs_index_critic(const double *x, size_t m, size_t n, const int *benefit, double *w)
{
    for (size_t k = 0; k < m * n; k++)
        if (!isfinite(x[k]))
            return DCS_EINVAL;
    size_t cells = m * n;
    double *r = malloc((cells ? cells : 1) * sizeof *r), *mean = calloc(n ? n : 1, sizeof *mean),
           *sd = calloc(n ? n : 1, sizeof *sd);
    int rc = r && mean && sd ? 0 : DCS_ENOMEM;
    for (size_t j = 0; !rc && j < n; j++) {
        double *rj = r + j * m; /* column j min-max normalised (zeros when constant) */
        if (!normalise_column(x, m, n, j, 1, benefit[j], rj))
            memset(rj, 0, m * sizeof *rj);
        for (size_t i = 0; i < m; i++)
            mean[j] += rj[i] / (double)m;
        for (size_t i = 0; i < m; i++)
            sd[j] += (rj[i] - mean[j]) * (rj[i] - mean[j]) / (double)m;
        sd[j] = sqrt(sd[j]);
    }
    double total = 0;
    for (size_t j = 0; !rc && j < n; j++) {
        double c = 0;
        for (size_t k = 0; k < n; k++) {
            double cov = 0;
            for (size_t i = 0; i < m; i++)
                cov += (r[j * m + i] - mean[j]) * (r[k * m + i] - mean[k]) / (double)m;
            double rho = sd[j] > 0 && sd[k] > 0 ? cov / (sd[j] * sd[k]) : 0;
            c += 1 - rho;
        }
        total += w[j] = sd[j] * c;
    }
    for (size_t j = 0; !rc && j < n; j++)
        w[j] = total > 0 ? w[j] / total : 1.0 / (double)n;
    free(r), free(mean), free(sd);
    return rc;
}
