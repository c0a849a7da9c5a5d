/* ffnn — the network: architecture, parameter buffer, forward/backward,
 * prediction and Keras-style summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/layer.h"
#include "ffnn/mat.h"
#include "ffnn/loss.h"
#include "ffnn/model.h"
#include "internal.h"

static const char *const init_names[FFNN_INIT_COUNT] = {
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
};

const char *ffnn_init_name(ffnn_init i)
{
    return (unsigned)i < FFNN_INIT_COUNT ? init_names[i] : "?";
}

int ffnn_init_parse(const char *name)
{
    for (int i = 0; i < FFNN_INIT_COUNT; i++)
        if (strcmp(name, init_names[i]) == 0)
            return i;
    return -1;
}

/* scikit-learn's MLP default: one hidden layer of 100 relu units (Keras has
 * no default network); a config's layer object without "units" gets 100. */
ffnn_arch_spec ffnn_arch_spec_default(void)
{
    ffnn_arch_spec s;
    memset(&s, 0, sizeof s);
    s.n_hidden = 1;
    s.hidden[0].units = 100;
    s.hidden[0].activation = FFNN_ACT_RELU;
    s.hidden[0].dropout = 0.0f;
    s.output_activation = -1;
    s.loss = -1;
    s.from_logits = false;
    s.huber_delta = 1.0;
    s.kernel_initializer = FFNN_INIT_GLOROT_UNIFORM;
    s.l2 = 0.0;
    return s;
}

static void layout(ffnn_model *m)
{
    size_t off = 0;
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        m->w_off[l] = off;
        off += (size_t)m->layers[l].units * (size_t)in;
        m->b_off[l] = off;
        off += (size_t)m->layers[l].units;
        in = m->layers[l].units;
    }
    m->n_params = off;
}

ffnn_status ffnn_model_create_layers(ffnn_model **out, int n_in, const ffnn_layer_spec *layers,
                                     int n_layers, ffnn_error *err)
{
    *out = NULL;
    if (n_in < 1)
        return ffnn_error_set(err, FFNN_EDATA, "model needs at least one input feature");
    if (n_layers < 1 || n_layers > FFNN_MAX_LAYERS)
        return ffnn_error_set(err, FFNN_ECONFIG, "model needs 1 to %d dense layers, got %d",
                              FFNN_MAX_LAYERS, n_layers);
    for (int l = 0; l < n_layers; l++) {
        if (layers[l].units < 1 || layers[l].units > (1 << 20))
            return ffnn_error_set(err, FFNN_ECONFIG, "layer %d: units must be 1..%d, got %d", l,
                                  1 << 20, layers[l].units);
        if ((unsigned)layers[l].activation >= FFNN_ACT_COUNT)
            return ffnn_error_set(err, FFNN_ECONFIG, "layer %d: bad activation", l);
        if (!(layers[l].dropout >= 0.0f && layers[l].dropout < 1.0f))
            return ffnn_error_set(err, FFNN_ECONFIG, "layer %d: dropout must be in [0, 1), got %g", l,
                                  (double)layers[l].dropout);
    }
    ffnn_model *m = ffnn_calloc(1, sizeof *m);
    if (!m)
        return ffnn_error_nomem(err);
    m->n_in = n_in;
    m->n_layers = n_layers;
    memcpy(m->layers, layers, (size_t)n_layers * sizeof *layers);
    m->loss.kind = FFNN_LOSS_MSE;
    m->loss.huber_delta = 1.0;
    m->kernel_initializer = FFNN_INIT_GLOROT_UNIFORM;
    layout(m);
    m->params = ffnn_calloc(m->n_params, sizeof *m->params);
    if (!m->params) {
        free(m);
        return ffnn_error_nomem(err);
    }
    *out = m;
    return FFNN_OK;
}

