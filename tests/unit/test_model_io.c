/* model_io: safetensors writer and the validating loader. */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ffnn/config.h"
#include "ffnn/model_io.h"
#include "ffnn/rng.h"
#include "ffnn/train.h"
#include "testutil.h"

static char **strings(int n, const char *const *s)
{
    char **v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = strdup(s[i]);
    return v;
}

/* A small multiclass model: columns x (numeric), color (categorical: blue,
 * red), y (numeric) -> 4 features; Dense(5, relu, dropout 0.1), Dense(3,
 * softmax).  impute_mean adds input.fill. */
static ffnn_model *make_model(bool impute_mean)
{
    ffnn_layer_spec layers[2] = {{5, FFNN_ACT_RELU, 0.1f}, {3, FFNN_ACT_SOFTMAX, 0.0f}};
    ffnn_model *m;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, 4, layers, 2, &err), FFNN_OK);
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] = (float)sin((double)i * 0.7) * 0.5f;
    m->loss.kind = FFNN_LOSS_CCE;
    m->loss.huber_delta = 1.0;
    m->l2 = 1e-4;
    m->kernel_initializer = FFNN_INIT_HE_NORMAL;
    ffnn_prep *p = &m->prep;
    static const char *const classes[] = {"setosa", "versicolor", "virginica"};
    static const char *const cats[] = {"blue", "red"};
    p->task = FFNN_TASK_MULTICLASS;
    p->n_classes = 3;
    p->classes = strings(3, classes);
    p->target = strdup("species");
    p->standardize = true;
    p->impute = impute_mean ? FFNN_IMPUTE_MEAN : FFNN_IMPUTE_NONE;
    p->n_columns = 3;
    p->columns = calloc(3, sizeof *p->columns);
    p->columns[0].name = strdup("x");
    p->columns[0].offset = 0;
    p->columns[0].fill = 5.843333333333334;
    p->columns[1].name = strdup("color \"quoted\"\n");
    p->columns[1].categorical = true;
    p->columns[1].n_cats = 2;
    p->columns[1].cats = strings(2, cats);
    p->columns[1].offset = 1;
    p->columns[2].name = strdup("y");
    p->columns[2].offset = 3;
    p->columns[2].fill = -0.1;
    p->n_features = 4;
    p->mean = calloc(4, sizeof *p->mean);
    p->scale = calloc(4, sizeof *p->scale);
    for (int i = 0; i < 4; i++) {
        p->mean[i] = 0.25f * (float)i - 0.3f;
        p->scale[i] = 1.0f + 0.1f * (float)i;
    }
    m->train_info = strdup("{\"seed\":42,\"epochs_run\":10,\"best_epoch\":7,"
                           "\"final\":{\"loss\":0.30000000000000004,\"accuracy\":0.95}}");
    return m;
}

static unsigned char *serialize(const ffnn_model *m, size_t *len)
{
    unsigned char *buf;
    ffnn_error err;
    ffnn_status st = ffnn_model_serialize(m, &buf, len, &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    return buf;
}

static uint64_t header_len(const unsigned char *b)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | b[i];
    return n;
}

/* Deserialises buf and expects failure with exactly msg (status EDATA). */
static void expect_error(const unsigned char *buf, size_t len, const char *msg)
{
    ffnn_model *m = (ffnn_model *)1;
    ffnn_error err;
    ffnn_error_clear(&err);
    ffnn_status st = ffnn_model_deserialize(&m, buf, len, "m.ffnn", &err);
    ck_assert_msg(st == FFNN_EDATA, "status %d (%s), expected EDATA for \"%s\"", st, err.msg, msg);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(err.msg, msg);
}

/* Replaces the first occurrence of old by new (same length) in the header. */
static unsigned char *patch_raw(const unsigned char *buf, size_t len, const char *old, const char *new)
{
    ck_assert_uint_eq(strlen(old), strlen(new));
    unsigned char *c = malloc(len);
    memcpy(c, buf, len);
    size_t hn = (size_t)header_len(buf), ol = strlen(old);
    for (size_t i = 8; i + ol <= 8 + hn; i++)
        if (memcmp(c + i, old, ol) == 0) {
            memcpy(c + i, new, ol);
            return c;
        }
    ck_abort_msg("\"%s\" not in header", old);
    return NULL;
}

/* patch_raw, then ffnn.model_sha256 (if the header still parses and has
 * one) made right again in place, so the checks after it run. */
static unsigned char *patch(const unsigned char *buf, size_t len, const char *old, const char *new)
{
    unsigned char *c = patch_raw(buf, len, old, new);
    size_t hn = (size_t)header_len(c);
    cJSON *hdr = cJSON_ParseWithLength((const char *)c + 8, hn);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(hdr, "__metadata__");
    cJSON *mt = cJSON_GetObjectItemCaseSensitive(meta, "ffnn.model");
    static const char key[] = "\"ffnn.model_sha256\":\"";
    if (cJSON_IsString(mt)) {
        char hex[65];
        ffnn_sha256_hex(mt->valuestring, strlen(mt->valuestring), hex);
        for (size_t i = 8; i + sizeof key - 1 + 64 <= 8 + hn; i++)
            if (memcmp(c + i, key, sizeof key - 1) == 0) {
                memcpy(c + i + sizeof key - 1, hex, 64);
                break;
            }
    }
    cJSON_Delete(hdr);
    return c;
}

