/* bench_util.h: what the benchmarks share: a monotonic clock in seconds, and a
 * site of NCH power channels (one Modbus device that is never polled) written to
 * DIR/site.yaml and loaded, for the store and scoring benchmarks. */
#ifndef DCS_BENCH_UTIL_H
#define DCS_BENCH_UTIL_H

#include "../engine/config/dcs_config.h"

#include <stdio.h>
#include <time.h>

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Channels c0000 .. c(nch-1), polled every poll_ms; channel 0 has role role0,
 * the others it_rack. NULL (and a line on stderr) on failure. */
static inline dcs_config_t *bench_site(const char *dir, int nch, int poll_ms, const char *role0)
{
    char path[600];
    snprintf(path, sizeof path, "%s/site.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "site: {id: bench, name: Bench, region: qingpu, pue_category: 1, poll_interval_ms: %d,\n"
               "       store_dir: store}\ndevices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502}]\n"
               "channels:\n", poll_ms);
    for (int i = 0; i < nch; i++)
        fprintf(f, "  - {id: c%04d, device: m, function: 4, address: %d, type: float32, kind: power, unit: W, "
                   "role: %s}\n", i, 2 * i, i ? "it_rack" : role0);
    fclose(f);
    dcs_config_t *cfg;
    if (dcs_config_load(path, &cfg)) {
        fprintf(stderr, "bench: %s\n", dcs_config_errmsg(cfg));
        return NULL;
    }
    return cfg;
}

#endif
