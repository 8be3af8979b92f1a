/* aggregate.c: scalar reference kernels for energy integration and statistics.
 * Assumes timestamps ascend (the store guarantees it). Must not be compiled with
 * -ffast-math: the Neumaier sums rely on exact IEEE rounding. */
#include "dcs_aggregate.h"
#include "aggregate_int.h"
#include "../base/dcs_base.h"

#include <math.h>
#include <stdlib.h>

int dcs_agg_buckets_init(dcs_agg_buckets_t *b, int64_t from_ns, int64_t to_ns,
                         int64_t width_ns)
{
    return dcs_agg_buckets_init_local(b, from_ns, to_ns, width_ns, 0);
}

int dcs_agg_buckets_init_local(dcs_agg_buckets_t *b, int64_t from_ns, int64_t to_ns,
                               int64_t width_ns, int64_t utc_offset_ns)
{
    if (to_ns <= from_ns || width_ns <= 0)
        return DCS_EINVAL;
    b->from_ns = from_ns;
    b->to_ns = to_ns;
    b->width_ns = width_ns;
    int64_t local = from_ns + utc_offset_ns; /* boundaries at local multiples of the width */
    b->t0_ns = from_ns - ((local % width_ns) + width_ns) % width_ns;
    b->n = (size_t)((to_ns - b->t0_ns + width_ns - 1) / width_ns);
    b->e_wh = calloc(b->n, sizeof *b->e_wh);
    b->covered_s = calloc(b->n, sizeof *b->covered_s);
    if (!b->e_wh || !b->covered_s) {
        dcs_agg_buckets_free(b);
        return DCS_ENOMEM;
    }
    return 0;
}

void dcs_agg_buckets_free(dcs_agg_buckets_t *b)
{
    free(b->e_wh);
    free(b->covered_s);
    b->e_wh = b->covered_s = NULL;
    b->n = 0;
}

double dcs_agg_buckets_total_wh(const dcs_agg_buckets_t *b)
{
    dcs_agg_sum_t a = {0, 0};
    for (size_t k = 0; k < b->n; k++)
        dcs_agg_sum_add(&a, b->e_wh[k]);
    return dcs_agg_sum_get(&a);
}

double dcs_agg_buckets_covered_s(const dcs_agg_buckets_t *b)
{
    dcs_agg_sum_t a = {0, 0};
    for (size_t k = 0; k < b->n; k++)
        dcs_agg_sum_add(&a, b->covered_s[k]);
    return dcs_agg_sum_get(&a);
}

/* Add the linear segment (ta,pa)-(tb,pb), clipped to the window, into buckets.
 * Energy of a sub-interval [x,y] is the mean of p(x), p(y) times (y-x). */
static void add_segment(dcs_agg_buckets_t *b, int64_t ta, double pa, int64_t tb, double pb)
{
    int64_t lo = ta > b->from_ns ? ta : b->from_ns;
    int64_t hi = tb < b->to_ns ? tb : b->to_ns;
    double span = (double)(tb - ta);
    while (lo < hi) {
        size_t k = (size_t)((lo - b->t0_ns) / b->width_ns);
        int64_t end = b->t0_ns + (int64_t)(k + 1) * b->width_ns;
        int64_t y = end < hi ? end : hi;
        double px = pa + (pb - pa) * (double)(lo - ta) / span;
        double py = pa + (pb - pa) * (double)(y - ta) / span;
        double dt_s = (double)(y - lo) * 1e-9;
        b->e_wh[k] += 0.5 * (px + py) * dt_s / 3600.0;
        b->covered_s[k] += dt_s;
        lo = y;
    }
}

/* Segment (ta,pa)-(tb,pb) if it is valid (0 < dt <= gap, finite energy: see
 * agg_segment_ok) and meets the window. */
static void add_valid(dcs_agg_buckets_t *b, int64_t ta, double pa, int64_t tb, double pb,
                      int64_t gap_ns)
{
    if (!agg_segment_ok((pa + pb) * (double)(tb - ta), tb - ta, gap_ns))
        return;
    if (tb <= b->from_ns || ta >= b->to_ns)
        return;
    add_segment(b, ta, pa, tb, pb);
}

static void add_valid_segment(dcs_agg_buckets_t *b, const int64_t *t_ns, const double *p_w,
                              size_t i, int64_t gap_ns)
{
    add_valid(b, t_ns[i], p_w[i], t_ns[i + 1], p_w[i + 1], gap_ns);
}

