/* ffnn — the training config JSON (ffnn-config(5)) <-> structs.
 *
 * Parsing starts from the library defaults (ffnn_prep_options_default,
 * ffnn_arch_spec_default, ffnn_fit_options_default, ffnn_optim_default) and
 * overlays the file's keys; ffnn_config_apply does the same for the tuner's
 * hyperparameters.  Every problem is FFNN_ECONFIG "name: path: message".
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/config.h"
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "internal.h"

/* ---- lifecycle ------------------------------------------------------------ */

ffnn_config ffnn_config_default(void)
{
    ffnn_config c;
    memset(&c, 0, sizeof c);
    c.prep = ffnn_prep_options_default();
    c.arch = ffnn_arch_spec_default();
    c.fit = ffnn_fit_options_default();
    c.has_seed = false;
    c.default_stop = true;
    return c;
}

void ffnn_config_set_epochs(ffnn_config *c, int epochs)
{
    c->fit.epochs = epochs;
    if (c->default_stop)
        c->fit.early_stopping = ffnn_early_stopping_default();
    c->default_stop = false;
}

void ffnn_config_release(ffnn_config *c)
{
    if (!c)
        return;
    free(c->prep.target);
    for (int i = 0; i < c->prep.n_ignore; i++)
        free(c->prep.ignore[i]);
    free(c->prep.ignore);
    for (int i = 0; i < c->prep.n_types; i++)
        free(c->prep.types[i].name);
    free(c->prep.types);
    c->prep.target = NULL;
    c->prep.ignore = NULL;
    c->prep.n_ignore = 0;
    c->prep.types = NULL;
    c->prep.n_types = 0;
}

ffnn_status ffnn_config_copy(ffnn_config *dst, const ffnn_config *src, ffnn_error *err)
{
    ffnn_config c = *src;
    c.prep.target = NULL;
    c.prep.ignore = NULL;
    c.prep.n_ignore = 0;
    c.prep.types = NULL;
    c.prep.n_types = 0;
    if (src->prep.target && !(c.prep.target = strdup(src->prep.target)))
        goto nomem;
    if (src->prep.n_ignore > 0) {
        if (!(c.prep.ignore = ffnn_calloc((size_t)src->prep.n_ignore, sizeof *c.prep.ignore)))
            goto nomem;
        for (; c.prep.n_ignore < src->prep.n_ignore; c.prep.n_ignore++)
            if (!(c.prep.ignore[c.prep.n_ignore] = strdup(src->prep.ignore[c.prep.n_ignore])))
                goto nomem;
    }
    if (src->prep.n_types > 0) {
        if (!(c.prep.types = ffnn_calloc((size_t)src->prep.n_types, sizeof *c.prep.types)))
            goto nomem;
        for (; c.prep.n_types < src->prep.n_types; c.prep.n_types++) {
            ffnn_column_type *ct = &c.prep.types[c.prep.n_types];
            ct->categorical = src->prep.types[c.prep.n_types].categorical;
            if (!(ct->name = strdup(src->prep.types[c.prep.n_types].name)))
                goto nomem;
        }
    }
    *dst = c;
    return FFNN_OK;
nomem:
    ffnn_config_release(&c);
    return ffnn_error_nomem(err);
}

/* ---- parsing -------------------------------------------------------------- */

typedef struct {
    const char *name;
    ffnn_error *err;
} ctx;

