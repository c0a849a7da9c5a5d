/* ffnn — the three matrix products of training (DESIGN §4).
 *
 * Every product element is one chain of fused multiply-adds, s = fmaf(a, b,
 * s) over its terms in increasing index from s = 0 (or the existing value
 * where a function accumulates), then + bias: the _ref kernels below, the
 * definition.  Fused, because a CPU issues a fused multiply-add in one
 * instruction where a multiply and an add take two, which doubles the
 * arithmetic ceiling; the fused operation is exactly rounded, so every
 * machine gives the same bits.
 *
 * The tuned kernels (lib/mat_kern.h: BLIS's blocking and packing around a
 * register tile) are compiled once per CPU variant and chosen at run time:
 * AVX-512 (lib/mat_avx512.c), AVX2 + FMA (lib/mat_avx2.c) and a baseline
 * (lib/mat_base.c) that computes the fused operation exactly without the
 * instruction, slower.  Building with -DFFNN_MAT_ISA=N forces variant N
 * (2 AVX-512, 1 AVX2, 0 baseline).  ISO C mode (-std=c11) keeps GCC at
 * -ffp-contract=off and the pragma below does the same for clang, so no
 * multiply and add are fused unless written so.
 */
#include "ffnn/mat.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "mat_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- reference kernels: the definition of each product ------------------ */

/* X (B,I), W (O,I), b (O) or NULL -> Z (B,O):
 * Z[r,o] = fmaf-chain_i(X[r,i]·W[o,i]) + b[o] */
void ffnn_mat_xwt_ref(float *Z, const float *X, const float *W, const float *b, int B, int I, int O)
{
    for (int r = 0; r < B; r++)
        for (int o = 0; o < O; o++) {
            float s = 0.0f;
            for (int i = 0; i < I; i++)
                s = fmaf(X[(size_t)r * I + i], W[(size_t)o * I + i], s);
            Z[(size_t)r * O + o] = b ? s + b[o] : s;
        }
}

/* dZ (B,O), W (O,I) -> dX (B,I):  dX[r,i] = fmaf-chain_o(dZ[r,o]·W[o,i]) */
void ffnn_mat_dzw_ref(float *dX, const float *dZ, const float *W, int B, int O, int I)
{
    for (int r = 0; r < B; r++)
        for (int i = 0; i < I; i++) {
            float s = 0.0f;
            for (int o = 0; o < O; o++)
                s = fmaf(dZ[(size_t)r * O + o], W[(size_t)o * I + i], s);
            dX[(size_t)r * I + i] = s;
        }
}

/* dZ (B,O), X (B,I) -> dW[o,i] = fmaf-chain_r(dZ[r,o]·X[r,i]) from dW[o,i];
 * db[o] += dZ[r,o] for r = 0..B-1 in turn */
