/* ffnn — the blocked product of lib/mat.c (mat_job in lib/mat_internal.h),
 * compiled once per CPU variant.  lib/mat_avx512.c, lib/mat_avx2.c and
 * lib/mat_base.c each set the target and define, before including this file:
 *   MAT_ISA   suffix of the entry point ffnn_mat_gemm_<isa>
 *   MAT_VN    floats per native vector (16, 8, 4), vn and vni its types
 *   MAT_MR    rows of C per register tile
 *   MAT_NP    16-column panels per register tile (tile width 16·MAT_NP)
 *   v_fma(a, b, c)  a·b + c with one rounding (the fused multiply-add)
 *   v_splat(p)      *p in every lane
 *   v_loadn(p, n), v_storen(p, v, n)  the first n lanes only (others 0)
 * Not a public header.
 *
 * The loops are BLIS's (Van Zee & van de Geijn, "BLIS: A Framework for
 * Rapidly Instantiating BLAS Functionality", 2015), for the shapes training
 * has (M a batch of tens to hundreds of rows, N and K layer widths):
 *   for each block of KC terms         (partial sums kept in C between blocks)
 *     for each block of MC rows: pack A's MC×KC block, MR rows interleaved
 *       (one contiguous stream of broadcasts per tile; it stays in L2 and
 *       serves every column panel)
 *       for each panel of 16·MAT_NP columns: B's KC×NR panel (packed once
 *         per batch by ffnn_mat_pack, or copied here; it stays in L1)
 *         for each tile of MR rows: MR × NR sums in registers, KC fused
 *           multiply-adds each.
 * Every sum is one chain of fused multiply-adds in increasing k, whatever
 * the blocks and tiles, so each variant gives the references' bits (and a
 * tile's padding rows and columns never reach an output).
 */
#include <string.h>

#include "mat_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define MR MAT_MR
#define NR (VW * MAT_NP)
#define NVP (VW / MAT_VN) /* native vectors per panel row */
#define NV (NVP * MAT_NP) /* native vectors per tile row */
#ifndef MAT_KC
#define MAT_KC 128
#endif
#ifndef MAT_MC
#define MAT_MC (12 * MR)
#endif
#define KC MAT_KC
#define MC MAT_MC

MAT_INLINE vn v_load(const float *p)
{
    vn v;
    memcpy(&v, p, sizeof v);
    return v;
}

MAT_INLINE void v_store(float *p, vn v)
{
    memcpy(p, &v, sizeof v);
}

/* x > 0 ? x : 0 per lane (NaN and -0 give +0), as activation.c's relu. */
MAT_INLINE vn v_relu(vn x)
{
    const vn zero = {0};
    return (vn)((vni)x & (x > zero));
}

/* ---- packing ----------------------------------------------------------------- */

/* n clamped to 0..MAT_VN */
MAT_INLINE int lanes_of(int n)
{
    return n < 0 ? 0 : n > MAT_VN ? MAT_VN : n;
}

/* A's rows i0..i0+mc, terms k0..k0+kc, as ceil(mc/MR) micro-panels of kc × MR
 * (row m of a tile at [k·MR + m]), rows past mc zero. */
MAT_INLINE void pack_a(float *restrict ap, const mat_job *j, int i0, int mc, int k0, int kc)
{
    for (int t = 0; t * MR < mc; t++) {
        float *dst = ap + (size_t)t * MR * kc;
        int mr = mc - t * MR < MR ? mc - t * MR : MR;
        if (j->ak == 1) {
            for (int m = 0; m < mr; m++) {
                const float *src = j->A + (size_t)(i0 + t * MR + m) * j->am + k0;
                for (int k = 0; k < kc; k++)
                    dst[(size_t)k * MR + m] = src[k];
            }
            for (int m = mr; m < MR; m++)
                for (int k = 0; k < kc; k++)
                    dst[(size_t)k * MR + m] = 0.0f;
        } else {
            /* MR floats per term, in vectors of MAT_VN (the last may be short) */
            for (int k = 0; k < kc; k++) {
                const float *src = j->A + (size_t)(k0 + k) * j->ak + (size_t)(i0 + t * MR);
#pragma GCC unroll 4
                for (int q = 0; q * MAT_VN < MR; q++) {
                    int n = MR - q * MAT_VN < MAT_VN ? MR - q * MAT_VN : MAT_VN;
                    v_storen(dst + (size_t)k * MR + q * MAT_VN, v_loadn(src + q * MAT_VN, lanes_of(mr - q * MAT_VN)),
                             n);
                }
            }
        }
    }
}