static ffnn_status fail(const ctx *x, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ffnn_status fail(const ctx *x, const char *path, const char *fmt, ...)
{
    char msg[FFNN_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ffnn_error_set(x->err, FFNN_ECONFIG, "%s: %s: %s", x->name, path, msg);
}

/* The value as it appeared, for messages: `"32"`, `-1`, `[...]`, cut short. */
static const char *shown(char *buf, size_t n, const cJSON *v)
{
    char *s = ffnn_json_print(v, 0);
    if (!s)
        snprintf(buf, n, "?");
    else if (strlen(s) > 40)
        snprintf(buf, n, "%.37s...", s);
    else
        snprintf(buf, n, "%s", s);
    free(s);
    return buf;
}

static ffnn_status type_error(const ctx *x, const char *path, const char *want, const cJSON *v)
{
    char b[48];
    return fail(x, path, "expected %s, got %s", want, shown(b, sizeof b, v));
}

static void join(char *out, size_t n, const char *path, const char *key)
{
    if (path && *path)
        snprintf(out, n, "%s.%s", path, key);
    else
        snprintf(out, n, "%s", key);
}

/* Checks o's keys against keys[n] (unknown -> suggestion, duplicates) and
 * returns each key's index in idx order of appearance via the callback loop
 * in the caller; here only validation. */
static ffnn_status check_object(const ctx *x, const char *path, const cJSON *o,
                                const char *const *keys, int n)
{
    char p[160];
    for (const cJSON *c = o->child; c; c = c->next) {
        bool known = false;
        for (int i = 0; i < n && !known; i++)
            known = strcmp(c->string, keys[i]) == 0;
        join(p, sizeof p, path, c->string);
        if (!known) {
            const char *s = ffnn_suggest(c->string, keys, n);
            if (s)
                return fail(x, p, "unknown key; did you mean \"%s\"?", s);
            return fail(x, p, "unknown key");
        }
        for (const cJSON *d = o->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0)
                return fail(x, p, "duplicate key");
    }
    return FFNN_OK;
}

static ffnn_status get_bool(const ctx *x, const char *path, const cJSON *v, bool *out)
{
    if (!cJSON_IsBool(v))
        return type_error(x, path, "true or false", v);
    *out = cJSON_IsTrue(v);
    return FFNN_OK;
}

static ffnn_status get_int(const ctx *x, const char *path, const cJSON *v, int min, int *out)
{
    const char *want = min > 0 ? "a positive integer" : "a non-negative integer";
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || !isfinite(v->valuedouble))
        return type_error(x, path, want, v);
    if (v->valuedouble < min || v->valuedouble > 2147483647.0) {
        char b[48];
        return fail(x, path, "expected %s, got %s", want, shown(b, sizeof b, v));
    }
    *out = (int)v->valuedouble;
    return FFNN_OK;
}

/* A number in a range; lo/hi inclusive unless *_open. */
static ffnn_status get_num(const ctx *x, const char *path, const cJSON *v, double lo, bool lo_open,
                           double hi, bool hi_open, const char *range, double *out)
{
    if (!cJSON_IsNumber(v))
        return type_error(x, path, "a number", v);
    double d = v->valuedouble;
    if (!isfinite(d) || (lo_open ? d <= lo : d < lo) || (hi_open ? d >= hi : d > hi)) {
        char b[48];
        return fail(x, path, "must be %s, got %s", range, shown(b, sizeof b, v));
    }
    *out = d;
    return FFNN_OK;
}

/* A name from a module's table (aliases ok); an unknown one is an error
 * suggesting the nearest name, or listing them all. */
static ffnn_status get_name(const ctx *x, const char *path, const cJSON *v, const char *what,
                            ffnn_names t, int *out)
{
    if (!cJSON_IsString(v))
        return type_error(x, path, "a string", v);
    int r = t.parse(v->valuestring);
    if (r >= 0) {
        *out = r;
        return FFNN_OK;
    }
    const char *s = ffnn_suggest(v->valuestring, t.names, t.n);
    if (s)
        return fail(x, path, "unknown %s \"%s\"; did you mean \"%s\"?", what, v->valuestring, s);
    char list[300];
    ffnn_names_list(list, sizeof list, t.names, t.n);
    return fail(x, path, "unknown %s \"%s\" (valid: %s)", what, v->valuestring, list);
}

static ffnn_status get_string(const ctx *x, const char *path, const cJSON *v, char **out)
{
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return type_error(x, path, "a non-empty string", v);
    char *s = strdup(v->valuestring);
    if (!s)
        return ffnn_error_nomem(x->err);
    *out = s;
    return FFNN_OK;
}

/* The log keys a callback may monitor: the loss and every metric of
 * metrics.h (or a Keras alias), with or without "val_"; whether the task
 * has it is ffnn_fit's check. */
static const char *const monitors[] = {"val_loss", "loss", "val_accuracy", "accuracy",
                                       "val_binary_accuracy", "binary_accuracy", "val_auc", "auc",
                                       "val_mae", "mae", "val_mse", "mse", "val_rmse", "rmse"};

static ffnn_status get_monitor(const ctx *x, const char *path, const cJSON *v, char *out, size_t n)
{
    if (!cJSON_IsString(v))
        return type_error(x, path, "a string", v);
    const char *name = v->valuestring;
    const char *base = strncmp(name, "val_", 4) == 0 ? name + 4 : name;
    if (strlen(name) < n && (strcmp(base, "loss") == 0 || ffnn_metric_id_parse(base) >= 0)) {
        snprintf(out, n, "%s", name);
        return FFNN_OK;
    }
    const char *s = ffnn_suggest(name, monitors, (int)FFNN_ARRAY_LEN(monitors));
    if (s)
        return fail(x, path, "unknown quantity \"%s\"; did you mean \"%s\"?", name, s);
    char list[300];
    ffnn_names_list(list, sizeof list, monitors, (int)FFNN_ARRAY_LEN(monitors));
    return fail(x, path, "unknown quantity \"%s\" (valid: %s)", name, list);
}

static ffnn_status apply_layers(const ctx *x, ffnn_arch_spec *a, const cJSON *v)
{
    static const char *const keys[] = {"units", "activation", "dropout"};
    char path[64], p[96];
    if (!cJSON_IsArray(v))
        return type_error(x, "layers", "an array of layer objects", v);
    int n = cJSON_GetArraySize(v);
    if (n > FFNN_MAX_LAYERS - 1)
        return fail(x, "layers", "at most %d hidden layers, got %d", FFNN_MAX_LAYERS - 1, n);
    ffnn_layer_spec def = ffnn_arch_spec_default().hidden[0];
    ffnn_layer_spec hidden[FFNN_MAX_LAYERS];
    int i = 0;
    ffnn_status st;
    for (const cJSON *l = v->child; l; l = l->next, i++) {
        snprintf(path, sizeof path, "layers[%d]", i);
        if (!cJSON_IsObject(l))
            return type_error(x, path, "an object {\"units\", \"activation\", \"dropout\"}", l);
        if ((st = check_object(x, path, l, keys, 3)))
            return st;
        hidden[i] = def;
        for (const cJSON *c = l->child; c; c = c->next) {
            join(p, sizeof p, path, c->string);
            int k;
            double d;
            if (strcmp(c->string, "units") == 0) {
                if ((st = get_int(x, p, c, 1, &k)))
                    return st;
                if (k > 1 << 20)
                    return fail(x, p, "at most %d units, got %d", 1 << 20, k);
                hidden[i].units = k;
            } else if (strcmp(c->string, "activation") == 0) {
                if ((st = get_name(x, p, c, "activation", ffnn_act_names(), &k)))
                    return st;
                hidden[i].activation = (ffnn_act)k;
            } else {
                if ((st = get_num(x, p, c, 0, false, 1, true, "in [0, 1)", &d)))
                    return st;
                /* Kept as float32: a rate just below 1 rounds to 1 there. */
                if ((float)d >= 1.0f) {
                    char b[48];
                    return fail(x, p, "must be in [0, 1), got %s (1 in float32)",
                                shown(b, sizeof b, c));
                }
                hidden[i].dropout = (float)d;
            }
        }
    }
    a->n_hidden = n;
    memcpy(a->hidden, hidden, (size_t)n * sizeof *hidden);
    return FFNN_OK;
}

/* Sets the loss; another loss than before starts from the default options. */
static void set_loss(ffnn_arch_spec *a, int loss, const ffnn_arch_spec *def)
{
    if (loss != a->loss) {
        a->from_logits = def->from_logits;
        a->tf_cached_logits = def->tf_cached_logits;
        a->huber_delta = def->huber_delta;
    }
    a->loss = loss;
}

static ffnn_status apply_loss(const ctx *x, ffnn_arch_spec *a, const cJSON *v)
{
    static const char *const keys[] = {"name", "from_logits", "delta", "tf_cached_logits"};
    ffnn_arch_spec def = ffnn_arch_spec_default();
    ffnn_status st;
    int k;
    if (cJSON_IsNull(v)) {
        a->loss = def.loss;
        a->from_logits = def.from_logits;
        a->tf_cached_logits = def.tf_cached_logits;
        a->huber_delta = def.huber_delta;
        return FFNN_OK;
    }
    if (cJSON_IsString(v)) {
        if ((st = get_name(x, "loss", v, "loss", ffnn_loss_names(), &k)))
            return st;
        set_loss(a, k, &def);
        return FFNN_OK;
    }
    if (!cJSON_IsObject(v))
        return type_error(x, "loss", "a loss name or an object {\"name\", \"from_logits\", \"delta\"}", v);
    if ((st = check_object(x, "loss", v, keys, 4)))
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
    if (name && !cJSON_IsNull(name)) {
        if ((st = get_name(x, "loss.name", name, "loss", ffnn_loss_names(), &k)))
            return st;
        set_loss(a, k, &def);
    } else if (name) {
        a->loss = def.loss;
    }
    for (const cJSON *c = v->child; c; c = c->next) {
        if (strcmp(c->string, "from_logits") == 0) {
            if ((st = get_bool(x, "loss.from_logits", c, &a->from_logits)))
                return st;
        } else if (strcmp(c->string, "tf_cached_logits") == 0) {
            if ((st = get_bool(x, "loss.tf_cached_logits", c, &a->tf_cached_logits)))
                return st;
        } else if (strcmp(c->string, "delta") == 0) {
            if ((st = get_num(x, "loss.delta", c, 0, true, INFINITY, false, "a positive number",
                              &a->huber_delta)))
                return st;
        }
    }
    return FFNN_OK;
}

enum {
    OK_LR = 1 << 0, OK_B1 = 1 << 1, OK_B2 = 1 << 2, OK_EPS = 1 << 3, OK_AMS = 1 << 4,
    OK_WD = 1 << 5, OK_MOM = 1 << 6, OK_NES = 1 << 7, OK_RHO = 1 << 8, OK_CEN = 1 << 9,
    OK_ACC = 1 << 10
};

static const char *const optim_keys[] = {"name", "learning_rate", "beta_1", "beta_2", "epsilon",
                                         "amsgrad", "weight_decay", "momentum", "nesterov", "rho",
                                         "centered", "initial_accumulator_value"};

/* Which hyperparameters each optimizer takes (Keras 3 signatures). */
static unsigned optim_params(ffnn_optim_kind k)
{
    switch (k) {
    case FFNN_OPTIM_SGD: return OK_LR | OK_MOM | OK_NES | OK_WD;
    case FFNN_OPTIM_ADAM:
    case FFNN_OPTIM_ADAMW: return OK_LR | OK_B1 | OK_B2 | OK_EPS | OK_AMS | OK_WD;
    case FFNN_OPTIM_RMSPROP: return OK_LR | OK_RHO | OK_MOM | OK_EPS | OK_CEN | OK_WD;
    case FFNN_OPTIM_ADAGRAD: return OK_LR | OK_ACC | OK_EPS | OK_WD;
    default: return 0;
    }
}

static ffnn_status apply_optimizer(const ctx *x, ffnn_optim_spec *o, const cJSON *v)
{
    ffnn_status st;
    int k;
    if (cJSON_IsString(v)) {
        if ((st = get_name(x, "optimizer", v, "optimizer", ffnn_optim_names(), &k)))
            return st;
        if (k != (int)o->kind)
            *o = ffnn_optim_default((ffnn_optim_kind)k);
        return FFNN_OK;
    }
    if (!cJSON_IsObject(v))
        return type_error(x, "optimizer", "an optimizer name or an object {\"name\", ...}", v);
    if ((st = check_object(x, "optimizer", v, optim_keys, (int)FFNN_ARRAY_LEN(optim_keys))))
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
    if (name) {
        if ((st = get_name(x, "optimizer.name", name, "optimizer", ffnn_optim_names(), &k)))
            return st;
        if (k != (int)o->kind)
            *o = ffnn_optim_default((ffnn_optim_kind)k);
    }
    unsigned ok = optim_params(o->kind);
    char p[96];
    for (const cJSON *c = v->child; c; c = c->next) {
        int i;
        for (i = 1; i < (int)FFNN_ARRAY_LEN(optim_keys); i++)
            if (strcmp(c->string, optim_keys[i]) == 0)
                break;
        if (i == (int)FFNN_ARRAY_LEN(optim_keys))
            continue; /* "name" */
        join(p, sizeof p, "optimizer", c->string);
        unsigned bit = 1u << (i - 1);
        if (!(ok & bit)) {
            char list[200];
            size_t n = 0;
            list[0] = '\0';
            for (int j = 1; j < (int)FFNN_ARRAY_LEN(optim_keys); j++)
                if (ok & (1u << (j - 1)))
                    n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                                          optim_keys[j]);
            return fail(x, p, "not a parameter of %s (it takes %s)", ffnn_optim_name(o->kind), list);
        }
        switch (bit) {
        case OK_LR: st = get_num(x, p, c, 0, true, INFINITY, false, "a positive number", &o->learning_rate); break;
        case OK_B1: st = get_num(x, p, c, 0, false, 1, true, "in [0, 1)", &o->beta_1); break;
        case OK_B2: st = get_num(x, p, c, 0, false, 1, true, "in [0, 1)", &o->beta_2); break;
        case OK_EPS: st = get_num(x, p, c, 0, true, INFINITY, false, "a positive number", &o->epsilon); break;
        case OK_AMS: st = get_bool(x, p, c, &o->amsgrad); break;
        case OK_WD: st = get_num(x, p, c, 0, false, INFINITY, false, "a non-negative number", &o->weight_decay); break;
        case OK_MOM: st = get_num(x, p, c, 0, false, 1, false, "in [0, 1]", &o->momentum); break;
        case OK_NES: st = get_bool(x, p, c, &o->nesterov); break;
        case OK_RHO: st = get_num(x, p, c, 0, false, 1, false, "in [0, 1]", &o->rho); break;
        case OK_CEN: st = get_bool(x, p, c, &o->centered); break;
        default: st = get_num(x, p, c, 0, false, INFINITY, false, "a non-negative number",
                              &o->initial_accumulator_value); break;
        }
        if (st)
            return st;
    }
    return FFNN_OK;
}

