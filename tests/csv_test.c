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
    /* The same rows again would interleave with what is stored: refused. */
    assert_int_equal(import(cfg, path, 0, &im, err), DCS_EINVAL);
    assert_non_null(strstr(err, "already has samples after the first imported time"));
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
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *only[] = {"it", "fac"};
    dcs_store_export_t ex = {.from_ns = T0, .to_ns = T0 + 3600 * DCS_NS_PER_S, .channels = only,
                             .nchannels = 2, .bom = 1};
    assert_int_equal(dcs_store_export_csv(st, &ex, f), 0);
    fclose(f);
    const char *head = "\xEF\xBB\xBFtime_utc,time_local,it (W),fac (W)\r\n";
    assert_true(strncmp(buf, head, strlen(head)) == 0);
    assert_non_null(strstr(buf, "\r\n2026-11-24T00:00:00Z,2026-11-24T08:00:00+08:00,1000,1500\r\n"));
    size_t rows = 0;
    for (char *p = buf; (p = strstr(p, "\r\n")); p += 2)
        rows++;
    assert_int_equal(rows, 61); /* header + 60 ticks in [08:00, 09:00) */
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
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_header_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
