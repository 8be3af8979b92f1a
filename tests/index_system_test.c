/* index_system_test.c: index systems as data. The shipped default system
 * reproduces today's composite to 1e-12 (computed here from the anchors and
 * AHP matrix dcscore used before index systems); a two-level hierarchy gives global
 * weights by hand (AHP over three experts by AIJ in one group, fixed in the
 * other); a missing leaf withholds only that entry's composite; a blend of
 * fixed and CRITIC weights; TOPSIS aggregation; the fuller Shanghai example
 * loads; bad files are refused with FILE:LINE. */
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
#include "testutil.h"

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.15g, want %.15g (tolerance %g)", what, got, want, tol);
}

static dcs_index_system_t *load(const char *path)
{
    dcs_index_system_t *s;
    if (dcs_index_system_load(path, &s))
        fail_msg("%s", dcs_index_system_errmsg(s));
    return s;
}

static dcs_index_system_t *shipped(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/engine/index/systems/%s", tu_src(), name);
    return load(path);
}

/* Today's composite, as dcscore defined it before index systems: linear scores
 * between the anchors PUE 1.10..2.00, CUE 40..0, EUE 30..0, weighted by the
 * eigenvector of the AHP matrix [[1, 1/2, 2], [2, 1, 3], [1/2, 1/3, 1]]
 * (0.2970, 0.5396, 0.1634; CR 0.008). */
static double today(const double x[3], double score[3], double w[3])
{
    const double a[9] = {1, 0.5, 2, 2, 1, 3, 0.5, 1.0 / 3, 1};
    const dcs_index_anchor_t an[3] = {{1.10, 2.00}, {40, 0}, {30, 0}};
    double lmax, cr, c = 0;
    assert_int_equal(dcs_index_ahp(a, 3, w, &lmax, &cr), 0);
    for (int k = 0; k < 3; k++)
        c += w[k] * (score[k] = dcs_index_score(x[k], an[k]));
    return c;
}

/* The default system against today's composite for sites inside, at and
 * beyond the anchors: 1e-12; its weights to 1e-4 against the printed ones. */
static void test_default_reproduces_composite(void **state)
{
    (void)state;
    dcs_index_system_t *s = shipped("default.yaml");
    const double x[5][3] = {{1.5, 150, 6.67}, {1.25, 20, 10}, {1.1, 40, 30}, {2.3, 0, 0}, {1.31, 12.5, 17}};
    dcs_index_eval_t e;
    char err[256];
    assert_int_equal(dcs_index_system_eval(s, &x[0][0], 5, &e, err, sizeof err), 0);
    double sc[3], w[3];
    for (int i = 0; i < 5; i++) {
        near(e.composite[i], today(x[i], sc, w), 1e-12, "default system = today's composite");
        for (int k = 0; k < 3; k++)
            near(e.score[i * 3 + k], sc[k], 1e-12, "leaf score = today's score");
    }
    for (int k = 0; k < 3; k++)
        near(e.global_w[k], w[k], 1e-12, "weights");
    near(e.global_w[0], 0.2970, 1e-4, "PUE weight"), near(e.global_w[1], 0.5396, 1e-4, "CUE weight");
    near(e.global_w[2], 0.1634, 1e-4, "EUE weight");
    /* (1.25, 20, 10): scores 83.333, 50, 33.333 -> 0.296961 x 83.333 + 0.539615 x 50
     * + 0.163424 x 33.333 = 57.1750 */
    near(e.composite[1], 57.1750, 1e-3, "by hand");
    assert_string_equal(dcs_index_system_id(s), "dcscore-default");
    assert_int_equal(strlen(dcs_index_system_hash(s)), 64);
    dcs_index_eval_free(&e);
    dcs_index_system_free(s);
}

/* One site on a system: its leaf values come from the scored window (PUE 1.5,
 * CUE 150 TFLOPS/kW, EUE 6.67 yuan/kWh: the METRICS.md worked example), today's
 * composite (1e-12); a system that weighs over a cohort is refused with the
 * node named. */
static void test_site_on_system(void **state)
{
    (void)state;
    dcs_metric_score_t sc = {.pue = 1.5, .coverage = 1};
    dcs_metric_indicators_t ind = {.cue_it_tflops_per_kw = 150, .eue_yuan_per_kwh = 10.0 / 1.5};
    dcs_index_system_t *s = shipped("default.yaml");
    double x[DCS_INDEX_MAX_NODES];
    dcs_index_eval_t e;
    char err[256];
    assert_int_equal(dcs_index_system_site(s, &sc, &ind, -1, x, &e, err, sizeof err), 0);
    const double v[3] = {1.5, 150, 10.0 / 1.5};
    double score[3], w[3];
    near(x[1], 150, 0, "CUE from the window");
    near(e.composite[0], today(v, score, w), 1e-12, "site composite on the default system");
    dcs_index_eval_free(&e);
    dcs_index_system_free(s);
    s = shipped("shanghai-pilot-example.yaml");
    assert_int_equal(dcs_index_system_site(s, &sc, &ind, -1, x, &e, err, sizeof err), DCS_EINVAL);
    assert_non_null(strstr(err, "compute is weighted over a cohort: one site cannot be scored on it"));
    dcs_index_system_free(s);
}