ffnn_status ffnn_model_create(ffnn_model **out, const ffnn_arch_spec *spec, const ffnn_prep *prep,
                              ffnn_error *err)
{
    ffnn_layer_spec layers[FFNN_MAX_LAYERS];
    int n = spec->n_hidden;
    *out = NULL;
    if (n < 0 || n >= FFNN_MAX_LAYERS)
        return ffnn_error_set(err, FFNN_ECONFIG, "layers: at most %d hidden layers", FFNN_MAX_LAYERS - 1);
    memcpy(layers, spec->hidden, (size_t)n * sizeof *layers);

    int out_act = spec->output_activation;
    int loss = spec->loss;
    int units;
    switch (prep->task) {
    case FFNN_TASK_BINARY:
        if (out_act < 0)
            out_act = FFNN_ACT_SIGMOID;
        if (loss < 0)
            loss = out_act == FFNN_ACT_SOFTMAX ? FFNN_LOSS_CCE : FFNN_LOSS_BCE;
        units = (out_act == FFNN_ACT_SIGMOID || out_act == FFNN_ACT_LINEAR) && loss == FFNN_LOSS_BCE
                    ? 1 : prep->n_classes;
        break;
    case FFNN_TASK_MULTICLASS:
        if (out_act < 0)
            out_act = FFNN_ACT_SOFTMAX;
        if (loss < 0)
            loss = FFNN_LOSS_CCE;
        units = prep->n_classes;
        break;
    case FFNN_TASK_REGRESSION:
        if (out_act < 0)
            out_act = FFNN_ACT_LINEAR;
        if (loss < 0)
            loss = FFNN_LOSS_MSE;
        units = 1;
        break;
    default:
        return ffnn_error_set(err, FFNN_EINTERNAL, "model: task not resolved");
    }
    bool classification = prep->task != FFNN_TASK_REGRESSION;
    bool ce = loss == FFNN_LOSS_BCE || loss == FFNN_LOSS_CCE || loss == FFNN_LOSS_SCCE;
    if (classification && !ce)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "loss: %s is a regression loss but the task is %s classification; "
                              "use binary_crossentropy or categorical_crossentropy",
                              ffnn_loss_name(loss), ffnn_task_name(prep->task));
    if (!classification && ce)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "loss: %s needs a classification task but the task is regression",
                              ffnn_loss_name(loss));
    if (classification && out_act != FFNN_ACT_SIGMOID && out_act != FFNN_ACT_SOFTMAX &&
        !(out_act == FFNN_ACT_LINEAR && spec->from_logits))
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "output_activation: %s cannot give class probabilities; use softmax or "
                              "sigmoid (or linear with \"from_logits\": true)",
                              ffnn_act_name(out_act));
    if (spec->from_logits && out_act != FFNN_ACT_LINEAR)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "loss.from_logits needs \"output_activation\": \"linear\", got %s",
                              ffnn_act_name(out_act));
    if (units == 1 && classification && (loss == FFNN_LOSS_CCE || loss == FFNN_LOSS_SCCE))
        return ffnn_error_set(err, FFNN_ECONFIG, "loss: %s needs one output per class",
                              ffnn_loss_name(loss));

    layers[n].units = units;
    layers[n].activation = (ffnn_act)out_act;
    layers[n].dropout = 0.0f;
    ffnn_model *m;
    ffnn_status st = ffnn_model_create_layers(&m, prep->n_features, layers, n + 1, err);
    if (st)
        return st;
    m->loss.kind = (ffnn_loss_kind)loss;
    m->loss.from_logits = spec->from_logits;
    m->loss.tf_cached_logits = spec->tf_cached_logits;
    m->loss.huber_delta = spec->huber_delta;
    m->kernel_initializer = spec->kernel_initializer;
    m->l2 = spec->l2;
    st = ffnn_prep_clone(&m->prep, prep, err);
    if (st) {
        ffnn_model_destroy(m);
        return st;
    }
    *out = m;
    return FFNN_OK;
}

void ffnn_model_destroy(ffnn_model *m)
{
    if (!m)
        return;
    free(m->params);
    ffnn_prep_release(&m->prep);
    free(m->train_info);
    free(m);
}

ffnn_status ffnn_model_clone(ffnn_model **out, const ffnn_model *m, ffnn_error *err)
{
    ffnn_model *c;
    ffnn_status st = ffnn_model_create_layers(&c, m->n_in, m->layers, m->n_layers, err);
    if (st)
        return st;
    memcpy(c->params, m->params, m->n_params * sizeof *m->params);
    c->loss = m->loss;
    c->kernel_initializer = m->kernel_initializer;
    c->l2 = m->l2;
    if (m->train_info && !(c->train_info = strdup(m->train_info))) {
        ffnn_model_destroy(c);
        return ffnn_error_nomem(err);
    }
    if ((st = ffnn_prep_clone(&c->prep, &m->prep, err))) {
        ffnn_model_destroy(c);
        return st;
    }
    *out = c;
    return FFNN_OK;
}

