/* ffnn — the three matrix products of training (DESIGN §4).
 *
 * Every tuned kernel computes each output element as one scalar sum taken in
 * the same order as its _ref twin (0, then each term in increasing index, then
 * the bias or the existing dW/db value), so tuned and reference results are in
 * fact bitwise equal; the tests only rely on a tight tolerance so the order may
 * change later.  Speed comes from register tiles of MR rows × NR columns whose
 * NR-wide inner loops GCC vectorises across independent output elements (never
 * across the terms of one sum, which would reorder it).  Nothing here depends
 * on the CPU: the per-CPU clones run the same arithmetic, and ISO C mode
 * (-std=c11) keeps -ffp-contract=off, so no clone fuses a multiply and an add.
 */
#include "ffnn/mat.h"

#include <stddef.h>

/* Tiles are written once with (mr, nw) parameters and always called with
 * constants, so each call site compiles to fixed-size, vectorised loops. */
#define TILE static inline __attribute__((always_inline)) void

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FFNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FFNN_CLONES
#endif

#define NR 16  /* widest register tile: one zmm, two ymm (narrower: 8, 4, 1) */
#define MR 8   /* rows per register tile (then 4, then 1) */
#define KC 256 /* reduction depth per packed block of W in ffnn_mat_xwt */

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

/* ---- Z = X·Wᵀ + b -------------------------------------------------------- */

/* One tile of Z: rows r0..r0+mr, columns o0..o0+nr (nr <= nw), reduction
 * indices k0..k0+kc of I against the packed block Wt (kc, nw) =
 * W[o0.., k0..]ᵀ, zero-padded past nr.  first: start the sums at 0, else
 * continue the partial sums stored in Z; last: add the bias. */
TILE xwt_tile(float *restrict Z, const float *restrict X, const float *restrict Wt,
              const float *restrict b, int mr, int nw, int r0, int o0, int nr, int k0, int kc,
              int I, int O, int first, int last)
{
    float acc[MR][NR];
    for (int r = 0; r < mr; r++) {
        const float *z = Z + (size_t)(r0 + r) * O + o0;
        for (int j = 0; j < nw; j++)
            acc[r][j] = first || j >= nr ? 0.0f : z[j];
    }
    const float *x0 = X + (size_t)r0 * I + k0;
    for (int k = 0; k < kc; k++) {
        const float *w = Wt + (size_t)k * nw;
        for (int r = 0; r < mr; r++) {
            float xv = x0[(size_t)r * I + k];
            for (int j = 0; j < nw; j++)
                acc[r][j] += xv * w[j];
        }
    }
    for (int r = 0; r < mr; r++) {
        float *z = Z + (size_t)(r0 + r) * O + o0;
        if (last && b)
            for (int j = 0; j < nr; j++)
                z[j] = acc[r][j] + b[o0 + j];
        else
            for (int j = 0; j < nr; j++)
                z[j] = acc[r][j];
    }
}

/* All rows of Z for columns o0..o0+nr, packed nw wide. */
TILE xwt_cols(float *restrict Z, const float *restrict X, const float *restrict W,
              const float *restrict b, float *restrict Wt, int nw, int o0, int nr, int B, int I,
              int O)
{
    for (int k0 = 0; k0 < I; k0 += KC) {
        int kc = I - k0 < KC ? I - k0 : KC;
        for (int k = 0; k < kc; k++)
            for (int j = 0; j < nw; j++)
                Wt[(size_t)k * nw + j] = j < nr ? W[(size_t)(o0 + j) * I + k0 + k] : 0.0f;
        int first = k0 == 0, last = k0 + kc == I;
        int r0 = 0;
        for (; r0 + MR <= B; r0 += MR)
            xwt_tile(Z, X, Wt, b, MR, nw, r0, o0, nr, k0, kc, I, O, first, last);
        for (; r0 + 4 <= B; r0 += 4)
            xwt_tile(Z, X, Wt, b, 4, nw, r0, o0, nr, k0, kc, I, O, first, last);
        for (; r0 < B; r0++)
            xwt_tile(Z, X, Wt, b, 1, nw, r0, o0, nr, k0, kc, I, O, first, last);
    }
}

/* X (B,I), W (O,I), b (O) or NULL -> Z (B,O):  Z = X·Wᵀ + b.
 * W is packed up to NR output rows × KC inputs at a time, transposed, into a
 * stack block so the inner loop runs along outputs; the last O mod NR
 * outputs use the narrowest tile (8, 4 or 1) that holds them. */
FFNN_CLONES
void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O)
{
    float Wt[KC * NR];
    if (I == 0) {
        for (int r = 0; r < B; r++)
            for (int o = 0; o < O; o++)
                Z[(size_t)r * O + o] = b ? 0.0f + b[o] : 0.0f;
        return;
    }
    int o0 = 0;
    for (; o0 + NR <= O; o0 += NR)
        xwt_cols(Z, X, W, b, Wt, NR, o0, NR, B, I, O);
    int nr = O - o0;
    if (nr > 8)
        xwt_cols(Z, X, W, b, Wt, 16, o0, nr, B, I, O);
    else if (nr > 4)
        xwt_cols(Z, X, W, b, Wt, 8, o0, nr, B, I, O);
    else if (nr > 1)
        xwt_cols(Z, X, W, b, Wt, 4, o0, nr, B, I, O);
    else if (nr == 1)
        xwt_cols(Z, X, W, b, Wt, 1, o0, nr, B, I, O);
}

/* ---- dX = dZ·W ----------------------------------------------------------- */

