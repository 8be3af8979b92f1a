/* kernel_avx512.c: the aggregation kernels for AVX512 (8 doubles per vector), from
 * kernel_impl.h. Built with the matching -m flags (Makefile); only called when
 * the CPU supports them (kernels_x86.c). */
#include <immintrin.h>
/* NaN in x yields m: min/max skip missing samples in one instruction. */
#define VMIN(x, m) ((vd)_mm512_min_pd((__m512d)(x), (__m512d)(m)))
#define VMAX(x, m) ((vd)_mm512_max_pd((__m512d)(x), (__m512d)(m)))
#define VADD_M(a, b) ((vd)_mm512_fmadd_pd((__m512d)(a), _mm512_set1_pd(1.0), (__m512d)(b)))
#define VSUB_M(a, b) ((vd)_mm512_fnmadd_pd((__m512d)(b), _mm512_set1_pd(1.0), (__m512d)(a)))
#define KERNEL_LANES 8
#define KERNEL_NAME avx512
#define KERNEL_STR "avx512"
#define KERNEL_LEAVE() __builtin_ia32_vzeroupper()
#include "kernel_impl.h"
