/* ffnn — the AVX-512 variant of the blocked product (lib/mat_kern.h): tiles
 * of 12 rows × 32 columns, 24 of the 32 zmm registers, one fused
 * multiply-add per vector and term. */
#include "mat_internal.h"

#if defined(FFNN_MAT_X86)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif

typedef float vn __attribute__((vector_size(64)));
typedef int vni __attribute__((vector_size(64)));

MAT_INLINE vn v_fma(vn a, vn b, vn c)
{
    return (vn)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
}

MAT_INLINE vn v_splat(const float *p)
{
    return (vn)_mm512_set1_ps(*p);
}

/* p[0..n) and zeros (n <= 16); lanes past n are neither read nor written */
MAT_INLINE vn v_loadn(const float *p, int n)
{
    return (vn)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}

MAT_INLINE void v_storen(float *p, vn v, int n)
{
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
}

#define MAT_ISA avx512
#define MAT_VN 16
#define MAT_MR 12
#define MAT_NP 2
#include "mat_kern.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
