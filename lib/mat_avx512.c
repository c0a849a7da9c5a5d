/* ffnn — the AVX-512 variant of the tuned products (lib/mat_kern.h): tiles of
 * 8 rows × 16 columns (8 of 32 zmm registers), and dW tiles of 8 rows × 32
 * columns. */
#include "mat_internal.h"

#if defined(FFNN_MAT_X86)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#endif

#define MAT_ISA avx512
#define MAT_MR 8
#define MAT_WIDE 1 /* dW tiles of 8 × 32 */
#include "mat_kern.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