/* Keras's truncated normal: redraw outside ±2 standard deviations. */
static double truncated_normal(ffnn_rng *rng)
{
    double z;
    do
        z = ffnn_rng_normal(rng);
    while (z < -2.0 || z > 2.0);
    return z;
}

void ffnn_model_init(ffnn_model *m, ffnn_rng *rng)
{
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        int out = m->layers[l].units;
        float *W = m->params + m->w_off[l];
        size_t n = (size_t)out * (size_t)in;
        double fan_avg = ((double)in + (double)out) / 2.0, fan_in = in;
        /* VarianceScaling: glorot = scale 1 over fan_avg, he = scale 2 over
         * fan_in; normal variants are truncated with stddev corrected by
         * 0.87962566103423978 (Keras). */
        switch (m->kernel_initializer) {
        case FFNN_INIT_GLOROT_NORMAL:
        case FFNN_INIT_HE_NORMAL: {
            double var = m->kernel_initializer == FFNN_INIT_GLOROT_NORMAL ? 1.0 / fan_avg : 2.0 / fan_in;
            double sd = sqrt(var) / 0.87962566103423978;
            for (size_t i = 0; i < n; i++)
                W[i] = (float)(sd * truncated_normal(rng));
            break;
        }
        case FFNN_INIT_HE_UNIFORM:
        case FFNN_INIT_GLOROT_UNIFORM:
        default: {
            double var = m->kernel_initializer == FFNN_INIT_HE_UNIFORM ? 2.0 / fan_in : 1.0 / fan_avg;
            double limit = sqrt(3.0 * var);
            for (size_t i = 0; i < n; i++)
                W[i] = (float)((2.0 * ffnn_rng_uniform(rng) - 1.0) * limit);
            break;
        }
        }
        memset(m->params + m->b_off[l], 0, (size_t)out * sizeof(float));
        in = out;
    }
}

int ffnn_model_n_out(const ffnn_model *m)
{
    return m->layers[m->n_layers - 1].units;
}

int ffnn_model_max_width(const ffnn_model *m)
{
    int w = m->n_in;
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].units > w)
            w = m->layers[l].units;
    return w;
}

ffnn_status ffnn_workspace_create(ffnn_workspace **out, const ffnn_model *m, int max_batch,
                                  ffnn_error *err)
{
    *out = NULL;
    if (max_batch < 1)
        max_batch = 1;
    ffnn_workspace *ws = ffnn_calloc(1, sizeof *ws);
    if (!ws)
        return ffnn_error_nomem(err);
    int L = m->n_layers;
    size_t wmax = (size_t)max_batch * (size_t)ffnn_model_max_width(m);
    size_t npacked = 0;
    for (int l = 0, in = m->n_in; l < L; in = m->layers[l].units, l++) {
        ws->wp_off[l] = npacked;
        npacked += ffnn_mat_packed_size(in, m->layers[l].units);
    }
    ws->n_layers = L;
    ws->Z = ffnn_calloc((size_t)L, sizeof *ws->Z);
    ws->A = ffnn_calloc((size_t)L, sizeof *ws->A);
    ws->D = ffnn_calloc((size_t)L, sizeof *ws->D);
    ws->mask = ffnn_calloc((size_t)L, sizeof *ws->mask);
    ws->G = ffnn_calloc((size_t)L, sizeof *ws->G);
    ws->dA = ffnn_calloc(wmax, sizeof(float));
    ws->dZ = ffnn_calloc(wmax, sizeof(float));
    ws->grad = ffnn_calloc(m->n_params, sizeof(float));
    ws->Wp = ffnn_calloc(npacked, sizeof(float));
    bool ok = ws->Z && ws->A && ws->D && ws->mask && ws->G && ws->dA && ws->dZ && ws->grad && ws->Wp;
    for (int l = 0; ok && l < L; l++) {
        size_t n = (size_t)max_batch * (size_t)m->layers[l].units;
        ws->Z[l] = ffnn_calloc(n, sizeof(float));
        ws->A[l] = ffnn_calloc(n, sizeof(float));
        ws->G[l] = ffnn_calloc(n, sizeof(float));
        ok = ws->Z[l] && ws->A[l] && ws->G[l];
        if (ok && m->layers[l].dropout > 0.0f) {
            ws->D[l] = ffnn_calloc(n, sizeof(float));
            ws->mask[l] = ffnn_calloc(n, sizeof(float));
            ok = ws->D[l] && ws->mask[l];
        }
    }
    if (!ok) {
        ffnn_workspace_destroy(ws);
        return ffnn_error_nomem(err);
    }
    ws->max_batch = max_batch;
    *out = ws;
    return FFNN_OK;
}

