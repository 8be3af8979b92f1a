/* findings_test.c: each plausibility finding at its limit (no finding) and just
 * past it (the finding, with its severity), on scored windows filled by hand;
 * what withholds the verdicts. Limits as shipped: PUE 1.0..4.0, meter class
 * 1 % (two meters may differ by 2 %), min_coverage 0.95, a day-over-day step of
 * a channel's mean power up to x100. Exact comparisons:
 * the checks compare, they do not compute. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/base/dcs_base.h"
#include "../engine/index/dcs_index.h"
#include "../engine/metric/dcs_metric.h"
#include "testutil.h"

static const char *yaml =
    "site: {id: f-01, name: Findings, region: qingpu, pue_category: 1,\n"
    "       poll_interval_ms: 60000, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: ups, device: m, point: total_power, role: it_total}\n"
    "  - {id: r1, device: m, point: total_power, role: it_rack}\n"
    "  - {id: r2, device: m, point: total_power, role: it_rack}\n"
    "  - {id: util, device: m, function: 4, address: 0, type: uint16, kind: utilisation, unit: percent, role: server}\n"
    "  - {id: fac_kwh, device: m, point: total_energy, role: facility_total, cross_check: true}\n";

static const dcs_metric_limits_t lim = {.pue_min = 1.0, .pue_max = 4.0, .meter_class_pct = 1.0,
                                        .min_coverage = 0.95, .scale_step_max = 100};

/* A one-bucket window: facility 1300 Wh, UPS 1000 Wh, racks 500 + 500 Wh,
 * utilisation 50 %, counter 1300 Wh; coverage 1. */
static dcs_metric_score_t *window(const dcs_config_t *cfg)
{
    static int64_t start;
    static double dc, it, pue, cov;
    static dcs_metric_channel_t ch[6];
    static dcs_metric_score_t sc;
    memset(&sc, 0, sizeof sc);
    memset(ch, 0, sizeof ch);
    start = 1795478400LL * DCS_NS_PER_S;
    dc = 1300, it = 1000, pue = 1.3, cov = 1;
    const double e[6] = {1300, 1000, 500, 500, 0, 1300};
    for (unsigned i = 0; i < 6; i++)
        ch[i] = (dcs_metric_channel_t){.channel = i, .e_wh = e[i], .coverage = 1, .mean = NAN,
                                       .cross_check_rel = NAN};
    ch[4].mean = 50;
    ch[5].cross_check_rel = 0;
    sc = (dcs_metric_score_t){.from_ns = start, .to_ns = start + 3600 * DCS_NS_PER_S,
                              .category = 1, .e_dc_wh = 1300, .e_it_wh = 1000, .pue = 1.3,
                              .coverage = 1, .coverage_dc = 1, .coverage_it = 1, .nbuckets = 1,
                              .bucket_start_ns = &start, .bucket_e_dc_wh = &dc,
                              .bucket_e_it_wh = &it, .bucket_pue = &pue, .bucket_coverage = &cov,
                              .nchannels = cfg->channels_count, .channels = ch};
    return &sc;
}

/* The ids of sc's findings, space-separated ("" when none). */
static const char *ids(const dcs_config_t *cfg, dcs_metric_score_t *sc)
{
    static char buf[512];
    dcs_metric_check(cfg, sc, &lim);
    buf[0] = '\0';
    for (size_t i = 0; i < sc->nfindings; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s:%s", i ? " " : "",
                 sc->findings[i].id, dcs_metric_severity_name(sc->findings[i].severity));
    return buf;
}

static dcs_config_t *load(void)
{
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(tu_tmpdir("findings"), "site.yaml", yaml), &cfg), 0);
    return cfg;
}

static void test_clean_window(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    assert_string_equal(ids(cfg, sc), "");
    assert_null(dcs_metric_withheld(sc));
    dcs_config_free(cfg);
}

static void test_pue_limits(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    sc->pue = 1.0; /* at the limit: passes (IT = facility in the bucket too) */
    sc->bucket_e_dc_wh[0] = sc->bucket_e_it_wh[0];
    assert_string_equal(ids(cfg, sc), "");
    sc->pue = nextafter(1.0, 0);
    assert_string_equal(ids(cfg, sc), "pue_below_min:error");
    sc->pue = 4.0;
    assert_string_equal(ids(cfg, sc), "");
    sc->pue = nextafter(4.0, 5); /* e.g. a UPS meter read 1000x too low gives PUE 751 */
    assert_string_equal(ids(cfg, sc), "pue_above_max:error");
    assert_non_null(strstr(dcs_metric_withheld(sc), "above the plausible ceiling 4.00"));
    sc->pue = NAN;
    assert_string_equal(ids(cfg, sc), "no_pue:error");
    dcs_config_free(cfg);
}

