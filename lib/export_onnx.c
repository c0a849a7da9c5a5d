/* ffnn — ONNX export (see export.h): a model and its preprocessing as one
 * ONNX graph, built from the protobuf-c messages of Debian's onnx.proto (C
 * generated at build time into build/gen) and packed by libprotobuf-c.
 *
 * Every message, array and string the graph needs lives in one arena that
 * is freed when the bytes are packed; tensors point into the model (packing
 * only reads them).  Arena exhaustion sets a flag that every helper checks,
 * so the builders read as straight-line code and fail once, at the end.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <onnx/onnx.pb-c.h>
#include "ffnn/export.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "internal.h"

#define ML_DOMAIN "ai.onnx.ml"
#define BATCH_DIM "N"             /* the symbolic batch dimension */
#define GRAPH_CHUNK 65536
#define MAX_ATTRS 4               /* attributes per node, at most */

/* Keras 3's activation constants, as activation.h states them. */
#define SELU_ALPHA 1.67326324
#define SELU_SCALE 1.05070098
#define LEAKY_SLOPE 0.2
#define ELU_ALPHA 1.0

enum {
    T_FLOAT = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
    T_DOUBLE = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE,
    T_INT64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
    T_STRING = ONNX__TENSOR_PROTO__DATA_TYPE__STRING,
};

/* ---- arena and graph under construction ------------------------------------ */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t mem[];
} chunk;

typedef struct {
    chunk *chunks;
    bool oom;                           /* stop building: out of memory, or internal */
    bool internal;                      /* a bug: a capacity or an activation */
    bool uses_ml;                       /* a node of ai.onnx.ml was added */
    Onnx__NodeProto **node;
    size_t n_node, cap_node;
    Onnx__TensorProto **init;
    size_t n_init, cap_init;
    Onnx__ValueInfoProto **vinfo;       /* types of the ai.onnx.ml outputs */
    size_t n_vinfo, cap_vinfo;
    const char *c_one, *c_half, *c_sqrt2, *c_zero, *c_flat; /* shared constants */
} builder;

/* n zeroed bytes from the arena, or NULL (b->oom set) when out of memory. */
static void *b_alloc(builder *b, size_t n)
{
    if (b->oom)
        return NULL;
    size_t a = sizeof(max_align_t);
    if (n > SIZE_MAX - a - sizeof(chunk)) {
        b->oom = true;
        return NULL;
    }
    n = (n + a - 1) / a * a;
    chunk *c = b->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > GRAPH_CHUNK ? n : GRAPH_CHUNK;
        if (!(c = malloc(sizeof *c + cap))) {
            b->oom = true;
            return NULL;
        }
        c->next = b->chunks;
        c->used = 0;
        c->cap = cap;
        b->chunks = c;
    }
    void *p = (char *)c->mem + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

/* Stops the build for a bug (reported as FFNN_EINTERNAL, not memory). */
static void b_internal(builder *b)
{
    b->internal = true;
    b->oom = true;
}

static void b_release(builder *b)
{
    while (b->chunks) {
        chunk *next = b->chunks->next;
        free(b->chunks);
        b->chunks = next;
    }
}

/* A copy of s; NULL when out of memory or when s is NULL (an earlier step
 * ran out of memory). */
