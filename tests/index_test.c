/* index_test.c: scores, verdicts at the exact thresholds, AHP on a published
 * example, entropy weights (m = 1, constant column, zeros), TOPSIS on a
 * hand-computed example, ranking with a seeded Monte-Carlo and weight
 * sensitivity, and cohort files (inline, CSV, sites scored from their stores)
 * ranked on an index system. Tolerances are stated per check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../engine/base/dcs_base.h"
#include "../engine/index/dcs_index.h"
#include "../engine/store/dcs_store.h"
#include "testutil.h"

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.10g, want %.10g (tolerance %g)", what, got, want, tol);
}

static dcs_index_policy_t *policy(void)
{
    char path[1024];
    dcs_index_policy_t *p;
    snprintf(path, sizeof path, "%s/engine/index/policy.yaml", tu_src());
    if (dcs_index_policy_load(path, &p))
        fail_msg("%s", dcs_index_policy_errmsg(p));
    return p;
}

static void test_scores(void **state)
{
    (void)state;
    dcs_index_anchor_t pue = {.best = 1.10, .worst = 2.00}, cue = {.best = 40, .worst = 0};
    near(dcs_index_score(1.10, pue), 100, 1e-12, "PUE at best");
    near(dcs_index_score(2.00, pue), 0, 1e-12, "PUE at worst");
    near(dcs_index_score(1.55, pue), 50, 1e-12, "PUE midway: (1.55-2.00)/(1.10-2.00) = 0.5");
    near(dcs_index_score(1.00, pue), 100, 1e-12, "clamped above");
    near(dcs_index_score(2.50, pue), 0, 1e-12, "clamped below");
    near(dcs_index_score(10, cue), 25, 1e-12, "CUE 10 of 40");
    assert_true(isnan(dcs_index_score(NAN, cue)));
}

static void test_grades_and_rules_at_thresholds(void **state)
{
    (void)state;
    dcs_index_policy_t *p = policy();
    assert_string_equal(dcs_index_grade(p, 1.20), "GB 40879 grade 1");       /* inclusive */
    assert_string_equal(dcs_index_grade(p, 1.2000001), "GB 40879 grade 2");
    assert_string_equal(dcs_index_grade(p, 1.30), "GB 40879 grade 2");
    assert_string_equal(dcs_index_grade(p, 1.50), "GB 40879 grade 3 (limit value)");
    assert_string_equal(dcs_index_grade(p, 1.5000001), "exceeds the GB 40879 limit value");
    assert_string_equal(dcs_index_grade(p, NAN), "no PUE");
    const dcs_index_rule_t *rules;
    size_t n = dcs_index_policy_rules(p, &rules);
    assert_int_equal(n, 4);
    const dcs_index_rule_t *qingpu = &rules[2], *retrofit = &rules[3];
    assert_string_equal(qingpu->id, "qingpu-hub");
    assert_true(dcs_index_rule_met(&rules[0], 1.25, -1));       /* <= 1.25 passes */
    assert_false(dcs_index_rule_met(&rules[0], 1.2500001, -1));
    assert_true(dcs_index_rule_met(qingpu, 1.25, 0.65));         /* both limits inclusive */
    assert_false(dcs_index_rule_met(qingpu, 1.25, 0.6499));
    assert_false(dcs_index_rule_met(qingpu, 1.20, -1));          /* occupancy unknown */
    assert_true(dcs_index_rule_met(retrofit, 1.70, -1));
    assert_false(dcs_index_rule_met(retrofit, 1.7001, -1));
    near(dcs_index_policy_fp32eq(p, 0), 2.0, 0, "fp64 factor");
    dcs_index_policy_free(p);
}

