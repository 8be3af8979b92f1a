/* rollup_test.c: rollups are exact. Two days of samples are scored from raw, then
 * rolled up, compacted (raw files removed) and scored again from the rollups
 * alone: energies, PUE and coverage agree to 1e-9, hourly and per 15 min. A
 * rollup's buckets carry hand-checkable figures, and compaction never removes a
 * raw day without its rollup. Current rollups stand in for raw days that still
 * exist; a changed raw day is read raw until its rollup is made again. */
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
#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/metric/dcs_metric.h"
#include "../engine/store/dcs_store.h"
#include "testutil.h"

#define M (60 * DCS_NS_PER_S)
#define D0 ((int64_t)1795305600 * DCS_NS_PER_S) /* 2026-11-22T00:00:00Z */

static const char *yaml =
    "site: {id: ru-01, name: Rollup site, region: qingpu, pue_category: 1,\n"
    "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
    "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]\n"
    "channels:\n"
    "  - {id: fac, device: m, function: 4, address: 0, type: float32, kind: power, unit: W, role: facility_total}\n"
    "  - {id: it, device: m, function: 4, address: 2, type: float32, kind: power, unit: W, role: it_total}\n";

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want))))
        fail_msg("%s: %.17g vs %.17g", what, got, want);
}

/* Minute samples over two days (and the first minute of the third): fac
 * 1500 + 300 sin, it 1000 + 100 cos, with a 10-minute outage at 13:00 on day 1. */
static dcs_config_t *setup(const char *dir)
{
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int i = 0; i <= 2 * 1440; i++) {
        int out = i >= 13 * 60 && i < 13 * 60 + 10;
        dcs_sample_t s[2] = {
            {.channel = 0, .t_ns = D0 + i * M, .value = 1500 + 300 * sin(i / 50.0),
             .flag = out ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK},
            {.channel = 1, .t_ns = D0 + i * M, .value = 1000 + 100 * cos(i / 70.0)},
        };
        assert_int_equal(dcs_store_append(st, s, 2), 0);
    }
    dcs_store_close(st);
    return cfg;
}

static dcs_metric_score_t *score(dcs_config_t *cfg, int64_t bucket)
{
    dcs_store_t *st;
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_metric_score(cfg, st, D0, D0 + 2 * 1440 * M, bucket, &sc, err, sizeof err), 0);
    dcs_store_close(st);
    return sc;
}

static void same(const dcs_metric_score_t *a, const dcs_metric_score_t *b)
{
    near(b->e_dc_wh, a->e_dc_wh, "E_DC");
    near(b->e_it_wh, a->e_it_wh, "E_IT");
    near(b->pue, a->pue, "PUE");
    near(b->coverage, a->coverage, "coverage");
    assert_int_equal(a->nbuckets, b->nbuckets);
    for (size_t k = 0; k < a->nbuckets; k++) {
        near(b->bucket_e_dc_wh[k], a->bucket_e_dc_wh[k], "bucket E_DC");
        near(b->bucket_coverage[k], a->bucket_coverage[k], "bucket coverage");
    }
}

