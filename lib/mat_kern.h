/* ffnn — the register-tiled kernels of lib/mat.c, compiled once per CPU
 * variant: lib/mat_avx512.c, lib/mat_avx2.c and lib/mat_base.c each set the
 * target, MAT_ISA (the suffix of the three entry points) and MAT_MR (the tile
 * height), then include this file.  Not a public header.
 *
 * Every term is a product then a separate addition, acc += a·b, rounded
 * twice, exactly as in the _ref kernels: never fused (ISO C mode keeps GCC at
 * -ffp-contract=off and the pragma below does the same for clang), so every
 * variant gives bitwise the references' results.
 */
#include <string.h>

#include "mat_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define INLINE static inline __attribute__((always_inline))
#define MR_MAX 8
#define STRIP_MAX 512 /* rows of a copied 16-float strip (32 KiB of stack) */

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


INLINE void dzw_tile(const dzw_args *p, const float *ws, size_t wstride, int mr, int r0, int i0,
                     int nr)
{
    const int O = p->O, I = p->I;
    vf acc[MR_MAX];
#pragma GCC unroll 8
    for (int r = 0; r < mr; r++)
        acc[r] = (vf){0};
    const float *dz = p->dZ + (size_t)r0 * O;
    for (int o = 0; o < O; o++) {
        vf w;
        vload(&w, ws + (size_t)o * wstride, nr);
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
    /* The strip W[·][i0..i0+16) copied to contiguous rows when it fits: read
     * in place its rows lie I floats apart, and with I a multiple of 256 they
     * share a few L1 sets and evict each other before the next row tile. */
    float strip[STRIP_MAX * VW];
    const float *ws = p->W + i0;
    size_t wstride = (size_t)p->I;
    if (p->O <= STRIP_MAX && p->B > MR) {
        for (int o = 0; o < p->O; o++)
            memcpy(strip + (size_t)o * VW, p->W + (size_t)o * p->I + i0, (size_t)nr * sizeof(float));
        ws = strip;
        wstride = VW;
    }
    int r0 = 0;
    for (; r0 + MR <= p->B; r0 += MR)
        dzw_tile(p, ws, wstride, MR, r0, i0, nr);
    if (MR > 4)
        for (; r0 + 4 <= p->B; r0 += 4)
            dzw_tile(p, ws, wstride, 4, r0, i0, nr);
    if (MR > 2)
        for (; r0 + 2 <= p->B; r0 += 2)
            dzw_tile(p, ws, wstride, 2, r0, i0, nr);
    for (; r0 < p->B; r0++)
        dzw_tile(p, ws, wstride, 1, r0, i0, nr);
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


INLINE void dw_tile(const dw_args *p, const float *xs, size_t xstride, int mr, int o0, int i0,
                    int nr)
{
    const int O = p->O, I = p->I;
    vf acc[MR_MAX];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
        acc[q] = (vf){0};
    for (int r = 0; r < p->B; r++) {
        vf x;
        vload(&x, xs + (size_t)r * xstride, nr);
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
    /* The strip X[·][i0..i0+16) copied to contiguous rows when it fits (as
     * in dzw_rows). */
    float strip[STRIP_MAX * VW];
    const float *xs = p->X + i0;
    size_t xstride = (size_t)p->I;
    if (p->B <= STRIP_MAX && p->o1 - p->o0 > MR) {
        for (int r = 0; r < p->B; r++)
            memcpy(strip + (size_t)r * VW, p->X + (size_t)r * p->I + i0, (size_t)nr * sizeof(float));
        xs = strip;
        xstride = VW;
    }
    int o0 = p->o0;
    for (; o0 + MR <= p->o1; o0 += MR)
        dw_tile(p, xs, xstride, MR, o0, i0, nr);
    if (MR > 4)
        for (; o0 + 4 <= p->o1; o0 += 4)
            dw_tile(p, xs, xstride, 4, o0, i0, nr);
    if (MR > 2)
        for (; o0 + 2 <= p->o1; o0 += 2)
            dw_tile(p, xs, xstride, 2, o0, i0, nr);
    for (; o0 < p->o1; o0++)
        dw_tile(p, xs, xstride, 1, o0, i0, nr);
}

#if defined(MAT_WIDE)
/* dw_tile on 32 columns (two vectors per row): each dZ broadcast feeds two
 * multiply-adds, halving the loads per multiply-add.  AVX-512 only (16 of 32
 * registers). */
INLINE void dw_tile2(const dw_args *p, const float *xs, size_t xstride, int mr, int o0, int i0)
{
    const int O = p->O, I = p->I;
    vf acc[MR_MAX][2];
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
        acc[q][0] = acc[q][1] = (vf){0};
    for (int r = 0; r < p->B; r++) {
        vf x0, x1;
        memcpy(&x0, xs + (size_t)r * xstride, sizeof x0);
        memcpy(&x1, xs + (size_t)r * xstride + VW, sizeof x1);
        const float *dz = p->dZ + (size_t)r * O + o0;
#pragma GCC unroll 8
        for (int q = 0; q < mr; q++) {
            acc[q][0] += dz[q] * x0;
            acc[q][1] += dz[q] * x1;
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < mr; q++)
        for (int h = 0; h < 2; h++) {
            float *w = p->dW + (size_t)(o0 + q) * I + i0 + h * VW;
            vf s = {0};
            if (p->add)
                memcpy(&s, w, sizeof s);
            s += acc[q][h];
            memcpy(w, &s, sizeof s);
        }
}

INLINE void dw_rows2(const dw_args *p, int MR, int i0)
{
    float strip[STRIP_MAX / 2 * 2 * VW];
    const float *xs = p->X + i0;
    size_t xstride = (size_t)p->I;
    if (p->B <= STRIP_MAX / 2 && p->o1 - p->o0 > MR) {
        for (int r = 0; r < p->B; r++)
            memcpy(strip + (size_t)r * 2 * VW, p->X + (size_t)r * p->I + i0, 2 * VW * sizeof(float));
        xs = strip;
        xstride = 2 * VW;
    }
    int o0 = p->o0;
    for (; o0 + MR <= p->o1; o0 += MR)
        dw_tile2(p, xs, xstride, MR, o0, i0);
    if (MR > 4)
        for (; o0 + 4 <= p->o1; o0 += 4)
            dw_tile2(p, xs, xstride, 4, o0, i0);
    if (MR > 2)
        for (; o0 + 2 <= p->o1; o0 += 2)
            dw_tile2(p, xs, xstride, 2, o0, i0);
    for (; o0 < p->o1; o0++)
        dw_tile2(p, xs, xstride, 1, o0, i0);
}
#endif

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
#if defined(MAT_WIDE)
    for (; i0 + 2 * VW <= p->I; i0 += 2 * VW)
        dw_rows2(p, MR, i0);
#endif
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

/* ---- entry points of this variant ------------------------------------------ */

#define MAT_CAT2(a, b) a##b
#define MAT_CAT(a, b) MAT_CAT2(a, b)

void MAT_CAT(ffnn_mat_xwt_, MAT_ISA)(const xwt_args *p)
{
    xwt_body(p, MAT_MR);
}

void MAT_CAT(ffnn_mat_dzw_, MAT_ISA)(const dzw_args *p)
{
    dzw_body(p, MAT_MR);
}

void MAT_CAT(ffnn_mat_dw_, MAT_ISA)(const dw_args *p)
{
    dw_body(p, MAT_MR);
}
