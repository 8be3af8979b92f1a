/* store_bench.c: ingest into the HDF5 store (SWMR on) for 1,000 channels, in the
 * poller's pattern (a few samples per channel per flush) and as a bulk import,
 * beside h5py appending the same shapes in the same run (bench/h5py_ingest.py).
 * Prints samples/s and ratios; never asserts. */
#define _GNU_SOURCE
#include "bench_util.h"
#include "../engine/base/dcs_base.h"
#include "../engine/config/dcs_config.h"
#include "../engine/store/dcs_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NCH 1000

/* per_flush samples per channel, `flushes` times; returns samples/s. */
static double ingest(dcs_config_t *cfg, int per_flush, int flushes, int64_t t0)
{
    dcs_store_t *st;
    dcs_sample_t *s = malloc((size_t)NCH * (size_t)per_flush * sizeof *s);
    if (!s || dcs_store_open(cfg, 'w', &st))
        return NAN;
    double start = bench_now_s();
    int64_t t = t0;
    for (int r = 0; r < flushes; r++) {
        size_t n = 0;
        for (int k = 0; k < per_flush; k++, t += DCS_NS_PER_S)
            for (int c = 0; c < NCH; c++)
                s[n++] = (dcs_sample_t){.channel = (uint32_t)c, .t_ns = t, .value = 1000.0 + c + k};
        if (dcs_store_append(st, s, n) || dcs_store_flush(st))
            fprintf(stderr, "store_bench: %s\n", dcs_store_errmsg(st));
    }
    dcs_store_close(st);
    double secs = bench_now_s() - start;
    free(s);
    return (double)NCH * per_flush * flushes / secs;
}

int main(void)
{
    char dir[] = "/tmp/dcscore-store-bench.XXXXXX", cmd[700], line[256];
    if (!mkdtemp(dir))
        return 1;
    dcs_config_t *cfg = bench_site(dir, NCH, 1000, "it_rack");
    if (!cfg)
        return 1;
    int64_t t0 = (int64_t)1795478400 * DCS_NS_PER_S; /* each pattern gets its own day */
    double poller = ingest(cfg, 5, 60, t0);
    double bulk = ingest(cfg, 600, 10, t0 + 86400 * DCS_NS_PER_S);
    printf("HDF5 store ingest, %d channels, SWMR on\n\n%-40s %14s\n", NCH, "pattern", "Msamples/s");
    printf("%-40s %14.3f\n", "dcscore, poller (5 samples/channel/flush)", poller / 1e6);
    printf("%-40s %14.3f\n", "dcscore, bulk import (600/channel/flush)", bulk / 1e6);
    double h1 = NAN, h60 = NAN, h600 = NAN;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/h5py_ingest.py %s/h5py.h5 2>&1",
             getenv("DCS_BENCH_DIR") ? getenv("DCS_BENCH_DIR") : "bench", dir);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p)) {
        sscanf(line, "h5py_1=%lf", &h1);
        sscanf(line, "h5py_60=%lf", &h60);
        sscanf(line, "h5py_600=%lf", &h600);
        if (strncmp(line, "skip", 4) == 0)
            fputs(line, stdout);
    }
    if (p)
        pclose(p);
    printf("%-40s %14.3f\n", "h5py, SWMR, 1 sample per append", h1 / 1e6);
    printf("%-40s %14.3f\n", "h5py, SWMR, 60 per append", h60 / 1e6);
    printf("%-40s %14.3f\n", "h5py, SWMR, 600 per append", h600 / 1e6);
    double best = fmax(h60, h600);
    printf("\nbulk import vs h5py's best: %.1fx (target >= 1.5x and >= 10 Msamples/s)\n", bulk / best);
    printf("poller pattern vs h5py one at a time: %.1fx (target >= 20x)\n", poller / h1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "store_bench: could not remove %s\n", dir);
    dcs_config_free(cfg);
    return 0;
}