/* A safetensors file from header JSON text and data (header padded to 8). */
static unsigned char *build(const char *hdr, const unsigned char *data, size_t dlen, size_t *len)
{
    size_t hl = strlen(hdr), padded = (hl + 7) / 8 * 8;
    unsigned char *b = malloc(8 + padded + dlen + 1);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(b + 8, hdr, hl);
    memset(b + 8 + hl, ' ', padded - hl);
    if (dlen)
        memcpy(b + 8 + padded, data, dlen);
    *len = 8 + padded + dlen;
    return b;
}

/* Parses a file's header, lets edit() change it and the data, then writes the
 * file again with a correct ffnn.sha256 (so checks after the checksum run). */
typedef void (*editor)(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen);

static unsigned char *rebuild(const unsigned char *buf, size_t len, editor edit, size_t *out_len)
{
    size_t hn = (size_t)header_len(buf);
    cJSON *hdr = cJSON_ParseWithLength((const char *)buf + 8, hn);
    ck_assert_ptr_nonnull(hdr);
    size_t dlen = len - 8 - hn;
    unsigned char *data = malloc(dlen + 64);
    memcpy(data, buf + 8 + hn, dlen);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(hdr, "__metadata__");
    cJSON *mj = cJSON_Parse(cJSON_GetObjectItemCaseSensitive(meta, "ffnn.model")->valuestring);
    edit(hdr, mj, data, &dlen);
    char *mtext = cJSON_PrintUnformatted(mj);
    cJSON_ReplaceItemInObjectCaseSensitive(meta, "ffnn.model", cJSON_CreateString(mtext));
    char sha[65];
    ffnn_sha256_hex(mtext, strlen(mtext), sha);
    if (cJSON_GetObjectItemCaseSensitive(meta, "ffnn.model_sha256"))
        cJSON_ReplaceItemInObjectCaseSensitive(meta, "ffnn.model_sha256", cJSON_CreateString(sha));
    ffnn_sha256_hex(data, dlen, sha);
    if (cJSON_GetObjectItemCaseSensitive(meta, "ffnn.sha256"))
        cJSON_ReplaceItemInObjectCaseSensitive(meta, "ffnn.sha256", cJSON_CreateString(sha));
    char *htext = cJSON_PrintUnformatted(hdr);
    unsigned char *b = build(htext, data, dlen, out_len);
    free(htext);
    free(mtext);
    cJSON_Delete(mj);
    cJSON_Delete(hdr);
    free(data);
    return b;
}

static void expect_edit_error(editor edit, const char *msg)
{
    ffnn_model *m = make_model(false);
    size_t len, len2;
    unsigned char *buf = serialize(m, &len);
    unsigned char *b2 = rebuild(buf, len, edit, &len2);
    expect_error(b2, len2, msg);
    free(b2);
    free(buf);
    ffnn_model_destroy(m);
}

static void assert_models_equal(const ffnn_model *a, const ffnn_model *b)
{
    ck_assert_int_eq(a->n_in, b->n_in);
    ck_assert_int_eq(a->n_layers, b->n_layers);
    for (int l = 0; l < a->n_layers; l++) {
        ck_assert_int_eq(a->layers[l].units, b->layers[l].units);
        ck_assert_int_eq(a->layers[l].activation, b->layers[l].activation);
        ck_assert(a->layers[l].dropout == b->layers[l].dropout);
    }
    ck_assert_uint_eq(a->n_params, b->n_params);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof *a->params) == 0);
    ck_assert_int_eq(a->loss.kind, b->loss.kind);
    ck_assert_int_eq(a->loss.from_logits, b->loss.from_logits);
    ck_assert(a->loss.huber_delta == b->loss.huber_delta);
    ck_assert_int_eq(a->kernel_initializer, b->kernel_initializer);
    ck_assert(a->l2 == b->l2);
    const ffnn_prep *p = &a->prep, *q = &b->prep;
    ck_assert_int_eq(p->task, q->task);
    ck_assert_str_eq(p->target, q->target);
    ck_assert_int_eq(p->n_classes, q->n_classes);
    for (int i = 0; i < p->n_classes; i++)
        ck_assert_str_eq(p->classes[i], q->classes[i]);
    ck_assert_int_eq(p->standardize, q->standardize);
    ck_assert_int_eq(p->impute, q->impute);
    ck_assert_int_eq(p->n_features, q->n_features);
    ck_assert(memcmp(p->mean, q->mean, (size_t)p->n_features * sizeof *p->mean) == 0);
    ck_assert(memcmp(p->scale, q->scale, (size_t)p->n_features * sizeof *p->scale) == 0);
    ck_assert_int_eq(p->n_columns, q->n_columns);
    for (int j = 0; j < p->n_columns; j++) {
        ck_assert_str_eq(p->columns[j].name, q->columns[j].name);
        ck_assert_int_eq(p->columns[j].categorical, q->columns[j].categorical);
        ck_assert_int_eq(p->columns[j].n_cats, q->columns[j].n_cats);
        ck_assert_int_eq(p->columns[j].offset, q->columns[j].offset);
        for (int k = 0; k < p->columns[j].n_cats; k++)
            ck_assert_str_eq(p->columns[j].cats[k], q->columns[j].cats[k]);
        if (p->impute == FFNN_IMPUTE_MEAN && !p->columns[j].categorical)
            ck_assert(p->columns[j].fill == q->columns[j].fill);
    }
}

