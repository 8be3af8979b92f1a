/* year_bench.c: the time to score a year of 1-min data for 1,000 channels
 * (hourly buckets) from raw samples and from rollups, beside h5py's bare read of
 * the same raw datasets (bench/h5py_read.py) and dcscore's own bare read, in
 * the same run. The data are written first (bulk import), then scored raw,
 * rolled up, and scored again from the rollups; each step on one worker and on
 * all (the import and the rollup pass: half the days each). Prints seconds,
 * ratios and the scaling; never asserts. DCS_YEAR_DAYS and DCS_YEAR_CHANNELS shrink the run (default 365 x
 * 1000: about 9 GB of raw day files in a temporary folder, removed at the end
 * unless DCS_YEAR_KEEP is set). */
#define _GNU_SOURCE
#include "bench_util.h"
#include "../engine/base/dcs_base.h"
#include "../engine/base/dcs_par.h"
#include "../engine/config/dcs_config.h"
#include "../engine/metric/dcs_metric.h"
#include "../engine/store/dcs_store.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY_NS (86400 * DCS_NS_PER_S)
#define MIN_NS (60 * DCS_NS_PER_S)

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : dflt;
}

/* Write `days` days of one sample per minute per channel by bulk import
 * (dcs_store_write_days), YEAR_BATCH days per call. The values repeat daily,
 * so the day's samples are made once (the sines are the generator's cost, not
 * the store's) and only their times move. */
#define YEAR_BATCH 8
static int write_days(dcs_config_t *cfg, int nch, int d0, int days, int64_t t0)
{
    dcs_store_t *st;
    size_t n = (size_t)nch * 1440, k = 0;
    dcs_sample_t *s = malloc(YEAR_BATCH * n * sizeof *s);
    if (!s || dcs_store_open(cfg, 'w', &st))
        return -1;
    for (int m = 0; m < 1440; m++)
        for (int c = 0; c < nch; c++)
            s[k++] = (dcs_sample_t){.channel = (uint32_t)c, .t_ns = t0 + d0 * DAY_NS + m * MIN_NS,
                                    .value = (c ? 500.0 : 1400.0 * (nch - 1)) + 50.0 * sin(m / 90.0 + c)};
    for (int d = 1; d < YEAR_BATCH; d++)
        for (size_t i = 0; i < n; i++)
            s[d * n + i] = s[i], s[d * n + i].t_ns += d * DAY_NS;
    int rc = 0;
    for (int d = 0; !rc && d < days; d += YEAR_BATCH) {
        size_t nd = days - d < YEAR_BATCH ? (size_t)(days - d) : YEAR_BATCH;
        for (size_t i = 0; d && i < YEAR_BATCH * n; i++)
            s[i].t_ns += YEAR_BATCH * DAY_NS;
        if (dcs_store_write_days(st, s, nd * n))
            rc = (fprintf(stderr, "year_bench: %s\n", dcs_store_errmsg(st)), -1);
    }
    dcs_store_close(st);
    free(s);
    return rc;
}

/* Write days [0, days) by bulk import, the first half on one worker and the
 * rest on all: seconds of each into secs[0], secs[1]. */
static int write_year(dcs_config_t *cfg, int nch, int days, int64_t t0, double secs[2])
{
    int half = days / 2, rc = 0;
    for (int k = 0; !rc && k < 2; k++) {
        dcs_par_set_workers(k ? 0 : 1);
        double a = bench_now_s();
        rc = write_days(cfg, nch, k ? half : 0, k ? days - half : half, t0);
        secs[k] = bench_now_s() - a;
    }
    return rc;
}

