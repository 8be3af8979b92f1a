/* aggregate_test.c: energy integration and counters against hand-computed
 * answers (derivations in the comments). Tolerance: 1e-12 relative, i.e. only
 * rounding; these sums are short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "../engine/aggregate/dcs_aggregate.h"
#include "../engine/base/dcs_base.h"

#define S(x) ((int64_t)((x) * 1e9)) /* seconds -> ns */
#define WH(j) ((j) / 3600.0)        /* joules -> Wh */

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want))))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static void test_trapezoid_buckets_and_nan(void **state)
{
    (void)state;
    /* t 0,10,20,30 s; P 100,200,200,NaN W; window [0,30), 15 s buckets, gap 15 s.
     * [0,10]: mean 150 W x 10 s = 1500 J. [10,20]: 200 W x 10 s = 2000 J, split
     * 1000 J into bucket 0 ([10,15]) and 1000 J into bucket 1. [20,30]: NaN end,
     * missing. Bucket 0: 2500 J over 15 s; bucket 1: 1000 J over 5 s. */
    int64_t t[] = {S(0), S(10), S(20), S(30)};
    double p[] = {100, 200, 200, NAN};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(30), S(15)), 0);
    assert_int_equal(b.n, 2);
    dcs_agg_power(t, p, 4, S(15), &b);
    near(b.e_wh[0], WH(2500), "bucket 0 energy");
    near(b.e_wh[1], WH(1000), "bucket 1 energy");
    near(b.covered_s[0], 15, "bucket 0 coverage");
    near(b.covered_s[1], 5, "bucket 1 coverage");
    near(dcs_agg_buckets_total_wh(&b), WH(3500), "total");
    dcs_agg_buckets_free(&b);
}

static void test_trapezoid_interpolates_inside_segment(void **state)
{
    (void)state;
    /* P rises linearly 0 -> 100 W over [0,10] s: P(t) = 10 t. Buckets of 4 s:
     * [0,4]: 5*16 = 80 J; [4,8]: 5*(64-16) = 240 J; [8,10]: 5*(100-64) = 180 J. */
    int64_t t[] = {S(0), S(10)};
    double p[] = {0, 100};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(10), S(4)), 0);
    assert_int_equal(b.n, 3);
    dcs_agg_power(t, p, 2, S(60), &b);
    near(b.e_wh[0], WH(80), "[0,4]");
    near(b.e_wh[1], WH(240), "[4,8]");
    near(b.e_wh[2], WH(180), "[8,10]");
    dcs_agg_buckets_free(&b);
}

static void test_gap_is_missing_not_interpolated(void **state)
{
    (void)state;
    /* t 0,10,100 s at 100 W, gap limit 30 s: [0,10] counts (1000 J, 10 s);
     * the 90 s gap adds nothing. */
    int64_t t[] = {S(0), S(10), S(100)};
    double p[] = {100, 100, 100};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(100), S(100)), 0);
    dcs_agg_power(t, p, 3, S(30), &b);
    near(dcs_agg_buckets_total_wh(&b), WH(1000), "energy");
    near(dcs_agg_buckets_covered_s(&b), 10, "coverage");
    dcs_agg_buckets_free(&b);
}

static void test_window_clips_segments(void **state)
{
    (void)state;
    /* Samples at -5 s and +5 s (100 W), window [0,10): only [0,5] counts, 500 J. */
    int64_t t[] = {S(-5), S(5)};
    double p[] = {100, 100};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(10), S(3600)), 0);
    dcs_agg_power(t, p, 2, S(30), &b);
    near(dcs_agg_buckets_total_wh(&b), WH(500), "clipped energy");
    near(dcs_agg_buckets_covered_s(&b), 5, "clipped coverage");
    assert_int_equal(b.t0_ns, 0); /* aligned down to the hour */
    dcs_agg_buckets_free(&b);
    assert_int_not_equal(dcs_agg_buckets_init(&b, S(10), S(10), S(1)), 0);
}