START_TEST(round_trip)
{
    for (int imp = 0; imp < 2; imp++) {
        ffnn_model *m = make_model(imp);
        size_t len, len2;
        unsigned char *buf = serialize(m, &len);
        ffnn_model *l;
        ffnn_error err;
        ck_assert_msg(ffnn_model_deserialize(&l, buf, len, "m.ffnn", &err) == FFNN_OK, "%s", err.msg);
        assert_models_equal(m, l);
        /* The training summary comes back as compact JSON with exact numbers. */
        ck_assert_str_eq(l->train_info, m->train_info);
        unsigned char *buf2 = serialize(l, &len2);
        ck_assert_uint_eq(len, len2);
        ck_assert(memcmp(buf, buf2, len) == 0);
        free(buf);
        free(buf2);
        ffnn_model_destroy(l);
        ffnn_model_destroy(m);
    }
}
END_TEST

START_TEST(same_model_same_bytes)
{
    ffnn_model *a = make_model(true), *b = make_model(true), *c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_clone(&c, a, &err), FFNN_OK);
    size_t la, lb, lc;
    unsigned char *ba = serialize(a, &la), *bb = serialize(b, &lb), *bc = serialize(c, &lc);
    ck_assert_uint_eq(la, lb);
    ck_assert_uint_eq(la, lc);
    ck_assert(memcmp(ba, bb, la) == 0);
    ck_assert(memcmp(ba, bc, la) == 0);
    /* A different weight gives different bytes. */
    b->params[3] += 1.0f;
    free(bb);
    bb = serialize(b, &lb);
    ck_assert(memcmp(ba, bb, la) != 0);
    free(ba);
    free(bb);
    free(bc);
    ffnn_model_destroy(a);
    ffnn_model_destroy(b);
    ffnn_model_destroy(c);
}
END_TEST