static void test_scores_from_rollups_equal_raw(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("rollup");
    dcs_config_t *cfg = setup(dir);
    dcs_metric_score_t *raw_h = score(cfg, 60 * M), *raw_q = score(cfg, 15 * M);
    assert_true(raw_h->coverage < 1.0); /* the outage shows */
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    int64_t day0 = dcs_time_day(D0);
    assert_int_equal(dcs_store_rollup_day(st, day0), 0);
    assert_int_equal(dcs_store_rollup_day(st, day0 + 1), 0);
    /* Hour 0 of day 1, it: samples at minutes 0..59 -> count 60; energy is the
     * trapezoid over minutes 0..60 of 1000 + 100 cos(i/70), computed here. */
    dcs_agg_rollup_t *r;
    size_t n;
    assert_int_equal(dcs_store_rollup_read(st, "it", day0, DCS_STORE_PT1H, &r, &n), 0);
    assert_int_equal(n, 24);
    assert_int_equal(r[0].count, 60);
    double e = 0;
    for (int i = 0; i < 60; i++)
        e += 0.5 * (2000 + 100 * cos(i / 70.0) + 100 * cos((i + 1) / 70.0)) / 60.0;
    near(r[0].e_wh, e, "hour 0 energy by hand");
    near(r[0].covered_s, 3600, "hour 0 coverage");
    free(r);
    assert_int_equal(dcs_store_rollup_read(st, "fac", day0, DCS_STORE_PT15M, &r, &n), 0);
    assert_int_equal(n, 96);
    /* Samples at 13:00..13:09 are flagged: the segments 13:00-13:01 .. 13:09-13:10 each
     * have a missing end (10 minutes; 12:59-13:00 belongs to the bucket before). */
    near(r[52].covered_s, 900 - 10 * 60, "13:00-13:15 lost 10 minutes to the outage");
    assert_int_equal(r[52].count, 5); /* 13:10 .. 13:14 valid */
    free(r);
    size_t removed;
    assert_int_equal(dcs_store_compact(st, day0 + 2, &removed), 0);
    assert_int_equal(removed, 2);
    assert_false(dcs_store_day_exists(st, day0));
    dcs_store_close(st);
    dcs_metric_score_t *roll_h = score(cfg, 60 * M), *roll_q = score(cfg, 15 * M);
    same(raw_h, roll_h);
    same(raw_q, roll_q);
    dcs_metric_score_free(raw_h), dcs_metric_score_free(raw_q);
    dcs_metric_score_free(roll_h), dcs_metric_score_free(roll_q);
    dcs_config_free(cfg);
}

/* Current rollups replace raw days that still exist, when they answer the
 * buckets exactly; a raw day changed since its rollup is read raw until the
 * next rollup pass makes the rollup again. */
