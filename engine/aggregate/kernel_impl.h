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

/* VADD_M(a, b) / VSUB_M(a, b): a + b and a - b computed on the multiply units as
 * fma(a, 1, b) and -(b x 1) + a. One rounding, as the plain add: same result,
 * bit for bit. The ISA files with FMA define them; sums are bound by the adder
 * ports, so moving a few adds there buys throughput. */
#ifndef VADD_M
#define VADD_M(a, b) ((a) + (b))
#define VSUB_M(a, b) ((a) - (b))
#endif

/* TwoSum (Knuth) on vectors: (s, c) += x, c collecting the exact rounding error
 * of each s + x. Branch-free: 6 flops where Neumaier's compare-and-blend needs 9;
 * the error it keeps is the same, so are the results. */
static inline void vtwosum(vd *s, vd *c, vd x)
{
    vd t = *s + x, z = VSUB_M(t, *s);
    *c += VADD_M(*s - (t - z), x - z);
    *s = t;
}

/* VROT_h(x): lane k+h of x in lane k (indices mod W), constant shuffles. */
#if W == 8
#define VROT_4(x) __builtin_shufflevector(x, x, 4, 5, 6, 7, 0, 1, 2, 3)
#define VROT_2(x) __builtin_shufflevector(x, x, 2, 3, 4, 5, 6, 7, 0, 1)
#define VROT_1(x) __builtin_shufflevector(x, x, 1, 2, 3, 4, 5, 6, 7, 0)
#elif W == 4
#define VROT_2(x) __builtin_shufflevector(x, x, 2, 3, 0, 1)
#define VROT_1(x) __builtin_shufflevector(x, x, 1, 2, 3, 0)
#elif W == 2
#define VROT_1(x) __builtin_shufflevector(x, x, 1, 0)
#else
#error "kernel_impl.h: KERNEL_LANES must be 2, 4 or 8"
#endif

/* One halving: lanes k and k+h summed by TwoSum, errors into c. */
#define FOLD_STEP(h)                                           \
    do {                                                       \
        vd s2 = VROT_##h(s), t = s + s2, z = t - s;            \
        c = c + VROT_##h(c) + ((s - (t - z)) + (s2 - z));      \
        s = t;                                                 \
    } while (0)

/* Fold lane partials into a scalar compensated sum: log2(W) vector TwoSum
 * halvings in a fixed order, then lane 0. A NaN compensation comes from an
 * infinity, which the running sum already carries: it is skipped. */
static inline void fold(dcs_agg_sum_t *a, vd s, vd c)
{
#if W == 8
    FOLD_STEP(4);
#endif
#if W >= 4
    FOLD_STEP(2);
#endif
    FOLD_STEP(1);
    dcs_agg_sum_add(a, s[0]);
    if (c[0] - c[0] == 0)
        dcs_agg_sum_add(a, c[0]);
}

/* Count, min and max of the lanes into st. min and max never hold NaN
 * (VMIN/VMAX keep the accumulator), so fmin/fmax are plain. */
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

static int64_t lane_total(vi x)
{
    int64_t s = 0;
    for (int k = 0; k < W; k++)
        s += x[k];
    return s;
}

static void finish_stats(dcs_agg_sum_t *a, dcs_agg_stats_t *st)
{
    st->sum = dcs_agg_sum_get(a);
    if (!st->count)
        st->min = st->max = NAN;
}

/* Lanes whose index base + k is at or past done: the part of a vector ending
 * at the array's end that the main loop has not yet taken. */
static inline vi vfrom(size_t base, size_t done)
{
    vi m;
    for (int k = 0; k < W; k++)
        m[k] = base + (size_t)k >= done ? -1 : 0;
    return m;
}

/* The statistics of the samples x in lanes m (all lanes in the main loops, where
 * the compiler drops the mask). */
typedef struct { vd s, c, mn, mx; vi cnt; } stat_acc;

static inline void stat_step(stat_acc *A, vd x, vi m)
{
    vi ok = (x == x) & m; /* false for NaN */
    x = vblend(m, x, vsplat(NAN));
    vtwosum(&A->s, &A->c, (vd)(ok & (vi)x));
    A->mn = VMIN(x, A->mn);
    A->mx = VMAX(x, A->mx);
    A->cnt -= ok; /* masks are -1 */
}

static inline stat_acc stat_init(void)
{
    const vd zero = vsplat(0), inf = vsplat(INFINITY);
    return (stat_acc){zero, zero, inf, -inf, (vi)zero};
}

static void stat_finish(const stat_acc *A, dcs_agg_stats_t *st)
{
    dcs_agg_sum_t a = {0, 0};
    fold(&a, A->s, A->c);
    lane_stats(A->cnt, A->mn, A->mx, st);
    finish_stats(&a, st);
}

/* Where the next tail vector starts, for items [i, end), end >= W: at i while
 * a whole vector fits, else the last W items (vfrom masks those already done). */
static inline size_t tail_base(size_t i, size_t end)
{
    return i + W <= end ? i : end - W;
}