void ffnn_workspace_destroy(ffnn_workspace *ws)
{
    if (!ws)
        return;
    for (int l = 0; l < ws->n_layers; l++) {
        if (ws->Z) free(ws->Z[l]);
        if (ws->A) free(ws->A[l]);
        if (ws->D) free(ws->D[l]);
        if (ws->mask) free(ws->mask[l]);
        if (ws->G) free(ws->G[l]);
    }
    free(ws->Z); free(ws->A); free(ws->D); free(ws->mask); free(ws->G);
    free(ws->dA); free(ws->dZ); free(ws->grad); free(ws->Wp);
    free(ws);
}

/* The input that layer l sees: X for l = 0, else the previous layer's output
 * after its dropout (when training) or its activation. */
static const float *layer_input(const ffnn_model *m, const ffnn_workspace *ws, const float *X, int l,
                                bool training)
{
    if (l == 0)
        return X;
    if (training && m->layers[l - 1].dropout > 0.0f)
        return ws->D[l - 1];
    return ws->A[l - 1];
}

/* ---- threads --------------------------------------------------------------
 * A pass over a batch is split only when its products are large enough to
 * repay waking the workers (a size fixed here, never measured): then rows go
 * to parts in blocks of ROW_ALIGN (whole register tiles), weight-gradient
 * output rows likewise.  Every element is computed by one part in the same
 * order as without threads, so the split never changes a result. */

#define PAR_MIN_MACS (1L << 20) /* multiply-adds per pass below which one thread runs it */
#define ROW_ALIGN 8

static long pass_macs(const ffnn_model *m, int B)
{
    long macs = 0;
    for (int l = 0, in = m->n_in; l < m->n_layers; in = m->layers[l].units, l++)
        macs += (long)in * m->layers[l].units;
    return macs * B;
}

static int pass_parts(const ffnn_model *m, const ffnn_workspace *ws, int B)
{
    int t = ffnn_pool_threads(ws->pool);
    if (t <= 1 || pass_macs(m, B) < PAR_MIN_MACS)
        return 1;
    int blocks = (B + ROW_ALIGN - 1) / ROW_ALIGN;
    return t < blocks ? t : blocks;
}

/* [*lo, *hi) of 0..n for part of parts, in whole blocks of ROW_ALIGN. */
static void part_range(int n, int part, int parts, int *lo, int *hi)
{
    int chunk = (n + parts - 1) / parts;
    chunk = (chunk + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
    long a = (long)part * chunk, b = a + chunk;
    *lo = (int)(a < n ? a : n);
    *hi = (int)(b < n ? b : n);
}

typedef struct {
    const ffnn_model *m;
    ffnn_workspace *ws;
    const float *X, *T;
    int B;
    bool training, fused;
} pass;

static void pack_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    const ffnn_model *m = p->m;
    for (int l = 0, in = m->n_in; l < m->n_layers; in = m->layers[l].units, l++) {
        int np = ffnn_mat_panels(m->layers[l].units);
        ffnn_mat_pack(p->ws->Wp + p->ws->wp_off[l], m->params + m->w_off[l], in, m->layers[l].units,
                      np * part / parts, np * (part + 1) / parts);
    }
}

static void forward_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    int r0, r1;
    part_range(p->B, part, parts, &r0, &r1);
    if (r0 >= r1)
        return;
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        const ffnn_layer_spec *ls = &m->layers[l];
        size_t xo = (size_t)r0 * (size_t)in, zo = (size_t)r0 * (size_t)ls->units;
        const float *Xl = layer_input(m, ws, p->X, l, p->training);
        ffnn_dense_forward_packed(Xl + xo, ws->Wp + ws->wp_off[l], m->params + m->b_off[l],
                                  ws->Z[l] + zo, ws->A[l] + zo, ls->activation, r1 - r0, in, ls->units);
        if (p->training && ls->dropout > 0.0f)
            ffnn_dropout_apply(ws->D[l] + zo, ws->A[l] + zo, ws->mask[l] + zo,
                               (long)(r1 - r0) * ls->units);
        in = ls->units;
    }
}

