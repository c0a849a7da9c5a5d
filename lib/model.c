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
    s.output_units = 0;
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
    if (spec->output_units && spec->output_units != units) {
        /* a binary sigmoid may also have one unit per one-hot class, as the
         * tutorial's n_outputs = n_classes */
        bool two = prep->task == FFNN_TASK_BINARY && units == 1;
        if (!two || spec->output_units != 2)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "output_units: %d does not fit a %s task with a %s output; use %d%s",
                                  spec->output_units, ffnn_task_name(prep->task),
                                  ffnn_act_name(out_act), units, two ? " or 2" : "");
        units = 2;
    }
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
 * A pass over a batch is split between threads only when its products are
 * large enough to repay waking the workers (a size fixed here, never
 * measured at run time).  Each product is split by rows of the batch when
 * every part still gets MIN_PART_ROWS rows or more and W is small (then all
 * layers of the pass run in one job); else by columns of its output, in
 * whole tiles, one job per layer: a part then reads only its share of W,
 * which is what lets a wide layer scale.  The weight gradients are split by
 * their output rows.  Every element is computed by one part, in the same
 * order as without threads, so no split changes a result. */

#define PAR_MIN_MACS (1L << 20) /* multiply-adds per pass below which one thread runs it */
#define ROW_ALIGN 8             /* rows per block of a row split */
#define MIN_PART_ROWS 48        /* fewer rows per part: split by columns */
#define COL_ALIGN 32            /* columns per block of a column split (a tile) */
#define COL_MIN_WEIGHTS (1L << 17) /* a layer this large (512 KB of W) splits by columns */

static long pass_macs(const ffnn_model *m, int B)
{
    long macs = 0;
    for (int l = 0, in = m->n_in; l < m->n_layers; in = m->layers[l].units, l++)
        macs += (long)in * m->layers[l].units;
    return macs * B;
}

/* Threads for a pass over B rows: 1 when it is too small to split. */
static int pass_threads(const ffnn_model *m, const ffnn_workspace *ws, int B)
{
    int t = ffnn_pool_threads(ws->pool);
    return t > 1 && pass_macs(m, B) >= PAR_MIN_MACS ? t : 1;
}

/* [*lo, *hi) of 0..n for part of parts, in whole blocks of align. */
static void part_range(int n, int part, int parts, int align, int *lo, int *hi)
{
    int blocks = (n + align - 1) / align, per = (blocks + parts - 1) / parts;
    long a = (long)part * per * align, b = a + (long)per * align;
    *lo = (int)(a < n ? a : n);
    *hi = (int)(b < n ? b : n);
}

static int blocks_of(int n, int align)
{
    return (n + align - 1) / align;
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

typedef struct {
    const ffnn_model *m;
    ffnn_workspace *ws;
    const float *X;
    int B;
    bool training, fused;
    int layer;   /* a per-layer job's layer */
    int by_cols; /* a per-layer job split by columns, else by rows */
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

/* Layer l's forward on rows r0..r1, columns c0..c1: product, activation,
 * dropout. */
static void forward_block(const pass *p, int l, int r0, int r1, int c0, int c1)
{
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    const ffnn_layer_spec *ls = &m->layers[l];
    int in = l ? m->layers[l - 1].units : m->n_in, O = ls->units;
    size_t xo = (size_t)r0 * (size_t)in, zo = (size_t)r0 * (size_t)O;
    const float *Xl = layer_input(m, ws, p->X, l, p->training);
    ffnn_dense_forward_packed(Xl + xo, ws->Wp + ws->wp_off[l], m->params + m->b_off[l], ws->Z[l] + zo,
                              ws->A[l] + zo, ls->activation, r1 - r0, in, O, c0, c1);
    if (p->training && ls->dropout > 0.0f)
        for (int r = r0; r < r1; r++) {
            size_t at = (size_t)r * (size_t)O + (size_t)c0;
            ffnn_dropout_apply(ws->D[l] + at, ws->A[l] + at, ws->mask[l] + at, c1 - c0);
        }
}

/* Rows of every layer, in order. */
static void forward_rows_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    int r0, r1;
    part_range(p->B, part, parts, ROW_ALIGN, &r0, &r1);
    for (int l = 0; r0 < r1 && l < p->m->n_layers; l++)
        forward_block(p, l, r0, r1, 0, p->m->layers[l].units);
}

/* One layer, by rows or by columns. */
static void forward_layer_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    int O = p->m->layers[p->layer].units, lo, hi;
    if (p->by_cols) {
        part_range(O, part, parts, COL_ALIGN, &lo, &hi);
        if (lo < hi)
            forward_block(p, p->layer, 0, p->B, lo, hi);
    } else {
        part_range(p->B, part, parts, ROW_ALIGN, &lo, &hi);
        if (lo < hi)
            forward_block(p, p->layer, lo, hi, 0, O);
    }
}

/* Layer l splits by columns: too few rows per thread, or W too large for
 * every thread to read whole (at 1024 × 1024, 13% faster on 2 threads). */
static bool wide_layer(const ffnn_model *m, int l, int threads, int B)
{
    long in = l ? m->layers[l - 1].units : m->n_in;
    return B < threads * MIN_PART_ROWS || in * m->layers[l].units >= COL_MIN_WEIGHTS;
}

