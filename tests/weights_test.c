/* weights_test.c: objective weights and TOPSIS on any number of criteria, by
 * hand: CRITIC, min-max TOPSIS, TOPSIS over 20 criteria whose only difference
 * is in criterion 17 (once silently dropped past 16), and entropy or vector
 * TOPSIS refusing a negative value. Tolerances stated per check. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../engine/base/dcs_base.h"
#include "../engine/index/dcs_index.h"

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.15g, want %.15g (tolerance %g)", what, got, want, tol);
}

/* Four alternatives, criteria 1 and 2 benefits, 3 a cost:
 * A (1, 10, 5), B (2, 30, 4), C (3, 20, 2), D (4, 40, 1). */
static const double x4[12] = {1, 10, 5, 2, 30, 4, 3, 20, 2, 4, 40, 1};
static const int ben3[3] = {1, 1, 0};

/* Min-max columns r1 = (0, 1/3, 2/3, 1), r2 = (0, 2/3, 1/3, 1), r3 = (0, 1/4,
 * 3/4, 1). sigma1 = sigma2 = sqrt(5/36), sigma3 = sqrt(0.15625); rho12 = 0.8,
 * rho13 = 7/sqrt(50), rho23 = 1/sqrt(2). C_j = sigma_j sum_k (1 - rho_jk). 1e-12. */
static void test_critic(void **state)
{
    (void)state;
    double w[3];
    assert_int_equal(dcs_index_critic(x4, 4, 3, ben3, w), 0);
    double s12 = sqrt(5.0 / 36), s3 = sqrt(0.15625), r13 = 7 / sqrt(50), r23 = 1 / sqrt(2);
    double c[3] = {s12 * ((1 - 0.8) + (1 - r13)), s12 * ((1 - 0.8) + (1 - r23)),
                   s3 * ((1 - r13) + (1 - r23))};
    double sum = c[0] + c[1] + c[2];
    for (int j = 0; j < 3; j++)
        near(w[j], c[j] / sum, 1e-12, "CRITIC weight");
    near(w[1], 0.48121694, 1e-8, "CRITIC w2 (numpy)");
    const double flat[6] = {1, 5, 1, 6, 1, 7}; /* column 1 constant: weight 0 */
    const int ben2[2] = {1, 1};
    assert_int_equal(dcs_index_critic(flat, 3, 2, ben2, w), 0);
    near(w[0], 0, 0, "constant column");
    near(w[1], 1, 1e-12, "the informative column");
}

/* Min-max TOPSIS, weights (0.5, 0.3, 0.2): v = w r; ideal best (0.5, 0.3, 0.2)
 * from D, worst 0 from A. B: d+ = sqrt(((1/3 - 1) 0.5)^2 + ((2/3 - 1) 0.3)^2 +
 * ((1/4 - 1) 0.2)^2), d- = sqrt((0.5/3)^2 + (0.2)^2 + (0.05)^2). 1e-12. */
static void test_topsis_minmax(void **state)
{
    (void)state;
    const double w[3] = {0.5, 0.3, 0.2};
    double c[4];
    assert_int_equal(dcs_index_topsis(x4, 4, 3, w, ben3, 1, c), 0);
    double dp = sqrt(pow((1.0 / 3 - 1) * 0.5, 2) + pow((2.0 / 3 - 1) * 0.3, 2) + pow(0.75 * 0.2, 2));
    double dm = sqrt(pow(0.5 / 3, 2) + pow(0.2, 2) + pow(0.05, 2));
    near(c[0], 0, 1e-12, "A is the worst everywhere");
    near(c[1], dm / (dp + dm), 1e-12, "B");
    near(c[2], 0.58839315, 1e-8, "C (numpy)");
    near(c[3], 1, 1e-12, "D is the best everywhere");
}

/* 20 criteria, equal weights; two alternatives equal in all but criterion 17
 * (a benefit: 2 against 1). The better is the ideal (closeness 1), the other
 * the anti-ideal (0), exactly, with either normalisation. */
static void test_topsis_twenty(void **state)
{
    (void)state;
    double x[40], w[20], c[2];
    int ben[20];
    for (int j = 0; j < 20; j++) {
        x[j] = x[20 + j] = 1 + j;
        w[j] = 1.0 / 20;
        ben[j] = j % 2;
    }
    x[16] = 2, x[20 + 16] = 1, ben[16] = 1; /* criterion 17 */
    for (int mm = 0; mm < 2; mm++) {
        assert_int_equal(dcs_index_topsis(x, 2, 20, w, ben, mm, c), 0);
        near(c[0], 1, 0, "better in criterion 17");
        near(c[1], 0, 0, "worse in criterion 17");
    }
}

/* Entropy and vector TOPSIS take non-negative values only: a negative or NaN
 * value is refused (min-max TOPSIS takes negatives, not NaN). */
static void test_refusals(void **state)
{
    (void)state;
    const double neg[4] = {1, 2, -1, 3};
    double w[2] = {0.5, 0.5}, c[2];
    const int ben[2] = {1, 1};
    assert_int_equal(dcs_index_entropy(neg, 2, 2, w), DCS_EINVAL);
    assert_int_equal(dcs_index_topsis(neg, 2, 2, w, ben, 0, c), DCS_EINVAL);
    assert_int_equal(dcs_index_topsis(neg, 2, 2, w, ben, 1, c), 0);
    const double nan[4] = {1, NAN, 2, 3};
    assert_int_equal(dcs_index_entropy(nan, 2, 2, w), DCS_EINVAL);
    assert_int_equal(dcs_index_topsis(nan, 2, 2, w, ben, 1, c), DCS_EINVAL);
    assert_int_equal(dcs_index_critic(nan, 2, 2, ben, w), DCS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_critic),
        cmocka_unit_test(test_topsis_minmax),
        cmocka_unit_test(test_topsis_twenty),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
