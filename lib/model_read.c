/* ffnn — reading the model file (ffnn-model(5)): every safetensors rule
 * (reference/formats.md §1a), plus the ffnn rules: first byte '{', no
 * duplicate keys, format and version, checksum, the shapes the architecture
 * implies, finite values.  Each failure is one line "<name>: <what>".
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
#include "ffnn/csv.h"
#include "ffnn/file.h"
#include "ffnn/model_io.h"
#include "internal.h"
#include "model_io_internal.h"


/* ---- little-endian scalars ------------------------------------------------ */

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static float get_f32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double get_f64(const unsigned char *p)
{
    uint64_t u = get_u64(p);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* ---- reading ---------------------------------------------------------------- */

/* FFNN_EDATA "<name>: <what>". */
static ffnn_status bad(ffnn_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ffnn_status bad(ffnn_error *err, const char *name, const char *fmt, ...)
{
    char msg[FFNN_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ffnn_error_set(err, FFNN_EDATA, "%s: %s", name, msg);
}

static const struct {
    const char *name;
    int bits;
} dtypes[] = {
    {"BOOL", 8},     {"U8", 8},       {"I8", 8},      {"I16", 16},      {"U16", 16},
    {"I32", 32},     {"U32", 32},     {"I64", 64},    {"U64", 64},      {"F16", 16},
    {"BF16", 16},    {"F32", 32},     {"F64", 64},    {"C64", 64},      {"F8_E5M2", 8},
    {"F8_E4M3", 8},  {"F8_E8M0", 8},  {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8},
    {"F4", 4},       {"F6_E2M3", 6},  {"F6_E3M2", 6},
};

typedef struct {
    const char *name;
    int dtype;            /* DT_F32 or DT_F64 */
    int rank;
    uint64_t shape[8];    /* first 8 dims (ffnn tensors have rank <= 2) */
    uint64_t begin, end;
    bool used;
} in_tensor;

static int cmp_in_tensor(const void *a, const void *b)
{
    const in_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* An integer-valued JSON number in [0, max]. */
static bool json_uint(const cJSON *x, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(x))
        return false;
    double d = x->valuedouble;
    if (!(d >= 0 && d <= (double)max) || d != floor(d))
        return false;
    *out = (uint64_t)d;
    return true;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first key that occurs twice in any object of the tree, or NULL.
 * (cJSON keeps duplicate members; lookups see only the first.)  Out of
 * memory for the sorted names, it compares every pair instead. */
static const char *duplicate_key(const cJSON *item)
{
    if (cJSON_IsObject(item)) {
        size_t n = 0;
        for (const cJSON *c = item->child; c; c = c->next)
            n++;
        if (n > 1) {
            const char **names = ffnn_calloc(n, sizeof *names);
            if (names) {
                size_t i = 0;
                for (const cJSON *c = item->child; c; c = c->next)
                    names[i++] = c->string ? c->string : "";
                qsort(names, n, sizeof *names, cmp_str_ptr);
                for (i = 1; i < n; i++)
                    if (strcmp(names[i - 1], names[i]) == 0) {
                        const char *d = names[i];
                        free(names);
                        return d;
                    }
                free(names);
            } else {
                for (const cJSON *a = item->child; a; a = a->next)
                    for (const cJSON *b = a->next; b; b = b->next)
                        if (strcmp(a->string ? a->string : "", b->string ? b->string : "") == 0)
                            return b->string ? b->string : "";
            }
        }
    }
    if (cJSON_IsObject(item) || cJSON_IsArray(item))
        for (const cJSON *c = item->child; c; c = c->next) {
            const char *d = duplicate_key(c);
            if (d)
                return d;
        }
    return NULL;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Checks that obj holds exactly the keys in req (all required) plus any in
 * opt; message names where. */
static ffnn_status check_keys(const cJSON *obj, const char *const *req, int nreq,
                              const char *const *opt, int nopt, const char *name, const char *where,
                              ffnn_error *err)
{
    const char *sep = *where ? ": " : "";
    if (!cJSON_IsObject(obj))
        return *where ? bad(err, name, "ffnn.model: %s must be an object", where)
                      : bad(err, name, "ffnn.model: not a JSON object");
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool known = false;
        for (int i = 0; i < nreq && !known; i++)
            known = strcmp(c->string, req[i]) == 0;
        for (int i = 0; i < nopt && !known; i++)
            known = strcmp(c->string, opt[i]) == 0;
        if (!known)
            return bad(err, name, "ffnn.model: %s%sunexpected key \"%s\"", where, sep, c->string);
    }
    for (int i = 0; i < nreq; i++)
        if (!get(obj, req[i]))
            return bad(err, name, "ffnn.model: %s%smissing \"%s\"", where, sep, req[i]);
    return FFNN_OK;
}

/* The strings of array a, malloc'd, *n of them; when out of memory sets *ok
 * false (and leaves it alone otherwise) and returns what it has for the
 * model's destroy to free. */
static char **read_strings(const cJSON *a, int *n, bool *ok)
{
    *n = cJSON_GetArraySize(a);
    if (*n == 0)
        return NULL;
    char **s = ffnn_calloc((size_t)*n, sizeof *s);
    if (!s) {
        *n = 0;
        *ok = false;
        return NULL;
    }
    int i = 0;
    for (const cJSON *c = a->child; c; c = c->next, i++)
        if (!(s[i] = strdup(c->valuestring)))
            *ok = false;
    return s;
}

static bool all_strings(const cJSON *a)
{
    if (!cJSON_IsArray(a))
        return false;
    for (const cJSON *c = a->child; c; c = c->next)
        if (!cJSON_IsString(c))
            return false;
    return true;
}

/* Builds the model (no weights yet) from the ffnn.model JSON. */
static ffnn_status model_from_json(ffnn_model **out, const cJSON *j, const char *name,
                                   ffnn_error *err)
{
    static const char *const top_req[] = {"n_in", "layers", "loss", "kernel_initializer", "l2",
                                          "task", "target", "classes", "standardize", "impute",
                                          "columns"};
    static const char *const top_opt[] = {"training"};
    static const char *const layer_req[] = {"units", "activation", "dropout"};
    static const char *const loss_req[] = {"name", "from_logits", "huber_delta"};
    static const char *const loss_opt[] = {"tf_cached_logits"};
    static const char *const col_req[] = {"name", "categorical", "categories"};
    ffnn_status st;
    char where[64];
    *out = NULL;
    if ((st = check_keys(j, top_req, 11, top_opt, 1, name, "", err)))
        return st;

    uint64_t n_in;
    if (!json_uint(get(j, "n_in"), 1 << 24, &n_in) || n_in < 1)
        return bad(err, name, "ffnn.model: n_in must be a positive integer");
    const cJSON *ls = get(j, "layers");
    int nl = cJSON_IsArray(ls) ? cJSON_GetArraySize(ls) : -1;
    if (nl < 1 || nl > FFNN_MAX_LAYERS)
        return bad(err, name, "ffnn.model: layers must be an array of 1 to %d layers",
                   FFNN_MAX_LAYERS);
    ffnn_layer_spec layers[FFNN_MAX_LAYERS];
    int l = 0;
    for (const cJSON *c = ls->child; c; c = c->next, l++) {
        snprintf(where, sizeof where, "layers[%d]", l);
        if ((st = check_keys(c, layer_req, 3, NULL, 0, name, where, err)))
            return st;
        uint64_t units;
        if (!json_uint(get(c, "units"), 1 << 20, &units) || units < 1)
            return bad(err, name, "ffnn.model: %s.units must be an integer from 1 to %d", where, 1 << 20);
        const cJSON *a = get(c, "activation");
        int act = cJSON_IsString(a) ? ffnn_act_parse(a->valuestring) : -1;
        if (act < 0)
            return bad(err, name, "ffnn.model: %s.activation: unknown activation", where);
        const cJSON *d = get(c, "dropout");
        if (!cJSON_IsNumber(d) || !(d->valuedouble >= 0 && d->valuedouble < 1))
            return bad(err, name, "ffnn.model: %s.dropout must be a number in [0, 1)", where);
        layers[l].units = (int)units;
        layers[l].activation = (ffnn_act)act;
        layers[l].dropout = (float)d->valuedouble;
    }

    const cJSON *lo = get(j, "loss");
    if ((st = check_keys(lo, loss_req, 3, loss_opt, 1, name, "loss", err)))
        return st;
    const cJSON *x = get(lo, "name");
    int loss = cJSON_IsString(x) ? ffnn_loss_parse(x->valuestring) : -1;
    if (loss < 0)
        return bad(err, name, "ffnn.model: loss.name: unknown loss");
    const cJSON *fl = get(lo, "from_logits");
    if (!cJSON_IsBool(fl))
        return bad(err, name, "ffnn.model: loss.from_logits must be true or false");
    const cJSON *tc = get(lo, "tf_cached_logits");
    if (tc && !cJSON_IsBool(tc))
        return bad(err, name, "ffnn.model: loss.tf_cached_logits must be true or false");
    const cJSON *hd = get(lo, "huber_delta");
    if (!cJSON_IsNumber(hd) || !(hd->valuedouble > 0 && isfinite(hd->valuedouble)))
        return bad(err, name, "ffnn.model: loss.huber_delta must be a positive number");
    x = get(j, "kernel_initializer");
    int init = cJSON_IsString(x) ? ffnn_init_parse(x->valuestring) : -1;
    if (init < 0)
        return bad(err, name, "ffnn.model: kernel_initializer: unknown initializer");
    const cJSON *l2 = get(j, "l2");
    if (!cJSON_IsNumber(l2) || !(l2->valuedouble >= 0 && isfinite(l2->valuedouble)))
        return bad(err, name, "ffnn.model: l2 must be a non-negative number");
    x = get(j, "task");
    int task = cJSON_IsString(x) ? ffnn_task_parse(x->valuestring) : -1;
    if (task < 0)
        return bad(err, name, "ffnn.model: task must be binary, multiclass or regression");
    const cJSON *target = get(j, "target");
    if (!cJSON_IsString(target) && !cJSON_IsNull(target))
        return bad(err, name, "ffnn.model: target must be a string");
    const cJSON *classes = get(j, "classes");
    if (!all_strings(classes))
        return bad(err, name, "ffnn.model: classes must be an array of strings");
    int ncls = cJSON_GetArraySize(classes);
    int n_out = layers[nl - 1].units;
    if ((task == FFNN_TASK_BINARY && (ncls != 2 || n_out > 2)) ||
        (task == FFNN_TASK_MULTICLASS && (ncls < 2 || n_out != ncls)) ||
        (task == FFNN_TASK_REGRESSION && (ncls != 0 || n_out != 1)))
        return bad(err, name, "ffnn.model: %d classes and %d outputs do not fit a %s task", ncls,
                   n_out, ffnn_task_name((ffnn_task)task));
    const cJSON *sd = get(j, "standardize");
    if (!cJSON_IsBool(sd))
        return bad(err, name, "ffnn.model: standardize must be true or false");
    x = get(j, "impute");
    int imp = cJSON_IsString(x) ? ffnn_impute_parse(x->valuestring) : -1;
    if (imp < 0)
        return bad(err, name, "ffnn.model: impute must be \"none\" or \"mean\"");
    const cJSON *cols = get(j, "columns");
    if (!cJSON_IsArray(cols))
        return bad(err, name, "ffnn.model: columns must be an array");
    int ncol = 0;
    uint64_t width = 0;
    for (const cJSON *c = cols->child; c; c = c->next, ncol++) {
        snprintf(where, sizeof where, "columns[%d]", ncol);
        if ((st = check_keys(c, col_req, 3, NULL, 0, name, where, err)))
            return st;
        const cJSON *cn = get(c, "name"), *cat = get(c, "categorical"), *cs = get(c, "categories");
        if (!cJSON_IsString(cn) || !cJSON_IsBool(cat) || !all_strings(cs))
            return bad(err, name, "ffnn.model: %s: expected a string name, a boolean categorical "
                       "and an array of string categories", where);
        int nc = cJSON_GetArraySize(cs);
        if (cJSON_IsTrue(cat) ? nc < 1 : nc != 0)
            return bad(err, name, "ffnn.model: %s: %s", where,
                       nc ? "a numeric column has no categories" : "a categorical column needs categories");
        width += cJSON_IsTrue(cat) ? (uint64_t)nc : 1;
    }
    if (width != n_in)
        return bad(err, name, "ffnn.model: the columns encode %llu features but n_in is %llu",
                   (unsigned long long)width, (unsigned long long)n_in);
    const cJSON *tr = get(j, "training");
    if (tr && !cJSON_IsObject(tr))
        return bad(err, name, "ffnn.model: training must be an object");

    ffnn_model *m;
    if ((st = ffnn_model_create_layers(&m, (int)n_in, layers, nl, err))) {
        if (st == FFNN_ENOMEM)
            return st;
        ffnn_error_prefix(err, "%s: ffnn.model", name);
        if (err)
            err->status = FFNN_EDATA;
        return FFNN_EDATA;
    }
    m->loss.kind = (ffnn_loss_kind)loss;
    m->loss.from_logits = cJSON_IsTrue(fl);
    m->loss.tf_cached_logits = cJSON_IsTrue(tc);
    m->loss.huber_delta = hd->valuedouble;
    m->kernel_initializer = (ffnn_init)init;
    m->l2 = l2->valuedouble;

    ffnn_prep *p = &m->prep;
    bool ok = true;
    p->task = (ffnn_task)task;
    p->standardize = cJSON_IsTrue(sd);
    p->impute = (ffnn_impute)imp;
    if (cJSON_IsString(target) && !(p->target = strdup(target->valuestring)))
        ok = false;
    p->classes = read_strings(classes, &p->n_classes, &ok);
    p->n_features = (int)n_in;
    p->mean = ffnn_calloc(n_in, sizeof *p->mean);
    p->scale = ffnn_calloc(n_in, sizeof *p->scale);
    ok = ok && p->mean && p->scale;
    if (ncol && !(p->columns = ffnn_calloc((size_t)ncol, sizeof *p->columns)))
        ok = false;
    if (p->columns) {
        p->n_columns = ncol;
        int i = 0, offset = 0;
        for (const cJSON *c = cols->child; c; c = c->next, i++) {
            ffnn_prep_column *pc = &p->columns[i];
            pc->categorical = cJSON_IsTrue(get(c, "categorical"));
            if (!(pc->name = strdup(get(c, "name")->valuestring)))
                ok = false;
            pc->cats = read_strings(get(c, "categories"), &pc->n_cats, &ok);
            pc->offset = offset;
            offset += pc->categorical ? pc->n_cats : 1;
        }
    }
    if (ok && tr && !(m->train_info = ffnn_json_print(tr, 0)))
        ok = false;
    if (!ok) {
        ffnn_model_destroy(m);
        return ffnn_error_nomem(err);
    }
    *out = m;
    return FFNN_OK;
}

/* The index in v[0..n) of the second occurrence of a name that occurs
 * twice (*first: the first one's), or -1; scratch holds n pointers. */
static int repeated_name(char *const *v, int n, const char **scratch, int *first)
{
    if (n < 2)
        return -1;
    memcpy(scratch, v, (size_t)n * sizeof *scratch);
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_str_ptr);
    for (int i = 1; i < n; i++)
        if (strcmp(scratch[i - 1], scratch[i]) == 0) {
            int a = -1, b = -1;
            for (int j = 0; j < n && b < 0; j++)
                if (strcmp(v[j], scratch[i]) == 0) {
                    if (a < 0)
                        a = j;
                    else
                        b = j;
                }
            *first = a;
            return b;
        }
    return -1;
}

/* What the rest of ffnn assumes of a model's preprocessing and the
 * checksums cannot vouch for (they can be recomputed by anyone): class
 * names and column names distinct (a repeated class would print one name
 * for two outputs, a repeated column would bind both to one input column),
 * the target not a feature, and each column's categories distinct and in
 * byte order (encoding looks them up by binary search). */
static ffnn_status check_prep(const ffnn_prep *p, const char *name, ffnn_error *err)
{
    int n = p->n_classes > p->n_columns ? p->n_classes : p->n_columns, a, b;
    /* n sorted pointers, then the n_columns column names */
    const char **scratch = ffnn_calloc((size_t)n + (size_t)p->n_columns + 1, sizeof *scratch);
    if (!scratch)
        return ffnn_error_nomem(err);
    char **names = (char **)(scratch + n);
    ffnn_status st = FFNN_OK;
    if ((b = repeated_name(p->classes, p->n_classes, scratch, &a)) >= 0) {
        st = bad(err, name, "ffnn.model: classes[%d]: \"%s\" is also classes[%d]", b, p->classes[b], a);
        goto done;
    }
    for (int c = 0; c < p->n_columns; c++)
        names[c] = p->columns[c].name;
    if ((b = repeated_name(names, p->n_columns, scratch, &a)) >= 0) {
        st = bad(err, name, "ffnn.model: columns[%d].name: \"%s\" is also columns[%d].name", b,
                 names[b], a);
        goto done;
    }
    for (int c = 0; c < p->n_columns; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        if (p->target && strcmp(p->target, col->name) == 0) {
            st = bad(err, name, "ffnn.model: target: \"%s\" is also a feature (columns[%d])",
                     p->target, c);
            goto done;
        }
        for (int k = 1; k < col->n_cats; k++)
            if (strcmp(col->cats[k - 1], col->cats[k]) >= 0) {
                st = bad(err, name, "ffnn.model: columns[%d].categories[%d]: \"%s\" does not sort "
                         "after \"%s\" (categories are distinct, in byte order)",
                         c, k, col->cats[k], col->cats[k - 1]);
                goto done;
            }
    }
done:
    free(scratch);
    return st;
}

static const char *shape_text(char *buf, size_t n, const uint64_t *shape, int rank)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < rank && i < 8 && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%llu", i ? ", " : "", (unsigned long long)shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "%s]", rank > 8 ? ", ..." : "");
    return buf;
}

/* Finds the tensor named tname, checks dtype and shape, marks it used. */
static ffnn_status expect(in_tensor *ts, int nt, const char *tname, int dtype, uint64_t d0, int rank,
                          uint64_t d1, const char *name, in_tensor **found, ffnn_error *err)
{
    for (int i = 0; i < nt; i++) {
        if (strcmp(ts[i].name, tname) != 0)
            continue;
        in_tensor *t = &ts[i];
        if (t->dtype != dtype)
            return bad(err, name, "tensor \"%s\": dtype %s, expected %s", tname,
                       t->dtype == DT_F64 ? "F64" : "F32", dtype == DT_F64 ? "F64" : "F32");
        uint64_t want[2] = {d0, d1};
        if (t->rank != rank || t->shape[0] != d0 || (rank == 2 && t->shape[1] != d1)) {
            char a[96], b[96];
            return bad(err, name, "tensor \"%s\": shape %s, expected %s for the architecture", tname,
                       shape_text(a, sizeof a, t->shape, t->rank), shape_text(b, sizeof b, want, rank));
        }
        t->used = true;
        *found = t;
        return FFNN_OK;
    }
    return bad(err, name, "missing tensor \"%s\"", tname);
}

static ffnn_status check_finite_f32(const in_tensor *t, const unsigned char *data, const char *name,
                                    ffnn_error *err)
{
    size_t n = (size_t)(t->end - t->begin) / 4;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(get_f32(data + t->begin + 4 * i)))
            return bad(err, name, "tensor \"%s\": non-finite value at index %zu", t->name, i);
    return FFNN_OK;
}

