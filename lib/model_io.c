/* ffnn — writing the model file: a safetensors container with the ffnn
 * metadata convention (ffnn-model(5), reference/formats.md §1a, §1d).
 * Reading and validating it is lib/model_read.c.
 *
 * Tensors are sorted by name and laid out back to back (input.fill, the
 * only F64 tensor, sorts first, so this is also the reference writer's order
 * by descending alignment); header = {"__metadata__":{...}, tensors...} in that
 * order, compact, padded with spaces so the data starts 8-byte aligned.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ffnn/json.h"
#include "ffnn/num.h"
#include "ffnn/file.h"
#include "ffnn/model_io.h"
#include "internal.h"
#include "model_io_internal.h"


void ffnn_sha256_hex(const void *data, size_t len, char out[65])
{
    static const uint8_t empty = 0;
    SHA256Data(data ? data : &empty, len, out);
}

/* ---- little-endian scalars ------------------------------------------------ */

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static void put_f64(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    put_u64(p, u);
}

/* ---- writing ---------------------------------------------------------------- */


typedef struct {
    char name[40];
    int dtype;
    int rank;
    size_t shape[2];
    const float *f32;   /* DT_F32 data */
    const double *f64;  /* DT_F64 data */
    size_t begin, end;  /* byte offsets in the data buffer */
} out_tensor;

static int cmp_out_tensor(const void *a, const void *b)
{
    return strcmp(((const out_tensor *)a)->name, ((const out_tensor *)b)->name);
}

/* A float as the double whose shortest text is the float's shortest text
 * (0.1f -> 0.1), so the JSON shows "0.1" and reads back to the same float. */
static double float_json(float f)
{
    char buf[32];
    return strtod(ffnn_format_float(buf, f), NULL);
}

static cJSON *string_array(char *const *s, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateString(s[i] ? s[i] : "");
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* The ffnn.model JSON tree (key order fixed). */
static cJSON *model_json(const ffnn_model *m, ffnn_error *err)
{
    const ffnn_prep *p = &m->prep;
    cJSON *root = cJSON_CreateObject(), *a = NULL, *o = NULL;
    bool ok = root != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "n_in", m->n_in);
    ok = ok && (a = cJSON_AddArrayToObject(root, "layers"));
    for (int l = 0; ok && l < m->n_layers; l++) {
        ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(a, o);
        ok = ok && cJSON_AddNumberToObject(o, "units", m->layers[l].units);
        ok = ok && cJSON_AddStringToObject(o, "activation", ffnn_act_name(m->layers[l].activation));
        ok = ok && cJSON_AddNumberToObject(o, "dropout", float_json(m->layers[l].dropout));
    }
    ok = ok && (o = cJSON_AddObjectToObject(root, "loss"));
    ok = ok && cJSON_AddStringToObject(o, "name", ffnn_loss_name(m->loss.kind));
    ok = ok && cJSON_AddBoolToObject(o, "from_logits", m->loss.from_logits);
    ok = ok && cJSON_AddNumberToObject(o, "huber_delta", m->loss.huber_delta);
    ok = ok && cJSON_AddBoolToObject(o, "tf_cached_logits", m->loss.tf_cached_logits);
    ok = ok && cJSON_AddStringToObject(root, "kernel_initializer",
                                       ffnn_init_name(m->kernel_initializer));
    ok = ok && cJSON_AddNumberToObject(root, "l2", m->l2);
    ok = ok && cJSON_AddStringToObject(root, "task", ffnn_task_name(p->task));
    if (ok)
        ok = p->target ? cJSON_AddStringToObject(root, "target", p->target) != NULL
                       : cJSON_AddNullToObject(root, "target") != NULL;
    ok = ok && ffnn_json_add(root, "classes", string_array(p->classes, p->n_classes));
    ok = ok && cJSON_AddBoolToObject(root, "standardize", p->standardize);
    ok = ok && cJSON_AddStringToObject(root, "impute", ffnn_impute_name(p->impute));
    ok = ok && (a = cJSON_AddArrayToObject(root, "columns"));
    for (int j = 0; ok && j < p->n_columns; j++) {
        const ffnn_prep_column *c = &p->columns[j];
        ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(a, o);
        ok = ok && cJSON_AddStringToObject(o, "name", c->name ? c->name : "");
        ok = ok && cJSON_AddBoolToObject(o, "categorical", c->categorical);
        ok = ok && ffnn_json_add(o, "categories", string_array(c->categorical ? c->cats : NULL,
                                                               c->categorical ? c->n_cats : 0));
    }
    if (!ok) {
        cJSON_Delete(root);
        ffnn_error_nomem(err);
        return NULL;
    }
    if (m->train_info) {
        bool nomem;
        cJSON *t = ffnn_json_parse_len(m->train_info, strlen(m->train_info) + 1, NULL, false, &nomem);
        if (!t || !cJSON_IsObject(t)) {
            cJSON_Delete(t);
            cJSON_Delete(root);
            if (nomem)
                ffnn_error_nomem(err);
            else
                ffnn_error_set(err, FFNN_EINTERNAL, "model: training summary is not a JSON object");
            return NULL;
        }
        if (!ffnn_json_add(root, "training", t)) {
            cJSON_Delete(root);
            ffnn_error_nomem(err);
            return NULL;
        }
    }
    return root;
}