/* One tile of dX: rows r0..r0+mr, columns i0..i0+nw. */
TILE dzw_tile(float *restrict dX, const float *restrict dZ, const float *restrict W, int mr,
              int nw, int r0, int i0, int O, int I)
{
    float acc[MR][NR];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nw; j++)
            acc[r][j] = 0.0f;
    for (int o = 0; o < O; o++) {
        const float *w = W + (size_t)o * I + i0;
        for (int r = 0; r < mr; r++) {
            float d = dZ[(size_t)(r0 + r) * O + o];
            for (int j = 0; j < nw; j++)
                acc[r][j] += d * w[j];
        }
    }
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nw; j++)
            dX[(size_t)(r0 + r) * I + i0 + j] = acc[r][j];
}

/* Columns i0..i0+nw of dX, all rows. */
TILE dzw_cols(float *restrict dX, const float *restrict dZ, const float *restrict W, int nw,
              int i0, int B, int O, int I)
{
    int r0 = 0;
    for (; r0 + MR <= B; r0 += MR)
        dzw_tile(dX, dZ, W, MR, nw, r0, i0, O, I);
    for (; r0 + 4 <= B; r0 += 4)
        dzw_tile(dX, dZ, W, 4, nw, r0, i0, O, I);
    for (; r0 < B; r0++)
        dzw_tile(dX, dZ, W, 1, nw, r0, i0, O, I);
}

/* dZ (B,O), W (O,I) -> dX (B,I):  dX = dZ·W (overwrites dX).  Columns go in
 * tiles of 16, then 8, 4 and 1 for the remainder (never reading past W). */
FFNN_CLONES
void ffnn_mat_dzw(float *restrict dX, const float *restrict dZ, const float *restrict W, int B,
                  int O, int I)
{
    int i0 = 0;
    for (; i0 + 16 <= I; i0 += 16)
        dzw_cols(dX, dZ, W, 16, i0, B, O, I);
    for (; i0 + 8 <= I; i0 += 8)
        dzw_cols(dX, dZ, W, 8, i0, B, O, I);
    for (; i0 + 4 <= I; i0 += 4)
        dzw_cols(dX, dZ, W, 4, i0, B, O, I);
    for (; i0 < I; i0++)
        dzw_cols(dX, dZ, W, 1, i0, B, O, I);
}

/* ---- dW += dZᵀ·X, db += Σ dZ --------------------------------------------- */

/* One tile of dW: rows o0..o0+mr, columns i0..i0+nw. */
TILE dw_tile(float *restrict dW, const float *restrict dZ, const float *restrict X, int mr,
             int nw, int o0, int i0, int B, int O, int I)
{
    float acc[MR][NR];
    for (int q = 0; q < mr; q++)
        for (int j = 0; j < nw; j++)
            acc[q][j] = 0.0f;
    for (int r = 0; r < B; r++) {
        const float *x = X + (size_t)r * I + i0;
        const float *dz = dZ + (size_t)r * O + o0;
        for (int q = 0; q < mr; q++) {
            float d = dz[q];
            for (int j = 0; j < nw; j++)
                acc[q][j] += d * x[j];
        }
    }
    for (int q = 0; q < mr; q++)
        for (int j = 0; j < nw; j++)
            dW[(size_t)(o0 + q) * I + i0 + j] += acc[q][j];
}

/* Columns i0..i0+nw of dW, all rows. */
TILE dw_cols(float *restrict dW, const float *restrict dZ, const float *restrict X, int nw,
             int i0, int B, int O, int I)
{
    int o0 = 0;
    for (; o0 + MR <= O; o0 += MR)
        dw_tile(dW, dZ, X, MR, nw, o0, i0, B, O, I);
    for (; o0 + 4 <= O; o0 += 4)
        dw_tile(dW, dZ, X, 4, nw, o0, i0, B, O, I);
    for (; o0 < O; o0++)
        dw_tile(dW, dZ, X, 1, nw, o0, i0, B, O, I);
}

/* db[o0..o0+nw] += Σ_r dZ[r, o0..o0+nw] */
TILE db_cols(float *restrict db, const float *restrict dZ, int nw, int o0, int B, int O)
{
    float acc[NR];
    for (int j = 0; j < nw; j++)
        acc[j] = 0.0f;
    for (int r = 0; r < B; r++)
        for (int j = 0; j < nw; j++)
            acc[j] += dZ[(size_t)r * O + o0 + j];
    for (int j = 0; j < nw; j++)
        db[o0 + j] += acc[j];
}

/* dZ (B,O), X (B,I) -> dW (O,I) += dZᵀ·X ; db (O) += Σ_rows dZ (db may be NULL).
 * Columns of dW (and entries of db) go in tiles of 16, then 8, 4 and 1. */
FFNN_CLONES
void ffnn_mat_dw(float *restrict dW, float *restrict db, const float *restrict dZ,
                 const float *restrict X, int B, int O, int I)
{
    int i0 = 0;
    for (; i0 + 16 <= I; i0 += 16)
        dw_cols(dW, dZ, X, 16, i0, B, O, I);
    for (; i0 + 8 <= I; i0 += 8)
        dw_cols(dW, dZ, X, 8, i0, B, O, I);
    for (; i0 + 4 <= I; i0 += 4)
        dw_cols(dW, dZ, X, 4, i0, B, O, I);
    for (; i0 < I; i0++)
        dw_cols(dW, dZ, X, 1, i0, B, O, I);
    if (!db)
        return;
    int o0 = 0;
    for (; o0 + 16 <= O; o0 += 16)
        db_cols(db, dZ, 16, o0, B, O);
    for (; o0 + 4 <= O; o0 += 4)
        db_cols(db, dZ, 4, o0, B, O);
    for (; o0 < O; o0++)
        db_cols(db, dZ, 1, o0, B, O);
}