ffnn_status ffnn_model_deserialize(ffnn_model **out, const unsigned char *buf, size_t len,
                                   const char *name, ffnn_error *err)
{
    ffnn_status st = FFNN_OK;
    cJSON *hdr = NULL, *mj = NULL;
    in_tensor *ts = NULL;
    ffnn_model *m = NULL;
    *out = NULL;
    if (!name)
        name = "model";

    if (len == 0)
        return bad(err, name, "empty file");
    if (len < 8)
        return bad(err, name, "truncated: file has %zu bytes, too short for a safetensors header", len);
    uint64_t hn = get_u64(buf);
    bool text = true;
    for (int i = 0; i < 8; i++)
        text = text && ((buf[i] >= 0x20 && buf[i] < 0x7F) || buf[i] == '\t' || buf[i] == '\n' ||
                        buf[i] == '\r');
    if (hn > MAX_HEADER && text)
        return bad(err, name, "not an ffnn model (no safetensors header; this looks like a text file)");
    if (hn > MAX_HEADER)
        return bad(err, name, "not an ffnn model (no safetensors header: header length %llu exceeds "
                   "%llu bytes)", (unsigned long long)hn, MAX_HEADER);
    if (hn > len - 8)
        return bad(err, name, "truncated: header says %llu bytes but file has %zu",
                   (unsigned long long)hn, len);
    const char *htext = (const char *)buf + 8;
    if (hn < 2 || htext[0] != '{')
        return bad(err, name, "not an ffnn model (no safetensors header)");
    if (memchr(htext, '\0', hn))
        return bad(err, name, "invalid header: NUL byte at byte %zu",
                   (size_t)((const char *)memchr(htext, '\0', hn) - htext) + 8);
    long bu = ffnn_utf8_invalid(htext, hn);
    if (bu >= 0)
        return bad(err, name, "invalid header: not UTF-8 at byte %ld", bu + 8);
    const char *end = NULL;
    bool nomem;
    hdr = ffnn_json_parse_len(htext, hn, &end, false, &nomem);
    if (!hdr) {
        if (nomem)
            return ffnn_error_nomem(err);
        size_t pos = end && end >= htext && end <= htext + hn ? (size_t)(end - htext) : 0;
        return bad(err, name, "invalid header JSON at byte %zu", pos + 8);
    }
    for (const char *q = end; q < htext + hn; q++)
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            st = bad(err, name, "invalid header: unexpected data after the JSON object at byte %zu",
                     (size_t)(q - htext) + 8);
            goto done;
        }
    const char *dup = duplicate_key(hdr);
    if (dup) {
        st = bad(err, name, "duplicate key \"%s\" in header", dup);
        goto done;
    }

    /* Tensor entries: exactly dtype, shape, data_offsets. */
    const unsigned char *data = buf + 8 + hn;
    uint64_t dlen = len - 8 - hn;
    int nt = 0;
    for (const cJSON *c = hdr->child; c; c = c->next)
        nt += strcmp(c->string, "__metadata__") != 0;
    if (!(ts = ffnn_calloc((size_t)nt, sizeof *ts))) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    int k = 0;
    for (const cJSON *c = hdr->child; c; c = c->next) {
        if (strcmp(c->string, "__metadata__") == 0)
            continue;
        in_tensor *t = &ts[k++];
        t->name = c->string;
        int nkeys = cJSON_GetArraySize(c);
        const cJSON *dt = get(c, "dtype"), *sh = get(c, "shape"), *of = get(c, "data_offsets");
        if (!cJSON_IsObject(c) || nkeys != 3 || !dt || !sh || !of) {
            st = bad(err, name, "tensor \"%s\": expected exactly dtype, shape and data_offsets",
                     t->name);
            goto done;
        }
        if (!cJSON_IsString(dt)) {
            st = bad(err, name, "tensor \"%s\": dtype must be a string", t->name);
            goto done;
        }
        int di = -1;
        for (int i = 0; i < (int)FFNN_ARRAY_LEN(dtypes); i++)
            if (strcmp(dt->valuestring, dtypes[i].name) == 0)
                di = i;
        if (di < 0) {
            st = bad(err, name, "tensor \"%s\": unknown dtype \"%s\"", t->name, dt->valuestring);
            goto done;
        }
        if (strcmp(dt->valuestring, "F32") != 0 && strcmp(dt->valuestring, "F64") != 0) {
            st = bad(err, name, "tensor \"%s\": unsupported dtype %s (ffnn models hold F32 and F64)",
                     t->name, dt->valuestring);
            goto done;
        }
        t->dtype = strcmp(dt->valuestring, "F64") == 0 ? DT_F64 : DT_F32;
        int esize = t->dtype == DT_F64 ? 8 : 4;
        if (!cJSON_IsArray(sh)) {
            st = bad(err, name, "tensor \"%s\": shape must be an array of integers", t->name);
            goto done;
        }
        uint64_t count = 1;
        bool overflow = false;
        for (const cJSON *d = sh->child; d; d = d->next, t->rank++) {
            uint64_t v;
            if (!json_uint(d, MAX_OFFSET, &v)) {
                st = bad(err, name, "tensor \"%s\": shape must hold integers from 0 to %llu",
                         t->name, MAX_OFFSET);
                goto done;
            }
            if (t->rank < 8)
                t->shape[t->rank] = v;
            if (v && count > UINT64_MAX / v)
                overflow = true;
            else
                count *= v;
        }
        if (overflow || count > UINT64_MAX / (uint64_t)esize) {
            st = bad(err, name, "tensor \"%s\": shape too large", t->name);
            goto done;
        }
        if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2 ||
            !json_uint(of->child, MAX_OFFSET, &t->begin) ||
            !json_uint(of->child->next, MAX_OFFSET, &t->end)) {
            st = bad(err, name, "tensor \"%s\": data_offsets must be [begin, end], integers from 0 "
                     "to %llu", t->name, MAX_OFFSET);
            goto done;
        }
        if (t->end < t->begin) {
            st = bad(err, name, "tensor \"%s\": data_offsets [%llu, %llu] end before they begin",
                     t->name, (unsigned long long)t->begin, (unsigned long long)t->end);
            goto done;
        }
        if (count * (uint64_t)esize != t->end - t->begin) {
            char s[96];
            st = bad(err, name, "tensor \"%s\": shape %s of %s needs %llu bytes, data_offsets give %llu",
                     t->name, shape_text(s, sizeof s, t->shape, t->rank), dt->valuestring,
                     (unsigned long long)(count * (uint64_t)esize),
                     (unsigned long long)(t->end - t->begin));
            goto done;
        }
    }

    /* The tensors must tile the data buffer exactly. */
    qsort(ts, (size_t)nt, sizeof *ts, cmp_in_tensor);
    uint64_t pos = 0;
    for (int i = 0; i < nt; i++) {
        if (ts[i].begin != pos) {
            st = bad(err, name, "tensor \"%s\": data begins at byte %llu of the buffer, expected %llu "
                     "(%s)", ts[i].name, (unsigned long long)ts[i].begin, (unsigned long long)pos,
                     ts[i].begin > pos ? "gap" : "overlap");
            goto done;
        }
        pos = ts[i].end;
    }
    if (pos > dlen) {
        st = bad(err, name, "truncated: tensors need %llu bytes of data but file has %llu",
                 (unsigned long long)pos, (unsigned long long)dlen);
        goto done;
    }
    if (pos < dlen) {
        st = bad(err, name, "trailing bytes: %llu bytes after the last tensor",
                 (unsigned long long)(dlen - pos));
        goto done;
    }

    /* __metadata__: strings only; format, version, checksum. */
    const cJSON *meta = get(hdr, "__metadata__");
    if (!meta) {
        st = bad(err, name, "not an ffnn model (no __metadata__ in the header)");
        goto done;
    }
    if (!cJSON_IsObject(meta)) {
        st = bad(err, name, "__metadata__ must be an object of strings");
        goto done;
    }
    for (const cJSON *c = meta->child; c; c = c->next)
        if (!cJSON_IsString(c)) {
            st = bad(err, name, "__metadata__: \"%s\" must be a string", c->string);
            goto done;
        }
    const cJSON *fmt = get(meta, "format");
    if (!fmt) {
        st = bad(err, name, "not an ffnn model (no format in __metadata__)");
        goto done;
    }
    if (strcmp(fmt->valuestring, "ffnn") != 0) {
        st = bad(err, name, "not an ffnn model (format is \"%.40s\")", fmt->valuestring);
        goto done;
    }
    const cJSON *ver = get(meta, "ffnn.version");
    if (!ver) {
        st = bad(err, name, "missing ffnn.version in __metadata__");
        goto done;
    }
    bool v1 = strcmp(ver->valuestring, "1") == 0;
    if (!v1 && strcmp(ver->valuestring, FFNN_MODEL_VERSION) != 0) {
        st = bad(err, name, "unsupported ffnn model version %.40s (this ffnn reads versions 1 to %s)",
                 ver->valuestring, FFNN_MODEL_VERSION);
        goto done;
    }
    const cJSON *sha = get(meta, "ffnn.sha256");
    if (!sha) {
        st = bad(err, name, "missing ffnn.sha256 in __metadata__");
        goto done;
    }
    char hex[65];
    ffnn_sha256_hex(data, (size_t)dlen, hex);
    if (strcmp(hex, sha->valuestring) != 0) {
        st = bad(err, name, "checksum mismatch: file is corrupted");
        goto done;
    }
    const cJSON *mt = get(meta, "ffnn.model");
    if (!mt) {
        st = bad(err, name, "missing ffnn.model in __metadata__");
        goto done;
    }
    if (!v1) {   /* version 2: the model document has its own checksum */
        const cJSON *msha = get(meta, "ffnn.model_sha256");
        if (!msha) {
            st = bad(err, name, "missing ffnn.model_sha256 in __metadata__");
            goto done;
        }
        ffnn_sha256_hex(mt->valuestring, strlen(mt->valuestring), hex);
        if (strcmp(hex, msha->valuestring) != 0) {
            st = bad(err, name, "checksum mismatch in ffnn.model: file is corrupted");
            goto done;
        }
    }
    const char *mend = NULL;
    mj = ffnn_json_parse_len(mt->valuestring, strlen(mt->valuestring) + 1, &mend, true, &nomem);
    if (!mj) {
        if (nomem) {
            st = ffnn_error_nomem(err);
            goto done;
        }
        size_t at = mend ? (size_t)(mend - mt->valuestring) : 0;
        st = bad(err, name, "ffnn.model: invalid JSON at character %zu", at + 1);
        goto done;
    }
    if ((dup = duplicate_key(mj))) {
        st = bad(err, name, "ffnn.model: duplicate key \"%s\"", dup);
        goto done;
    }
    if ((st = model_from_json(&m, mj, name, err)) || (st = check_prep(&m->prep, name, err)))
        goto done;

    /* Tensors against the architecture. */
    in_tensor *t;
    char tn[40];
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        uint64_t units = (uint64_t)m->layers[l].units;
        snprintf(tn, sizeof tn, "layers.%d.weight", l);
        if ((st = expect(ts, nt, tn, DT_F32, units, 2, (uint64_t)in, name, &t, err)) ||
            (st = check_finite_f32(t, data, name, err)))
            goto done;
        for (uint64_t i = 0; i < units * (uint64_t)in; i++)
            m->params[m->w_off[l] + i] = get_f32(data + t->begin + 4 * i);
        snprintf(tn, sizeof tn, "layers.%d.bias", l);
        if ((st = expect(ts, nt, tn, DT_F32, units, 1, 0, name, &t, err)) ||
            (st = check_finite_f32(t, data, name, err)))
            goto done;
        for (uint64_t i = 0; i < units; i++)
            m->params[m->b_off[l] + i] = get_f32(data + t->begin + 4 * i);
        in = m->layers[l].units;
    }
    ffnn_prep *p = &m->prep;
    if ((st = expect(ts, nt, "input.mean", DT_F32, (uint64_t)m->n_in, 1, 0, name, &t, err)) ||
        (st = check_finite_f32(t, data, name, err)))
        goto done;
    for (int i = 0; i < m->n_in; i++)
        p->mean[i] = get_f32(data + t->begin + 4 * (size_t)i);
    if ((st = expect(ts, nt, "input.scale", DT_F32, (uint64_t)m->n_in, 1, 0, name, &t, err)) ||
        (st = check_finite_f32(t, data, name, err)))
        goto done;
    for (int i = 0; i < m->n_in; i++) {
        p->scale[i] = get_f32(data + t->begin + 4 * (size_t)i);
        if (p->scale[i] == 0.0f) {
            st = bad(err, name, "tensor \"input.scale\": zero at index %d", i);
            goto done;
        }
    }
    if (p->impute == FFNN_IMPUTE_MEAN) {
        if ((st = expect(ts, nt, "input.fill", DT_F64, (uint64_t)p->n_columns, 1, 0, name, &t, err)))
            goto done;
        for (int i = 0; i < p->n_columns; i++) {
            p->columns[i].fill = get_f64(data + t->begin + 8 * (size_t)i);
            if (!isfinite(p->columns[i].fill)) {
                st = bad(err, name, "tensor \"input.fill\": non-finite value at index %d", i);
                goto done;
            }
        }
    }
    for (int i = 0; i < nt; i++)
        if (!ts[i].used) {
            st = bad(err, name, "unexpected tensor \"%s\"", ts[i].name);
            goto done;
        }
    *out = m;
    m = NULL;
done:
    ffnn_model_destroy(m);
    cJSON_Delete(mj);
    free(ts);
    cJSON_Delete(hdr);
    return st;
}