static void test_current_rollups_replace_raw(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("current");
    dcs_config_t *cfg = setup(dir);
    dcs_metric_score_t *raw = score(cfg, 60 * M), *sc;
    assert_int_equal(raw->days, 2);
    assert_int_equal(raw->days_from_rollups, 0);
    dcs_store_t *st;
    char err[256], path[4500];
    int64_t day0 = dcs_time_day(D0);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_rollup_day(st, day0), 0);
    assert_int_equal(dcs_store_rollup_day(st, day0 + 1), 0);
    assert_true(dcs_store_rollup_current(st, day0));
    sc = score(cfg, 60 * M);
    assert_int_equal(sc->days_from_rollups, 2);
    same(raw, sc);
    dcs_metric_score_free(sc);
    /* A window that does not align to a rollup bucket reads raw. */
    assert_int_equal(dcs_metric_score(cfg, st, D0 + 30 * DCS_NS_PER_S, D0 + 2 * 1440 * M, 60 * M, &sc,
                                      err, sizeof err), 0);
    assert_int_equal(sc->days_from_rollups, 0);
    dcs_metric_score_free(sc);
    /* Day 0's raw file changes (here only its mtime): its rollup is stale. */
    dcs_store_day_path(st, D0, path, sizeof path);
    struct timespec ts[2] = {{.tv_sec = 1700000000}, {.tv_sec = 1700000000}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    assert_false(dcs_store_rollup_current(st, day0));
    sc = score(cfg, 60 * M);
    assert_int_equal(sc->days_from_rollups, 1);
    same(raw, sc); /* raw day 0 and rollup day 1 meet at midnight exactly */
    dcs_metric_score_free(sc);
    assert_int_equal(dcs_store_rollup_day(st, day0), 0); /* made again */
    assert_true(dcs_store_rollup_current(st, day0));
    /* Stale again: compaction remakes the rollup before removing the raw day. */
    ts[0].tv_sec = ts[1].tv_sec = 1700000001;
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    size_t removed;
    assert_int_equal(dcs_store_compact(st, day0 + 1, &removed), 0);
    assert_int_equal(removed, 1);
    dcs_store_rollup_path(st, day0, path, sizeof path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    long long mt = 0;
    hid_t a = H5Aopen(f, "raw_mtime_ns", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &mt);
    H5Aclose(a);
    H5Fclose(f);
    assert_true(mt == 1700000001LL * 1000000000LL);
    dcs_store_close(st);
    dcs_metric_score_free(raw);
    dcs_config_free(cfg);
}

/* A long raw window over many channels: scoring reads channels in groups of 64
 * and raw days in slices of 31, and neither seam loses energy. 70 channels, 40
 * days of constant power at 1-min steps: channel k draws 100 + k W, so its
 * energy is (100 + k) x 960 h exactly (1e-9). */
static void test_long_window_many_channels(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("long");
    char *y = malloc(70 * 160 + 400);
    int len = sprintf(y, "site: {id: lw-01, name: Long, region: qingpu, pue_category: 1,\n"
                         "       poll_interval_ms: 60000, gap_limit_s: 120, store_dir: store}\n"
                         "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]\n"
                         "channels:\n");
    for (int k = 0; k < 70; k++)
        len += sprintf(y + len, "  - {id: c%02d, device: m, function: 4, address: %d, type: float32, "
                                "kind: power, unit: W, role: %s}\n", k, 2 * k,
                       k == 0 ? "facility_total" : k == 1 ? "it_total" : "cooling");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", y), &cfg), 0);
    free(y);
    dcs_store_t *st;
    dcs_sample_t s[70];
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int i = 0; i <= 40 * 1440; i++) {
        for (int k = 0; k < 70; k++)
            s[k] = (dcs_sample_t){.channel = (uint32_t)k, .t_ns = D0 + i * M, .value = 100 + k};
        assert_int_equal(dcs_store_append(st, s, 70), 0);
        if (i % 1440 == 0)
            assert_int_equal(dcs_store_flush(st), 0);
    }
    dcs_store_close(st);
    dcs_metric_score_t *sc;
    char err[256];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_metric_score(cfg, st, D0, D0 + 40 * 1440 * M, 60 * M, &sc, err, sizeof err), 0);
    for (int k = 0; k < 70; k++) {
        near(sc->channels[k].e_wh, (100.0 + k) * 960.0, sc->channels[k].channel == (unsigned)k
                                                            ? "channel energy" : "channel order");
        near(sc->channels[k].coverage, 1.0, "channel coverage");
    }
    near(sc->pue, 100.0 / 101.0, "PUE = 100 W / 101 W");
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

