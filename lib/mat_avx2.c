/* ffnn — the AVX2 variant of the tuned products (lib/mat_kern.h): tiles of
 * 4 rows × 16 columns, each row two ymm registers (8 of 16). */
#include "mat_internal.h"

#if defined(FFNN_MAT_X86)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

#define MAT_ISA avx2
#define MAT_MR 4
#include "mat_kern.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