/* No layer splits by columns: the whole pass runs in one job by rows. */
static bool rows_only(const ffnn_model *m, int threads, int B)
{
    for (int l = 0; l < m->n_layers; l++)
        if (wide_layer(m, l, threads, B))
            return false;
    return true;
}

/* Parts for a per-layer job over a (B, width) output; sets p->by_cols. */
static int layer_parts(pass *p, int threads, int width, bool by_cols)
{
    p->by_cols = by_cols && blocks_of(width, COL_ALIGN) >= 2;
    return p->by_cols ? min_int(threads, blocks_of(width, COL_ALIGN))
                      : min_int(threads, blocks_of(p->B, ROW_ALIGN));
}

const float *ffnn_model_forward(const ffnn_model *m, ffnn_workspace *ws, const float *X, int B,
                                bool training, ffnn_rng *rng)
{
    /* Dropout masks are drawn first, layer by layer in index order: the same
     * draws as drawing each layer's after its product. */
    for (int l = 0; training && l < m->n_layers; l++)
        if (m->layers[l].dropout > 0.0f)
            ffnn_dropout_mask(ws->mask[l], m->layers[l].dropout, (long)B * m->layers[l].units, rng);
    pass p = {m, ws, X, B, training, false, 0, 0};
    int t = pass_threads(m, ws, B);
    ffnn_pool_run(ws->pool, t, pack_part, &p);
    if (rows_only(m, t, B)) {
        ffnn_pool_run(ws->pool, min_int(t, blocks_of(B, ROW_ALIGN)), forward_rows_part, &p);
    } else {
        for (p.layer = 0; p.layer < m->n_layers; p.layer++) {
            const ffnn_layer_spec *ls = &m->layers[p.layer];
            int parts = layer_parts(&p, t, ls->units,
                                    ls->activation != FFNN_ACT_SOFTMAX && wide_layer(m, p.layer, t, B));
            ffnn_pool_run(ws->pool, parts, forward_layer_part, &p);
        }
    }
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

/* dL/dZ of layer l-1 (l >= 1) from layer l's, rows r0..r1, columns c0..c1. */
static void chain_block(const pass *p, int l, int r0, int r1, int c0, int c1)
{
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    const ffnn_layer_spec *prev = &m->layers[l - 1];
    int in = prev->units;
    size_t zo = (size_t)r0 * (size_t)m->layers[l].units, xo = (size_t)r0 * (size_t)in;
    ffnn_dense_backward_input(ws->G[l] + zo, m->params + m->w_off[l],
                              prev->dropout > 0.0f ? ws->mask[l - 1] + xo : NULL, prev->activation,
                              ws->Z[l - 1] + xo, ws->A[l - 1] + xo, ws->G[l - 1] + xo, r1 - r0, in,
                              m->layers[l].units, c0, c1);
}

/* The output layer's activation backward, rows r0..r1 (unless the loss gave
 * dL/dZ directly). */
static void output_backward(const pass *p, int r0, int r1)
{
    const ffnn_model *m = p->m;
    ffnn_workspace *ws = p->ws;
    int L = m->n_layers;
    const ffnn_layer_spec *out = &m->layers[L - 1];
    if (p->fused || r0 >= r1)
        return;
    size_t o = (size_t)r0 * (size_t)out->units;
    ffnn_act_backward(out->activation, ws->Z[L - 1] + o, ws->A[L - 1] + o, ws->G[L - 1] + o,
                      ws->G[L - 1] + o, r1 - r0, out->units);
}

/* Rows of the backward chain: dL/dZ of every layer, from the output's down. */
static void chain_rows_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    int r0, r1;
    part_range(p->B, part, parts, ROW_ALIGN, &r0, &r1);
    if (r0 >= r1)
        return;
    output_backward(p, r0, r1);
    for (int l = p->m->n_layers - 1; l >= 1; l--)
        chain_block(p, l, r0, r1, 0, p->m->layers[l - 1].units);
}

/* One step of the chain, layer p->layer to the one below, by rows or columns. */
static void chain_layer_part(void *ctx, int part, int parts)
{
    const pass *p = ctx;
    int I = p->m->layers[p->layer - 1].units, lo, hi;
    if (p->by_cols) {
        part_range(I, part, parts, COL_ALIGN, &lo, &hi);
        if (lo < hi)
            chain_block(p, p->layer, 0, p->B, lo, hi);
    } else {
        part_range(p->B, part, parts, ROW_ALIGN, &lo, &hi);
        if (lo < hi)
            chain_block(p, p->layer, lo, hi, 0, I);
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
        part_range(O, part, parts, ROW_ALIGN, &o0, &o1);
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
    pass p = {m, ws, X, B, true, fused, 0, 0};
    int t = pass_threads(m, ws, B);
    if (rows_only(m, t, B)) {
        ffnn_pool_run(ws->pool, min_int(t, blocks_of(B, ROW_ALIGN)), chain_rows_part, &p);
    } else {
        output_backward(&p, 0, B);
        for (p.layer = L - 1; p.layer >= 1; p.layer--) {
            const ffnn_layer_spec *prev = &m->layers[p.layer - 1];
            int parts = layer_parts(&p, t, prev->units,
                                    prev->activation != FFNN_ACT_SOFTMAX && wide_layer(m, p.layer, t, B));
            ffnn_pool_run(ws->pool, parts, chain_layer_part, &p);
        }
    }
    ffnn_pool_run(ws->pool, t, grad_part, &p);
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
