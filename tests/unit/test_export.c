/* export: the ONNX graph, read back with protobuf-c (the same generated
 * onnx.proto code) and checked against the model it came from.  That ONNX
 * Runtime computes ffnn-predict's outputs from it is tests/cli/test_export.sh's
 * part. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <onnx/onnx.pb-c.h>
#include "ffnn/export.h"
#include "ffnn/model_io.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* Rows with a categorical column between two numeric ones, a missing value
 * in each kind, and string classes. */
static const char MIXED_CSV[] =
    "x,colour,y,species\n"
    "1.5,red,10,a\n2.0,blue,12,b\n,red,9,c\n3.5,green,NA,a\n"
    "0.5,blue,11,b\n2.5,,13,c\n1.0,green,8,a\n4.0,red,14,b\n";

/* A model of csv (prep fitted with impute, then the architecture of
 * hidden/acts, output from the task) with seeded random weights. */
static ffnn_model *fit_model(const char *csv, bool impute, int n_hidden, const ffnn_act *acts)
{
    ffnn_error err;
    ffnn_table t;
    FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(ffnn_table_read(&t, fp, "mem.csv", false, &err), FFNN_OK);
    fclose(fp);
    ffnn_prep_options opt = ffnn_prep_options_default();
    opt.impute = impute ? FFNN_IMPUTE_MEAN : FFNN_IMPUTE_NONE;
    ffnn_prep p;
    ffnn_status st = ffnn_prep_fit(&p, &t, &opt, &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    ffnn_arch_spec spec = ffnn_arch_spec_default();
    spec.n_hidden = n_hidden;
    for (int i = 0; i < n_hidden; i++) {
        spec.hidden[i].units = 3 + i;
        spec.hidden[i].activation = acts[i];
        spec.hidden[i].dropout = 0.25f;
    }
    ffnn_model *m;
    ck_assert_int_eq(ffnn_model_create(&m, &spec, &p, &err), FFNN_OK);
    ffnn_rng rng;
    ffnn_rng_init(&rng, 7, 0, 0);
    ffnn_model_init(m, &rng);
    for (int l = 0; l < m->n_layers; l++)   /* non-zero biases */
        for (int j = 0; j < m->layers[l].units; j++)
            m->params[m->b_off[l] + (size_t)j] = 0.01f * (float)(j + 1);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);
    return m;
}

static Onnx__ModelProto *export_unpack(const ffnn_model *m)
{
    unsigned char *buf;
    size_t len;
    ffnn_error err;
    ffnn_status st = ffnn_export_serialize(m, FFNN_EXPORT_ONNX, &buf, &len, &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    ck_assert_ptr_nonnull(mp);
    free(buf);
    return mp;
}

static const char *meta(const Onnx__ModelProto *mp, const char *key)
{
    for (size_t i = 0; i < mp->n_metadata_props; i++)
        if (strcmp(mp->metadata_props[i]->key, key) == 0)
            return mp->metadata_props[i]->value;
    return NULL;
}

static const Onnx__TensorProto *init(const Onnx__ModelProto *mp, const char *name)
{
    for (size_t i = 0; i < mp->graph->n_initializer; i++)
        if (strcmp(mp->graph->initializer[i]->name, name) == 0)
            return mp->graph->initializer[i];
    ck_abort_msg("no initializer %s", name);
    return NULL;
}

/* The n-th node (0-based) of type op, or NULL. */
static const Onnx__NodeProto *node(const Onnx__ModelProto *mp, const char *op, int n)
{
    for (size_t i = 0; i < mp->graph->n_node; i++)
        if (strcmp(mp->graph->node[i]->op_type, op) == 0 && n-- == 0)
            return mp->graph->node[i];
    return NULL;
}

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *nd, const char *name)
{
    for (size_t i = 0; i < nd->n_attribute; i++)
        if (strcmp(nd->attribute[i]->name, name) == 0)
            return nd->attribute[i];
    ck_abort_msg("%s has no attribute %s", nd->op_type, name);
    return NULL;
}

/* elem_type and dims ("N" as -1) of a graph input or output. */
static void check_io(const Onnx__ValueInfoProto *v, const char *name, int32_t type, int rank, int64_t d1)
{
    ck_assert_str_eq(v->name, name);
    const Onnx__TypeProto__Tensor *t = v->type->tensor_type;
    ck_assert_int_eq(t->elem_type, type);
    ck_assert_int_eq((int)t->shape->n_dim, rank);
    ck_assert_str_eq(t->shape->dim[0]->dim_param, "N");
    if (rank == 2)
        ck_assert_int_eq(t->shape->dim[1]->dim_value, d1);
}

