/* metric_test.c: PUE maths with hand-computed values, and the site score over a
 * store written here: hourly PUE and the window PUE as a ratio of summed
 * energies (not a mean of hourly PUEs), coverage, and the it_rack fallback.
 * Tolerance 1e-12 relative (only rounding). */
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
#include "../engine/metric/dcs_metric.h"
#include "testutil.h"

#define H (3600 * DCS_NS_PER_S)
#define T0 ((int64_t)1795478400 * DCS_NS_PER_S) /* 2026-11-24T00:00:00Z */

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* The number after "key": in a JSON text (NaN when absent). */
static double json_number(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *at = strstr(json, pat);
    return at ? strtod(at + strlen(pat), NULL) : NAN;
}

static void test_pue_table(void **state)
{
    (void)state;
    /* {E_DC, E_IT, PUE} */
    static const double rows[][3] = {
        {1300, 1000, 1.3},      /* 1300/1000 */
        {1.2e9, 1e9, 1.2},      /* annual MWh scale */
        {1000, 1000, 1.0},      /* ideal */
    };
    for (size_t i = 0; i < 3; i++)
        near(dcs_metric_pue(rows[i][0], rows[i][1]), rows[i][2], 1e-12, "pue");
    assert_true(isnan(dcs_metric_pue(100, 0)));
    assert_true(isnan(dcs_metric_pue(100, -5)));
    assert_true(isnan(dcs_metric_pue(NAN, 5)));
    assert_true(isnan(dcs_metric_pue(INFINITY, 5)));
}

static const char *site_yaml =
    "site: {id: m-01, name: Metric test, region: qingpu, pue_category: 1,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, min_coverage: 0.9, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: %s}\n"
    "  - {id: cool, device: m, point: total_power, role: cooling, zone: hall-1}\n"
    "  - {id: rackz, device: m, point: total_power, role: it_rack, zone: hall-1, cross_check: false}\n";

/* One hour of a channel at constant power: samples every 60 s on [start, start+1h]. */
static void hour(dcs_store_t *st, unsigned ch, int64_t start, double p_w, int drop_from)
{
    for (int i = 0; i <= 60; i++) {
        dcs_sample_t s = {.channel = ch, .t_ns = start + i * 60 * DCS_NS_PER_S, .value = p_w};
        if (drop_from >= 0 && i >= drop_from)
            s.flag = DCS_SAMPLE_TIMEOUT;
        assert_int_equal(dcs_store_append(st, &s, 1), 0);
    }
}

/* Hour 0: DC 1500 W, IT 1000 W (PUE 1.5). Hour 1: DC 2400 W, IT 2000 W (PUE 1.2).
 * Energies: DC 1.5 + 2.4 = 3.9 kWh, IT 1 + 2 = 3 kWh -> PUE 1.3. The mean of the
 * hourly PUEs would be 1.35: the engine must say 1.3. Hour 1 repeats the sample
 * at 01:00 with the new level (dt = 0 segment is skipped), so no segment blends
 * the two hours. */
static dcs_metric_score_t *score_two_hours(const char *role, int it_drop_from, dcs_config_t **cfg_out)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, site_yaml, role);
    const char *dir = tu_tmpdir(role);
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    hour(st, 0, T0, 1500, -1);
    hour(st, 0, T0 + H, 2400, -1);
    hour(st, 1, T0, 1000, -1);
    hour(st, 1, T0 + H, 2000, it_drop_from);
    hour(st, 2, T0, 300, -1);
    hour(st, 2, T0 + H, 300, -1);
    hour(st, 3, T0, 1200, -1);      /* hall-1 IT: 1.2 kWh + 1.2 kWh */
    hour(st, 3, T0 + H, 1200, -1);
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_metric_score_t *sc = NULL;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 2 * H, H, &sc, err, sizeof err), 0);
    dcs_store_close(st);
    *cfg_out = cfg;
    return sc;
}