static char *b_strdup(builder *b, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = b_alloc(b, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static char *b_printf(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *b_printf(builder *b, const char *fmt, ...)
{
    if (b->oom)   /* a %s argument may be the NULL of the failed step */
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? b_alloc(b, (size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- tensors (initializers) ------------------------------------------------- */

/* A new initializer named name of type with the given dims (rank 0..2);
 * NULL when out of memory.  The caller sets its data. */
static Onnx__TensorProto *tensor(builder *b, const char *name, int32_t type, int rank, int64_t d0,
                                 int64_t d1)
{
    Onnx__TensorProto *t = b_alloc(b, sizeof *t);
    int64_t *dims = b_alloc(b, 2 * sizeof *dims);
    char *nm = b_strdup(b, name);
    if (!t || !dims || !nm)
        return NULL;
    if (b->n_init == b->cap_init) {   /* see graph_capacity */
        b_internal(b);
        return NULL;
    }
    onnx__tensor_proto__init(t);
    dims[0] = d0;
    dims[1] = d1;
    t->n_dims = (size_t)rank;
    t->dims = dims;
    t->has_data_type = 1;
    t->data_type = type;
    t->name = nm;
    b->init[b->n_init++] = t;
    return t;
}

/* Float initializer holding v (n0 values, or n0 x n1 when n1 > 0; rank 0
 * when n0 < 0: one value); returns its name, NULL when out of memory.  v must
 * outlive the packing. */
static const char *init_f32(builder *b, const char *name, const float *v, int64_t n0, int64_t n1)
{
    int rank = n0 < 0 ? 0 : n1 > 0 ? 2 : 1;
    Onnx__TensorProto *t = tensor(b, name, T_FLOAT, rank, n0, n1);
    if (!t)
        return NULL;
    t->n_float_data = (size_t)(rank == 0 ? 1 : n1 > 0 ? n0 * n1 : n0);
    t->float_data = (float *)v;
    return t->name;
}

/* A float scalar constant (copied into the arena). */
static const char *init_scalar(builder *b, const char *name, float v)
{
    float *p = b_alloc(b, sizeof *p);
    if (!p)
        return NULL;
    *p = v;
    return init_f32(b, name, p, -1, 0);
}

/* Double vector initializer (copied into the arena from floats or doubles). */
static const char *init_f64(builder *b, const char *name, const double *v, int64_t n)
{
    Onnx__TensorProto *t = tensor(b, name, T_DOUBLE, 1, n, 0);
    double *d = b_alloc(b, (size_t)n * sizeof *d);
    if (!t || !d)
        return NULL;
    memcpy(d, v, (size_t)n * sizeof *d);
    t->n_double_data = (size_t)n;
    t->double_data = d;
    return t->name;
}

/* int64 vector initializer (copied). */
static const char *init_i64(builder *b, const char *name, const int64_t *v, int64_t n)
{
    Onnx__TensorProto *t = tensor(b, name, T_INT64, 1, n, 0);
    int64_t *d = b_alloc(b, (size_t)n * sizeof *d);
    if (!t || !d)
        return NULL;
    memcpy(d, v, (size_t)n * sizeof *d);
    t->n_int64_data = (size_t)n;
    t->int64_data = d;
    return t->name;
}

/* The strings s[0..n) as protobuf bytes (pointing at s, which must outlive
 * the packing); NULL when out of memory. */
static ProtobufCBinaryData *bytes_of(builder *b, char *const *s, int n)
{
    ProtobufCBinaryData *d = b_alloc(b, (size_t)n * sizeof *d);
    for (int i = 0; d && i < n; i++) {
        d[i].len = strlen(s[i]);
        d[i].data = (uint8_t *)s[i];
    }
    return d;
}

/* String vector initializer; s must outlive the packing. */
static const char *init_str(builder *b, const char *name, char *const *s, int n)
{
    Onnx__TensorProto *t = tensor(b, name, T_STRING, 1, n, 0);
    ProtobufCBinaryData *d = bytes_of(b, s, n);
    if (!t || !d)
        return NULL;
    t->n_string_data = (size_t)n;
    t->string_data = d;
    return t->name;
}

/* ---- nodes --------------------------------------------------------------------- */

/* Appends node op (domain NULL: ai.onnx) reading n inputs (const char *,
 * any NULL means an earlier step ran out of memory), writing one value
 * named out.  Returns the node, NULL when out of memory. */
static Onnx__NodeProto *node(builder *b, const char *op, const char *domain, const char *out, int n,
                             ...)
{
    Onnx__NodeProto *nd = b_alloc(b, sizeof *nd);
    char **in = b_alloc(b, (size_t)n * sizeof *in);
    char **outs = b_alloc(b, sizeof *outs);
    Onnx__AttributeProto **attrs = b_alloc(b, MAX_ATTRS * sizeof *attrs);
    if (!nd || !in || !outs || !attrs || !out)
        return NULL;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        in[i] = (char *)va_arg(ap, const char *);
    va_end(ap);
    for (int i = 0; i < n; i++)
        if (!in[i])
            return NULL;
    if (b->n_node == b->cap_node) {
        b_internal(b);
        return NULL;
    }
    onnx__node_proto__init(nd);
    nd->op_type = (char *)op;
    if (domain) {
        nd->domain = (char *)domain;
        b->uses_ml = true;
    }
    nd->name = (char *)out;
    nd->n_input = (size_t)n;
    nd->input = in;
    outs[0] = (char *)out;
    nd->n_output = 1;
    nd->output = outs;
    nd->attribute = attrs;
    b->node[b->n_node++] = nd;
    return nd;
}

/* A new attribute of nd (NULL nd: out of memory earlier). */
static Onnx__AttributeProto *attr(builder *b, Onnx__NodeProto *nd, const char *name,
                                  Onnx__AttributeProto__AttributeType type)
{
    if (!nd)
        return NULL;
    Onnx__AttributeProto *a = b_alloc(b, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    a->has_type = 1;
    a->type = type;
    nd->attribute[nd->n_attribute++] = a;
    return a;
}

static void attr_int(builder *b, Onnx__NodeProto *nd, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
        a->has_i = 1;
        a->i = v;
    }
}

static void attr_float(builder *b, Onnx__NodeProto *nd, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) {
        a->has_f = 1;
        a->f = v;
    }
}

/* floats: v must outlive the packing. */
static void attr_floats(builder *b, Onnx__NodeProto *nd, const char *name, float *v, size_t n)
{
    Onnx__AttributeProto *a = attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    if (a) {
        a->n_floats = n;
        a->floats = v;
    }
}

/* strings: s must outlive the packing. */
static void attr_strings(builder *b, Onnx__NodeProto *nd, const char *name, char *const *s, int n)
{
    Onnx__AttributeProto *a = attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
    ProtobufCBinaryData *d = bytes_of(b, s, n);
    if (!a || !d)
        return;
    a->n_strings = (size_t)n;
    a->strings = d;
}

/* Shorthands for one-input and two-input nodes of ai.onnx. */
static const char *op1(builder *b, const char *op, const char *x, const char *out)
{
    return node(b, op, NULL, out, 1, x) ? out : NULL;
}

static const char *op2(builder *b, const char *op, const char *x, const char *y, const char *out)
{
    return node(b, op, NULL, out, 2, x, y) ? out : NULL;
}

static const char *cast(builder *b, const char *x, int32_t to, const char *out)
{
    Onnx__NodeProto *nd = node(b, "Cast", NULL, out, 1, x);
    attr_int(b, nd, "to", to);
    return nd ? out : NULL;
}

/* The shared constants, made on first use. */
static const char *c_one(builder *b)
{
    return b->c_one ? b->c_one : (b->c_one = init_scalar(b, "const.one", 1.0f));
}

static const char *c_flat(builder *b)
{
    static const int64_t minus_one[1] = {-1};
    return b->c_flat ? b->c_flat : (b->c_flat = init_i64(b, "const.flat_shape", minus_one, 1));
}

/* ---- graph inputs and outputs -------------------------------------------------- */

/* The type of a value: elem_type [N, d1, d2] with the dimensions < 0 left
 * out ([N] when d1 < 0). */
static Onnx__ValueInfoProto *value_type(builder *b, const char *name, int32_t elem_type, int64_t d1,
                                        int64_t d2, const char *doc)
{
    Onnx__ValueInfoProto *v = b_alloc(b, sizeof *v);
    Onnx__TypeProto *tp = b_alloc(b, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = b_alloc(b, sizeof *tt);
    Onnx__TensorShapeProto *sh = b_alloc(b, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dims = b_alloc(b, 3 * sizeof *dims);
    Onnx__TensorShapeProto__Dimension *d = b_alloc(b, 3 * sizeof *d);
    if (!v || !tp || !tt || !sh || !dims || !d || !name)
        return NULL;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i < 3; i++) {
        onnx__tensor_shape_proto__dimension__init(&d[i]);
        dims[i] = &d[i];
    }
    d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    d[0].dim_param = BATCH_DIM;
    d[1].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d[1].dim_value = d1;
    d[2].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d[2].dim_value = d2;
    sh->n_dim = d1 < 0 ? 1 : d2 < 0 ? 2 : 3;
    sh->dim = dims;
    tt->has_elem_type = 1;
    tt->elem_type = elem_type;
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    v->name = (char *)name;
    v->type = tp;
    v->doc_string = (char *)doc;
    return v;
}

/* A graph input or output: elem_type [N] (cols < 0) or [N, cols]. */
static Onnx__ValueInfoProto *value_info(builder *b, const char *name, int32_t elem_type, int64_t cols,
                                        const char *doc)
{
    return value_type(b, name, elem_type, cols, -1, doc);
}

/* Records the type of an ai.onnx.ml node's output: ONNX's shape inference
 * has none for OneHotEncoder and Imputer (1.12), and the checker's strict
 * mode needs every value typed. */
static void ml_type(builder *b, const char *name, int64_t d1, int64_t d2)
{
    if (b->n_vinfo == b->cap_vinfo) {
        b_internal(b);
        return;
    }
    Onnx__ValueInfoProto *v = value_type(b, name, T_FLOAT, d1, d2, NULL);
    if (v)
        b->vinfo[b->n_vinfo++] = v;
}

/* "a", "b" -> JSON text ["a","b"] in the arena, or NULL. */
static char *json_names(builder *b, char *const *names, int n)
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
    char *copy = text ? b_strdup(b, text) : NULL;
    free(text);
    if (!copy)
        b->oom = true;
    return copy;
}

/* ---- the model ------------------------------------------------------------------- */

/* The names of the model's numeric or categorical columns, in its order
 * (pointing into p; n receives the count). */
static char **column_names(builder *b, const ffnn_prep *p, bool categorical, int *n)
{
    char **v = b_alloc(b, ((size_t)p->n_columns + 1) * sizeof *v);
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
static const char *one_hot(builder *b, const ffnn_prep_column *col, int ci)
{
    int64_t idx = ci;
    const char *in = init_i64(b, b_printf(b, "C.%d.index", ci), &idx, 1);
    Onnx__NodeProto *g = node(b, "Gather", NULL, b_printf(b, "C.%d", ci), 2, "C", in);
    attr_int(b, g, "axis", 1);
    Onnx__NodeProto *oh =
        node(b, "OneHotEncoder", ML_DOMAIN, b_printf(b, "C.%d.onehot", ci), 1, g ? g->output[0] : NULL);
    attr_strings(b, oh, "cats_strings", col->cats, col->n_cats);
    attr_int(b, oh, "zeros", 1);
    ml_type(b, oh ? oh->output[0] : NULL, 1, col->n_cats);
    Onnx__NodeProto *fl = node(b, "Flatten", NULL, b_printf(b, "C.%d.flat", ci), 1,
                               oh ? oh->output[0] : NULL);
    attr_int(b, fl, "axis", 1);
    return cast(b, fl ? fl->output[0] : NULL, T_DOUBLE, b_printf(b, "C.%d.encoded", ci));
}

/* Graph inputs X and C, and the nodes that turn them into the network's
 * float input (N, n_features) exactly as ffnn_prep_encode does; returns its
 * name (NULL when out of memory). */
static const char *build_preprocess(builder *b, const ffnn_prep *p, Onnx__GraphProto *g)
{
    int n_num, n_cat, F = p->n_features;
    char **num = column_names(b, p, false, &n_num);
    char **cat = column_names(b, p, true, &n_cat);
    const char **pieces = b_alloc(b, ((size_t)n_cat + 1) * sizeof *pieces);
    int64_t *perm = b_alloc(b, ((size_t)F + 1) * sizeof *perm);
    double *mean = b_alloc(b, ((size_t)F + 1) * sizeof *mean);
    double *scale = b_alloc(b, ((size_t)F + 1) * sizeof *scale);
    float *zfill = b_alloc(b, ((size_t)F + 1) * sizeof *zfill);
    if (!num || !cat || !pieces || !perm || !mean || !scale || !zfill)
        return NULL;

    int n_pieces = 0;
    if (n_num > 0) {
        g->input[g->n_input++] =
            value_info(b, "X", T_DOUBLE, n_num,
                       b_printf(b, "numeric feature columns (NaN: missing), in this order: %s",
                                json_names(b, num, n_num)));
        pieces[n_pieces++] = "X";
    }
    if (n_cat > 0)
        g->input[g->n_input++] =
            value_info(b, "C", T_STRING, n_cat,
                       b_printf(b, "categorical feature columns (a category the model does not "
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
            int o = col->offset;   /* ffnn_prep_encode's arithmetic, rounded once */
            zfill[o] = (float)((col->fill - mean[o]) / scale[o]);
            impute = true;
        }
    }

    const char *x = pieces[0];
    if (n_pieces > 1) {
        Onnx__NodeProto *cc = node(b, "Concat", NULL, "features.concat", 0);
        if (cc) {
            char **in = b_alloc(b, (size_t)n_pieces * sizeof *in);
            if (!in)
                return NULL;
            for (int i = 0; i < n_pieces; i++)
                if (!(in[i] = (char *)pieces[i]))
                    return NULL;
            cc->input = in;
            cc->n_input = (size_t)n_pieces;
        }
        attr_int(b, cc, "axis", 1);
        x = cc ? cc->output[0] : NULL;
    }
    if (!identity) {
        Onnx__NodeProto *ga = node(b, "Gather", NULL, "features.ordered", 2, x,
                                   init_i64(b, "input.order", perm, F));
        attr_int(b, ga, "axis", 1);
        x = ga ? ga->output[0] : NULL;
    }
    if (standard) {
        x = op2(b, "Sub", x, init_f64(b, "input.mean", mean, F), "features.centred");
        x = op2(b, "Div", x, init_f64(b, "input.scale", scale, F), "features.standardised");
    }
    x = cast(b, x, T_FLOAT, "features");
    if (impute) {
        Onnx__NodeProto *im = node(b, "Imputer", ML_DOMAIN, "features.imputed", 1, x);
        attr_floats(b, im, "imputed_value_floats", zfill, (size_t)F);
        attr_float(b, im, "replaced_value_float", NAN);
        ml_type(b, im ? im->output[0] : NULL, F, -1);
        x = im ? im->output[0] : NULL;
    }
    return x;
}

/* The activation act applied to z (named after layer's node name). */
static const char *activation(builder *b, ffnn_act act, const char *z, const char *layer)
{
    Onnx__NodeProto *nd;
    const char *out = b_printf(b, "%s.%s", layer, ffnn_act_name(act)), *t;
    switch (act) {
    case FFNN_ACT_LINEAR: return z;
    case FFNN_ACT_RELU: return op1(b, "Relu", z, out);
    case FFNN_ACT_SIGMOID: return op1(b, "Sigmoid", z, out);
    case FFNN_ACT_TANH: return op1(b, "Tanh", z, out);
    case FFNN_ACT_SOFTMAX:
        nd = node(b, "Softmax", NULL, out, 1, z);
        attr_int(b, nd, "axis", -1);
        return nd ? out : NULL;
    case FFNN_ACT_ELU:
        nd = node(b, "Elu", NULL, out, 1, z);
        attr_float(b, nd, "alpha", (float)ELU_ALPHA);
        return nd ? out : NULL;
    case FFNN_ACT_SELU:
        nd = node(b, "Selu", NULL, out, 1, z);
        attr_float(b, nd, "alpha", (float)SELU_ALPHA);
        attr_float(b, nd, "gamma", (float)SELU_SCALE);
        return nd ? out : NULL;
    case FFNN_ACT_LEAKY_RELU:
        nd = node(b, "LeakyRelu", NULL, out, 1, z);
        attr_float(b, nd, "alpha", (float)LEAKY_SLOPE);
        return nd ? out : NULL;
    case FFNN_ACT_GELU: /* 0.5·x·(1 + erf(x/√2)); Gelu is opset 20's */
        if (!b->c_sqrt2)
            b->c_sqrt2 = init_scalar(b, "const.sqrt2", (float)sqrt(2.0));
        if (!b->c_half)
            b->c_half = init_scalar(b, "const.half", 0.5f);
        t = op2(b, "Div", z, b->c_sqrt2, b_printf(b, "%s.gelu.scaled", layer));
        t = op1(b, "Erf", t, b_printf(b, "%s.gelu.erf", layer));
        t = op2(b, "Add", t, c_one(b), b_printf(b, "%s.gelu.cdf2", layer));
        t = op2(b, "Mul", z, t, b_printf(b, "%s.gelu.x_cdf2", layer));
        return op2(b, "Mul", t, b->c_half, out);
    case FFNN_ACT_SWISH: /* x·sigmoid(x); no Swish op in opset 13 */
        t = op1(b, "Sigmoid", z, b_printf(b, "%s.swish.sigmoid", layer));
        return op2(b, "Mul", z, t, out);
    default:   /* unreachable: the loader accepts only these */
        b_internal(b);
        return NULL;
    }
}

/* Every Dense layer (Gemm with the [out][in] weights, transB) and its
 * activation; Dropout is the identity at inference and has no node. */
static const char *build_layers(builder *b, const ffnn_model *m, const char *x)
{
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        int units = m->layers[l].units;
        const char *layer = l ? b_printf(b, "dense_%d", l) : "dense";
        const char *w = init_f32(b, b_printf(b, "layers.%d.weight", l), m->params + m->w_off[l], units, in);
        const char *bias = init_f32(b, b_printf(b, "layers.%d.bias", l), m->params + m->b_off[l], units, 0);
        Onnx__NodeProto *gm = node(b, "Gemm", NULL, layer, 3, x, w, bias);
        attr_int(b, gm, "transB", 1);
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
static void build_outputs(builder *b, const ffnn_model *m, const char *y, Onnx__GraphProto *g)
{
    const ffnn_prep *p = &m->prep;
    int K = ffnn_model_n_out(m), C = p->n_classes;
    if (p->task == FFNN_TASK_REGRESSION) {
        op2(b, "Reshape", y, c_flat(b), "value");
        g->output[g->n_output++] = value_info(b, "value", T_FLOAT, -1, "the predicted value");
        return;
    }
    bool logits = m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR;
    const char *idx;
    if (K == 1) {   /* one sigmoid unit: P(classes[1]); class 1 when p > 0.5 */
        const char *q = logits ? op1(b, "Sigmoid", y, "output.sigmoid") : y;
        const char *q0 = op2(b, "Sub", c_one(b), q, "output.complement");
        Onnx__NodeProto *cc = node(b, "Concat", NULL, "probabilities", 2, q0, q);
        attr_int(b, cc, "axis", 1);
        const char *thr = init_scalar(b, "const.threshold", logits ? 0.0f : 0.5f);
        idx = op2(b, "Greater", y, thr, "output.positive");
        idx = cast(b, idx, T_INT64, "output.class_index");
        idx = op2(b, "Reshape", idx, c_flat(b), "output.class");
    } else {        /* argmax, ties to the first; softmax of logits */
        if (logits) {
            Onnx__NodeProto *sm = node(b, "Softmax", NULL, "probabilities", 1, y);
            attr_int(b, sm, "axis", -1);
        } else {
            op1(b, "Identity", y, "probabilities");
        }
        Onnx__NodeProto *am = node(b, "ArgMax", NULL, "output.class", 1, y);
        attr_int(b, am, "axis", 1);
        attr_int(b, am, "keepdims", 0);
        idx = am ? "output.class" : NULL;
    }
    int64_t *ints = b_alloc(b, ((size_t)C + 1) * sizeof *ints);
    bool as_int = ints && integer_classes(p, ints);
    const char *classes = as_int ? init_i64(b, "classes", ints, C) : init_str(b, "classes", p->classes, C);
    Onnx__NodeProto *ga = node(b, "Gather", NULL, "label", 2, classes, idx);
    attr_int(b, ga, "axis", 0);
    g->output[g->n_output++] =
        value_info(b, "label", as_int ? T_INT64 : T_STRING, -1, "the predicted class");
    g->output[g->n_output++] =
        value_info(b, "probabilities", T_FLOAT, C, "the probability of each class, in the order of the classes metadata");
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

/* metadata_props entry. */
static Onnx__StringStringEntryProto *meta(builder *b, const char *key, const char *value)
{
    Onnx__StringStringEntryProto *e = b_alloc(b, sizeof *e);
    if (!e || !value)
        return NULL;
    onnx__string_string_entry_proto__init(e);
    e->key = (char *)key;
    e->value = (char *)value;
    return e;
}

/* The model's metadata_props: names as JSON arrays (a name may hold a
 * comma). */
static void build_metadata(builder *b, const ffnn_prep *p, const char *sha, Onnx__ModelProto *mp)
{
    Onnx__StringStringEntryProto **props = b_alloc(b, 8 * sizeof *props);
    char **names = b_alloc(b, ((size_t)p->n_columns + 1) * sizeof *names);
    int n_num, n_cat, n = 0;
    char **num = column_names(b, p, false, &n_num), **cat = column_names(b, p, true, &n_cat);
    if (!props || !names || !num || !cat)
        return;
    for (int c = 0; c < p->n_columns; c++)
        names[c] = p->columns[c].name;
    props[n++] = meta(b, "ffnn.version", FFNN_VERSION);
    props[n++] = meta(b, "ffnn.sha256", b_strdup(b, sha));
    props[n++] = meta(b, "ffnn.task", ffnn_task_name(p->task));
    props[n++] = meta(b, "ffnn.target", p->target ? p->target : "");
    props[n++] = meta(b, "ffnn.features", json_names(b, names, p->n_columns));
    props[n++] = meta(b, "ffnn.numeric_features", json_names(b, num, n_num));
    props[n++] = meta(b, "ffnn.categorical_features", json_names(b, cat, n_cat));
    if (p->task != FFNN_TASK_REGRESSION)
        props[n++] = meta(b, "ffnn.classes", json_names(b, p->classes, p->n_classes));
    for (int i = 0; i < n; i++)
        if (!props[i])
            b->oom = true;
    mp->metadata_props = props;
    mp->n_metadata_props = (size_t)n;
}

static Onnx__OperatorSetIdProto *opset(builder *b, const char *domain, int64_t version)
{
    Onnx__OperatorSetIdProto *o = b_alloc(b, sizeof *o);
    if (!o)
        return NULL;
    onnx__operator_set_id_proto__init(o);
    o->domain = (char *)domain;
    o->has_version = 1;
    o->version = version;
    return o;
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

    builder b;
    memset(&b, 0, sizeof b);
    graph_capacity(m, &b.cap_node, &b.cap_init);
    b.cap_vinfo = b.cap_init;
    b.node = b_alloc(&b, b.cap_node * sizeof *b.node);
    b.init = b_alloc(&b, b.cap_init * sizeof *b.init);
    b.vinfo = b_alloc(&b, b.cap_vinfo * sizeof *b.vinfo);
    Onnx__GraphProto *g = b_alloc(&b, sizeof *g);
    Onnx__ModelProto *mp = b_alloc(&b, sizeof *mp);
    Onnx__ValueInfoProto **ios = b_alloc(&b, 4 * sizeof *ios);
    Onnx__OperatorSetIdProto **opsets = b_alloc(&b, 2 * sizeof *opsets);
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
    opsets[0] = opset(&b, "", FFNN_ONNX_OPSET);
    if (b.uses_ml)
        opsets[1] = opset(&b, ML_DOMAIN, FFNN_ONNX_ML_OPSET);
    mp->opset_import = opsets;
    mp->n_opset_import = b.uses_ml ? 2 : 1;
    mp->producer_name = "ffnn";
    mp->producer_version = FFNN_VERSION;
    mp->doc_string = b_printf(&b, "ffnn %s model of \"%s\" (ffnn-export)", ffnn_task_name(p->task),
                              p->target ? p->target : "");
    mp->graph = g;
    if (b.internal) {
        b_release(&b);
        return ffnn_error_set(err, FFNN_EINTERNAL, "export: graph capacity or activation out of range");
    }
    if (b.oom)
        goto nomem;

    size_t size = onnx__model_proto__get_packed_size(mp);
    if (!(*buf = malloc(size ? size : 1)))
        goto nomem;
    *len = onnx__model_proto__pack(mp, *buf);
    b_release(&b);
    return FFNN_OK;
nomem:
    b_release(&b);
    return ffnn_error_nomem(err);
}
