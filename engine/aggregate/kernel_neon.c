/* kernel_neon.c: the aggregation kernels in AArch64 NEON intrinsics (2 doubles
 * per vector), written against SIMDe so that they also build and run (emulated)
 * on x86 for the tests. On aarch64 SIMDe maps them to the native instructions. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"

#include <math.h>
#include <simde/arm/neon.h>

typedef simde_float64x2_t vd;

typedef simde_uint64x2_t vm;

/* TwoSum, as kernel_impl.h's vtwosum. */
static inline void twosum(vd *s, vd *c, vd x)
{
    vd t = simde_vaddq_f64(*s, x), z = simde_vsubq_f64(t, *s);
    vd e = simde_vaddq_f64(simde_vsubq_f64(*s, simde_vsubq_f64(t, z)), simde_vsubq_f64(x, z));
    *c = simde_vaddq_f64(*c, e);
    *s = t;
}

static inline vd keep(vm m, vd x) /* m ? x : 0 */
{
    return simde_vreinterpretq_f64_u64(simde_vandq_u64(m, simde_vreinterpretq_u64_f64(x)));
}

static inline vm finite1(vd a)
{
    return simde_vcltq_f64(simde_vabsq_f64(a), simde_vdupq_n_f64(INFINITY));
}

static inline vm finite2(vd a, vd b)
{
    return simde_vandq_u64(finite1(a), finite1(b));
}

static inline int64_t total(simde_int64x2_t x)
{
    return simde_vgetq_lane_s64(x, 0) + simde_vgetq_lane_s64(x, 1);
}

/* min/max accumulators keep m where x is NaN (a NaN compares false). */
static inline vd vmin_keep(vd x, vd m) { return simde_vbslq_f64(simde_vcltq_f64(x, m), x, m); }
static inline vd vmax_keep(vd x, vd m) { return simde_vbslq_f64(simde_vcgtq_f64(x, m), x, m); }

/* As kernel_impl.h's fold: a NaN compensation (after an infinity) is skipped. */
static void fold(dcs_agg_sum_t *a, vd s, vd c)
{
    double c0 = simde_vgetq_lane_f64(c, 0), c1 = simde_vgetq_lane_f64(c, 1);
    dcs_agg_sum_add(a, simde_vgetq_lane_f64(s, 0));
    dcs_agg_sum_add(a, simde_vgetq_lane_f64(s, 1));
    if (c0 - c0 == 0)
        dcs_agg_sum_add(a, c0);
    if (c1 - c1 == 0)
        dcs_agg_sum_add(a, c1);
}

static void lane_stats(simde_int64x2_t cnt, vd mn, vd mx, dcs_agg_stats_t *st)
{
    st->count = (size_t)total(cnt);
    st->min = fmin(simde_vgetq_lane_f64(mn, 0), simde_vgetq_lane_f64(mn, 1));
    st->max = fmax(simde_vgetq_lane_f64(mx, 0), simde_vgetq_lane_f64(mx, 1));
}

static void finish_stats(dcs_agg_sum_t *a, dcs_agg_stats_t *st)
{
    st->sum = dcs_agg_sum_get(a);
    if (!st->count)
        st->min = st->max = NAN;
}

static void reduce_neon(const double *v, size_t n, dcs_agg_stats_t *st)
{
    const vd zero = simde_vdupq_n_f64(0), inf = simde_vdupq_n_f64(INFINITY);
    vd s0 = zero, c0 = zero, s1 = zero, c1 = zero, mn0 = inf, mn1 = inf;
    vd mx0 = simde_vnegq_f64(inf), mx1 = mx0;
    simde_int64x2_t cnt = simde_vdupq_n_s64(0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        vd x0 = simde_vld1q_f64(v + i), x1 = simde_vld1q_f64(v + i + 2);
        vm ok0 = simde_vceqq_f64(x0, x0), ok1 = simde_vceqq_f64(x1, x1);
        twosum(&s0, &c0, keep(ok0, x0));
        twosum(&s1, &c1, keep(ok1, x1));
        mn0 = vmin_keep(x0, mn0), mn1 = vmin_keep(x1, mn1);
        mx0 = vmax_keep(x0, mx0), mx1 = vmax_keep(x1, mx1);
        cnt = simde_vsubq_s64(cnt, simde_vreinterpretq_s64_u64(ok0));
        cnt = simde_vsubq_s64(cnt, simde_vreinterpretq_s64_u64(ok1));
    }
    dcs_agg_sum_t a = {0, 0};
    fold(&a, s0, c0);
    fold(&a, s1, c1);
    lane_stats(cnt, vmin_keep(mn0, mn1), vmax_keep(mx0, mx1), st);
    for (; i < n; i++)
        agg_tail_sample(v[i], &a, st);
    finish_stats(&a, st);
}

static void trapz_neon(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                       double *area, double *covered)
{
    const vd zero = simde_vdupq_n_f64(0);
    const simde_int64x2_t gap = simde_vdupq_n_s64(agg_gap(gap_ns)), izero = simde_vdupq_n_s64(0);
    vd sa = zero, ca = zero;
    simde_int64x2_t cov = izero;
    size_t i = 0;
    for (; n > 2 && i + 2 <= n - 1; i += 2) {
        vd v0 = simde_vld1q_f64(v + i), v1 = simde_vld1q_f64(v + i + 1);
        simde_int64x2_t dt = simde_vsubq_s64(simde_vld1q_s64(t + i + 1), simde_vld1q_s64(t + i));
        vd x = simde_vmulq_f64(simde_vaddq_f64(v0, v1), simde_vcvtq_f64_s64(dt));
        vm ok = simde_vandq_u64(simde_vandq_u64(simde_vcgtq_s64(dt, izero), simde_vcleq_s64(dt, gap)),
                                finite1(x));
        twosum(&sa, &ca, keep(ok, x));
        cov = simde_vaddq_s64(cov, simde_vandq_s64(simde_vreinterpretq_s64_u64(ok), dt));
    }
    dcs_agg_sum_t a = {0, 0};
    fold(&a, sa, ca);
    agg_segments_rest(t, v, i, n, gap_ns, &a, total(cov), area, covered);
}

