/* kernel_scalar.c: the portable reference kernels, made of the scalar steps in
 * aggregate_int.h (which the SIMD kernels also use for short runs and some
 * tails). Every SIMD kernel is tested against these. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"

#include <math.h>

static void trapz_scalar(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                         double *area, double *covered)
{
    dcs_agg_sum_t a = {0, 0};
    agg_segments_rest(t, v, 0, n, gap_ns, &a, 0, area, covered);
}

static void fused_scalar(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                         dcs_agg_stats_t *st, double *area, double *covered)
{
    agg_fused_two_pass(&dcs_agg_kernel_scalar, t, v, n, gap_ns, st, area, covered);
}

static void grid_scalar(const double *v, size_t n, int64_t step_ns, int64_t gap_ns,
                        dcs_agg_stats_t *st, double *area, double *covered)
{
    dcs_agg_sum_t p = {0, 0};
    int64_t pairs = 0;
    dcs_agg_stats(v, n, st);
    for (size_t i = 0; i + 1 < n; i++)
        agg_tail_pair(v, i, n, &p, &pairs);
    agg_grid_finish(&p, pairs, step_ns, gap_ns, area, covered);
}

static void deltas_scalar(const int64_t *t, const double *e, size_t n, double modulus_wh,
                          double max_w, double *d_wh, uint8_t *flag)
{
    agg_deltas_rest(t, e, 0, n, modulus_wh, max_w, d_wh, flag);
}

const dcs_agg_kernel_t dcs_agg_kernel_scalar = {
    .name = "scalar",
    .reduce = dcs_agg_stats,
    .trapz = trapz_scalar,
    .fused = fused_scalar,
    .grid = grid_scalar,
    .deltas = deltas_scalar,
};
