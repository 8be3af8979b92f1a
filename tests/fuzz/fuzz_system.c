/* fuzz_system.c: an index-system file, loaded and evaluated on a small fixed
 * cohort (every leaf 1.0, 2.0, 3.0). */
#include "fz_util.h"
#include "../../engine/base/dcs_base.h"
#include "../../engine/index/dcs_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcs_index_system_t *s = NULL;
    if (dcs_index_system_load(fz_file("system.yaml", data, size), &s) == 0) {
        const size_t *ln;
        size_t L = dcs_index_system_leaves(s, &ln);
        double x[3 * DCS_INDEX_MAX_NODES];
        for (size_t i = 0; i < 3; i++)
            for (size_t k = 0; k < L; k++)
                x[i * L + k] = 1.0 + (double)i;
        dcs_index_eval_t e;
        char err[256];
        if (dcs_index_system_eval(s, x, 3, &e, err, sizeof err) == 0)
            dcs_index_eval_free(&e);
    }
    dcs_index_system_free(s);
    return 0;
}
