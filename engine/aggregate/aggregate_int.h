/* aggregate_int.h: kernels of the aggregate module, one object per ISA file.
 * The per-architecture table (kernels_x86.c or kernels_other.c) lists those
 * that are compiled in; dispatch.c picks one. */
#ifndef DCS_AGGREGATE_INT_H
#define DCS_AGGREGATE_INT_H

#include "dcs_aggregate.h"

#include <math.h>

extern const dcs_agg_kernel_t dcs_agg_kernel_scalar, dcs_agg_kernel_sse2, dcs_agg_kernel_avx2,
    dcs_agg_kernel_avx512, dcs_agg_kernel_neon;

/* Longest time step the kernels convert exactly (int64 ns -> double by the 2^52
 * trick): about 52 days. A gap limit above it is taken as it. */
#define AGG_DT_MAX ((int64_t)1 << 52)
static inline int64_t agg_gap(int64_t gap_ns) { return gap_ns < AGG_DT_MAX ? gap_ns : AGG_DT_MAX; }

static inline int agg_finite(double x) { return x - x == 0; }

/* Scalar steps: the scalar kernel is made of them; the SIMD kernels use them for
 * runs shorter than a vector and some tails (counter deltas, NEON).
 * Segment (i, i+1) adds x = (v_i + v_i+1) x dt_ns to *area and dt_ns to *cov_ns
 * when 0 < dt <= gap and x is finite: a NaN or infinite end is missing, and so
 * is a segment whose energy overflows. */
static inline int agg_segment_ok(double x, int64_t dt, int64_t gap_ns)
{
    return dt > 0 && dt <= agg_gap(gap_ns) && agg_finite(x);
}

static inline void agg_tail_segment(const int64_t *t, const double *v, size_t i, size_t n,
                                    int64_t gap_ns, dcs_agg_sum_t *area, int64_t *cov_ns)
{
    int64_t dt = i + 1 < n ? t[i + 1] - t[i] : 0;
    double x = i + 1 < n ? (v[i] + v[i + 1]) * (double)dt : 0;
    if (agg_segment_ok(x, dt, gap_ns)) {
        dcs_agg_sum_add(area, x);
        *cov_ns += dt;
    }
}

/* The kernels' area and coverage sums to value x seconds and seconds. */
static inline void agg_segments_finish(const dcs_agg_sum_t *area, int64_t cov_ns, double *area_vs,
                                       double *covered_s)
{
    *area_vs = dcs_agg_sum_get(area) * 0.5e-9;
    *covered_s = (double)cov_ns * 1e-9;
}

/* Grid pair (i, i+1): v_i + v_i+1 into *sum when it is finite. */
static inline void agg_tail_pair(const double *v, size_t i, size_t n, dcs_agg_sum_t *sum,
                                 int64_t *pairs)
{
    if (i + 1 < n && agg_finite(v[i] + v[i + 1])) {
        dcs_agg_sum_add(sum, v[i] + v[i + 1]);
        ++*pairs;
    }
}

/* Segments [i, n-1) by the scalar step, added to *area and cov_ns, then both
 * turned into the kernels' outputs. */
static inline void agg_segments_rest(const int64_t *t, const double *v, size_t i, size_t n,
                                     int64_t gap_ns, dcs_agg_sum_t *area, int64_t cov_ns,
                                     double *area_vs, double *covered_s)
{
    for (; i + 1 < n; i++)
        agg_tail_segment(t, v, i, n, gap_ns, area, &cov_ns);
    agg_segments_finish(area, cov_ns, area_vs, covered_s);
}

/* Grid pair sums to area and coverage: none when the step exceeds the gap. */
static inline void agg_grid_finish(const dcs_agg_sum_t *pair_sum, int64_t pairs, int64_t step_ns,
                                   int64_t gap_ns, double *area_vs, double *covered_s)
{
    if (step_ns <= 0 || step_ns > gap_ns)
        step_ns = 0;
    *area_vs = step_ns ? dcs_agg_sum_get(pair_sum) * (double)step_ns * 0.5e-9 : 0;
    *covered_s = (double)(pairs * step_ns) * 1e-9;
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

/* Classify the delta of counter readings e0 -> e1 over dt_ns (see
 * dcs_agg_kernel_t.deltas); *d_wh gets the energy, NaN when dropped. */
static inline unsigned agg_counter_classify(double e0, double e1, int64_t dt_ns, double modulus_wh,
                                            double max_w, double *d_wh)
{
    double d = e1 - e0;
    unsigned fl = 0;
    *d_wh = NAN;
    if (dt_ns <= 0 || !agg_finite(e0) || !agg_finite(e1))
        return DCS_AGG_DELTA_MISSING;
    if (d < 0) { /* devices.md: rollover when old is near the top and new near zero */
        if (!(modulus_wh > 0 && e0 >= 0.9 * modulus_wh && e1 <= 0.1 * modulus_wh))
            return DCS_AGG_DELTA_RESET;
        d += modulus_wh;
        fl = DCS_AGG_DELTA_ROLLOVER;
    }
    if (max_w > 0 && d > max_w * ((double)dt_ns * 1e-9 / 3600.0))
        return fl | DCS_AGG_DELTA_IMPLAUSIBLE;
    *d_wh = d;
    return fl;
}

static inline uint8_t agg_counter_delta(const int64_t *t, const double *e, size_t i,
                                        double modulus_wh, double max_w, double *d_wh)
{
    return (uint8_t)agg_counter_classify(e[i], e[i + 1], t[i + 1] - t[i], modulus_wh, max_w, d_wh);
}

/* Counter intervals [i, n-1) by the scalar step. */
static inline void agg_deltas_rest(const int64_t *t, const double *e, size_t i, size_t n,
                                   double modulus_wh, double max_w, double *d_wh, uint8_t *flag)
{
    for (; i + 1 < n; i++)
        flag[i] = agg_counter_delta(t, e, i, modulus_wh, max_w, &d_wh[i]);
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

/* Best first: the first preferred one is the calibration's starting choice. */
extern const agg_kernel_entry_t agg_kernel_table[];
extern const size_t agg_kernel_table_len;

/* The functions of a kernel set, as the calibration names them. */
enum { AGG_FN_REDUCE, AGG_FN_TRAPZ, AGG_FN_FUSED, AGG_FN_GRID, AGG_FN_DELTAS, AGG_FN_COUNT };
/* calibrate.c: choice[f] = the index in ks[0..nk-1] of the kernel to use for
 * function f, from the machine's cache or measured (pref: the starting one). */
void agg_calibrate(const dcs_agg_kernel_t *const *ks, size_t nk, size_t pref, int choice[AGG_FN_COUNT]);

#endif
