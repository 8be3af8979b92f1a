/* kernel_test.c: every aggregation kernel usable on this CPU against the scalar
 * reference and an exact sum, on seeded random data: lengths 0..67 and large,
 * starts off vector alignment, NaN, +-inf, denormals, all-NaN, and a magnitude
 * mix where a naive sum is measurably wrong. count/min/max must match exactly;
 * sums must sit within the bound stated in dcs_aggregate.h. Also dcs_agg_power
 * (kernel runs + split edges) against dcs_agg_power_ref, bucket by bucket. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/aggregate/dcs_aggregate.h"
#include "../engine/base/dcs_base.h"
#include "testutil.h"

#define U 0x1p-53

static uint64_t rng = 20261123; /* fixed seed */
static double rnd(void)         /* xorshift64* -> [0,1) */
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ULL) >> 11) * 0x1p-53;
}

/* Exact sum of finite values (Shewchuk's partials, as Python's math.fsum), rounded once. */
static double exact_sum(const double *v, size_t n, double *abs_sum)
{
    double p[64];
    int np = 0;
    *abs_sum = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (isnan(x))
            continue;
        *abs_sum += fabs(x);
        int k = 0;
        for (int j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
            double hi = x + y, lo = y - (hi - x);
            if (lo != 0)
                p[k++] = lo;
            x = hi;
        }
        p[k++] = x;
        np = k < 64 ? k : 63;
    }
    double s = 0;
    for (int j = np - 1; j >= 0; j--)
        s += p[j];
    return s;
}

static void check_reduce(const dcs_agg_kernel_t *k, const double *v, size_t n, const char *what)
{
    dcs_agg_stats_t ref, got;
    dcs_agg_stats(v, n, &ref);
    k->reduce(v, n, &got);
    if (got.count != ref.count || memcmp(&got.min, &ref.min, 8) || memcmp(&got.max, &ref.max, 8))
        fail_msg("%s/%s n=%zu: count %zu/%zu min %g/%g max %g/%g", k->name, what, n, got.count,
                 ref.count, got.min, ref.min, got.max, ref.max);
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        finite &= !isinf(v[i]);
    if (!finite) { /* an infinite sum must be the same infinity (or NaN for +inf - inf) */
        if (!(got.sum == ref.sum || (isnan(got.sum) && isnan(ref.sum))))
            fail_msg("%s/%s n=%zu: infinite sum %g vs %g", k->name, what, n, got.sum, ref.sum);
        return;
    }
    double abs_sum, exact = exact_sum(v, n, &abs_sum);
    double bound = 4 * U * fabs(exact) + 8 * (double)(n + 16) * U * U * abs_sum;
    if (!(fabs(got.sum - exact) <= bound))
        fail_msg("%s/%s n=%zu: sum %.17g, exact %.17g, bound %g", k->name, what, n, got.sum, exact, bound);
}

static void fill(double *v, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        double r = rnd();
        v[i] = kind == 0 ? (r - 0.3) * 1e3                           /* plain */
             : kind == 1 ? (r < 0.2 ? NAN : (r - 0.5) * 1e6)         /* 20 % NaN */
             : kind == 2 ? (r < 0.5 ? 1e-310 * r : -4.9e-324 * 3)    /* denormals */
             : kind == 3 ? NAN                                        /* all NaN */
             : (r < 0.1 ? 1e15 * (r < 0.05 ? 1 : -1) : r * 1e-3);    /* magnitude mix */
    }
}

static void test_reduce_all_kernels(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    assert_true(nk >= 2); /* at least scalar and NEON through SIMDe */
    static double buf[200000 + 8];
    for (size_t k = 0; k < nk; k++)
        for (int kind = 0; kind < 5; kind++) {
            for (size_t n = 0; n <= 67; n++)
                for (size_t off = 0; off < 3; off++) { /* start off the vector alignment */
                    fill(buf + off, n, kind);
                    check_reduce(ks[k], buf + off, n, "small");
                }
            fill(buf + 1, 200000, kind);
            check_reduce(ks[k], buf + 1, 200000, "large");
        }
}

static void test_reduce_infinities(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    double v[37];
    for (size_t k = 0; k < nk; k++) {
        fill(v, 37, 0);
        v[17] = INFINITY;
        check_reduce(ks[k], v, 37, "+inf");
        dcs_agg_stats_t st;
        ks[k]->reduce(v, 37, &st);
        assert_true(st.sum == INFINITY && st.max == INFINITY);
        v[30] = -INFINITY;
        ks[k]->reduce(v, 37, &st);
        assert_true(isnan(st.sum) && st.min == -INFINITY);
    }
}

