/* ffnn — dense and dropout forward/backward over raw pointers. */
#ifndef FFNN_LAYER_H
#define FFNN_LAYER_H

#include "ffnn/activation.h"
#include "ffnn/rng.h"

/* X (B,I), W (O,I), b (O) -> Z (B,O) pre-activation, A (B,O) = act(Z). */
void ffnn_dense_forward(const float *X, const float *W, const float *b, float *Z, float *A,
                        ffnn_act act, int B, int I, int O);
/* Given dZ (B,O) (already through the activation): dW += dZᵀ·X, db += Σ dZ,
 * and, if dX is not NULL, dX = dZ·W. */
void ffnn_dense_backward(const float *X, const float *W, const float *dZ, float *dW, float *db,
                         float *dX, int B, int I, int O);

/* Inverted dropout on A (n) in place: each element kept with probability
 * 1-rate and scaled by 1/(1-rate); mask (n) receives the scale (0 or
 * 1/(1-rate)).  rate 0: identity (mask all 1); rate 1: zeros. */
void ffnn_dropout_forward(float *A, float *mask, float rate, long n, ffnn_rng *rng);
/* dA (n) *= mask (n). */
void ffnn_dropout_backward(float *dA, const float *mask, long n);

#endif