static void test_ratio_of_sums_not_mean_of_ratios(void **state)
{
    (void)state;
    dcs_config_t *cfg;
    dcs_metric_score_t *sc = score_two_hours("it_total", -1, &cfg);
    assert_int_equal(sc->nbuckets, 2);
    near(sc->bucket_pue[0], 1.5, 1e-12, "hour 0 PUE");
    near(sc->bucket_pue[1], 1.2, 1e-12, "hour 1 PUE");
    near(sc->e_dc_wh, 3900, 1e-12, "E_DC");
    near(sc->e_it_wh, 3000, 1e-12, "E_IT");
    near(sc->e_cooling_wh, 600, 1e-12, "cooling");
    /* hall-1: IT 2.4 kWh (rackz), cooling 0.6 kWh -> pPUE (2.4 + 0.6) / 2.4 = 1.25. */
    assert_int_equal(sc->nzones, 1);
    assert_string_equal(sc->zones[0].zone, "hall-1");
    near(sc->zones[0].ppue, 1.25, 1e-12, "pPUE hall-1");
    near(sc->pue, 1.3, 1e-12, "window PUE = 3.9 / 3.0");
    near(sc->coverage, 1.0, 1e-12, "coverage");
    assert_string_equal(sc->it_source, "it_total");
    assert_int_equal(sc->category, 1);
    /* JSON carries the same figures */
    char buf[16384] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    dcs_metric_score_json(sc, cfg, f);
    fclose(f);
    near(json_number(buf, "pue"), 1.3, 1e-12, "PUE in the JSON");
    assert_non_null(strstr(buf, "\"pue_category\": 1"));
    assert_non_null(strstr(buf, "\"formula_version\": \"" DCS_METRIC_FORMULA_VERSION "\""));
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
}

static void test_coverage_and_rack_fallback(void **state)
{
    (void)state;
    dcs_config_t *cfg;
    /* IT samples of hour 1 from minute 30 on are flagged: IT covers 1.5 h of 2 h
     * (the segment ending at the first flagged sample is dropped too: minutes
     * 29-30), so 1 h + 29 min = 89 min -> coverage 89/120. With no it_total, E_IT
     * falls back to the sum of the it_rack channels: 'it' (1000 Wh + 2000 W x 29/60 h)
     * plus 'rackz' (1200 W x 2 h = 2400 Wh). */
    dcs_metric_score_t *sc = score_two_hours("it_rack", 30, &cfg);
    assert_string_equal(sc->it_source, "it_rack");
    /* Coverage weighs energy: 'it' measured e = 1000 + 2000 x 29/60 Wh in 89 min,
     * so its mean power is e x 60/89 W and its 31 missing minutes are estimated
     * at e x 31/89 Wh. 'rackz' is whole. E_IT coverage = measured / (measured +
     * estimated); the facility is whole, so the site's is E_IT's. */
    double e = 1000 + 2000 * 29.0 / 60.0, have = e + 2400, miss = e * 31.0 / 89.0;
    near(sc->coverage, have / (have + miss), 1e-12, "coverage");
    near(sc->coverage_it, have / (have + miss), 1e-12, "E_IT coverage");
    near(sc->coverage_dc, 1.0, 1e-12, "E_DC coverage");
    near(sc->e_it_wh, have, 1e-12, "E_IT over covered time");
    /* Hour 1: 'it' measured 2000 x 29/60 Wh, missing 31 min at its mean power. */
    double h1 = 2000 * 29.0 / 60.0 + 1200, m1 = e * 60.0 / 89.0 * 31.0 / 60.0;
    near(sc->bucket_coverage[1], h1 / (h1 + m1), 1e-12, "hour 1 coverage");
    near(sc->channels[1].coverage, 89.0 / 120.0, 1e-12, "channel 'it' time coverage");
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
}

