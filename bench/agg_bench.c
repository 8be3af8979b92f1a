/* agg_bench.c: aggregation kernels against what the memory can deliver and
 * against numpy/pandas, on the same buffers, in one run. Prints ratios, never
 * asserts: machines are noisy. Buffers (2 x 256 MiB) are well past any LLC.
 *   build/bench/agg_bench [--samples N] [--no-python] */
#define _GNU_SOURCE
#include "bench_util.h"
#include "../engine/aggregate/dcs_aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef unsigned long long u4 __attribute__((vector_size(32)));

/* STREAM-style read: touch every byte once, 4 independent accumulators. */
static unsigned long long read_baseline(const double *v, size_t n)
{
    u4 a = {0}, b = {0}, c = {0}, d = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u4 x0, x1, x2, x3;
        memcpy(&x0, v + i, 32), memcpy(&x1, v + i + 4, 32);
        memcpy(&x2, v + i + 8, 32), memcpy(&x3, v + i + 12, 32);
        a ^= x0, b ^= x1, c ^= x2, d ^= x3;
    }
    u4 s = a ^ b ^ c ^ d;
    return s[0] ^ s[1] ^ s[2] ^ s[3];
}

#define BEST_OF(reps, secs, body)                                  \
    do {                                                           \
        secs = INFINITY;                                           \
        for (int r_ = 0; r_ < (reps); r_++) {                      \
            double t0_ = bench_now_s();                                  \
            body;                                                  \
            double dt_ = bench_now_s() - t0_;                            \
            secs = dt_ < secs ? dt_ : secs;                        \
        }                                                          \
    } while (0)

static size_t n_samples;

/* One line: gb read in secs; base_s is the read baseline's time for as many bytes. */
static void row(const char *label, double gb, double secs, double base_s, const char *note)
{
    printf("%-30s %9.2f %12.1f %9.0f%%%s\n", label, gb / secs, n_samples / secs / 1e6, 100 * base_s / secs, note);
}

static void row_named(const char *what, const char *kernel, double gb, double secs, double base_s,
                      const char *note)
{
    char label[64];
    snprintf(label, sizeof label, "%s %s", what, kernel);
    row(label, gb, secs, base_s, note);
}

