/* ffnn — losses with Keras's clipping (eps = 1e-7) and reduction
 * ("sum_over_batch_size": per-sample losses averaged over the last axis,
 * summed, divided by the batch size).
 *
 * Cross-entropies on a sigmoid or softmax output are computed on the
 * pre-activation logits Z (TensorFlow's cached-logits rule,
 * keras-semantics.md §3.4) and give the fused gradient dL/dZ — except
 * binary_crossentropy on a softmax output, which by default is the clipped
 * probability formula of Keras 3 on JAX/torch (and PyTorch's BCELoss); with
 * tf_cached_logits it is TensorFlow's mean of independent sigmoid
 * cross-entropies of the logits.
 */
#ifndef FFNN_LOSS_H
#define FFNN_LOSS_H

#include <stdbool.h>
#include "ffnn/activation.h"
#include "ffnn/names.h"

typedef enum {
    FFNN_LOSS_BCE = 0,   /* binary_crossentropy */
    FFNN_LOSS_CCE,       /* categorical_crossentropy */
    FFNN_LOSS_SCCE,      /* sparse_categorical_crossentropy */
    FFNN_LOSS_MSE,       /* mse / mean_squared_error */
    FFNN_LOSS_MAE,       /* mae / mean_absolute_error */
    FFNN_LOSS_HUBER,     /* huber, delta */
    FFNN_LOSS_COUNT
} ffnn_loss_kind;

typedef struct {
    ffnn_loss_kind kind;
    bool from_logits;    /* the network output is linear logits */
    double huber_delta;  /* default 1.0 */
    bool tf_cached_logits; /* BCE on softmax: TensorFlow's rule (logits), see below */
} ffnn_loss;

#define FFNN_EPSILON 1e-7

/* The Keras function name ("mean_squared_error"), or "?" outside the enum. */
const char *ffnn_loss_name(ffnn_loss_kind k);
/* Accepts Keras names, short aliases and class names ("mse",
 * "MeanSquaredError", ...); -1 if unknown or NULL. */
int ffnn_loss_parse(const char *name);
/* Every loss's name, in enum order. */
ffnn_names ffnn_loss_names(void);

/* Loss of a batch.  Z (B,K) pre-activation, P (B,K) = out_act(Z), T (B,K)
 * targets: one-hot rows for BCE/CCE/SCCE with K > 1 (SCCE's integer labels
 * are expanded by the caller), 0/1 for a single sigmoid unit, values for
 * regression.  Returns Σ over rows of the per-sample loss (double; the caller
 * divides by the count).
 *
 * If G is not NULL it receives the gradient of (scale · Σ per-sample loss):
 * with respect to Z when *fused is set true on return, else with respect to P
 * (and the caller applies ffnn_act_backward).  Use scale = 1/B for Keras's
 * batch mean. */
double ffnn_loss_eval(const ffnn_loss *L, ffnn_act out_act, const float *Z, const float *P,
                      const float *T, int B, int K, float *G, double scale, bool *fused);

#endif
