/* store_test.c: the HDF5 day-file store: round trip, rotation at UTC midnight,
 * appending after reopen, a writer that died without closing, one writer per
 * store, and files that are foreign or truncated (a clear error naming the file,
 * nothing else lost). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../engine/store/dcs_store.h"
#include "testutil.h"

static const char *site_yaml =
    "site: {id: st-01, name: Store test, region: lingang, pue_category: 1,\n"
    "       poll_interval_ms: 1000, store_dir: store}\n"
    "devices:\n"
    "  - {id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_energy, role: it_total}\n";

/* 2026-11-23T23:59:58Z */
#define T0 ((int64_t)1795478398 * DCS_NS_PER_S)

static dcs_config_t *setup(const char *name, char *dir_out)
{
    const char *dir = tu_tmpdir(name);
    dcs_config_t *cfg = NULL;
    strcpy(dir_out, dir);
    assert_int_equal(dcs_config_load(tu_write(dir, "site.yaml", site_yaml), &cfg), 0);
    return cfg;
}

/* n samples per channel, 1 s apart from t0; every 3rd 'it' sample flagged. */
static void write_samples(dcs_store_t *st, int64_t t0, int n)
{
    for (int i = 0; i < n; i++) {
        dcs_sample_t s[2] = {
            {.channel = 0, .t_ns = t0 + i * DCS_NS_PER_S, .value = 1000.0 + i},
            {.channel = 1, .t_ns = t0 + i * DCS_NS_PER_S, .value = 50.0 * i,
             .flag = i % 3 == 2 ? DCS_SAMPLE_TIMEOUT : DCS_SAMPLE_OK},
        };
        assert_int_equal(dcs_store_append(st, s, 2), 0);
    }
}

static void test_round_trip_across_midnight(void **state)
{
    (void)state;
    char dir[512], path[1024];
    dcs_config_t *cfg = setup("roundtrip", dir);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, T0, 5); /* 23:59:58 .. 00:00:02: two day files */
    assert_int_equal(dcs_store_flush(st), 0);
    dcs_store_close(st);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261123.h5", dir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261124.h5", dir);
    assert_int_equal(access(path, R_OK), 0);

    dcs_store_series_t s;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "it", T0, T0 + 10 * DCS_NS_PER_S, &s), 0);
    assert_int_equal(s.n, 5);
    for (size_t i = 0; i < s.n; i++) {
        assert_true(s.t_ns[i] == T0 + (int64_t)i * DCS_NS_PER_S);
        if (i % 3 == 2)
            assert_true(isnan(s.value[i]) && s.flag[i] == DCS_SAMPLE_TIMEOUT);
        else
            assert_true(s.value[i] == 50.0 * (double)i && s.flag[i] == DCS_SAMPLE_OK);
    }
    dcs_store_series_free(&s);
    int64_t a, b;
    assert_int_equal(dcs_store_range(st, &a, &b), 0);
    assert_true(a == T0 && b == T0 + 4 * DCS_NS_PER_S);
    assert_int_equal(dcs_store_read(st, "nope", T0, T0, &s), DCS_EINVAL);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

static void test_reopen_appends(void **state)
{
    (void)state;
    char dir[512];
    dcs_config_t *cfg = setup("append", dir);
    dcs_store_t *st;
    int64_t t = T0 - 3600 * DCS_NS_PER_S;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
        dcs_store_set_fsync(st, round); /* the second round also fsyncs */
        write_samples(st, t + round * 10 * DCS_NS_PER_S, 4);
        dcs_store_close(st); /* close flushes */
    }
    dcs_store_series_t s;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "fac", t, t + 60 * DCS_NS_PER_S, &s), 0);
    assert_int_equal(s.n, 8);
    assert_true(s.t_ns[4] == t + 10 * DCS_NS_PER_S);
    dcs_store_series_free(&s);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* Read /poller/stats of a day file: rows into v (at most max), returns the count. */
