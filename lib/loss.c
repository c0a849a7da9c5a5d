/* ffnn — losses (keras-semantics.md §3.4).
 *
 * Which formula applies:
 *   cross-entropy, output sigmoid or softmax  -> on the logits Z (cached-logits
 *       rule, whatever from_logits says), gradient dL/dZ, *fused = true:
 *       BCE: sigmoid CE of each z_k, mean over k;  CCE/SCCE: softmax CE.
 *       Exception: BCE on a softmax output uses this TensorFlow-only rule
 *       only with tf_cached_logits; by default it is the clipped-probability
 *       formula below (Keras 3 on JAX/torch, PyTorch's BCELoss).
 *   cross-entropy, from_logits, other output  -> the same logit formulas on the
 *       output P, gradient dL/dP.
 *   cross-entropy otherwise                   -> the clipped-probability
 *       formulas on P, gradient dL/dP (zero where a value was clipped, as
 *       TensorFlow's clip_by_value gradient).
 *   mse, mae, huber                           -> on P, gradient dL/dP.
 * Everything is computed in double from the float inputs; the clip bounds are
 * Keras's epsilon rounded to float32 (1e-7f and 1 − 1e-7f), as TF clips a
 * float32 tensor.  Softmax CE's fused gradient is softmax(Z) − T, which
 * assumes each target row sums to 1 (one-hot), as TF's kernel does.
 */
#include "ffnn/loss.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

static const char *const loss_names[FFNN_LOSS_COUNT] = {
    [FFNN_LOSS_BCE] = "binary_crossentropy",
    [FFNN_LOSS_CCE] = "categorical_crossentropy",
    [FFNN_LOSS_SCCE] = "sparse_categorical_crossentropy",
    [FFNN_LOSS_MSE] = "mean_squared_error",
    [FFNN_LOSS_MAE] = "mean_absolute_error",
    [FFNN_LOSS_HUBER] = "huber",
};

static const struct {
    const char *name;
    ffnn_loss_kind kind;
} loss_aliases[] = {
    {"mse", FFNN_LOSS_MSE},
    {"MSE", FFNN_LOSS_MSE},
    {"MeanSquaredError", FFNN_LOSS_MSE},
    {"mae", FFNN_LOSS_MAE},
    {"MAE", FFNN_LOSS_MAE},
    {"MeanAbsoluteError", FFNN_LOSS_MAE},
    {"huber_loss", FFNN_LOSS_HUBER},
    {"Huber", FFNN_LOSS_HUBER},
    {"BinaryCrossentropy", FFNN_LOSS_BCE},
    {"CategoricalCrossentropy", FFNN_LOSS_CCE},
    {"SparseCategoricalCrossentropy", FFNN_LOSS_SCCE},
};

const char *ffnn_loss_name(ffnn_loss_kind k)
{
    return ffnn_enum_name(loss_names, FFNN_LOSS_COUNT, (int)k);
}

int ffnn_loss_parse(const char *name)
{
    int k = ffnn_enum_parse(loss_names, FFNN_LOSS_COUNT, name);
    for (size_t i = 0; name && k < 0 && i < FFNN_ARRAY_LEN(loss_aliases); i++)
        if (strcmp(name, loss_aliases[i].name) == 0)
            k = (int)loss_aliases[i].kind;
    return k;
}

ffnn_names ffnn_loss_names(void)
{
    ffnn_names t = {loss_names, FFNN_LOSS_COUNT, ffnn_loss_parse};
    return t;
}

static double sign(double x)
{
    return (x > 0.0) - (x < 0.0);
}

/* One row of BCE on logits z (K), targets t; g (K) or NULL receives
 * c·dl/dz with c = scale/K.
 *   l = mean_k [max(z,0) − z·t + log(1 + e^−|z|)],  dl/dz_k = (σ(z_k) − t_k)/K */
static double bce_logits_row(const float *z, const float *t, float *g, int K, double c)
{
    double s = 0.0;
    for (int k = 0; k < K; k++) {
        double x = z[k], y = t[k];
        s += (x > 0.0 ? x : 0.0) - x * y + log1p(exp(-fabs(x)));
        if (g)
            g[k] = (float)(c * (ffnn_sigmoid(x) - y));
    }
    return s / K;
}

/* One row of softmax CE on logits z (K); g (K) or NULL receives scale·dl/dz.
 *   l = Σ_k t_k·(lse(z) − z_k),  dl/dz = softmax(z) − t */
static double softmax_ce_row(const float *z, const float *t, float *g, int K, double scale)
{
    double mx = -INFINITY, se = 0.0, s = 0.0;
    for (int k = 0; k < K; k++)
        if (z[k] > mx)
            mx = z[k];
    for (int k = 0; k < K; k++)
        se += exp((double)z[k] - mx);
    double lse = mx + log(se);
    for (int k = 0; k < K; k++) {
        s += (double)t[k] * (lse - z[k]);
        if (g)
            g[k] = (float)(scale * (exp((double)z[k] - lse) - t[k]));
    }
    return s;
}

/* One row of BCE on probabilities p (K): p clipped to [lo, hi],
 *   l = −mean_k [t·log p + (1−t)·log(1−p)],
 *   dl/dp_k = −(t/p − (1−t)/(1−p))/K where p was not clipped, else 0. */
static double bce_prob_row(const float *p, const float *t, float *g, int K, double c, float lo,
                           float hi)
{
    double s = 0.0;
    for (int k = 0; k < K; k++) {
        float pc = p[k] < lo ? lo : p[k] > hi ? hi : p[k];
        double x = pc, y = t[k];
        s -= y * log(x) + (1.0 - y) * log(1.0 - x);
        if (g)
            g[k] = pc == p[k] ? (float)(-c * (y / x - (1.0 - y) / (1.0 - x))) : 0.0f;
    }
    return s / K;
}

