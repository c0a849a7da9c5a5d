/* ffnn — dense and dropout layers over raw pointers (keras-semantics.md §3.1-3.2). */
#include "ffnn/layer.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ffnn/mat.h"

/* X (B,I), W (O,I), b (O) -> Z (B,O) = X·Wᵀ + b, A (B,O) = act(Z).
 * Z and A must be distinct: backward passes need both. */
void ffnn_dense_forward(const float *X, const float *W, const float *b, float *Z, float *A,
                        ffnn_act act, int B, int I, int O)
{
    ffnn_mat_xwt(Z, X, W, b, B, I, O);
    ffnn_act_forward(act, Z, A, B, O);
}

/* X (B,I), Wp = W (O,I) packed by ffnn_mat_pack, b (O) -> columns o0..o1-1
 * of Z (B,O) = X·Wᵀ + b and A (B,O) = act(Z); relu is applied in the
 * product's output pass, other activations row by row on the block. */
void ffnn_dense_forward_packed(const float *X, const float *Wp, const float *b, float *Z, float *A,
                               ffnn_act act, int B, int I, int O, int o0, int o1)
{
    if (act == FFNN_ACT_RELU) {
        ffnn_mat_xwt_packed(Z, A, X, Wp, b, B, I, O, o0, o1);
        return;
    }
    ffnn_mat_xwt_packed(Z, NULL, X, Wp, b, B, I, O, o0, o1);
    if (o0 == 0 && o1 == O) {
        ffnn_act_forward(act, Z, A, B, O);
        return;
    }
    for (int r = 0; r < B; r++)
        ffnn_act_forward(act, Z + (size_t)r * O + o0, A + (size_t)r * O + o0, 1, o1 - o0);
}

/* dZ (B,O), W (O,I) -> columns i0..i1-1 of dZp (B,I), the gradient at the
 * previous layer's pre-activation: dA = dZ·W, dA ⊙= mask (its dropout, NULL
 * if none), then through its activation act given its Zp and Ap (B,I).  Relu
 * (and the mask) are applied in the product's output pass; other
 * activations run in place on dZp afterwards. */
void ffnn_dense_backward_input(const float *dZ, const float *W, const float *mask, ffnn_act act,
                               const float *Zp, const float *Ap, float *dZp, int B, int I, int O,
                               int i0, int i1)
{
    if (act == FFNN_ACT_RELU) {
        ffnn_mat_dzw_gated(dZp, dZ, W, mask, Zp, B, O, I, i0, i1);
        return;
    }
    ffnn_mat_dzw_gated(dZp, dZ, W, mask, NULL, B, O, I, i0, i1);
    if (i0 == 0 && i1 == I) {
        ffnn_act_backward(act, Zp, Ap, dZp, dZp, B, I);
        return;
    }
    for (int r = 0; r < B; r++) {
        size_t at = (size_t)r * I + i0;
        ffnn_act_backward(act, Zp + at, Ap + at, dZp + at, dZp + at, 1, i1 - i0);
    }
}

/* X (B,I), dZ (B,O) -> rows o0..o1-1 of dW (O,I) and db (O):
 * dW = dZᵀ·X, db = Σ_rows dZ (add: accumulated onto dW and db instead). */
void ffnn_dense_backward_params(const float *X, const float *dZ, float *dW, float *db, int B, int I,
                                int O, int o0, int o1, bool add)
{
    ffnn_mat_dw_rows(dW, db, dZ, X, B, O, I, o0, o1, add);
}

/* X (B,I), W (O,I), dZ (B,O) -> dW (O,I) += dZᵀ·X, db (O) += Σ_rows dZ,
 * dX (B,I) = dZ·W when dX is not NULL (dX overwritten, not accumulated). */
void ffnn_dense_backward(const float *X, const float *W, const float *dZ, float *dW, float *db,
                         float *dX, int B, int I, int O)
{
    ffnn_mat_dw(dW, db, dZ, X, B, O, I);
    if (dX)
        ffnn_mat_dzw(dX, dZ, W, B, O, I);
}

/* A (n) in place, mask (n): draws u = ffnn_rng_uniformf(rng) per element, in
 * index order, and keeps the element iff u >= rate (probability 1 − rate):
 *   mask = keep ? 1/(1−rate) : 0,  A ⊙= mask.
 * rate <= 0 draws nothing and leaves A unchanged (mask 1); rate >= 1 draws
 * nothing and zeroes A (mask 0), as Keras does. */
void ffnn_dropout_forward(float *A, float *mask, float rate, long n, ffnn_rng *rng)
{
    ffnn_dropout_mask(mask, rate, n, rng);
    for (long i = 0; i < n; i++)
        A[i] *= mask[i];
}

/* mask (n): the draws of ffnn_dropout_forward alone (same stream, same
 * values), so masks can be drawn in order before a forward pass that applies
 * them row by row on several threads.
 *
 * ffnn_rng_uniformf is u·2⁻²⁴ for the draw's top 24 bits u, exactly, and
 * rate·2²⁴ is exact too (a float scaled by a power of two), so the test
 * u·2⁻²⁴ >= rate is the integer test u >= ceil(rate·2²⁴): the same mask
 * without a conversion to float per element. */
void ffnn_dropout_mask(float *mask, float rate, long n, ffnn_rng *rng)
{
    if (rate <= 0.0f || rate >= 1.0f) {
        float s = rate <= 0.0f ? 1.0f : 0.0f;
        for (long i = 0; i < n; i++)
            mask[i] = s;
        return;
    }
    float scale = (float)(1.0 / (1.0 - (double)rate));
    uint64_t keep = (uint64_t)ceilf(rate * 0x1p24f);
    for (long i = 0; i < n; i++)
        mask[i] = (ffnn_rng_u64(rng) >> 40) >= keep ? scale : 0.0f;
}

/* D (n) = A (n) ⊙ mask (n), 8 floats at a time (a generic vector: the
 * same products, in lanes). */
typedef float drop_vec __attribute__((vector_size(8 * sizeof(float))));

void ffnn_dropout_apply(float *D, const float *A, const float *mask, long n)
{
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        drop_vec a, m;
        memcpy(&a, A + i, sizeof a);
        memcpy(&m, mask + i, sizeof m);
        a *= m;
        memcpy(D + i, &a, sizeof a);
    }
    for (; i < n; i++)
        D[i] = A[i] * mask[i];
}

/* dA (n) ⊙= mask (n):  dL/dA_in = dL/dA_out · mask */
void ffnn_dropout_backward(float *dA, const float *mask, long n)
{
    for (long i = 0; i < n; i++)
        dA[i] *= mask[i];
}
