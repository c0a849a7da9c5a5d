/* ffnn — building an ONNX graph from the protobuf-c messages of Debian's
 * onnx.proto (C generated at build time into build/gen).  Private to lib/;
 * export_onnx.c builds an ffnn model's graph with it.
 *
 * Every message, array and string lives in one arena, freed by
 * ffnn_og_release once the model is packed; tensor data and strings handed
 * in by pointer must outlive the packing.  Running out of memory sets
 * b->oom, after which every helper returns NULL (or does nothing) and a
 * NULL name passed in is taken as that earlier failure, so a builder reads
 * as straight-line code and checks once, at the end.
 */
#ifndef FFNN_ONNX_GRAPH_H
#define FFNN_ONNX_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <onnx/onnx.pb-c.h>

/* Tensor element types used (TensorProto.DataType). */
enum {
    FFNN_OG_FLOAT = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
    FFNN_OG_DOUBLE = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE,
    FFNN_OG_INT64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
    FFNN_OG_STRING = ONNX__TENSOR_PROTO__DATA_TYPE__STRING,
};

struct ffnn_og_chunk;

/* A graph under construction.  Zero it, set the capacities and allocate
 * node, init and vinfo with ffnn_og_alloc; exceeding a capacity is a bug
 * (internal, and oom to stop the build). */
typedef struct {
    struct ffnn_og_chunk *chunks;
    bool oom;      /* stop building: out of memory, or internal */
    bool internal; /* a bug: a capacity exceeded, an unknown case */
    bool uses_ml;  /* a node of another domain (ai.onnx.ml) was added */
    Onnx__NodeProto **node;
    size_t n_node, cap_node;
    Onnx__TensorProto **init;
    size_t n_init, cap_init;
    Onnx__ValueInfoProto **vinfo; /* types recorded by ffnn_og_value_type */
    size_t n_vinfo, cap_vinfo;
    const char *c_one, *c_half, *c_sqrt2, *c_flat; /* shared constants, made once */
} ffnn_og;

/* n zeroed bytes from the arena; NULL (oom set) when out of memory. */
void *ffnn_og_alloc(ffnn_og *b, size_t n);
/* Marks a bug: internal and oom set. */
void ffnn_og_internal(ffnn_og *b);
/* Frees the arena (everything allocated from b). */
void ffnn_og_release(ffnn_og *b);
/* Arena copy of s; NULL when out of memory or s is NULL. */
char *ffnn_og_strdup(ffnn_og *b, const char *s);
/* Arena sprintf; NULL once oom is set (a %s argument may be its NULL). */
char *ffnn_og_printf(ffnn_og *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Initializers: each returns the tensor's name (for node inputs), NULL on
 * failure.  f32: n0 values, n0 x n1 when n1 > 0, one value (rank 0) when
 * n0 < 0, v not copied; scalar, f64 and i64 copy their values; str points
 * at s. */
const char *ffnn_og_init_f32(ffnn_og *b, const char *name, const float *v, int64_t n0, int64_t n1);
const char *ffnn_og_init_scalar(ffnn_og *b, const char *name, float v);
const char *ffnn_og_init_f64(ffnn_og *b, const char *name, const double *v, int64_t n);
const char *ffnn_og_init_i64(ffnn_og *b, const char *name, const int64_t *v, int64_t n);
const char *ffnn_og_init_str(ffnn_og *b, const char *name, char *const *s, int n);

/* Appends a node op (domain NULL: ai.onnx) reading the n names that follow
 * (const char *) and writing one value named out (also the node's name);
 * the node, for attributes, or NULL. */
Onnx__NodeProto *ffnn_og_node(ffnn_og *b, const char *op, const char *domain, const char *out,
                              int n, ...);
/* Attributes of nd (NULL nd: nothing); floats and strings not copied. */
void ffnn_og_attr_int(ffnn_og *b, Onnx__NodeProto *nd, const char *name, int64_t v);
void ffnn_og_attr_float(ffnn_og *b, Onnx__NodeProto *nd, const char *name, float v);
void ffnn_og_attr_floats(ffnn_og *b, Onnx__NodeProto *nd, const char *name, float *v, size_t n);
void ffnn_og_attr_strings(ffnn_og *b, Onnx__NodeProto *nd, const char *name, char *const *s, int n);
/* One- and two-input ai.onnx nodes, and Cast to a type; each returns out. */
const char *ffnn_og_op1(ffnn_og *b, const char *op, const char *x, const char *out);
const char *ffnn_og_op2(ffnn_og *b, const char *op, const char *x, const char *y, const char *out);
const char *ffnn_og_cast(ffnn_og *b, const char *x, int32_t to, const char *out);
/* Shared constants: the float scalar 1, the Reshape shape [-1]. */
const char *ffnn_og_one(ffnn_og *b);
const char *ffnn_og_flat_shape(ffnn_og *b);

/* A graph input or output: elem_type [N] (cols < 0) or [N, cols], N the
 * free batch dimension. */
Onnx__ValueInfoProto *ffnn_og_value_info(ffnn_og *b, const char *name, int32_t elem_type,
                                         int64_t cols, const char *doc);
/* Records an inner value's type, float [N, d1] or [N, d1, d2], for the
 * ops ONNX's shape inference cannot type (the checker's strict mode needs
 * every value typed). */
void ffnn_og_value_type(ffnn_og *b, const char *name, int64_t d1, int64_t d2);
/* A metadata_props entry (NULL value: failure). */
Onnx__StringStringEntryProto *ffnn_og_meta(ffnn_og *b, const char *key, const char *value);
/* An opset_import entry. */
Onnx__OperatorSetIdProto *ffnn_og_opset(ffnn_og *b, const char *domain, int64_t version);

#endif