static void test_naive_sum_is_wrong_ours_is_not(void **state)
{
    (void)state;
    /* 1e16, then 10,000 ones, then -1e16: exactly 10,000. A naive double sum
     * loses every 1 against 1e16 (ulp 2) and returns 0. */
    static double v[10002];
    v[0] = 1e16;
    for (int i = 1; i <= 10000; i++)
        v[i] = 1.0;
    v[10001] = -1e16;
    volatile double naive = 0;
    for (int i = 0; i < 10002; i++)
        naive += v[i];
    assert_true(fabs(naive - 10000) > 5000);
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    for (size_t k = 0; k < nk; k++) {
        dcs_agg_stats_t st;
        ks[k]->reduce(v, 10002, &st);
        if (st.sum != 10000)
            fail_msg("%s: %.17g", ks[k]->name, st.sum);
    }
}

static void test_trapz_all_kernels(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    static int64_t t[5000];
    static double v[5000];
    int64_t now = 1795478400LL * 1000000000LL;
    for (size_t i = 0; i < 5000; i++) { /* 1 s steps with jitter, gaps, repeats, NaN, inf */
        double r = rnd();
        now += r < 0.02 ? 30000000000LL : r < 0.03 ? 0 : 1000000000LL + (int64_t)(r * 1e6);
        t[i] = now;
        v[i] = r < 0.05 ? NAN : r < 0.06 ? INFINITY : 800e3 + r * 1e4;
    }
    for (size_t k = 0; k < nk; k++)
        for (size_t n = 0; n < 5000; n += n < 70 ? 1 : 997) {
            double a0, c0, a1, c1;
            dcs_agg_kernel_find("scalar")->trapz(t + 1, v + 1, n, 5000000000LL, &a0, &c0);
            ks[k]->trapz(t + 1, v + 1, n, 5000000000LL, &a1, &c1);
            if (fabs(a1 - a0) > 1e-12 * fabs(a0) + 1e-9 || c1 != c0) /* coverage: exact */
                fail_msg("%s n=%zu: area %.17g vs %.17g, covered %.17g vs %.17g", ks[k]->name,
                         n, a1, a0, c1, c0);
        }
}

static void test_fused_matches_separate_passes(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    static int64_t t[3000];
    static double v[3000];
    for (size_t i = 0; i < 3000; i++) {
        double r = rnd();
        t[i] = (int64_t)i * 1000000000LL + (r < 0.02 ? 9000000000LL * (int64_t)i : 0);
        v[i] = r < 0.05 ? NAN : r < 0.06 ? 1e300 : 1e5 * r;
    }
    for (size_t k = 0; k < nk; k++)
        for (size_t n = 0; n < 3000; n += n < 40 ? 1 : 331) {
            dcs_agg_stats_t s1, s2;
            double a1, c1, a2, c2;
            ks[k]->reduce(v + 1, n, &s1);
            ks[k]->trapz(t + 1, v + 1, n, 5000000000LL, &a1, &c1);
            ks[k]->fused(t + 1, v + 1, n, 5000000000LL, &s2, &a2, &c2);
            if (s1.count != s2.count || memcmp(&s1.min, &s2.min, 8) || memcmp(&s1.max, &s2.max, 8) ||
                fabs(s1.sum - s2.sum) > 1e-12 * fabs(s1.sum) + 1e-300 ||
                fabs(a1 - a2) > 1e-12 * fabs(a1) + 1e-300 || c1 != c2)
                fail_msg("%s n=%zu: fused differs", ks[k]->name, n);
        }
}

