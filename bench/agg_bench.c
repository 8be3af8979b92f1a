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

/* Read methods: touch every byte once into K independent accumulators of W-byte
 * vectors, combined by XOR or by integer add, built for the ISA that has such
 * loads. The best of them in this run is the ceiling every kernel row is set
 * against (no kernel reads faster than the memory gives a plain read). */
typedef unsigned long long v32 __attribute__((vector_size(32)));
typedef unsigned long long v64 __attribute__((vector_size(64)));

#define READER(name, ISA, V, K, OP)                                               \
    __attribute__((target(ISA))) static unsigned long long name(const double *v, size_t n) \
    {                                                                                \
        V acc[K] = {{0}};                                                            \
        const size_t step = sizeof(V) / 8 * (K);                                    \
        size_t i = 0;                                                                \
        for (; i + step <= n; i += step)                                             \
            for (int k = 0; k < (K); k++) {                                          \
                V x;                                                                 \
                memcpy(&x, v + i + (size_t)k * (sizeof(V) / 8), sizeof x);           \
                acc[k] OP x;                                                         \
            }                                                                        \
        unsigned long long r = 0;                                                    \
        for (int k = 0; k < (K); k++)                                                \
            for (size_t j = 0; j < sizeof(V) / 8; j++)                               \
                r ^= acc[k][j];                                                      \
        for (; i < n; i++) {                                                         \
            unsigned long long u;                                                    \
            memcpy(&u, v + i, 8);                                                    \
            r ^= u;                                                                  \
        }                                                                            \
        return r;                                                                    \
    }

READER(read_avx2_xor4, "avx2", v32, 4, ^=)
READER(read_avx2_xor8, "avx2", v32, 8, ^=)
READER(read_avx2_add4, "avx2", v32, 4, +=)
READER(read_avx2_add8, "avx2", v32, 8, +=)
READER(read_avx512_xor4, "avx512f", v64, 4, ^=)
READER(read_avx512_xor8, "avx512f", v64, 8, ^=)
READER(read_avx512_add4, "avx512f", v64, 4, +=)
READER(read_avx512_add8, "avx512f", v64, 8, +=)

static const struct {
    const char *name, *isa;
    unsigned long long (*fn)(const double *, size_t);
} readers[] = {
    {"read AVX2 4 acc xor", "avx2", read_avx2_xor4},     {"read AVX2 8 acc xor", "avx2", read_avx2_xor8},
    {"read AVX2 4 acc add", "avx2", read_avx2_add4},     {"read AVX2 8 acc add", "avx2", read_avx2_add8},
    {"read AVX-512 4 acc xor", "avx512f", read_avx512_xor4}, {"read AVX-512 8 acc xor", "avx512f", read_avx512_xor8},
    {"read AVX-512 4 acc add", "avx512f", read_avx512_add4}, {"read AVX-512 8 acc add", "avx512f", read_avx512_add8},
};

static int isa_ok(const char *isa)
{
    return strcmp(isa, "avx2") == 0 ? __builtin_cpu_supports("avx2") : __builtin_cpu_supports("avx512f");
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
    double secs, base_s = INFINITY, read_s[sizeof readers / sizeof readers[0]];
    volatile unsigned long long sink;
    const char *best_read = "none";
    for (size_t k = 0; k < sizeof readers / sizeof readers[0]; k++) {
        read_s[k] = NAN;
        if (!isa_ok(readers[k].isa))
            continue;
        BEST_OF(5, read_s[k], sink = readers[k].fn(v, n));
        if (read_s[k] < base_s)
            base_s = read_s[k], best_read = readers[k].name;
    }
    (void)sink;
    double gb = (double)n * 8 / 1e9;
    printf("samples %zu (%.0f MiB per buffer), default kernel %s\n\n", n, gb * 1e9 / 1048576.0,
           dcs_agg_kernel()->name);
    printf("%-30s %9s %12s %10s\n", "pass", "GB/s", "Msamples/s", "vs best read");
    for (size_t k = 0; k < sizeof readers / sizeof readers[0]; k++)
        if (isfinite(read_s[k]))
            row(readers[k].name, gb, read_s[k], base_s, "");
    printf("(best read: %s; every row below is against it)\n", best_read);
    const dcs_agg_kernel_t *ks[8];
    size_t nk = dcs_agg_kernel_list(ks, 8);
    double best_reduce, default_trapz = NAN, numpy_ratio = NAN;
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
        if (ks[k]->trapz == dcs_agg_kernel()->trapz && !isfinite(default_trapz))
            default_trapz = secs;
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
                   numpy_s, n / numpy_s / 1e6, numpy_ratio = numpy_s / best_reduce, ">= 15x");
        if (isfinite(pandas_s)) {
            printf("%-30s %10.3f %12.1f %13.1fx %7s  (vs rollup, timestamps)\n", "pandas resample(15min).agg",
                   pandas_s, n / pandas_s / 1e6, pandas_s / rollup_s, ">= 20x");
            printf("%-30s %10s %12s %13.1fx %7s  (vs rollup, regular grid)\n", "", "", "", pandas_s / grid_s, ">= 20x");
        }
    }
    double fused = 100 * base_s / best_reduce, trap = 100 * 2 * base_s / default_trapz;
    printf("\nagainst the targets (the default kernel set, against the best read):\n");
    printf("  fused sum/min/max/count          %5.0f%% of the best read   target >= 90%%: %s\n", fused,
           fused >= 90 ? "met" : "NOT met");
    if (isfinite(numpy_ratio))
        printf("  fused sum/min/max/count vs numpy %5.1fx                   target >= 15x: %s\n", numpy_ratio,
               numpy_ratio >= 15 ? "met" : "NOT met");
    printf("  trapezoid                        %5.0f%% of two best reads  target >= 90%%: %s\n", trap,
           trap >= 90 ? "met" : "NOT met");
    printf("  (the default set is calibrated per function on this machine, in cache: engine/aggregate/calibrate.c)\n");
    free(v);
    free(t);
    return 0;
}
