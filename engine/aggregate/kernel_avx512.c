/* kernel_avx512.c: the aggregation kernels for AVX512 (8 doubles per vector), from
 * kernel_impl.h. Built with the matching -m flags (Makefile); only called when
 * the CPU supports them (kernels_x86.c). */
/* min/max stay generic here: with _mm512_min_pd GCC 12 spilled the loop. */
#define KERNEL_LANES 8
#define KERNEL_NAME avx512
#define KERNEL_STR "avx512"
#define KERNEL_LEAVE() __builtin_ia32_vzeroupper()
#include "kernel_impl.h"