/* Score the whole window hourly; returns seconds, NAN on failure. */
static double score(dcs_config_t *cfg, int64_t from, int64_t to, double *pue, size_t *from_rollups)
{
    dcs_store_t *st;
    dcs_metric_score_t *sc;
    char err[300];
    if (dcs_store_open(cfg, 'r', &st))
        return NAN;
    double start = bench_now_s();
    int rc = dcs_metric_score(cfg, st, from, to, 3600 * DCS_NS_PER_S, &sc, err, sizeof err);
    double secs = bench_now_s() - start;
    if (rc) {
        fprintf(stderr, "year_bench: score: %s\n", err);
        dcs_store_close(st);
        return NAN;
    }
    *pue = sc->pue;
    *from_rollups = sc->days_from_rollups;
    dcs_metric_score_free(sc);
    dcs_store_close(st);
    return secs;
}

/* The rollup pass over days [d0, d0 + n) (dcs_store_rollup_range); seconds. */
static double rollup_days(dcs_config_t *cfg, int d0, int n, int64_t t0)
{
    dcs_store_t *st;
    size_t done = 0;
    if (dcs_store_open(cfg, 'r', &st))
        return NAN;
    double start = bench_now_s();
    if (dcs_store_rollup_range(st, t0 / DAY_NS + d0, t0 / DAY_NS + d0 + n - 1, &done, NULL, NULL))
        fprintf(stderr, "year_bench: %s\n", dcs_store_errmsg(st));
    double secs = bench_now_s() - start;
    dcs_store_close(st);
    return done == (size_t)n ? secs : NAN;
}

/* h5py reading every raw day file's t_ns and value matrices whole. */
static double h5py_read(const char *dir)
{
    char cmd[900], line[256];
    double secs = NAN;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/h5py_read.py %s/store/bench 2>&1",
             getenv("DCS_BENCH_DIR") ? getenv("DCS_BENCH_DIR") : "bench", dir);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p)) {
        sscanf(line, "h5py_read_s=%lf", &secs);
        if (strncmp(line, "skip", 4) == 0)
            fputs(line, stdout);
    }
    if (p)
        pclose(p);
    return secs;
}

/* dcscore's own bare read: every raw day file's t_ns and value matrices read
 * whole with the HDF5 C API, no arithmetic: what HDF5 costs us, apart from our
 * code. */
static double bare_read(const char *dir)
{
    char folder[600], path[1200];
    snprintf(folder, sizeof folder, "%s/store/bench", dir);
    DIR *d = opendir(folder);
    struct dirent *e;
    double start = bench_now_s();
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".h5"))
            continue;
        snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        static const char *const names[2] = {"samples/t_ns", "samples/value"};
        for (int k = 0; f >= 0 && k < 2; k++) {
            hid_t ds = H5Dopen2(f, names[k], H5P_DEFAULT), sp = H5Dget_space(ds);
            hssize_t cells = H5Sget_simple_extent_npoints(sp);
            void *buf = cells > 0 ? malloc((size_t)cells * 8) : NULL;
            if (buf)
                H5Dread(ds, k ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(buf);
            H5Sclose(sp);
            H5Dclose(ds);
        }
        if (f >= 0)
            H5Fclose(f);
    }
    if (d)
        closedir(d);
    return bench_now_s() - start;
}

/* One figure against its target: "met" or "NOT met" and by how much. */
static void against(const char *what, double x, double target, const char *unit, int at_most)
{
    int met = at_most ? x <= target : x >= target;
    printf("  %-52s %8.2f%s  target %s %.2f%s: %s\n", what, x, unit, at_most ? "<=" : ">=", target, unit,
           met ? "met" : "NOT met");
}

/* One step on one worker and on all: its seconds, the scaling. */
static void row2(const char *what, double one, double all, const char *note)
{
    double x = strstr(what, "/s") ? all / one : one / all; /* a rate scales the other way */
    printf("%-40s %9.2f %9.2f %7.2fx  %s\n", what, one, all, x, note);
}

