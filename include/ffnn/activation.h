/* ffnn — activations (Keras 3 definitions and defaults). */
#ifndef FFNN_ACTIVATION_H
#define FFNN_ACTIVATION_H

#include "ffnn/error.h"
#include "ffnn/names.h"

typedef enum {
    FFNN_ACT_LINEAR = 0,
    FFNN_ACT_RELU,
    FFNN_ACT_SIGMOID,
    FFNN_ACT_TANH,
    FFNN_ACT_SOFTMAX,
    FFNN_ACT_ELU,        /* alpha = 1 */
    FFNN_ACT_SELU,       /* alpha = 1.67326324, scale = 1.05070098 */
    FFNN_ACT_GELU,       /* exact erf form (Keras approximate=False) */
    FFNN_ACT_LEAKY_RELU, /* negative_slope = 0.2 (Keras 3 default) */
    FFNN_ACT_SWISH,      /* x·sigmoid(x) */
    FFNN_ACT_COUNT
} ffnn_act;

/* The Keras name ("relu"), or "?" for a value outside the enum. */
const char *ffnn_act_name(ffnn_act a);
/* Parses a Keras name ("relu", ..., also "silu" for swish); -1 if unknown or NULL. */
int ffnn_act_parse(const char *name);
/* Every activation's name, in enum order. */
ffnn_names ffnn_act_names(void);

/* Z (B,N) -> A (B,N).  A may alias Z.  Softmax is over each row. */
void ffnn_act_forward(ffnn_act a, const float *Z, float *A, int B, int N);
/* Given Z, A = f(Z) and dA (B,N), writes dZ (B,N) (may alias dA).  For softmax
 * the row Jacobian is applied: dZ = A ⊙ (dA − Σ dA⊙A). */
void ffnn_act_backward(ffnn_act a, const float *Z, const float *A, const float *dA, float *dZ,
                       int B, int N);

#endif
