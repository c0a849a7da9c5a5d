/* ffnn — the three matrix products of training (DESIGN §4).
 *
 * Every tuned kernel computes each output element as one scalar sum taken in
 * the same order as its _ref twin (0, then each term in increasing index, then
 * the bias or the existing dW/db value), so tuned and reference results are
 * bitwise equal, and so is any split of the rows (or of dW's output rows)
 * between threads: a row's sums do not depend on which tile or thread
 * computes them.  Speed comes from register tiles of MR rows × 16 columns,
 * each row of a tile one 16-float vector (GCC/clang vector extensions), so the
 * vector runs across independent output elements, never across the terms of
 * one sum.  The tile height MR is chosen per CPU at run time (AVX-512: 8 rows,
 * 8 of 32 zmm registers; AVX2: 4 rows, 8 of 16 ymm; SSE: 2 rows, 8 of 16 xmm)
 * and nothing else differs between the variants.  ISO C mode (-std=c11) keeps
 * GCC at -ffp-contract=off and the pragma below does the same for clang, so
 * no variant fuses a multiply and an add.  Compilers without vector
 * extensions run the reference kernels (same results, slower).
 */
#include "ffnn/mat.h"

#include <stddef.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define VW 16  /* tile width: floats per vector */
#define KC 256 /* reduction depth per block of packed W in xwt */

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

#if defined(__GNUC__)

typedef float vf __attribute__((vector_size(VW * sizeof(float))));
typedef int vi __attribute__((vector_size(VW * sizeof(int))));
typedef float vf4 __attribute__((vector_size(4 * sizeof(float))));

#define INLINE static inline __attribute__((always_inline))
#define MR_MAX 8

/* v = p[0..n), zero past n (n <= VW). */
INLINE void vload(vf *v, const float *p, int n)
{
    if (n == VW) {
        memcpy(v, p, sizeof *v);
    } else {
        float t[VW] = {0};
        memcpy(t, p, (size_t)n * sizeof(float));
        memcpy(v, t, sizeof *v);
    }
}

INLINE void vstore(float *p, const vf *v, int n)
{
    if (n == VW)
        memcpy(p, v, sizeof *v);
    else
        memcpy(p, v, (size_t)n * sizeof(float));
}

/* x > 0 ? x : 0, per lane (as activation.c's relu). */
INLINE void vrelu(vf *v)
{
    const vf zero = {0};
    *v = (vf)((vi)*v & (*v > zero));
}

/* ---- Z = X·Wᵀ + b  (A = relu(Z)) ----------------------------------------- */

typedef struct {
    float *Z, *A;         /* A: relu(Z) or NULL */
    const float *X;
    const float *W;       /* unpacked (O,I), or NULL when Wp is given */
    const float *Wp;      /* packed by ffnn_mat_pack, or NULL */
    const float *b;
    int B, I, O;
} xwt_args;

/* Rows r0..r0+mr, columns o0..o0+nr, reduction k0..k0+kc against panel
 * (kc rows of 16).  first: sums start at 0, else continue the partial sums in
 * Z; last: add the bias, store A. */
INLINE void xwt_tile(const xwt_args *p, const float *panel, int mr, int r0, int o0, int nr, int k0,
                     int kc, int first, int last)
{
    const int I = p->I, O = p->O;
    vf acc[MR_MAX];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
        if (first)
            acc[r] = (vf){0};
        else
            vload(&acc[r], p->Z + (size_t)(r0 + r) * O + o0, nr);
    }
    const float *x = p->X + (size_t)r0 * I + k0;
    for (int k = 0; k < kc; k++) {
        vf w;
        memcpy(&w, panel + (size_t)k * VW, sizeof w);
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++)
            acc[r] += x[(size_t)r * I + k] * w;
    }
    vf bias = {0};
    if (last && p->b)
        vload(&bias, p->b + o0, nr);
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
        vf z = acc[r];
        if (last && p->b)
            z += bias;
        vstore(p->Z + (size_t)(r0 + r) * O + o0, &z, nr);
        if (last && p->A) {
            vrelu(&z);
            vstore(p->A + (size_t)(r0 + r) * O + o0, &z, nr);
        }
    }
}

