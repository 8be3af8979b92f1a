/* kernels_x86.c: the kernels an x86-64 build carries, best first, with the CPU
 * check for each (GCC's __builtin_cpu_supports). NEON runs here only through
 * SIMDe emulation, so it is used when asked for by name, never by default.
 * AVX-512 comes first (the calibration's starting choice): `make bench`
 * measured it 1.1-2x AVX2 on the fused, grid and rollup kernels (half the
 * instructions); each function is then taken from whichever kernel this CPU
 * runs fastest (calibrate.c). DCSCORE_SIMD=avx512 or =avx2 selects one set whole. */
#include "aggregate_int.h"

static int has_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
static int has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && has_avx2();
}
static int has_sse2(void) { return __builtin_cpu_supports("sse2"); }
static int always(void) { return 1; }

const agg_kernel_entry_t agg_kernel_table[] = {
    {&dcs_agg_kernel_avx512, has_avx512, 1},
    {&dcs_agg_kernel_avx2, has_avx2, 1},
    {&dcs_agg_kernel_sse2, has_sse2, 1},
    {&dcs_agg_kernel_neon, always, 0},
    {&dcs_agg_kernel_scalar, always, 1},
};
const size_t agg_kernel_table_len = sizeof agg_kernel_table / sizeof agg_kernel_table[0];