/* B's terms k0..k0+kc, columns n0..n0+nc (nc <= NR) as panels of kc × 16,
 * panel stride kc·16, columns past nc zero. */
MAT_INLINE void pack_b(float *restrict bp, const mat_job *j, int k0, int kc, int n0, int nc)
{
    for (int p = 0; p * VW < nc; p++) {
        float *dst = bp + (size_t)p * kc * VW;
        int w = nc - p * VW < VW ? nc - p * VW : VW;
        if (j->bn == 1 && w == VW) {
            for (int k = 0; k < kc; k++)
                memcpy(dst + (size_t)k * VW, j->B + (size_t)(k0 + k) * j->bk + (size_t)(n0 + p * VW),
                       VW * sizeof(float));
        } else if (j->bn == 1) {
            for (int k = 0; k < kc; k++) {
                const float *src = j->B + (size_t)(k0 + k) * j->bk + (size_t)(n0 + p * VW);
#pragma GCC unroll 4
                for (int q = 0; q < NVP; q++)
                    v_store(dst + (size_t)k * VW + q * MAT_VN, v_loadn(src + q * MAT_VN, lanes_of(w - q * MAT_VN)));
            }
        } else {
            for (int c = 0; c < VW; c++) {
                const float *src = j->B + (size_t)(n0 + p * VW + c) * j->bn + k0;
                for (int k = 0; k < kc; k++)
                    dst[(size_t)k * VW + c] = c < w ? src[k] : 0.0f;
            }
        }
    }
}

/* ---- the register tile ---------------------------------------------------------- */

/* acc[m][v] = fma(a(m,k), b(k, v), acc[m][v]) for k = 0..kc-1: a(m,k) =
 * a[m·sm + k·sk] (a packed micro-panel: sm 1, sk MR), b np panels of 16
 * columns bs floats apart. */
MAT_INLINE void micro(vn acc[MR][NV], const float *restrict a, size_t sm, size_t sk,
                      const float *restrict b, size_t bs, int np, int kc)
{
    for (int k = 0; k < kc; k++) {
        vn bv[NV];
#pragma GCC unroll 4
        for (int p = 0; p < np; p++)
#pragma GCC unroll 4
            for (int q = 0; q < NVP; q++)
                bv[p * NVP + q] = v_load(b + p * bs + (size_t)k * VW + q * MAT_VN);
#pragma GCC unroll 16
        for (int m = 0; m < MR; m++) {
            vn s = v_splat(a + (size_t)m * sm + (size_t)k * sk);
#pragma GCC unroll 8
            for (int v = 0; v < np * NVP; v++)
                acc[m][v] = v_fma(s, bv[v], acc[m][v]);
        }
    }
}

/* The epilogue of a finished element (kind's extra step), one at a time:
 * the same operations as the vector path, for tiles at the edges. */
MAT_INLINE void finish_scalar(const mat_job *j, float *t, int mr, int n0, int i0, int nc)
{
    for (int m = 0; m < mr; m++)
        for (int c = 0; c < nc; c++) {
            float x = t[m * NR + c];
            size_t at = (size_t)(i0 + m) * j->ldc + (size_t)(n0 + c);
            if (j->kind == MAT_XWT) {
                if (j->bias)
                    x = x + j->bias[n0 + c];
                j->C[at] = x;
                if (j->R)
                    j->R[at] = x > 0.0f ? x : 0.0f;
            } else if (j->kind == MAT_DZW) {
                if (j->mask)
                    x = x * j->mask[at];
                if (j->gate)
                    x = j->gate[at] > 0.0f ? x : 0.0f;
                j->C[at] = x;
            } else {
                j->C[at] = x;
            }
        }
}

/* Rows i0..i0+mr, columns n0..n0+nc of C from terms k0..k0+kc (first: the
 * first block, last: the last). */