void ffnn_mat_dw_ref(float *dW, float *db, const float *dZ, const float *X, int B, int O, int I)
{
    for (int o = 0; o < O; o++) {
        for (int i = 0; i < I; i++) {
            float s = dW[(size_t)o * I + i];
            for (int r = 0; r < B; r++)
                s = fmaf(dZ[(size_t)r * O + o], X[(size_t)r * I + i], s);
            dW[(size_t)o * I + i] = s;
        }
        if (db) {
            float s = db[o];
            for (int r = 0; r < B; r++)
                s += dZ[(size_t)r * O + o];
            db[o] = s;
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

#if defined(FFNN_MAT_TUNED)
static int mat_isa(void);
#endif

/* Panel p holds W[16p .. 16p+15][·]ᵀ as I rows of 16 floats, zero past O:
 * written in order, 16 rows of W read side by side (AVX-512: 16 × 16
 * blocks transposed in registers). */
void ffnn_mat_pack(float *Wp, const float *W, int I, int O, int p0, int p1)
{
#if defined(FFNN_MAT_X86)
    if (mat_isa() == 2) {
        ffnn_mat_pack_avx512(Wp, W, I, O, p0, p1);
        return;
    }
#endif
    for (int p = p0; p < p1; p++) {
        float *dst = Wp + (size_t)p * VW * (size_t)I;
        int o0 = p * VW, nr = O - o0 < VW ? O - o0 : VW;
        const float *w = W + (size_t)o0 * I;
        if (nr == VW) {
            for (int k = 0; k < I; k++)
                for (int j = 0; j < VW; j++)
                    dst[(size_t)k * VW + j] = w[(size_t)j * I + k];
        } else {
            for (int k = 0; k < I; k++)
                for (int j = 0; j < VW; j++)
                    dst[(size_t)k * VW + j] = j < nr ? w[(size_t)j * I + k] : 0.0f;
        }
    }
}

/* ---- per-CPU variants ------------------------------------------------------ */

#if defined(FFNN_MAT_TUNED)
/* 2: AVX-512, 1: AVX2 + FMA, 0: baseline. */
static int mat_isa(void)
{
#if defined(FFNN_MAT_ISA)
    return FFNN_MAT_ISA;
#elif defined(FFNN_MAT_X86)
    static int isa = -1;
    int v = __atomic_load_n(&isa, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        int fma = __builtin_cpu_supports("fma");
        v = fma && __builtin_cpu_supports("avx512f") ? 2
            : fma && __builtin_cpu_supports("avx2")  ? 1
                                                     : 0;
        __atomic_store_n(&isa, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}

static void run(const mat_job *j)
{
#if defined(FFNN_MAT_X86)
    switch (mat_isa()) {
    case 2: ffnn_mat_gemm_avx512(j); break;
    case 1: ffnn_mat_gemm_avx2(j); break;
    default: ffnn_mat_gemm_base(j); break;
    }
#else
    ffnn_mat_gemm_base(j);
#endif
}
#endif /* FFNN_MAT_TUNED */

const char *ffnn_mat_variant(void)
{
#if defined(FFNN_MAT_TUNED)
    static const char *const names[3] = {"base", "avx2", "avx512"};
    return names[mat_isa()];
#else
    return "ref";
#endif
}

/* ---- entry points ---------------------------------------------------------- */

/* Elements of a product with no terms: Z = 0 + b (relu'd into A), dX = 0
 * (masked and gated, still 0), dW unchanged or 0. */
static void xwt_empty(float *Z, float *A, const float *b, int B, int O, int o0, int o1)
{
    for (int r = 0; r < B; r++)
        for (int o = o0; o < o1; o++) {
            float z = b ? 0.0f + b[o] : 0.0f;
            Z[(size_t)r * O + o] = z;
            if (A)
                A[(size_t)r * O + o] = z > 0.0f ? z : 0.0f;
        }
}

void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O)
{
    if (B <= 0 || O <= 0)
        return;
    if (I <= 0) {
        xwt_empty(Z, NULL, b, B, O, 0, O);
        return;
    }
#if defined(FFNN_MAT_TUNED)
    mat_job j = {.kind = MAT_XWT, .M = B, .N = O, .K = I, .A = X, .am = (size_t)I, .ak = 1,
                 .B = W, .bk = 1, .bn = (size_t)I, .C = Z, .ldc = (size_t)O, .bias = b};
    run(&j);
#else
    ffnn_mat_xwt_ref(Z, X, W, b, B, I, O);
#endif
}

void ffnn_mat_xwt_packed(float *restrict Z, float *restrict A, const float *restrict X,
                         const float *restrict Wp, const float *restrict b, int B, int I, int O,
                         int o0, int o1)
{
    if (B <= 0 || o1 <= o0)
        return;
    if (I <= 0) {
        xwt_empty(Z, A, b, B, O, o0, o1);
        return;
    }
#if defined(FFNN_MAT_TUNED)
    mat_job j = {.kind = MAT_XWT, .M = B, .N = o1 - o0, .K = I, .A = X, .am = (size_t)I, .ak = 1,
                 .Bp = Wp + (size_t)(o0 / VW) * VW * (size_t)I, .C = Z + o0, .ldc = (size_t)O,
                 .bias = b ? b + o0 : NULL, .R = A ? A + o0 : NULL};
    run(&j);
#else
    /* Panel p, reduction row k, lane j holds W[16p + j][k]. */
    for (int r = 0; r < B; r++)
        for (int o = o0; o < o1; o++) {
            const float *w = Wp + (size_t)(o / VW) * VW * (size_t)I + o % VW;
            float s = 0.0f;
            for (int i = 0; i < I; i++)
                s = fmaf(X[(size_t)r * I + i], w[(size_t)i * VW], s);
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
    ffnn_mat_dzw_gated(dX, dZ, W, NULL, NULL, B, O, I, 0, I);
}

void ffnn_mat_dzw_gated(float *restrict dX, const float *restrict dZ, const float *restrict W,
                        const float *restrict mask, const float *restrict gate, int B, int O, int I,
                        int i0, int i1)
{
    if (B <= 0 || i1 <= i0)
        return;
    if (O <= 0) {
        for (int r = 0; r < B; r++)
            for (int i = i0; i < i1; i++) {
                size_t at = (size_t)r * I + i;
                float s = 0.0f;
                if (mask)
                    s *= mask[at];
                if (gate)
                    s = gate[at] > 0.0f ? s : 0.0f;
                dX[at] = s;
            }
        return;
    }
#if defined(FFNN_MAT_TUNED)
    mat_job j = {.kind = MAT_DZW, .M = B, .N = i1 - i0, .K = O, .A = dZ, .am = (size_t)O, .ak = 1,
                 .B = W + i0, .bk = (size_t)I, .bn = 1, .C = dX + i0, .ldc = (size_t)I,
                 .mask = mask ? mask + i0 : NULL, .gate = gate ? gate + i0 : NULL};
    run(&j);
#else
    for (int r = 0; r < B; r++)
        for (int i = i0; i < i1; i++) {
            float s = 0.0f;
            for (int o = 0; o < O; o++)
                s = fmaf(dZ[(size_t)r * O + o], W[(size_t)o * I + i], s);
            size_t at = (size_t)r * I + i;
            if (mask)
                s *= mask[at];
            if (gate)
                s = gate[at] > 0.0f ? s : 0.0f;
            dX[at] = s;
        }
#endif
}

/* db[o0..o1) (+)= Σ_r dZ[r, o], r = 0, 1, ... in turn. */
static void db_rows(float *restrict db, const float *restrict dZ, int B, int O, int o0, int o1,
                    bool add)
{
#if defined(FFNN_MAT_TUNED)
#if defined(FFNN_MAT_X86)
    switch (mat_isa()) {
    case 2: ffnn_mat_db_avx512(db + o0, dZ + o0, B, (size_t)O, o1 - o0, add); return;
    case 1: ffnn_mat_db_avx2(db + o0, dZ + o0, B, (size_t)O, o1 - o0, add); return;
    default: break;
    }
#endif
    ffnn_mat_db_base(db + o0, dZ + o0, B, (size_t)O, o1 - o0, add);
#else
    for (int o = o0; o < o1; o++) {
        float s = add ? db[o] : 0.0f;
        for (int r = 0; r < B; r++)
            s += dZ[(size_t)r * O + o];
        db[o] = s;
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
    if (o1 <= o0)
        return;
    if (db)
        db_rows(db, dZ, B, O, o0, o1, add);
    if (I <= 0)
        return;
    if (B <= 0) {
        if (!add)
            memset(dW + (size_t)o0 * I, 0, (size_t)(o1 - o0) * (size_t)I * sizeof(float));
        return;
    }
#if defined(FFNN_MAT_TUNED)
    mat_job j = {.kind = MAT_DW, .M = o1 - o0, .N = I, .K = B, .A = dZ + o0, .am = 1, .ak = (size_t)O,
                 .B = X, .bk = (size_t)I, .bn = 1, .C = dW + (size_t)o0 * I, .ldc = (size_t)I,
                 .add = add};
    run(&j);
#else
    for (int o = o0; o < o1; o++)
        for (int i = 0; i < I; i++) {
            float s = add ? dW[(size_t)o * I + i] : 0.0f;
            for (int r = 0; r < B; r++)
                s = fmaf(dZ[(size_t)r * O + o], X[(size_t)r * I + i], s);
            dW[(size_t)o * I + i] = s;
        }
#endif
}