static void test_power_fast_path_matches_reference(void **state)
{
    (void)state;
    static int64_t t[20000];
    static double p[20000];
    int64_t t0 = 1795478400LL * 1000000000LL;
    for (size_t i = 0; i < 20000; i++) {
        double r = rnd();
        t[i] = t0 + (int64_t)i * 1000000000LL + (int64_t)(r * 5e8) - (i % 977 == 0 ? 0 : 0);
        p[i] = r < 0.01 ? NAN : 5e5 + 1e5 * sin((double)i / 300.0);
    }
    for (size_t i = 3000; i < 3100; i++) /* a long gap */
        t[i] += 200LL * 1000000000LL, p[i] = p[i];
    for (size_t i = 3100; i < 20000; i++)
        t[i] += 200LL * 1000000000LL;
    /* Windows that start and end inside segments, buckets of 15 min and 1 h. */
    int64_t from = t0 + 1234567890123LL % (3600LL * 1000000000LL), to = t[19990] - 333;
    int64_t widths[2] = {900LL * 1000000000LL, 3600LL * 1000000000LL};
    for (int w = 0; w < 2; w++) {
        dcs_agg_buckets_t a, b;
        assert_int_equal(dcs_agg_buckets_init(&a, from, to, widths[w]), 0);
        assert_int_equal(dcs_agg_buckets_init(&b, from, to, widths[w]), 0);
        dcs_agg_power(t, p, 20000, 5000000000LL, &a);
        dcs_agg_power_ref(t, p, 20000, 5000000000LL, &b);
        for (size_t k = 0; k < a.n; k++)
            if (fabs(a.e_wh[k] - b.e_wh[k]) > 1e-9 * fabs(b.e_wh[k]) + 1e-9 ||
                fabs(a.covered_s[k] - b.covered_s[k]) > 1e-9 * b.covered_s[k] + 1e-9)
                fail_msg("bucket %zu of %zu: %.17g Wh / %.17g s vs %.17g Wh / %.17g s", k, a.n,
                         a.e_wh[k], a.covered_s[k], b.e_wh[k], b.covered_s[k]);
        dcs_agg_buckets_free(&a);
        dcs_agg_buckets_free(&b);
    }
}

/* The grid kernel against the scalar one: statistics as check_reduce, the pair
 * area within 1e-12 relative, coverage exactly. */
static void test_grid_all_kernels(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8], *ref = dcs_agg_kernel_find("scalar");
    size_t nk = dcs_agg_kernel_list(ks, 8);
    static double v[4000];
    for (size_t i = 0; i < 4000; i++) {
        double r = rnd();
        v[i] = r < 0.05 ? NAN : r < 0.06 ? INFINITY : r < 0.065 ? 1e308 : 5e5 + 1e5 * r; /* 1e308 pairs overflow */
    }
    for (size_t k = 0; k < nk; k++)
        for (size_t n = 0; n < 4000; n += n < 70 ? 1 : 613)
            for (int64_t step = 1000000000LL; step <= 9000000000LL; step += 8000000000LL) {
                dcs_agg_stats_t s0, s1;
                double a0, c0, a1, c1;
                ref->grid(v + 1, n, step, 5000000000LL, &s0, &a0, &c0);
                ks[k]->grid(v + 1, n, step, 5000000000LL, &s1, &a1, &c1);
                check_reduce(ks[k], v + 1, n, "grid stats");
                if (s0.count != s1.count || memcmp(&s0.min, &s1.min, 8) || memcmp(&s0.max, &s1.max, 8) ||
                    (a1 != a0 && !(fabs(a1 - a0) <= 1e-12 * fabs(a0))) || c1 != c0)
                    fail_msg("%s n=%zu step=%lld: area %.17g vs %.17g, covered %.17g vs %.17g",
                             ks[k]->name, n, (long long)step, a1, a0, c1, c0);
            }
}

/* Counter deltas: every kernel gives the scalar kernel's flags and deltas bit for
 * bit, on readings with rollovers, resets, jumps, NaN, repeated times and a
 * step longer than 2^52 ns. */
static void test_deltas_all_kernels(void **state)
{
    (void)state;
    const dcs_agg_kernel_t *ks[8], *ref = dcs_agg_kernel_find("scalar");
    size_t nk = dcs_agg_kernel_list(ks, 8);
    static int64_t t[3000];
    static double e[3000], d0[3000], d1[3000];
    static uint8_t f0[3000], f1[3000];
    int64_t now = 0;
    double c = 0;
    for (size_t i = 0; i < 3000; i++) {
        double r = rnd();
        now += r < 0.01 ? 0 : r < 0.015 ? ((int64_t)1 << 53) : 10000000000LL;
        c += r < 0.9 ? 2 * r : r < 0.93 ? 1e6 : 0;
        if (c >= 1e4)
            c -= 1e4; /* wraps at 10,000 Wh */
        t[i] = now;
        e[i] = r > 0.98 ? NAN : r > 0.97 ? c * 0.5 : c;
    }
    for (size_t k = 0; k < nk; k++)
        for (size_t n = 0; n < 3000; n += n < 70 ? 1 : 401) {
            memset(f0, 0xff, sizeof f0), memset(f1, 0xee, sizeof f1);
            ref->deltas(t + 1, e + 1, n, 1e4, 1000, d0, f0);
            ks[k]->deltas(t + 1, e + 1, n, 1e4, 1000, d1, f1);
            for (size_t i = 0; i + 1 < n; i++)
                if (f0[i] != f1[i] || (memcmp(&d0[i], &d1[i], 8) && !(isnan(d0[i]) && isnan(d1[i]))))
                    fail_msg("%s n=%zu i=%zu: flag %u/%u delta %.17g/%.17g", ks[k]->name, n, i, f1[i],
                             f0[i], d1[i], d0[i]);
        }
}