static void test_ahp_published_example(void **state)
{
    (void)state;
    /* Saaty-style 3x3 example found in AHP tutorials: weights 0.637, 0.258, 0.105,
     * lambda_max 3.0385, CI 0.0193, CR 0.033 (RI(3) = 0.58). */
    double a[9] = {1, 3, 5, 1.0 / 3, 1, 3, 1.0 / 5, 1.0 / 3, 1};
    double w[3], lmax, cr;
    assert_int_equal(dcs_index_ahp(a, 3, w, &lmax, &cr), 0);
    near(w[0], 0.6370, 5e-4, "w1");
    near(w[1], 0.2583, 5e-4, "w2");
    near(w[2], 0.1047, 5e-4, "w3");
    near(lmax, 3.0385, 5e-4, "lambda_max");
    near(cr, 0.0332, 5e-4, "CR");
    /* Inconsistent: A > B (9), B > C (9), but C > A (9): CR far above 0.10. */
    double bad[9] = {1, 9, 1.0 / 9, 1.0 / 9, 1, 9, 9, 1.0 / 9, 1};
    assert_int_equal(dcs_index_ahp(bad, 3, w, &lmax, &cr), DCS_ECONFIG);
    assert_true(cr >= 0.10);
    double notrecip[9] = {1, 3, 5, 3, 1, 3, 1.0 / 5, 1.0 / 3, 1};
    assert_int_equal(dcs_index_ahp(notrecip, 3, w, &lmax, &cr), DCS_EINVAL);
}

static void test_entropy(void **state)
{
    (void)state;
    /* Column A 10,20,30: p = 1/6,1/3,1/2, e = 1.011404/ln 3 = 0.920620.
     * Column B constant: e = 1. Column C 0,0,10: p = 0,0,1, e = 0.
     * w = (1-e)/sum: A 0.079380/1.079380 = 0.073542, B 0, C 0.926458. */
    double x[9] = {10, 5, 0, 20, 5, 0, 30, 5, 10};
    double w[3];
    assert_int_equal(dcs_index_entropy(x, 3, 3, w), 0);
    near(w[0], 0.0735424, 1e-6, "entropy A");
    near(w[1], 0.0, 1e-12, "entropy B (constant column)");
    near(w[2], 0.9264576, 1e-6, "entropy C (zeros)");
    assert_int_equal(dcs_index_entropy(x, 1, 3, w), 0); /* one site: no information, equal weights */
    near(w[0], 1.0 / 3, 1e-12, "m = 1");
    double flat[6] = {5, 5, 5, 5, 5, 5};
    assert_int_equal(dcs_index_entropy(flat, 2, 3, w), 0); /* all constant: equal */
    near(w[2], 1.0 / 3, 1e-12, "all constant");
}

static void test_topsis(void **state)
{
    (void)state;
    /* Criteria: B benefit, C cost; weights 0.5/0.5. X = (1,1), (2,2), (3,1).
     * Norms sqrt 14, sqrt 6; weighted: B .133631 .267261 .400892, C .204124 .408248 .204124.
     * Ideal best (.400892, .204124), worst (.133631, .408248).
     * A1: d+ .267261, d- .204124 -> .433030; A2: d+ .243975, d- .133631 -> .353889;
     * A3: d+ 0 -> 1. */
    double x[6] = {1, 1, 2, 2, 3, 1}, w[2] = {0.5, 0.5}, c[3];
    int ben[2] = {1, 0};
    assert_int_equal(dcs_index_topsis(x, 3, 2, w, ben, 0, c), 0);
    near(c[0], 0.433030, 1e-6, "A1");
    near(c[1], 0.353889, 1e-6, "A2");
    near(c[2], 1.0, 1e-12, "A3");
}

/* Fixed weights 1 : 1 : 2 over PUE, CUE and EUE with the default anchors. */
static dcs_index_system_t *fixed_system(void)
{
    const char *dir = tu_tmpdir("fixed-system");
    const char *path = tu_write(dir, "fixed.yaml",
        "index_system: {id: fixed3, version: '1', source: test, weights: {method: fixed}}\n"
        "nodes:\n"
        "  - {id: pue, weight: 1, indicator: pue, normalise: {method: linear, best: 1.10, worst: 2.00}}\n"
        "  - {id: cue, weight: 1, indicator: compute_eff_it, normalise: {method: linear, best: 40, worst: 0}}\n"
        "  - {id: eue, weight: 2, indicator: econ_output, normalise: {method: linear, best: 30, worst: 0}}\n");
    dcs_index_system_t *s;
    if (dcs_index_system_load(path, &s))
        fail_msg("%s", dcs_index_system_errmsg(s));
    return s;
}