START_TEST(layout)
{
    ffnn_model *m = make_model(true);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    uint64_t n = header_len(buf);
    ck_assert_uint_eq((8 + n) % 8, 0);
    ck_assert_int_eq(buf[8], '{');
    ck_assert(memcmp(buf + 8, "{\"__metadata__\":{\"format\":\"ffnn\",\"ffnn.version\":\"2\","
                              "\"ffnn.model\":", 60) == 0);
    /* Tensors: input.fill (F64) first, then names in byte order. */
    cJSON *h = cJSON_ParseWithLength((const char *)buf + 8, n);
    ck_assert_ptr_nonnull(h);
    static const char *const order[] = {"__metadata__",    "input.fill",    "input.mean",
                                        "input.scale",     "layers.0.bias", "layers.0.weight",
                                        "layers.1.bias",   "layers.1.weight"};
    int i = 0;
    size_t off = 0;
    for (cJSON *c = h->child; c; c = c->next, i++) {
        ck_assert_int_lt(i, 8);
        ck_assert_str_eq(c->string, order[i]);
        if (i == 0)
            continue;
        cJSON *o = cJSON_GetObjectItemCaseSensitive(c, "data_offsets");
        ck_assert_uint_eq((size_t)cJSON_GetArrayItem(o, 0)->valuedouble, off);
        off = (size_t)cJSON_GetArrayItem(o, 1)->valuedouble;
    }
    ck_assert_int_eq(i, 8);
    ck_assert_uint_eq(off, len - 8 - n);
    cJSON *w = cJSON_GetObjectItemCaseSensitive(h, "layers.0.weight");
    char *shape = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(w, "shape"));
    ck_assert_str_eq(shape, "[5,4]");
    free(shape);
    /* The checksum covers exactly the bytes after the header. */
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "__metadata__");
    char hex[65];
    ffnn_sha256_hex(buf + 8 + n, len - 8 - n, hex);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(meta, "ffnn.sha256")->valuestring, hex);
    /* ffnn.model holds the documented keys in order, numbers exact. */
    const char *mt = cJSON_GetObjectItemCaseSensitive(meta, "ffnn.model")->valuestring;
    const char *want_prefix = "{\"n_in\":4,\"layers\":[{\"units\":5,\"activation\":\"relu\",\"dropout\":0.1},"
                              "{\"units\":3,\"activation\":\"softmax\",\"dropout\":0}],\"loss\":{\"name\":"
                              "\"categorical_crossentropy\",\"from_logits\":false,\"huber_delta\":1,\"tf_cached_logits\":false},"
                              "\"kernel_initializer\":\"he_normal\",\"l2\":0.0001,\"task\":\"multiclass\","
                              "\"target\":\"species\",\"classes\":[\"setosa\",\"versicolor\",\"virginica\"],"
                              "\"standardize\":true,\"impute\":\"mean\",\"columns\":[{\"name\":\"x\","
                              "\"categorical\":false,\"categories\":[]},";
    ck_assert_msg(strncmp(mt, want_prefix, strlen(want_prefix)) == 0,
                  "%s", mt);
    ck_assert_ptr_nonnull(strstr(mt, ",\"training\":{\"seed\":42,\"epochs_run\":10,\"best_epoch\":7,"
                                     "\"final\":{\"loss\":0.30000000000000004,\"accuracy\":0.95}}}"));
    /* The F64 fill values are little-endian doubles. */
    double fill0;
    memcpy(&fill0, buf + 8 + n, 8);
    ck_assert(fill0 == 5.843333333333334);
    cJSON_Delete(h);
    free(buf);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(header_errors)
{
    ffnn_model *m = make_model(false);
    size_t len;
    unsigned char *buf = serialize(m, &len), *b;
    uint64_t n = header_len(buf);
    char msg[256];

    expect_error(buf, 0, "m.ffnn: empty file");
    expect_error(buf, 5, "m.ffnn: truncated: file has 5 bytes, too short for a safetensors header");
    snprintf(msg, sizeof msg, "m.ffnn: truncated: header says %llu bytes but file has 100",
             (unsigned long long)n);
    expect_error(buf, 100, msg);
    snprintf(msg, sizeof msg, "m.ffnn: truncated: header says %llu bytes but file has %llu",
             (unsigned long long)n, (unsigned long long)n + 7);
    expect_error(buf, (size_t)n + 7, msg);
    snprintf(msg, sizeof msg, "m.ffnn: truncated: tensors need %llu bytes of data but file has %llu",
             (unsigned long long)(len - 8 - n), (unsigned long long)(len - 8 - n - 3));
    expect_error(buf, len - 3, msg);
    snprintf(msg, sizeof msg, "m.ffnn: truncated: tensors need %llu bytes of data but file has 0",
             (unsigned long long)(len - 8 - n));
    expect_error(buf, 8 + (size_t)n, msg);

    /* Trailing bytes after the last tensor. */
    b = malloc(len + 4);
    memcpy(b, buf, len);
    memset(b + len, 0, 4);
    expect_error(b, len + 4, "m.ffnn: trailing bytes: 4 bytes after the last tensor");

    /* Header length beyond the 100 MB limit; a CSV file read as a model. */
    memcpy(b, buf, len);
    b[4] = 1; /* N += 2^32 */
    snprintf(msg, sizeof msg,
             "m.ffnn: not an ffnn model (no safetensors header: header length %llu exceeds "
             "100000000 bytes)", (unsigned long long)n + (1ULL << 32));
    expect_error(b, len, msg);
    const char *csv = "sepal_length,sepal_width,species\n5.1,3.5,setosa\n";
    expect_error((const unsigned char *)csv, strlen(csv),
                 "m.ffnn: not an ffnn model (no safetensors header; this looks like a text file)");
    free(b);

    /* Flipped bytes in the header JSON. */
    b = malloc(len);
    memcpy(b, buf, len);
    b[8] ^= 0x20;
    expect_error(b, len, "m.ffnn: not an ffnn model (no safetensors header)");
    memcpy(b, buf, len);
    b[8 + 15] ^= 0x01; /* the ":" after "__metadata__" becomes ";" */
    expect_error(b, len, "m.ffnn: invalid header JSON at byte 23");
    memcpy(b, buf, len);
    b[8 + 3] = 0xC3; /* a lone UTF-8 lead byte */
    expect_error(b, len, "m.ffnn: invalid header: not UTF-8 at byte 11");
    memcpy(b, buf, len);
    b[8 + n - 1] = 'x'; /* garbage in the padding */
    snprintf(msg, sizeof msg,
             "m.ffnn: invalid header: unexpected data after the JSON object at byte %llu",
             (unsigned long long)(8 + n - 1));
    if (buf[8 + n - 1] == ' ')
        expect_error(b, len, msg);
    free(b);

    /* Flipped byte in the tensor data. */
    b = malloc(len);
    memcpy(b, buf, len);
    b[len - 5] ^= 0x10;
    expect_error(b, len, "m.ffnn: checksum mismatch: file is corrupted");
    free(b);

    /* Duplicate key, non-string metadata, format, version. */
    b = patch(buf, len, "\"layers.1.bias\"", "\"layers.0.bias\"");
    expect_error(b, len, "m.ffnn: duplicate key \"layers.0.bias\" in header");
    free(b);
    b = patch(buf, len, "\"ffnn.version\":\"2\"", "\"ffnn.version\":2  ");
    expect_error(b, len, "m.ffnn: __metadata__: \"ffnn.version\" must be a string");
    free(b);
    b = patch(buf, len, "\"format\":\"ffnn\"", "\"format\":\"onnx\"");
    expect_error(b, len, "m.ffnn: not an ffnn model (format is \"onnx\")");
    free(b);
    b = patch(buf, len, "\"ffnn.version\":\"2\"", "\"ffnn.version\":\"3\"");
    expect_error(b, len, "m.ffnn: unsupported ffnn model version 3 (this ffnn reads versions 1 to 2)");
    free(b);
    /* Version 2: a changed byte in the model document (a class name here)
     * or a missing model checksum is caught. */
    b = patch_raw(buf, len, "setosa", "setosb");
    expect_error(b, len, "m.ffnn: checksum mismatch in ffnn.model: file is corrupted");
    free(b);
    b = patch(buf, len, "\"ffnn.model_sha256\"", "\"ffnn.model_sha257\"");
    expect_error(b, len, "m.ffnn: missing ffnn.model_sha256 in __metadata__");
    free(b);
    b = patch(buf, len, "\"ffnn.sha256\"", "\"ffnn.sha257\"");
    expect_error(b, len, "m.ffnn: missing ffnn.sha256 in __metadata__");
    free(b);
    b = patch(buf, len, "\"dtype\":\"F32\"", "\"dtype\":\"F16\"");
    expect_error(b, len, "m.ffnn: tensor \"input.mean\": unsupported dtype F16 (ffnn models hold F32 "
                         "and F64)");
    free(b);
    b = patch(buf, len, "\"dtype\":\"F32\"", "\"dtype\":\"Q32\"");
    expect_error(b, len, "m.ffnn: tensor \"input.mean\": unknown dtype \"Q32\"");
    free(b);
    b = patch(buf, len, "\"dtype\":\"F32\"", "\"dtypo\":\"F32\"");
    expect_error(b, len, "m.ffnn: tensor \"input.mean\": expected exactly dtype, shape and data_offsets");
    free(b);
    /* Architecture in ffnn.model no longer matches the tensors' shapes. */
    b = patch(buf, len, "{\\\"units\\\":5", "{\\\"units\\\":6");
    expect_error(b, len, "m.ffnn: tensor \"layers.0.weight\": shape [5, 4], expected [6, 4] for the "
                         "architecture");
    free(b);
    b = patch(buf, len, "\\\"n_in\\\":4", "\\\"n_in\\\":5");
    expect_error(b, len, "m.ffnn: ffnn.model: the columns encode 4 features but n_in is 5");
    free(b);
    b = patch(buf, len, "\\\"activation\\\":\\\"relu\\\"", "\\\"activation\\\":\\\"relx\\\"");
    expect_error(b, len, "m.ffnn: ffnn.model: layers[0].activation: unknown activation");
    free(b);
    b = patch(buf, len, "\\\"task\\\":\\\"multiclass\\\"", "\\\"task\\\":\\\"regression\\\"");
    expect_error(b, len, "m.ffnn: ffnn.model: 3 classes and 3 outputs do not fit a regression task");
    free(b);
    b = patch(buf, len, "\\\"l2\\\"", "\\\"l3\\\"");
    expect_error(b, len, "m.ffnn: ffnn.model: unexpected key \"l3\"");
    free(b);
    b = patch(buf, len, "\\\"n_in\\\":4,", "\\\"n_in\\\":4}");
    expect_error(b, len, "m.ffnn: ffnn.model: invalid JSON at character 11");
    free(b);
    free(buf);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(offset_errors)
{
    unsigned char data[16] = {0};
    size_t len;
    unsigned char *b;
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data, 12, &len);
    expect_error(b, len, "m.ffnn: tensor \"b\": data begins at byte 8 of the buffer, expected 4 (gap)");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data, 8, &len);
    expect_error(b, len, "m.ffnn: tensor \"b\": data begins at byte 4 of the buffer, expected 8 "
                         "(overlap)");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data, 8, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": data begins at byte 4 of the buffer, expected 0 (gap)");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data, 8, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": shape [3] of F32 needs 12 bytes, data_offsets give 8");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", data, 8, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": data_offsets [8, 4] end before they begin");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,281474976710656]}}", data,
              8, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": data_offsets must be [begin, end], integers from 0 to "
                         "281474976710655");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", data, 8, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": shape must hold integers from 0 to 281474976710655");
    free(b);
    b = build("{\"a\":{\"dtype\":\"F64\",\"shape\":[281474976710655,281474976710655],"
              "\"data_offsets\":[0,4]}}", data, 4, &len);
    expect_error(b, len, "m.ffnn: tensor \"a\": shape too large");
    free(b);
    /* Structurally valid safetensors that are not ffnn models. */
    b = build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data, 4, &len);
    expect_error(b, len, "m.ffnn: not an ffnn model (no __metadata__ in the header)");
    free(b);
    b = build("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
              "\"data_offsets\":[0,4]}}", data, 4, &len);
    expect_error(b, len, "m.ffnn: not an ffnn model (format is \"pt\")");
    free(b);
    b = build("{\"__metadata__\":{\"format\":\"ffnn\",\"n\":{}}}", data, 0, &len);
    expect_error(b, len, "m.ffnn: __metadata__: \"n\" must be a string");
    free(b);
    b = build("{\"__metadata__\":{\"format\":\"ffnn\"}}", data, 0, &len);
    expect_error(b, len, "m.ffnn: missing ffnn.version in __metadata__");
    free(b);
}
END_TEST