/* Hand-computed flags, readings 10 s apart (one repeated time), modulus 100 Wh,
 * at most 1000 W (2.78 Wh per 10 s). Repeated to pass through vector lanes. */
static void test_deltas_hand_computed(void **state)
{
    (void)state;
    static const double e[] = {95, 96, 97, 9, 10, 7, NAN, 8, 9, 9.5, 50, 51};
    static const int64_t dt_s[] = {10, 10, 10, 10, 10, 10, 10, 10, 0, 10, 10};
    static const uint8_t want_f[] = {0, 0, DCS_AGG_DELTA_ROLLOVER | DCS_AGG_DELTA_IMPLAUSIBLE, 0,
                                     DCS_AGG_DELTA_RESET, DCS_AGG_DELTA_MISSING, DCS_AGG_DELTA_MISSING,
                                     0, DCS_AGG_DELTA_MISSING, DCS_AGG_DELTA_IMPLAUSIBLE, 0};
    /* 97 -> 9 is 9 + 100 - 97 = 12 Wh in 10 s (4,320 W): a rollover, implausible. */
    static const double want_d[] = {1, 1, NAN, 1, NAN, NAN, NAN, 1, NAN, NAN, 1};
    enum { R = 12, N = 5 * R };
    int64_t t[N];
    double v[N], d[N];
    uint8_t f[N];
    for (size_t i = 0; i < N; i++) {
        v[i] = e[i % R];
        t[i] = i == 0 ? 0 : t[i - 1] + (i % R == 0 ? 10 : dt_s[i % R - 1]) * 1000000000LL;
    }
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    for (size_t k = 0; k < nk; k++) {
        ks[k]->deltas(t, v, N, 100, 1000, d, f);
        for (size_t i = 0; i + 1 < N; i++) {
            size_t j = i % R;
            if (j == R - 1) /* 51 -> 95: +44 Wh in 10 s */
                assert_int_equal(f[i], DCS_AGG_DELTA_IMPLAUSIBLE);
            else if (f[i] != want_f[j] || !(isnan(want_d[j]) ? isnan(d[i]) : fabs(d[i] - want_d[j]) <= 1e-12))
                fail_msg("%s interval %zu: flag %u want %u, delta %g want %g", ks[k]->name, i, f[i],
                         want_f[j], d[i], want_d[j]);
        }
    }
}

/* The grid rollup equals the timestamp rollup given the same samples, bucket by
 * bucket, over a window that starts and ends inside segments. */
static void test_grid_rollup_matches_timestamps(void **state)
{
    (void)state;
    enum { N = 20000 };
    static int64_t t[N];
    static double p[N];
    static dcs_agg_rollup_t a[64], b[64];
    const int64_t t0 = 1795478400LL * 1000000000LL, step = 1000000000LL;
    for (size_t i = 0; i < N; i++) {
        double r = rnd();
        t[i] = t0 + (int64_t)i * step;
        p[i] = r < 0.01 ? NAN : 5e5 + 1e5 * sin((double)i / 300.0);
    }
    int64_t from = t0 + 1234567890123LL, to = t[N - 10] - 333;
    size_t na, nb;
    assert_int_equal(dcs_agg_rollup(t, p, N, from, to, 900 * step, 5 * step, a, &na), 0);
    assert_int_equal(dcs_agg_rollup_grid(t0, step, p, N, from, to, 900 * step, 5 * step, b, &nb), 0);
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++)
        if (a[k].start_ns != b[k].start_ns || a[k].count != b[k].count || a[k].min != b[k].min ||
            a[k].max != b[k].max || fabs(a[k].sum - b[k].sum) > 1e-12 * fabs(a[k].sum) ||
            fabs(a[k].e_wh - b[k].e_wh) > 1e-12 * fabs(a[k].e_wh) ||
            fabs(a[k].covered_s - b[k].covered_s) > 1e-9)
            fail_msg("bucket %zu: %.17g Wh %.17g s vs grid %.17g Wh %.17g s", k, a[k].e_wh,
                     a[k].covered_s, b[k].e_wh, b[k].covered_s);
    assert_int_equal(dcs_agg_rollup_grid(t0, 0, p, N, from, to, 900 * step, 5 * step, b, &nb), DCS_EINVAL);
}