/* Samples [i, n), n >= W, as at most two vectors ending at n. */
static inline void stat_tail(stat_acc *A, const double *v, size_t i, size_t n)
{
    while (i < n) {
        size_t base = tail_base(i, n);
        stat_step(A, vload(v + base), vfrom(base, i));
        i = base + W;
    }
}

/* Two vectors per step, each with its own sum chain; min and max take both in
 * turn (more chains spill AVX2's 16 registers, which measured slower). */
static void FN(reduce)(const double *v, size_t n, dcs_agg_stats_t *st)
{
    if (n < W) {
        dcs_agg_stats(v, n, st);
        return;
    }
    stat_acc A = stat_init(), B = stat_init();
    size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        vd x0 = vload(v + i), x1 = vload(v + i + W);
        vtwosum(&A.s, &A.c, (vd)((x0 == x0) & (vi)x0));
        vtwosum(&B.s, &B.c, (vd)((x1 == x1) & (vi)x1));
        A.mn = VMIN(x0, A.mn);
        A.mn = VMIN(x1, A.mn);
        A.mx = VMAX(x0, A.mx);
        A.mx = VMAX(x1, A.mx);
        A.cnt -= (x0 == x0) + (x1 == x1);
    }
    stat_tail(&A, v, i, n);
    vtwosum(&A.s, &A.c, B.s); /* lane-wise: B's sum into A's */
    A.c += B.c;
    stat_finish(&A, st);
    KERNEL_LEAVE();
}

/* Segment terms of lanes (i, i+1): (v0 + v1) x dt, where dt <= gap and that
 * term is finite, else 0; *dt_ok receives dt where the segment counts, else 0.
 * A NaN or infinite end makes the term non-finite, and so does a negative dt
 * (vcvt_small gives NaN or -inf for it); dt = 0 adds nothing either way. */
static inline vd segment(vd v0, vd v1, vi dt, vi gap, vi *dt_ok)
{
    vd x = (v0 + v1) * vcvt_small(dt);
    vi ok = ~(dt > gap) & (vabs(x) < vsplat(INFINITY));
    *dt_ok = ok & dt;
    return (vd)(ok & (vi)x);
}

/* The energy of the segments in lanes m: area terms and covered nanoseconds. */
typedef struct { vd s, c; vi cov; } seg_acc;

static inline void seg_step(seg_acc *A, const int64_t *t, const double *v, size_t i, vi gap, vi m)
{
    vi dt_ok;
    vd x = segment(vload(v + i), vload(v + i + 1), vloadi(t + i + 1) - vloadi(t + i), gap, &dt_ok);
    vtwosum(&A->s, &A->c, (vd)(m & (vi)x));
    A->cov += m & dt_ok;
}

/* Segments [i, n-1), n > W, as at most two vectors ending at segment n-2. */
static inline void seg_tail(seg_acc *A, const int64_t *t, const double *v, size_t i, size_t n, vi gap)
{
    while (i + 1 < n) {
        size_t base = tail_base(i, n - 1);
        seg_step(A, t, v, base, gap, vfrom(base, i));
        i = base + W;
    }
}

static void seg_finish(const seg_acc *A, double *area, double *covered)
{
    dcs_agg_sum_t a = {0, 0};
    fold(&a, A->s, A->c);
    agg_segments_finish(&a, lane_total(A->cov), area, covered);
}

/* Segments (i, i+1) of one run: area += mean value x dt, covered += dt, when
 * 0 < dt <= gap and the segment's energy is finite. Areas are summed as
 * (v0 + v1) x dt_ns and scaled once at the end; covered time is an exact
 * integer sum of nanoseconds. */
static void FN(trapz)(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      double *area, double *covered)
{
    const vd zero = vsplat(0);
    const vi gap = (vi)zero + agg_gap(gap_ns), all = (vi)zero - 1;
    seg_acc S = {zero, zero, (vi)zero};
    size_t i = 0;
    if (n <= W) {
        dcs_agg_kernel_scalar.trapz(t, v, n, gap_ns, area, covered);
        KERNEL_LEAVE();
        return;
    }
    for (; i + W <= n - 1; i += W)
        seg_step(&S, t, v, i, gap, all);
    seg_tail(&S, t, v, i, n, gap);
    seg_finish(&S, area, covered);
    KERNEL_LEAVE();
}

/* reduce + trapz in one pass: each vector step takes samples i..i+W-1 for the
 * statistics and segments (i, i+1)..(i+W-1, i+W) for the energy. The tails are
 * vectors too, masked: a rollup calls this once per bucket. */
static void FN(fused)(const int64_t *t, const double *v, size_t n, int64_t gap_ns,
                      dcs_agg_stats_t *st, double *area, double *covered)
{
    const vd zero = vsplat(0);
    const vi gap = (vi)zero + agg_gap(gap_ns), all = (vi)zero - 1;
    stat_acc A = stat_init();
    seg_acc S = {zero, zero, (vi)zero};
    size_t i = 0;
    if (n <= W) {
        agg_fused_two_pass(&dcs_agg_kernel_scalar, t, v, n, gap_ns, st, area, covered);
        KERNEL_LEAVE();
        return;
    }
    for (; i + W <= n - 1; i += W) {
        stat_step(&A, vload(v + i), all);
        seg_step(&S, t, v, i, gap, all);
    }
    stat_tail(&A, v, i, n);
    seg_tail(&S, t, v, i, n, gap);
    stat_finish(&A, st);
    seg_finish(&S, area, covered);
    KERNEL_LEAVE();
}