static ffnn_status get_mode(const ctx *x, const char *path, const cJSON *v, ffnn_mode *out)
{
    int k;
    ffnn_status st = get_name(x, path, v, "mode", ffnn_mode_names(), &k);
    if (!st)
        *out = (ffnn_mode)k;
    return st;
}

/* What early_stopping and reduce_lr_on_plateau share: their value is true,
 * false or an object of known keys, and five of the keys (the offsets of
 * their fields in the callback's struct).  The other keys are the
 * callback's own (own_key, write_own).  keys is also the order of
 * ffnn_config_to_json's output. */
typedef struct {
    const char *name;           /* "early_stopping" */
    const char *const *keys;    /* every key it knows */
    int nkeys;
    const char *shape;          /* what the value must be, for the type error */
    size_t enabled, monitor, min_delta, patience, mode; /* offsetof */
    size_t monitor_size;
    ffnn_status (*own_key)(const ctx *x, const char *path, const char *key, const cJSON *v,
                           void *target);
    void (*write_own)(ffnn_json_writer *w, const char *key, const void *target);
} callback_spec;

#define FIELD(type, target, off) ((type *)(void *)((char *)(target) + (off)))

static ffnn_status apply_callback(const ctx *x, const callback_spec *cb, void *target,
                                  const cJSON *v)
{
    bool *enabled = FIELD(bool, target, cb->enabled);
    if (cJSON_IsBool(v)) {
        *enabled = cJSON_IsTrue(v);
        return FFNN_OK;
    }
    if (!cJSON_IsObject(v))
        return type_error(x, cb->name, cb->shape, v);
    ffnn_status st = check_object(x, cb->name, v, cb->keys, cb->nkeys);
    if (st)
        return st;
    *enabled = true;
    char p[96];
    for (const cJSON *c = v->child; c && !st; c = c->next) {
        const char *k = c->string;
        join(p, sizeof p, cb->name, k);
        if (strcmp(k, "enabled") == 0)
            st = get_bool(x, p, c, enabled);
        else if (strcmp(k, "monitor") == 0)
            st = get_monitor(x, p, c, FIELD(char, target, cb->monitor), cb->monitor_size);
        else if (strcmp(k, "min_delta") == 0)
            st = get_num(x, p, c, 0, false, INFINITY, false, "a non-negative number",
                         FIELD(double, target, cb->min_delta));
        else if (strcmp(k, "patience") == 0)
            st = get_int(x, p, c, 0, FIELD(int, target, cb->patience));
        else if (strcmp(k, "mode") == 0)
            st = get_mode(x, p, c, FIELD(ffnn_mode, target, cb->mode));
        else
            st = cb->own_key(x, p, k, c, target);
    }
    return st;
}

