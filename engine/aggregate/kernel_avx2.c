/* kernel_avx2.c: the aggregation kernels for AVX2 (4 doubles per vector), from
 * kernel_impl.h. Built with the matching -m flags (Makefile); only called when
 * the CPU supports them (kernels_x86.c). */
#include <immintrin.h>
/* NaN in x yields m: min/max skip missing samples in one instruction. */
#define VMIN(x, m) ((vd)_mm256_min_pd((__m256d)(x), (__m256d)(m)))
#define VMAX(x, m) ((vd)_mm256_max_pd((__m256d)(x), (__m256d)(m)))
#define VADD_M(a, b) ((vd)_mm256_fmadd_pd((__m256d)(a), _mm256_set1_pd(1.0), (__m256d)(b)))
#define VSUB_M(a, b) ((vd)_mm256_fnmadd_pd((__m256d)(b), _mm256_set1_pd(1.0), (__m256d)(a)))
#define KERNEL_LANES 4
#define KERNEL_NAME avx2
#define KERNEL_STR "avx2"
#define KERNEL_LEAVE() __builtin_ia32_vzeroupper()
#include "kernel_impl.h"
