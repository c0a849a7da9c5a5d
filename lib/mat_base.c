/* ffnn — the baseline variant of the blocked product (lib/mat_kern.h), for
 * CPUs without AVX2 and FMA (and every non-x86 GCC/clang target): tiles of
 * 4 rows × 16 columns in 4-float vectors.
 *
 * The fused multiply-add is what defines every product's bits (lib/mat.c),
 * so it is exact here too.  Where the target has the instruction (every
 * 64-bit ARM, for one) __builtin_fmaf is it.  Baseline x86-64 (SSE2) has
 * none, and libm's fmaf is a slow call there, so v_fma computes it in
 * doubles: the product of two floats is exact in a double; the sum with c,
 * rounded to odd (TwoSum gives its exact error; an inexact even result moves
 * one unit toward the error), then rounds to float exactly as the fused
 * operation does, since a double carries more than float's 24 bits + 2
 * (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved
 * algorithms using rounding to odd", 2008).  About ten operations per
 * lane: this variant is several times slower than with a hardware FMA.
 */
#include <string.h>

#include "mat_internal.h"

#if defined(FFNN_MAT_TUNED)

typedef float vn __attribute__((vector_size(16)));
typedef int vni __attribute__((vector_size(16)));

#if defined(FFNN_MAT_X86) && !defined(__FMA__)
#include <stdint.h>

/* fmaf(a, b, c) in doubles (see the top of the file). */
MAT_INLINE float fma_odd(float a, float b, float c)
{
    double p = (double)a * (double)b, dc = c;
    double s = p + dc, bb = s - p;
    double e = (p - (s - bb)) + (dc - bb); /* s + e = p + c exactly */
    uint64_t u;
    memcpy(&u, &s, sizeof u);
    /* inexact, even, finite: step to the odd neighbour on e's side (+1 in
     * the bits moves away from 0) */
    uint64_t step = (uint64_t)(e != 0.0) & ~u & (uint64_t)(s - s == 0.0);
    uint64_t away = (uint64_t)((e > 0.0) == (s > 0.0));
    u += step & away;
    u -= step & ~away;
    memcpy(&s, &u, sizeof s);
    return (float)s;
}

MAT_INLINE vn v_fma(vn a, vn b, vn c)
{
    return (vn){fma_odd(a[0], b[0], c[0]), fma_odd(a[1], b[1], c[1]), fma_odd(a[2], b[2], c[2]),
                fma_odd(a[3], b[3], c[3])};
}
#else
MAT_INLINE vn v_fma(vn a, vn b, vn c)
{
    return (vn){__builtin_fmaf(a[0], b[0], c[0]), __builtin_fmaf(a[1], b[1], c[1]),
                __builtin_fmaf(a[2], b[2], c[2]), __builtin_fmaf(a[3], b[3], c[3])};
}
#endif

MAT_INLINE vn v_splat(const float *p)
{
    return (vn){*p, *p, *p, *p};
}

/* p[0..n) and zeros (n <= 4) */
MAT_INLINE vn v_loadn(const float *p, int n)
{
    vn v = {0};
    for (int i = 0; i < n; i++)
        v[i] = p[i];
    return v;
}

MAT_INLINE void v_storen(float *p, vn v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = v[i];
}

#define MAT_ISA base
#define MAT_VN 4
#define MAT_MR 4
#define MAT_NP 1
#include "mat_kern.h"

#endif
