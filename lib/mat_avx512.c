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

/* ffnn_mat_pack's layout (lib/mat.c), 16 × 16 blocks transposed in
 * registers: rows o0..o0+15 of W in, 16 rows of a panel out, the short last
 * block and panel through masked loads and stores. */
static inline __attribute__((always_inline)) __m512 sh(__m512 a, __m512 b, int hi)
{
    return hi ? _mm512_shuffle_f32x4(a, b, 0xdd) : _mm512_shuffle_f32x4(a, b, 0x88);
}

void ffnn_mat_pack_avx512(float *Wp, const float *W, int I, int O, int p0, int p1)
{
    for (int p = p0; p < p1; p++) {
        float *dst = Wp + (size_t)p * VW * (size_t)I;
        int o0 = p * VW, nr = O - o0 < VW ? O - o0 : VW;
        for (int k0 = 0; k0 < I; k0 += VW) {
            int kt = I - k0 < VW ? I - k0 : VW;
            __mmask16 km = (__mmask16)((1u << kt) - 1);
            __m512 r[16], t[16];
            for (int j = 0; j < 16; j++)
                r[j] = j < nr ? _mm512_maskz_loadu_ps(km, W + (size_t)(o0 + j) * I + k0)
                              : _mm512_setzero_ps();
            for (int j = 0; j < 16; j += 2) {
                t[j] = _mm512_unpacklo_ps(r[j], r[j + 1]);
                t[j + 1] = _mm512_unpackhi_ps(r[j], r[j + 1]);
            }
            for (int g = 0; g < 16; g += 4) {
                __m512d a = _mm512_castps_pd(t[g]), b = _mm512_castps_pd(t[g + 1]);
                __m512d c = _mm512_castps_pd(t[g + 2]), d = _mm512_castps_pd(t[g + 3]);
                r[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));     /* columns 0 4 8 12 */
                r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c)); /* 1 5 9 13 */
                r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d)); /* 2 6 10 14 */
                r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d)); /* 3 7 11 15 */
            }
            /* t[2c + h]: rows 0-7 of columns c + 4h and c + 4h + 8;
             * t[8 + 2c + h]: rows 8-15 of the same */
            for (int c = 0; c < 4; c++)
                for (int h = 0; h < 2; h++) {
                    t[2 * c + h] = sh(r[c], r[4 + c], h);
                    t[8 + 2 * c + h] = sh(r[8 + c], r[12 + c], h);
                }
            for (int c = 0; c < 4; c++)
                for (int h = 0; h < 2; h++)
                    for (int e = 0; e < 2; e++) {
                        int col = c + 4 * h + 8 * e;
                        if (col < kt)
                            _mm512_storeu_ps(dst + (size_t)(k0 + col) * VW,
                                             sh(t[2 * c + h], t[8 + 2 * c + h], e));
                    }
        }
    }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