MAT_INLINE void tile(const mat_job *j, const float *restrict ap, size_t sm, size_t sk,
                     const float *restrict bp, size_t bs, int np, int i0, int mr, int n0, int nc,
                     int kc, int first, int last)
{
    /* j's fields in locals: the vector stores below may alias anything */
    const size_t ldc = j->ldc;
    const int kind = j->kind;
    const float *const bias = j->bias, *const mask = j->mask, *const gate = j->gate;
    float *const R = j->R;
    float *const c = j->C + (size_t)i0 * ldc + (size_t)n0;
    const int full = mr == MR && nc == np * VW;
    vn acc[MR][NV];
    if (first && !j->add) {
#pragma GCC unroll 16
        for (int m = 0; m < MR; m++)
#pragma GCC unroll 8
            for (int v = 0; v < np * NVP; v++)
                acc[m][v] = (vn){0};
    } else if (full) {
#pragma GCC unroll 16
        for (int m = 0; m < MR; m++)
#pragma GCC unroll 8
            for (int v = 0; v < np * NVP; v++)
                acc[m][v] = v_load(c + (size_t)m * ldc + (size_t)v * MAT_VN);
    } else {
        for (int m = 0; m < MR; m++)
            for (int v = 0; v < np * NVP; v++)
                acc[m][v] = m < mr ? v_loadn(c + (size_t)m * ldc + (size_t)v * MAT_VN, lanes_of(nc - v * MAT_VN))
                                   : (vn){0};
    }

    micro(acc, ap, sm, sk, bp, bs, np, kc);

    if (!full) {
        float t[MR * NR];
        for (int m = 0; m < MR; m++)
            for (int v = 0; v < np * NVP; v++)
                v_store(t + m * NR + v * MAT_VN, acc[m][v]);
        if (last && (kind != MAT_DW && (bias || R || mask || gate))) {
            finish_scalar(j, t, mr, n0, i0, nc);
        } else {
            for (int m = 0; m < mr; m++)
                for (int v = 0; v * MAT_VN < nc; v++)
                    v_storen(c + (size_t)m * ldc + (size_t)v * MAT_VN, v_load(t + m * NR + v * MAT_VN),
                             lanes_of(nc - v * MAT_VN));
        }
        return;
    }
    if (last && kind == MAT_XWT) {
        if (bias) {
#pragma GCC unroll 8
            for (int v = 0; v < np * NVP; v++) {
                vn bv = v_load(bias + n0 + v * MAT_VN);
#pragma GCC unroll 16
                for (int m = 0; m < MR; m++)
                    acc[m][v] = acc[m][v] + bv;
            }
        }
        if (R) {
            float *r = R + (size_t)i0 * ldc + (size_t)n0;
#pragma GCC unroll 16
            for (int m = 0; m < MR; m++)
#pragma GCC unroll 8
                for (int v = 0; v < np * NVP; v++)
                    v_store(r + (size_t)m * ldc + (size_t)v * MAT_VN, v_relu(acc[m][v]));
        }
    } else if (last && kind == MAT_DZW && (mask || gate)) {
        const vn zero = {0};
#pragma GCC unroll 16
        for (int m = 0; m < MR; m++)
#pragma GCC unroll 8
            for (int v = 0; v < np * NVP; v++) {
                size_t at = (size_t)(i0 + m) * ldc + (size_t)(n0 + v * MAT_VN);
                if (mask)
                    acc[m][v] = acc[m][v] * v_load(mask + at);
                if (gate)
                    acc[m][v] = (vn)((vni)acc[m][v] & (v_load(gate + at) > zero));
            }
    }
#pragma GCC unroll 16
    for (int m = 0; m < MR; m++)
#pragma GCC unroll 8
        for (int v = 0; v < np * NVP; v++)
            v_store(c + (size_t)m * ldc + (size_t)v * MAT_VN, acc[m][v]);
}

/* ---- the loops around the tile ---------------------------------------------------- */

#define MAT_CAT2(a, b) a##b
#define MAT_CAT(a, b) MAT_CAT2(a, b)

