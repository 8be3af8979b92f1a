/* ahp.c: AHP weights from pairwise comparison matrices as pilot offices publish
 * them (entries printed to 2-4 decimals, upper triangle only, several experts).
 * Methods: principal eigenvector (Saaty, GSL), approximate (column-normalised
 * row mean) and geometric mean of rows; CI = (lambda_max - n) / (n - 1), CR =
 * CI / RI(n) from a named table. Definitions and worked examples: METRICS.md
 * "Weights". */
#include "dcs_index.h"
#include "../base/dcs_base.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Random index RI(n), n = 1..15. Saaty (1980), the table the measures' AHP
 * literature cites; Alonso & Lamata (2006), from 100,000 random matrices
 * (values as commonly cited: verify against the paper's table). */
static const double ri_tables[2][DCS_INDEX_AHP_MAX + 1] = {
    {0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59},
    {0, 0, 0, 0.5245, 0.8815, 1.1086, 1.2479, 1.3417, 1.4056, 1.4499, 1.4854, 1.5141, 1.5365,
     1.5551, 1.5713, 1.5838}};
static const char *const ri_names[2] = {"saaty1980", "alonso-lamata2006"};
static const char *const method_names[3] = {"eigenvector", "approximate", "geometric"};

double dcs_index_ri(dcs_index_ri_t table, size_t n)
{
    return (unsigned)table < 2 && n <= DCS_INDEX_AHP_MAX ? ri_tables[table][n] : NAN;
}

const char *dcs_index_ri_name(dcs_index_ri_t table)
{
    return (unsigned)table < 2 ? ri_names[table] : "?";
}

const char *dcs_index_ahp_method_name(dcs_index_ahp_method_t m)
{
    return (unsigned)m < 3 ? method_names[m] : "?";
}

int dcs_index_ri_parse(const char *name, dcs_index_ri_t *out)
{
    for (int k = 0; k < 2; k++)
        if (strcmp(name, ri_names[k]) == 0)
            return *out = (dcs_index_ri_t)k, 0;
    return DCS_EINVAL;
}

int dcs_index_ahp_method_parse(const char *name, dcs_index_ahp_method_t *out)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, method_names[k]) == 0)
            return *out = (dcs_index_ahp_method_t)k, 0;
    return DCS_EINVAL;
}

int dcs_index_ahp_upper(const double *upper, size_t n, double *full)
{
    if (n < 1 || n > DCS_INDEX_AHP_MAX)
        return DCS_EINVAL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        full[i * n + i] = 1;
        for (size_t j = i + 1; j < n; j++, k++) {
            if (!(upper[k] > 0) || !isfinite(upper[k]))
                return DCS_EINVAL;
            full[i * n + j] = upper[k];
            full[j * n + i] = 1 / upper[k];
        }
    }
    return 0;
}

int dcs_index_ahp_aij(const double *mats, size_t k, size_t n, double *agg)
{
    if (k < 1 || n < 1 || n > DCS_INDEX_AHP_MAX)
        return DCS_EINVAL;
    for (size_t c = 0; c < n * n; c++) {
        double s = 0;
        for (size_t e = 0; e < k; e++) {
            if (!(mats[e * n * n + c] > 0))
                return DCS_EINVAL;
            s += log(mats[e * n * n + c]);
        }
        agg[c] = exp(s / (double)k);
    }
    return 0;
}

/* Check a_ij a_ji = 1 to the printed precision: the entry below 1 may differ
 * from the exact reciprocal of its partner by half a unit of the last decimal.
 * The matrix used is exact: each pair keeps its entry >= 1 and takes its
 * reciprocal. Fills the least reciprocal pair. Returns 0 or DCS_EINVAL. */
static int make_reciprocal(const double *a, size_t n, int decimals, double *m,
                           dcs_index_ahp_result_t *r, char *err, size_t errlen)
{
    double tol = 0.5 * pow(10, -decimals) + 1e-12;
    r->worst_dev = 0;
    r->worst_i = r->worst_j = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i * n + i] - 1) > tol)
            return snprintf(err, errlen, "AHP: diagonal entry (%zu,%zu) is %g, not 1", i + 1, i + 1,
                            a[i * n + i]), DCS_EINVAL;
        m[i * n + i] = 1;
        for (size_t j = i + 1; j < n; j++) {
            double x = a[i * n + j], y = a[j * n + i];
            if (!(x > 0) || !(y > 0) || !isfinite(x) || !isfinite(y))
                return snprintf(err, errlen, "AHP: entries (%zu,%zu) and (%zu,%zu) must be positive",
                                i + 1, j + 1, j + 1, i + 1), DCS_EINVAL;
            double big = x >= y ? x : y, small = x >= y ? y : x, dev = fabs(x * y - 1);
            if (dev > r->worst_dev)
                r->worst_dev = dev, r->worst_i = i, r->worst_j = j;
            if (fabs(small - 1 / big) > tol)
                return snprintf(err, errlen, "AHP: entries (%zu,%zu) = %g and (%zu,%zu) = %g are not "
                                "reciprocal to %d decimals (1/%g = %.*f)", i + 1, j + 1, x, j + 1,
                                i + 1, y, decimals, big, decimals + 2, 1 / big), DCS_EINVAL;
            m[i * n + j] = x >= y ? x : 1 / y;
            m[j * n + i] = 1 / m[i * n + j];
        }
    }
    return 0;
}

