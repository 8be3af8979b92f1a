/* kernel_neon.c: the aggregation kernels in AArch64 NEON intrinsics (2 doubles
 * per vector), written against SIMDe so that they also build and run (emulated)
 * on x86 for the tests. On aarch64 SIMDe maps them to the native instructions. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"

#include <math.h>
#include <simde/arm/neon.h>

typedef simde_float64x2_t vd;

static inline void neumaier(vd *s, vd *c, vd x)
{
    vd t = simde_vaddq_f64(*s, x);
    simde_uint64x2_t big = simde_vcgeq_f64(simde_vabsq_f64(*s), simde_vabsq_f64(x));
    vd small_x = simde_vaddq_f64(simde_vsubq_f64(*s, t), x);
    vd small_s = simde_vaddq_f64(simde_vsubq_f64(x, t), *s);
    *c = simde_vaddq_f64(*c, simde_vbslq_f64(big, small_x, small_s));
    *s = t;
}

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

static void reduce_neon(const double *v, size_t n, dcs_agg_stats_t *st)
{
    const vd zero = simde_vdupq_n_f64(0);
    vd s0 = zero, c0 = zero, s1 = zero, c1 = zero;
    vd mn = simde_vdupq_n_f64(INFINITY), mx = simde_vdupq_n_f64(-INFINITY);
    simde_int64x2_t cnt = simde_vdupq_n_s64(0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        vd x0 = simde_vld1q_f64(v + i), x1 = simde_vld1q_f64(v + i + 2);
        simde_uint64x2_t ok0 = simde_vceqq_f64(x0, x0), ok1 = simde_vceqq_f64(x1, x1);
        neumaier(&s0, &c0, simde_vbslq_f64(ok0, x0, zero));
        neumaier(&s1, &c1, simde_vbslq_f64(ok1, x1, zero));
        mn = simde_vbslq_f64(simde_vcltq_f64(x0, mn), x0, mn);
        mn = simde_vbslq_f64(simde_vcltq_f64(x1, mn), x1, mn);
        mx = simde_vbslq_f64(simde_vcgtq_f64(x0, mx), x0, mx);
        mx = simde_vbslq_f64(simde_vcgtq_f64(x1, mx), x1, mx);
        cnt = simde_vsubq_s64(cnt, simde_vreinterpretq_s64_u64(ok0));
        cnt = simde_vsubq_s64(cnt, simde_vreinterpretq_s64_u64(ok1));
    }
    dcs_agg_sum_t a = {0, 0};
    fold(&a, s0, c0);
    fold(&a, s1, c1);
    st->count = (size_t)(simde_vgetq_lane_s64(cnt, 0) + simde_vgetq_lane_s64(cnt, 1));
    st->min = fmin(simde_vgetq_lane_f64(mn, 0), simde_vgetq_lane_f64(mn, 1));
    st->max = fmax(simde_vgetq_lane_f64(mx, 0), simde_vgetq_lane_f64(mx, 1));
    for (; i < n; i++)
        agg_tail_sample(v[i], &a, st);
    st->sum = dcs_agg_sum_get(&a);
    if (!st->count)
        st->min = st->max = NAN;
}

static void trapz_neon(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                       double *area, double *covered)
{
    const vd zero = simde_vdupq_n_f64(0), inf = simde_vdupq_n_f64(INFINITY);
    const simde_int64x2_t gap = simde_vdupq_n_s64(gap_ns), izero = simde_vdupq_n_s64(0);
    vd sa = zero, ca = zero, sc = zero, cc = zero;
    size_t i = 0;
    for (; n > 2 && i + 2 <= n - 1; i += 2) {
        vd v0 = simde_vld1q_f64(v + i), v1 = simde_vld1q_f64(v + i + 1);
        simde_int64x2_t dt = simde_vsubq_s64(simde_vld1q_s64(t + i + 1), simde_vld1q_s64(t + i));
        simde_uint64x2_t ok = simde_vandq_u64(
            simde_vandq_u64(simde_vcgtq_s64(dt, izero), simde_vcleq_s64(dt, gap)),
            simde_vandq_u64(simde_vcltq_f64(simde_vabsq_f64(v0), inf),
                            simde_vcltq_f64(simde_vabsq_f64(v1), inf)));
        vd dtd = simde_vcvtq_f64_s64(dt);
        vd seg = simde_vmulq_f64(simde_vmulq_f64(simde_vaddq_f64(v0, v1), dtd), simde_vdupq_n_f64(0.5e-9));
        neumaier(&sa, &ca, simde_vbslq_f64(ok, seg, zero));
        neumaier(&sc, &cc, simde_vbslq_f64(ok, simde_vmulq_f64(dtd, simde_vdupq_n_f64(1e-9)), zero));
    }
    dcs_agg_sum_t a = {0, 0}, c = {0, 0};
    fold(&a, sa, ca);
    fold(&c, sc, cc);
    for (; i + 1 < n; i++)
        agg_tail_segment(t, v, i, n, gap_ns, &a, &c);
    *area = dcs_agg_sum_get(&a);
    *covered = dcs_agg_sum_get(&c);
}

static void fused_neon(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    agg_fused_two_pass(&dcs_agg_kernel_neon, t, v, n, gap_ns, st, area, covered);
}

const dcs_agg_kernel_t dcs_agg_kernel_neon = {
    .name = "neon",
    .reduce = reduce_neon,
    .trapz = trapz_neon,
    .fused = fused_neon,
};