static const char *cue_yaml =
    "site: {id: c-01, name: CUE test, region: lingang, pue_category: 1,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, min_coverage: 0.9, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total}\n"
    "  - {id: ua, device: m, function: 4, address: 0, type: uint16, kind: utilisation, unit: percent, role: server}\n"
    "  - {id: ub, device: m, function: 4, address: 1, type: uint16, kind: utilisation, unit: percent, role: server}\n"
    "  - {id: uc, device: m, function: 4, address: 2, type: uint16, kind: utilisation, unit: percent, role: server}\n"
    "inventory:\n"
    "  rack_count: 10\n"
    "  servers:\n"
    "    - {id: a, count: 10, utilisation: ua, fp32_tflops: 10, fp16_tflops: 20}\n"
    "    - {id: b, count: 4, utilisation: ub, int8_tflops: 400}\n"
    "    - {id: c, count: 2, utilisation: uc, fp64_tflops: 5}\n"
    "finance: {output_yuan_per_year: 87660, basis: revenue, water_l_per_year: 876600,\n"
    "          reused_kwh_per_year: 8766, renewable_kwh_per_year: 4383}\n";

static void test_cue_eue_mixed_precisions(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cue");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", cue_yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    hour(st, 0, T0, 1500, -1); /* E_DC 1.5 kWh */
    hour(st, 1, T0, 1000, -1); /* E_IT 1 kWh: P_IT 1 kW */
    hour(st, 2, T0, 50, -1);   /* group a at 50 % */
    hour(st, 3, T0, 25, -1);   /* group b at 25 % */
    hour(st, 4, T0, 80, 0);    /* group c: every sample flagged: no utilisation */
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + H, H, &sc, err, sizeof err), 0);
    const double f[4] = {2.0, 1.0, 0.5, 0.25};
    dcs_metric_indicators_t ind;
    dcs_metric_indicators(cfg, sc, f, 0.5703, &ind);
    /* Per machine FP32-eq = best rating x factor: a max(10x1, 20x0.5) = 10,
     * b 400x0.25 = 100, c 5x2 = 10. Rated: 10x10 + 4x100 + 2x10 = 520 TFLOPS.
     * Effective: a 100x0.50 = 50, b 400x0.25 = 100, c missing -> 150 TFLOPS.
     * Per precision: fp32 10x10x0.5 = 50, fp16 10x20x0.5 = 100, int8 4x400x0.25 = 400. */
    near(ind.peak_fp32eq_tflops, 520, 1e-9, "rated FP32-eq");
    near(ind.c_eff_fp32eq_tflops, 150, 1e-9, "effective FP32-eq");
    near(ind.c_eff_tflops[DCS_METRIC_FP32], 50, 1e-9, "fp32");
    near(ind.c_eff_tflops[DCS_METRIC_FP16], 100, 1e-9, "fp16");
    near(ind.c_eff_tflops[DCS_METRIC_INT8], 400, 1e-9, "int8");
    near(ind.c_eff_tflops[DCS_METRIC_FP64], 0, 0, "fp64 (group c has no utilisation)");
    assert_int_equal(ind.servers_missing, 1);
    near(ind.utilisation_coverage, 500.0 / 520.0, 1e-12, "utilisation coverage");
    near(ind.p_it_avg_kw, 1.0, 1e-12, "P_IT");
    near(ind.cue_it_tflops_per_kw, 150, 1e-9, "CUE_IT = 150 TFLOPS / 1 kW");
    near(ind.cue_dc_tflops_per_kw, 100, 1e-9, "CUE_DC = 150 / PUE 1.5");
    /* One hour of 87,660 yuan/year (8,766 h) is 10 yuan; E_DC 1.5 kWh. */
    near(ind.output_yuan, 10, 1e-9, "output in the window");
    near(ind.eue_yuan_per_kwh, 10 / 1.5, 1e-9, "EUE");
    near(ind.output_yuan_per_rack_year, 8766, 1e-9, "per rack-year");
    assert_string_equal(ind.eue_basis, "revenue");
    near(ind.carbon_cue_kgco2_per_kwh, 0.5703 * 1.5, 1e-12, "carbon CUE = CEF x PUE");
    near(ind.wue_l_per_kwh, 100, 1e-9, "WUE: 100 L / 1 kWh");
    near(ind.erf, 1 / 1.5, 1e-9, "ERF: 1 kWh / 1.5");
    near(ind.ref, 0.5 / 1.5, 1e-9, "REF: 0.5 kWh / 1.5");
    /* The EU KPI file carries the same figures and the underlying quantities. */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    dcs_metric_eu_kpi_json(sc, cfg, &ind, out);
    fclose(out);
    assert_non_null(strstr(buf, "\"schema\": \"dcscore.eu-kpi/1\""));
    near(json_number(buf, "total_energy_consumption_kwh"), 1.5, 1e-9, "EU total energy");
    near(json_number(buf, "it_energy_consumption_kwh"), 1.0, 1e-9, "EU IT energy");
    near(json_number(buf, "total_water_input_l"), 100, 1e-9, "EU water: 876,600 L/yr for 1 h");
    near(json_number(buf, "renewable_energy_kwh"), 0.5, 1e-9, "EU renewable energy");
    near(json_number(buf, "power_usage_effectiveness"), 1.5, 1e-9, "EU PUE");
    free(buf);
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* A missing hour (every channel silent in hour 1 of 2) halves coverage and
 * leaves CUE and EUE as they were over the hour measured: the output is
 * pro-rated to the covered share, P_IT is the mean over the measured time.
 * Without a facility meter's data the site's coverage is 0. */