int main(void)
{
    int days = env_int("DCS_YEAR_DAYS", 365), nch = env_int("DCS_YEAR_CHANNELS", 1000);
    char dir[] = "/tmp/dcscore-year-bench.XXXXXX", cmd[700];
    if (!mkdtemp(dir) || days < 2)
        return 1;
    dcs_config_t *cfg = bench_site(dir, nch, 60000, "facility_total"); /* polled once a minute */
    int64_t t0 = (int64_t)1767225600 * DCS_NS_PER_S, t1 = t0 + days * DAY_NS; /* 2026-01-01 UTC */
    double pue[2] = {NAN, NAN}, pue_rollup = NAN, write_s[2], raw_s[2], rollup_s[2], from_s[2];
    size_t r0 = 0, r1 = 0;
    unsigned all = dcs_par_workers();
    if (!cfg || write_year(cfg, nch, days, t0, write_s))
        return 1;
    double h5py_s = h5py_read(dir); /* first, while the raw files are still only written */
    double bare_s = bare_read(dir);
    for (int k = 0; k < 2; k++) {
        dcs_par_set_workers(k ? all : 1);
        raw_s[k] = score(cfg, t0, t1, &pue[k], &r0);
    }
    int half = days / 2;
    dcs_par_set_workers(1);
    rollup_s[0] = rollup_days(cfg, 0, half, t0);
    dcs_par_set_workers(all);
    rollup_s[1] = rollup_days(cfg, half, days - half, t0);
    for (int k = 0; k < 2; k++) {
        dcs_par_set_workers(k ? all : 1);
        from_s[k] = score(cfg, t0, t1, &pue_rollup, &r1);
    }
    double samples = (double)days * 1440 * nch, hs = samples / 2, rs = samples - hs;
    double imp[2] = {hs / write_s[0] / 1e6, rs / write_s[1] / 1e6};
    double day_roll[2] = {rollup_s[0] / half, rollup_s[1] / (days - half)}, day_bare = bare_s / days;
    printf("Score a year: %d days x %d channels of 1-min data (%.0f M samples), hourly buckets;\n"
           "one worker, then all %u (worker processes, dcs_par.h)\n\n", days, nch, samples / 1e6, all);
    printf("%-44s %10.2f\n", "h5py bare read of t_ns + value, every day", h5py_s);
    printf("%-44s %10.2f\n\n", "dcscore bare read (HDF5 C API), the same", bare_s);
    printf("%-40s %9s %9s %8s\n", "step", "1 worker", "all", "scaling");
    row2("bulk import, M samples/s", imp[0], imp[1], "(first half of the days / second half)");
    row2("score from raw, s", raw_s[0], raw_s[1], "");
    row2("rollup pass, s per day", day_roll[0], day_roll[1], "(first half / second half)");
    row2("score from rollups, s", from_s[0], from_s[1], "");
    printf("(%zu of %d days from rollups; PUE raw %.12f on one worker, %.12f on all: %s)\n", r1, days, pue[0],
           pue[1], pue[0] == pue[1] ? "identical" : "DIFFERENT");
    printf("\nagainst the targets (all workers):\n");
    against("score from raw / h5py bare read", raw_s[1] / h5py_s, 1.5, "x", 1);
    against("score from raw / dcscore bare read", raw_s[1] / bare_s, 1.2, "x", 1);
    against("score from rollups / h5py bare read", from_s[1] / h5py_s, 0.5, "x", 1);
    against("rollup pass of a day / bare read of that day", day_roll[1] / day_bare, 3.0, "x", 1);
    against("bulk import, M samples/s", imp[1], 20.0, "", 0);
    printf("PUE raw %.12f, from rollups %.12f (relative difference %.1e)\n", pue[1], pue_rollup,
           fabs(pue[1] - pue_rollup) / pue[1]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("DCS_YEAR_KEEP")) /* to profile `dcscore score` on it */
        printf("kept %s (site.yaml, store/)\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "year_bench: could not remove %s\n", dir);
    dcs_config_free(cfg);
    return 0;
}
