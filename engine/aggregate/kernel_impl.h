/* kernel_impl.h: the aggregation kernels written once with GCC vector extensions
 * and compiled per ISA (kernel_sse2.c, kernel_avx2.c, kernel_avx512.c define
 * KERNEL_LANES and KERNEL_NAME, and are built with the matching -m flags).
 * Included only by those files. NaN is "missing": masked to 0 for sums, never
 * chosen by min/max, not counted. Sums are Neumaier-compensated per lane, with
 * two independent accumulator sets to hide add latency; lanes are combined in a
 * fixed order, so results are reproducible for a given kernel. No -ffast-math. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"

#include <math.h>
#include <string.h>

/* KERNEL_LEAVE() runs where a kernel returns: the AVX files define it as
 * vzeroupper, which GCC did not emit for this code. Without it the dirty upper
 * register state makes later SSE code in the process ~3x slower. */
#ifndef KERNEL_LEAVE
#define KERNEL_LEAVE() ((void)0)
#endif

/* VMIN(x, m) / VMAX(x, m): the smaller / larger of x and m, and m when x is NaN.
 * x86 minpd/maxpd do exactly this (they return the second operand on NaN), so
 * the ISA files map them to one instruction; the generic form is compare+blend. */
#ifndef VMIN
#define VMIN(x, m) vblend((x) < (m), (x), (m))
#define VMAX(x, m) vblend((x) > (m), (x), (m))
#endif

#define W KERNEL_LANES
typedef double vd __attribute__((vector_size(W * 8)));
typedef long long vi __attribute__((vector_size(W * 8)));

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(x) CAT(CAT(x, _), KERNEL_NAME)

static inline vd vsplat(double x)
{
    vd v;
    for (int k = 0; k < W; k++)
        v[k] = x;
    return v;
}

static inline vd vload(const double *p)
{
    vd v;
    memcpy(&v, p, sizeof v); /* unaligned */
    return v;
}

static inline vi vloadi(const int64_t *p)
{
    vi v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline vd vblend(vi mask, vd a, vd b) /* mask ? a : b, per lane */
{
    return (vd)((mask & (vi)a) | (~mask & (vi)b));
}

static inline vd vabs(vd x)
{
    return (vd)((vi)x & ~(vi)vsplat(-0.0)); /* clear the sign bit */
}

/* int64 -> double for 0 <= x < 2^52, exactly: the double whose bits are
 * 2^52's OR x is 2^52 + x. AVX2 has no conversion instruction; this is two ops.
 * Other x (negative or huge time steps) give garbage, which callers mask out. */
static inline vd vcvt_small(vi x)
{
    const vd two52 = vsplat(0x1p52);
    return (vd)(x | (vi)two52) - two52;
}

/* Neumaier step on vectors: (s, c) += x. */
static inline void vneumaier(vd *s, vd *c, vd x)
{
    vd t = *s + x;
    vi big = vabs(*s) >= vabs(x);
    *c += vblend(big, (*s - t) + x, (x - t) + *s);
    *s = t;
}

/* Combine lane partials into a scalar compensated sum, lane order fixed. A lane
 * that met an infinity has a NaN compensation (inf - inf): its running sum
 * already carries the answer, so that term is skipped. */
static void fold(dcs_agg_sum_t *a, vd s, vd c)
{
    for (int k = 0; k < W; k++)
        dcs_agg_sum_add(a, s[k]);
    for (int k = 0; k < W; k++)
        if (c[k] - c[k] == 0)
            dcs_agg_sum_add(a, c[k]);
}

/* Count, min and max of the lanes into st (the tails are added after). */
static void lane_stats(vi cnt, vd mn, vd mx, dcs_agg_stats_t *st)
{
    st->count = 0;
    st->min = INFINITY;
    st->max = -INFINITY;
    for (int k = 0; k < W; k++) {
        st->count += (size_t)cnt[k];
        st->min = fmin(st->min, mn[k]);
        st->max = fmax(st->max, mx[k]);
    }
}

static void FN(reduce)(const double *v, size_t n, dcs_agg_stats_t *st)
{
    const vd zero = vsplat(0), inf = vsplat(INFINITY);
    vd s0 = zero, c0 = zero, s1 = zero, c1 = zero, mn = inf, mx = -inf;
    vi cnt = (vi)zero;
    size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        vd x0 = vload(v + i), x1 = vload(v + i + W);
        vi ok0 = x0 == x0, ok1 = x1 == x1; /* false for NaN */
        vneumaier(&s0, &c0, vblend(ok0, x0, zero));
        vneumaier(&s1, &c1, vblend(ok1, x1, zero));
        mn = VMIN(x0, mn);
        mn = VMIN(x1, mn);
        mx = VMAX(x0, mx);
        mx = VMAX(x1, mx);
        cnt -= ok0 + ok1; /* masks are -1 */
    }
    dcs_agg_sum_t a = {0, 0};
    fold(&a, s0, c0);
    fold(&a, s1, c1);
    lane_stats(cnt, mn, mx, st);
    for (; i < n; i++) /* tail */
        agg_tail_sample(v[i], &a, st);
    st->sum = dcs_agg_sum_get(&a);
    if (!st->count)
        st->min = st->max = NAN;
    KERNEL_LEAVE();
}