static void drop_last_tensor(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)model;
    (void)data;
    cJSON_DeleteItemFromObjectCaseSensitive(hdr, "layers.1.weight");
    *dlen -= 3 * 5 * 4;
}

static void add_tensor(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)model;
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "dtype", "F32");
    cJSON *s = cJSON_AddArrayToObject(t, "shape");
    cJSON_AddItemToArray(s, cJSON_CreateNumber(1));
    cJSON *o = cJSON_AddArrayToObject(t, "data_offsets");
    cJSON_AddItemToArray(o, cJSON_CreateNumber((double)*dlen));
    cJSON_AddItemToArray(o, cJSON_CreateNumber((double)*dlen + 4));
    cJSON_AddItemToObject(hdr, "zzz", t);
    memset(data + *dlen, 0, 4);
    *dlen += 4;
}

static void nan_bias(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)model;
    (void)dlen;
    cJSON *t = cJSON_GetObjectItemCaseSensitive(hdr, "layers.0.bias");
    size_t off = (size_t)cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "data_offsets"), 0)
                     ->valuedouble;
    float f = NAN;
    memcpy(data + off + 8, &f, 4);
}

static void drop_l2(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON_DeleteItemFromObjectCaseSensitive(model, "l2");
}

static void dup_model_key(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON_AddNumberToObject(model, "n_in", 4);
}