static double cohort_x[4][3] = {{1.20, 20, 10}, {1.35, 30, 12}, {1.50, 10, 5}, {1.25, 25, 11}};
static double cohort_u[4][3] = {{NAN, 5, 2}, {NAN, 5, 2}, {NAN, 5, 2}, {NAN, 5, 2}};

static void cohort(dcs_index_sentry_t e[4])
{
    const char *id[4] = {"a", "b", "c", "d"}, *region[4] = {"qingpu", "lingang", "qingpu", "lingang"};
    const double cov[4] = {0.99, 0.98, 0.97, 0.50}; /* d: low coverage */
    for (int i = 0; i < 4; i++)
        e[i] = (dcs_index_sentry_t){.id = id[i], .name = id[i], .region = region[i], .x = cohort_x[i],
                                    .u_pct = cohort_u[i], .coverage = cov[i], .meter_class_pct = 0.5};
}

static unsigned progress_calls, progress_last;
static void count_progress(void *ctx, unsigned done, unsigned total)
{
    (void)ctx;
    progress_calls++;
    progress_last = done == total ? done : 0;
}

static void test_rank_fixed_and_monte_carlo(void **state)
{
    (void)state;
    dcs_index_system_t *sys = fixed_system();
    dcs_index_sentry_t e[4];
    cohort(e);
    dcs_index_sopts_t o = {.min_coverage = 0.9, .weight_sd = 0.1, .draws = 500, .seed = 7,
                           .progress = count_progress};
    dcs_index_sranking_t r1, r2, r3;
    char err[256];
    assert_int_equal(dcs_index_srank(sys, e, 4, &o, &r1, err, sizeof err), 0);
    assert_int_equal(progress_calls, 5); /* every 100 of 500 draws */
    assert_int_equal(progress_last, 500);
    o.progress = NULL;
    /* Weights 0.25, 0.25, 0.5. Scores: A PUE (1.2-2)/(1.1-2) = 88.888.., CUE 50,
     * EUE 33.333..: 0.25*88.889 + 0.25*50 + 0.5*33.333 = 51.3889.
     * B: PUE 72.222.., CUE 75, EUE 40: 18.0556 + 18.75 + 20 = 56.8056.
     * C: PUE 55.556, CUE 25, EUE 16.667: 13.889 + 6.25 + 8.333 = 28.4722. */
    near(r1.r[0].composite, 51.388889, 1e-5, "A");
    near(r1.r[1].composite, 56.805556, 1e-5, "B");
    near(r1.r[2].composite, 28.472222, 1e-5, "C");
    assert_int_equal(r1.r[1].rank, 1);
    assert_int_equal(r1.r[0].rank, 2);
    assert_int_equal(r1.r[2].rank, 3);
    near(r1.r[0].gap_above, 56.805556 - 51.388889, 1e-5, "A behind B");
    assert_int_equal(r1.r[0].above, 1);
    assert_false(r1.r[3].ranked);
    assert_string_equal(r1.r[3].why_not, "coverage 50 % below the cohort's 90 %");
    assert_int_equal(r1.nranked, 3);
    double psum = 0;
    for (size_t k = 0; k < 3; k++)
        psum += r1.r[1].p_rank[k];
    near(psum, 1.0, 1e-9, "P(rank) sums to 1");
    assert_true(r1.r[1].ci90_lo <= r1.r[1].composite && r1.r[1].composite <= r1.r[1].ci90_hi);
    /* Same seed: identical; another seed: different draws. */
    assert_int_equal(dcs_index_srank(sys, e, 4, &o, &r2, err, sizeof err), 0);
    assert_true(memcmp(r1.r[0].p_rank, r2.r[0].p_rank, 3 * sizeof(double)) == 0);
    assert_true(r1.r[0].ci90_lo == r2.r[0].ci90_lo && r1.r[2].ci90_hi == r2.r[2].ci90_hi);
    o.seed = 8;
    assert_int_equal(dcs_index_srank(sys, e, 4, &o, &r3, err, sizeof err), 0);
    assert_true(r1.r[0].ci90_lo != r3.r[0].ci90_lo);
    /* Sensitivity, delta 1.0 (a weight doubled, or set to 0), from w = 0.25/0.25/0.5:
     * CUE weight 0 -> 1/3, 0, 2/3: A 88.889/3 + 33.333*2/3 = 51.85, B 24.07 + 26.67
     * = 50.74, C 29.63: A first, B second. EUE weight doubled -> 1/6, 1/6, 2/3:
     * A 14.81 + 8.33 + 22.22 = 45.37, B 12.04 + 12.50 + 26.67 = 51.20: B first.
     * ranks[(2 * node + k) * 4 + entry], nodes pue 0, cue 1, eue 2; k 0 up, 1 down. */
    int sens[6 * 4];
    assert_int_equal(dcs_index_ssensitivity(sys, e, 4, &r1, 1.0, sens), 0);
    assert_int_equal(sens[(2 * 1 + 1) * 4 + 0], 1); /* A first without CUE */
    assert_int_equal(sens[(2 * 1 + 1) * 4 + 1], 2);
    assert_int_equal(sens[(2 * 2 + 0) * 4 + 1], 1); /* B first with EUE doubled */
    assert_int_equal(sens[(2 * 0 + 0) * 4 + 3], 0); /* D is never ranked */
    dcs_index_sranking_free(&r1);
    dcs_index_sranking_free(&r2);
    dcs_index_sranking_free(&r3);
    dcs_index_system_free(sys);
}

