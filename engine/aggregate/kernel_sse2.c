/* kernel_sse2.c: the aggregation kernels for SSE2 (2 doubles per vector), from
 * kernel_impl.h. Built with the matching -m flags (Makefile); only called when
 * the CPU supports them (kernels_x86.c). */
#include <emmintrin.h>
/* NaN in x yields m: min/max skip missing samples in one instruction. */
#define VMIN(x, m) ((vd)_mm_min_pd((__m128d)(x), (__m128d)(m)))
#define VMAX(x, m) ((vd)_mm_max_pd((__m128d)(x), (__m128d)(m)))
#define KERNEL_LANES 2
#define KERNEL_NAME sse2
#define KERNEL_STR "sse2"
#include "kernel_impl.h"