static int read_stats(const char *path, double (*v)[DCS_STORE_STATS_N], int max, char *cols,
                      size_t len)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, "/poller/stats", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[2];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    assert_true((int)dims[0] <= max && dims[1] == DCS_STORE_STATS_N);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    hid_t a = H5Aopen(d, "columns", H5P_DEFAULT), t = H5Aget_type(a);
    char *names = NULL;
    assert_true(H5Aread(a, t, &names) >= 0);
    snprintf(cols, len, "%s", names);
    H5free_memory(names);
    H5Tclose(t), H5Aclose(a), H5Sclose(sp), H5Dclose(d), H5Fclose(f);
    return (int)dims[0];
}

/* Self-metrics rows go with the samples into the day file of their time, exactly
 * as handed over; a row of the next day waits until that day's file is open. */
static void test_self_metrics_stored(void **state)
{
    (void)state;
    char dir[512], path[1024], cols[512];
    dcs_config_t *cfg = setup("selfstats", dir);
    dcs_store_t *st;
    double row[DCS_STORE_STATS_N], got[4][DCS_STORE_STATS_N];
    for (int k = 0; k < DCS_STORE_STATS_N; k++)
        row[k] = 1.5 * k;
    int64_t t = T0 - 60 * DCS_NS_PER_S; /* 23:58:58 */
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, t, 3);
    dcs_store_put_stats(st, t + 2 * DCS_NS_PER_S, row);
    assert_int_equal(dcs_store_flush(st), 0);
    row[0] = 7;
    dcs_store_put_stats(st, t + 3 * DCS_NS_PER_S, row);
    assert_int_equal(dcs_store_flush(st), 0); /* no new samples: the row still goes in */
    row[0] = 8;
    dcs_store_put_stats(st, T0 + 5 * DCS_NS_PER_S, row); /* next day, no file for it yet */
    assert_int_equal(dcs_store_flush(st), 0);
    write_samples(st, T0 + 4 * DCS_NS_PER_S, 2);
    dcs_store_close(st);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261123.h5", dir);
    assert_int_equal(read_stats(path, got, 4, cols, sizeof cols), 2);
    assert_true(got[0][0] == 0 && got[0][18] == 1.5 * 18 && got[1][0] == 7 && got[1][5] == 7.5);
    assert_string_equal(cols, "cycles,polls,overruns,late_answers,samples_written,samples_ok,"
                              "samples_timeout,samples_exception,samples_garbage,"
                              "samples_no_connection,samples_no_such_object,"
                              "samples_out_of_range,samples_backoff,latency_p50_ms,"
                              "latency_p99_ms,cycle_p50_ms,cycle_p99_ms,max_cycle_ms,"
                              "devices_down");
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261124.h5", dir);
    assert_int_equal(read_stats(path, got, 4, cols, sizeof cols), 1);
    assert_true(got[0][0] == 8);
    dcs_config_free(cfg);
}

static void test_writer_that_died_is_recovered(void **state)
{
    (void)state;
    char dir[512], notice[1024];
    dcs_config_t *cfg = setup("died", dir);
    int64_t t = T0 - 7200 * DCS_NS_PER_S;
    pid_t pid = fork();
    if (pid == 0) { /* child: write, flush, die without closing (as kill -9 would) */
        dcs_store_t *w;
        dcs_store_open(cfg, 'w', &w);
        write_samples(w, t, 3);
        dcs_store_flush(w);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    dcs_store_t *st;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, t + 5 * DCS_NS_PER_S, 2);
    assert_int_equal(dcs_store_flush(st), 0);
    assert_int_equal(dcs_store_notice(st, notice, sizeof notice), 1);
    assert_non_null(strstr(notice, "recovered"));
    dcs_store_close(st);
    dcs_store_series_t s;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "fac", t, t + 60 * DCS_NS_PER_S, &s), 0);
    assert_int_equal(s.n, 5); /* the dead writer's 3 flushed samples + 2 new */
    dcs_store_series_free(&s);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

/* One writer per store: a second process is refused with the holder's PID;
 * the same process may lock twice (a poller's reload); a lock left by kill -9
 * is taken over and said so. */