INLINE void xwt_rows(const xwt_args *p, const float *panel, int MR, int o0, int nr, int k0, int kc,
                     int first, int last)
{
    int r0 = 0;
    for (; r0 + MR <= p->B; r0 += MR)
        xwt_tile(p, panel, MR, r0, o0, nr, k0, kc, first, last);
    if (MR > 4)
        for (; r0 + 4 <= p->B; r0 += 4)
            xwt_tile(p, panel, 4, r0, o0, nr, k0, kc, first, last);
    if (MR > 2)
        for (; r0 + 2 <= p->B; r0 += 2)
            xwt_tile(p, panel, 2, r0, o0, nr, k0, kc, first, last);
    for (; r0 < p->B; r0++)
        xwt_tile(p, panel, 1, r0, o0, nr, k0, kc, first, last);
}

INLINE void xwt_body(const xwt_args *p, int MR)
{
    float stack_panel[KC * VW];
    const int I = p->I, O = p->O;
    if (I == 0) {
        for (int r = 0; r < p->B; r++)
            for (int o = 0; o < O; o++) {
                float z = p->b ? 0.0f + p->b[o] : 0.0f;
                p->Z[(size_t)r * O + o] = z;
                if (p->A)
                    p->A[(size_t)r * O + o] = z > 0.0f ? z : 0.0f;
            }
        return;
    }
    for (int pi = 0; pi < ffnn_mat_panels(O); pi++) {
        int o0 = pi * VW, nr = O - o0 < VW ? O - o0 : VW;
        for (int k0 = 0; k0 < I; k0 += KC) {
            int kc = I - k0 < KC ? I - k0 : KC;
            const float *panel;
            if (p->Wp) {
                panel = p->Wp + ((size_t)pi * I + k0) * VW;
            } else {
                for (int k = 0; k < kc; k++)
                    for (int j = 0; j < VW; j++)
                        stack_panel[k * VW + j] = j < nr ? p->W[(size_t)(o0 + j) * I + k0 + k] : 0.0f;
                panel = stack_panel;
            }
            int first = k0 == 0, last = k0 + kc == I;
            if (nr == VW)
                xwt_rows(p, panel, MR, o0, VW, k0, kc, first, last);
            else
                xwt_rows(p, panel, MR, o0, nr, k0, kc, first, last);
        }
    }
}

/* ---- dX = dZ·W  (⊙ mask, gated) ------------------------------------------ */

typedef struct {
    float *dX;
    const float *dZ, *W;
    const float *mask;    /* (B,I) or NULL */
    const float *gate;    /* (B,I) or NULL: dX = gate > 0 ? dX : 0 */
    int B, O, I;
} dzw_args;

INLINE void dzw_tile(const dzw_args *p, int mr, int r0, int i0, int nr)
{
    const int O = p->O, I = p->I;
    vf acc[MR_MAX];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++)
        acc[r] = (vf){0};
    const float *dz = p->dZ + (size_t)r0 * O;
    for (int o = 0; o < O; o++) {
        vf w;
        vload(&w, p->W + (size_t)o * I + i0, nr);
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++)
            acc[r] += dz[(size_t)r * O + o] * w;
    }
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
        size_t at = (size_t)(r0 + r) * I + i0;
        vf d = acc[r];
        if (p->mask) {
            vf m;
            vload(&m, p->mask + at, nr);
            d *= m;
        }
        if (p->gate) {
            const vf zero = {0};
            vf g;
            vload(&g, p->gate + at, nr);
            d = (vf)((vi)d & (g > zero));
        }
        vstore(p->dX + at, &d, nr);
    }
}

INLINE void dzw_rows(const dzw_args *p, int MR, int i0, int nr)
{
    int r0 = 0;
    for (; r0 + MR <= p->B; r0 += MR)
        dzw_tile(p, MR, r0, i0, nr);
    if (MR > 4)
        for (; r0 + 4 <= p->B; r0 += 4)
            dzw_tile(p, 4, r0, i0, nr);
    if (MR > 2)
        for (; r0 + 2 <= p->B; r0 += 2)
            dzw_tile(p, 2, r0, i0, nr);
    for (; r0 < p->B; r0++)
        dzw_tile(p, 1, r0, i0, nr);
}

/* Edge columns i0..i0+nw (nw 8, 4 or 1, a constant at each call) in 4-float
 * vectors (scalars for nw 1): a partial 16-float load in the inner loop
 * would cost a store-forwarding stall on every term. */