static void test_missing_time_lowers_coverage_not_ratios(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("cue-gap");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", cue_yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    hour(st, 0, T0, 1500, -1);
    hour(st, 1, T0, 1000, -1);
    hour(st, 2, T0, 50, -1);
    hour(st, 3, T0, 25, -1);
    hour(st, 4, T0, 80, 0);
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 2 * H, H, &sc, err, sizeof err), 0);
    const double f[4] = {2.0, 1.0, 0.5, 0.25};
    dcs_metric_indicators_t ind;
    dcs_metric_indicators(cfg, sc, f, 0.5703, &ind);
    near(sc->coverage_dc, 0.5, 1e-12, "E_DC coverage: 1 h of 2");
    near(sc->coverage, 0.5, 1e-12, "site coverage");
    near(sc->bucket_coverage[1], 0.0, 1e-12, "hour 1 coverage");
    near(ind.p_it_avg_kw, 1.0, 1e-12, "P_IT over the measured hour");
    near(ind.cue_it_tflops_per_kw, 150, 1e-9, "CUE_IT as over the hour measured");
    near(ind.output_yuan, 10, 1e-9, "output pro-rated to the covered hour");
    near(ind.eue_yuan_per_kwh, 10 / 1.5, 1e-9, "EUE as over the hour measured");
    dcs_metric_score_free(sc);
    /* Hour 1 alone: nothing measured, coverage 0 and no PUE. */
    assert_int_equal(dcs_metric_score(cfg, st, T0 + H + 120 * DCS_NS_PER_S, T0 + 2 * H, H, &sc,
                                      err, sizeof err), 0);
    near(sc->coverage, 0.0, 0, "nothing measured");
    assert_true(isnan(sc->pue));
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* --bucket 1d follows the site's local midnight: November 2026 in Shanghai is
 * 30 buckets from 2026-10-31T16:00Z, December 31; each is 86,400 s. */
