/* ffnn — the baseline variant of the tuned products (lib/mat_kern.h), for
 * CPUs without AVX2 (and non-x86 GCC/clang targets): tiles of 2 rows × 16
 * columns (4 on non-x86). */
#include "mat_internal.h"

#if defined(FFNN_MAT_TUNED)

#define MAT_ISA base
#if defined(FFNN_MAT_X86)
#define MAT_MR 2
#else
#define MAT_MR 4
#endif
#include "mat_kern.h"

#endif
