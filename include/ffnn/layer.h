/* ffnn — dense and dropout forward/backward over raw pointers. */
#ifndef FFNN_LAYER_H
#define FFNN_LAYER_H

#include <stdbool.h>

#include "ffnn/activation.h"
#include "ffnn/rng.h"

/* X (B,I), W (O,I), b (O) -> Z (B,O) pre-activation, A (B,O) = act(Z). */
void ffnn_dense_forward(const float *X, const float *W, const float *b, float *Z, float *A,
                        ffnn_act act, int B, int I, int O);
/* Given dZ (B,O) (already through the activation): dW += dZᵀ·X, db += Σ dZ,
 * and, if dX is not NULL, dX = dZ·W. */
void ffnn_dense_backward(const float *X, const float *W, const float *dZ, float *dW, float *db,
                         float *dX, int B, int I, int O);

/* The same forward from W packed by ffnn_mat_pack (Wp), relu fused into
 * the product, for output columns o0..o1-1 only (o0 a multiple of 16; the
 * whole width, 0..O, for softmax, which needs whole rows).  Works on any
 * block of rows (offset X, Z, A; pass fewer rows). */
void ffnn_dense_forward_packed(const float *X, const float *Wp, const float *b, float *Z, float *A,
                               ffnn_act act, int B, int I, int O, int o0, int o1);
/* Backward to the previous layer: columns i0..i1-1 of dZp (B,I) = act'(Zp,
 * Ap) ⊙ mask ⊙ (dZ·W), mask its dropout mask or NULL (relu and mask fused
 * into the product; the whole width for softmax).  Works on any block of
 * rows. */
void ffnn_dense_backward_input(const float *dZ, const float *W, const float *mask, ffnn_act act,
                               const float *Zp, const float *Ap, float *dZp, int B, int I, int O,
                               int i0, int i1);
/* Parameter gradients of output rows o0..o1-1: dW = dZᵀ·X, db = Σ_rows dZ
 * (add: +=).  Disjoint row ranges may run on different threads. */
void ffnn_dense_backward_params(const float *X, const float *dZ, float *dW, float *db, int B, int I,
                                int O, int o0, int o1, bool add);

/* Inverted dropout on A (n) in place: each element kept with probability
 * 1-rate and scaled by 1/(1-rate); mask (n) receives the scale (0 or
 * 1/(1-rate)).  rate 0: identity (mask all 1); rate 1: zeros. */
void ffnn_dropout_forward(float *A, float *mask, float rate, long n, ffnn_rng *rng);
/* The mask of ffnn_dropout_forward without applying it (same draws). */
void ffnn_dropout_mask(float *mask, float rate, long n, ffnn_rng *rng);
/* D (n) = A (n) ⊙ mask (n); with the mask above, what ffnn_dropout_forward
 * leaves in a copy of A. */
void ffnn_dropout_apply(float *D, const float *A, const float *mask, long n);
/* dA (n) *= mask (n). */
void ffnn_dropout_backward(float *dA, const float *mask, long n);

#endif
