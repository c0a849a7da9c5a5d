/* ffnn — internals shared by lib/mat.c and its per-CPU kernel variants
 * (lib/mat_kern.h, included by lib/mat_avx512.c, lib/mat_avx2.c and
 * lib/mat_base.c).  Not a public header. */
#ifndef FFNN_MAT_INTERNAL_H
#define FFNN_MAT_INTERNAL_H

#include "ffnn/mat.h"

#define VW 16  /* tile width: floats per vector */
#define KC 256 /* reduction depth per block of packed W in xwt */

/* The x86-64 variants (AVX-512, AVX2, baseline) exist with GCC >= 6 and
 * clang; other GCC-compatible targets get the baseline only; other compilers
 * run the reference kernels. */
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

typedef float vf __attribute__((vector_size(VW * sizeof(float))));
typedef int vi __attribute__((vector_size(VW * sizeof(int))));
typedef float vf4 __attribute__((vector_size(4 * sizeof(float))));

typedef struct {
    float *Z, *A;         /* A: relu(Z) or NULL */
    const float *X;
    const float *W;       /* unpacked (O,I), or NULL when Wp is given */
    const float *Wp;      /* packed by ffnn_mat_pack, or NULL */
    const float *b;
    int B, I, O;
} xwt_args;

typedef struct {
    float *dX;
    const float *dZ, *W;
    const float *mask;    /* (B,I) or NULL */
    const float *gate;    /* (B,I) or NULL: dX = gate > 0 ? dX : 0 */
    int B, O, I;
} dzw_args;

typedef struct {
    float *dW, *db;
    const float *dZ, *X;
    int B, O, I, o0, o1;
    int add;              /* 1: += ; 0: store 0 + sum */
} dw_args;

#define FFNN_MAT_VARIANT(isa)                                                            \
    void ffnn_mat_xwt_##isa(const xwt_args *p);                                          \
    void ffnn_mat_dzw_##isa(const dzw_args *p);                                          \
    void ffnn_mat_dw_##isa(const dw_args *p);
FFNN_MAT_VARIANT(base)
#if defined(FFNN_MAT_X86)
FFNN_MAT_VARIANT(avx2)
FFNN_MAT_VARIANT(avx512)
#endif

#endif /* __GNUC__ */

#endif