static ffnn_status early_stopping_key(const ctx *x, const char *p, const char *k, const cJSON *c,
                                      void *target)
{
    ffnn_early_stopping *e = target;
    if (strcmp(k, "baseline") == 0) {
        e->has_baseline = !cJSON_IsNull(c);
        e->baseline = 0;
        if (e->has_baseline)
            return get_num(x, p, c, -INFINITY, false, INFINITY, false, "a finite number",
                           &e->baseline);
        return FFNN_OK;
    }
    if (strcmp(k, "restore_best_weights") == 0)
        return get_bool(x, p, c, &e->restore_best_weights);
    return get_int(x, p, c, 0, &e->start_from_epoch);
}

static void early_stopping_write(ffnn_json_writer *w, const char *k, const void *target)
{
    const ffnn_early_stopping *e = target;
    if (strcmp(k, "baseline") == 0) {
        if (e->has_baseline)
            ffnn_json_number(w, e->baseline);
        else
            ffnn_json_null(w);
    } else if (strcmp(k, "restore_best_weights") == 0) {
        ffnn_json_bool(w, e->restore_best_weights);
    } else {
        ffnn_json_number(w, e->start_from_epoch);
    }
}

static ffnn_status reduce_lr_key(const ctx *x, const char *p, const char *k, const cJSON *c,
                                 void *target)
{
    ffnn_reduce_lr *r = target;
    if (strcmp(k, "factor") == 0)
        return get_num(x, p, c, 0, true, 1, true, "in (0, 1)", &r->factor);
    if (strcmp(k, "cooldown") == 0)
        return get_int(x, p, c, 0, &r->cooldown);
    return get_num(x, p, c, 0, false, INFINITY, false, "a non-negative number", &r->min_lr);
}

