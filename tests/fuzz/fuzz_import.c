/* fuzz_import.c: CSV history imported into an empty store, then read back:
 * every file is refused with its line, or imported; what was imported reads
 * back inside its days. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/config/dcs_config.h"
#include "../../engine/store/dcs_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *site =
    "site: {id: fz-01, name: Fuzz, region: lingang, pue_category: 1, poll_interval_ms: 60000,\n"
    "       store_dir: STORE}\n"
    "devices: [{id: m, protocol: modbus_tcp, host: 127.0.0.1, port: 1502, profile: sdm630}]\n"
    "channels:\n"
    "  - {id: fac, device: m, point: total_power, role: facility_total}\n"
    "  - {id: it, device: m, point: total_power, role: it_total, unit: kW}\n"
    "  - {id: e, device: m, point: total_energy, role: it_total, cross_check: true}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_config_t *cfg = fz_site(site);
    const char *csv = fz_file("history.csv", data, size);
    dcs_store_t *st = NULL;
    dcs_store_import_t im = {.skip_bad_rows = size % 2};
    if (dcs_store_open(cfg, 'w', &st) == 0 && dcs_store_import_csv(st, csv, &im) == 0)
        dcs_store_flush(st);
    dcs_store_close(st);
    dcs_store_series_t s;
    int64_t a, b;
    if (dcs_store_open(cfg, 'r', &st) == 0 && dcs_store_range(st, &a, &b) == 0 &&
        dcs_store_read(st, "fac", a, b, &s) == 0) {
        for (size_t i = 1; i < s.n; i++)
            if (s.t_ns[i] < s.t_ns[i - 1])
                abort();
        dcs_store_series_free(&s);
    }
    dcs_store_close(st);
    dcs_config_free(cfg);
    fz_clean();
    return 0;
}