static void fused_neon(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    agg_fused_two_pass(&dcs_agg_kernel_neon, t, v, n, gap_ns, st, area, covered);
}

static void grid_neon(const double *v, size_t n, int64_t step_ns, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    const vd zero = simde_vdupq_n_f64(0);
    vd sp = zero, cp = zero;
    simde_int64x2_t pairs = simde_vdupq_n_s64(0);
    size_t i = 0;
    reduce_neon(v, n, st);
    for (; n > 2 && i + 2 <= n - 1; i += 2) {
        vd v0 = simde_vld1q_f64(v + i), v1 = simde_vld1q_f64(v + i + 1);
        vd x = simde_vaddq_f64(v0, v1);
        vm ok = finite1(x);
        twosum(&sp, &cp, keep(ok, x));
        pairs = simde_vsubq_s64(pairs, simde_vreinterpretq_s64_u64(ok));
    }
    dcs_agg_sum_t p = {0, 0};
    fold(&p, sp, cp);
    int64_t np = total(pairs);
    for (; i + 1 < n; i++)
        agg_tail_pair(v, i, n, &p, &np);
    agg_grid_finish(&p, np, step_ns, gap_ns, area, covered);
}

/* As kernel_impl.h's deltas, two intervals per step. */
static void deltas_neon(const int64_t *t, const double *e, size_t n, double modulus_wh,
                        double max_w, double *d_wh, uint8_t *flag)
{
    const vd zero = simde_vdupq_n_f64(0), mod = simde_vdupq_n_f64(modulus_wh);
    const vd hi = simde_vdupq_n_f64(0.9 * modulus_wh), lo = simde_vdupq_n_f64(0.1 * modulus_wh);
    const vd cap = simde_vdupq_n_f64(max_w), nan = simde_vdupq_n_f64(NAN);
    const vm has_mod = simde_vdupq_n_u64(modulus_wh > 0 ? ~0ULL : 0), has_cap = simde_vdupq_n_u64(max_w > 0 ? ~0ULL : 0);
    const simde_int64x2_t izero = simde_vdupq_n_s64(0);
    size_t i = 0;
    for (; n > 2 && i + 2 <= n - 1; i += 2) {
        vd e0 = simde_vld1q_f64(e + i), e1 = simde_vld1q_f64(e + i + 1), d = simde_vsubq_f64(e1, e0);
        simde_int64x2_t dt = simde_vsubq_s64(simde_vld1q_s64(t + i + 1), simde_vld1q_s64(t + i));
        if (simde_vgetq_lane_s64(dt, 0) > AGG_DT_MAX || simde_vgetq_lane_s64(dt, 1) > AGG_DT_MAX) {
            flag[i] = agg_counter_delta(t, e, i, modulus_wh, max_w, &d_wh[i]);
            flag[i + 1] = agg_counter_delta(t, e, i + 1, modulus_wh, max_w, &d_wh[i + 1]);
            continue;
        }
        vm ok = simde_vandq_u64(simde_vcgtq_s64(dt, izero), finite2(e0, e1));
        vm neg = simde_vcltq_f64(d, zero);
        vm roll = simde_vandq_u64(simde_vandq_u64(neg, has_mod),
                                  simde_vandq_u64(simde_vcgeq_f64(e0, hi), simde_vcleq_f64(e1, lo)));
        vm reset = simde_vbicq_u64(neg, roll);
        d = simde_vbslq_f64(roll, simde_vaddq_f64(d, mod), d);
        double h[2] = {(double)(t[i + 1] - t[i]) * 1e-9 / 3600.0, (double)(t[i + 2] - t[i + 1]) * 1e-9 / 3600.0};
        vd dt_h = simde_vld1q_f64(h); /* SIMDe has no vdivq_f64 */
        vm implaus = simde_vbicq_u64(simde_vandq_u64(has_cap, simde_vcgtq_f64(d, simde_vmulq_f64(cap, dt_h))), reset);
        d = simde_vbslq_f64(simde_vbicq_u64(simde_vbicq_u64(ok, reset), implaus), d, nan);
        simde_vst1q_f64(d_wh + i, d);
        uint64_t okk[2], r[2], z[2], m[2];
        simde_vst1q_u64(okk, ok), simde_vst1q_u64(r, roll), simde_vst1q_u64(z, reset), simde_vst1q_u64(m, implaus);
        for (int k = 0; k < 2; k++)
            flag[i + k] = !okk[k] ? DCS_AGG_DELTA_MISSING
                                  : (uint8_t)((r[k] & DCS_AGG_DELTA_ROLLOVER) | (z[k] & DCS_AGG_DELTA_RESET) |
                                              (m[k] & DCS_AGG_DELTA_IMPLAUSIBLE));
    }
    agg_deltas_rest(t, e, i, n, modulus_wh, max_w, d_wh, flag);
}

const dcs_agg_kernel_t dcs_agg_kernel_neon = {
    .name = "neon",
    .reduce = reduce_neon,
    .trapz = trapz_neon,
    .fused = fused_neon,
    .grid = grid_neon,
    .deltas = deltas_neon,
};