static void test_compact_needs_a_rollup(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("compact");
    dcs_config_t *cfg = setup(dir);
    dcs_store_t *st;
    char path[4500];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    size_t removed;
    /* No rollup yet: compaction makes it first, then removes the raw day. */
    assert_int_equal(dcs_store_compact(st, dcs_time_day(D0) + 1, &removed), 0);
    assert_int_equal(removed, 1);
    dcs_store_rollup_path(st, dcs_time_day(D0), path, sizeof path);
    assert_int_equal(access(path, R_OK), 0);
    assert_true(dcs_store_day_exists(st, dcs_time_day(D0) + 1)); /* kept: within retention */
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* Write a layout-1 rollup file by hand (a group per channel and level, as
 * earlier versions wrote): one channel "it", PT1H only, n <= 24 buckets, bucket
 * k holding count k, e_wh 10 k. */
static void write_layout1(const char *path, int64_t day, hsize_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(f, "/channels/it/PT1H", lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    assert_true(g >= 0);
    int64_t t0[24];
    uint64_t cnt[24];
    double e[24], zero[24];
    for (int k = 0; k < 24; k++)
        t0[k] = day * 86400 * DCS_NS_PER_S + k * 60 * M, cnt[k] = (uint64_t)k, e[k] = 10.0 * k, zero[k] = 0;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    const char *names[7] = {"start_ns", "count", "sum", "min", "max", "e_wh", "covered_s"};
    const void *data[7] = {t0, cnt, zero, zero, zero, e, zero};
    for (int k = 0; k < 7; k++) {
        hid_t t = k == 0 ? H5T_NATIVE_INT64 : k == 1 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE;
        hid_t d = H5Dcreate2(g, names[k], t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        assert_true(d >= 0 && (!n || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data[k]) >= 0));
        H5Dclose(d);
    }
    H5Sclose(sp);
    H5Gclose(g);
    H5Fclose(f);
}

/* `dcscore inspect` on a rollup file (it said "not a dcscore store" until
 * 2026-12-01). One channel at 1200 W every minute from 00:00 to the next day's
 * 00:00, missing 13:00-13:09 (10 samples): 1430 samples in 1430 minutes; the
 * 11 one-minute intervals that touch the hole are not integrated (gap limit
 * 120 s), so E = 1429 x 1200 W x 1/60 h = 28580 Wh and coverage 1429/1440 =
 * 99.2 %. */
static void test_inspect_rollup(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("rollup-inspect");
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yaml), &cfg), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    for (int i = 0; i <= 1440; i++) {
        int out = i >= 13 * 60 && i < 13 * 60 + 10;
        dcs_sample_t smp = {.channel = 1, .t_ns = D0 + i * M, .value = out ? NAN : 1200,
                            .flag = out ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK};
        assert_int_equal(dcs_store_append(st, &smp, 1), 0);
    }
    dcs_store_close(st);
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_rollup_day(st, dcs_time_day(D0)), 0);
    char path[4400], *text = NULL;
    size_t len = 0;
    dcs_store_rollup_path(st, dcs_time_day(D0), path, sizeof path);
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(dcs_store_inspect(path, out), 0);
    fclose(out);
    if (!strstr(text, "rollup layout 2, day 2026-11-22 (UTC)") ||
        !strstr(text, "it                           1430 samples in 1430 of 1440 min  "
                      "energy 28580.000 Wh  coverage  99.2 %"))
        fail_msg("%s", text);
    free(text);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* Layout 2 reads many channels at once and says which it holds; layout-1 files
 * of earlier versions are still read; a newer layout is refused by name. */