static void bad_units(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(model, "layers"), 1);
    cJSON_ReplaceItemInObjectCaseSensitive(l, "units", cJSON_CreateString("3"));
}

static void wrong_dtype(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)model;
    (void)data;
    (void)dlen;
    /* input.mean [4] F32 -> [2] F64 (same bytes) */
    cJSON *t = cJSON_GetObjectItemCaseSensitive(hdr, "input.mean");
    cJSON_ReplaceItemInObjectCaseSensitive(t, "dtype", cJSON_CreateString("F64"));
    cJSON *s = cJSON_GetObjectItemCaseSensitive(t, "shape");
    cJSON_ReplaceItemInArray(s, 0, cJSON_CreateNumber(2));
}

START_TEST(model_errors)
{
    expect_edit_error(drop_last_tensor, "m.ffnn: missing tensor \"layers.1.weight\"");
    expect_edit_error(add_tensor, "m.ffnn: unexpected tensor \"zzz\"");
    expect_edit_error(nan_bias, "m.ffnn: tensor \"layers.0.bias\": non-finite value at index 2");
    expect_edit_error(drop_l2, "m.ffnn: ffnn.model: missing \"l2\"");
    expect_edit_error(dup_model_key, "m.ffnn: ffnn.model: duplicate key \"n_in\"");
    expect_edit_error(bad_units, "m.ffnn: ffnn.model: layers[1].units must be an integer from 1 to "
                                 "1048576");
    expect_edit_error(wrong_dtype, "m.ffnn: tensor \"input.mean\": dtype F64, expected F32");
}
END_TEST

/* The model document's own invariants, which matching checksums do not
 * vouch for (anyone can recompute them; ffnn-model(5) says how). */
static cJSON *column(cJSON *model, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(model, "columns"), i);
}

static void unsorted_categories(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON *cats = cJSON_GetObjectItemCaseSensitive(column(model, 1), "categories");
    cJSON_ReplaceItemInArray(cats, 0, cJSON_CreateString("red"));
    cJSON_ReplaceItemInArray(cats, 1, cJSON_CreateString("blue"));
}

static void repeated_category(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON *cats = cJSON_GetObjectItemCaseSensitive(column(model, 1), "categories");
    cJSON_ReplaceItemInArray(cats, 1, cJSON_CreateString("blue"));
}

static void repeated_class(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(model, "classes"), 2,
                             cJSON_CreateString("setosa"));
}

