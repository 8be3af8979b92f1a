/* kernel_scalar.c: the portable reference kernels. Every SIMD kernel is tested
 * against these. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"

#include <math.h>

static void trapz_scalar(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                         double *area, double *covered)
{
    dcs_agg_sum_t a = {0, 0}, c = {0, 0};
    for (size_t i = 0; i + 1 < n; i++)
        agg_tail_segment(t, v, i, n, gap_ns, &a, &c);
    *area = dcs_agg_sum_get(&a);
    *covered = dcs_agg_sum_get(&c);
}

static void fused_scalar(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    agg_fused_two_pass(&dcs_agg_kernel_scalar, t, v, n, gap_ns, st, area, covered);
}

const dcs_agg_kernel_t dcs_agg_kernel_scalar = {
    .name = "scalar",
    .reduce = dcs_agg_stats,
    .trapz = trapz_scalar,
    .fused = fused_scalar,
};
