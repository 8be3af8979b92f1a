/* fuzz_vendor_csv.c: a vendor cohort CSV for the shipped Shanghai example
 * system (UTF-8 or GBK, any columns), loaded and ranked. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/index/dcs_index.h"

#include <stdio.h>
#include <stdlib.h>

static dcs_index_system_t *sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (dcs_index_system_load(fz_src("engine/index/systems/shanghai-pilot-example.yaml"), &sys))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_index_scohort_t *c = NULL;
    if (dcs_index_scohort_load(fz_file("vendors.csv", data, size), sys, &c) == 0) {
        size_t n;
        const dcs_index_sentry_t *e = dcs_index_scohort_entries(c, &n);
        fz_rank(sys, e, n, (dcs_index_sopts_t){.min_coverage = 0.5, .draws = 10, .seed = 1, .weight_sd = 0.1});
    }
    dcs_index_scohort_free(c);
    return 0;
}