static void repeated_column(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON_ReplaceItemInObjectCaseSensitive(column(model, 2), "name", cJSON_CreateString("x"));
}

static void target_is_feature(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)hdr;
    (void)data;
    (void)dlen;
    cJSON_ReplaceItemInObjectCaseSensitive(model, "target", cJSON_CreateString("y"));
}

START_TEST(document_invariants)
{
    expect_edit_error(unsorted_categories,
                      "m.ffnn: ffnn.model: columns[1].categories[1]: \"blue\" does not sort after "
                      "\"red\" (categories are distinct, in byte order)");
    expect_edit_error(repeated_category,
                      "m.ffnn: ffnn.model: columns[1].categories[1]: \"blue\" does not sort after "
                      "\"blue\" (categories are distinct, in byte order)");
    expect_edit_error(repeated_class, "m.ffnn: ffnn.model: classes[2]: \"setosa\" is also classes[0]");
    expect_edit_error(repeated_column,
                      "m.ffnn: ffnn.model: columns[2].name: \"x\" is also columns[0].name");
    expect_edit_error(target_is_feature,
                      "m.ffnn: ffnn.model: target: \"y\" is also a feature (columns[2])");
}
END_TEST

START_TEST(serialize_rejects_nan)
{
    ffnn_model *m = make_model(false);
    m->params[7] = INFINITY;
    unsigned char *buf = (unsigned char *)1;
    size_t len;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_serialize(m, &buf, &len, &err), FFNN_EDATA);
    ck_assert_ptr_null(buf);
    ck_assert_str_eq(err.msg, "model has a non-finite weight (parameter 7)");
    ffnn_model_destroy(m);
}
END_TEST

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
    closedir(d);
    return n;
}

