/* fuzz_store_file.c: a day or rollup file as it might come off a damaged disk
 * (the seed corpus holds valid ones; libFuzzer mutates them): score's reader,
 * the range, inspect and the rollup reader answer every file within their
 * bounded retries, with samples inside the file's day or the file named, and
 * leave no HDF5 handle open. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/config/dcs_config.h"
#include "../../engine/store/dcs_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <hdf5.h>

static const char *site =
    "site: {id: fz-01, name: Fuzz, region: lingang, pue_category: 1, poll_interval_ms: 1000,\n"
    "       store_dir: STORE}\n"
    "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}]\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total}\n";

#define DAY0 ((int64_t)20781 * 86400 * DCS_NS_PER_S) /* 2026-11-24 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_config_t *cfg = fz_site(site);
    char dir[700];
    const char *parts[3] = {"store", "store/fz-01", "store/fz-01/rollup"};
    for (int k = 0; k < 3; k++)
        snprintf(dir, sizeof dir, "%s/%s", fz_dir(), parts[k]), mkdir(dir, 0755);
    /* HDF5 files start with a signature, so a rollup is told by its attributes,
     * not its first byte: put the input in both places */
    fz_file("store/fz-01/rollup/fz-01_20261124.h5", data, size);
    const char *path = fz_file("store/fz-01/fz-01_20261124.h5", data, size);
    dcs_store_t *st = NULL;
    dcs_store_series_t s;
    int64_t a, b;
    if (dcs_store_open(cfg, 'r', &st) == 0) {
        if (dcs_store_read(st, "fac", DAY0, DAY0 + 86400 * DCS_NS_PER_S, &s) == 0) {
            for (size_t i = 0; i < s.n; i++)
                if (s.t_ns[i] < DAY0 || s.t_ns[i] >= DAY0 + 86400 * DCS_NS_PER_S)
                    abort();
            dcs_store_series_free(&s);
        }
        if (dcs_store_range(st, &a, &b) == 0 && (a < DAY0 || b >= DAY0 + 86400 * DCS_NS_PER_S))
            abort();
        static dcs_agg_rollup_t r[1440];
        uint8_t have = 0;
        const char *id = "fac";
        for (int level = 0; level < DCS_STORE_NLEVELS; level++)
            dcs_store_rollup_read_many(st, &id, 1, 20781, level, r, &have);
    }
    dcs_store_close(st);
    FILE *out = fopen("/dev/null", "w");
    dcs_store_inspect(path, out);
    fclose(out);
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0)
        abort(); /* a handle left open on some path */
    dcs_config_free(cfg);
    fz_clean();
    return 0;
}
