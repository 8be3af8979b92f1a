/* csv_test.c: CSV import (units, local times, bad rows rejected or skipped with
 * their line numbers, nothing half-imported, no interleaving with stored data)
 * and CSV export (one row per tick, UTC and site-zone times, units in headers). */
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
#include "../engine/store/dcs_store.h"
#include "testutil.h"

static const char *yaml =
    "site: {id: csv-01, name: CSV site, region: lingang, pue_category: 1,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
    "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]\n"
    "channels:\n"
    "  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: kW, role: facility_total}\n"
    "  - {id: it, device: m, function: 4, address: 2, type: float32, kind: power, unit: W, role: it_total}\n";

#define T0 ((int64_t)1795478400 * DCS_NS_PER_S) /* 2026-11-24T00:00:00Z = 08:00 in Shanghai */

/* An hour at one row per minute, local Shanghai times; fac 1.5 kW, it 1000 W.
 * bad_line > 0 puts "abc" into that line (line 1 is the header). */
static const char *write_csv(const char *dir, int bad_line)
{
    static char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "\xEF\xBB\xBFtime,fac (kW),it\n");
    for (int m = 0; m <= 60; m++)
        len += (size_t)snprintf(text + len, sizeof text - len, "2026-11-24 %02d:%02d:00,%s,1000\n",
                                8 + m / 60, m % 60, m + 2 == bad_line ? "abc" : "1.5");
    return tu_write(dir, "data.csv", text);
}

static dcs_config_t *site(const char *name, char *dir_out)
{
    const char *dir = tu_tmpdir(name);
    dcs_config_t *cfg;
    strcpy(dir_out, dir);
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    return cfg;
}

static int import(dcs_config_t *cfg, const char *csv, int skip, dcs_store_import_t *im, char *err)
{
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    memset(im, 0, sizeof *im);
    im->skip_bad_rows = skip;
    int rc = dcs_store_import_csv(st, csv, im);
    snprintf(err, 600, "%s", dcs_store_errmsg(st));
    dcs_store_close(st);
    return rc;
}

static void test_import_then_score(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024];
    dcs_config_t *cfg = site("import", dir);
    dcs_store_import_t im;
    snprintf(path, sizeof path, "%s", write_csv(dir, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    assert_int_equal(im.rows, 61);
    assert_int_equal(im.samples, 122);
    dcs_store_t *st;
    dcs_metric_score_t *sc;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 3600 * DCS_NS_PER_S, 3600 * DCS_NS_PER_S,
                                      &sc, err, 600), 0);
    /* 1.5 kW (converted to 1500 W) and 1000 W for exactly one hour: PUE 1.5. */
    assert_true(fabs(sc->e_dc_wh - 1500) < 1e-9 && fabs(sc->e_it_wh - 1000) < 1e-9);
    assert_true(fabs(sc->pue - 1.5) < 1e-12);
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    /* The same rows again would fall on what is stored: refused, naming the span. */
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    if (!strstr(err, "channel 'fac' already has 61 samples from 2026-11-24T08:00:00+08:00 to "
                     "2026-11-24T09:00:00+08:00 inside the file's period"))
        fail_msg("message: %s", err);
    dcs_config_free(cfg);
}

/* n rows from local time HH:MM (Shanghai, 2026-11-24), step_min minutes apart,
 * fac 1.5 kW and it 1000 W, skipping rows [hole_a, hole_b). */
static const char *rows_csv(const char *dir, const char *name, int h, int m, int n, int step_min,
                            int hole_a, int hole_b)
{
    static char text[1 << 16];
    size_t len = (size_t)snprintf(text, sizeof text, "time,fac,it\n");
    for (int r = 0; r < n; r++) {
        int t = h * 60 + m + r * step_min;
        if (r < hole_a || r >= hole_b)
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "2026-11-%02d %02d:%02d:00,1.5,1000\n", 24 + t / 1440,
                                    t / 60 % 24, t % 60);
    }
    return tu_write(dir, name, text);
}