static double python_baselines(const double *v, size_t n, double *pandas_s)
{
    char path[256], cmd[600], line[256];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    double numpy_s = NAN;
    *pandas_s = NAN;
    snprintf(path, sizeof path, "%s/dcscore-bench-%d.f64", tmp, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof *v, n, f) != n) {
        if (f)
            fclose(f);
        return NAN;
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/py_baselines.py %s 2>&1", getenv("DCS_BENCH_DIR") ? getenv("DCS_BENCH_DIR") : "bench", path);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p)) {
        sscanf(line, "numpy_s=%lf", &numpy_s);
        sscanf(line, "pandas_s=%lf", pandas_s);
        if (strncmp(line, "skip", 4) == 0)
            fputs(line, stdout);
    }
    if (p)
        pclose(p);
    remove(path);
    return numpy_s;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)1 << 25; /* 33.5 M samples, 256 MiB per buffer */
    int python = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--no-python") == 0)
            python = 0;
    }
    n_samples = n;
    double *v = malloc(n * sizeof *v);
    int64_t *t = malloc(n * sizeof *t);
    if (!v || !t)
        return fprintf(stderr, "agg_bench: out of memory\n"), 1;
    unsigned long long x = 42; /* fixed seed */
    for (size_t i = 0; i < n; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        double r = (double)((x * 2685821657736338717ULL) >> 11) * 0x1p-53;
        v[i] = r < 0.01 ? NAN : 5e5 + 1e5 * r;
        t[i] = 1795478400LL * 1000000000LL + (int64_t)i * 1000000000LL;
    }
    double secs, base_s;
    volatile unsigned long long sink;
    BEST_OF(5, base_s, sink = read_baseline(v, n));
    (void)sink;
    double gb = (double)n * 8 / 1e9;
    printf("samples %zu (%.0f MiB per buffer), default kernel %s\n\n", n, gb * 1e9 / 1048576.0,
           dcs_agg_kernel()->name);
    printf("%-30s %9s %12s %10s\n", "pass", "GB/s", "Msamples/s", "vs read");
    row("read baseline (STREAM-like)", gb, base_s, base_s, "");
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    double best_reduce;
    dcs_agg_stats_t st;
    BEST_OF(5, best_reduce, dcs_agg_kernel()->reduce(v, n, &st));
    row("sum/min/max/count default", gb, best_reduce, base_s, "");
    for (size_t k = 0; k < nk; k++) {
        BEST_OF(3, secs, ks[k]->reduce(v, n, &st));
        row_named("sum/min/max/count", ks[k]->name, gb, secs, base_s, "");
    }
    for (size_t k = 0; k < nk; k++) {
        double area, cov;
        BEST_OF(3, secs, ks[k]->trapz(t, v, n, 5000000000LL, &area, &cov));
        row_named("trapezoid energy", ks[k]->name, 2 * gb, secs, 2 * base_s, "  (reads t and v)");
    }
    double *d = malloc(n * sizeof *d);
    uint8_t *fl = malloc(n);
    for (size_t k = 0; d && fl && k < nk; k++) {
        BEST_OF(3, secs, ks[k]->deltas(t, v, n, 1e6, 2e6, d, fl));
        row_named("counter deltas", ks[k]->name, 2 * gb, secs, 2 * base_s, "  (reads t, e; writes d, flags)");
    }
    free(d);
    free(fl);
    size_t nb = (size_t)((double)n / 900) + 2, got;
    dcs_agg_rollup_t *r = malloc(nb * sizeof *r);
    double rollup_s, grid_s;
    BEST_OF(3, rollup_s, dcs_agg_rollup(t, v, n, t[0], t[n - 1] + 1, 900LL * 1000000000LL,
                                        5000000000LL, r, &got));
    printf("%-30s %9.2f %12.1f %10s  (%zu buckets: count,sum,min,max,energy,coverage)\n",
           "15-min rollup, timestamps", 2 * gb / rollup_s, n / rollup_s / 1e6, "", got);
    BEST_OF(3, grid_s, dcs_agg_rollup_grid(t[0], 1000000000LL, v, n, t[0], t[n - 1] + 1,
                                           900LL * 1000000000LL, 5000000000LL, r, &got));
    printf("%-30s %9.2f %12.1f %10s  (the same buckets, 1 s grid: values only)\n",
           "15-min rollup, regular grid", gb / grid_s, n / grid_s / 1e6, "");
    free(r);
    if (python) {
        double pandas_s, numpy_s = python_baselines(v, n, &pandas_s);
        printf("\n%-30s %10s %12s %14s %8s\n", "same data, other tools", "seconds", "Msamples/s", "dcscore ratio", "target");
        if (isfinite(numpy_s))
            printf("%-30s %10.3f %12.1f %13.1fx %7s  (vs default sum/min/max/count)\n", "numpy nansum+nanmin+nanmax",
                   numpy_s, n / numpy_s / 1e6, numpy_s / best_reduce, ">= 10x");
        if (isfinite(pandas_s)) {
            printf("%-30s %10.3f %12.1f %13.1fx %7s  (vs rollup, timestamps)\n", "pandas resample(15min).agg",
                   pandas_s, n / pandas_s / 1e6, pandas_s / rollup_s, ">= 20x");
            printf("%-30s %10s %12s %13.1fx %7s  (vs rollup, regular grid)\n", "", "", "", pandas_s / grid_s, ">= 20x");
        }
    }
    printf("\ntarget: fused sum/min/max/count >= 80%% of the read baseline (default kernel: %.0f%%)\n",
           100 * base_s / best_reduce);
    free(v);
    free(t);
    return 0;
}
