/* ffnn — internals shared by lib/mat.c and its per-CPU kernel variants
 * (lib/mat_kern.h, included by lib/mat_avx512.c, lib/mat_avx2.c and
 * lib/mat_base.c).  Not a public header; the unit tests include it to run
 * every variant the CPU has. */
#ifndef FFNN_MAT_INTERNAL_H
#define FFNN_MAT_INTERNAL_H

#include <stddef.h>

#include "ffnn/mat.h"

#define VW 16 /* columns per panel of packed W (ffnn_mat_pack) */

/* One product for a variant's kernel, every pointer already offset to the
 * block computed:
 *   C (M,N) = start + Σ_k A(m,k)·B(k,n), each element one chain of fused
 *   multiply-adds in increasing k, start = 0 (or C's value when add).
 * A(m,k) = A[m·am + k·ak] with am == 1 or ak == 1.
 * B(k,n) = Bp panel n/16 (K rows of 16, panel stride K·16) when Bp is set,
 * else B[k·bk + n·bn] with bn == 1 or bk == 1.
 * C(m,n) = C[m·ldc + n].  Then, per kind:
 *   MAT_XWT  C += bias[n] (a separate addition; bias may be NULL), and
 *            relu(C) stored to R (same layout) when R is not NULL;
 *   MAT_DZW  C ⊙= mask (same layout) when mask is set, then C = gate > 0 ?
 *            C : 0 when gate is set;
 *   MAT_DW   nothing more.
 * K >= 1, M >= 1, N >= 1 (mat.c handles the empty cases). */
enum { MAT_XWT, MAT_DZW, MAT_DW };

typedef struct {
    int kind, M, N, K;
    const float *A;
    size_t am, ak;
    const float *B, *Bp;
    size_t bk, bn;
    float *C;
    size_t ldc;
    const float *bias;
    float *R;
    const float *mask, *gate;
    int add;
} mat_job;

/* Compilers with GCC's vector extensions (GCC, clang) get the tuned
 * variants; on x86-64 AVX-512, AVX2 (both with FMA) and a baseline, others
 * the baseline only.  Other compilers run the reference kernels. */
#if defined(__GNUC__)
#define FFNN_MAT_TUNED 1
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
#define FFNN_MAT_X86 1
#endif

/* Vectors are passed by value only to static always-inline helpers, never
 * across a call, so GCC's note that a 64-byte vector argument's ABI differs
 * without AVX-512 does not apply. */
#if defined(__clang__)
#if defined(__has_warning)
#if __has_warning("-Wpsabi")
#pragma clang diagnostic ignored "-Wpsabi"
#endif
#endif
#else
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define MAT_INLINE static inline __attribute__((always_inline))

/* Per variant: the blocked product, and db (n) (+)= Σ_r dZ[r·ldz + ·]. */
#define FFNN_MAT_VARIANT(isa)                                                                \
    void ffnn_mat_gemm_##isa(const mat_job *j);                                              \
    void ffnn_mat_db_##isa(float *restrict db, const float *restrict dZ, int B, size_t ldz, int n, \
                           int add);
FFNN_MAT_VARIANT(base)
#if defined(FFNN_MAT_X86)
FFNN_MAT_VARIANT(avx2)
FFNN_MAT_VARIANT(avx512)
/* ffnn_mat_pack with 16 × 16 register transposes */
void ffnn_mat_pack_avx512(float *Wp, const float *W, int I, int O, int p0, int p1);
#endif

#endif /* __GNUC__ */

#endif