typedef struct {
    double c[5];
    size_t n;
    double modulus_wh, max_w;
    double want_wh;
    size_t rollovers, resets, implausible;
    const char *why;
} counter_case_t;

static const counter_case_t ccases[] = {
    /* Readings 10 s apart. 0,10,20 then 5: reset (no modulus) dropped; 5->15 kept:
     * 10+10+10 = 30 Wh. */
    {{0, 10, 20, 5, 15}, 5, 0, 0, 30, 0, 1, 0, "reset without modulus"},
    /* modulus 100: 95->98 = 3, 98->3 = 3+100-98 = 5 (rollover), 3->6 = 3: 11 Wh. */
    {{95, 98, 3, 6}, 4, 100, 0, 11, 1, 0, 0, "rollover near the top"},
    /* modulus 100: 50->60 = 10; 60->10 with 60 < 0.9*100: reset, dropped. */
    {{50, 60, 10}, 3, 100, 0, 10, 0, 1, 0, "drop far from the top is a reset"},
    /* max 1000 W over 10 s allows 2.78 Wh; 0->10 Wh implies 3.6 kW: dropped;
     * 10->12 = 2 Wh kept. */
    {{0, 10, 12}, 3, 0, 1000, 2, 0, 0, 1, "implausible jump"},
    /* NaN readings are skipped: delta taken between finite neighbours 1 and 4. */
    {{1, NAN, 4}, 3, 0, 0, 3, 0, 0, 0, "NaN in the middle"},
};

static void test_counter_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ccases / sizeof ccases[0]; i++) {
        const counter_case_t *c = &ccases[i];
        int64_t t[5];
        for (size_t k = 0; k < c->n; k++)
            t[k] = S(10.0 * (double)k);
        dcs_agg_buckets_t b;
        dcs_agg_counter_stats_t st;
        assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(100), S(3600)), 0);
        dcs_agg_counter(t, c->c, c->n, c->modulus_wh, c->max_w, &b, &st);
        double got = dcs_agg_buckets_total_wh(&b);
        if (fabs(got - c->want_wh) > 1e-12 || st.rollovers != c->rollovers ||
            st.resets != c->resets || st.implausible != c->implausible)
            fail_msg("case %zu (%s): %.17g Wh, %zu rollovers, %zu resets, %zu implausible",
                     i, c->why, got, st.rollovers, st.resets, st.implausible);
        dcs_agg_buckets_free(&b);
    }
}

static void test_counter_spreads_over_buckets(void **state)
{
    (void)state;
    /* 0 -> 30 Wh over [0,30] s is 3600 W average; 10 s buckets get 10 Wh each. */
    int64_t t[] = {S(0), S(30)};
    double c[] = {0, 30};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(30), S(10)), 0);
    dcs_agg_counter(t, c, 2, 0, 0, &b, NULL);
    for (size_t k = 0; k < 3; k++)
        near(b.e_wh[k], 10, "spread");
    dcs_agg_buckets_free(&b);
}

static void test_stats_compensated(void **state)
{
    (void)state;
    /* 1 + 1e100 + 1 - 1e100: exactly 2. A naive left-to-right double sum gives 0. */
    double v[] = {1.0, 1e100, 1.0, -1e100, NAN};
    volatile double naive = 0;
    for (int i = 0; i < 4; i++)
        naive += v[i];
    assert_true(naive == 0.0); /* the trap is real */
    dcs_agg_stats_t st;
    dcs_agg_stats(v, 5, &st);
    assert_true(st.sum == 2.0);
    assert_int_equal(st.count, 4);
    assert_true(st.min == -1e100 && st.max == 1e100);
    double none[] = {NAN, NAN};
    dcs_agg_stats(none, 2, &st);
    assert_int_equal(st.count, 0);
    assert_true(isnan(st.min) && isnan(st.max) && st.sum == 0);
}