/* One row of CCE on probabilities p (K): q = p/Σp clipped to [lo, hi],
 *   l = −Σ_k t_k·log q_k,
 *   with u_k = dl/dq_k = −t_k/q_k (0 where clipped): dl/dp_j = (u_j − Σ_k u_k q_k)/Σp */
static double cce_prob_row(const float *p, const float *t, float *g, int K, double scale,
                           float lo, float hi)
{
    double sp = 0.0, s = 0.0, uq = 0.0; /* uq = Σ_k u_k·q_k */
    for (int k = 0; k < K; k++)
        sp += p[k];
    for (int k = 0; k < K; k++) {
        double q = p[k] / sp;
        double qc = q < lo ? lo : q > hi ? hi : q;
        s -= (double)t[k] * log(qc);
        if (qc == q)
            uq -= (double)t[k]; /* u_k·q_k = −t_k */
    }
    if (g)
        for (int k = 0; k < K; k++) {
            double q = p[k] / sp;
            double u = q >= lo && q <= hi ? -(double)t[k] / q : 0.0;
            g[k] = (float)(scale * (u - uq) / sp);
        }
    return s;
}

/* One row of SCCE on probabilities p (K) as TF computes it: pc = clip(p),
 * then sparse softmax CE on log pc:
 *   l = (Σt)·log Σ_k pc_k − Σ_k t_k·log pc_k,
 *   dl/dp_j = (Σt)/Σpc − t_j/pc_j where p_j was not clipped, else 0. */
static double scce_prob_row(const float *p, const float *t, float *g, int K, double scale,
                            float lo, float hi)
{
    double spc = 0.0, st = 0.0, s = 0.0;
    for (int k = 0; k < K; k++) {
        float pc = p[k] < lo ? lo : p[k] > hi ? hi : p[k];
        spc += pc;
        st += t[k];
        s -= (double)t[k] * log((double)pc);
    }
    s += st * log(spc);
    if (g)
        for (int k = 0; k < K; k++) {
            float pc = p[k] < lo ? lo : p[k] > hi ? hi : p[k];
            g[k] = pc == p[k] ? (float)(scale * (st / spc - (double)t[k] / pc)) : 0.0f;
        }
    return s;
}

/* One row of a regression loss on p (K), mean over k; g receives c·dl/dp with
 * c = scale/K.
 *   mse:   (p−t)²,                       2(p−t)
 *   mae:   |p−t|,                         sign(p−t)
 *   huber: e = p−t; ½e² if |e| ≤ δ,       e
 *          else δ|e| − ½δ²,               δ·sign(e) */
static double regression_row(ffnn_loss_kind kind, double delta, const float *p, const float *t,
                             float *g, int K, double c)
{
    double s = 0.0;
    for (int k = 0; k < K; k++) {
        double e = (double)p[k] - t[k], l, d;
        switch (kind) {
        case FFNN_LOSS_MAE:
            l = fabs(e);
            d = sign(e);
            break;
        case FFNN_LOSS_HUBER:
            if (fabs(e) <= delta) {
                l = 0.5 * e * e;
                d = e;
            } else {
                l = delta * fabs(e) - 0.5 * delta * delta;
                d = delta * sign(e);
            }
            break;
        default:
            l = e * e;
            d = 2.0 * e;
            break;
        }
        s += l;
        if (g)
            g[k] = (float)(c * d);
    }
    return s / K;
}

/* See loss.h and the table at the top of this file.  A huber_delta <= 0
 * (e.g. a zeroed struct) means Keras's default 1.0.  fused may be NULL. */
double ffnn_loss_eval(const ffnn_loss *L, ffnn_act out_act, const float *Z, const float *P,
                      const float *T, int B, int K, float *G, double scale, bool *fused)
{
    const float lo = (float)FFNN_EPSILON, hi = (float)(1.0 - FFNN_EPSILON);
    bool ce = L->kind == FFNN_LOSS_BCE || L->kind == FFNN_LOSS_CCE || L->kind == FFNN_LOSS_SCCE;
    /* binary_crossentropy on a softmax output takes TensorFlow's cached
     * logits only when asked (tf_cached_logits); Keras 3 on JAX or torch, and
     * PyTorch's BCELoss, use the clipped probabilities. */
    bool cached = ce && (out_act == FFNN_ACT_SIGMOID ||
                         (out_act == FFNN_ACT_SOFTMAX && (L->kind != FFNN_LOSS_BCE || L->tf_cached_logits)));
    bool logits = cached || (ce && L->from_logits);
    const float *X = cached ? Z : P;
    double delta = L->huber_delta > 0.0 ? L->huber_delta : 1.0;
    if (fused)
        *fused = cached;

    double total = 0.0;
    for (int r = 0; r < B; r++) {
        size_t off = (size_t)r * (size_t)K;
        const float *x = X + off, *t = T + off;
        float *g = G ? G + off : NULL;
        double l;
        if (L->kind == FFNN_LOSS_BCE)
            l = logits ? bce_logits_row(x, t, g, K, scale / K)
                       : bce_prob_row(x, t, g, K, scale / K, lo, hi);
        else if (L->kind == FFNN_LOSS_CCE)
            l = logits ? softmax_ce_row(x, t, g, K, scale) : cce_prob_row(x, t, g, K, scale, lo, hi);
        else if (L->kind == FFNN_LOSS_SCCE)
            l = logits ? softmax_ce_row(x, t, g, K, scale) : scce_prob_row(x, t, g, K, scale, lo, hi);
        else
            l = regression_row(L->kind, delta, x, t, g, K, scale / K);
        total += l;
    }
    return total;
}