static void reduce_lr_write(ffnn_json_writer *w, const char *k, const void *target)
{
    const ffnn_reduce_lr *r = target;
    ffnn_json_number(w, strcmp(k, "factor") == 0     ? r->factor
                        : strcmp(k, "cooldown") == 0 ? r->cooldown
                                                     : r->min_lr);
}

static const char *const early_stopping_keys[] = {
    "enabled", "monitor", "min_delta", "patience", "mode", "baseline", "restore_best_weights",
    "start_from_epoch"};
static const callback_spec early_stopping_spec = {
    "early_stopping", early_stopping_keys, (int)FFNN_ARRAY_LEN(early_stopping_keys),
    "true, false or an object {\"monitor\", \"patience\", ...}",
    offsetof(ffnn_early_stopping, enabled), offsetof(ffnn_early_stopping, monitor),
    offsetof(ffnn_early_stopping, min_delta), offsetof(ffnn_early_stopping, patience),
    offsetof(ffnn_early_stopping, mode), sizeof ((ffnn_early_stopping *)0)->monitor,
    early_stopping_key, early_stopping_write};

static const char *const reduce_lr_keys[] = {
    "enabled", "monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr"};
static const callback_spec reduce_lr_spec = {
    "reduce_lr_on_plateau", reduce_lr_keys, (int)FFNN_ARRAY_LEN(reduce_lr_keys),
    "true, false or an object {\"monitor\", \"factor\", ...}",
    offsetof(ffnn_reduce_lr, enabled), offsetof(ffnn_reduce_lr, monitor),
    offsetof(ffnn_reduce_lr, min_delta), offsetof(ffnn_reduce_lr, patience),
    offsetof(ffnn_reduce_lr, mode), sizeof ((ffnn_reduce_lr *)0)->monitor, reduce_lr_key,
    reduce_lr_write};

static const char *const top_keys[] = {
    "description", "task", "target", "ignore", "columns", "layers", "output_activation",
    "output_units", "loss", "kernel_initializer", "l2", "optimizer", "batch_size", "epochs", "validation_split",
    "stratify_validation", "shuffle", "early_stopping", "reduce_lr_on_plateau", "standardize",
    "impute", "seed",
};

/* "columns": {"NAME": "categorical"|"numeric", ...}, replacing the
 * declarations before; whether each name is a feature column is
 * ffnn_prep_fit's check. */
