/* fuzz_profile.c: a device profile file (profiles/NAME.yaml). */
#include "fz_util.h"
#include "../../engine/config/dcs_config.h"

#include <stdio.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char folder[512], err[600];
    snprintf(folder, sizeof folder, "%s/profiles", fz_dir());
    mkdir(folder, 0755);
    fz_file("profiles/fuzzed.yaml", data, size);
    dcs_config_profile_t *p = NULL;
    if (dcs_config_profile_load("fuzzed", fz_dir(), &p, err, sizeof err) == 0)
        dcs_config_profile_free(p);
    return 0;
}
