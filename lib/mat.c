/* ffnn — the three matrix products of training (DESIGN §4).
 *
 * Every tuned kernel computes each output element as one scalar sum taken in
 * the same order as its _ref twin (0, then each term in increasing index, then
 * the bias or the existing dW/db value), each term a product then a separate
 * addition, so tuned and reference results are bitwise equal, and so is any
 * split of the rows (or of dW's output rows) between threads: a row's sums do
 * not depend on which tile or thread computes them.  Speed comes from register
 * tiles of MR rows × 16 columns, each row of a tile one 16-float vector
 * (GCC/clang vector extensions), so the vector runs across independent output
 * elements, never across the terms of one sum.  The tiled kernels live in
 * lib/mat_kern.h, compiled once per CPU variant, chosen at run time: AVX-512
 * (lib/mat_avx512.c, 8 rows, 8 of 32 zmm registers; dW tiles 8 × 32), AVX2
 * (lib/mat_avx2.c, 4 rows, 8 of 16 ymm) and a baseline (lib/mat_base.c, SSE:
 * 2 rows, 8 of 16 xmm).  Only the tile shapes differ between the variants.
 * ISO C mode (-std=c11) keeps GCC at -ffp-contract=off and the pragmas here
 * and in lib/mat_kern.h do the same for clang, so no variant fuses a multiply
 * and an add.  Compilers without vector extensions run the reference kernels
 * (same results, slower).
 */
#include "ffnn/mat.h"

#include <stddef.h>
#include <string.h>

#include "mat_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- reference kernels: the definition of each product ------------------ */

/* X (B,I), W (O,I), b (O) or NULL -> Z (B,O):  Z[r,o] = (Σ_i X[r,i]·W[o,i]) + b[o] */
void ffnn_mat_xwt_ref(float *Z, const float *X, const float *W, const float *b, int B, int I, int O)
{
    for (int r = 0; r < B; r++)
        for (int o = 0; o < O; o++) {
            float s = 0.0f;
            for (int i = 0; i < I; i++)
                s += X[(size_t)r * I + i] * W[(size_t)o * I + i];
            Z[(size_t)r * O + o] = b ? s + b[o] : s;
        }
}

/* dZ (B,O), W (O,I) -> dX (B,I):  dX[r,i] = Σ_o dZ[r,o]·W[o,i] */
void ffnn_mat_dzw_ref(float *dX, const float *dZ, const float *W, int B, int O, int I)
{
    for (int r = 0; r < B; r++)
        for (int i = 0; i < I; i++) {
            float s = 0.0f;
            for (int o = 0; o < O; o++)
                s += dZ[(size_t)r * O + o] * W[(size_t)o * I + i];
            dX[(size_t)r * I + i] = s;
        }
}

/* dZ (B,O), X (B,I) -> dW[o,i] += Σ_r dZ[r,o]·X[r,i];  db[o] += Σ_r dZ[r,o] */
void ffnn_mat_dw_ref(float *dW, float *db, const float *dZ, const float *X, int B, int O, int I)
{
    for (int o = 0; o < O; o++) {
        for (int i = 0; i < I; i++) {
            float s = 0.0f;
            for (int r = 0; r < B; r++)
                s += dZ[(size_t)r * O + o] * X[(size_t)r * I + i];
            dW[(size_t)o * I + i] += s;
        }
        if (db) {
            float s = 0.0f;
            for (int r = 0; r < B; r++)
                s += dZ[(size_t)r * O + o];
            db[o] += s;
        }
    }
}

/* ---- packed W ------------------------------------------------------------ */

int ffnn_mat_panels(int O)
{
    return (O + VW - 1) / VW;
}

size_t ffnn_mat_packed_size(int I, int O)
{
    return (size_t)ffnn_mat_panels(O) * VW * (size_t)(I > 0 ? I : 0);
}

/* Panel p holds W[16p .. 16p+15][·]ᵀ as I rows of 16 floats, zero past O. */
void ffnn_mat_pack(float *Wp, const float *W, int I, int O, int p0, int p1)
{
    for (int p = p0; p < p1; p++) {
        float *dst = Wp + (size_t)p * VW * (size_t)I;
        int o0 = p * VW, nr = O - o0 < VW ? O - o0 : VW;
        for (int j = 0; j < VW; j++) {
            if (j < nr) {
                const float *w = W + (size_t)(o0 + j) * I;
                for (int k = 0; k < I; k++)
                    dst[(size_t)k * VW + j] = w[k];
            } else {
                for (int k = 0; k < I; k++)
                    dst[(size_t)k * VW + j] = 0.0f;
            }
        }
    }
}