static void test_dispatch_override(void **state)
{
    (void)state;
    assert_non_null(dcs_agg_kernel());
    assert_non_null(dcs_agg_kernel_find("scalar"));
    assert_non_null(dcs_agg_kernel_find("neon")); /* native or through SIMDe */
    assert_null(dcs_agg_kernel_find("altivec"));
}

/* Function f of kernel k, as a pointer to compare with the default's. */
static const void *fn_of(const dcs_agg_kernel_t *k, int f)
{
    const void *p[5] = {(const void *)k->reduce, (const void *)k->trapz, (const void *)k->fused,
                        (const void *)k->grid, (const void *)k->deltas};
    return p[f];
}

/* The calibrated default never runs a function slower than the fastest kernel
 * this process could use (DCSCORE_SIMD's choices), timed again here on the
 * calibration's data: tolerance 1.3x (its 10 % margin, and noise), measured up
 * to three times before it fails. The choice is written to the machine's
 * cache, kernel by kernel as the default uses them. */
static void test_calibration_never_slower(void **state)
{
    (void)state;
    static const char *const names[5] = {"reduce", "trapz", "fused", "grid", "deltas"};
    if (getenv("DCSCORE_SIMD") && dcs_agg_kernel_find(getenv("DCSCORE_SIMD")))
        skip(); /* a kernel chosen by name: nothing calibrated to check */
    const dcs_agg_kernel_t *ks[8], *def = dcs_agg_kernel();
    size_t nk = dcs_agg_kernel_list(ks, 8);
    dcs_agg_cal_data_t *data = dcs_agg_cal_data_new();
    assert_non_null(data);
    for (int f = 0; f < 5; f++) {
        double ratio = INFINITY;
        for (int attempt = 0; attempt < 3 && ratio > 1.3; attempt++) {
            double mine = dcs_agg_time_fn(def, f, data), best = INFINITY;
            for (size_t i = 0; i < nk; i++) {
                double s = dcs_agg_time_fn(ks[i], f, data);
                best = s < best ? s : best;
            }
            ratio = mine / best;
        }
        if (ratio > 1.3)
            fail_msg("%s: the default (%s) takes %.2fx the fastest kernel's time", names[f], def->name, ratio);
    }
    dcs_agg_cal_data_free(data);
    char path[4200], line[300];
    snprintf(path, sizeof path, "%s/simd-1", getenv("DCSCORE_CACHE_DIR"));
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    assert_int_equal(strncmp(line, "cpu ", 4), 0);
    for (int f = 0; f < 5 && fgets(line, sizeof line, fp); f++) {
        line[strcspn(line, "\n")] = '\0';
        const dcs_agg_kernel_t *k = dcs_agg_kernel_find(strchr(line, ' ') + 1);
        assert_non_null(k);
        assert_ptr_equal(fn_of(k, f), fn_of(def, f));
    }
    fclose(fp);
}

int main(void)
{
    setenv("DCSCORE_CACHE_DIR", tu_tmpdir("simd-cache"), 1); /* calibrated afresh */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce_all_kernels),
        cmocka_unit_test(test_reduce_infinities),
        cmocka_unit_test(test_naive_sum_is_wrong_ours_is_not),
        cmocka_unit_test(test_trapz_all_kernels),
        cmocka_unit_test(test_fused_matches_separate_passes),
        cmocka_unit_test(test_power_fast_path_matches_reference),
        cmocka_unit_test(test_grid_all_kernels),
        cmocka_unit_test(test_deltas_all_kernels),
        cmocka_unit_test(test_deltas_hand_computed),
        cmocka_unit_test(test_grid_rollup_matches_timestamps),
        cmocka_unit_test(test_dispatch_override),
        cmocka_unit_test(test_calibration_never_slower),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
