/* ffnn — ONNX export (see export.h): a model and its preprocessing as one
 * ONNX graph, built with onnx_graph.h's helpers and packed by libprotobuf-c.
 * The builders below follow what ffnn_prep_encode, ffnn_model_forward and
 * ffnn-predict (predict.c) compute, step by step.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/export.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "onnx_graph.h"

#define ML_DOMAIN "ai.onnx.ml"

/* Keras 3's activation constants, as activation.h states them. */
#define SELU_ALPHA  1.67326324
#define SELU_SCALE  1.05070098
#define LEAKY_SLOPE 0.2
#define ELU_ALPHA   1.0

/* "a", "b" -> JSON text ["a","b"] in the arena, or NULL. */
static char *json_names(ffnn_og *b, char *const *names, int n)
{
    if (b->oom)
        return NULL;
    cJSON *a = cJSON_CreateArray();
    bool ok = a != NULL;
    for (int i = 0; ok && i < n; i++) {
        cJSON *s = cJSON_CreateString(names[i]);
        ok = s && cJSON_AddItemToArray(a, s);
        if (!ok)
            cJSON_Delete(s);
    }
    char *text = ok ? ffnn_json_print(a, 0) : NULL;
    cJSON_Delete(a);
    char *copy = text ? ffnn_og_strdup(b, text) : NULL;
    free(text);
    if (!copy)
        b->oom = true;
    return copy;
}

/* ---- the model ------------------------------------------------------------------- */

/* The names of the model's numeric or categorical columns, in its order
 * (pointing into p; n receives the count). */