/* ---- per-CPU variants ------------------------------------------------------ */

#if defined(FFNN_MAT_TUNED)
/* 2: AVX-512, 1: AVX2, 0: baseline.  Building with
 * -DFFNN_MAT_ISA=N forces variant N (tests of the other variants' bits). */
static int mat_isa(void)
{
#if defined(FFNN_MAT_ISA)
    return FFNN_MAT_ISA;
#elif defined(FFNN_MAT_X86)
    static int isa = -1;
    int v = __atomic_load_n(&isa, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&isa, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}

#if defined(FFNN_MAT_X86)
#define RUN(kernel, args)                                                                \
    do {                                                                                 \
        switch (mat_isa()) {                                                             \
        case 2: ffnn_mat_##kernel##_avx512(args); break;                                 \
        case 1: ffnn_mat_##kernel##_avx2(args); break;                                   \
        default: ffnn_mat_##kernel##_base(args); break;                                  \
        }                                                                                \
    } while (0)
#else
#define RUN(kernel, args) ffnn_mat_##kernel##_base(args)
#endif
#endif /* FFNN_MAT_TUNED */

/* ---- entry points ---------------------------------------------------------- */

void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O)
{
#if defined(FFNN_MAT_TUNED)
    xwt_args a = {Z, NULL, X, W, NULL, b, B, I, O};
    RUN(xwt, &a);
#else
    ffnn_mat_xwt_ref(Z, X, W, b, B, I, O);
#endif
}

void ffnn_mat_xwt_packed(float *restrict Z, float *restrict A, const float *restrict X,
                         const float *restrict Wp, const float *restrict b, int B, int I, int O)
{
#if defined(FFNN_MAT_TUNED)
    xwt_args a = {Z, A, X, NULL, Wp, b, B, I, O};
    RUN(xwt, &a);
#else
    /* Panel p, reduction row k, lane j holds W[16p + j][k]. */
    for (int r = 0; r < B; r++)
        for (int o = 0; o < O; o++) {
            const float *w = Wp + (size_t)(o / VW) * VW * (size_t)I + o % VW;
            float s = 0.0f;
            for (int i = 0; i < I; i++)
                s += X[(size_t)r * I + i] * w[(size_t)i * VW];
            float z = b ? s + b[o] : s;
            Z[(size_t)r * O + o] = z;
            if (A)
                A[(size_t)r * O + o] = z > 0.0f ? z : 0.0f;
        }
#endif
}

void ffnn_mat_dzw(float *restrict dX, const float *restrict dZ, const float *restrict W, int B,
                  int O, int I)
{
    ffnn_mat_dzw_gated(dX, dZ, W, NULL, NULL, B, O, I);
}

void ffnn_mat_dzw_gated(float *restrict dX, const float *restrict dZ, const float *restrict W,
                        const float *restrict mask, const float *restrict gate, int B, int O, int I)
{
#if defined(FFNN_MAT_TUNED)
    dzw_args a = {dX, dZ, W, mask, gate, B, O, I};
    RUN(dzw, &a);
#else
    ffnn_mat_dzw_ref(dX, dZ, W, B, O, I);
    for (size_t i = 0; i < (size_t)B * I; i++) {
        if (mask)
            dX[i] *= mask[i];
        if (gate)
            dX[i] = gate[i] > 0.0f ? dX[i] : 0.0f;
    }
#endif
}

void ffnn_mat_dw(float *restrict dW, float *restrict db, const float *restrict dZ,
                 const float *restrict X, int B, int O, int I)
{
    ffnn_mat_dw_rows(dW, db, dZ, X, B, O, I, 0, O, true);
}

void ffnn_mat_dw_rows(float *restrict dW, float *restrict db, const float *restrict dZ,
                      const float *restrict X, int B, int O, int I, int o0, int o1, bool add)
{
#if defined(FFNN_MAT_TUNED)
    dw_args a = {dW, db, dZ, X, B, O, I, o0, o1, add};
    RUN(dw, &a);
#else
    for (int o = o0; o < o1; o++) {
        for (int i = 0; i < I; i++) {
            float s = 0.0f;
            for (int r = 0; r < B; r++)
                s += dZ[(size_t)r * O + o] * X[(size_t)r * I + i];
            dW[(size_t)o * I + i] = (add ? dW[(size_t)o * I + i] : 0.0f) + s;
        }
        if (db) {
            float s = 0.0f;
            for (int r = 0; r < B; r++)
                s += dZ[(size_t)r * O + o];
            db[o] = (add ? db[o] : 0.0f) + s;
        }
    }
#endif
}