void dcs_agg_power_ref(const int64_t *t_ns, const double *p_w, size_t n, int64_t gap_ns,
                       dcs_agg_buckets_t *b)
{
    for (size_t i = 1; i < n; i++)
        add_valid_segment(b, t_ns, p_w, i - 1, gap_ns);
}

/* The same, searching forward from index `from` (t_ns[from - 1] < t known):
 * galloping (1, 2, 4, ... steps) then bisection, so finding the next bucket edge
 * touches a few nearby cache lines instead of bisecting the whole day. */
static size_t gallop(const int64_t *t_ns, size_t n, size_t from, int64_t t)
{
    size_t lo = from, step = 1, hi = from;
    while (hi < n && t_ns[hi] < t) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    hi = hi < n ? hi : n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t_ns[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The end of a bucket: the first index at or after i with t_ns >= end. The
 * previous bucket's length is tried first: on regular data that is the answer,
 * checked with two neighbouring reads instead of a search whose dependent
 * cache misses cost as much as the bucket's own arithmetic. */
static size_t bucket_end(const int64_t *t_ns, size_t n, size_t i, size_t guess, int64_t end)
{
    size_t g = i + guess;
    if (guess && g <= n && t_ns[g - 1] < end && (g == n || t_ns[g] >= end))
        return g;
    return gallop(t_ns, n, i, end);
}

size_t dcs_agg_first_at(const int64_t *t_ns, size_t n, int64_t t)
{
    return gallop(t_ns, n, 0, t);
}

/* The fast path: in each bucket, the run of segments lying wholly inside it goes
 * to the SIMD kernel; the few segments that cross a bucket or window edge take
 * the reference path, which splits them. */
void dcs_agg_power(const int64_t *t_ns, const double *p_w, size_t n, int64_t gap_ns,
                   dcs_agg_buckets_t *b)
{
    const dcs_agg_kernel_t *k = dcs_agg_kernel();
    size_t i = dcs_agg_first_at(t_ns, n, b->from_ns);
    if (i > 0 && i < n)
        add_valid_segment(b, t_ns, p_w, i - 1, gap_ns); /* straddles the window start */
    size_t len = 0;
    while (i < n && t_ns[i] < b->to_ns) {
        size_t kb = (size_t)((t_ns[i] - b->t0_ns) / b->width_ns);
        int64_t end = b->t0_ns + (int64_t)(kb + 1) * b->width_ns;
        end = end < b->to_ns ? end : b->to_ns;
        size_t j = bucket_end(t_ns, n, i, len, end + 1) - 1; /* last t <= end */
        len = j + 1 - i;
        double area, covered;
        k->trapz(t_ns + i, p_w + i, j - i + 1, gap_ns, &area, &covered);
        b->e_wh[kb] += area / 3600.0;
        b->covered_s[kb] += covered;
        if (j + 1 < n)
            add_valid_segment(b, t_ns, p_w, j, gap_ns); /* crosses `end` */
        i = j + 1;
    }
}

/* Spread a counter delta evenly over (ta, tb]; one bucket takes it whole. */
static void add_delta(dcs_agg_buckets_t *b, int64_t ta, int64_t tb, double d_wh)
{
    if (tb <= b->from_ns || ta >= b->to_ns)
        return;
    int64_t k = (ta - b->t0_ns) / b->width_ns;
    if (ta >= b->from_ns && tb <= b->to_ns && tb <= b->t0_ns + (k + 1) * b->width_ns) {
        b->e_wh[k] += d_wh;
        b->covered_s[k] += (double)(tb - ta) * 1e-9;
        return;
    }
    double p_w = d_wh / ((double)(tb - ta) * 1e-9 / 3600.0);
    add_segment(b, ta, p_w, tb, p_w);
}

static void tally(dcs_agg_counter_stats_t *st, unsigned fl)
{
    st->rollovers += (fl & DCS_AGG_DELTA_ROLLOVER) != 0;
    st->resets += (fl & DCS_AGG_DELTA_RESET) != 0;
    st->implausible += (fl & DCS_AGG_DELTA_IMPLAUSIBLE) != 0;
}

/* The kernel classifies neighbouring readings in chunks; a reading after a
 * missing one is measured from the last finite reading instead. */
#define COUNTER_CHUNK 1024
void dcs_agg_counter(const int64_t *t_ns, const double *e_wh, size_t n, double modulus_wh,
                     double max_w, dcs_agg_buckets_t *b, dcs_agg_counter_stats_t *st)
{
    const dcs_agg_kernel_t *k = dcs_agg_kernel();
    dcs_agg_counter_stats_t local = {0};
    double d[COUNTER_CHUNK];
    uint8_t fl[COUNTER_CHUNK];
    size_t prev = n && isfinite(e_wh[0]) ? 0 : n; /* the last finite reading */
    for (size_t base = 0; base + 1 < n; base += COUNTER_CHUNK) {
        size_t m = n - 1 - base < COUNTER_CHUNK ? n - 1 - base : COUNTER_CHUNK;
        k->deltas(t_ns + base, e_wh + base, m + 1, modulus_wh, max_w, d, fl);
        for (size_t j = 0; j < m; j++) {
            size_t r = base + j + 1;
            if (!isfinite(e_wh[r]))
                continue;
            if (prev == n) {
                prev = r;
                continue;
            }
            double dd = d[j];
            unsigned f = prev == r - 1 ? fl[j]
                                       : agg_counter_classify(e_wh[prev], e_wh[r], t_ns[r] - t_ns[prev],
                                                              modulus_wh, max_w, &dd);
            if (!(f & DCS_AGG_DELTA_MISSING)) { /* missing here: time did not advance */
                tally(&local, f);
                if (dd == dd && t_ns[r] > b->from_ns && t_ns[prev] < b->to_ns) {
                    add_delta(b, t_ns[prev], t_ns[r], dd);
                    local.deltas++;
                }
            }
            prev = r;
        }
    }
    if (st)
        *st = local;
}

void dcs_agg_stats(const double *v, size_t n, dcs_agg_stats_t *st)
{
    dcs_agg_sum_t a = {0, 0};
    st->count = 0;
    st->min = INFINITY;
    st->max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        dcs_agg_sum_add(&a, v[i]);
        st->count++;
        if (v[i] < st->min)
            st->min = v[i];
        if (v[i] > st->max)
            st->max = v[i];
    }
    st->sum = dcs_agg_sum_get(&a);
    if (!st->count)
        st->min = st->max = NAN;
}

void agg_fused_two_pass(const dcs_agg_kernel_t *k, const int64_t *t_ns, const double *v, size_t n,
                        int64_t gap_ns, dcs_agg_stats_t *st, double *area, double *covered)
{
    k->reduce(v, n, st);
    k->trapz(t_ns, v, n, gap_ns, area, covered);
}

static void rollup_stats(dcs_agg_rollup_t *out, int64_t start_ns, const dcs_agg_stats_t *st)
{
    *out = (dcs_agg_rollup_t){.start_ns = start_ns, .count = st->count, .sum = st->sum,
                              .min = st->min, .max = st->max};
}

/* Energy and coverage go last: a segment split at a bucket's end adds to the next. */
static void rollup_energy(dcs_agg_buckets_t *b, dcs_agg_rollup_t *out, size_t *nout)
{
    for (size_t kb = 0; kb < b->n; kb++) {
        out[kb].e_wh = b->e_wh[kb];
        out[kb].covered_s = b->covered_s[kb];
    }
    *nout = b->n;
    dcs_agg_buckets_free(b);
}

/* One pass per bucket: the samples with t in the bucket go to the fused kernel
 * (statistics, and the energy of the segments between them); the segment from
 * the bucket's last sample to the next one crosses the edge and is split. */
int dcs_agg_rollup(const int64_t *t_ns, const double *v, size_t n, int64_t from_ns, int64_t to_ns,
                   int64_t width_ns, int64_t gap_ns, dcs_agg_rollup_t *out, size_t *nout)
{
    dcs_agg_buckets_t b;
    int rc = dcs_agg_buckets_init(&b, from_ns, to_ns, width_ns);
    if (rc)
        return rc;
    const dcs_agg_kernel_t *k = dcs_agg_kernel();
    size_t i = dcs_agg_first_at(t_ns, n, from_ns);
    if (i > 0 && i < n)
        add_valid_segment(&b, t_ns, v, i - 1, gap_ns); /* straddles the window start */
    size_t len = 0;
    for (size_t kb = 0; kb < b.n; kb++) {
        int64_t lo = b.t0_ns + (int64_t)kb * width_ns, hi = lo + width_ns;
        hi = hi < to_ns ? hi : to_ns;
        size_t j = bucket_end(t_ns, n, i, len, hi); /* samples [i, j) */
        len = j - i;
        dcs_agg_stats_t st;
        double area, covered;
        k->fused(t_ns + i, v + i, j - i, gap_ns, &st, &area, &covered);
        b.e_wh[kb] += area / 3600.0;
        b.covered_s[kb] += covered;
        if (j > i && j < n)
            add_valid_segment(&b, t_ns, v, j - 1, gap_ns); /* crosses hi */
        rollup_stats(&out[kb], lo > from_ns ? lo : from_ns, &st);
        i = j;
    }
    rollup_energy(&b, out, nout);
    return 0;
}

/* Index of the first grid sample at or after t (n if none). */
static size_t grid_index(int64_t t0_ns, int64_t step_ns, size_t n, int64_t t)
{
    if (t <= t0_ns)
        return 0;
    uint64_t i = ((uint64_t)(t - t0_ns) + (uint64_t)step_ns - 1) / (uint64_t)step_ns;
    return i < n ? (size_t)i : n;
}

int dcs_agg_rollup_grid(int64_t t0_ns, int64_t step_ns, const double *v, size_t n, int64_t from_ns,
                        int64_t to_ns, int64_t width_ns, int64_t gap_ns, dcs_agg_rollup_t *out,
                        size_t *nout)
{
    dcs_agg_buckets_t b;
    if (step_ns <= 0)
        return DCS_EINVAL;
    int rc = dcs_agg_buckets_init(&b, from_ns, to_ns, width_ns);
    if (rc)
        return rc;
    const dcs_agg_kernel_t *k = dcs_agg_kernel();
#define GRID_T(i) (t0_ns + (int64_t)(i) * step_ns)
    size_t i = grid_index(t0_ns, step_ns, n, from_ns);
    if (i > 0 && i < n)
        add_valid(&b, GRID_T(i - 1), v[i - 1], GRID_T(i), v[i], gap_ns);
    for (size_t kb = 0; kb < b.n; kb++) {
        int64_t lo = b.t0_ns + (int64_t)kb * width_ns, hi = lo + width_ns;
        hi = hi < to_ns ? hi : to_ns;
        size_t j = grid_index(t0_ns, step_ns, n, hi);
        dcs_agg_stats_t st;
        double area, covered;
        k->grid(v + i, j - i, step_ns, gap_ns, &st, &area, &covered);
        b.e_wh[kb] += area / 3600.0;
        b.covered_s[kb] += covered;
        if (j > i && j < n)
            add_valid(&b, GRID_T(j - 1), v[j - 1], GRID_T(j), v[j], gap_ns);
        rollup_stats(&out[kb], lo > from_ns ? lo : from_ns, &st);
        i = j;
    }
#undef GRID_T
    rollup_energy(&b, out, nout);
    return 0;
}

int dcs_agg_rollup_counter(const int64_t *t_ns, const double *e_wh, size_t n, int64_t from_ns,
                           int64_t to_ns, int64_t width_ns, double modulus_wh, double max_w,
                           dcs_agg_rollup_t *out, size_t *nout)
{
    dcs_agg_buckets_t b;
    int rc = dcs_agg_buckets_init(&b, from_ns, to_ns, width_ns);
    if (rc)
        return rc;
    const dcs_agg_kernel_t *k = dcs_agg_kernel();
    dcs_agg_counter(t_ns, e_wh, n, modulus_wh, max_w, &b, NULL);
    size_t i = dcs_agg_first_at(t_ns, n, from_ns), len = 0;
    for (size_t kb = 0; kb < b.n; kb++) {
        int64_t lo = b.t0_ns + (int64_t)kb * width_ns, hi = lo + width_ns;
        hi = hi < to_ns ? hi : to_ns;
        size_t j = bucket_end(t_ns, n, i, len, hi);
        dcs_agg_stats_t st;
        k->reduce(e_wh + i, j - i, &st);
        len = j - i;
        rollup_stats(&out[kb], lo > from_ns ? lo : from_ns, &st);
        i = j;
    }
    rollup_energy(&b, out, nout);
    return 0;
}
