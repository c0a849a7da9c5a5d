/* ffnn — ONNX graph building over protobuf-c (see onnx_graph.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "onnx_graph.h"

#define BATCH_DIM   "N"   /* the symbolic batch dimension */
#define GRAPH_CHUNK 65536 /* arena chunk size */
#define MAX_ATTRS   4     /* attributes per node, at most */

struct ffnn_og_chunk {
    struct ffnn_og_chunk *next;
    size_t used, cap;
    max_align_t mem[];
};

/* ---- the arena -------------------------------------------------------------- */

/* n zeroed bytes from the arena, or NULL (b->oom set) when out of memory. */
void *ffnn_og_alloc(ffnn_og *b, size_t n)
{
    if (b->oom)
        return NULL;
    size_t a = sizeof(max_align_t);
    if (n > SIZE_MAX - a - sizeof(struct ffnn_og_chunk)) {
        b->oom = true;
        return NULL;
    }
    n = (n + a - 1) / a * a;
    struct ffnn_og_chunk *c = b->chunks;
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
void ffnn_og_internal(ffnn_og *b)
{
    b->internal = true;
    b->oom = true;
}

void ffnn_og_release(ffnn_og *b)
{
    while (b->chunks) {
        struct ffnn_og_chunk *next = b->chunks->next;
        free(b->chunks);
        b->chunks = next;
    }
}

/* A copy of s; NULL when out of memory or when s is NULL (an earlier step
 * ran out of memory). */
char *ffnn_og_strdup(ffnn_og *b, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = ffnn_og_alloc(b, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *ffnn_og_printf(ffnn_og *b, const char *fmt, ...)
{
    if (b->oom) /* a %s argument may be the NULL of the failed step */
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? ffnn_og_alloc(b, (size_t)n + 1) : NULL;
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
static Onnx__TensorProto *og_tensor(ffnn_og *b, const char *name, int32_t type, int rank,
                                    int64_t d0, int64_t d1)
{
    Onnx__TensorProto *t = ffnn_og_alloc(b, sizeof *t);
    int64_t *dims = ffnn_og_alloc(b, 2 * sizeof *dims);
    char *nm = ffnn_og_strdup(b, name);
    if (!t || !dims || !nm)
        return NULL;
    if (b->n_init == b->cap_init) { /* the caller sized cap_init */
        ffnn_og_internal(b);
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
const char *ffnn_og_init_f32(ffnn_og *b, const char *name, const float *v, int64_t n0, int64_t n1)
{
    int rank = n0 < 0 ? 0 : n1 > 0 ? 2 : 1;
    Onnx__TensorProto *t = og_tensor(b, name, FFNN_OG_FLOAT, rank, n0, n1);
    if (!t)
        return NULL;
    t->n_float_data = (size_t)(rank == 0 ? 1 : n1 > 0 ? n0 * n1 : n0);
    t->float_data = (float *)v;
    return t->name;
}

/* A float scalar constant (copied into the arena). */
const char *ffnn_og_init_scalar(ffnn_og *b, const char *name, float v)
{
    float *p = ffnn_og_alloc(b, sizeof *p);
    if (!p)
        return NULL;
    *p = v;
    return ffnn_og_init_f32(b, name, p, -1, 0);
}

/* Double vector initializer (copied into the arena from floats or doubles). */
const char *ffnn_og_init_f64(ffnn_og *b, const char *name, const double *v, int64_t n)
{
    Onnx__TensorProto *t = og_tensor(b, name, FFNN_OG_DOUBLE, 1, n, 0);
    double *d = ffnn_og_alloc(b, (size_t)n * sizeof *d);
    if (!t || !d)
        return NULL;
    memcpy(d, v, (size_t)n * sizeof *d);
    t->n_double_data = (size_t)n;
    t->double_data = d;
    return t->name;
}

/* int64 vector initializer (copied). */
const char *ffnn_og_init_i64(ffnn_og *b, const char *name, const int64_t *v, int64_t n)
{
    Onnx__TensorProto *t = og_tensor(b, name, FFNN_OG_INT64, 1, n, 0);
    int64_t *d = ffnn_og_alloc(b, (size_t)n * sizeof *d);
    if (!t || !d)
        return NULL;
    memcpy(d, v, (size_t)n * sizeof *d);
    t->n_int64_data = (size_t)n;
    t->int64_data = d;
    return t->name;
}

/* The strings s[0..n) as protobuf bytes (pointing at s, which must outlive
 * the packing); NULL when out of memory. */
static ProtobufCBinaryData *og_bytes(ffnn_og *b, char *const *s, int n)
{
    ProtobufCBinaryData *d = ffnn_og_alloc(b, (size_t)n * sizeof *d);
    for (int i = 0; d && i < n; i++) {
        d[i].len = strlen(s[i]);
        d[i].data = (uint8_t *)s[i];
    }
    return d;
}

/* String vector initializer; s must outlive the packing. */
const char *ffnn_og_init_str(ffnn_og *b, const char *name, char *const *s, int n)
{
    Onnx__TensorProto *t = og_tensor(b, name, FFNN_OG_STRING, 1, n, 0);
    ProtobufCBinaryData *d = og_bytes(b, s, n);
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
Onnx__NodeProto *ffnn_og_node(ffnn_og *b, const char *op, const char *domain, const char *out,
                              int n, ...)
{
    Onnx__NodeProto *nd = ffnn_og_alloc(b, sizeof *nd);
    char **in = ffnn_og_alloc(b, (size_t)n * sizeof *in);
    char **outs = ffnn_og_alloc(b, sizeof *outs);
    Onnx__AttributeProto **attrs = ffnn_og_alloc(b, MAX_ATTRS * sizeof *attrs);
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
        ffnn_og_internal(b);
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
static Onnx__AttributeProto *og_attr(ffnn_og *b, Onnx__NodeProto *nd, const char *name,
                                     Onnx__AttributeProto__AttributeType type)
{
    if (!nd)
        return NULL;
    Onnx__AttributeProto *a = ffnn_og_alloc(b, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    a->has_type = 1;
    a->type = type;
    nd->attribute[nd->n_attribute++] = a;
    return a;
}

void ffnn_og_attr_int(ffnn_og *b, Onnx__NodeProto *nd, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = og_attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
        a->has_i = 1;
        a->i = v;
    }
}

void ffnn_og_attr_float(ffnn_og *b, Onnx__NodeProto *nd, const char *name, float v)
{
    Onnx__AttributeProto *a = og_attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) {
        a->has_f = 1;
        a->f = v;
    }
}

/* floats: v must outlive the packing. */
void ffnn_og_attr_floats(ffnn_og *b, Onnx__NodeProto *nd, const char *name, float *v, size_t n)
{
    Onnx__AttributeProto *a = og_attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    if (a) {
        a->n_floats = n;
        a->floats = v;
    }
}

/* strings: s must outlive the packing. */
void ffnn_og_attr_strings(ffnn_og *b, Onnx__NodeProto *nd, const char *name, char *const *s, int n)
{
    Onnx__AttributeProto *a = og_attr(b, nd, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
    ProtobufCBinaryData *d = og_bytes(b, s, n);
    if (!a || !d)
        return;
    a->n_strings = (size_t)n;
    a->strings = d;
}

/* Shorthands for one-input and two-input nodes of ai.onnx. */
const char *ffnn_og_op1(ffnn_og *b, const char *op, const char *x, const char *out)
{
    return ffnn_og_node(b, op, NULL, out, 1, x) ? out : NULL;
}

const char *ffnn_og_op2(ffnn_og *b, const char *op, const char *x, const char *y, const char *out)
{
    return ffnn_og_node(b, op, NULL, out, 2, x, y) ? out : NULL;
}

const char *ffnn_og_cast(ffnn_og *b, const char *x, int32_t to, const char *out)
{
    Onnx__NodeProto *nd = ffnn_og_node(b, "Cast", NULL, out, 1, x);
    ffnn_og_attr_int(b, nd, "to", to);
    return nd ? out : NULL;
}

/* The shared constants, made on first use. */
const char *ffnn_og_one(ffnn_og *b)
{
    return b->c_one ? b->c_one : (b->c_one = ffnn_og_init_scalar(b, "const.one", 1.0f));
}

const char *ffnn_og_flat_shape(ffnn_og *b)
{
    static const int64_t minus_one[1] = {-1};
    return b->c_flat ? b->c_flat
                     : (b->c_flat = ffnn_og_init_i64(b, "const.flat_shape", minus_one, 1));
}

/* ---- graph inputs and outputs -------------------------------------------------- */

/* The type of a value: elem_type [N, d1, d2] with the dimensions < 0 left
 * out ([N] when d1 < 0). */
static Onnx__ValueInfoProto *og_value_type(ffnn_og *b, const char *name, int32_t elem_type,
                                           int64_t d1, int64_t d2, const char *doc)
{
    Onnx__ValueInfoProto *v = ffnn_og_alloc(b, sizeof *v);
    Onnx__TypeProto *tp = ffnn_og_alloc(b, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = ffnn_og_alloc(b, sizeof *tt);
    Onnx__TensorShapeProto *sh = ffnn_og_alloc(b, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dims = ffnn_og_alloc(b, 3 * sizeof *dims);
    Onnx__TensorShapeProto__Dimension *d = ffnn_og_alloc(b, 3 * sizeof *d);
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
Onnx__ValueInfoProto *ffnn_og_value_info(ffnn_og *b, const char *name, int32_t elem_type,
                                         int64_t cols, const char *doc)
{
    return og_value_type(b, name, elem_type, cols, -1, doc);
}

/* Records the type of an ai.onnx.ml node's output: ONNX's shape inference
 * has none for OneHotEncoder and Imputer (1.12), and the checker's strict
 * mode needs every value typed. */
void ffnn_og_value_type(ffnn_og *b, const char *name, int64_t d1, int64_t d2)
{
    if (b->n_vinfo == b->cap_vinfo) {
        ffnn_og_internal(b);
        return;
    }
    Onnx__ValueInfoProto *v = og_value_type(b, name, FFNN_OG_FLOAT, d1, d2, NULL);
    if (v)
        b->vinfo[b->n_vinfo++] = v;
}

/* metadata_props entry. */
Onnx__StringStringEntryProto *ffnn_og_meta(ffnn_og *b, const char *key, const char *value)
{
    Onnx__StringStringEntryProto *e = ffnn_og_alloc(b, sizeof *e);
    if (!e || !value)
        return NULL;
    onnx__string_string_entry_proto__init(e);
    e->key = (char *)key;
    e->value = (char *)value;
    return e;
}

/* An opset_import entry. */
Onnx__OperatorSetIdProto *ffnn_og_opset(ffnn_og *b, const char *domain, int64_t version)
{
    Onnx__OperatorSetIdProto *o = ffnn_og_alloc(b, sizeof *o);
    if (!o)
        return NULL;
    onnx__operator_set_id_proto__init(o);
    o->domain = (char *)domain;
    o->has_version = 1;
    o->version = version;
    return o;
}