INLINE void dzw_edge(const dzw_args *p, int mr, int r0, int i0, int nw)
{
    const int O = p->O, I = p->I, nv = nw / 4;
    vf4 acc[MR_MAX][2];
    float acc1[MR_MAX];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++) {
        acc[r][0] = acc[r][1] = (vf4){0};
        acc1[r] = 0.0f;
    }
    for (int o = 0; o < O; o++) {
        const float *w = p->W + (size_t)o * I + i0;
        vf4 w4[2];
        memcpy(w4, w, (size_t)nv * sizeof(vf4));
#pragma GCC unroll 8
        for (int r = 0; r < mr; r++) {
            float d = p->dZ[(size_t)(r0 + r) * O + o];
            if (nw == 1)
                acc1[r] += d * w[0];
#pragma GCC unroll 2
            for (int v = 0; v < nv; v++)
                acc[r][v] += d * w4[v];
        }
    }
    for (int r = 0; r < mr; r++) {
        float t[8];
        memcpy(t, acc[r], (size_t)nv * sizeof(vf4));
        if (nw == 1)
            t[0] = acc1[r];
        for (int j = 0; j < nw; j++) {
            size_t at = (size_t)(r0 + r) * I + i0 + j;
            float d = t[j];
            if (p->mask)
                d *= p->mask[at];
            if (p->gate)
                d = p->gate[at] > 0.0f ? d : 0.0f;
            p->dX[at] = d;
        }
    }
}

INLINE void dzw_edge_rows(const dzw_args *p, int MR, int i0, int nw)
{
    int r0 = 0;
    for (; r0 + MR <= p->B; r0 += MR)
        dzw_edge(p, MR, r0, i0, nw);
    if (MR > 4)
        for (; r0 + 4 <= p->B; r0 += 4)
            dzw_edge(p, 4, r0, i0, nw);
    for (; r0 < p->B; r0++)
        dzw_edge(p, 1, r0, i0, nw);
}

INLINE void dzw_body(const dzw_args *p, int MR)
{
    int i0 = 0;
    for (; i0 + VW <= p->I; i0 += VW)
        dzw_rows(p, MR, i0, VW);
    for (; i0 + 8 <= p->I; i0 += 8)
        dzw_edge_rows(p, MR, i0, 8);
    for (; i0 + 4 <= p->I; i0 += 4)
        dzw_edge_rows(p, MR, i0, 4);
    for (; i0 < p->I; i0++)
        dzw_edge_rows(p, MR, i0, 1);
}

/* ---- dW (+)= dZᵀ·X, db (+)= Σ dZ, output rows o0..o1 --------------------- */

typedef struct {
    float *dW, *db;
    const float *dZ, *X;
    int B, O, I, o0, o1;
    int add;              /* 1: += ; 0: store 0 + sum */
} dw_args;

INLINE void dw_tile(const dw_args *p, int mr, int o0, int i0, int nr)
{
    const int O = p->O, I = p->I;
    vf acc[MR_MAX];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
        acc[q] = (vf){0};
    for (int r = 0; r < p->B; r++) {
        vf x;
        vload(&x, p->X + (size_t)r * I + i0, nr);
        const float *dz = p->dZ + (size_t)r * O + o0;
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++)
            acc[q] += dz[q] * x;
    }
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++) {
        float *w = p->dW + (size_t)(o0 + q) * I + i0;
        vf s = {0};
        if (p->add)
            vload(&s, w, nr);
        s += acc[q];
        vstore(w, &s, nr);
    }
}

INLINE void dw_rows(const dw_args *p, int MR, int i0, int nr)
{
    int o0 = p->o0;
    for (; o0 + MR <= p->o1; o0 += MR)
        dw_tile(p, MR, o0, i0, nr);
    if (MR > 4)
        for (; o0 + 4 <= p->o1; o0 += 4)
            dw_tile(p, 4, o0, i0, nr);
    if (MR > 2)
        for (; o0 + 2 <= p->o1; o0 += 2)
            dw_tile(p, 2, o0, i0, nr);
    for (; o0 < p->o1; o0++)
        dw_tile(p, 1, o0, i0, nr);
}

