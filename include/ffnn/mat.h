/* ffnn — the only matrix products (DESIGN §4).  Row-major, batch first,
 * weights [out][in].  Each tuned kernel has a naive reference (_ref) kept for
 * the tests.  Kernels never allocate.  Results do not depend on the number of
 * threads: work is split by output rows and every sum runs in a fixed order.
 */
#ifndef FFNN_MAT_H
#define FFNN_MAT_H

/* X (B,I), W (O,I), b (O) or NULL -> Z (B,O):  Z = X·Wᵀ + b */
void ffnn_mat_xwt(float *restrict Z, const float *restrict X, const float *restrict W,
                  const float *restrict b, int B, int I, int O);
/* dZ (B,O), W (O,I) -> dX (B,I):  dX = dZ·W  (overwrites dX) */
void ffnn_mat_dzw(float *restrict dX, const float *restrict dZ, const float *restrict W,
                  int B, int O, int I);
/* dZ (B,O), X (B,I) -> dW (O,I) += dZᵀ·X ; db (O) += Σ_rows dZ (db may be NULL) */
void ffnn_mat_dw(float *restrict dW, float *restrict db, const float *restrict dZ,
                 const float *restrict X, int B, int O, int I);

void ffnn_mat_xwt_ref(float *Z, const float *X, const float *W, const float *b, int B, int I, int O);
void ffnn_mat_dzw_ref(float *dX, const float *dZ, const float *W, int B, int O, int I);
void ffnn_mat_dw_ref(float *dW, float *db, const float *dZ, const float *X, int B, int O, int I);

#endif
