/* kernel_avx2.c: the aggregation kernels for AVX2 (4 doubles per vector), from
 * kernel_impl.h. Built with the matching -m flags (Makefile); only called when
 * the CPU supports them (kernels_x86.c). */
#define KERNEL_LANES 4
#define KERNEL_NAME avx2
#define KERNEL_STR "avx2"
#define KERNEL_LEAVE() __builtin_ia32_vzeroupper()
#include "kernel_impl.h"