/* Principal eigenvector and its eigenvalue (GSL nonsymmetric solver): the
 * Perron root has the largest real part and a one-signed vector. */
static int eigen(double *m, size_t n, double *w, double *lambda)
{
    gsl_set_error_handler_off();
    gsl_matrix_view mv = gsl_matrix_view_array(m, n, n);
    gsl_vector_complex *eval = gsl_vector_complex_alloc(n);
    gsl_matrix_complex *evec = gsl_matrix_complex_alloc(n, n);
    gsl_eigen_nonsymmv_workspace *ws = gsl_eigen_nonsymmv_alloc(n);
    int rc = !eval || !evec || !ws ? DCS_ENOMEM : gsl_eigen_nonsymmv(&mv.matrix, eval, evec, ws) ? DCS_EINVAL : 0;
    if (!rc) {
        size_t k = 0;
        for (size_t i = 1; i < n; i++)
            if (GSL_REAL(gsl_vector_complex_get(eval, i)) > GSL_REAL(gsl_vector_complex_get(eval, k)))
                k = i;
        for (size_t i = 0; i < n; i++)
            w[i] = fabs(GSL_REAL(gsl_matrix_complex_get(evec, i, k)));
        *lambda = GSL_REAL(gsl_vector_complex_get(eval, k));
    }
    gsl_eigen_nonsymmv_free(ws);
    gsl_matrix_complex_free(evec);
    gsl_vector_complex_free(eval);
    return rc;
}

/* Approximate (each column normalised to sum 1, then the row means) or
 * geometric (n-th root of each row's product); lambda_max = mean_i (A w)_i / w_i. */
static void approx(const double *m, size_t n, int geometric, double *w, double *lambda)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++) {
            if (geometric) {
                s += log(m[i * n + j]);
            } else {
                double col = 0;
                for (size_t k = 0; k < n; k++)
                    col += m[k * n + j];
                s += m[i * n + j] / col;
            }
        }
        w[i] = geometric ? exp(s / (double)n) : s / (double)n;
    }
    double sum = 0, l = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    for (size_t i = 0; i < n; i++)
        w[i] /= sum;
    for (size_t i = 0; i < n; i++) {
        double aw = 0;
        for (size_t j = 0; j < n; j++)
            aw += m[i * n + j] * w[j];
        l += aw / w[i];
    }
    *lambda = l / (double)n;
}

int dcs_index_ahp_solve(const double *a, size_t n, const dcs_index_ahp_opts_t *o,
                        dcs_index_ahp_result_t *r, char *err, size_t errlen)
{
    dcs_index_ahp_opts_t d = o ? *o : (dcs_index_ahp_opts_t){0};
    double cr_max = d.cr_max > 0 ? d.cr_max : 0.10, m[DCS_INDEX_AHP_MAX * DCS_INDEX_AHP_MAX];
    memset(r, 0, sizeof *r);
    r->cr = r->ci = r->lambda_max = NAN;
    if (n < 1 || n > DCS_INDEX_AHP_MAX)
        return snprintf(err, errlen, "AHP: %zu criteria (1..%d)", n, DCS_INDEX_AHP_MAX), DCS_EINVAL;
    int rc = make_reciprocal(a, n, d.decimals > 0 ? d.decimals : 2, m, r, err, errlen);
    if (rc)
        return rc;
    if (d.method == DCS_AHP_EIGEN)
        rc = eigen(m, n, r->w, &r->lambda_max);
    else
        approx(m, n, d.method == DCS_AHP_GEOMETRIC, r->w, &r->lambda_max);
    if (rc)
        return snprintf(err, errlen, "AHP: the eigen-solver failed"), rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += r->w[i];
    for (size_t i = 0; i < n; i++)
        r->w[i] /= sum;
    r->ri = dcs_index_ri(d.ri, n);
    r->ci = n > 2 ? (r->lambda_max - (double)n) / (double)(n - 1) : 0;
    r->cr = n > 2 ? r->ci / r->ri : 0;
    if (r->cr >= cr_max)
        return snprintf(err, errlen, "AHP: CR %.4f is not below %g (CI %.4f, RI %g from %s): "
                        "the judgements are inconsistent", r->cr, cr_max, r->ci, r->ri,
                        dcs_index_ri_name(d.ri)), DCS_ECONFIG;
    return 0;
}

int dcs_index_ahp(const double *a, size_t n, double *w, double *lambda_max, double *cr)
{
    dcs_index_ahp_result_t r;
    char err[256];
    int rc = dcs_index_ahp_solve(a, n, NULL, &r, err, sizeof err);
    *cr = r.cr;
    *lambda_max = r.lambda_max;
    for (size_t i = 0; rc != DCS_EINVAL && i < n; i++)
        w[i] = r.w[i];
    return rc;
}