static void test_one_writer(void **state)
{
    (void)state;
    char dir[512], notice[1024];
    dcs_config_t *cfg = setup("lock", dir);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) { /* child: hold the lock until killed */
        dcs_store_t *w;
        dcs_store_open(cfg, 'w', &w);
        char ok = dcs_store_lock(w, "poll") == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    assert_int_equal(ok, 'y');
    dcs_store_t *a, *b;
    assert_int_equal(dcs_store_open(cfg, 'w', &a), 0);
    assert_int_equal(dcs_store_lock(a, "import"), DCS_EBUSY);
    char want[128];
    snprintf(want, sizeof want, "is being written by PID %ld (dcscore poll): one writer per store", (long)pid);
    if (!strstr(dcs_store_errmsg(a), want))
        fail_msg("%s", dcs_store_errmsg(a));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(dcs_store_lock(a, "import"), 0); /* the kernel dropped the dead holder's lock */
    assert_int_equal(dcs_store_notice(a, notice, sizeof notice), 1);
    snprintf(want, sizeof want, "took over the lock left by PID %ld (dcscore poll)", (long)pid);
    if (!strstr(notice, want))
        fail_msg("%s", notice);
    assert_int_equal(dcs_store_open(cfg, 'w', &b), 0);
    assert_int_equal(dcs_store_lock(b, "poll"), 0); /* same process: shared */
    dcs_store_close(a);
    dcs_store_close(b);
    close(ready[0]), close(ready[1]);
    dcs_config_free(cfg);
}

/* 2026-11-23: a day file that cannot be read must not stop the other days. */
static void test_foreign_and_truncated_files(void **state)
{
    (void)state;
    char dir[512], path[1024], cmd[2400];
    dcs_config_t *cfg = setup("foreign", dir);
    dcs_store_t *st;
    /* A good day, then a foreign HDF5 file and a truncated copy on other days. */
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, T0 - 90000 * DCS_NS_PER_S, 3); /* 2026-11-22T22:59:58Z */
    dcs_store_close(st);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261123.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    dcs_store_series_t s;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    /* The foreign day is skipped and named; the read itself succeeds. */
    assert_int_equal(dcs_store_read(st, "fac", T0 - 10 * DCS_NS_PER_S, T0, &s), 0);
    assert_int_equal(s.n, 0);
    dcs_store_series_free(&s);
    assert_non_null(dcs_store_problem(st, 0));
    assert_non_null(strstr(dcs_store_problem(st, 0), "st-01_20261123.h5: not a dcscore store"));
    /* the good day still reads */
    assert_int_equal(dcs_store_read(st, "fac", T0 - 90000 * DCS_NS_PER_S, T0 - 89990 * DCS_NS_PER_S, &s), 0);
    assert_int_equal(s.n, 3);
    dcs_store_series_free(&s);
    snprintf(cmd, sizeof cmd, "head -c 300 '%s/store/st-01/st-01_20261122.h5' > '%s/store/st-01/st-01_20261121.h5'",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    /* A truncated day: skipped and named; reading across all three days still
     * returns the good day's samples. */
    assert_int_equal(dcs_store_read(st, "fac", T0 - 176400 * DCS_NS_PER_S, T0, &s), 0);
    assert_int_equal(s.n, 3);
    dcs_store_series_free(&s);
    assert_non_null(strstr(dcs_store_problem(st, 1), "st-01_20261121.h5: cannot open"));
    assert_null(dcs_store_problem(st, 2));
    int64_t a, b;
    assert_int_equal(dcs_store_range(st, &a, &b), 0); /* range over the readable days */
    assert_true(a == T0 - 90000 * DCS_NS_PER_S);
    dcs_store_close(st);
    /* a writer refuses to append to the foreign file, naming it */
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, T0 - 5 * DCS_NS_PER_S, 1);
    assert_int_equal(dcs_store_flush(st), DCS_ESTORE);
    assert_non_null(strstr(dcs_store_errmsg(st), "st-01_20261123.h5"));
    dcs_store_close(st);
    dcs_store_close(NULL);
    dcs_config_free(cfg);
}

/* A store holding n samples of the site's two channels from t (config *a),
 * and the site again as yaml_b says (*b): channels added or reordered. */