/* Tile t of the block (rows i0 + t·MR ...), every panel width. */
MAT_INLINE void tiles(const mat_job *j, const float *restrict ap, size_t sm, size_t sk,
                      const float *restrict bp, size_t bs, int np, int i0, int mr, int n0, int nc,
                      int kc, int first, int last)
{
    if (np == MAT_NP)
        tile(j, ap, sm, sk, bp, bs, MAT_NP, i0, mr, n0, nc, kc, first, last);
    else
        tile(j, ap, sm, sk, bp, bs, 1, i0, mr, n0, nc, kc, first, last);
}

void MAT_CAT(ffnn_mat_gemm_, MAT_ISA)(const mat_job *j)
{
    float apack[MC * KC] __attribute__((aligned(64)));
    float bpack[KC * NR] __attribute__((aligned(64)));
    const int M = j->M, N = j->N, K = j->K;
    /* One panel of columns: A's rows serve it once, so they are read in
     * place instead of packed (only a last, short tile is copied, padded). */
    const int direct = N <= NR;
    for (int k0 = 0; k0 < K; k0 += KC) {
        int kc = K - k0 < KC ? K - k0 : KC;
        int first = k0 == 0, last = k0 + kc == K;
        for (int i0 = 0; i0 < M; i0 += MC) {
            int mc = M - i0 < MC ? M - i0 : MC;
            if (!direct)
                pack_a(apack, j, i0, mc, k0, kc);
            for (int n0 = 0; n0 < N; n0 += NR) {
                int nc = N - n0 < NR ? N - n0 : NR;
                int np = (nc + VW - 1) / VW;
                const float *bp;
                size_t bs;
                if (j->Bp) {
                    bp = j->Bp + ((size_t)(n0 / VW) * (size_t)K + (size_t)k0) * VW;
                    bs = (size_t)K * VW;
                } else {
                    pack_b(bpack, j, k0, kc, n0, nc);
                    bp = bpack;
                    bs = (size_t)kc * VW;
                    /* the next panel's rows, strided, on their way while
                     * this one's tiles run */
                    if (j->bn == 1 && n0 + NR < N)
                        for (int k = 0; k < kc; k++)
                            for (int q = 0; q < MAT_NP; q++)
                                __builtin_prefetch(j->B + (size_t)(k0 + k) * j->bk + (size_t)(n0 + NR + q * VW));
                }
                for (int t = 0; t * MR < mc; t++) {
                    int i = i0 + t * MR, mr = mc - t * MR < MR ? mc - t * MR : MR;
                    if (!direct) {
                        tiles(j, apack + (size_t)t * MR * kc, 1, MR, bp, bs, np, i, mr, n0, nc, kc,
                              first, last);
                    } else if (mr == MR) {
                        tiles(j, j->A + (size_t)i * j->am + (size_t)k0 * j->ak, j->am, j->ak, bp, bs, np,
                              i, mr, n0, nc, kc, first, last);
                    } else {
                        pack_a(apack, j, i, mr, k0, kc);
                        tiles(j, apack, 1, MR, bp, bs, np, i, mr, n0, nc, kc, first, last);
                    }
                }
            }
        }
    }
}

/* db[0..n) (+)= Σ_r dZ[r·ldz + 0..n), r = 0, 1, ... in turn: the columns in
 * vectors, each lane one column's chain of additions. */
void MAT_CAT(ffnn_mat_db_, MAT_ISA)(float *restrict db, const float *restrict dZ, int B, size_t ldz,
                                     int n, int add)
{
    int o = 0;
    for (; o + NR <= n; o += NR) {
        vn s[NV];
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++)
            s[v] = add ? v_load(db + o + v * MAT_VN) : (vn){0};
        for (int r = 0; r < B; r++)
#pragma GCC unroll 8
            for (int v = 0; v < NV; v++)
                s[v] = s[v] + v_load(dZ + (size_t)r * ldz + (size_t)(o + v * MAT_VN));
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++)
            v_store(db + o + v * MAT_VN, s[v]);
    }
    for (; o < n; o += MAT_VN) {
        int w = lanes_of(n - o);
        vn s = add ? v_loadn(db + o, w) : (vn){0};
        for (int r = 0; r < B; r++)
            s = s + v_loadn(dZ + (size_t)r * ldz + (size_t)o, w);
        v_storen(db + o, s, w);
    }
}