static char **column_names(ffnn_og *b, const ffnn_prep *p, bool categorical, int *n)
{
    char **v = ffnn_og_alloc(b, ((size_t)p->n_columns + 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (int c = 0; c < p->n_columns; c++)
        if (p->columns[c].categorical == categorical)
            v[(*n)++] = p->columns[c].name;
    return v;
}

static float prep_mean(const ffnn_prep *p, int f)
{
    return p->mean ? p->mean[f] : 0.0f;
}

static float prep_scale(const ffnn_prep *p, int f)
{
    return p->scale ? p->scale[f] : 1.0f;
}

/* One-hot encoding of categorical column ci (the ci-th column of C) with
 * its categories: Gather -> OneHotEncoder -> Flatten -> Cast to double,
 * (N, n_cats).  Returns the value's name. */
static const char *one_hot(ffnn_og *b, const ffnn_prep_column *col, int ci)
{
    int64_t idx = ci;
    const char *in = ffnn_og_init_i64(b, ffnn_og_printf(b, "C.%d.index", ci), &idx, 1);
    Onnx__NodeProto *g = ffnn_og_node(b, "Gather", NULL, ffnn_og_printf(b, "C.%d", ci), 2, "C", in);
    ffnn_og_attr_int(b, g, "axis", 1);
    Onnx__NodeProto *oh =
        ffnn_og_node(b, "OneHotEncoder", ML_DOMAIN, ffnn_og_printf(b, "C.%d.onehot", ci), 1,
                     g ? g->output[0] : NULL);
    ffnn_og_attr_strings(b, oh, "cats_strings", col->cats, col->n_cats);
    ffnn_og_attr_int(b, oh, "zeros", 1);
    ffnn_og_value_type(b, oh ? oh->output[0] : NULL, 1, col->n_cats);
    Onnx__NodeProto *fl = ffnn_og_node(b, "Flatten", NULL, ffnn_og_printf(b, "C.%d.flat", ci), 1,
                                       oh ? oh->output[0] : NULL);
    ffnn_og_attr_int(b, fl, "axis", 1);
    return ffnn_og_cast(b, fl ? fl->output[0] : NULL, FFNN_OG_DOUBLE,
                        ffnn_og_printf(b, "C.%d.encoded", ci));
}

/* Graph inputs X and C, and the nodes that turn them into the network's
 * float input (N, n_features) exactly as ffnn_prep_encode does; returns its
 * name (NULL when out of memory). */
static const char *build_preprocess(ffnn_og *b, const ffnn_prep *p, Onnx__GraphProto *g)
{
    int n_num, n_cat, F = p->n_features;
    char **num = column_names(b, p, false, &n_num);
    char **cat = column_names(b, p, true, &n_cat);
    const char **pieces = ffnn_og_alloc(b, ((size_t)n_cat + 1) * sizeof *pieces);
    int64_t *perm = ffnn_og_alloc(b, ((size_t)F + 1) * sizeof *perm);
    double *mean = ffnn_og_alloc(b, ((size_t)F + 1) * sizeof *mean);
    double *scale = ffnn_og_alloc(b, ((size_t)F + 1) * sizeof *scale);
    float *zfill = ffnn_og_alloc(b, ((size_t)F + 1) * sizeof *zfill);
    if (!num || !cat || !pieces || !perm || !mean || !scale || !zfill)
        return NULL;

    int n_pieces = 0;
    if (n_num > 0) {
        g->input[g->n_input++] = ffnn_og_value_info(
            b, "X", FFNN_OG_DOUBLE, n_num,
            ffnn_og_printf(b, "numeric feature columns (NaN: missing), in this order: %s",
                           json_names(b, num, n_num)));
        pieces[n_pieces++] = "X";
    }
    if (n_cat > 0)
        g->input[g->n_input++] = ffnn_og_value_info(
            b, "C", FFNN_OG_STRING, n_cat,
            ffnn_og_printf(b,
                           "categorical feature columns (a category the model does not "
                           "know, or a missing value, encodes as all zeros), in this order: %s",
                           json_names(b, cat, n_cat)));

    /* Concatenated order: X's columns, then each one-hot block; perm maps
     * the model's feature order onto it. */
    int pos = n_num, inum = 0, icat = 0;
    bool identity = true, standard = false, impute = false;
    for (int c = 0; c < p->n_columns; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        if (col->categorical) {
            if (col->n_cats > 0)
                pieces[n_pieces++] = one_hot(b, col, icat);
            for (int k = 0; k < col->n_cats; k++)
                perm[col->offset + k] = pos++;
            icat++;
        } else {
            perm[col->offset] = inum++;
        }
    }
    for (int f = 0; f < F; f++) {
        identity = identity && perm[f] == f;
        mean[f] = prep_mean(p, f);
        scale[f] = prep_scale(p, f);
        standard = standard || mean[f] != 0.0 || scale[f] != 1.0;
    }
    for (int c = 0; c < p->n_columns; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        if (p->impute == FFNN_IMPUTE_MEAN && !col->categorical) {
            int o = col->offset; /* ffnn_prep_encode's arithmetic, rounded once */
            zfill[o] = (float)((col->fill - mean[o]) / scale[o]);
            impute = true;
        }
    }

    const char *x = pieces[0];
    if (n_pieces > 1) {
        Onnx__NodeProto *cc = ffnn_og_node(b, "Concat", NULL, "features.concat", 0);
        if (cc) {
            char **in = ffnn_og_alloc(b, (size_t)n_pieces * sizeof *in);
            if (!in)
                return NULL;
            for (int i = 0; i < n_pieces; i++)
                if (!(in[i] = (char *)pieces[i]))
                    return NULL;
            cc->input = in;
            cc->n_input = (size_t)n_pieces;
        }
        ffnn_og_attr_int(b, cc, "axis", 1);
        x = cc ? cc->output[0] : NULL;
    }
    if (!identity) {
        Onnx__NodeProto *ga = ffnn_og_node(b, "Gather", NULL, "features.ordered", 2, x,
                                           ffnn_og_init_i64(b, "input.order", perm, F));
        ffnn_og_attr_int(b, ga, "axis", 1);
        x = ga ? ga->output[0] : NULL;
    }
    if (standard) {
        x = ffnn_og_op2(b, "Sub", x, ffnn_og_init_f64(b, "input.mean", mean, F),
                        "features.centred");
        x = ffnn_og_op2(b, "Div", x, ffnn_og_init_f64(b, "input.scale", scale, F),
                        "features.standardised");
    }
    x = ffnn_og_cast(b, x, FFNN_OG_FLOAT, "features");
    if (impute) {
        Onnx__NodeProto *im = ffnn_og_node(b, "Imputer", ML_DOMAIN, "features.imputed", 1, x);
        ffnn_og_attr_floats(b, im, "imputed_value_floats", zfill, (size_t)F);
        ffnn_og_attr_float(b, im, "replaced_value_float", NAN);
        ffnn_og_value_type(b, im ? im->output[0] : NULL, F, -1);
        x = im ? im->output[0] : NULL;
    }
    return x;
}

/* The activation act applied to z (named after layer's node name). */
static const char *activation(ffnn_og *b, ffnn_act act, const char *z, const char *layer)
{
    Onnx__NodeProto *nd;
    const char *out = ffnn_og_printf(b, "%s.%s", layer, ffnn_act_name(act)), *t;
    switch (act) {
    case FFNN_ACT_LINEAR: return z;
    case FFNN_ACT_RELU: return ffnn_og_op1(b, "Relu", z, out);
    case FFNN_ACT_SIGMOID: return ffnn_og_op1(b, "Sigmoid", z, out);
    case FFNN_ACT_TANH: return ffnn_og_op1(b, "Tanh", z, out);
    case FFNN_ACT_SOFTMAX:
        nd = ffnn_og_node(b, "Softmax", NULL, out, 1, z);
        ffnn_og_attr_int(b, nd, "axis", -1);
        return nd ? out : NULL;
    case FFNN_ACT_ELU:
        nd = ffnn_og_node(b, "Elu", NULL, out, 1, z);
        ffnn_og_attr_float(b, nd, "alpha", (float)ELU_ALPHA);
        return nd ? out : NULL;
    case FFNN_ACT_SELU:
        nd = ffnn_og_node(b, "Selu", NULL, out, 1, z);
        ffnn_og_attr_float(b, nd, "alpha", (float)SELU_ALPHA);
        ffnn_og_attr_float(b, nd, "gamma", (float)SELU_SCALE);
        return nd ? out : NULL;
    case FFNN_ACT_LEAKY_RELU:
        nd = ffnn_og_node(b, "LeakyRelu", NULL, out, 1, z);
        ffnn_og_attr_float(b, nd, "alpha", (float)LEAKY_SLOPE);
        return nd ? out : NULL;
    case FFNN_ACT_GELU: /* 0.5·x·(1 + erf(x/√2)); Gelu is opset 20's */
        if (!b->c_sqrt2)
            b->c_sqrt2 = ffnn_og_init_scalar(b, "const.sqrt2", (float)sqrt(2.0));
        if (!b->c_half)
            b->c_half = ffnn_og_init_scalar(b, "const.half", 0.5f);
        t = ffnn_og_op2(b, "Div", z, b->c_sqrt2, ffnn_og_printf(b, "%s.gelu.scaled", layer));
        t = ffnn_og_op1(b, "Erf", t, ffnn_og_printf(b, "%s.gelu.erf", layer));
        t = ffnn_og_op2(b, "Add", t, ffnn_og_one(b), ffnn_og_printf(b, "%s.gelu.cdf2", layer));
        t = ffnn_og_op2(b, "Mul", z, t, ffnn_og_printf(b, "%s.gelu.x_cdf2", layer));
        return ffnn_og_op2(b, "Mul", t, b->c_half, out);
    case FFNN_ACT_SWISH: /* x·sigmoid(x); no Swish op in opset 13 */
        t = ffnn_og_op1(b, "Sigmoid", z, ffnn_og_printf(b, "%s.swish.sigmoid", layer));
        return ffnn_og_op2(b, "Mul", z, t, out);
    default: /* unreachable: the loader accepts only these */
        ffnn_og_internal(b);
        return NULL;
    }
}

/* Every Dense layer (Gemm with the [out][in] weights, transB) and its
 * activation; Dropout is the identity at inference and has no node. */
static const char *build_layers(ffnn_og *b, const ffnn_model *m, const char *x)
{
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        int units = m->layers[l].units;
        const char *layer = l ? ffnn_og_printf(b, "dense_%d", l) : "dense";
        const char *w = ffnn_og_init_f32(b, ffnn_og_printf(b, "layers.%d.weight", l),
                                         m->params + m->w_off[l], units, in);
        const char *bias = ffnn_og_init_f32(b, ffnn_og_printf(b, "layers.%d.bias", l),
                                            m->params + m->b_off[l], units, 0);
        Onnx__NodeProto *gm = ffnn_og_node(b, "Gemm", NULL, layer, 3, x, w, bias);
        ffnn_og_attr_int(b, gm, "transB", 1);
        x = activation(b, m->layers[l].activation, gm ? layer : NULL, layer);
        in = units;
    }
    return x;
}

/* True when every class name is an integer in canonical form ("-3", "0"),
 * as ffnn names integer labels: the label output is then int64. */
static bool integer_classes(const ffnn_prep *p, int64_t *v)
{
    for (int k = 0; k < p->n_classes; k++) {
        const char *s = p->classes[k];
        char *end, back[32];
        if (!*s)
            return false;
        long long x = strtoll(s, &end, 10);
        snprintf(back, sizeof back, "%lld", x);
        if (*end || strcmp(back, s) != 0)
            return false;
        v[k] = x;
    }
    return true;
}

/* The outputs from the network's output y (N, K): probabilities and label
 * as ffnn-predict computes them (predict.c), or the regression value. */
static void build_outputs(ffnn_og *b, const ffnn_model *m, const char *y, Onnx__GraphProto *g)
{
    const ffnn_prep *p = &m->prep;
    int K = ffnn_model_n_out(m), C = p->n_classes;
    if (p->task == FFNN_TASK_REGRESSION) {
        ffnn_og_op2(b, "Reshape", y, ffnn_og_flat_shape(b), "value");
        g->output[g->n_output++] =
            ffnn_og_value_info(b, "value", FFNN_OG_FLOAT, -1, "the predicted value");
        return;
    }
    bool logits = m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR;
    const char *idx;
    if (K == 1) { /* one sigmoid unit: P(classes[1]); class 1 when p > 0.5 */
        const char *q = logits ? ffnn_og_op1(b, "Sigmoid", y, "output.sigmoid") : y;
        const char *q0 = ffnn_og_op2(b, "Sub", ffnn_og_one(b), q, "output.complement");
        Onnx__NodeProto *cc = ffnn_og_node(b, "Concat", NULL, "probabilities", 2, q0, q);
        ffnn_og_attr_int(b, cc, "axis", 1);
        const char *thr = ffnn_og_init_scalar(b, "const.threshold", logits ? 0.0f : 0.5f);
        idx = ffnn_og_op2(b, "Greater", y, thr, "output.positive");
        idx = ffnn_og_cast(b, idx, FFNN_OG_INT64, "output.class_index");
        idx = ffnn_og_op2(b, "Reshape", idx, ffnn_og_flat_shape(b), "output.class");
    } else { /* argmax, ties to the first; softmax of logits */
        if (logits) {
            Onnx__NodeProto *sm = ffnn_og_node(b, "Softmax", NULL, "probabilities", 1, y);
            ffnn_og_attr_int(b, sm, "axis", -1);
        } else {
            ffnn_og_op1(b, "Identity", y, "probabilities");
        }
        Onnx__NodeProto *am = ffnn_og_node(b, "ArgMax", NULL, "output.class", 1, y);
        ffnn_og_attr_int(b, am, "axis", 1);
        ffnn_og_attr_int(b, am, "keepdims", 0);
        idx = am ? "output.class" : NULL;
    }
    int64_t *ints = ffnn_og_alloc(b, ((size_t)C + 1) * sizeof *ints);
    bool as_int = ints && integer_classes(p, ints);
    const char *classes = as_int ? ffnn_og_init_i64(b, "classes", ints, C)
                                 : ffnn_og_init_str(b, "classes", p->classes, C);
    Onnx__NodeProto *ga = ffnn_og_node(b, "Gather", NULL, "label", 2, classes, idx);
    ffnn_og_attr_int(b, ga, "axis", 0);
    g->output[g->n_output++] = ffnn_og_value_info(
        b, "label", as_int ? FFNN_OG_INT64 : FFNN_OG_STRING, -1, "the predicted class");
    g->output[g->n_output++] =
        ffnn_og_value_info(b, "probabilities", FFNN_OG_FLOAT, C,
                           "the probability of each class, in the order of the classes metadata");
}

/* Upper bounds of the graph's nodes and initializers (see the builders). */
static void graph_capacity(const ffnn_model *m, size_t *nodes, size_t *inits)
{
    size_t ncat = 0;
    for (int c = 0; c < m->prep.n_columns; c++)
        ncat += m->prep.columns[c].categorical;
    *nodes = 4 * ncat + 6 * (size_t)m->n_layers + 16;
    *inits = ncat + 2 * (size_t)m->n_layers + 16;
}

/* The model's metadata_props: names as JSON arrays (a name may hold a
 * comma). */
static void build_metadata(ffnn_og *b, const ffnn_prep *p, const char *sha, Onnx__ModelProto *mp)
{
    Onnx__StringStringEntryProto **props = ffnn_og_alloc(b, 8 * sizeof *props);
    char **names = ffnn_og_alloc(b, ((size_t)p->n_columns + 1) * sizeof *names);
    int n_num, n_cat, n = 0;
    char **num = column_names(b, p, false, &n_num), **cat = column_names(b, p, true, &n_cat);
    if (!props || !names || !num || !cat)
        return;
    for (int c = 0; c < p->n_columns; c++)
        names[c] = p->columns[c].name;
    props[n++] = ffnn_og_meta(b, "ffnn.version", FFNN_VERSION);
    props[n++] = ffnn_og_meta(b, "ffnn.sha256", ffnn_og_strdup(b, sha));
    props[n++] = ffnn_og_meta(b, "ffnn.task", ffnn_task_name(p->task));
    props[n++] = ffnn_og_meta(b, "ffnn.target", p->target ? p->target : "");
    props[n++] = ffnn_og_meta(b, "ffnn.features", json_names(b, names, p->n_columns));
    props[n++] = ffnn_og_meta(b, "ffnn.numeric_features", json_names(b, num, n_num));
    props[n++] = ffnn_og_meta(b, "ffnn.categorical_features", json_names(b, cat, n_cat));
    if (p->task != FFNN_TASK_REGRESSION)
        props[n++] = ffnn_og_meta(b, "ffnn.classes", json_names(b, p->classes, p->n_classes));
    for (int i = 0; i < n; i++)
        if (!props[i])
            b->oom = true;
    mp->metadata_props = props;
    mp->n_metadata_props = (size_t)n;
}

ffnn_status ffnn_export_onnx(const ffnn_model *m, unsigned char **buf, size_t *len, ffnn_error *err)
{
    const ffnn_prep *p = &m->prep;
    *buf = NULL;
    *len = 0;
    int K = ffnn_model_n_out(m);
    if (m->n_in < 1 || p->n_features != m->n_in ||
        (p->task != FFNN_TASK_REGRESSION && K != 1 && K != p->n_classes) ||
        (p->task == FFNN_TASK_REGRESSION && K != 1) || (K == 1 && p->task == FFNN_TASK_MULTICLASS))
        return ffnn_error_set(err, FFNN_EINTERNAL, "export: model has %d outputs for %d classes", K,
                              p->n_classes);
    char sha[65];
    ffnn_status st = ffnn_model_sha256(m, sha, err);
    if (st)
        return st;

    ffnn_og b;
    memset(&b, 0, sizeof b);
    graph_capacity(m, &b.cap_node, &b.cap_init);
    b.cap_vinfo = b.cap_init;
    b.node = ffnn_og_alloc(&b, b.cap_node * sizeof *b.node);
    b.init = ffnn_og_alloc(&b, b.cap_init * sizeof *b.init);
    b.vinfo = ffnn_og_alloc(&b, b.cap_vinfo * sizeof *b.vinfo);
    Onnx__GraphProto *g = ffnn_og_alloc(&b, sizeof *g);
    Onnx__ModelProto *mp = ffnn_og_alloc(&b, sizeof *mp);
    Onnx__ValueInfoProto **ios = ffnn_og_alloc(&b, 4 * sizeof *ios);
    Onnx__OperatorSetIdProto **opsets = ffnn_og_alloc(&b, 2 * sizeof *opsets);
    if (!b.node || !b.init || !b.vinfo || !g || !mp || !ios || !opsets)
        goto nomem;
    onnx__graph_proto__init(g);
    onnx__model_proto__init(mp);
    g->input = ios;
    g->output = ios + 2;

    const char *x = build_preprocess(&b, p, g);
    const char *y = build_layers(&b, m, x);
    build_outputs(&b, m, y, g);
    g->name = "ffnn";
    g->node = b.node;
    g->n_node = b.n_node;
    g->initializer = b.init;
    g->n_initializer = b.n_init;
    g->value_info = b.vinfo;
    g->n_value_info = b.n_vinfo;

    build_metadata(&b, p, sha, mp);

    mp->has_ir_version = 1;
    mp->ir_version = FFNN_ONNX_IR_VERSION;
    opsets[0] = ffnn_og_opset(&b, "", FFNN_ONNX_OPSET);
    if (b.uses_ml)
        opsets[1] = ffnn_og_opset(&b, ML_DOMAIN, FFNN_ONNX_ML_OPSET);
    mp->opset_import = opsets;
    mp->n_opset_import = b.uses_ml ? 2 : 1;
    mp->producer_name = "ffnn";
    mp->producer_version = FFNN_VERSION;
    mp->doc_string = ffnn_og_printf(&b, "ffnn %s model of \"%s\" (ffnn-export)",
                                    ffnn_task_name(p->task), p->target ? p->target : "");
    mp->graph = g;
    if (b.internal) {
        ffnn_og_release(&b);
        return ffnn_error_set(err, FFNN_EINTERNAL,
                              "export: graph capacity or activation out of range");
    }
    if (b.oom)
        goto nomem;

    size_t size = onnx__model_proto__get_packed_size(mp);
    if (!(*buf = malloc(size ? size : 1)))
        goto nomem;
    *len = onnx__model_proto__pack(mp, *buf);
    ffnn_og_release(&b);
    return FFNN_OK;
nomem:
    ffnn_og_release(&b);
    return ffnn_error_nomem(err);
}