static void test_rollup_layouts(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("rollup-layouts");
    dcs_config_t *cfg = setup(dir);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    int64_t day0 = dcs_time_day(D0);
    assert_int_equal(dcs_store_rollup_day(st, day0), 0);
    const char *ids[3] = {"it", "nope", "fac"};
    dcs_agg_rollup_t r[3 * 96], *one;
    uint8_t have[3];
    size_t n;
    assert_int_equal(dcs_store_rollup_buckets(DCS_STORE_PT15M), 96);
    assert_int_equal(dcs_store_rollup_read_many(st, ids, 3, day0, DCS_STORE_PT15M, r, have), 0);
    assert_true(have[0] && !have[1] && have[2]);
    assert_int_equal(dcs_store_rollup_read(st, "fac", day0, DCS_STORE_PT15M, &one, &n), 0);
    assert_int_equal(n, 96);
    for (size_t k = 0; k < 96; k++) { /* the grouped read is the single read */
        assert_int_equal(r[2 * 96 + k].count, one[k].count);
        near(r[2 * 96 + k].e_wh, one[k].e_wh, "grouped read e_wh");
        assert_true(r[2 * 96 + k].start_ns == D0 + (int64_t)k * 15 * M);
    }
    free(one);
    assert_int_equal(dcs_store_rollup_read(st, "nope", day0, DCS_STORE_PT1H, &one, &n), DCS_ENODATA);
    char path[4400];
    dcs_store_rollup_path(st, day0 + 1, path, sizeof path);
    write_layout1(path, day0 + 1, 24);
    assert_int_equal(dcs_store_rollup_read(st, "it", day0 + 1, DCS_STORE_PT1H, &one, &n), 0);
    assert_int_equal(n, 24);
    assert_int_equal(one[5].count, 5);
    near(one[5].e_wh, 50.0, "layout 1 e_wh");
    assert_true(one[5].start_ns == D0 + 1440 * M + 5 * 60 * M);
    free(one);
    assert_int_equal(dcs_store_rollup_read(st, "fac", day0 + 1, DCS_STORE_PT1H, &one, &n), DCS_ENODATA);
    /* Empty layout-1 datasets read as a day of empty buckets (2026-12-01: the
     * padding took its start from the first stored bucket, past an empty buffer). */
    char path2[4400];
    dcs_store_rollup_path(st, day0 + 2, path2, sizeof path2);
    write_layout1(path2, day0 + 2, 0);
    assert_int_equal(dcs_store_rollup_read(st, "it", day0 + 2, DCS_STORE_PT1H, &one, &n), 0);
    assert_int_equal(n, 24);
    for (size_t k = 0; k < 24; k++) {
        assert_int_equal(one[k].count, 0);
        assert_true(one[k].start_ns == D0 + 2 * 1440 * M + (int64_t)k * 60 * M);
        near(one[k].covered_s, 0.0, "empty bucket coverage");
    }
    free(one);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT); /* mark it as from a newer dcscore */
    hid_t sp = H5Screate(H5S_SCALAR);
    long long v = 99;
    hid_t a = H5Acreate2(f, "rollup_layout", H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a), H5Sclose(sp), H5Fclose(f);
    assert_int_equal(dcs_store_rollup_read(st, "it", day0 + 1, DCS_STORE_PT1H, &one, &n), DCS_ESTORE);
    assert_non_null(strstr(dcs_store_errmsg(st), "rollup layout 99 is newer"));
    assert_non_null(strstr(dcs_store_errmsg(st), path));
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* A rollup file whose statistics matrix claims chunks longer than the matrix
 * (fuzz_store_file, 2026-12-02: HDF5 copied past its own buffer inside H5Dread,
 * an ASan report in this test's sanitizer build). The damaged PT1M "count" is
 * refused with the file named; the same file's undamaged PT15M level still reads
 * its two channels' 96 buckets. */
static void test_damaged_chunk_refused(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir("rollup-chunk");
    char yml[512], cmd[9000];
    snprintf(yml, sizeof yml, "%s", yaml);
    memcpy(strstr(yml, "ru-01"), "fz-01", 5);
    dcs_config_t *cfg;
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", yml), &cfg), 0);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/store/fz-01/rollup' && cp '%s/tests/fuzz/corpus/fuzz_store_file/"
             "crash-2026-12-02-rollup-chunk.h5' '%s/store/fz-01/rollup/fz-01_20261124.h5'",
             dir, tu_src(), dir);
    assert_int_equal(system(cmd), 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    static dcs_agg_rollup_t r[2 * 1440];
    uint8_t have[2] = {0, 0};
    const char *ids[2] = {"fac", "it"};
    assert_int_equal(dcs_store_rollup_read_many(st, ids, 2, 20781, DCS_STORE_PT1M, r, have), DCS_ESTORE);
    assert_non_null(strstr(dcs_store_errmsg(st), "fz-01_20261124.h5"));
    assert_int_equal(dcs_store_rollup_read_many(st, ids, 2, 20781, DCS_STORE_PT15M, r, have), 0);
    assert_true(have[0] && have[1]);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_from_rollups_equal_raw),
        cmocka_unit_test(test_current_rollups_replace_raw),
        cmocka_unit_test(test_long_window_many_channels),
        cmocka_unit_test(test_compact_needs_a_rollup),
        cmocka_unit_test(test_rollup_layouts),
        cmocka_unit_test(test_inspect_rollup),
        cmocka_unit_test(test_damaged_chunk_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