START_TEST(save_and_load)
{
    char dir[] = "/tmp/ffnn-model-io-XXXXXX", path[128], bad_path[160];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.ffnn", dir);
    ffnn_model *m = make_model(true), *l;
    ffnn_error err;
    ck_assert_msg(ffnn_model_save(m, path, &err) == FFNN_OK, "%s", err.msg);
    /* Saving again replaces the file; no temporary file remains. */
    ck_assert_msg(ffnn_model_save(m, path, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(count_entries(dir), 1);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    mode_t mask = umask(022);
    umask(mask);
    ck_assert_uint_eq(sb.st_mode & 0777, 0666 & ~mask);
    ck_assert_msg(ffnn_model_load(&l, path, &err) == FFNN_OK, "%s", err.msg);
    assert_models_equal(m, l);
    ffnn_model_destroy(l);

    /* A directory that does not exist: FFNN_ECANTCREAT, nothing created. */
    snprintf(bad_path, sizeof bad_path, "%s/missing/m.ffnn", dir);
    ck_assert_int_eq(ffnn_model_save(m, bad_path, &err), FFNN_ECANTCREAT);
    char want[256];
    snprintf(want, sizeof want, "%s: cannot create: No such file or directory", bad_path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_ne(stat(bad_path, &sb), 0);
    ck_assert_int_eq(count_entries(dir), 1);

    /* Saving onto a directory fails at rename and leaves no temporary file. */
    snprintf(bad_path, sizeof bad_path, "%s/sub", dir);
    ck_assert_int_eq(mkdir(bad_path, 0755), 0);
    ck_assert_int_eq(ffnn_model_save(m, bad_path, &err), FFNN_ECANTCREAT);
    ck_assert_int_eq(count_entries(dir), 2);
    rmdir(bad_path);

    ck_assert_int_eq(ffnn_model_load(&l, "model_io/nope.ffnn", &err), FFNN_ENOINPUT);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(err.msg, "model_io/nope.ffnn: cannot open: No such file or directory");
    unlink(path);
    rmdir(dir);
    ffnn_model_destroy(m);
}
END_TEST

/* Version 1 (no ffnn.model_sha256) still loads, to the same model. */
static void make_v1(cJSON *hdr, cJSON *model, unsigned char *data, size_t *dlen)
{
    (void)model, (void)data, (void)dlen;
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(hdr, "__metadata__");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "ffnn.model_sha256");
    cJSON_ReplaceItemInObjectCaseSensitive(meta, "ffnn.version", cJSON_CreateString("1"));
}

START_TEST(version_1_loads)
{
    ffnn_model *m = make_model(true), *back;
    size_t len, len1;
    unsigned char *buf = serialize(m, &len);
    unsigned char *v1 = rebuild(buf, len, make_v1, &len1);
    ck_assert(memmem(v1, len1, "model_sha256", 12) == NULL);
    ffnn_error err;
    ck_assert_msg(ffnn_model_deserialize(&back, v1, len1, "v1.ffnn", &err) == FFNN_OK, "%s", err.msg);
    assert_models_equal(m, back);
    free(v1);
    free(buf);
    ffnn_model_destroy(back);
    ffnn_model_destroy(m);
}
END_TEST

/* tests/data/model_io/tiny.ffnn was written by make_tiny.py (Python's struct,
 * json and hashlib, independent of this code): loading it and writing it
 * back must give the same bytes. */
START_TEST(python_written_file)
{
    FILE *fp = fopen("model_io/tiny.ffnn", "rb");
    ck_assert_ptr_nonnull(fp);
    unsigned char file[4096];
    size_t n = fread(file, 1, sizeof file, fp);
    fclose(fp);
    ffnn_model *m;
    ffnn_error err;
    ck_assert_msg(ffnn_model_load(&m, "model_io/tiny.ffnn", &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(m->n_in, 2);
    ck_assert_int_eq(m->n_layers, 2);
    ck_assert_int_eq(m->prep.task, FFNN_TASK_BINARY);
    ck_assert_str_eq(m->prep.classes[1], "yes");
    ck_assert(m->params[m->w_off[0] + 1] == 0.5f);
    ck_assert(m->params[m->b_off[1]] == -0.25f);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(buf, file, n) == 0);
    free(buf);
    ffnn_model_destroy(m);
}
END_TEST


/* A model trained through the real pipeline (categorical column, mean
 * imputation, string classes): saved and loaded, it predicts bit for bit the
 * same and carries the same training summary. */
START_TEST(trained_model)
{
    ffnn_table t;
    ffnn_error err;
    ck_assert_msg(ffnn_table_load(&t, "model_io/mixed.csv", false, &err) == FFNN_OK, "%s", err.msg);
    ffnn_prep_options opt = ffnn_prep_options_default();
    opt.impute = FFNN_IMPUTE_MEAN;
    ffnn_prep p;
    ck_assert_msg(ffnn_prep_fit(&p, &t, &opt, &err) == FFNN_OK, "%s", err.msg);
    ffnn_arch_spec spec = ffnn_arch_spec_default();
    spec.hidden[0].dropout = 0.1f;
    ffnn_model *m, *l;
    ck_assert_msg(ffnn_model_create(&m, &spec, &p, &err) == FFNN_OK, "%s", err.msg);
    ffnn_rng rng;
    ffnn_rng_init(&rng, 1, 0, 0);
    ffnn_model_init(m, &rng);
    ffnn_data d;
    ck_assert_msg(ffnn_data_from_table(&d, &m->prep, &t, NULL, t.nrows, true, &err) == FFNN_OK, "%s",
                  err.msg);
    ffnn_fit_options fo = ffnn_fit_options_default();
    fo.epochs = 3;
    fo.validation_split = 0.25;
    ck_assert_msg(ffnn_fit(m, &d, &fo, NULL, NULL, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(m->train_info);

    char dir[] = "/tmp/ffnn-model-io-XXXXXX", path[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/mixed.ffnn", dir);
    ck_assert_msg(ffnn_model_save(m, path, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_msg(ffnn_model_load(&l, path, &err) == FFNN_OK, "%s", err.msg);
    assert_models_equal(m, l);
    ck_assert_str_eq(l->train_info, m->train_info);

    int n_out = ffnn_model_n_out(m);
    float *pa = malloc((size_t)d.n * (size_t)n_out * sizeof *pa);
    float *pb = malloc((size_t)d.n * (size_t)n_out * sizeof *pb);
    ffnn_workspace *wa, *wb;
    ck_assert_int_eq(ffnn_workspace_create(&wa, m, (int)d.n, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_workspace_create(&wb, l, (int)d.n, &err), FFNN_OK);
    ffnn_model_predict(m, wa, d.X, (int)d.n, pa);
    ffnn_model_predict(l, wb, d.X, (int)d.n, pb);
    ck_assert(memcmp(pa, pb, (size_t)d.n * (size_t)n_out * sizeof *pa) == 0);

    size_t la, lb;
    unsigned char *ba = serialize(m, &la), *bb = serialize(l, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(ba, bb, la) == 0);
    free(ba);
    free(bb);
    free(pa);
    free(pb);
    ffnn_workspace_destroy(wa);
    ffnn_workspace_destroy(wb);
    unlink(path);
    rmdir(dir);
    ffnn_data_release(&d);
    ffnn_model_destroy(l);
    ffnn_model_destroy(m);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);
}
END_TEST

Suite *model_io_suite(void);
Suite *model_io_suite(void)
{
    Suite *s = suite_create("model_io");
    TCase *tc = tcase_create("model_io");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, same_model_same_bytes);
    tcase_add_test(tc, layout);
    tcase_add_test(tc, header_errors);
    tcase_add_test(tc, offset_errors);
    tcase_add_test(tc, model_errors);
    tcase_add_test(tc, document_invariants);
    tcase_add_test(tc, serialize_rejects_nan);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, python_written_file);
    tcase_add_test(tc, version_1_loads);
    tcase_add_test(tc, trained_model);
    suite_add_tcase(s, tc);
    return s;
}
