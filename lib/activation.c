/* ffnn — activations with Keras 3 definitions (keras/src/activations).
 *
 * Each element is computed in double from its float input and rounded once to
 * float, so results do not depend on the libm's float routines.  Derivatives
 * at kinks follow TensorFlow's gradients: relu and leaky_relu use the slope of
 * the x <= 0 side at 0; elu and selu likewise.
 */
#include "ffnn/activation.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define SELU_ALPHA 1.67326324 /* Keras 3 constants, as in activation.h */
#define SELU_SCALE 1.05070098
#define LEAKY_SLOPE 0.2
#define ELU_ALPHA 1.0
#define SQRT_2 1.41421356237309504880
#define INV_SQRT_2PI 0.39894228040143267794 /* 1/sqrt(2π) */

static const char *const act_names[FFNN_ACT_COUNT] = {
    [FFNN_ACT_LINEAR] = "linear", [FFNN_ACT_RELU] = "relu",
    [FFNN_ACT_SIGMOID] = "sigmoid", [FFNN_ACT_TANH] = "tanh",
    [FFNN_ACT_SOFTMAX] = "softmax", [FFNN_ACT_ELU] = "elu",
    [FFNN_ACT_SELU] = "selu", [FFNN_ACT_GELU] = "gelu",
    [FFNN_ACT_LEAKY_RELU] = "leaky_relu", [FFNN_ACT_SWISH] = "swish",
};

const char *ffnn_act_name(ffnn_act a)
{
    return ffnn_enum_name(act_names, FFNN_ACT_COUNT, (int)a);
}

int ffnn_act_parse(const char *name)
{
    if (name && strcmp(name, "silu") == 0)
        return FFNN_ACT_SWISH;
    return ffnn_enum_parse(act_names, FFNN_ACT_COUNT, name);
}

ffnn_names ffnn_act_names(void)
{
    ffnn_names t = {act_names, FFNN_ACT_COUNT, ffnn_act_parse};
    return t;
}

static double gelu(double x)
{
    return 0.5 * x * (1.0 + erf(x / SQRT_2));
}

/* Element-wise f(x) for every activation except softmax. */
static double act1(ffnn_act a, double x)
{
    switch (a) {
    case FFNN_ACT_RELU: return x > 0.0 ? x : 0.0;
    case FFNN_ACT_SIGMOID: return ffnn_sigmoid(x);
    case FFNN_ACT_TANH: return tanh(x);
    case FFNN_ACT_ELU: return x > 0.0 ? x : ELU_ALPHA * expm1(x);
    case FFNN_ACT_SELU: return SELU_SCALE * (x > 0.0 ? x : SELU_ALPHA * expm1(x));
    case FFNN_ACT_GELU: return gelu(x);
    case FFNN_ACT_LEAKY_RELU: return x > 0.0 ? x : LEAKY_SLOPE * x;
    case FFNN_ACT_SWISH: return x * ffnn_sigmoid(x);
    default: return x;
    }
}

/* f'(x) given x and y = f(x) (y as stored, float-rounded, where the exact
 * derivative is a function of y as Keras's gradients are). */
static double dact1(ffnn_act a, double x, double y)
{
    switch (a) {
    case FFNN_ACT_RELU: return x > 0.0 ? 1.0 : 0.0;
    case FFNN_ACT_SIGMOID: return y * (1.0 - y);
    case FFNN_ACT_TANH: return 1.0 - y * y;
    case FFNN_ACT_ELU: return x > 0.0 ? 1.0 : ELU_ALPHA * exp(x);
    case FFNN_ACT_SELU: return x > 0.0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * exp(x);
    case FFNN_ACT_GELU: /* Φ(x) + x·φ(x) */
        return 0.5 * (1.0 + erf(x / SQRT_2)) + x * exp(-0.5 * x * x) * INV_SQRT_2PI;
    case FFNN_ACT_LEAKY_RELU: return x > 0.0 ? 1.0 : LEAKY_SLOPE;
    case FFNN_ACT_SWISH: { /* s·(1 + x·(1 − s)), s = sigmoid(x) */
        double s = ffnn_sigmoid(x);
        return s * (1.0 + x * (1.0 - s));
    }
    default: return 1.0;
    }
}

/* Z (N) -> A (N), one row: A = exp(Z − max Z) / Σ exp(Z − max Z). */
static void softmax_row(const float *z, float *a, int N)
{
    double mx = -INFINITY, s = 0.0;
    for (int j = 0; j < N; j++)
        if (z[j] > mx)
            mx = z[j];
    /* The exponentials are written to a first, then normalised: a may alias z
     * but z[j] is not needed after a[j] is written. */
    for (int j = 0; j < N; j++) {
        double e = exp((double)z[j] - mx);
        s += e;
        a[j] = (float)e;
    }
    for (int j = 0; j < N; j++)
        a[j] = (float)(a[j] / s);
}

/* Z (B,N) -> A (B,N); A may alias Z. */
void ffnn_act_forward(ffnn_act a, const float *Z, float *A, int B, int N)
{
    size_t n = (size_t)B * (size_t)N;
    switch (a) {
    case FFNN_ACT_LINEAR:
        if (A != Z)
            memmove(A, Z, n * sizeof *A);
        return;
    case FFNN_ACT_SOFTMAX:
        for (int r = 0; r < B; r++)
            softmax_row(Z + (size_t)r * N, A + (size_t)r * N, N);
        return;
    case FFNN_ACT_RELU: /* hot path: keep it a plain float loop */
        for (size_t i = 0; i < n; i++)
            A[i] = Z[i] > 0.0f ? Z[i] : 0.0f;
        return;
    default:
        for (size_t i = 0; i < n; i++)
            A[i] = (float)act1(a, Z[i]);
        return;
    }
}

/* Z, A = f(Z), dA (B,N) -> dZ (B,N); dZ may alias dA (not Z or A).
 *   element-wise: dZ = dA ⊙ f'(Z)
 *   softmax:      dZ = A ⊙ (dA − Σ_row dA⊙A) */
void ffnn_act_backward(ffnn_act a, const float *Z, const float *A, const float *dA, float *dZ,
                       int B, int N)
{
    size_t n = (size_t)B * (size_t)N;
    switch (a) {
    case FFNN_ACT_LINEAR:
        if (dZ != dA)
            memmove(dZ, dA, n * sizeof *dZ);
        return;
    case FFNN_ACT_SOFTMAX:
        for (int r = 0; r < B; r++) {
            const float *ar = A + (size_t)r * N, *gr = dA + (size_t)r * N;
            float *dr = dZ + (size_t)r * N;
            double s = 0.0;
            for (int j = 0; j < N; j++)
                s += (double)gr[j] * ar[j];
            for (int j = 0; j < N; j++)
                dr[j] = (float)(ar[j] * ((double)gr[j] - s));
        }
        return;
    case FFNN_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            dZ[i] = Z[i] > 0.0f ? dA[i] : 0.0f;
        return;
    default:
        for (size_t i = 0; i < n; i++)
            dZ[i] = (float)(dA[i] * dact1(a, Z[i], A[i]));
        return;
    }
}
