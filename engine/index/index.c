/* index.c: indicator scores, AHP / entropy weights, TOPSIS, composite, policy
 * verdicts. Pure maths on small arrays (n = 3 indicators, m = cohort size);
 * GSL provides the eigen-solver. Formulas: METRICS.md, reference/metrics.md. */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
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

/* Saaty's random index RI(n), n = 1..10 (reference/metrics.md). */
static const double random_index[11] = {0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49};

static int reciprocal(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (!(a[i * n + j] > 0) || fabs(a[i * n + j] * a[j * n + i] - 1.0) > 1e-6)
                return 0;
    return 1;
}

int dcs_index_ahp(const double *a, size_t n, double *w, double *lambda_max, double *cr)
{
    *cr = NAN;
    if (n < 1 || n > 10 || !reciprocal(a, n))
        return DCS_EINVAL;
    gsl_set_error_handler_off();
    double m[100];
    memcpy(m, a, n * n * sizeof *m);
    gsl_matrix_view mv = gsl_matrix_view_array(m, n, n);
    gsl_vector_complex *eval = gsl_vector_complex_alloc(n);
    gsl_matrix_complex *evec = gsl_matrix_complex_alloc(n, n);
    gsl_eigen_nonsymmv_workspace *ws = gsl_eigen_nonsymmv_alloc(n);
    int rc = !eval || !evec || !ws ? DCS_ENOMEM : gsl_eigen_nonsymmv(&mv.matrix, eval, evec, ws) ? DCS_EINVAL : 0;
    if (!rc) {
        /* Perron root: the eigenvalue with the largest real part; its vector has
         * one sign, so |v| normalised to sum 1 gives the weights. */
        size_t k = 0;
        for (size_t i = 1; i < n; i++)
            if (GSL_REAL(gsl_vector_complex_get(eval, i)) > GSL_REAL(gsl_vector_complex_get(eval, k)))
                k = i;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += w[i] = fabs(GSL_REAL(gsl_matrix_complex_get(evec, i, k)));
        for (size_t i = 0; i < n; i++)
            w[i] /= sum;
        *lambda_max = GSL_REAL(gsl_vector_complex_get(eval, k));
        double ci = n > 2 ? (*lambda_max - (double)n) / (double)(n - 1) : 0;
        *cr = n > 2 ? ci / random_index[n] : 0;
        if (*cr >= 0.10)
            rc = DCS_ECONFIG;
    }
    gsl_eigen_nonsymmv_free(ws);
    gsl_matrix_complex_free(evec);
    gsl_vector_complex_free(eval);
    return rc;
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