static cJSON *tensor_entry(const out_tensor *t)
{
    cJSON *o = cJSON_CreateObject(), *a;
    bool ok = o && cJSON_AddStringToObject(o, "dtype", t->dtype == DT_F64 ? "F64" : "F32");
    ok = ok && (a = cJSON_AddArrayToObject(o, "shape"));
    for (int i = 0; ok && i < t->rank; i++)
        ok = cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->shape[i]));
    ok = ok && (a = cJSON_AddArrayToObject(o, "data_offsets"));
    ok = ok && cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->begin));
    ok = ok && cJSON_AddItemToArray(a, cJSON_CreateNumber((double)t->end));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

ffnn_status ffnn_model_serialize(const ffnn_model *m, unsigned char **buf, size_t *len,
                                 ffnn_error *err)
{
    const ffnn_prep *p = &m->prep;
    ffnn_status st = FFNN_OK;
    out_tensor *ts = NULL;
    float *ident = NULL;
    double *fill = NULL;
    unsigned char *data = NULL, *file = NULL;
    cJSON *hdr = NULL, *mj = NULL;
    char *mtext = NULL, *htext = NULL;
    *buf = NULL;
    *len = 0;

    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(m->params[i]))
            return ffnn_error_set(err, FFNN_EDATA, "model has a non-finite weight (parameter %zu)", i);
    if ((p->mean || p->scale) && p->n_features != m->n_in)
        return ffnn_error_set(err, FFNN_EINTERNAL, "model: preprocessing has %d features, network %d",
                              p->n_features, m->n_in);

    int nt = 2 * m->n_layers + 2 + (p->impute == FFNN_IMPUTE_MEAN);
    ts = ffnn_calloc((size_t)nt, sizeof *ts);
    if (!ts)
        goto nomem;
    int k = 0, in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        out_tensor *w = &ts[k++], *b = &ts[k++];
        snprintf(w->name, sizeof w->name, "layers.%d.weight", l);
        w->rank = 2;
        w->shape[0] = (size_t)m->layers[l].units;
        w->shape[1] = (size_t)in;
        w->f32 = m->params + m->w_off[l];
        snprintf(b->name, sizeof b->name, "layers.%d.bias", l);
        b->rank = 1;
        b->shape[0] = (size_t)m->layers[l].units;
        b->f32 = m->params + m->b_off[l];
        in = m->layers[l].units;
    }
    if (!p->mean || !p->scale) {
        /* A model without preprocessing stores the identity transform. */
        if (!(ident = ffnn_calloc(2 * (size_t)m->n_in, sizeof *ident)))
            goto nomem;
        for (int i = 0; i < m->n_in; i++)
            ident[m->n_in + i] = 1.0f;
    }
    out_tensor *t = &ts[k++];
    snprintf(t->name, sizeof t->name, "input.mean");
    t->rank = 1;
    t->shape[0] = (size_t)m->n_in;
    t->f32 = p->mean && p->scale ? p->mean : ident;
    t = &ts[k++];
    snprintf(t->name, sizeof t->name, "input.scale");
    t->rank = 1;
    t->shape[0] = (size_t)m->n_in;
    t->f32 = p->mean && p->scale ? p->scale : ident + m->n_in;
    if (p->impute == FFNN_IMPUTE_MEAN) {
        if (!(fill = ffnn_calloc((size_t)p->n_columns, sizeof *fill)))
            goto nomem;
        for (int j = 0; j < p->n_columns; j++) {
            fill[j] = p->columns[j].categorical ? 0.0 : p->columns[j].fill;
            if (!isfinite(fill[j])) {
                st = ffnn_error_set(err, FFNN_EDATA, "model: column \"%s\" has a non-finite fill value",
                                    p->columns[j].name);
                goto done;
            }
        }
        t = &ts[k++];
        snprintf(t->name, sizeof t->name, "input.fill");
        t->dtype = DT_F64;
        t->rank = 1;
        t->shape[0] = (size_t)p->n_columns;
        t->f64 = fill;
    }
    qsort(ts, (size_t)nt, sizeof *ts, cmp_out_tensor);

    size_t off = 0;
    for (int i = 0; i < nt; i++) {
        size_t n = 1;
        for (int r = 0; r < ts[i].rank; r++)
            n *= ts[i].shape[r];
        ts[i].begin = off;
        off += n * (ts[i].dtype == DT_F64 ? 8 : 4);
        ts[i].end = off;
    }
    size_t dlen = off;
    if (!(data = ffnn_calloc(dlen, 1)))
        goto nomem;
    for (int i = 0; i < nt; i++) {
        unsigned char *q = data + ts[i].begin;
        size_t n = (ts[i].end - ts[i].begin) / (ts[i].dtype == DT_F64 ? 8 : 4);
        for (size_t j = 0; j < n; j++) {
            if (ts[i].dtype == DT_F64)
                put_f64(q + 8 * j, ts[i].f64[j]);
            else
                put_f32(q + 4 * j, ts[i].f32[j]);
        }
    }
    char sha[65];
    ffnn_sha256_hex(data, dlen, sha);

    ffnn_error merr;
    if (!(mj = model_json(m, &merr))) {
        st = merr.status;
        if (err)
            *err = merr;
        goto done;
    }
    if (!(mtext = ffnn_json_print(mj, 0)))
        goto nomem;
    char msha[65];
    ffnn_sha256_hex(mtext, strlen(mtext), msha);
    cJSON *meta;
    if (!(hdr = cJSON_CreateObject()) || !(meta = cJSON_AddObjectToObject(hdr, "__metadata__")) ||
        !cJSON_AddStringToObject(meta, "format", "ffnn") ||
        !cJSON_AddStringToObject(meta, "ffnn.version", FFNN_MODEL_VERSION) ||
        !cJSON_AddStringToObject(meta, "ffnn.model", mtext) ||
        !cJSON_AddStringToObject(meta, "ffnn.model_sha256", msha) ||
        !cJSON_AddStringToObject(meta, "ffnn.sha256", sha))
        goto nomem;
    for (int i = 0; i < nt; i++) {
        if (!ffnn_json_add(hdr, ts[i].name, tensor_entry(&ts[i])))
            goto nomem;
    }
    if (!(htext = ffnn_json_print(hdr, 0)))
        goto nomem;
    size_t hlen = strlen(htext);
    size_t padded = (hlen + 7) / 8 * 8;
    if (!(file = malloc(8 + padded + dlen)))
        goto nomem;
    put_u64(file, padded);
    memcpy(file + 8, htext, hlen);
    memset(file + 8 + hlen, ' ', padded - hlen);
    if (dlen)
        memcpy(file + 8 + padded, data, dlen);
    *buf = file;
    *len = 8 + padded + dlen;
    file = NULL;
    goto done;
