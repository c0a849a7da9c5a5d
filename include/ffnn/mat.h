/* ffnn — the only matrix products (DESIGN §4).  Row-major, batch first,
 * weights [out][in].
 *
 * What a product gives is defined bit for bit: each output element is one
 * chain of fused multiply-adds (fmaf: a·b + c rounded once) over its terms
 * in increasing index, starting from 0 (from the existing value where a
 * function accumulates), then the bias as a separate addition.  The naive
 * _ref kernels are that definition; the tuned kernels, on every CPU variant
 * and any split of the work between threads, give the same bits.  Kernels
 * never allocate.  Callers split work by rows (offset the pointers, pass
 * fewer rows) or by the column ranges the functions take.
 */
#ifndef FFNN_MAT_H
#define FFNN_MAT_H

#include <stdbool.h>
#include <stddef.h>

/* X (B,I), W (O,I), b (O) or NULL -> Z (B,O):  Z = X·Wᵀ + b */
void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O);
/* dZ (B,O), W (O,I) -> dX (B,I):  dX = dZ·W  (overwrites dX) */
void ffnn_mat_dzw(float *restrict dX, const float *restrict dZ, const float *restrict W,
                  int B, int O, int I);
/* dZ (B,O), X (B,I) -> dW (O,I) += dZᵀ·X, each term added onto dW in turn;
 * db (O) += Σ_rows dZ likewise (db may be NULL) */
void ffnn_mat_dw(float *restrict dW, float *restrict db, const float *restrict dZ,
                 const float *restrict X, int B, int O, int I);

/* W packed for ffnn_mat_xwt_packed: ffnn_mat_panels(O) panels of 16 output
 * rows, each stored transposed (I rows of 16 floats, zero past O);
 * ffnn_mat_packed_size(I, O) floats in all. */
int ffnn_mat_panels(int O);
size_t ffnn_mat_packed_size(int I, int O);
/* Packs panels p0..p1-1 of W (O,I) into Wp (threads may pack disjoint
 * panel ranges). */
void ffnn_mat_pack(float *Wp, const float *W, int I, int O, int p0, int p1);
/* X (B,I), packed W, b (O) or NULL -> columns o0..o1-1 of Z (B,O) = X·Wᵀ + b
 * and, when A is not NULL, of A (B,O) = relu(Z) = Z > 0 ? Z : 0 in the same
 * pass.  o0 is a multiple of 16 (a panel's first row), o1 <= O. */
void ffnn_mat_xwt_packed(float *restrict Z, float *restrict A, const float *restrict X,
                         const float *restrict Wp, const float *restrict b, int B, int I, int O,
                         int o0, int o1);
/* dZ (B,O), W (O,I) -> columns i0..i1-1 of dX (B,I) = dZ·W, then dX ⊙= mask
 * (B,I) when mask is not NULL, then dX = gate > 0 ? dX : 0 per element when
 * gate (B,I) is not NULL — a dropout and relu backward fused into the
 * product's output pass. */
void ffnn_mat_dzw_gated(float *restrict dX, const float *restrict dZ, const float *restrict W,
                        const float *restrict mask, const float *restrict gate, int B, int O, int I,
                        int i0, int i1);
/* Output rows o0..o1-1 only: dW[o,:] (+)= Σ_r dZ[r,o]·X[r,:], db[o] (+)= Σ_r
 * dZ[r,o] (db may be NULL); dW and dZ are the whole (O,I) and (B,O) arrays.
 * add false: the sums start from 0 (dW and db are overwritten); add true:
 * from dW's and db's values, as ffnn_mat_dw. */
void ffnn_mat_dw_rows(float *restrict dW, float *restrict db, const float *restrict dZ,
                      const float *restrict X, int B, int O, int I, int o0, int o1, bool add);

void ffnn_mat_xwt_ref(float *Z, const float *X, const float *W, const float *b, int B, int I, int O);
void ffnn_mat_dzw_ref(float *dX, const float *dZ, const float *W, int B, int O, int I);
void ffnn_mat_dw_ref(float *dW, float *db, const float *dZ, const float *X, int B, int O, int I);

/* The kernel variant this CPU runs: "avx512", "avx2", "base" (or "ref"
 * where the compiler has no vector extensions). */
const char *ffnn_mat_variant(void);

#endif