static dcs_index_system_t *default_system(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/engine/index/systems/default.yaml", tu_src());
    dcs_index_system_t *s;
    if (dcs_index_system_load(path, &s))
        fail_msg("%s", dcs_index_system_errmsg(s));
    return s;
}

/* A cohort YAML's entries ranked on system sys with its options. */
static void rank_cohort(const dcs_index_cohort_t *c, dcs_index_system_t *sys, dcs_index_scohort_t **sc,
                        dcs_index_sranking_t *r)
{
    size_t n, sn;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
    assert_int_equal(dcs_index_scohort_from_entries(e, n, sys, sc), 0);
    const dcs_index_sentry_t *se = dcs_index_scohort_entries(*sc, &sn);
    dcs_index_sopts_t o = {.min_coverage = 0.9, .draws = 0, .weight_sd = 0.1};
    dcs_index_cohort_sopts(c, &o);
    char err[256];
    if (dcs_index_srank(sys, se, sn, &o, r, err, sizeof err))
        fail_msg("%s", err);
}

static void test_cohort_files(void **state)
{
    (void)state;
    char path[1024];
    dcs_index_policy_t *p = policy();
    dcs_index_cohort_t *c;
    snprintf(path, sizeof path, "%s/fixtures/cohort/pilot-2026q4.yaml", tu_src());
    assert_int_equal(dcs_index_cohort_load(path, p, &c), 0);
    assert_null(dcs_index_cohort_system(c));
    size_t n;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
    assert_int_equal(n, 14); /* 8 inline + 6 from the CSV */
    assert_string_equal(e[8].id, "lg-03");
    assert_string_equal(e[11].name, "Lingang AI L 临港智算L"); /* quoted CSV field */
    near(e[9].u_cue_pct, 8, 0, "stated CUE uncertainty");
    dcs_index_system_t *sys = default_system();
    dcs_index_scohort_t *sc;
    dcs_index_sranking_t r;
    rank_cohort(c, sys, &sc, &r);
    size_t sn;
    const dcs_index_sentry_t *se = dcs_index_scohort_entries(sc, &sn);
    near(se[9].u_pct[1], 8, 0, "CUE leaf's uncertainty from u_cue_pct");
    near(se[9].meter_class_pct, 0.5, 0, "meter class");
    assert_int_equal(r.nranked, 13);
    assert_false(r.r[13].ranked); /* qp-07, coverage 0.62 */
    dcs_index_sranking_free(&r);
    dcs_index_scohort_free(sc);
    dcs_index_cohort_free(c);

    /* Bad CSVs: a missing column, a bad number (with its line). */
    const char *dir = tu_tmpdir("cohort");
    tu_write(dir, "c.yaml", "cohort: {name: t, csv: v.csv}\n");
    tu_write(dir, "v.csv", "id,name,region,pue,cue_tflops_per_kw,coverage\nx,X,qingpu,1.2,3,0.9\n");
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    assert_int_equal(dcs_index_cohort_load(path, p, &c), DCS_ECONFIG);
    assert_non_null(strstr(dcs_index_cohort_errmsg(c), "v.csv:1: missing column 'eue_yuan_per_kwh'"));
    dcs_index_cohort_free(c);
    tu_write(dir, "v.csv", "id,name,region,pue,cue_tflops_per_kw,eue_yuan_per_kwh,coverage\n"
                           "x,X,qingpu,1.2,3,4,0.9\ny,Y,qingpu,1.3,abc,4,0.9\n");
    assert_int_equal(dcs_index_cohort_load(path, p, &c), DCS_ECONFIG);
    assert_non_null(strstr(dcs_index_cohort_errmsg(c), "v.csv:3: column 'cue_tflops_per_kw': 'abc' is not a number"));
    dcs_index_cohort_free(c);
    /* An invalid inline site beside a good CSV: its error stands (the CSV's load
     * overwrote it and the site vanished with exit 0). */
    tu_write(dir, "v.csv", "id,name,region,pue,cue_tflops_per_kw,eue_yuan_per_kwh,coverage\nx,X,qingpu,1.2,3,4,0.9\n");
    tu_write(dir, "c.yaml", "cohort: {name: t, csv: v.csv}\nsites: [{id: bad, pue: 1.2}]\n");
    assert_int_equal(dcs_index_cohort_load(path, p, &c), DCS_ECONFIG);
    assert_non_null(strstr(dcs_index_cohort_errmsg(c), "site 'bad': give config"));
    dcs_index_cohort_free(c);
    /* Weights are the index system's: a cohort's own method is refused, with the way out. */
    tu_write(dir, "c.yaml", "cohort:\n  name: t\n  method: entropy\nsites: []\n");
    assert_int_equal(dcs_index_cohort_load(path, p, &c), DCS_ECONFIG);
    assert_non_null(strstr(dcs_index_cohort_errmsg(c), "c.yaml:3: cohort.method: the weights and the method "
                                                      "are the index system's now: name one with cohort.system"));
    dcs_index_cohort_free(c);
    /* cohort.system is resolved against the cohort's folder. */
    tu_write(dir, "c.yaml", "cohort: {name: t, system: s.yaml, draws: 10}\n"
                            "sites: [{id: x, name: X, region: q, pue: 1.2, cue_tflops_per_kw: 3, "
                            "eue_yuan_per_kwh: 4, coverage: 0.99}]\n");
    assert_int_equal(dcs_index_cohort_load(path, p, &c), 0);
    char want[1100];
    snprintf(want, sizeof want, "%s/s.yaml", dir);
    assert_string_equal(dcs_index_cohort_system(c), want);
    dcs_index_sopts_t o = {.draws = 2000, .seed = 5};
    dcs_index_cohort_sopts(c, &o);
    assert_int_equal(o.draws, 10);
    assert_int_equal(o.seed, 5); /* not given: kept */
    dcs_index_cohort_free(c);
    dcs_index_system_free(sys);
    dcs_index_policy_free(p);
}