static void test_day_buckets_in_site_zone(void **state)
{
    (void)state;
    dcs_config_t *cfg;
    dcs_metric_score_t *sc = score_two_hours("it_total", -1, &cfg);
    dcs_metric_score_free(sc);
    dcs_store_t *st;
    char err[256];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    static const struct { const char *from, *to; size_t n; } months[] = {
        {"2026-11-01", "2026-12-01", 30}, {"2026-12-01", "2027-01-01", 31},
        {"2027-02-01", "2027-03-01", 28}};
    for (size_t m = 0; m < 3; m++) {
        int64_t from, to;
        assert_int_equal(dcs_time_parse(months[m].from, "Asia/Shanghai", &from), 0);
        assert_int_equal(dcs_time_parse(months[m].to, "Asia/Shanghai", &to), 0);
        assert_int_equal(dcs_metric_score(cfg, st, from, to, 24 * H, &sc, err, sizeof err), 0);
        assert_int_equal(sc->nbuckets, months[m].n);
        for (size_t k = 0; k < sc->nbuckets; k++)
            assert_true(sc->bucket_start_ns[k] == from + (int64_t)k * 24 * H);
        dcs_metric_score_free(sc);
    }
    /* The two hours of data (2026-11-24 00:00-02:00 UTC) fall in the local day
     * 2026-11-24 (08:00-10:00 +08:00): bucket 23 of November holds all of it. */
    int64_t nov1;
    dcs_time_parse("2026-11-01", "Asia/Shanghai", &nov1);
    assert_int_equal(dcs_metric_score(cfg, st, nov1, nov1 + 30 * 24 * H, 24 * H, &sc, err, sizeof err), 0);
    near(sc->bucket_e_dc_wh[23], 3900, 1e-12, "E_DC on local 2026-11-24");
    near(sc->bucket_e_dc_wh[22] + sc->bucket_e_dc_wh[24], 0, 0, "nothing on the days beside it");
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

static const char *bridge_yaml =
    "site: {id: b-01, name: Bridge test, region: qingpu, pue_category: 1,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "  - {id: n, protocol: modbus_tcp, host: 127.0.0.1, port: 1503, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: n, point: total_power, role: it_total}\n"
    "%s";

/* Facility power ramps P = 1000 + 10 t W (t in minutes) over two hours, so the
 * trapezoid is exact; the meter restarts for minutes 30-39 (power and counter
 * both missing). Its counter reads E(t) = (1000 t + 5 t^2) / 60 Wh. With the
 * counter the gap from minute 29 to 40 is its delta, E(40) - E(29) = 14,795/60
 * Wh, and E_DC = E(120) = 3200 Wh exactly; IT is 1000 W: PUE 1.6. Without it
 * the 11 minutes are missing and coverage says so. Tolerance 1e-9. */
static dcs_metric_score_t *score_bridge(int with_counter, dcs_config_t **cfg_out)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, bridge_yaml,
             with_counter ? "  - {id: fac_kwh, device: m, point: total_energy, role: facility_total,"
                            " cross_check: true}\n" : "");
    const char *dir = tu_tmpdir(with_counter ? "bridge" : "nobridge");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int t = 0; t <= 120; t++) {
        int down = t >= 30 && t < 40;
        int64_t at = T0 + t * 60 * DCS_NS_PER_S;
        dcs_sample_t s[3] = {
            {.channel = 0, .t_ns = at, .value = down ? NAN : 1000 + 10.0 * t,
             .flag = down ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK},
            {.channel = 1, .t_ns = at, .value = 1000},
            {.channel = 2, .t_ns = at, .value = down ? NAN : (1000.0 * t + 5.0 * t * t) / 60,
             .flag = down ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK}};
        assert_int_equal(dcs_store_append(st, s, with_counter ? 3 : 2), 0);
    }
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 2 * H, H, &sc, err, sizeof err), 0);
    dcs_store_close(st);
    *cfg_out = cfg;
    return sc;
}

