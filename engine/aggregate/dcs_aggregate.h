/* dcs_aggregate.h: turns stored samples into interval energies and statistics:
 * trapezoid integration of power over real timestamps with a gap limit, energy
 * counter deltas with rollover/reset detection, and compensated sums. Sits between
 * the store and the metrics. This is the scalar reference; faster kernels must
 * give the same answers. Compiled without -ffast-math (compensated sums). */
#ifndef DCS_AGGREGATE_H
#define DCS_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

/* Fixed-width time buckets over the window [from_ns, to_ns). Bucket k covers
 * [t0_ns + k*width_ns, t0_ns + (k+1)*width_ns) clipped to the window; t0_ns is
 * from_ns rounded down to a multiple of width_ns (buckets align to UTC, so hours
 * align in every whole-hour zone). */
typedef struct {
    int64_t from_ns, to_ns, t0_ns, width_ns;
    size_t n;
    double *e_wh;      /* integral per bucket, value x hours (Wh for power in W) */
    double *covered_s; /* seconds of the bucket backed by valid data */
} dcs_agg_buckets_t;

/* The index of the first of t_ns[0..n-1] (ascending) at or after t; n if none. */
size_t dcs_agg_first_at(const int64_t *t_ns, size_t n, int64_t t);

/* Allocate zeroed buckets. Returns 0, DCS_EINVAL (to <= from, width <= 0) or
 * DCS_ENOMEM. */
int dcs_agg_buckets_init(dcs_agg_buckets_t *b, int64_t from_ns, int64_t to_ns,
                         int64_t width_ns);
/* The same with boundaries at multiples of width in local time, local = UTC +
 * utc_offset_ns: day buckets of a site at UTC+8 start at its midnight. */
int dcs_agg_buckets_init_local(dcs_agg_buckets_t *b, int64_t from_ns, int64_t to_ns,
                               int64_t width_ns, int64_t utc_offset_ns);
void dcs_agg_buckets_free(dcs_agg_buckets_t *b);

/* Sum of e_wh / covered_s over all buckets (compensated). */
double dcs_agg_buckets_total_wh(const dcs_agg_buckets_t *b);
double dcs_agg_buckets_covered_s(const dcs_agg_buckets_t *b);

/* Integrate a power series (t ascending) into b by the trapezoid rule over actual
 * timestamps. A segment whose ends are not both finite, whose energy overflows a
 * double, or that is longer than gap_ns, is missing: it adds neither energy nor
 * coverage (no interpolation). */
void dcs_agg_power(const int64_t *t_ns, const double *p_w, size_t n, int64_t gap_ns,
                   dcs_agg_buckets_t *b);

/* One bucket of a rollup: the statistics of the samples in it and the energy
 * (value x hours) and coverage of the trapezoid segments in it. Never a ratio:
 * coarser rollups and any PUE derive exactly from these. */
typedef struct {
    int64_t start_ns;
    size_t count;
    double sum, min, max;   /* of the samples with t in the bucket; min/max NaN if none */
    double e_wh, covered_s;
} dcs_agg_rollup_t;

/* Roll samples (t ascending) up into the buckets of [from_ns, to_ns) of width
 * width_ns (aligned as dcs_agg_buckets_t). out must hold the bucket count, which
 * *nout receives. Statistics come from the kernel's reduce over each bucket's
 * slice, energy from dcs_agg_power. Returns 0, DCS_EINVAL or DCS_ENOMEM. */
int dcs_agg_rollup(const int64_t *t_ns, const double *v, size_t n, int64_t from_ns, int64_t to_ns,
                   int64_t width_ns, int64_t gap_ns, dcs_agg_rollup_t *out, size_t *nout);

/* dcs_agg_rollup for samples on a regular grid: sample i at t0_ns + i x step_ns
 * (step_ns > 0). Same buckets and results as dcs_agg_rollup given those
 * timestamps, without reading them. */
int dcs_agg_rollup_grid(int64_t t0_ns, int64_t step_ns, const double *v, size_t n, int64_t from_ns,
                        int64_t to_ns, int64_t width_ns, int64_t gap_ns, dcs_agg_rollup_t *out,
                        size_t *nout);

/* The same buckets for a cumulative energy counter (Wh): energy from the
 * counter's deltas spread as dcs_agg_counter does, statistics of the readings. */
int dcs_agg_rollup_counter(const int64_t *t_ns, const double *e_wh, size_t n, int64_t from_ns,
                           int64_t to_ns, int64_t width_ns, double modulus_wh, double max_w,
                           dcs_agg_rollup_t *out, size_t *nout);

typedef struct {
    size_t deltas;      /* intervals used */
    size_t rollovers;   /* negative deltas taken as counter wrap (modulus added) */
    size_t resets;      /* negative deltas taken as a reset: interval dropped */
    size_t implausible; /* deltas above max_w x dt: interval dropped */
} dcs_agg_counter_stats_t;

/* Energy from a cumulative counter (Wh, t ascending) into b. Each delta between
 * consecutive finite readings is spread evenly over its interval, classified as
 * the kernels' deltas (rollover, reset, implausible; a missing reading is
 * bridged by the next finite one). st may be NULL. */
void dcs_agg_counter(const int64_t *t_ns, const double *e_wh, size_t n, double modulus_wh,
                     double max_w, dcs_agg_buckets_t *b, dcs_agg_counter_stats_t *st);

/* Statistics of finite values; NaN is missing, +-inf count as values. */
typedef struct {
    size_t count;
    double sum, min, max; /* sum is compensated (Neumaier); min/max NaN when count 0 */
} dcs_agg_stats_t;
void dcs_agg_stats(const double *v, size_t n, dcs_agg_stats_t *st);

/* ---- kernels: the hot loops, one implementation per ISA ---- */