/* A site file ID.yaml and one hour of its store: facility 1500 W, IT it_w,
 * one server (FP32 10 TFLOPS) at 50 %. */
static void store_site(const char *dir, const char *id, double it_w)
{
    char path[1024], yaml[2048];
    snprintf(yaml, sizeof yaml,
             "site: {id: %s, name: Store site, region: lingang, pue_category: 1,\n"
             "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
             "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}]\n"
             "channels:\n"
             "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
             "  - {id: it, device: m, point: total_power, role: it_total}\n"
             "  - {id: u, device: m, function: 4, address: 9, type: uint16, kind: utilisation, unit: percent, role: server}\n"
             "inventory: {servers: [{id: g, utilisation: u, fp32_tflops: 10}]}\n"
             "finance: {output_yuan_per_year: 87660, basis: value_added}\n", id);
    snprintf(path, sizeof path, "%s/%s.yaml", dir, id);
    tu_write(dir, strrchr(path, '/') + 1, yaml);
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(path, &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    int64_t t0 = (int64_t)1795478400 * DCS_NS_PER_S;
    const double level[3] = {1500, it_w, 50};
    for (unsigned ch = 0; ch < 3; ch++)
        for (int i = 0; i <= 60; i++) {
            dcs_sample_t s = {.channel = ch, .t_ns = t0 + i * 60 * DCS_NS_PER_S, .value = level[ch]};
            assert_int_equal(dcs_store_append(st, &s, 1), 0);
        }
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* PUE 1.5; CUE 10 x 0.5 / 1 kW = 5; EUE 10 yuan / 1.5 kWh = 6.667; coverage 1.
 * A second store whose IT meter reads 100 W (PUE 15, above the ceiling) is
 * listed, not ranked, with the finding as its reason. */
static void test_cohort_entry_scored_from_its_store(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cohort-store");
    char path[1024];
    store_site(dir, "s-01", 1000);
    store_site(dir, "s-02", 100);
    tu_write(dir, "cohort.yaml",
             "cohort: {name: t, draws: 0}\n"
             "sites:\n"
             "  - {id: s-01, config: s-01.yaml}\n"
             "  - {id: v-01, name: Vendor, region: qingpu, pue: 1.3, cue_tflops_per_kw: 3, eue_yuan_per_kwh: 5, coverage: 0.99}\n"
             "  - {id: s-02, config: s-02.yaml}\n");
    snprintf(path, sizeof path, "%s/cohort.yaml", dir);
    dcs_index_policy_t *p = policy();
    dcs_index_cohort_t *c;
    if (dcs_index_cohort_load(path, p, &c))
        fail_msg("%s", dcs_index_cohort_errmsg(c));
    size_t n;
    const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
    assert_int_equal(n, 3);
    assert_null(e[0].withheld);
    if (!e[2].withheld || !strstr(e[2].withheld, "not publishable: PUE 15.0000 is above the plausible ceiling"))
        fail_msg("withheld: %s", e[2].withheld ? e[2].withheld : "(none)");
    near(e[0].cat[dcs_index_catalogue_index("pue")], 1.5, 1e-12, "PUE from the store");
    near(e[0].cat[dcs_index_catalogue_index("compute_eff_it")], 5.0, 1e-9, "CUE from the store");
    near(e[0].cat[dcs_index_catalogue_index("econ_output")], 10.0 / 1.5, 1e-9, "EUE from the store");
    near(e[0].cat[dcs_index_catalogue_index("compute_util")], 50, 1e-9, "every catalogue value");
    assert_true(isnan(e[1].cat[dcs_index_catalogue_index("wue")])); /* inline: PUE, CUE, EUE only */
    near(e[0].coverage, 1.0, 1e-12, "coverage");
    assert_string_equal(e[0].name, "Store site");
    assert_string_equal(e[0].region, "lingang");
    /* On the default system: scores 55.556, 12.5, 22.222 with weights 0.296961,
     * 0.539615, 0.163424 -> 26.8747; the vendor (1.3, 3, 5): 29.8678 (1e-3, the
     * weights' printed precision); the withheld entry keeps its reason. */
    dcs_index_system_t *sys = default_system();
    dcs_index_scohort_t *sc;
    dcs_index_sranking_t sr;
    rank_cohort(c, sys, &sc, &sr);
    near(sr.r[0].composite, 26.8747, 1e-3, "store-scored entry");
    near(sr.r[1].composite, 29.8678, 1e-3, "inline entry");
    assert_true(sr.r[0].ranked && sr.r[1].ranked && !sr.r[2].ranked);
    assert_non_null(strstr(sr.r[2].why_not, "not publishable: PUE 15.0000"));
    dcs_index_sranking_free(&sr);
    dcs_index_scohort_free(sc);
    dcs_index_system_free(sys);
    dcs_index_cohort_free(c);
    /* An entry with neither config nor figures is refused. */
    tu_write(dir, "cohort.yaml", "cohort: {name: t}\nsites: [{id: x, pue: 1.2}]\n");
    assert_int_equal(dcs_index_cohort_load(path, p, &c), DCS_ECONFIG);
    assert_non_null(strstr(dcs_index_cohort_errmsg(c), "site 'x': give config"));
    dcs_index_cohort_free(c);
    dcs_index_policy_free(p);
}

/* The three-indicator cohort CSV as spreadsheets write it: a vendor missing its
 * EUE is listed, not ranked (the file is kept); a duplicate id, coverage 95, an
 * unknown column and a row with an extra field are refused with FILE:LINE; a
 * GBK file is converted and reads the same names. */
static void cohort_csv(const char *dir, const char *csv, int want_rc, const char *want)
{
    char path[1024];
    tu_write(dir, "v.csv", csv);
    snprintf(path, sizeof path, "%s", tu_write(dir, "c.yaml", "cohort: {name: t, draws: 0, csv: v.csv}\n"));
    dcs_index_policy_t *p = policy();
    dcs_index_cohort_t *c;
    int rc = dcs_index_cohort_load(path, p, &c);
    if (rc != want_rc || (want && !strstr(dcs_index_cohort_errmsg(c), want)))
        fail_msg("rc %d: %s (want %s)", rc, dcs_index_cohort_errmsg(c), want ? want : "ok");
    if (!rc) {
        size_t n;
        const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
        dcs_index_system_t *sys = default_system();
        dcs_index_scohort_t *sc;
        dcs_index_sranking_t r;
        rank_cohort(c, sys, &sc, &r);
        assert_int_equal(n, 3);
        assert_string_equal(e[1].name, "临港乙");
        assert_false(r.r[2].ranked);
        assert_string_equal(r.r[2].why_not, "no econ_output figure (leaf eue)");
        dcs_index_sranking_free(&r);
        dcs_index_scohort_free(sc);
        dcs_index_system_free(sys);
    }
    dcs_index_cohort_free(c);
    dcs_index_policy_free(p);
}

static void test_cohort_spreadsheets(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cohort-sheets");
    const char *h = "id,name,region,pue,cue_tflops_per_kw,eue_yuan_per_kwh,coverage\n";
    const char *rows = "a,青浦甲,qingpu,1.2,20,10,0.99\nb,临港乙,lingang,1.3,25,12,0.98\n"
                       "c,青浦丙,qingpu,1.25,22,,0.97\n";
    char t[1024];
    snprintf(t, sizeof t, "%s%s", h, rows);
    cohort_csv(dir, t, 0, NULL);
    snprintf(t, sizeof t, "%sa,A,q,1.2,20,10,0.99\na,B,q,1.3,25,12,0.98\n", h);
    cohort_csv(dir, t, DCS_ECONFIG, "v.csv:3: id 'a' appears twice in the cohort");
    snprintf(t, sizeof t, "%sa,A,q,1.2,20,10,95\n", h);
    cohort_csv(dir, t, DCS_ECONFIG, "v.csv:2: site 'a': coverage 95 is outside 0..1");
    cohort_csv(dir, "id,name,region,pue,cue_tflops_per_kw,eue_yuan_per_kwh,coverage,colour\n",
               DCS_ECONFIG, "v.csv:1: unknown column 'colour'");
    snprintf(t, sizeof t, "%sa,A,q,1.2,20,10,0.99,extra\n", h);
    cohort_csv(dir, t, DCS_ECONFIG, "v.csv:2: 8 fields, the header has 7");
    iconv_t cd = iconv_open("GBK", "UTF-8");
    char gbk[1024], *in = t, *out = gbk;
    snprintf(t, sizeof t, "%s%s", h, rows);
    size_t inleft = strlen(t), outleft = sizeof gbk - 1;
    assert_true(cd != (iconv_t)-1 && iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
    iconv_close(cd);
    *out = '\0';
    cohort_csv(dir, gbk, 0, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_grades_and_rules_at_thresholds),
        cmocka_unit_test(test_ahp_published_example),
        cmocka_unit_test(test_entropy),
        cmocka_unit_test(test_topsis),
        cmocka_unit_test(test_rank_fixed_and_monte_carlo),
        cmocka_unit_test(test_cohort_files),
        cmocka_unit_test(test_cohort_entry_scored_from_its_store),
        cmocka_unit_test(test_cohort_spreadsheets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