static void test_it_above_facility(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    sc->bucket_e_it_wh[0] = 1300 * 1.02; /* 2 x class above: at the limit */
    assert_string_equal(ids(cfg, sc), "");
    sc->bucket_e_it_wh[0] = 1300 * 1.02 + 1e-6;
    assert_string_equal(ids(cfg, sc), "it_above_facility:error");
    assert_non_null(strstr(sc->findings[0].detail, "2026-11-24T08:00:00+08:00")); /* site zone */
    sc->bucket_coverage[0] = 0.5; /* a half-silent bucket is the coverage finding's */
    sc->coverage = sc->coverage_dc = 0.95;
    assert_string_equal(ids(cfg, sc), "");
    dcs_config_free(cfg);
}

static void test_racks_above_ups(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    sc->channels[2].e_wh = 520; /* racks 520 + 500 = 1020 Wh = UPS x 1.02 */
    assert_string_equal(ids(cfg, sc), "");
    sc->channels[2].e_wh = 520.001;
    assert_string_equal(ids(cfg, sc), "racks_above_ups:error");
    dcs_config_free(cfg);
}

static void test_counter_and_utilisation(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    sc->channels[5].cross_check_rel = -0.02;
    assert_string_equal(ids(cfg, sc), "");
    sc->channels[5].cross_check_rel = -0.0201;
    assert_string_equal(ids(cfg, sc), "counter_vs_power:warning");
    assert_null(dcs_metric_withheld(sc)); /* a warning does not withhold */
    assert_string_equal(sc->findings[0].channel, "fac_kwh");
    sc->channels[0].bridged_gaps = 1; /* the same counter filled a facility gap: its */
    sc->channels[0].bridged_by = "fac_kwh"; /* energy is in E_DC, so it withholds */
    assert_string_equal(ids(cfg, sc), "counter_vs_power:error");
    assert_non_null(strstr(dcs_metric_withheld(sc), "it filled power gaps"));
    sc->channels[5].cross_check_rel = -0.02;
    assert_string_equal(ids(cfg, sc), ""); /* within class it may bridge */
    sc->channels[0].bridged_gaps = 0;
    sc->channels[5].cross_check_rel = 0;
    sc->channels[4].mean = 100;
    assert_string_equal(ids(cfg, sc), "");
    sc->channels[4].mean = 100 * (1 + 4e-16); /* a constant 100 % over unequal steps: not out of range */
    assert_string_equal(ids(cfg, sc), "");
    sc->channels[4].mean = -1e-14;
    assert_string_equal(ids(cfg, sc), "");
    sc->channels[4].mean = 100.01;
    assert_string_equal(ids(cfg, sc), "utilisation_range:error");
    sc->channels[4].mean = -0.01;
    assert_string_equal(ids(cfg, sc), "utilisation_range:error");
    dcs_config_free(cfg);
}

/* A channel's mean power stepping between days: x100 passes, just past is an
 * error naming the channel, the day and both means (scale_step). */
static void test_scale_step(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    dcs_metric_channel_t *ups = &sc->channels[1];
    ups->step_ratio = 100;
    ups->step_before_w = 1e6;
    ups->step_after_w = 1e4;
    ups->step_day_ns = 1795449600LL * DCS_NS_PER_S; /* 2026-11-24T00:00+08:00 */
    assert_string_equal(ids(cfg, sc), "");
    ups->step_ratio = 100.001;
    ups->step_after_w = 1e6 / 100.001;
    assert_string_equal(ids(cfg, sc), "scale_step:error");
    assert_string_equal(sc->findings[0].channel, "ups");
    const char *why = dcs_metric_withheld(sc);
    if (!strstr(why, "ups: mean power 1e+06 W the day before 2026-11-24, 9999.9 W that day (x0.01"))
        fail_msg("detail: %s", why);
    dcs_config_free(cfg);
}

static void test_coverage_threshold(void **state)
{
    (void)state;
    dcs_config_t *cfg = load();
    dcs_metric_score_t *sc = window(cfg);
    sc->coverage = sc->coverage_it = 0.95;
    assert_string_equal(ids(cfg, sc), "");
    sc->coverage = sc->coverage_it = nextafter(0.95, 0);
    assert_string_equal(ids(cfg, sc), "coverage_below_min:error");
    assert_non_null(strstr(dcs_metric_withheld(sc), "below min_coverage 95 %"));
    dcs_config_free(cfg);
}

/* The shipped policy file carries these limits. */
static void test_shipped_limits(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/engine/index/policy.yaml", tu_src());
    dcs_index_policy_t *pol;
    assert_int_equal(dcs_index_policy_load(path, &pol), 0);
    dcs_metric_limits_t l = dcs_index_policy_limits(pol);
    assert_true(l.pue_min == 1.0 && l.pue_max == 4.0 && l.meter_class_pct == 1.0 &&
                l.min_coverage == 0.95 && l.scale_step_max == 100);
    dcs_index_policy_free(pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_window),
        cmocka_unit_test(test_pue_limits),
        cmocka_unit_test(test_it_above_facility),
        cmocka_unit_test(test_racks_above_ups),
        cmocka_unit_test(test_counter_and_utilisation),
        cmocka_unit_test(test_scale_step),
        cmocka_unit_test(test_coverage_threshold),
        cmocka_unit_test(test_shipped_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