static dcs_metric_score_t *score_hours(dcs_config_t *cfg, int hours)
{
    char err[600];
    dcs_store_t *st;
    dcs_metric_score_t *sc;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    int64_t to = T0 + (int64_t)hours * 3600 * DCS_NS_PER_S;
    if (dcs_metric_score(cfg, st, T0, to, 3600 * DCS_NS_PER_S, &sc, err, 600))
        fail_msg("score: %s", err);
    dcs_store_close(st);
    return sc;
}

/* History goes into any period without samples of its channels: 08:00-09:00
 * and 10:00-11:00 first, then 09:01-09:59 between them (into the same day
 * file, after rows of later times). Three whole hours: 4500 Wh over 3000 Wh,
 * coverage 1, exact to 1e-9 Wh. A file overlapping stored samples is refused. */
static void test_import_between(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024];
    dcs_config_t *cfg = site("between", dir);
    dcs_store_import_t im;
    snprintf(path, sizeof path, "%s", rows_csv(dir, "a.csv", 8, 0, 61, 1, 0, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    snprintf(path, sizeof path, "%s", rows_csv(dir, "c.csv", 10, 0, 61, 1, 0, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    snprintf(path, sizeof path, "%s", rows_csv(dir, "x.csv", 9, 30, 40, 1, 0, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL); /* 09:30-10:09 meets 10:00 */
    assert_non_null(strstr(err, "already has 10 samples from 2026-11-24T10:00:00+08:00"));
    snprintf(path, sizeof path, "%s", rows_csv(dir, "b.csv", 9, 1, 59, 1, 0, 0));
    if (import(cfg, path, 0, &im, err))
        fail_msg("between: %s", err);
    dcs_metric_score_t *sc = score_hours(cfg, 3);
    assert_true(fabs(sc->e_dc_wh - 4500) < 1e-9 && fabs(sc->e_it_wh - 3000) < 1e-9);
    assert_true(fabs(sc->coverage - 1) < 1e-12);
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
}

/* Imported history keeps its own gap limit (site: 120 s = 2 polls of 60 s).
 * 15-minute rows 08:00-12:00 get 2 x 900 = 1800 s and are covered whole;
 * 1-minute rows 12:01-16:00 in the same day file keep 120 s, so their 10-minute
 * hole (rows 12:31..12:40 absent: the step 12:30 -> 12:41 is 11 min) is missing.
 * Energy 1.5 kW x (8 h - 11 min) = 11725 Wh; coverage (480 - 11) / 480. */
static void test_own_gap_limit(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024];
    dcs_config_t *cfg = site("owngap", dir);
    dcs_store_import_t im;
    snprintf(path, sizeof path, "%s", rows_csv(dir, "q.csv", 8, 0, 17, 15, 0, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    assert_true(fabs(im.median_step_s - 900) < 1e-9 && fabs(im.gap_limit_s - 1800) < 1e-9);
    snprintf(path, sizeof path, "%s", rows_csv(dir, "m.csv", 12, 1, 240, 1, 30, 40));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    assert_true(fabs(im.gap_limit_s - 120) < 1e-9);
    dcs_metric_score_t *sc = score_hours(cfg, 8);
    if (fabs(sc->e_dc_wh - 11725) > 1e-6 || fabs(sc->coverage - 469.0 / 480) > 1e-12)
        fail_msg("E_DC %.6f Wh, coverage %.9f", sc->e_dc_wh, sc->coverage);
    assert_true(fabs(sc->channels[0].covered_s - 469 * 60) < 1e-6);
    dcs_metric_score_free(sc);
    /* inspect counts the same: 28140 s of the UTC day (32.6 %), one gap. */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    snprintf(path, sizeof path, "%s/store/csv-01/csv-01_20261124.h5", dir);
    assert_int_equal(dcs_store_inspect(path, out), 0);
    fclose(out);
    const char *fac = strstr(buf, "  fac ");
    if (!fac || !strstr(fac, "1 gaps  coverage  32.6 % of the day"))
        fail_msg("inspect: %s", buf);
    free(buf);
    /* --interval states the limit instead of the median: 5 min -> 600 s, so the
     * 15-minute rows of a third file count as missing between them. */
    snprintf(path, sizeof path, "%s", rows_csv(dir, "r.csv", 17, 0, 5, 15, 0, 0));
    memset(&im, 0, sizeof im);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    im.interval_s = 300;
    assert_int_equal(dcs_store_import_csv(st, path, &im), 0);
    dcs_store_close(st);
    assert_true(fabs(im.gap_limit_s - 600) < 1e-9);
    sc = score_hours(cfg, 10);
    assert_true(fabs(sc->e_dc_wh - 11725) < 1e-6); /* 17:00-18:00 adds nothing */
    dcs_metric_score_free(sc);
    dcs_config_free(cfg);
}

static void test_bad_rows(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024];
    dcs_config_t *cfg = site("badrows", dir);
    dcs_store_import_t im;
    snprintf(path, sizeof path, "%s", write_csv(dir, 5));
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "data.csv:5: value 'abc' is not a number (nothing imported)"));
    dcs_store_t *st;
    int64_t a, b;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_range(st, &a, &b), DCS_ENODATA); /* nothing half-imported */
    dcs_store_close(st);
    assert_int_equal(import(cfg, path, 1, &im, err), 0); /* skip: the rest goes in */
    assert_int_equal(im.rows, 60);
    assert_int_equal(im.nbad, 1);
    assert_non_null(strstr(im.bad[0], "data.csv:5:"));
    tu_write(dir, "cols.csv", "time,fac,xyz\n2026-11-24 08:00:00,1,2\n");
    snprintf(path, sizeof path, "%s/cols.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "cols.csv:1: column 'xyz' is not a channel of site csv-01"));
    tu_write(dir, "order.csv", "time,fac\n2026-11-25 08:01:00,1\n2026-11-25 08:00:00,1\n");
    snprintf(path, sizeof path, "%s/order.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "order.csv:3: time '2026-11-25 08:00:00' is not after the previous row"));
    /* A row dated 2263 is past the int64-ns range: "not understood", not "not after the previous row". */
    tu_write(dir, "far.csv", "time,fac\n2026-11-25 08:01:00,1\n2263-01-01 00:00:00,1\n");
    snprintf(path, sizeof path, "%s/far.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "far.csv:3: time '2263-01-01 00:00:00' not understood (a date and time between 1970 and 2262"));
    tu_write(dir, "far.csv", "time,fac\n1e300,1\n");
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "far.csv:2: time '1e300' not understood"));
    tu_write(dir, "short.csv", "time,fac,it\n2026-11-25 08:00:00,1\n");
    snprintf(path, sizeof path, "%s/short.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "short.csv:2: too few columns"));
    snprintf(path, sizeof path, "%s/none.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EIO);
    dcs_config_free(cfg);
}

/* A unit in the header wins over the channel's: "fac (W)" into the kW channel
 * and "it [kW]" into the W channel are converted; a unit of another kind or an
 * unknown one rejects the file. 1,500,000 W / 1,000 kW = PUE 1.5 over the hour. */
static void test_header_units(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024], text[8192];
    dcs_config_t *cfg = site("units", dir);
    dcs_store_import_t im;
    size_t len = (size_t)snprintf(text, sizeof text, "time,fac (W),it [kW]\n");
    for (int m = 0; m <= 60; m++)
        len += (size_t)snprintf(text + len, sizeof text - len, "2026-11-24 %02d:%02d:00,1500000,1000\n",
                                8 + m / 60, m % 60);
    snprintf(path, sizeof path, "%s", tu_write(dir, "units.csv", text));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    dcs_store_t *st;
    dcs_metric_score_t *sc;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_metric_score(cfg, st, T0, T0 + 3600 * DCS_NS_PER_S, 3600 * DCS_NS_PER_S,
                                      &sc, err, 600), 0);
    assert_true(fabs(sc->e_dc_wh - 1.5e6) < 1e-6 && fabs(sc->e_it_wh - 1e6) < 1e-6);
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    tu_write(dir, "kwh.csv", "time,it (kWh)\n2026-11-25 08:00:00,1\n");
    snprintf(path, sizeof path, "%s/kwh.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    if (!strstr(err, "kwh.csv:1: column 'it': unit 'kWh' is not a unit of this power channel"))
        fail_msg("message: %s", err);
    tu_write(dir, "odd.csv", "time,fac (furlong)\n2026-11-25 08:00:00,1\n");
    snprintf(path, sizeof path, "%s/odd.csv", dir);
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "odd.csv:1: column 'fac': unknown unit 'furlong'"));
    dcs_config_free(cfg);
}

/* The export of ex from st as one string (the caller frees it). */
static char *export_text(dcs_store_t *st, const dcs_store_export_t *ex)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(dcs_store_export_csv(st, ex, f), 0);
    fclose(f);
    return buf;
}

static void test_export(void **state)
{
    (void)state;
    char dir[512], err[600], path[1024];
    dcs_config_t *cfg = site("export", dir);
    dcs_store_import_t im;
    snprintf(path, sizeof path, "%s", write_csv(dir, 0));
    assert_int_equal(import(cfg, path, 0, &im, err), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    const char *only[] = {"it", "fac"};
    dcs_store_export_t ex = {.from_ns = T0, .to_ns = T0 + 3600 * DCS_NS_PER_S, .channels = only,
                             .nchannels = 2, .bom = 1};
    char *buf = export_text(st, &ex);
    size_t len = 0;
    FILE *f;
    const char *head = "\xEF\xBB\xBFtime_utc,time_local,it (W),fac (W)\r\n";
    assert_true(strncmp(buf, head, strlen(head)) == 0);
    assert_non_null(strstr(buf, "\r\n2026-11-24T00:00:00Z,2026-11-24T08:00:00+08:00,1000,1500\r\n"));
    size_t rows = 0;
    for (char *p = buf; (p = strstr(p, "\r\n")); p += 2)
        rows++;
    assert_int_equal(rows, 61); /* header + 60 ticks in [08:00, 09:00) */
    /* Round trip: export's own file imports into another store (its time_local
     * column read past, its units honoured) and exports again byte for byte. */
    char dir2[512], err2[600];
    dcs_config_t *cfg2 = site("export-again", dir2);
    const char *exported = tu_write(dir2, "exported.csv", buf);
    assert_int_equal(import(cfg2, exported, 0, &im, err2), 0);
    dcs_store_t *st2;
    assert_int_equal(dcs_store_open(cfg2, 'r', &st2), 0);
    char *buf2 = export_text(st2, &ex);
    assert_string_equal(buf2, buf);
    free(buf2);
    dcs_store_close(st2);
    /* Two columns for one channel are refused, not summed or overwritten. */
    tu_write(dir2, "twice.csv", "time,fac (kW),fac (W)\n2026-11-26 08:00:00,1.5,1500\n");
    snprintf(path, sizeof path, "%s/twice.csv", dir2);
    assert_int_equal(import(cfg2, path, 0, &im, err2), DCS_EINVAL);
    assert_non_null(strstr(err2, "twice.csv:1: columns 2 and 3 are both channel 'fac'"));
    dcs_config_free(cfg2);
    free(buf);
    const char *nope[] = {"nope"};
    ex.channels = nope;
    ex.nchannels = 1;
    f = open_memstream(&buf, &len);
    assert_int_equal(dcs_store_export_csv(st, &ex, f), DCS_EINVAL);
    fclose(f);
    free(buf);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_then_score),
        cmocka_unit_test(test_import_between),
        cmocka_unit_test(test_own_gap_limit),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_header_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