/* Edge columns i0..i0+nw of dW (nw 8, 4 or 1, constant), as dzw_edge. */
INLINE void dw_edge(const dw_args *p, int mr, int o0, int i0, int nw)
{
    const int O = p->O, I = p->I, nv = nw / 4;
    vf4 acc[MR_MAX][2];
    float acc1[MR_MAX];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++) {
        acc[q][0] = acc[q][1] = (vf4){0};
        acc1[q] = 0.0f;
    }
    for (int r = 0; r < p->B; r++) {
        const float *x = p->X + (size_t)r * I + i0;
        const float *dz = p->dZ + (size_t)r * O + o0;
        vf4 x4[2];
        memcpy(x4, x, (size_t)nv * sizeof(vf4));
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++) {
            if (nw == 1)
                acc1[q] += dz[q] * x[0];
#pragma GCC unroll 2
            for (int v = 0; v < nv; v++)
                acc[q][v] += dz[q] * x4[v];
        }
    }
    for (int q = 0; q < mr; q++) {
        float t[8];
        memcpy(t, acc[q], (size_t)nv * sizeof(vf4));
        if (nw == 1)
            t[0] = acc1[q];
        for (int j = 0; j < nw; j++) {
            float *w = p->dW + (size_t)(o0 + q) * I + i0 + j;
            *w = (p->add ? *w : 0.0f) + t[j];
        }
    }
}

INLINE void dw_edge_rows(const dw_args *p, int MR, int i0, int nw)
{
    int o0 = p->o0;
    for (; o0 + MR <= p->o1; o0 += MR)
        dw_edge(p, MR, o0, i0, nw);
    if (MR > 4)
        for (; o0 + 4 <= p->o1; o0 += 4)
            dw_edge(p, 4, o0, i0, nw);
    for (; o0 < p->o1; o0++)
        dw_edge(p, 1, o0, i0, nw);
}

/* db[o0..o0+nw) (+)= Σ_r dZ[r, o0..o0+nw) (nw 16, 4 or 1, constant) */
INLINE void db_cols(const dw_args *p, int o0, int nw)
{
    float acc[VW];
    for (int j = 0; j < nw; j++)
        acc[j] = 0.0f;
    for (int r = 0; r < p->B; r++)
        for (int j = 0; j < nw; j++)
            acc[j] += p->dZ[(size_t)r * p->O + o0 + j];
    for (int j = 0; j < nw; j++)
        p->db[o0 + j] = (p->add ? p->db[o0 + j] : 0.0f) + acc[j];
}

INLINE void dw_body(const dw_args *p, int MR)
{
    int i0 = 0;
    for (; i0 + VW <= p->I; i0 += VW)
        dw_rows(p, MR, i0, VW);
    for (; i0 + 8 <= p->I; i0 += 8)
        dw_edge_rows(p, MR, i0, 8);
    for (; i0 + 4 <= p->I; i0 += 4)
        dw_edge_rows(p, MR, i0, 4);
    for (; i0 < p->I; i0++)
        dw_edge_rows(p, MR, i0, 1);
    if (!p->db)
        return;
    int o0 = p->o0;
    for (; o0 + VW <= p->o1; o0 += VW)
        db_cols(p, o0, VW);
    for (; o0 + 4 <= p->o1; o0 += 4)
        db_cols(p, o0, 4);
    for (; o0 < p->o1; o0++)
        db_cols(p, o0, 1);
}

/* ---- per-CPU variants ------------------------------------------------------ */

#define VARIANTS(isa, attr, mr)                                                          \
    attr static void xwt_##isa(const xwt_args *p) { xwt_body(p, mr); }                    \
    attr static void dzw_##isa(const dzw_args *p) { dzw_body(p, mr); }                    \
    attr static void dw_##isa(const dw_args *p) { dw_body(p, mr); }

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
VARIANTS(avx512, __attribute__((target("avx512f"))), 8)
VARIANTS(avx2, __attribute__((target("avx2"))), 4)
VARIANTS(base, , 2)
#define RUN(kernel, args)                                                                \
    do {                                                                                 \
        if (__builtin_cpu_supports("avx512f"))                                           \
            kernel##_avx512(args);                                                       \
        else if (__builtin_cpu_supports("avx2"))                                         \
            kernel##_avx2(args);                                                         \
        else                                                                             \
            kernel##_base(args);                                                         \
    } while (0)
#else
VARIANTS(base, , 4)
#define RUN(kernel, args) kernel##_base(args)
#endif

#endif /* __GNUC__ */

/* ---- entry points ---------------------------------------------------------- */

void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O)
{
#if defined(__GNUC__)
    xwt_args a = {Z, NULL, X, W, NULL, b, B, I, O};
    RUN(xwt, &a);
#else
    ffnn_mat_xwt_ref(Z, X, W, b, B, I, O);
#endif
}

void ffnn_mat_xwt_packed(float *restrict Z, float *restrict A, const float *restrict X,
                         const float *restrict Wp, const float *restrict b, int B, int I, int O)
{
#if defined(__GNUC__)
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
#if defined(__GNUC__)
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
#if defined(__GNUC__)
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