static ffnn_status apply_columns(const ctx *x, ffnn_prep_options *p, const cJSON *v)
{
    static const char *const types[] = {"numeric", "categorical"};
    if (!cJSON_IsObject(v))
        return type_error(x, "columns", "an object {\"column\": \"categorical\" or \"numeric\"}", v);
    int n = cJSON_GetArraySize(v), k = 0;
    ffnn_column_type *t = n ? ffnn_calloc((size_t)n, sizeof *t) : NULL;
    ffnn_status st = n && !t ? ffnn_error_nomem(x->err) : FFNN_OK;
    char path[160];
    for (const cJSON *c = v->child; c && !st; c = c->next) {
        join(path, sizeof path, "columns", c->string);
        for (int i = 0; i < k && !st; i++)
            if (strcmp(t[i].name, c->string) == 0)
                st = fail(x, path, "duplicate key");
        int i = cJSON_IsString(c) ? ffnn_enum_parse(types, 2, c->valuestring) : -1;
        if (!st && i < 0)
            st = type_error(x, path, "\"categorical\" or \"numeric\"", c);
        if (!st && !(t[k].name = strdup(c->string)))
            st = ffnn_error_nomem(x->err);
        if (!st)
            t[k++].categorical = i == 1;
    }
    if (st) {
        for (int i = 0; i < k; i++)
            free(t[i].name);
        free(t);
        return st;
    }
    for (int i = 0; i < p->n_types; i++)
        free(p->types[i].name);
    free(p->types);
    p->types = t;
    p->n_types = k;
    return FFNN_OK;
}

static int parse_task(const char *s)
{
    int t = ffnn_task_parse(s);
    return t == FFNN_TASK_AUTO && strcmp(s, "auto") != 0 ? -2 : t;
}

static ffnn_status apply_key(const ctx *x, ffnn_config *c, const cJSON *v)
{
    const char *k = v->string;
    ffnn_status st = FFNN_OK;
    int n;
    if (strcmp(k, "description") == 0) {
        if (!cJSON_IsString(v))
            return type_error(x, k, "a string", v);
    } else if (strcmp(k, "task") == 0) {
        if (cJSON_IsNull(v)) {
            c->prep.task = FFNN_TASK_AUTO;
            return FFNN_OK;
        }
        if (!cJSON_IsString(v))
            return type_error(x, k, "a string", v);
        n = parse_task(v->valuestring);
        if (n == -2) {
            /* preprocess.c's names, "auto" (FFNN_TASK_AUTO, -1) first. */
            const char *tasks[FFNN_TASK_REGRESSION + 2];
            for (int t = FFNN_TASK_AUTO; t <= FFNN_TASK_REGRESSION; t++)
                tasks[t + 1] = ffnn_task_name((ffnn_task)t);
            const char *s = ffnn_suggest(v->valuestring, tasks, (int)FFNN_ARRAY_LEN(tasks));
            if (s)
                return fail(x, k, "unknown task \"%s\"; did you mean \"%s\"?", v->valuestring, s);
            char list[128];
            ffnn_names_list(list, sizeof list, tasks, (int)FFNN_ARRAY_LEN(tasks));
            return fail(x, k, "unknown task \"%s\" (valid: %s)", v->valuestring, list);
        }
        c->prep.task = (ffnn_task)n;
    } else if (strcmp(k, "target") == 0) {
        char *s = NULL;
        if (!cJSON_IsNull(v) && (st = get_string(x, k, v, &s)))
            return st;
        free(c->prep.target);
        c->prep.target = s;
    } else if (strcmp(k, "ignore") == 0) {
        if (!cJSON_IsArray(v))
            return type_error(x, k, "an array of column names", v);
        int cnt = cJSON_GetArraySize(v), i = 0;
        char **names = cnt ? ffnn_calloc((size_t)cnt, sizeof *names) : NULL;
        if (cnt && !names)
            return ffnn_error_nomem(x->err);
        char p[64];
        for (const cJSON *e = v->child; e && !st; e = e->next, i++) {
            snprintf(p, sizeof p, "ignore[%d]", i);
            st = get_string(x, p, e, &names[i]);
        }
        if (st) {
            for (i = 0; i < cnt; i++)
                free(names[i]);
            free(names);
            return st;
        }
        for (i = 0; i < c->prep.n_ignore; i++)
            free(c->prep.ignore[i]);
        free(c->prep.ignore);
        c->prep.ignore = names;
        c->prep.n_ignore = cnt;
    } else if (strcmp(k, "columns") == 0) {
        st = apply_columns(x, &c->prep, v);
    } else if (strcmp(k, "layers") == 0) {
        st = apply_layers(x, &c->arch, v);
    } else if (strcmp(k, "output_activation") == 0) {
        if (cJSON_IsNull(v))
            c->arch.output_activation = -1;
        else if (!(st = get_name(x, k, v, "activation", ffnn_act_names(), &n)))
            c->arch.output_activation = n;
    } else if (strcmp(k, "output_units") == 0) {
        if (cJSON_IsNull(v))
            c->arch.output_units = 0;
        else if (get_int(x, k, v, 1, &n))
            return type_error(x, k, "a positive integer or null", v);
        else
            c->arch.output_units = n;
    } else if (strcmp(k, "loss") == 0) {
        st = apply_loss(x, &c->arch, v);
    } else if (strcmp(k, "kernel_initializer") == 0) {
        const char *names[FFNN_INIT_COUNT];
        for (int i = 0; i < FFNN_INIT_COUNT; i++)
            names[i] = ffnn_init_name((ffnn_init)i);
        if (!(st = get_name(x, k, v, "initializer", (ffnn_names){names, FFNN_INIT_COUNT, ffnn_init_parse}, &n)))
            c->arch.kernel_initializer = (ffnn_init)n;
    } else if (strcmp(k, "l2") == 0) {
        st = get_num(x, k, v, 0, false, INFINITY, false, "a non-negative number", &c->arch.l2);
    } else if (strcmp(k, "optimizer") == 0) {
        st = apply_optimizer(x, &c->fit.optimizer, v);
    } else if (strcmp(k, "batch_size") == 0) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0)
            c->fit.batch_size = FFNN_BATCH_AUTO;
        else if (get_int(x, k, v, 1, &n))
            return type_error(x, k, "a positive integer or \"auto\"", v);
        else
            c->fit.batch_size = n;
    } else if (strcmp(k, "epochs") == 0) {
        /* "auto" is the default (its limit and stopping rule); a number is
         * Keras's fit(epochs=N). */
        if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0)
            c->fit.epochs = FFNN_EPOCHS_AUTO;
        else if (get_int(x, k, v, 1, &n))
            return type_error(x, k, "a positive integer or \"auto\"", v);
        else
            ffnn_config_set_epochs(c, n);
    } else if (strcmp(k, "validation_split") == 0) {
        st = get_num(x, k, v, 0, false, 1, true, "in [0, 1)", &c->fit.validation_split);
    } else if (strcmp(k, "stratify_validation") == 0) {
        st = get_bool(x, k, v, &c->fit.stratify_validation);
    } else if (strcmp(k, "shuffle") == 0) {
        st = get_bool(x, k, v, &c->fit.shuffle);
    } else if (strcmp(k, "early_stopping") == 0) {
        /* A stated early_stopping is Keras's EarlyStopping(...): its keys
         * overlay that constructor's defaults, not the default stopping rule. */
        if (c->default_stop)
            c->fit.early_stopping = ffnn_early_stopping_default();
        c->default_stop = false;
        st = apply_callback(x, &early_stopping_spec, &c->fit.early_stopping, v);
    } else if (strcmp(k, "reduce_lr_on_plateau") == 0) {
        st = apply_callback(x, &reduce_lr_spec, &c->fit.reduce_lr, v);
    } else if (strcmp(k, "standardize") == 0) {
        st = get_bool(x, k, v, &c->prep.standardize);
    } else if (strcmp(k, "impute") == 0) {
        if (!(st = get_name(x, k, v, "imputation", ffnn_impute_names(), &n)))
            c->prep.impute = (ffnn_impute)n;
    } else if (strcmp(k, "seed") == 0) {
        if (cJSON_IsNull(v)) {
            c->has_seed = false;
            c->fit.seed = ffnn_fit_options_default().seed;
            return FFNN_OK;
        }
        double d = v->valuedouble;
        if (!cJSON_IsNumber(v) || !(d >= 0 && d <= 9007199254740992.0) || d != floor(d))
            return type_error(x, k, "a non-negative integer up to 2^53", v);
        c->fit.seed = (uint64_t)d;
        c->has_seed = true;
    }
    return st;
}