nomem:
    st = ffnn_error_nomem(err);
done:
    free(file);
    free(htext);
    free(mtext);
    cJSON_Delete(hdr);
    cJSON_Delete(mj);
    free(data);
    free(fill);
    free(ident);
    free(ts);
    return st;
}

ffnn_status ffnn_model_sha256(const ffnn_model *m, char out[65], ffnn_error *err)
{
    unsigned char *buf;
    size_t len;
    ffnn_status st = ffnn_model_serialize(m, &buf, &len, err);
    if (st)
        return st;
    uint64_t n = 0; /* the tensor bytes follow the length field and the header */
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    ffnn_sha256_hex(buf + 8 + n, len - 8 - (size_t)n, out);
    free(buf);
    return FFNN_OK;
}

/* ---- files ---------------------------------------------------------------- */

ffnn_status ffnn_model_save(const ffnn_model *m, const char *path, ffnn_error *err)
{
    unsigned char *buf;
    size_t len;
    ffnn_status st = ffnn_model_serialize(m, &buf, &len, err);
    if (st)
        return st;
    st = ffnn_file_write_atomic(path, buf, len, -1, true, err);
    free(buf);
    return st;
}

/* How much of a model a stream must give before it is worth reading on
 * (ffnn_file_want): the length field, then the header it announces, then,
 * if that header can start a model, everything.  So a model that is not a
 * regular file (a device, a pipe), whose end cannot be known in advance,
 * cannot fill memory with /dev/zero or /dev/urandom; what was read goes to
 * ffnn_model_deserialize, which gives the message. */
static size_t model_bytes_wanted(const unsigned char *buf, size_t n)
{
    if (n < 8)
        return 8;
    uint64_t hn = 0;
    for (int i = 7; i >= 0; i--)
        hn = hn << 8 | buf[i];
    if (hn < 2 || hn > MAX_HEADER)
        return n;
    if (n < 8 + hn)
        return 8 + (size_t)hn;
    if (buf[8] != '{' || memchr(buf + 8, '\0', (size_t)hn))
        return n;
    return SIZE_MAX;
}

ffnn_status ffnn_model_load(ffnn_model **out, const char *path, ffnn_error *err)
{
    *out = NULL;
    char *buf;
    size_t len;
    struct stat sb;
    bool regular = stat(path, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode);
    ffnn_status st = regular ? ffnn_file_read(path, &buf, &len, err)
                             : ffnn_file_read_until(path, SIZE_MAX - 1, model_bytes_wanted, &buf,
                                                    &len, err);
    if (!st)
        st = ffnn_model_deserialize(out, (const unsigned char *)buf, len, path, err);
    free(buf);
    return st;
}
