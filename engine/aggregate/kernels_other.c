/* kernels_other.c: the kernels of a non-x86 build: NEON (native through SIMDe
 * on aarch64) and the scalar reference. */
#include "aggregate_int.h"

#if defined(__aarch64__)
#define NEON_IS_NATIVE 1
#else
#define NEON_IS_NATIVE 0
#endif

static int always(void) { return 1; }

const agg_kernel_entry_t agg_kernel_table[] = {
    {&dcs_agg_kernel_neon, always, NEON_IS_NATIVE},
    {&dcs_agg_kernel_scalar, always, 1},
};
const size_t agg_kernel_table_len = sizeof agg_kernel_table / sizeof agg_kernel_table[0];