static void test_counter_bridges_power_gap(void **state)
{
    (void)state;
    dcs_config_t *cfg;
    dcs_metric_score_t *sc = score_bridge(1, &cfg);
    near(sc->e_dc_wh, 3200, 1e-9, "E_DC with the gap bridged");
    near(sc->pue, 1.6, 1e-9, "PUE");
    near(sc->coverage, 1.0, 1e-12, "coverage");
    assert_int_equal(sc->channels[0].bridged_gaps, 1);
    near(sc->channels[0].bridged_s, 660, 1e-9, "bridged seconds");
    near(sc->channels[0].bridged_wh, 14795.0 / 60, 1e-9, "bridged Wh");
    assert_string_equal(sc->channels[0].bridged_by, "fac_kwh");
    /* Hour 0 holds the whole gap: E(60) = (60000 + 18000)/60 = 1300 Wh. */
    near(sc->bucket_e_dc_wh[0], 1300, 1e-9, "hour 0");
    dcs_metric_score_free(sc);
    /* Rolled up, the day still scores raw (a rollup holds no samples to bridge
     * the facility gap with): the same 3200 Wh, the gap bridged. */
    dcs_store_t *st;
    char err[256];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_rollup_day(st, dcs_time_day(T0)), 0);
    assert_true(dcs_store_rollup_current(st, dcs_time_day(T0)));
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 2 * H, H, &sc, err, sizeof err), 0);
    dcs_store_close(st);
    near(sc->e_dc_wh, 3200, 1e-9, "E_DC bridged on a rolled-up day");
    assert_int_equal(sc->days_from_rollups, 0);
    assert_int_equal(sc->channels[0].bridged_gaps, 1);
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
    /* No counter: the gap stays missing. Measured 3200 - 14795/60 Wh in 109 min;
     * the 11 minutes are estimated at that mean for the coverage only. */
    sc = score_bridge(0, &cfg);
    double have = 3200 - 14795.0 / 60, miss = have * 11.0 / 109.0;
    near(sc->e_dc_wh, have, 1e-9, "E_DC without the gap");
    near(sc->coverage, have / (have + miss), 1e-12, "coverage without a counter");
    assert_true(sc->coverage < 0.95);
    assert_int_equal(sc->channels[0].bridged_gaps, 0);
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
}