/* t 0..40 s every 10 s, P 100,200,NaN,300,300; 20 s buckets over [0,40):
 * bucket 0 [0,20): samples 100,200 -> count 2, sum 300, min 100, max 200;
 *   energy: [0,10] 1500 J, [10,20] has a NaN end: missing -> 1500 J, 10 s.
 * bucket 1 [20,40): samples NaN,300 -> count 1, sum 300; segments [20,30]
 *   (NaN start) missing, [30,40] 300 W x 10 s = 3000 J, 10 s. */
static const double rollup_p[] = {100, 200, NAN, 300, 300};

static void check_rollup_answers(const dcs_agg_rollup_t *r, size_t n)
{
    assert_int_equal(n, 2);
    assert_int_equal(r[0].count, 2);
    near(r[0].sum, 300, "sum 0");
    assert_true(r[0].min == 100 && r[0].max == 200);
    near(r[0].e_wh, WH(1500), "energy 0");
    near(r[0].covered_s, 10, "coverage 0");
    assert_int_equal(r[1].count, 1);
    near(r[1].sum, 300, "sum 1");
    near(r[1].e_wh, WH(3000), "energy 1");
    near(r[1].covered_s, 10, "coverage 1");
    assert_true(r[1].start_ns == S(20));
}

static void test_rollup(void **state)
{
    (void)state;
    int64_t t[] = {S(0), S(10), S(20), S(30), S(40)};
    dcs_agg_rollup_t r[4];
    size_t n;
    assert_int_equal(dcs_agg_rollup(t, rollup_p, 5, S(0), S(40), S(20), S(15), r, &n), 0);
    check_rollup_answers(r, n);
}

static void test_rollup_grid(void **state)
{
    (void)state;
    /* The same samples on a 10 s grid from t0 = 0: the same answers. */
    const double *p = rollup_p;
    dcs_agg_rollup_t r[4];
    size_t n;
    assert_int_equal(dcs_agg_rollup_grid(S(0), S(10), p, 5, S(0), S(40), S(20), S(15), r, &n), 0);
    check_rollup_answers(r, n);
    /* A 20 s step over a 15 s gap limit: statistics, but no segment counts. */
    assert_int_equal(dcs_agg_rollup_grid(S(0), S(20), p, 3, S(0), S(40), S(20), S(15), r, &n), 0);
    assert_int_equal(r[0].count, 1);
    near(r[0].e_wh, 0, "no energy over a gap");
    near(r[0].covered_s, 0, "no coverage over a gap");
}

static void test_overflowing_segment_is_missing(void **state)
{
    (void)state;
    /* t 0,1,2,3 s; P 1e300, 1e300, 100, 100 W. (1e300 + 1e300) x 1e9 ns and
     * (1e300 + 100) x 1e9 ns overflow: those segments are missing, not infinite.
     * [2,3]: 100 W x 1 s = 100 J over 1 s. */
    int64_t t[] = {S(0), S(1), S(2), S(3)};
    double p[] = {1e300, 1e300, 100, 100};
    dcs_agg_buckets_t b;
    assert_int_equal(dcs_agg_buckets_init(&b, S(0), S(4), S(4)), 0);
    dcs_agg_power(t, p, 4, S(5), &b);
    near(b.e_wh[0], WH(100), "energy");
    near(b.covered_s[0], 1, "coverage");
    dcs_agg_buckets_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trapezoid_buckets_and_nan),
        cmocka_unit_test(test_trapezoid_interpolates_inside_segment),
        cmocka_unit_test(test_gap_is_missing_not_interpolated),
        cmocka_unit_test(test_window_clips_segments),
        cmocka_unit_test(test_counter_cases),
        cmocka_unit_test(test_counter_spreads_over_buckets),
        cmocka_unit_test(test_stats_compensated),
        cmocka_unit_test(test_rollup),
        cmocka_unit_test(test_rollup_grid),
        cmocka_unit_test(test_overflowing_segment_is_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
