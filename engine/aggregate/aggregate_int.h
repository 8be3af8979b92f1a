/* aggregate_int.h: kernels of the aggregate module, one object per ISA file.
 * The per-architecture table (kernels_x86.c or kernels_other.c) lists those
 * that are compiled in; dispatch.c picks one. */
#ifndef DCS_AGGREGATE_INT_H
#define DCS_AGGREGATE_INT_H

#include "dcs_aggregate.h"

extern const dcs_agg_kernel_t dcs_agg_kernel_scalar, dcs_agg_kernel_sse2, dcs_agg_kernel_avx2,
    dcs_agg_kernel_avx512, dcs_agg_kernel_neon;

/* The scalar tails every kernel ends with (same arithmetic as the scalar kernel). */
static inline void agg_tail_segment(const int64_t *t, const double *v, size_t i, size_t n,
                                    int64_t gap_ns, dcs_agg_sum_t *area, dcs_agg_sum_t *covered)
{
    int64_t dt = i + 1 < n ? t[i + 1] - t[i] : 0;
    if (dt > 0 && dt <= gap_ns && v[i] - v[i] == 0 && v[i + 1] - v[i + 1] == 0) {
        dcs_agg_sum_add(area, (v[i] + v[i + 1]) * (double)dt * 0.5e-9);
        dcs_agg_sum_add(covered, (double)dt * 1e-9);
    }
}

static inline void agg_tail_sample(double x, dcs_agg_sum_t *sum, dcs_agg_stats_t *st)
{
    if (x != x)
        return; /* NaN: missing */
    dcs_agg_sum_add(sum, x);
    st->count++;
    st->min = x < st->min ? x : st->min;
    st->max = x > st->max ? x : st->max;
}

/* fused() for kernels without a one-pass version: reduce, then trapz. */
void agg_fused_two_pass(const dcs_agg_kernel_t *k, const int64_t *t_ns, const double *v, size_t n,
                        int64_t gap_ns, dcs_agg_stats_t *st, double *area, double *covered);

/* One entry of a per-architecture table: a kernel and whether this CPU runs it. */
typedef struct {
    const dcs_agg_kernel_t *k;
    int (*supported)(void);
    int preferred; /* 0: only when asked for by name (e.g. NEON emulated by SIMDe) */
} agg_kernel_entry_t;

/* Best first. */
extern const agg_kernel_entry_t agg_kernel_table[];
extern const size_t agg_kernel_table_len;

#endif