static const char *activity_yaml =
    "site: {id: g-01, name: GPU test, region: lingang, pue_category: 3,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, min_coverage: 0.9, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "  - {id: x, protocol: prometheus, url: \"http://127.0.0.1:9400/metrics\"}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total}\n"
    "  - {id: util, device: x, metric: DCGM_FI_DEV_GPU_UTIL, walk: mean, kind: utilisation, unit: percent, role: server}\n"
    "  - {id: tensor, device: x, metric: DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, walk: mean, kind: utilisation, unit: ratio, role: server}\n"
    "  - {id: fp32p, device: x, metric: DCGM_FI_PROF_PIPE_FP32_ACTIVE, walk: mean, kind: utilisation, unit: ratio, role: server}\n"
    "  - {id: sm, device: x, metric: DCGM_FI_PROF_SM_ACTIVE, walk: mean, kind: utilisation, unit: ratio, role: server}\n"
    "  - {id: util2, device: x, metric: 'DCGM_FI_DEV_GPU_UTIL{Hostname=\"old\"}', kind: utilisation, unit: percent, role: server}\n"
    "inventory:\n"
    "  servers:\n"
    "    - {id: h100, count: 2, utilisation: util, activity: {tensor: tensor, fp32: fp32p, sm: sm},\n"
    "       fp64_tflops: 60, fp32_tflops: 120, fp16_tflops: 990}\n"
    "    - {id: old, count: 1, utilisation: util2, fp16_tflops: 100}\n";

/* Effective compute per precision from the pipes' activity (stored in %): the
 * H100 group's GPU utilisation reads 100 %, its tensor pipe 30 %, its FP32
 * pipe 10 %, SM 45 %. By hand: FP16 2 x 990 x 0.30 = 594 (tensor), FP32 2 x
 * 120 x 0.10 = 24 (FP32 pipe), FP64 2 x 60 x 0.45 = 54 (SM: no FP64 pipe
 * given); FP32-eq from its best rating, FP16 990 x 0.5 = 495 per server, x 2
 * x 0.30 = 297. The "old" group has GPU utilisation only (100 %): FP16 + 100,
 * FP32-eq + 50; its source is the lowest grade and flagged. */
static void test_effective_from_activity(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("activity");
    dcs_config_t *cfg;
    if (dcs_config_load(tu_write(dir, "site.yaml", activity_yaml), &cfg))
        fail_msg("%s", dcs_config_errmsg(cfg));
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    const double v[7] = {1500, 1000, 100, 30, 10, 45, 100};
    for (unsigned c = 0; c < 7; c++)
        hour(st, c, T0, v[c], -1);
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + H, H, &sc, err, sizeof err), 0);
    const double f[4] = {2.0, 1.0, 0.5, 0.25};
    dcs_metric_indicators_t ind;
    dcs_metric_indicators(cfg, sc, f, 0.5703, &ind);
    near(ind.c_eff_tflops[DCS_METRIC_FP16], 594 + 100, 1e-9, "fp16: tensor activity, not GPU utilisation");
    near(ind.c_eff_tflops[DCS_METRIC_FP32], 24, 1e-9, "fp32: the FP32 pipe");
    near(ind.c_eff_tflops[DCS_METRIC_FP64], 54, 1e-9, "fp64: SM activity");
    near(ind.peak_tflops[DCS_METRIC_FP16], 2 * 990 + 100, 1e-9, "fp16 rated");
    near(ind.c_eff_fp32eq_tflops, 297 + 50, 1e-9, "FP32-eq");
    assert_string_equal(ind.source[DCS_METRIC_FP32], "FP32 pipe activity");
    assert_string_equal(ind.source[DCS_METRIC_FP64], "SM activity");
    assert_string_equal(ind.source[DCS_METRIC_FP16], "GPU utilisation (not activity)"); /* the lowest grade */
    assert_int_equal(ind.source_grade[DCS_METRIC_FP16], 4);
    /* every source of FP16, best first, with the nameplate it measured */
    assert_int_equal(ind.nsources[DCS_METRIC_FP16], 2);
    assert_string_equal(ind.sources[DCS_METRIC_FP16][0].name, "tensor pipe activity");
    near(ind.sources[DCS_METRIC_FP16][0].rated_tflops, 1980, 0, "rated behind tensor activity");
    assert_string_equal(ind.sources[DCS_METRIC_FP16][1].name, "GPU utilisation (not activity)");
    near(ind.sources[DCS_METRIC_FP16][1].rated_tflops, 100, 0, "rated behind GPU utilisation");
    dcs_metric_limits_t lim = {.pue_min = 1, .pue_max = 4, .meter_class_pct = 1, .min_coverage = 0.9,
                               .scale_step_max = 10};
    dcs_metric_check(cfg, sc, &lim);
    int flagged = 0;
    for (size_t i = 0; i < sc->nfindings; i++)
        flagged += strcmp(sc->findings[i].id, "activity_from_gpu_util") == 0 &&
                   strcmp(sc->findings[i].channel, "util2") == 0;
    assert_int_equal(flagged, 1); /* the H100 group's utilisation is not used, so not flagged */
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pue_table),
        cmocka_unit_test(test_ratio_of_sums_not_mean_of_ratios),
        cmocka_unit_test(test_coverage_and_rack_fallback),
        cmocka_unit_test(test_cue_eue_mixed_precisions),
        cmocka_unit_test(test_effective_from_activity),
        cmocka_unit_test(test_missing_time_lowers_coverage_not_ratios),
        cmocka_unit_test(test_day_buckets_in_site_zone),
        cmocka_unit_test(test_counter_bridges_power_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