const float *ffnn_model_forward(const ffnn_model *m, ffnn_workspace *ws, const float *X, int B,
                                bool training, ffnn_rng *rng)
{
    /* Dropout masks are drawn first, layer by layer in index order: the same
     * draws as drawing each layer's after its product. */
    for (int l = 0; training && l < m->n_layers; l++)
        if (m->layers[l].dropout > 0.0f)
            ffnn_dropout_mask(ws->mask[l], m->layers[l].dropout, (long)B * m->layers[l].units, rng);
    pass p = {m, ws, X, NULL, B, training, false};
    int parts = pass_parts(m, ws, B);
    ffnn_pool_run(ws->pool, parts, pack_part, &p);
    ffnn_pool_run(ws->pool, parts, forward_part, &p);
    return ws->A[m->n_layers - 1];
}

const float *ffnn_model_logits(const ffnn_model *m, const ffnn_workspace *ws)
{
    return ws->Z[m->n_layers - 1];
}

double ffnn_model_l2_penalty(const ffnn_model *m)
{
    if (m->l2 == 0.0)
        return 0.0;
    double s = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        size_t n = m->b_off[l] - m->w_off[l];
        const float *W = m->params + m->w_off[l];
        for (size_t i = 0; i < n; i++)
            s += (double)W[i] * (double)W[i];
    }
    return m->l2 * s;
}

/* Rows of the backward chain: dL/dZ of every layer, from the output's down. */
static void chain_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    int L = m->n_layers, r0, r1;
    part_range(p->B, part, parts, &r0, &r1);
    if (r0 >= r1)
        return;
    const ffnn_layer_spec *out = &m->layers[L - 1];
    if (!p->fused) {
        size_t o = (size_t)r0 * (size_t)out->units;
        ffnn_act_backward(out->activation, ws->Z[L - 1] + o, ws->A[L - 1] + o, ws->G[L - 1] + o,
                          ws->G[L - 1] + o, r1 - r0, out->units);
    }
    for (int l = L - 1; l >= 1; l--) {
        const ffnn_layer_spec *prev = &m->layers[l - 1];
        int in = prev->units;
        size_t zo = (size_t)r0 * (size_t)m->layers[l].units, xo = (size_t)r0 * (size_t)in;
        ffnn_dense_backward_input(ws->G[l] + zo, m->params + m->w_off[l],
                                  prev->dropout > 0.0f ? ws->mask[l - 1] + xo : NULL, prev->activation,
                                  ws->Z[l - 1] + xo, ws->A[l - 1] + xo, ws->G[l - 1] + xo, r1 - r0, in,
                                  m->layers[l].units);
    }
}

/* Output rows of every layer's dW and db, then the L2 term on them. */
static void grad_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    float c = (float)(2.0 * m->l2); /* d(l2·Σw²)/dw = 2·l2·w */
    for (int l = 0, in = m->n_in; l < m->n_layers; in = m->layers[l].units, l++) {
        int O = m->layers[l].units, o0, o1;
        part_range(O, part, parts, &o0, &o1);
        if (o0 >= o1)
            continue;
        /* dW = dZᵀ·X, db = Σ dZ */
        ffnn_dense_backward_params(layer_input(m, ws, p->X, l, true), ws->G[l], ws->grad + m->w_off[l],
                                   ws->grad + m->b_off[l], p->B, in, O, o0, o1, false);
        if (m->l2 != 0.0) {
            size_t lo = (size_t)o0 * (size_t)in, hi = (size_t)o1 * (size_t)in;
            const float *W = m->params + m->w_off[l];
            float *G = ws->grad + m->w_off[l];
            for (size_t i = lo; i < hi; i++)
                G[i] += c * W[i];
        }
    }
}

double ffnn_model_backward(const ffnn_model *m, ffnn_workspace *ws, const float *X, const float *T,
                           int B)
{
    int L = m->n_layers;
    const ffnn_layer_spec *out = &m->layers[L - 1];
    bool fused = false;
    double loss = ffnn_loss_eval(&m->loss, out->activation, ws->Z[L - 1], ws->A[L - 1], T, B,
                                 out->units, ws->G[L - 1], 1.0 / B, &fused);
    pass p = {m, ws, X, T, B, true, fused};
    int parts = pass_parts(m, ws, B);
    ffnn_pool_run(ws->pool, parts, chain_part, &p);
    ffnn_pool_run(ws->pool, parts, grad_part, &p);
    return loss;
}

