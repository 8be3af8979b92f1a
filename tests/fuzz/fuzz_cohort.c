/* fuzz_cohort.c: a cohort YAML (inline sites, no stores: a `config:` entry
 * names a file that does not exist) read and ranked on the default system. */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/index/dcs_index.h"

#include <stdio.h>
#include <stdlib.h>

static dcs_index_policy_t *pol;
static dcs_index_system_t *sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (dcs_index_policy_load(fz_src("engine/index/policy.yaml"), &pol) ||
        dcs_index_system_load(fz_src("engine/index/systems/default.yaml"), &sys))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_index_cohort_t *c = NULL;
    if (dcs_index_cohort_load(fz_file("cohort.yaml", data, size), pol, &c) == 0) {
        size_t n;
        const dcs_index_entry_t *e = dcs_index_cohort_entries(c, &n);
        dcs_index_scohort_t *sc = NULL;
        if (dcs_index_scohort_from_entries(e, n, sys, &sc) == 0) {
            size_t sn;
            const dcs_index_sentry_t *se = dcs_index_scohort_entries(sc, &sn);
            dcs_index_sopts_t o = {.min_coverage = 0.5, .draws = 20, .seed = 1, .weight_sd = 0.1};
            dcs_index_cohort_sopts(c, &o);
            fz_rank(sys, se, sn, o);
        }
        dcs_index_scohort_free(sc);
    }
    dcs_index_cohort_free(c);
    return 0;
}