/* Pair sums v_i + v_i+1 in lanes m, where finite. */
static inline void pair_step(seg_acc *A, const double *v, size_t i, vi m)
{
    vd x = vload(v + i) + vload(v + i + 1);
    vi ok = (vabs(x) < vsplat(INFINITY)) & m;
    vtwosum(&A->s, &A->c, (vd)(ok & (vi)x));
    A->cov -= ok; /* counts pairs */
}

/* fused() for samples on a regular grid (sample i at i x step_ns): reads only the
 * values. Segment (i, i+1) counts when v_i + v_i+1 is finite and step <= gap;
 * those pair sums are scaled by the step once at the end. */
static void FN(grid)(const double *v, size_t n, int64_t step_ns, int64_t gap_ns,
                     dcs_agg_stats_t *st, double *area, double *covered)
{
    const vd zero = vsplat(0);
    const vi all = (vi)zero - 1;
    stat_acc A = stat_init();
    seg_acc P = {zero, zero, (vi)zero};
    size_t i = 0;
    if (n <= W) {
        dcs_agg_kernel_scalar.grid(v, n, step_ns, gap_ns, st, area, covered);
        KERNEL_LEAVE();
        return;
    }
    for (; i + W <= n - 1; i += W) {
        stat_step(&A, vload(v + i), all);
        pair_step(&P, v, i, all);
    }
    stat_tail(&A, v, i, n);
    while (i + 1 < n) { /* pairs [i, n-1) */
        size_t base = tail_base(i, n - 1);
        pair_step(&P, v, base, vfrom(base, i));
        i = base + W;
    }
    stat_finish(&A, st);
    dcs_agg_sum_t a = {0, 0};
    fold(&a, P.s, P.c);
    agg_grid_finish(&a, lane_total(P.cov), step_ns, gap_ns, area, covered);
    KERNEL_LEAVE();
}

/* Counter deltas of readings (i, i+1), classified as agg_counter_classify does,
 * bit for bit. A vector step classifies W intervals; the rare cases (negative
 * delta, implausible, missing) are blended, never branched on. A step whose
 * time step is too long for the exact int64 -> double trick goes scalar. */
static void FN(deltas)(const int64_t *t, const double *e, size_t n, double modulus_wh,
                       double max_w, double *d_wh, uint8_t *flag)
{
    const vd zero = vsplat(0), inf = vsplat(INFINITY), nan = vsplat(NAN);
    const vd mod = vsplat(modulus_wh), hi = vsplat(0.9 * modulus_wh), lo = vsplat(0.1 * modulus_wh);
    const vd cap_w = vsplat(max_w), ns = vsplat(1e-9), per_h = vsplat(3600.0);
    const vi izero = (vi)zero, has_mod = izero - (modulus_wh > 0), has_cap = izero - (max_w > 0);
    const vi big = izero + AGG_DT_MAX, one = izero + 1;
    size_t i = 0;
    for (; n > W && i + W <= n - 1; i += W) {
        vd e0 = vload(e + i), e1 = vload(e + i + 1), d = e1 - e0;
        vi dt = vloadi(t + i + 1) - vloadi(t + i);
        if (lane_total(dt > big)) { /* rare: a reading weeks after the last */
            for (int k = 0; k < W; k++)
                flag[i + k] = agg_counter_delta(t, e, i + k, modulus_wh, max_w, &d_wh[i + k]);
            continue;
        }
        vi ok = (dt > izero) & (vabs(e0) < inf) & (vabs(e1) < inf);
        vi neg = d < zero;
        vi roll = neg & has_mod & (e0 >= hi) & (e1 <= lo), reset = neg & ~roll;
        d = vblend(roll, d + mod, d);
        vi implaus = has_cap & (d > cap_w * (vcvt_small(dt) * ns / per_h)) & ~reset;
        vi fl = (roll & one * DCS_AGG_DELTA_ROLLOVER) | (reset & one * DCS_AGG_DELTA_RESET) |
                (implaus & one * DCS_AGG_DELTA_IMPLAUSIBLE);
        fl = (vi)vblend(ok, (vd)fl, (vd)(one * DCS_AGG_DELTA_MISSING));
        d = vblend(ok & ~reset & ~implaus, d, nan);
        memcpy(d_wh + i, &d, sizeof d);
        for (int k = 0; k < W; k++)
            flag[i + k] = (uint8_t)fl[k];
    }
    agg_deltas_rest(t, e, i, n, modulus_wh, max_w, d_wh, flag);
    KERNEL_LEAVE();
}

const dcs_agg_kernel_t CAT(dcs_agg_kernel_, KERNEL_NAME) = {
    .name = KERNEL_STR,
    .reduce = FN(reduce),
    .trapz = FN(trapz),
    .fused = FN(fused),
    .grid = FN(grid),
    .deltas = FN(deltas),
};