/* Root: fixed 0.6 (group a) / 0.4 (group b). Group a: AHP over three experts
 * who judge a1 over a2 as 2, 4 and 8: AIJ 4, so (0.8, 0.2). Group b: fixed 1:1.
 * Global weights a1 0.48, a2 0.12, b1 0.2, b2 0.2. Leaves linear on 0..100 (b2
 * a cost, best 0). Entry 1 (50, 100, 20, 40): composite 0.48 x 50 + 0.12 x 100
 * + 0.2 x 20 + 0.2 x 60 = 52. Entry 2 lacks b1: no composite, b1 named. */
static const char *two_level =
    "index_system: {id: two, version: '1', source: test, weights: {method: fixed}}\n"
    "nodes:\n"
    "  - {id: a, weight: 0.6, weights: {method: ahp, experts: [{name: X, upper: [2]},\n"
    "     {name: Y, upper: [4]}, {name: Z, matrix: [1, 8, 0.125, 1]}]}}\n"
    "  - {id: a1, parent: a, indicator: q1, unit: '1', direction: benefit,\n"
    "     normalise: {method: linear, best: 100, worst: 0}}\n"
    "  - {id: a2, parent: a, indicator: q2, unit: '1', direction: benefit,\n"
    "     normalise: {method: linear, best: 100, worst: 0}}\n"
    "  - {id: b, weight: 0.4, weights: {method: fixed}}\n"
    "  - {id: b1, parent: b, weight: 1, indicator: q3, unit: '1', direction: benefit,\n"
    "     normalise: {method: linear, best: 100, worst: 0}}\n"
    "  - {id: b2, parent: b, weight: 1, indicator: q4, unit: '1', direction: cost,\n"
    "     normalise: {method: linear, best: 0, worst: 100}}\n";

static void test_two_levels_by_hand(void **state)
{
    (void)state;
    dcs_index_system_t *s = load(tu_write(tu_tmpdir("system2"), "two.yaml", two_level));
    const double x[8] = {50, 100, 20, 40, 50, 100, NAN, 40};
    dcs_index_eval_t e;
    char err[256];
    assert_int_equal(dcs_index_system_eval(s, x, 2, &e, err, sizeof err), 0);
    const double g[4] = {0.48, 0.12, 0.2, 0.2};
    for (int k = 0; k < 4; k++)
        near(e.global_w[k], g[k], 1e-12, "global weight");
    near(e.composite[0], 52, 1e-12, "composite by hand");
    near(e.contribution[3], 0.2 * 60, 1e-12, "b2's contribution");
    assert_true(isnan(e.composite[1]));
    assert_string_equal(e.missing[1], "b1");
    size_t n;
    const dcs_index_node_t *nd = dcs_index_system_nodes(s, &n);
    assert_int_equal(nd[0].nexperts, 3);
    near(nd[0].expert_result[1].w[0], 0.8, 1e-12, "expert Y alone: 4 -> 0.8");
    near(nd[0].ahp_result.w[0], 0.8, 1e-12, "AIJ of 2, 4, 8");
    near(nd[0].global_w, 0.6, 1e-12, "group a");
    dcs_index_eval_free(&e);
    dcs_index_system_free(s);
}

/* Compute group of the Shanghai example: 0.6 x fixed (0.6, 0.4) + 0.4 x CRITIC
 * of the two leaves' score columns (computed here through dcs_index_critic).
 * All groups' local weights sum to 1, the leaves' global weights too. */
static void test_blend_and_example(void **state)
{
    (void)state;
    dcs_index_system_t *s = shipped("shanghai-pilot-example.yaml");
    const size_t *leaf;
    size_t L = dcs_index_system_leaves(s, &leaf), n;
    assert_int_equal(L, 10);
    /* leaves: pue wue cue util eue ref carbon erf occupancy coverage */
    const double x[30] = {1.25, 1.0, 30, 60, 12, 0.3, 0.7, 0.05, 0.8, 0.99,
                          1.40, 1.6, 15, 85, 20, 0.1, 0.8, 0.00, 0.6, 0.97,
                          1.20, 0.5, 35, 40, 8, 0.4, 0.6, 0.10, 0.7, 1.00};
    dcs_index_eval_t e;
    char err[256];
    if (dcs_index_system_eval(s, x, 3, &e, err, sizeof err))
        fail_msg("%s", err);
    double cols[6], w[2];
    const int ben[2] = {1, 1};
    for (int i = 0; i < 3; i++)
        cols[i * 2] = e.score[i * 10 + 2], cols[i * 2 + 1] = e.score[i * 10 + 3];
    assert_int_equal(dcs_index_critic(cols, 3, 2, ben, w), 0);
    const dcs_index_node_t *nd = dcs_index_system_nodes(s, &n);
    near(nd[leaf[2]].local_w, 0.6 * 0.6 + 0.4 * w[0], 1e-12, "blend: cue");
    near(nd[leaf[3]].local_w, 0.6 * 0.4 + 0.4 * w[1], 1e-12, "blend: util");
    /* util: target 70 +- 70: 60 -> 85.714..., 85 -> 78.571..., 40 -> 57.142... */
    near(e.score[3], 100 * (1 - 10.0 / 70), 1e-12, "target normalisation");
    double sum = 0;
    for (size_t k = 0; k < L; k++)
        sum += e.global_w[k];
    near(sum, 1, 1e-12, "global weights sum to 1");
    near(dcs_index_system_root(s)->ahp_result.w[1], 0.36375034, 1e-7, "root AIJ (numpy)");
    dcs_index_eval_free(&e);
    dcs_index_system_free(s);
}