START_TEST(test_format_names)
{
    ck_assert_int_eq(ffnn_export_format_parse("onnx"), FFNN_EXPORT_ONNX);
    ck_assert_int_eq(ffnn_export_format_parse("ONNX"), -1);
    ck_assert_int_eq(ffnn_export_format_parse(NULL), -1);
    ck_assert_str_eq(ffnn_export_format_name(FFNN_EXPORT_ONNX), "onnx");
    ck_assert_str_eq(ffnn_export_format_name(FFNN_EXPORT_COUNT), "?");
}
END_TEST

/* Categorical column in the middle, imputation, string classes: inputs,
 * the order of the encoded features, the standardised fill values, the
 * weights, Dropout absent, outputs and metadata. */
START_TEST(test_mixed_model)
{
    ffnn_act acts[1] = {FFNN_ACT_RELU};
    ffnn_model *m = fit_model(MIXED_CSV, true, 1, acts);
    const ffnn_prep *p = &m->prep;
    ck_assert_int_eq(p->n_features, 5);   /* x, blue, green, red, y */
    Onnx__ModelProto *mp = export_unpack(m);

    ck_assert_int_eq(mp->ir_version, 7);
    ck_assert_int_eq((int)mp->n_opset_import, 2);
    ck_assert_str_eq(mp->opset_import[0]->domain, "");
    ck_assert_int_eq(mp->opset_import[0]->version, 13);
    ck_assert_str_eq(mp->opset_import[1]->domain, "ai.onnx.ml");
    ck_assert_int_eq(mp->opset_import[1]->version, 2);
    ck_assert_str_eq(mp->producer_name, "ffnn");
    ck_assert_str_eq(mp->producer_version, FFNN_VERSION);

    const Onnx__GraphProto *g = mp->graph;
    ck_assert_int_eq((int)g->n_input, 2);
    check_io(g->input[0], "X", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 2, 2);
    check_io(g->input[1], "C", ONNX__TENSOR_PROTO__DATA_TYPE__STRING, 2, 1);
    ck_assert_int_eq((int)g->n_output, 2);
    check_io(g->output[0], "label", ONNX__TENSOR_PROTO__DATA_TYPE__STRING, 1, 0);
    check_io(g->output[1], "probabilities", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, 3);

    /* One-hot of colour with its sorted categories. */
    const Onnx__NodeProto *oh = node(mp, "OneHotEncoder", 0);
    ck_assert_ptr_nonnull(oh);
    ck_assert_str_eq(oh->domain, "ai.onnx.ml");
    ck_assert_ptr_null(node(mp, "OneHotEncoder", 1));
    const Onnx__AttributeProto *cats = attr(oh, "cats_strings");
    ck_assert_int_eq((int)cats->n_strings, 3);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(memcmp(cats->strings[k].data, p->columns[1].cats[k], cats->strings[k].len), 0);
    ck_assert_int_eq(attr(oh, "zeros")->i, 1);

    /* Concat order [x, y, blue, green, red] -> model order [x, blue, green, red, y]. */
    const Onnx__TensorProto *order = init(mp, "input.order");
    static const int64_t want_order[5] = {0, 2, 3, 4, 1};
    ck_assert_int_eq((int)order->n_int64_data, 5);
    for (int f = 0; f < 5; f++)
        ck_assert_int_eq(order->int64_data[f], want_order[f]);

    /* Standardisation in double from the stored floats; the imputer's
     * values are ffnn_prep_encode's for a missing value, rounded once. */
    const Onnx__TensorProto *mean = init(mp, "input.mean"), *scale = init(mp, "input.scale");
    ck_assert_int_eq(mean->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
    for (int f = 0; f < 5; f++) {
        ck_assert(mean->double_data[f] == (double)p->mean[f]);
        ck_assert(scale->double_data[f] == (double)p->scale[f]);
    }
    const Onnx__NodeProto *im = node(mp, "Imputer", 0);
    ck_assert_ptr_nonnull(im);
    ck_assert(isnan(attr(im, "replaced_value_float")->f));
    const Onnx__AttributeProto *fill = attr(im, "imputed_value_floats");
    ck_assert_int_eq((int)fill->n_floats, 5);
    for (int c = 0; c < p->n_columns; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        if (col->categorical)
            continue;
        int o = col->offset;
        float want = (float)((col->fill - p->mean[o]) / p->scale[o]);
        ck_assert(fill->floats[o] == want);
    }
    ck_assert_double_eq(p->columns[0].fill, 15.0 / 7.0);   /* mean of the 7 x values */

    /* Dense layers as Gemm with the model's weights; no Dropout. */
    ck_assert_ptr_null(node(mp, "Dropout", 0));
    ck_assert_ptr_nonnull(node(mp, "Gemm", 1));
    ck_assert_ptr_null(node(mp, "Gemm", 2));
    ck_assert_int_eq(attr(node(mp, "Gemm", 0), "transB")->i, 1);
    for (int l = 0; l < 2; l++) {
        char name[32];
        snprintf(name, sizeof name, "layers.%d.weight", l);
        const Onnx__TensorProto *w = init(mp, name);
        ck_assert_int_eq(w->dims[0], m->layers[l].units);
        ck_assert_int_eq(memcmp(w->float_data, m->params + m->w_off[l], w->n_float_data * sizeof(float)), 0);
        snprintf(name, sizeof name, "layers.%d.bias", l);
        const Onnx__TensorProto *b = init(mp, name);
        ck_assert_int_eq(memcmp(b->float_data, m->params + m->b_off[l], b->n_float_data * sizeof(float)), 0);
    }
    ck_assert_ptr_nonnull(node(mp, "Relu", 0));
    ck_assert_ptr_nonnull(node(mp, "ArgMax", 0));

    /* Metadata. */
    char sha[65];
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_sha256(m, sha, &err), FFNN_OK);
    ck_assert_str_eq(meta(mp, "ffnn.sha256"), sha);
    ck_assert_str_eq(meta(mp, "ffnn.version"), FFNN_VERSION);
    ck_assert_str_eq(meta(mp, "ffnn.task"), "multiclass");
    ck_assert_str_eq(meta(mp, "ffnn.target"), "species");
    ck_assert_str_eq(meta(mp, "ffnn.features"), "[\"x\",\"colour\",\"y\"]");
    ck_assert_str_eq(meta(mp, "ffnn.numeric_features"), "[\"x\",\"y\"]");
    ck_assert_str_eq(meta(mp, "ffnn.categorical_features"), "[\"colour\"]");
    ck_assert_str_eq(meta(mp, "ffnn.classes"), "[\"a\",\"b\",\"c\"]");
    const Onnx__TensorProto *classes = init(mp, "classes");
    ck_assert_int_eq((int)classes->n_string_data, 3);
    onnx__model_proto__free_unpacked(mp, NULL);
    ffnn_model_destroy(m);
}
END_TEST