/* Outcome bits of a counter interval (dcs_agg_kernel_t.deltas). 0 is a plain
 * delta; ROLLOVER may join IMPLAUSIBLE; RESET, IMPLAUSIBLE and MISSING drop it. */
enum {
    DCS_AGG_DELTA_ROLLOVER = 1,    /* negative delta taken as a wrap: modulus added */
    DCS_AGG_DELTA_RESET = 2,       /* negative delta taken as a reset */
    DCS_AGG_DELTA_IMPLAUSIBLE = 4, /* more than max_w on average over the interval */
    DCS_AGG_DELTA_MISSING = 8,     /* an end not finite, or time not advancing */
};

/* A kernel set. Every implementation gives the scalar kernel's count, min, max,
 * coverage and counter deltas exactly. Sums are compensated (TwoSum per lane,
 * lanes folded in a fixed order): |sum - exact| <= 4u|exact| + 8(n+16)u^2 sum|x_i|,
 * u = 2^-53, the bound tests/kernel_test.c checks; lanes are added in another
 * order than the scalar kernel's, so the last bits may differ from it. Time steps
 * are exact up to 2^52 ns (52 days); a larger gap limit is taken as 2^52 ns. */
typedef struct {
    const char *name; /* "scalar", "sse2", "avx2", "avx512", "neon"; the default
                       * may be a mix, e.g. "avx512 (reduce avx2)" */
    /* Statistics of v[0..n-1], as dcs_agg_stats(). */
    void (*reduce)(const double *v, size_t n, dcs_agg_stats_t *st);
    /* Trapezoid over the n-1 segments of one run of samples:
     * *area = sum of (v_i + v_i+1)/2 x dt_i (value x seconds) and *covered = sum of
     * dt_i (s, an exact integer sum of ns), over segments with 0 < dt_i <= gap_ns
     * whose term (v_i + v_i+1) x dt_i is finite (both ends finite, no overflow). */
    void (*trapz)(const int64_t *t_ns, const double *v, size_t n, int64_t gap_ns,
                  double *area, double *covered);
    /* reduce and trapz of the same run in one pass over memory. */
    void (*fused)(const int64_t *t_ns, const double *v, size_t n, int64_t gap_ns,
                  dcs_agg_stats_t *st, double *area, double *covered);
    /* fused for samples on a regular grid, sample i at i x step_ns: only the
     * values are read. Segments count when step_ns <= gap_ns. */
    void (*grid)(const double *v, size_t n, int64_t step_ns, int64_t gap_ns, dcs_agg_stats_t *st,
                 double *area, double *covered);
    /* Counter deltas: for i < n-1, d_wh[i] = e_wh[i+1] - e_wh[i] and flag[i] its
     * DCS_AGG_DELTA_* bits. A negative delta is a rollover when e_wh[i] >=
     * 0.9 x modulus_wh and e_wh[i+1] <= 0.1 x modulus_wh (modulus added), else a
     * reset; modulus_wh <= 0: no rollover. max_w > 0 flags a delta above
     * max_w x dt. d_wh[i] is NaN when the interval is dropped. */
    void (*deltas)(const int64_t *t_ns, const double *e_wh, size_t n, double modulus_wh,
                   double max_w, double *d_wh, uint8_t *flag);
} dcs_agg_kernel_t;

/* The kernel in use: chosen once, at first call: per function the supported
 * kernel this CPU runs fastest (timed on an in-cache run, the table's first
 * kept unless another is 10 % faster; cached per machine so that every process
 * there computes the same bits: calibrate.c), unless the environment variable
 * DCSCORE_SIMD names another supported one (scalar, sse2, avx2, avx512, neon),
 * used whole; an unknown or unsupported name is ignored. Choose it before
 * forking workers (dcs_par.h), so that they all use it. */
const dcs_agg_kernel_t *dcs_agg_kernel(void);

/* Timing one function of a kernel as the calibration does (for kernel_test):
 * data made once, and the best of 7 runs of function fn (0 reduce, 1 trapz,
 * 2 fused, 3 grid, 4 deltas) of kernel k on it, in seconds. */
typedef struct dcs_agg_cal_data dcs_agg_cal_data_t;
dcs_agg_cal_data_t *dcs_agg_cal_data_new(void);
void dcs_agg_cal_data_free(dcs_agg_cal_data_t *data);
double dcs_agg_time_fn(const dcs_agg_kernel_t *k, int fn, const dcs_agg_cal_data_t *data);
/* A kernel by name if compiled in and supported by this CPU, else NULL. */
const dcs_agg_kernel_t *dcs_agg_kernel_find(const char *name);
/* Every kernel usable here, best first; returns the count (at most max). */
size_t dcs_agg_kernel_list(const dcs_agg_kernel_t **out, size_t max);

/* The plain per-segment reference of dcs_agg_power (tests compare the two). */
void dcs_agg_power_ref(const int64_t *t_ns, const double *p_w, size_t n, int64_t gap_ns,
                       dcs_agg_buckets_t *b);

/* Neumaier compensated accumulator: error bounded by ~2u*sum|x_i| + O(n u^2), u = 2^-53,
 * independent of n to first order (Higham, Accuracy and Stability, 2nd ed., 4.3). */
typedef struct { double s, c; } dcs_agg_sum_t;
static inline void dcs_agg_sum_add(dcs_agg_sum_t *a, double x)
{
    double t = a->s + x;
    if ((a->s >= 0 ? a->s : -a->s) >= (x >= 0 ? x : -x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}
/* An infinite or NaN running sum is returned as is (its compensation is NaN). */
static inline double dcs_agg_sum_get(const dcs_agg_sum_t *a)
{
    return a->s - a->s == 0 ? a->s + a->c : a->s;
}

#endif