/* TOPSIS aggregation with min-max normalisation: the composite is 100 x the
 * closeness dcs_index_topsis gives with the global weights. */
static void test_topsis_aggregation(void **state)
{
    (void)state;
    const char *topsis = "index_system: {id: t, version: '1', source: test, aggregation: topsis,\n"
                         "               topsis_normalisation: minmax, weights: {method: fixed}}\n"
                         "nodes:\n"
                         "  - {id: p, weight: 1, indicator: pue, normalise: {method: minmax}}\n"
                         "  - {id: c, weight: 3, indicator: compute_eff_it, normalise: {method: minmax}}\n";
    dcs_index_system_t *s = load(tu_write(tu_tmpdir("system-topsis"), "t.yaml", topsis));
    const double x[6] = {1.2, 20, 1.5, 30, 1.3, 10};
    dcs_index_eval_t e;
    char err[256];
    assert_int_equal(dcs_index_system_eval(s, x, 3, &e, err, sizeof err), 0);
    double cl[3];
    const double w[2] = {0.25, 0.75};
    const int ben[2] = {0, 1};
    assert_int_equal(dcs_index_topsis(x, 3, 2, w, ben, 1, cl), 0);
    for (int i = 0; i < 3; i++)
        near(e.composite[i], 100 * cl[i], 1e-12, "TOPSIS composite");
    near(e.score[0], 100 * (1.5 - 1.2) / 0.3, 1e-12, "min-max score of a cost");
    dcs_index_eval_free(&e);
    dcs_index_system_free(s);
}

/* Refused with the file, the line and what is wrong. */
static void test_bad_files(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("system-bad");
    const struct { const char *text, *want; } bad[] = {
        {"index_system: {id: b, version: '1', source: t, weights: {method: ahp, upper: [2, 3]}}\n"
         "nodes:\n  - {id: p, indicator: pue, normalise: {method: minmax}}\n"
         "  - {id: c, indicator: compute_eff_it, normalise: {method: minmax}}\n",
         "index_system.weights: AHP needs a 2 x 2 matrix (4 entries) or its upper triangle (1 entries)"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: magic}}\n"
         "nodes:\n  - {id: p, indicator: pue, normalise: {method: minmax}}\n",
         "weights.method 'magic' is not fixed, ahp, entropy, critic or blend"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: entropy}}\n"
         "nodes:\n\n  - {id: p, indicator: pue, normalise: {method: vector}}\n",
         "b.yaml:4: p: vector normalisation is for TOPSIS"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: entropy}}\n"
         "nodes:\n  - {id: p, parent: nowhere, indicator: pue, normalise: {method: minmax}}\n",
         "b.yaml:3: p: parent 'nowhere' is not a group listed above it"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: entropy}}\n"
         "nodes:\n  - {id: z, indicator: my_kpi, normalise: {method: minmax}}\n",
         "b.yaml:3: z: indicator 'my_kpi' is not in the catalogue: give its unit and direction"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: entropy}}\n"
         "nodes:\n  - {id: p, indicator: pue, direction: benefit, normalise: {method: minmax}}\n",
         "b.yaml:3: p: pue is a cost in the catalogue; direction benefit would score it upside down"},
        {"index_system: {id: b, version: '1', source: t, weights: {method: ahp, matrix: [1, 9, 0.2, 1]}}\n"
         "nodes:\n  - {id: p, indicator: pue, normalise: {method: minmax}}\n"
         "  - {id: c, indicator: compute_eff_it, normalise: {method: minmax}}\n",
         "entries (1,2) = 9 and (2,1) = 0.2 are not reciprocal to 2 decimals"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dcs_index_system_t *s;
        const char *path = tu_write(dir, "b.yaml", bad[i].text);
        assert_int_equal(dcs_index_system_load(path, &s), DCS_ECONFIG);
        if (!strstr(dcs_index_system_errmsg(s), bad[i].want))
            fail_msg("case %zu: %s", i, dcs_index_system_errmsg(s));
        dcs_index_system_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_reproduces_composite),
        cmocka_unit_test(test_two_levels_by_hand),
        cmocka_unit_test(test_site_on_system),
        cmocka_unit_test(test_blend_and_example),
        cmocka_unit_test(test_topsis_aggregation),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