ffnn_status ffnn_config_apply(ffnn_config *c, const cJSON *obj, const char *name, ffnn_error *err)
{
    ctx x = {name ? name : "config", err};
    if (!cJSON_IsObject(obj))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: expected a JSON object at the top level",
                              x.name);
    ffnn_status st = check_object(&x, "", obj, top_keys, (int)FFNN_ARRAY_LEN(top_keys));
    if (st)
        return st;
    /* Work on a copy so a failed overlay leaves c unchanged. */
    ffnn_config tmp;
    if ((st = ffnn_config_copy(&tmp, c, err)))
        return st;
    for (const cJSON *v = obj->child; v && !st; v = v->next)
        st = apply_key(&x, &tmp, v);
    if (st) {
        ffnn_config_release(&tmp);
        return st;
    }
    ffnn_config_release(c);
    *c = tmp;
    return FFNN_OK;
}

ffnn_status ffnn_config_parse(ffnn_config *c, const char *json, const char *name, ffnn_error *err)
{
    if (!name)
        name = "config";
    *c = ffnn_config_default();
    const char *p = json;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (!*p)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: empty file", name);
    cJSON *root;
    ffnn_status pst = ffnn_json_parse(json, name, &root, err);
    if (pst)
        return pst;
    ffnn_status st = ffnn_config_apply(c, root, name, err);
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_config_load(ffnn_config *c, const char *path, ffnn_error *err)
{
    *c = ffnn_config_default();
    char *buf;
    ffnn_status st = ffnn_json_read_file(path, &buf, err);
    if (st)
        return st;
    st = ffnn_config_parse(c, buf, path, err);
    free(buf);
    return st;
}

/* ---- writing -------------------------------------------------------------- */

/* A callback as an object, its keys in the order the spec lists them. */
static void write_callback(ffnn_json_writer *w, const callback_spec *cb, const void *target)
{
    const char *t = target;
    ffnn_json_key(w, cb->name);
    ffnn_json_begin_object(w, false);
    for (int i = 0; i < cb->nkeys; i++) {
        const char *k = cb->keys[i];
        ffnn_json_key(w, k);
        if (strcmp(k, "enabled") == 0)
            ffnn_json_bool(w, *(const bool *)(const void *)(t + cb->enabled));
        else if (strcmp(k, "monitor") == 0)
            ffnn_json_string(w, t + cb->monitor);
        else if (strcmp(k, "min_delta") == 0)
            ffnn_json_number(w, *(const double *)(const void *)(t + cb->min_delta));
        else if (strcmp(k, "patience") == 0)
            ffnn_json_number(w, *(const int *)(const void *)(t + cb->patience));
        else if (strcmp(k, "mode") == 0)
            ffnn_json_string(w, ffnn_mode_name(*(const ffnn_mode *)(const void *)(t + cb->mode)));
        else
            cb->write_own(w, k, target);
    }
    ffnn_json_end_object(w);
}

char *ffnn_config_to_json(const ffnn_config *c)
{
    const ffnn_optim_spec *o = &c->fit.optimizer;
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, NULL, 2);
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "task",
                         c->prep.task == FFNN_TASK_AUTO ? "auto" : ffnn_task_name(c->prep.task));
    ffnn_json_key_string(&w, "target", c->prep.target);
    ffnn_json_key(&w, "ignore");
    ffnn_json_string_array(&w, c->prep.ignore, c->prep.n_ignore);
    ffnn_json_key(&w, "columns");
    ffnn_json_begin_object(&w, false);
    for (int i = 0; i < c->prep.n_types; i++)
        ffnn_json_key_string(&w, c->prep.types[i].name,
                             c->prep.types[i].categorical ? "categorical" : "numeric");
    ffnn_json_end_object(&w);
    ffnn_json_key(&w, "layers");
    ffnn_json_begin_array(&w, false);
    for (int i = 0; i < c->arch.n_hidden; i++) {
        const ffnn_layer_spec *l = &c->arch.hidden[i];
        ffnn_json_begin_object(&w, false);
        ffnn_json_key_number(&w, "units", l->units);
        ffnn_json_key_string(&w, "activation", ffnn_act_name(l->activation));
        ffnn_json_key(&w, "dropout");
        ffnn_json_float(&w, l->dropout);
        ffnn_json_end_object(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_key_string(&w, "output_activation",
                         c->arch.output_activation < 0
                             ? NULL : ffnn_act_name((ffnn_act)c->arch.output_activation));
    ffnn_json_key(&w, "output_units");
    if (c->arch.output_units)
        ffnn_json_number(&w, c->arch.output_units);
    else
        ffnn_json_null(&w);
    ffnn_json_key(&w, "loss");
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "name", c->arch.loss < 0 ? NULL
                                         : ffnn_loss_name((ffnn_loss_kind)c->arch.loss));
    ffnn_json_key(&w, "from_logits");
    ffnn_json_bool(&w, c->arch.from_logits);
    ffnn_json_key_number(&w, "delta", c->arch.huber_delta);
    ffnn_json_key(&w, "tf_cached_logits");
    ffnn_json_bool(&w, c->arch.tf_cached_logits);
    ffnn_json_end_object(&w);
    ffnn_json_key_string(&w, "kernel_initializer", ffnn_init_name(c->arch.kernel_initializer));
    ffnn_json_key_number(&w, "l2", c->arch.l2);
    ffnn_json_key(&w, "optimizer");
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "name", ffnn_optim_name(o->kind));
    unsigned params = optim_params(o->kind);
    const double nums[] = {o->learning_rate, o->beta_1, o->beta_2, o->epsilon, 0, o->weight_decay,
                           o->momentum, 0, o->rho, 0, o->initial_accumulator_value};
    const bool bools[] = {0, 0, 0, 0, o->amsgrad, 0, 0, o->nesterov, 0, o->centered, 0};
    for (int i = 1; i < (int)FFNN_ARRAY_LEN(optim_keys); i++) {
        unsigned bit = 1u << (i - 1);
        if (!(params & bit))
            continue;
        ffnn_json_key(&w, optim_keys[i]);
        if (bit == OK_AMS || bit == OK_NES || bit == OK_CEN)
            ffnn_json_bool(&w, bools[i - 1]);
        else
            ffnn_json_number(&w, nums[i - 1]);
    }
    ffnn_json_end_object(&w);
    if (c->fit.batch_size == FFNN_BATCH_AUTO)
        ffnn_json_key_string(&w, "batch_size", "auto");
    else
        ffnn_json_key_number(&w, "batch_size", c->fit.batch_size);
    if (c->fit.epochs == FFNN_EPOCHS_AUTO)
        ffnn_json_key_string(&w, "epochs", "auto");
    else
        ffnn_json_key_number(&w, "epochs", c->fit.epochs);
    ffnn_json_key_number(&w, "validation_split", c->fit.validation_split);
    ffnn_json_key(&w, "stratify_validation");
    ffnn_json_bool(&w, c->fit.stratify_validation);
    ffnn_json_key(&w, "shuffle");
    ffnn_json_bool(&w, c->fit.shuffle);
    write_callback(&w, &early_stopping_spec, &c->fit.early_stopping);
    write_callback(&w, &reduce_lr_spec, &c->fit.reduce_lr);
    ffnn_json_key(&w, "standardize");
    ffnn_json_bool(&w, c->prep.standardize);
    ffnn_json_key_string(&w, "impute", ffnn_impute_name(c->prep.impute));
    ffnn_json_key(&w, "seed");
    if (c->has_seed)
        ffnn_json_uint(&w, c->fit.seed);
    else
        ffnn_json_null(&w);
    ffnn_json_end_object(&w);
    return ffnn_json_writer_text(&w);
}
