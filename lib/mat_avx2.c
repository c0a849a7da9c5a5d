/* ffnn — the AVX2 variant of the blocked product (lib/mat_kern.h): tiles of
 * 6 rows × 16 columns, 12 of the 16 ymm registers, one fused multiply-add
 * per vector and term. */
#include "mat_internal.h"

#if defined(FFNN_MAT_X86)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

typedef float vn __attribute__((vector_size(32)));
typedef int vni __attribute__((vector_size(32)));

MAT_INLINE vn v_fma(vn a, vn b, vn c)
{
    return (vn)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
}

MAT_INLINE vn v_splat(const float *p)
{
    return (vn)_mm256_set1_ps(*p);
}

/* lanes below n (n <= 8) */
MAT_INLINE __m256i lanes(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* p[0..n) and zeros; lanes past n are neither read nor written */
MAT_INLINE vn v_loadn(const float *p, int n)
{
    return (vn)_mm256_maskload_ps(p, lanes(n));
}

MAT_INLINE void v_storen(float *p, vn v, int n)
{
    _mm256_maskstore_ps(p, lanes(n), (__m256)v);
}

#define MAT_ISA avx2
#define MAT_VN 8
#define MAT_MR 6
#define MAT_NP 1
#include "mat_kern.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