void ffnn_model_predict(const ffnn_model *m, ffnn_workspace *ws, const float *X, int B, float *P)
{
    int K = ffnn_model_n_out(m);
    for (int start = 0; start < B; start += ws->max_batch) {
        int b = B - start < ws->max_batch ? B - start : ws->max_batch;
        const float *A = ffnn_model_forward(m, ws, X + (size_t)start * (size_t)m->n_in, b, false, NULL);
        memcpy(P + (size_t)start * (size_t)K, A, (size_t)b * (size_t)K * sizeof(float));
    }
}

void ffnn_model_targets(const ffnn_model *m, const double *y, int B, float *T)
{
    int K = ffnn_model_n_out(m);
    bool onehot = m->prep.task != FFNN_TASK_REGRESSION && K > 1;
    for (int i = 0; i < B; i++) {
        if (onehot) {
            for (int k = 0; k < K; k++)
                T[(size_t)i * K + k] = 0.0f;
            T[(size_t)i * K + (int)y[i]] = 1.0f;
        } else {
            T[(size_t)i * K] = (float)y[i];
        }
    }
}

/* ---- summary ---------------------------------------------------------- */

static void fmt_count(char *buf, size_t n, unsigned long long v)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", v), o = 0;
    for (int i = 0; i < len && o < (int)n - 1; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

static void fmt_size(char *buf, size_t n, double bytes)
{
    const char *units[] = {"B", "KB", "MB", "GB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 3) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, n, "%.2f %s", bytes, units[u]);
}

/* Prints s left- or right-aligned in a field of w display columns. */
static void cell(FILE *fp, const char *s, int w, bool right)
{
    int len = (int)strlen(s);
    if (right)
        fprintf(fp, " %*s%s ", w - len > 0 ? w - len : 0, "", s);
    else
        fprintf(fp, " %s%*s ", s, w - len > 0 ? w - len : 0, "");
}

static void rule(FILE *fp, const char *l, const char *fill, const char *mid, const char *r,
                 const int *w)
{
    fputs(l, fp);
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < w[c] + 2; i++)
            fputs(fill, fp);
        fputs(c < 2 ? mid : r, fp);
    }
    fputc('\n', fp);
}

void ffnn_model_summary(const ffnn_model *m, FILE *fp)
{
    const int w[3] = {31, 22, 13};
    int ndense = 0, ndrop = 0;
    fprintf(fp, "Model: \"sequential\"\n");
    rule(fp, "┏", "━", "┳", "┓", w);
    fputs("┃", fp);
    cell(fp, "Layer (type)", w[0], false);
    fputs("┃", fp);
    cell(fp, "Output Shape", w[1], false);
    fputs("┃", fp);
    cell(fp, "Param #", w[2], true);
    fputs("┃\n", fp);
    rule(fp, "┡", "━", "╇", "┩", w);
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        const ffnn_layer_spec *ls = &m->layers[l];
        char name[64], shape[64], params[32];
        for (int kind = 0; kind < 2; kind++) {
            if (kind == 1 && ls->dropout <= 0.0f)
                break;
            if (l || kind)
                rule(fp, "├", "─", "┼", "┤", w);
            if (kind == 0) {
                if (ndense)
                    snprintf(name, sizeof name, "dense_%d (Dense)", ndense);
                else
                    snprintf(name, sizeof name, "dense (Dense)");
                ndense++;
                fmt_count(params, sizeof params,
                          (unsigned long long)in * (unsigned long long)ls->units + (unsigned long long)ls->units);
            } else {
                if (ndrop)
                    snprintf(name, sizeof name, "dropout_%d (Dropout)", ndrop);
                else
                    snprintf(name, sizeof name, "dropout (Dropout)");
                ndrop++;
                snprintf(params, sizeof params, "0");
            }
            snprintf(shape, sizeof shape, "(None, %d)", ls->units);
            fputs("│", fp);
            cell(fp, name, w[0], false);
            fputs("│", fp);
            cell(fp, shape, w[1], false);
            fputs("│", fp);
            cell(fp, params, w[2], true);
            fputs("│\n", fp);
        }
        in = ls->units;
    }
    rule(fp, "└", "─", "┴", "┘", w);
    char cnt[32], size[32], zsize[32];
    fmt_count(cnt, sizeof cnt, m->n_params);
    fmt_size(size, sizeof size, (double)m->n_params * 4.0);
    fmt_size(zsize, sizeof zsize, 0.0);
    fprintf(fp, " Total params: %s (%s)\n", cnt, size);
    fprintf(fp, " Trainable params: %s (%s)\n", cnt, size);
    fprintf(fp, " Non-trainable params: 0 (%s)\n", zsize);
}