static void reconfigured(const char *name, char *dir, int64_t t, int n, const char *yaml_b, dcs_config_t **a,
                         dcs_config_t **b)
{
    dcs_store_t *st;
    *a = setup(name, dir);
    assert_int_equal(dcs_store_open(*a, 'w', &st), 0);
    write_samples(st, t, n);
    dcs_store_close(st);
    assert_int_equal(dcs_config_load(tu_write(dir, "site2.yaml", yaml_b), b), 0);
}

/* A channel added to the config mid-day starts in the same day file: the writer
 * creates its datasets before SWMR starts; the old channels keep their samples. */
static void test_channel_added_mid_day(void **state)
{
    (void)state;
    char dir[512], yaml[2048];
    dcs_config_t *a, *b;
    int64_t t = T0 - 3 * 3600 * DCS_NS_PER_S;
    dcs_store_t *st;
    snprintf(yaml, sizeof yaml, "%s  - {id: new, device: m, point: total_power, role: cooling}\n", site_yaml);
    reconfigured("midday", dir, t, 3, yaml, &a, &b);
    assert_int_equal(dcs_store_open(b, 'w', &st), 0);
    dcs_sample_t s[3] = {{.channel = 0, .t_ns = t + 10 * DCS_NS_PER_S, .value = 1},
                         {.channel = 1, .t_ns = t + 10 * DCS_NS_PER_S, .value = 2},
                         {.channel = 2, .t_ns = t + 10 * DCS_NS_PER_S, .value = 3}};
    assert_int_equal(dcs_store_append(st, s, 3), 0);
    assert_int_equal(dcs_store_flush(st), 0);
    dcs_store_close(st);
    dcs_store_series_t r;
    assert_int_equal(dcs_store_open(b, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "new", t, t + 60 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 1);
    assert_true(r.value[0] == 3);
    dcs_store_series_free(&r);
    assert_int_equal(dcs_store_read(st, "fac", t, t + 60 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 4); /* 3 before the change + 1 after */
    dcs_store_series_free(&r);
    dcs_store_close(st);
    dcs_config_free(a);
    dcs_config_free(b);
}

/* The day file's column map: /samples/columns names each column; own_gaps 0
 * on a polled day. Readers use it, and without it (a file written before it
 * existed) they map channel by channel to the same samples. */
static void test_column_map(void **state)
{
    (void)state;
    char dir[512], yaml[2048], path[900];
    dcs_config_t *a, *b;
    int64_t t = T0 - 3 * 3600 * DCS_NS_PER_S;
    dcs_store_t *st;
    /* reordered, one channel more: new columns go after the file's */
    snprintf(yaml, sizeof yaml, "%.*s  - {id: new, device: m, point: total_power, role: cooling}\n"
             "  - {id: fac, device: m, point: total_power, role: facility_total}\n",
             (int)(strstr(site_yaml, "  - {id: fac") - site_yaml), site_yaml);
    strcat(yaml, "  - {id: it, device: m, point: total_energy, role: it_total}\n");
    reconfigured("colmap", dir, t, 3, yaml, &a, &b);
    assert_int_equal(dcs_store_open(b, 'w', &st), 0);
    dcs_sample_t s[1] = {{.channel = 0, .t_ns = t + 10 * DCS_NS_PER_S, .value = 3}};
    assert_int_equal(dcs_store_append(st, s, 1), 0);
    assert_int_equal(dcs_store_flush(st), 0);
    dcs_store_day_path(st, t, path, sizeof path);
    dcs_store_close(st);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/samples/columns", H5P_DEFAULT), ty = H5Dget_type(d);
    char names[3][8] = {{0}};
    assert_int_equal(H5Tget_size(ty), 4); /* "fac" and its NUL: the longest */
    assert_true(H5Dread(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0);
    assert_string_equal((char *)names, "fac");
    assert_string_equal((char *)names + 4, "it");
    assert_string_equal((char *)names + 8, "new");
    long long own = -1;
    hid_t at = H5Aopen(f, "own_gaps", H5P_DEFAULT);
    assert_true(H5Aread(at, H5T_NATIVE_LLONG, &own) >= 0);
    assert_int_equal(own, 0);
    H5Aclose(at), H5Tclose(ty), H5Dclose(d), H5Fclose(f);
    for (int pass = 0; pass < 2; pass++) { /* with the map, then without */
        dcs_store_series_t r[3];
        const char *ids[3] = {"new", "it", "fac"};
        assert_int_equal(dcs_store_open(b, 'r', &st), 0);
        assert_int_equal(dcs_store_read_many(st, ids, 3, t, t + 60 * DCS_NS_PER_S, r), 0);
        assert_int_equal(r[0].n, 1);
        assert_true(r[0].value[0] == 3);
        assert_int_equal(r[1].n, 3);
        assert_int_equal(r[2].n, 3);
        assert_true(r[2].value[2] == 1002);
        for (int k = 0; k < 3; k++)
            dcs_store_series_free(&r[k]);
        dcs_store_close(st);
        f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        assert_true(f >= 0);
        assert_true(pass || H5Ldelete(f, "/samples/columns", H5P_DEFAULT) >= 0);
        H5Fclose(f);
    }
    dcs_config_free(a);
    dcs_config_free(b);
}

/* A channel added after 200 rows: its column's first chunk was never written
 * (no address in the file), so it is read through HDF5's fill values (no
 * sample) while the written chunks are read directly. */
static void test_channel_added_after_a_chunk(void **state)
{
    (void)state;
    char dir[512], yaml[2048];
    dcs_config_t *a, *b;
    int64_t t = T0 - 3 * 3600 * DCS_NS_PER_S;
    dcs_store_t *st;
    snprintf(yaml, sizeof yaml, "%s  - {id: new, device: m, point: total_power, role: cooling}\n", site_yaml);
    reconfigured("latecol", dir, t, 200, yaml, &a, &b);
    assert_int_equal(dcs_store_open(b, 'w', &st), 0);
    for (int i = 0; i < 3; i++) {
        dcs_sample_t s = {.channel = 2, .t_ns = t + (300 + i) * DCS_NS_PER_S, .value = 7 + i};
        assert_int_equal(dcs_store_append(st, &s, 1), 0);
    }
    assert_int_equal(dcs_store_flush(st), 0);
    dcs_store_close(st);
    dcs_store_series_t r[2];
    const char *ids[2] = {"new", "fac"};
    assert_int_equal(dcs_store_open(b, 'r', &st), 0);
    assert_int_equal(dcs_store_read_many(st, ids, 2, t, t + 3600 * DCS_NS_PER_S, r), 0);
    assert_null(dcs_store_problem(st, 0));
    assert_int_equal(r[0].n, 3);
    for (int i = 0; i < 3; i++)
        assert_true(r[0].value[i] == 7 + i && r[0].t_ns[i] == t + (300 + i) * DCS_NS_PER_S);
    assert_int_equal(r[1].n, 200);
    for (int i = 0; i < 200; i++)
        assert_true(r[1].value[i] == 1000.0 + i);
    dcs_store_series_free(&r[0]);
    dcs_store_series_free(&r[1]);
    dcs_store_close(st);
    dcs_config_free(a);
    dcs_config_free(b);
}

/* A channel configured after the day was written: the day file has no column
 * for it (fuzz_store_file, 2026-12-04, found the chunk reader setting up its
 * buffers by offsets from a null pointer then, which clang's UBSan reports;
 * `make test` replays that input in the fuzz build). No samples, no problem. */
static void test_no_wanted_column(void **state)
{
    (void)state;
    char dir[512], yaml[2048];
    dcs_config_t *a, *b;
    int64_t t = T0 - 3 * 3600 * DCS_NS_PER_S;
    snprintf(yaml, sizeof yaml, "%s  - {id: late, device: m, point: total_power, role: cooling}\n", site_yaml);
    reconfigured("nowanted", dir, t, 3, yaml, &a, &b);
    dcs_store_t *st;
    dcs_store_series_t r;
    assert_int_equal(dcs_store_open(b, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "late", t, t + 3600 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 0);
    assert_null(dcs_store_problem(st, 0));
    dcs_store_series_free(&r);
    dcs_store_close(st);
    dcs_config_free(a);
    dcs_config_free(b);
}

/* Channels with different sample counts in one flush share rows: the shorter
 * channel's extra cells hold no sample and read back as nothing. */
static void test_uneven_channels_share_rows(void **state)
{
    (void)state;
    char dir[512];
    dcs_config_t *cfg = setup("uneven", dir);
    dcs_store_t *st;
    int64_t t = T0 - 7 * 3600 * DCS_NS_PER_S;
    dcs_sample_t s[4] = {{.channel = 0, .t_ns = t, .value = 1},
                         {.channel = 0, .t_ns = t + DCS_NS_PER_S, .value = 2},
                         {.channel = 0, .t_ns = t + 2 * DCS_NS_PER_S, .value = 3},
                         {.channel = 1, .t_ns = t + DCS_NS_PER_S, .value = 7}};
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    assert_int_equal(dcs_store_append(st, s, 4), 0);
    dcs_store_close(st);
    const char *ids[2] = {"it", "fac"};
    dcs_store_series_t r[2];
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read_many(st, ids, 2, t, t + 60 * DCS_NS_PER_S, r), 0);
    assert_int_equal(r[0].n, 1);
    assert_true(r[0].t_ns[0] == t + DCS_NS_PER_S && r[0].value[0] == 7 && r[0].flag[0] == 0);
    assert_int_equal(r[1].n, 3);
    assert_true(r[1].value[0] == 1 && r[1].value[2] == 3 && r[1].t_ns[2] == t + 2 * DCS_NS_PER_S);
    dcs_store_series_free(&r[0]);
    dcs_store_series_free(&r[1]);
    /* the window cuts inside the day */
    assert_int_equal(dcs_store_read(st, "fac", t + DCS_NS_PER_S, t + DCS_NS_PER_S, &r[0]), 0);
    assert_int_equal(r[0].n, 1);
    assert_true(r[0].value[0] == 2);
    dcs_store_series_free(&r[0]);
    dcs_store_close(st);
    dcs_config_free(cfg);
}

static void v1_dataset(hid_t g, const char *name, hid_t type, const void *data, hsize_t n)
{
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
}

static void v1_attr(hid_t obj, const char *name, long long v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
}

/* A day file written by an earlier dcscore (schema 1: three datasets per
 * channel) is read as it is, and upgraded to schema 2 when appended to, its
 * samples kept. */
static void test_schema1_read_and_upgraded(void **state)
{
    (void)state;
    char dir[512], path[1024];
    dcs_config_t *cfg = setup("schema1", dir);
    int64_t t = T0 - 9 * 3600 * DCS_NS_PER_S; /* 2026-11-23 */
    snprintf(path, sizeof path, "%s/store", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/store/st-01", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261123.h5", dir);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS); /* as the schema-1 writer made them */
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    v1_attr(f, "schema_version", 1);
    v1_attr(f, "day_start_ns", (t / (86400 * DCS_NS_PER_S)) * 86400 * DCS_NS_PER_S);
    int64_t ts[3] = {t, t + DCS_NS_PER_S, t + 2 * DCS_NS_PER_S};
    double fac[3] = {10, 11, 12}, it[2] = {5, NAN};
    uint8_t ok[3] = {0, 0, 0}, fl[2] = {0, DCS_SAMPLE_TIMEOUT};
    const char *chans[2] = {"/channels/fac", "/channels/it"};
    hid_t root = H5Gcreate2(f, "/channels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(root);
    for (int c = 0; c < 2; c++) {
        hid_t g = H5Gcreate2(f, chans[c], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        v1_dataset(g, "t_ns", H5T_NATIVE_INT64, ts, c ? 2 : 3);
        v1_dataset(g, "value", H5T_NATIVE_DOUBLE, c ? it : fac, c ? 2 : 3);
        v1_dataset(g, "flag", H5T_NATIVE_UINT8, c ? fl : ok, c ? 2 : 3);
        H5Gclose(g);
    }
    H5Fclose(f);

    dcs_store_t *st;
    dcs_store_series_t r;
    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "it", t, t + 60 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 2);
    assert_true(r.value[0] == 5 && isnan(r.value[1]) && r.flag[1] == DCS_SAMPLE_TIMEOUT);
    dcs_store_series_free(&r);
    dcs_store_close(st);

    char note[800];
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    dcs_sample_t s[2] = {{.channel = 0, .t_ns = t + 3 * DCS_NS_PER_S, .value = 13},
                         {.channel = 1, .t_ns = t + 3 * DCS_NS_PER_S, .value = 6}};
    assert_int_equal(dcs_store_append(st, s, 2), 0);
    if (dcs_store_flush(st))
        fail_msg("%s", dcs_store_errmsg(st));
    assert_int_equal(dcs_store_notice(st, note, sizeof note), 1);
    assert_non_null(strstr(note, "upgraded store schema 1 to 2"));
    dcs_store_close(st);

    assert_int_equal(dcs_store_open(cfg, 'r', &st), 0);
    assert_int_equal(dcs_store_read(st, "fac", t, t + 60 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 4);
    assert_true(r.value[0] == 10 && r.value[2] == 12 && r.value[3] == 13);
    assert_true(r.t_ns[3] == t + 3 * DCS_NS_PER_S);
    dcs_store_series_free(&r);
    assert_int_equal(dcs_store_read(st, "it", t, t + 60 * DCS_NS_PER_S, &r), 0);
    assert_int_equal(r.n, 3);
    assert_true(r.value[0] == 5 && isnan(r.value[1]) && r.value[2] == 6);
    assert_true(r.t_ns[2] == t + 3 * DCS_NS_PER_S);
    dcs_store_series_free(&r);
    dcs_store_close(st);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    long long v = 0;
    hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    assert_int_equal(v, 2);
    assert_int_equal(H5Lexists(f, "/channels/fac/t_ns", H5P_DEFAULT), 0);
    H5Fclose(f);
    dcs_config_free(cfg);
}

static void test_inspect(void **state)
{
    (void)state;
    char dir[512], path[1024];
    dcs_config_t *cfg = setup("inspect", dir);
    dcs_store_t *st;
    int64_t t = T0 - 5 * 3600 * DCS_NS_PER_S;
    assert_int_equal(dcs_store_open(cfg, 'w', &st), 0);
    write_samples(st, t, 10);                           /* 1 s steps; 'it' flags every 3rd */
    write_samples(st, t + 40 * DCS_NS_PER_S, 5);        /* after a 31 s gap */
    dcs_store_close(st);
    snprintf(path, sizeof path, "%s/store/st-01/st-01_20261120.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    snprintf(path, sizeof path, "%s/store/st-01", dir);
    assert_int_equal(dcs_store_inspect(path, out), DCS_ESTORE); /* one file is foreign */
    fclose(out);
    assert_non_null(strstr(buf, "st-01_20261120.h5: not a dcscore store"));
    assert_non_null(strstr(buf, "st-01_20261123.h5: schema 2, day 2026-11-23 (UTC)"));
    /* fac: 15 samples, none flagged, one gap over the site's 3 s (3 polls of 1 s);
     * 9 + 4 one-second steps = 13 s of the day's 86400 s. */
    assert_non_null(strstr(buf, "  gap limit 3 s (the site's when the file was made"));
    const char *fac = strstr(buf, "  fac ");
    assert_non_null(fac);
    assert_non_null(strstr(fac, "15 samples      0 flagged"));
    assert_non_null(strstr(fac, "1 gaps  coverage   0.0 % of the day"));
    const char *it = strstr(buf, "  it ");
    assert_non_null(strstr(it, "15 samples      4 flagged")); /* i = 2, 5, 8 and then 2 */
    free(buf);
    dcs_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_across_midnight),
        cmocka_unit_test(test_reopen_appends),
        cmocka_unit_test(test_self_metrics_stored),
        cmocka_unit_test(test_writer_that_died_is_recovered),
        cmocka_unit_test(test_one_writer),
        cmocka_unit_test(test_foreign_and_truncated_files),
        cmocka_unit_test(test_channel_added_mid_day),
        cmocka_unit_test(test_uneven_channels_share_rows),
        cmocka_unit_test(test_column_map),
        cmocka_unit_test(test_channel_added_after_a_chunk),
        cmocka_unit_test(test_no_wanted_column),
        cmocka_unit_test(test_schema1_read_and_upgraded),
        cmocka_unit_test(test_inspect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