/* Segments (i, i+1) of one run: area += mean value x dt, covered += dt, when both
 * ends are finite and 0 < dt <= gap. */
static void FN(trapz)(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      double *area, double *covered)
{
    const vd zero = vsplat(0), half_ns = vsplat(0.5e-9), ns = vsplat(1e-9), inf = vsplat(INFINITY);
    const vi gap = (vi)zero + gap_ns, izero = (vi)zero;
    vd sa = zero, ca = zero, sc = zero, cc = zero;
    size_t i = 0;
    for (; n > W && i + W <= n - 1; i += W) {
        vd v0 = vload(v + i), v1 = vload(v + i + 1);
        vi dt = vloadi(t + i + 1) - vloadi(t + i);
        vi ok = (dt > izero) & (dt <= gap) & (vabs(v0) < inf) & (vabs(v1) < inf);
        vd dtd = vcvt_small(dt); /* masked by ok where dt <= 0 or > gap */
        vneumaier(&sa, &ca, vblend(ok, (v0 + v1) * dtd * half_ns, zero));
        vneumaier(&sc, &cc, vblend(ok, dtd * ns, zero));
    }
    dcs_agg_sum_t a = {0, 0}, c = {0, 0};
    fold(&a, sa, ca);
    fold(&c, sc, cc);
    for (; i + 1 < n; i++) /* tail */
        agg_tail_segment(t, v, i, n, gap_ns, &a, &c);
    *area = dcs_agg_sum_get(&a);
    *covered = dcs_agg_sum_get(&c);
    KERNEL_LEAVE();
}

/* reduce + trapz in one pass: each vector step takes samples i..i+W-1 for the
 * statistics and segments (i, i+1)..(i+W-1, i+W) for the energy. */
static void FN(fused)(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    const vd zero = vsplat(0), inf = vsplat(INFINITY), half_ns = vsplat(0.5e-9), ns = vsplat(1e-9);
    const vi gap = (vi)zero + gap_ns, izero = (vi)zero;
    vd s = zero, c = zero, mn = inf, mx = -inf, sa = zero, ca = zero, sc = zero, cc = zero;
    vi cnt = izero;
    size_t i = 0;
    for (; n > W && i + W <= n - 1; i += W) {
        vd v0 = vload(v + i), v1 = vload(v + i + 1);
        vi ok = v0 == v0;
        vneumaier(&s, &c, vblend(ok, v0, zero));
        mn = VMIN(v0, mn);
        mx = VMAX(v0, mx);
        cnt -= ok;
        vi dt = vloadi(t + i + 1) - vloadi(t + i);
        vi seg = (dt > izero) & (dt <= gap) & (vabs(v0) < inf) & (vabs(v1) < inf);
        vd dtd = vcvt_small(dt); /* masked by seg where dt <= 0 or > gap */
        vneumaier(&sa, &ca, vblend(seg, (v0 + v1) * dtd * half_ns, zero));
        vneumaier(&sc, &cc, vblend(seg, dtd * ns, zero));
    }
    dcs_agg_sum_t a = {0, 0}, ar = {0, 0}, cv = {0, 0};
    fold(&a, s, c);
    fold(&ar, sa, ca);
    fold(&cv, sc, cc);
    lane_stats(cnt, mn, mx, st);
    for (; i < n; i++) { /* tail: sample i, and segment (i, i+1) */
        agg_tail_sample(v[i], &a, st);
        agg_tail_segment(t, v, i, n, gap_ns, &ar, &cv);
    }
    st->sum = dcs_agg_sum_get(&a);
    if (!st->count)
        st->min = st->max = NAN;
    *area = dcs_agg_sum_get(&ar);
    *covered = dcs_agg_sum_get(&cv);
    KERNEL_LEAVE();
}

const dcs_agg_kernel_t CAT(dcs_agg_kernel_, KERNEL_NAME) = {
    .name = KERNEL_STR,
    .reduce = FN(reduce),
    .trapz = FN(trapz),
    .fused = FN(fused),
};