/* ffnn_model_sha256 is the checksum the model file carries, before and
 * after a save and load. */
START_TEST(test_sha256_is_the_files)
{
    ffnn_act acts[1] = {FFNN_ACT_TANH};
    ffnn_model *m = fit_model(MIXED_CSV, true, 1, acts), *back;
    unsigned char *buf;
    size_t len;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_serialize(m, &buf, &len, &err), FFNN_OK);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    cJSON *hdr = cJSON_ParseWithLength((const char *)buf + 8, (size_t)n);
    ck_assert_ptr_nonnull(hdr);
    const char *want = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(hdr, "__metadata__"), "ffnn.sha256")->valuestring;
    char sha[65];
    ck_assert_int_eq(ffnn_model_sha256(m, sha, &err), FFNN_OK);
    ck_assert_str_eq(sha, want);
    ck_assert_int_eq(ffnn_model_deserialize(&back, buf, len, "m.ffnn", &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_sha256(back, sha, &err), FFNN_OK);
    ck_assert_str_eq(sha, want);
    cJSON_Delete(hdr);
    free(buf);
    ffnn_model_destroy(back);
    ffnn_model_destroy(m);
}
END_TEST

/* Same model, same bytes. */
START_TEST(test_deterministic)
{
    ffnn_act acts[2] = {FFNN_ACT_GELU, FFNN_ACT_SWISH};
    ffnn_model *m = fit_model(MIXED_CSV, true, 2, acts);
    unsigned char *a, *b;
    size_t la, lb;
    ffnn_error err;
    ck_assert_int_eq(ffnn_export_onnx(m, &a, &la, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_export_onnx(m, &b, &lb, &err), FFNN_OK);
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(memcmp(a, b, la), 0);
    free(a);
    free(b);
    ffnn_model_destroy(m);
}
END_TEST

/* Every activation: its node(s), with Keras's constants. */
START_TEST(test_activations)
{
    ffnn_act acts[9] = {FFNN_ACT_RELU, FFNN_ACT_SIGMOID, FFNN_ACT_TANH, FFNN_ACT_SOFTMAX, FFNN_ACT_ELU,
                        FFNN_ACT_SELU, FFNN_ACT_GELU, FFNN_ACT_LEAKY_RELU, FFNN_ACT_SWISH};
    ffnn_model *m = fit_model(MIXED_CSV, true, 9, acts);
    Onnx__ModelProto *mp = export_unpack(m);
    static const char *const ops[] = {"Relu", "Tanh", "Elu", "Selu", "Erf", "LeakyRelu"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        ck_assert_msg(node(mp, ops[i], 0) && !node(mp, ops[i], 1), "one %s", ops[i]);
    ck_assert_ptr_nonnull(node(mp, "Sigmoid", 1));   /* sigmoid and swish's */
    ck_assert_ptr_nonnull(node(mp, "Softmax", 1));   /* the hidden one and the output */
    ck_assert(attr(node(mp, "Selu", 0), "alpha")->f == 1.67326324f);
    ck_assert(attr(node(mp, "Selu", 0), "gamma")->f == 1.05070098f);
    ck_assert(attr(node(mp, "LeakyRelu", 0), "alpha")->f == 0.2f);
    ck_assert(attr(node(mp, "Elu", 0), "alpha")->f == 1.0f);
    ck_assert_int_eq(attr(node(mp, "Softmax", 0), "axis")->i, -1);
    onnx__model_proto__free_unpacked(mp, NULL);
    ffnn_model_destroy(m);
}
END_TEST

/* Integer class names give an int64 label; a one-unit sigmoid output its
 * complement and a 0.5 threshold; regression a value [N]. */
START_TEST(test_outputs)
{
    static const char binary[] = "a,b,t\n1,2,0\n2,1,1\n3,5,0\n4,4,1\n5,1,0\n6,0,1\n";
    ffnn_act acts[1] = {FFNN_ACT_RELU};
    ffnn_model *m = fit_model(binary, false, 1, acts);
    ck_assert_int_eq(ffnn_model_n_out(m), 1);
    Onnx__ModelProto *mp = export_unpack(m);
    ck_assert_int_eq((int)mp->n_opset_import, 1);   /* no ai.onnx.ml node */
    ck_assert_int_eq((int)mp->graph->n_input, 1);
    check_io(mp->graph->output[0], "label", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, 0);
    check_io(mp->graph->output[1], "probabilities", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, 2);
    const Onnx__TensorProto *classes = init(mp, "classes");
    ck_assert_int_eq((int)classes->n_int64_data, 2);
    ck_assert_int_eq(classes->int64_data[0], 0);
    ck_assert_int_eq(classes->int64_data[1], 1);
    ck_assert(init(mp, "const.threshold")->float_data[0] == 0.5f);
    ck_assert_ptr_nonnull(node(mp, "Greater", 0));
    ck_assert_ptr_null(node(mp, "ArgMax", 0));
    onnx__model_proto__free_unpacked(mp, NULL);
    ffnn_model_destroy(m);

    static const char reg[] = "a,b,t\n1,2,0.5\n2,1,1.5\n3,5,0.25\n4,4,1e3\n5,1,-2\n6,0,1\n"
                              "7,1,2.5\n8,1,3.5\n9,2,4.5\n10,3,5.5\n11,1,6.5\n12,5,7.25\n";
    m = fit_model(reg, false, 1, acts);
    ck_assert_int_eq(m->prep.task, FFNN_TASK_REGRESSION);
    mp = export_unpack(m);
    ck_assert_int_eq((int)mp->graph->n_output, 1);
    check_io(mp->graph->output[0], "value", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, 0);
    ck_assert_ptr_null(meta(mp, "ffnn.classes"));
    ck_assert_str_eq(meta(mp, "ffnn.task"), "regression");
    onnx__model_proto__free_unpacked(mp, NULL);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_errors)
{
    ffnn_act acts[1] = {FFNN_ACT_RELU};
    ffnn_model *m = fit_model(MIXED_CSV, true, 1, acts);
    unsigned char *buf = (unsigned char *)"x";
    size_t len = 9;
    ffnn_error err;
    m->params[3] = NAN;
    ck_assert_int_eq(ffnn_export_onnx(m, &buf, &len, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "model has a non-finite weight (parameter 3)");
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    m->params[3] = 0.0f;
    m->prep.n_features = 4;   /* disagrees with the network's 5 inputs */
    ck_assert_int_eq(ffnn_export_onnx(m, &buf, &len, &err), FFNN_EINTERNAL);
    m->prep.n_features = 5;
    ck_assert_int_eq(ffnn_export_serialize(m, FFNN_EXPORT_COUNT, &buf, &len, &err), FFNN_EINTERNAL);
    ck_assert_str_eq(err.msg, "unknown export format 1");
    ffnn_model_destroy(m);
}
END_TEST

Suite *export_suite(void);
Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_format_names);
    tcase_add_test(tc, test_mixed_model);
    tcase_add_test(tc, test_sha256_is_the_files);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_activations);
    tcase_add_test(tc, test_outputs);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
