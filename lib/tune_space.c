/* ffnn — the hypergrid: search space, tuner options, fixed fit keys
 * (ffnn-hypergrid(5)); keras-tuner's sampling rules (keras-semantics.md
 * §2).  What a trial's values make of a training config is tune_config.c's. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "gp.h"
#include "internal.h"
#include "tune_internal.h"

/* Top-level config keys (ffnn-config(5)); the first component of a searched
 * config key must be one of them. */
static const char *const config_keys[] = {
    "task", "target", "ignore", "columns", "layers", "output_activation", "loss", "kernel_initializer", "l2",
    "optimizer", "batch_size", "epochs", "validation_split", "stratify_validation", "shuffle",
    "early_stopping", "reduce_lr_on_plateau", "standardize", "impute", "seed"};

static const char *const tuner_keys[] = {
    "algorithm", "max_epochs", "factor", "hyperband_iterations", "executions_per_trial",
    "max_trials", "objective", "validation_split", "seed", "max_consecutive_failed_trials",
    "max_retries_per_trial", "num_initial_points", "alpha", "beta", "proposal_batch"};

static const char *const hp_keys[] = {"values", "min", "max", "step", "sampling", "type"};

static const char *const sampling_names[] = {"linear", "log", "reverse_log"};
FFNN_NAME_TABLE(ffnn_hp_sampling, ffnn_hp_sampling, sampling_names)

static const char *const algorithm_names[] = {"hyperband", "random", "grid", "bayesian"};
FFNN_NAME_TABLE(ffnn_tune_algorithm, ffnn_tune_algorithm, algorithm_names)

ffnn_tune_options ffnn_tune_options_default(void)
{
    ffnn_tune_options o;
    memset(&o, 0, sizeof o);
    o.algorithm = FFNN_TUNE_HYPERBAND;
    o.max_epochs = 150;
    o.factor = 3;
    o.hyperband_iterations = 1;
    o.executions_per_trial = 1;
    o.max_trials = 10;
    snprintf(o.objective, sizeof o.objective, "val_accuracy");
    o.direction = FFNN_MODE_AUTO;
    o.validation_split = 0.2;
    o.seed = 0;
    o.max_consecutive_failed_trials = 3;
    o.max_retries_per_trial = 0;
    ffnn_gp_options gp = ffnn_gp_options_default();
    o.num_initial_points = 0;
    o.alpha = gp.alpha;
    o.beta = gp.beta;
    o.proposal_batch = 1;
    return o;
}

/* ---- sampling (KT hp_types/numerical.py, hp_utils.py) --------------------- */

double ffnn_py_floordiv(double a, double b)
{
    /* CPython float_divmod: exact floor of the real quotient. */
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && ((b < 0) != (mod < 0)))
        div -= 1.0;
    if (div == 0.0)
        return copysign(0.0, a / b);
    double fl = floor(div);
    if (div - fl > 0.5)
        fl += 1.0;
    return fl;
}

long ffnn_prob_to_index(double u, long n)
{
    double ele = 1.0 / (double)n;
    long i = (long)floor(u / ele);
    if (i >= n)
        i = n - 1;
    if (i < 0)
        i = 0;
    return i;
}

/* The parser refuses stepped ranges with more grid points than this, so a
 * count always fits a long and an index a double exactly. */
#define MAX_GRID_POINTS 1e15

/* Grid points of a stepped Int/Float, in double (a hand-written step can
 * make it any size, or inf/NaN). */
static double grid_points(const ffnn_hp *hp)
{
    if (hp->sampling != FFNN_HP_LINEAR)
        return floor(log(hp->max / hp->min) / log(hp->step) + 1e-8) + 1;
    if (hp->kind == FFNN_HP_INT)
        return (double)(((long)hp->max - (long)hp->min) / (long)hp->step + 1); /* |x| < 9e15 */
    return ffnn_py_floordiv(hp->max - hp->min, hp->step) + 1.0;
}

long ffnn_hp_grid_size(const ffnn_hp *hp)
{
    switch (hp->kind) {
    case FFNN_HP_FIXED:
        return 1;
    case FFNN_HP_CHOICE:
        return cJSON_GetArraySize(hp->values);
    case FFNN_HP_INT:
    case FFNN_HP_FLOAT:
        if (hp->step == 0.0)
            return -1;
        double n = grid_points(hp);
        return n <= MAX_GRID_POINTS ? (long)n : (long)MAX_GRID_POINTS;
    }
    return -1;
}

long ffnn_hypergrid_points(const ffnn_hypergrid *g)
{
    long points = 1;
    for (int i = 0; i < g->n_hp && points >= 0; i++) {
        long s = ffnn_hp_grid_size(&g->hp[i]);
        points = s < 0 ? -1 : ffnn_tune_product(points, s);
    }
    return points;
}

static double value_by_index(const ffnn_hp *hp, long i)
{
    switch (hp->sampling) {
    case FFNN_HP_LOG:
        return hp->min * pow(hp->step, (double)i);
    case FFNN_HP_REVERSE_LOG:
        return hp->max + hp->min - hp->min * pow(hp->step, (double)i);
    default:
        return hp->min + (double)i * hp->step;
    }
}

/* KT _sample_numerical_value(prob, max). */
static double sample_numerical(const ffnn_hp *hp, double u, double max)
{
    switch (hp->sampling) {
    case FFNN_HP_LOG:
        return hp->min * pow(max / hp->min, u);
    case FFNN_HP_REVERSE_LOG:
        return max + hp->min - hp->min * pow(max / hp->min, 1.0 - u);
    default:
        return hp->min + (max - hp->min) * u;
    }
}

static cJSON *number_value(const ffnn_hp *hp, double v, bool from_grid)
{
    if (hp->kind == FFNN_HP_INT)
        v = from_grid ? (double)llround(v) : trunc(v);
    return cJSON_CreateNumber(v);
}

cJSON *ffnn_hp_grid_value(const ffnn_hp *hp, long i)
{
    if (hp->kind == FFNN_HP_FIXED || hp->kind == FFNN_HP_CHOICE)
        return cJSON_Duplicate(cJSON_GetArrayItem(hp->values, hp->kind == FFNN_HP_FIXED ? 0 : (int)i), 1);
    return number_value(hp, value_by_index(hp, i), true);
}

cJSON *ffnn_hp_value(const ffnn_hp *hp, double u)
{
    long n = ffnn_hp_grid_size(hp);
    if (n > 0)
        return ffnn_hp_grid_value(hp, ffnn_prob_to_index(u, n));
    if (hp->kind == FFNN_HP_INT) /* log/reverse_log without step: +1 so max can be drawn */
        return number_value(hp, sample_numerical(hp, u, hp->max + 1.0), false);
    return cJSON_CreateNumber(sample_numerical(hp, u, hp->max));
}

/* ---- parsing ------------------------------------------------------------------- */

static ffnn_status unknown_key(ffnn_error *err, const char *name, const char *path, const char *key,
                               const char *const *cands, int n)
{
    const char *s = ffnn_suggest(key, cands, n);
    char full[256];
    snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", key);
    if (s)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: unknown key; did you mean \"%s\"?", name,
                              full, s);
    return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: unknown key", name, full);
}

static bool is_integral(double v)
{
    return isfinite(v) && v == floor(v) && fabs(v) < 9e15;
}

/* Reads an integer member in [lo, hi]; absent leaves *out unchanged. */
static ffnn_status get_int(const cJSON *obj, const char *key, long lo, long hi, int *out,
                           const char *name, const char *path, ffnn_error *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return FFNN_OK;
    if (!cJSON_IsNumber(it) || !is_integral(it->valuedouble) || it->valuedouble < (double)lo ||
        it->valuedouble > (double)hi)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.%s: must be an integer in %ld..%ld", name,
                              path, key, lo, hi);
    *out = (int)it->valuedouble;
    return FFNN_OK;
}

static const char *const int_names[] = {"width", "depth", "batch_size", "epochs", "seed"};
static const char *const float_names[] = {"droprate", "learning_rate", "validation_split", "l2",
                                          "optimizer.learning_rate"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    return ffnn_enum_parse(list, (int)n, s) >= 0;
}

/* Parses one entry of the search space. */
static ffnn_status parse_hp(ffnn_hp *hp, const cJSON *item, const char *name, const char *prefix,
                            ffnn_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", prefix, hp->name);
    if (!cJSON_IsObject(item)) {
        hp->kind = FFNN_HP_FIXED;
        hp->values = cJSON_CreateArray();
        if (!hp->values || !cJSON_AddItemToArray(hp->values, cJSON_Duplicate(item, 1)))
            return ffnn_error_nomem(err);
        return FFNN_OK;
    }
    for (const cJSON *k = item->child; k; k = k->next)
        if (!in_list(k->string, hp_keys, FFNN_ARRAY_LEN(hp_keys)))
            return unknown_key(err, name, path, k->string, hp_keys, (int)FFNN_ARRAY_LEN(hp_keys));
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(item, "values");
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(item, "min");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(item, "max");
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(item, "step");
    const cJSON *sampling = cJSON_GetObjectItemCaseSensitive(item, "sampling");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "type");
    if (values) {
        if (mn || mx || step || sampling)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: %s: give either \"values\" or \"min\"/\"max\", not both", name,
                                  path);
        if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) < 1)
            return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.values: must be a non-empty array",
                                  name, path);
        hp->kind = FFNN_HP_CHOICE;
        hp->values = cJSON_Duplicate(values, 1);
        return hp->values ? FFNN_OK : ffnn_error_nomem(err);
    }
    if (!mn || !mx)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: %s: needs \"values\": [...] or \"min\" and \"max\"", name, path);
    if (!cJSON_IsNumber(mn) || !isfinite(mn->valuedouble))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.min: must be a number", name, path);
    if (!cJSON_IsNumber(mx) || !isfinite(mx->valuedouble))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.max: must be a number", name, path);
    if (step && (!cJSON_IsNumber(step) || !(step->valuedouble > 0) || !isfinite(step->valuedouble)))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.step: must be a number > 0", name, path);
    hp->min = mn->valuedouble;
    hp->max = mx->valuedouble;
    hp->step = step ? step->valuedouble : 0.0;
    if (hp->min > hp->max)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: min %g is greater than max %g", name, path,
                              hp->min, hp->max);
    hp->sampling = FFNN_HP_LINEAR;
    if (sampling) {
        int s = cJSON_IsString(sampling) ? ffnn_hp_sampling_parse(sampling->valuestring) : -1;
        if (s < 0)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: %s.sampling: must be \"linear\", \"log\" or \"reverse_log\"",
                                  name, path);
        hp->sampling = (ffnn_hp_sampling)s;
    }
    if (type) {
        if (!cJSON_IsString(type) ||
            (strcmp(type->valuestring, "int") != 0 && strcmp(type->valuestring, "float") != 0))
            return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.type: must be \"int\" or \"float\"",
                                  name, path);
        hp->kind = type->valuestring[0] == 'i' ? FFNN_HP_INT : FFNN_HP_FLOAT;
    } else if (in_list(hp->name, int_names, FFNN_ARRAY_LEN(int_names))) {
        hp->kind = FFNN_HP_INT;
    } else if (in_list(hp->name, float_names, FFNN_ARRAY_LEN(float_names))) {
        hp->kind = FFNN_HP_FLOAT;
    } else {
        hp->kind = is_integral(hp->min) && is_integral(hp->max) && (!step || is_integral(hp->step))
                       ? FFNN_HP_INT : FFNN_HP_FLOAT;
    }
    if (hp->kind == FFNN_HP_INT) {
        if (!is_integral(hp->min) || !is_integral(hp->max))
            return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: min and max must be integers", name,
                                  path);
        if (hp->sampling == FFNN_HP_LINEAR && hp->step == 0.0)
            hp->step = 1.0;
        if (hp->sampling == FFNN_HP_LINEAR && !is_integral(hp->step))
            return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s.step: must be an integer", name, path);
    }
    if (hp->sampling != FFNN_HP_LINEAR) {
        if (!(hp->min > 0))
            return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: %s sampling needs min > 0", name, path,
                                  ffnn_hp_sampling_name(hp->sampling));
        if (step && !(hp->step > 1))
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: %s.step: with %s sampling the step is a factor and must be > 1",
                                  name, path, ffnn_hp_sampling_name(hp->sampling));
    }
    if (hp->step != 0.0 && !(grid_points(hp) <= MAX_GRID_POINTS))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: more than %g grid points; use a larger step",
                              name, path, MAX_GRID_POINTS);
    return FFNN_OK;
}

static ffnn_status check_config_hp(const ffnn_hp *hp, const char *file, ffnn_error *err)
{
    long n = ffnn_hp_grid_size(hp);
    if (hp->kind == FFNN_HP_FIXED || hp->kind == FFNN_HP_CHOICE) {
        for (long i = 0; i < n; i++) {
            ffnn_status st = ffnn_tune_probe_key(hp->name, cJSON_GetArrayItem(hp->values, (int)i), file, err);
            if (st)
                return st;
        }
        return FFNN_OK;
    }
    for (int e = 0; e < 2; e++) {
        cJSON *v = ffnn_hp_value(hp, e ? 0.999999 : 0.0);
        ffnn_status st = ffnn_tune_probe_key(hp->name, v, file, err);
        cJSON_Delete(v);
        if (st)
            return st;
    }
    return FFNN_OK;
}

/* The tutorial's hypermodel names build layers and the optimizer, so their
 * values are checked by building that config: each value of a choice, the
 * lowest and highest value of a range ("file: width: layers[0].units:
 * expected a positive integer, got 0"). */
static ffnn_status check_hypermodel_hp(const ffnn_hp *hp, const char *file, ffnn_error *err)
{
    ffnn_config base = ffnn_config_default();
    cJSON *values = cJSON_CreateObject();
    ffnn_status st = values ? FFNN_OK : ffnn_error_nomem(err);
    bool choice = hp->kind == FFNN_HP_FIXED || hp->kind == FFNN_HP_CHOICE;
    long n = choice ? ffnn_hp_grid_size(hp) : 2;
    for (long i = 0; i < n && !st; i++) {
        cJSON *v = choice ? cJSON_Duplicate(cJSON_GetArrayItem(hp->values, (int)i), 1)
                          : ffnn_hp_value(hp, i ? 0.999999 : 0.0);
        if (!v) {
            st = ffnn_error_nomem(err);
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(values, hp->name);
        if (!cJSON_AddItemToObject(values, hp->name, v)) {
            cJSON_Delete(v);
            st = ffnn_error_nomem(err);
            break;
        }
        ffnn_config c;
        if ((st = ffnn_tune_trial_config(&base, true, values, 0, &c, err)) == FFNN_OK) {
            ffnn_config_release(&c);
        } else if (st == FFNN_ECONFIG && err) {
            const char *msg = strncmp(err->msg, "hyperparameters: ", 17) == 0 ? err->msg + 17 : err->msg;
            size_t nl = strlen(hp->name);
            bool named = strncmp(msg, hp->name, nl) == 0 && msg[nl] == ':';
            char tail[FFNN_ERROR_MSG_MAX];
            snprintf(tail, sizeof tail, "%s", msg);
            if (named)   /* "depth: must be an integer ..." names it already */
                ffnn_error_set(err, FFNN_ECONFIG, "%s: %s", file, tail);
            else
                ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: %s", file, hp->name, tail);
        }
    }
    cJSON_Delete(values);
    return st;
}

static ffnn_status parse_space(ffnn_hypergrid *g, const cJSON *space, const char *name,
                               const char *prefix, ffnn_error *err)
{
    if (!cJSON_IsObject(space))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s: must be an object", name,
                              *prefix ? "hypergrid" : "top level");
    int n = cJSON_GetArraySize(space);
    g->hp = ffnn_calloc((size_t)n, sizeof *g->hp);
    if (!g->hp)
        return ffnn_error_nomem(err);
    const char *cands[5 + FFNN_ARRAY_LEN(config_keys)];
    for (int i = 0; i < 5; i++)
        cands[i] = ffnn_hypermodel_names[i];
    for (size_t i = 0; i < FFNN_ARRAY_LEN(config_keys); i++)
        cands[5 + i] = config_keys[i];
    for (const cJSON *it = space->child; it; it = it->next) {
        const char *key = it->string;
        char head[128];
        snprintf(head, sizeof head, "%.*s", (int)strcspn(key, "."), key);
        bool hm = ffnn_tune_hypermodel_name(key);
        if (!hm && !in_list(head, config_keys, FFNN_ARRAY_LEN(config_keys))) {
            char pre[64];
            snprintf(pre, sizeof pre, "%.*s", (int)(strlen(prefix) ? strlen(prefix) - 1 : 0), prefix);
            return unknown_key(err, name, pre, key, cands, (int)FFNN_ARRAY_LEN(cands));
        }
        for (int j = 0; j < g->n_hp; j++)
            if (strcmp(g->hp[j].name, key) == 0)
                return ffnn_error_set(err, FFNN_ECONFIG, "%s: %s%s: given twice", name, prefix, key);
        if (strcmp(head, "seed") == 0)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: %s%s: the seed is not a hyperparameter; use \"tuner\": "
                                  "{\"seed\": N} or -s", name, prefix, key);
        ffnn_hp *hp = &g->hp[g->n_hp++];
        hp->name = strdup(key);
        if (!hp->name)
            return ffnn_error_nomem(err);
        ffnn_status st = parse_hp(hp, it, name, prefix, err);
        if (st)
            return st;
        if (hm) {
            g->hypermodel = true;
            if ((st = check_hypermodel_hp(hp, name, err)))
                return st;
        } else if ((st = check_config_hp(hp, name, err))) {
            return st;
        }
    }
    return FFNN_OK;
}

/* The message for an objective that is not a metric name. */
static ffnn_status objective_error(ffnn_error *err, const char *name)
{
    return ffnn_error_set(err, FFNN_ECONFIG,
                          "%s: tuner.objective: must be a metric name such as "
                          "\"val_accuracy\" or {\"name\": ..., \"direction\": \"min\"|\"max\"}",
                          name);
}

static ffnn_status parse_tuner(ffnn_tune_options *o, const cJSON *t, const char *name,
                               ffnn_error *err)
{
    if (!cJSON_IsObject(t))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: tuner: must be an object", name);
    for (const cJSON *k = t->child; k; k = k->next)
        if (!in_list(k->string, tuner_keys, FFNN_ARRAY_LEN(tuner_keys)))
            return unknown_key(err, name, "tuner", k->string, tuner_keys,
                               (int)FFNN_ARRAY_LEN(tuner_keys));
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(t, "algorithm");
    if (a) {
        int v = cJSON_IsString(a) ? ffnn_tune_algorithm_parse(a->valuestring) : -1;
        if (v < 0)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: tuner.algorithm: must be \"hyperband\", \"random\", "
                                  "\"grid\" or \"bayesian\"",
                                  name);
        o->algorithm = (ffnn_tune_algorithm)v;
    }
    ffnn_status st;
    if ((st = get_int(t, "max_epochs", 1, 1000000000L, &o->max_epochs, name, "tuner", err)) ||
        (st = get_int(t, "factor", 2, 1000000000L, &o->factor, name, "tuner", err)) ||
        (st = get_int(t, "hyperband_iterations", 1, 1000000000L, &o->hyperband_iterations, name,
                      "tuner", err)) ||
        (st = get_int(t, "executions_per_trial", 1, 255, &o->executions_per_trial, name, "tuner",
                      err)) ||
        (st = get_int(t, "max_trials", 0, 1000000000L, &o->max_trials, name, "tuner", err)) ||
        (st = get_int(t, "max_consecutive_failed_trials", 1, 1000000000L,
                      &o->max_consecutive_failed_trials, name, "tuner", err)) ||
        (st = get_int(t, "max_retries_per_trial", 0, 255, &o->max_retries_per_trial, name, "tuner",
                      err)) ||
        (st = get_int(t, "num_initial_points", 0, 1000000000L, &o->num_initial_points, name,
                      "tuner", err)) ||
        (st = get_int(t, "proposal_batch", 1, 1000000000L, &o->proposal_batch, name, "tuner",
                      err)))
        return st;
    const cJSON *alpha = cJSON_GetObjectItemCaseSensitive(t, "alpha");
    if (alpha && (!cJSON_IsNumber(alpha) || !(alpha->valuedouble > 0) || !isfinite(alpha->valuedouble)))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: tuner.alpha: must be a number > 0", name);
    if (alpha)
        o->alpha = alpha->valuedouble;
    const cJSON *beta = cJSON_GetObjectItemCaseSensitive(t, "beta");
    if (beta && (!cJSON_IsNumber(beta) || !(beta->valuedouble >= 0) || !isfinite(beta->valuedouble)))
        return ffnn_error_set(err, FFNN_ECONFIG, "%s: tuner.beta: must be a number >= 0", name);
    if (beta)
        o->beta = beta->valuedouble;
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(t, "validation_split");
    if (vs) {
        if (!cJSON_IsNumber(vs) || !(vs->valuedouble > 0 && vs->valuedouble < 1))
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: tuner.validation_split: must be a number in (0, 1)", name);
        o->validation_split = vs->valuedouble;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(t, "seed");
    if (seed) {
        if (!cJSON_IsNumber(seed) || !is_integral(seed->valuedouble) || seed->valuedouble < 0)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: tuner.seed: must be a non-negative integer", name);
        o->seed = (uint64_t)seed->valuedouble;
        o->has_seed = true;
    }
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(t, "objective");
    if (obj) {
        const cJSON *oname = obj, *dir = NULL;
        if (cJSON_IsObject(obj)) {
            for (const cJSON *k = obj->child; k; k = k->next)
                if (strcmp(k->string, "name") != 0 && strcmp(k->string, "direction") != 0) {
                    static const char *const ok[] = {"name", "direction"};
                    return unknown_key(err, name, "tuner.objective", k->string, ok, 2);
                }
            oname = cJSON_GetObjectItemCaseSensitive(obj, "name");
            dir = cJSON_GetObjectItemCaseSensitive(obj, "direction");
        }
        if (!cJSON_IsString(oname) || !oname->valuestring[0] ||
            strlen(oname->valuestring) >= sizeof o->objective)
            return objective_error(err, name);
        snprintf(o->objective, sizeof o->objective, "%s", oname->valuestring);
        if (dir) {
            if (!cJSON_IsString(dir) ||
                (strcmp(dir->valuestring, "min") != 0 && strcmp(dir->valuestring, "max") != 0))
                return ffnn_error_set(err, FFNN_ECONFIG,
                                      "%s: tuner.objective.direction: must be \"min\" or \"max\"", name);
            o->direction = dir->valuestring[1] == 'i' ? FFNN_MODE_MIN : FFNN_MODE_MAX;
        }
    }
    return FFNN_OK;
}

void ffnn_hypergrid_release(ffnn_hypergrid *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_hp; i++) {
        free(g->hp[i].name);
        cJSON_Delete(g->hp[i].values);
    }
    free(g->hp);
    cJSON_Delete(g->fit);
    memset(g, 0, sizeof *g);
}

ffnn_status ffnn_hypergrid_check(const ffnn_hypergrid *g, const char *name, ffnn_error *err)
{
    if (!g->tuner.objective[0])
        return objective_error(err, name);
    if (g->tuner.algorithm == FFNN_TUNE_BAYESIAN && g->tuner.max_trials < 1)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: tuner.max_trials: a bayesian search needs max_trials >= 1", name);
    if (g->tuner.algorithm == FFNN_TUNE_GRID)
        for (int i = 0; i < g->n_hp; i++)
            if (ffnn_hp_grid_size(&g->hp[i]) < 0)
                return ffnn_error_set(err, FFNN_ECONFIG,
                                      "%s: %s: grid search needs a \"step\" or \"values\" for "
                                      "every hyperparameter", name, g->hp[i].name);
    /* Here, before a tune directory is made for it: the search would
     * otherwise fail at its start and leave a directory that a corrected
     * hypergrid is then refused for. */
    if (g->tuner.algorithm == FFNN_TUNE_GRID && g->tuner.max_trials == 0 &&
        ffnn_hypergrid_points(g) > FFNN_TUNE_MAX_GRID)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: grid search over more than %ld points; set tuner.max_trials "
                              "to search the first ones", name, FFNN_TUNE_MAX_GRID);
    return FFNN_OK;
}

ffnn_status ffnn_hypergrid_from_json(ffnn_hypergrid *g, const cJSON *root, const char *name,
                                     ffnn_error *err)
{
    memset(g, 0, sizeof *g);
    g->tuner = ffnn_tune_options_default();
    ffnn_status st = FFNN_OK;
    if (!cJSON_IsObject(root)) {
        st = ffnn_error_set(err, FFNN_ECONFIG, "%s: must be a JSON object", name);
        goto out;
    }
    const cJSON *space = cJSON_GetObjectItemCaseSensitive(root, "hypergrid");
    if (space) {
        static const char *const top[] = {"hypergrid", "tuner", "fit", "description"};
        for (const cJSON *k = root->child; k; k = k->next)
            if (!in_list(k->string, top, 4)) {
                st = unknown_key(err, name, "", k->string, top, 4);
                goto out;
            }
        if ((st = parse_space(g, space, name, "hypergrid.", err)))
            goto out;
        const cJSON *tuner = cJSON_GetObjectItemCaseSensitive(root, "tuner");
        if (tuner && (st = parse_tuner(&g->tuner, tuner, name, err)))
            goto out;
        const cJSON *fit = cJSON_GetObjectItemCaseSensitive(root, "fit");
        if (fit) {
            if (!cJSON_IsObject(fit)) {
                st = ffnn_error_set(err, FFNN_ECONFIG, "%s: fit: must be an object of config keys",
                                    name);
                goto out;
            }
            if (!(g->fit = cJSON_Duplicate(fit, 1))) {
                st = ffnn_error_nomem(err);
                goto out;
            }
            ffnn_config c = ffnn_config_default();
            char fname[300];
            snprintf(fname, sizeof fname, "%s: fit", name);
            st = ffnn_config_apply(&c, g->fit, fname, err);
            ffnn_config_release(&c);
            if (st)
                goto out;
            /* search(validation_split=...) passes it to every trial's fit:
             * the rows each trial validates on (the final fit has none). */
            const cJSON *vs = cJSON_GetObjectItemCaseSensitive(g->fit, "validation_split");
            if (vs) {
                if (!(vs->valuedouble > 0)) {
                    st = ffnn_error_set(err, FFNN_ECONFIG,
                                        "%s: fit.validation_split: must be in (0, 1): the rows "
                                        "every trial validates on", name);
                    goto out;
                }
                g->tuner.validation_split = vs->valuedouble;
            }
        }
    } else {
        if ((st = parse_space(g, root, name, "", err)))
            goto out;
    }
    if (!g->fit && !(g->fit = cJSON_CreateObject()))
        st = ffnn_error_nomem(err);
    if (!st)
        st = ffnn_hypergrid_check(g, name, err);
out:
    if (st)
        ffnn_hypergrid_release(g);
    return st;
}

ffnn_status ffnn_hypergrid_parse(ffnn_hypergrid *g, const char *json, const char *name,
                                 ffnn_error *err)
{
    memset(g, 0, sizeof *g);
    cJSON *root;
    ffnn_status st = ffnn_json_parse(json, name, &root, err);
    if (st)
        return st;
    st = ffnn_hypergrid_from_json(g, root, name, err);
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_hypergrid_copy(ffnn_hypergrid *dst, const ffnn_hypergrid *src, ffnn_error *err)
{
    memset(dst, 0, sizeof *dst);
    dst->tuner = src->tuner;
    dst->hypermodel = src->hypermodel;
    dst->hp = ffnn_calloc((size_t)src->n_hp, sizeof *dst->hp);
    dst->fit = cJSON_Duplicate(src->fit, 1);
    bool ok = dst->hp && dst->fit;
    for (int i = 0; ok && i < src->n_hp; i++) {
        ffnn_hp *h = &dst->hp[dst->n_hp++];
        *h = src->hp[i];
        h->name = strdup(src->hp[i].name);
        h->values = src->hp[i].values ? cJSON_Duplicate(src->hp[i].values, 1) : NULL;
        ok = h->name && (h->values || !src->hp[i].values);
    }
    if (ok)
        return FFNN_OK;
    ffnn_hypergrid_release(dst);
    return ffnn_error_nomem(err);
}

ffnn_status ffnn_hypergrid_load(ffnn_hypergrid *g, const char *path, ffnn_error *err)
{
    memset(g, 0, sizeof *g);
    char *buf;
    ffnn_status st = ffnn_json_read_file(path, &buf, err);
    if (st)
        return st;
    st = ffnn_hypergrid_parse(g, buf, path, err);
    free(buf);
    return st;
}

/* NULL when out of memory */
static cJSON *hp_to_json(const ffnn_hp *hp)
{
    if (hp->kind == FFNN_HP_FIXED)
        return cJSON_Duplicate(cJSON_GetArrayItem(hp->values, 0), 1);
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (hp->kind == FFNN_HP_CHOICE) {
        ok = ok && ffnn_json_add(o, "values", cJSON_Duplicate(hp->values, 1));
    } else {
        ok = ok && cJSON_AddStringToObject(o, "type", hp->kind == FFNN_HP_INT ? "int" : "float");
        ok = ok && cJSON_AddNumberToObject(o, "min", hp->min);
        ok = ok && cJSON_AddNumberToObject(o, "max", hp->max);
        if (hp->step != 0.0)
            ok = ok && cJSON_AddNumberToObject(o, "step", hp->step);
        ok = ok && cJSON_AddStringToObject(o, "sampling", ffnn_hp_sampling_name(hp->sampling));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *ffnn_hypergrid_json(const ffnn_hypergrid *g)
{
    cJSON *root = cJSON_CreateObject(), *space = NULL, *t = NULL, *ob = NULL;
    bool ok = root && (space = cJSON_AddObjectToObject(root, "hypergrid"));
    for (int i = 0; ok && i < g->n_hp; i++)
        ok = ffnn_json_add(space, g->hp[i].name, hp_to_json(&g->hp[i]));
    const ffnn_tune_options *o = &g->tuner;
    ok = ok && (t = cJSON_AddObjectToObject(root, "tuner"));
    ok = ok && cJSON_AddStringToObject(t, "algorithm", ffnn_tune_algorithm_name(o->algorithm));
    ok = ok && cJSON_AddNumberToObject(t, "max_epochs", o->max_epochs);
    ok = ok && cJSON_AddNumberToObject(t, "factor", o->factor);
    ok = ok && cJSON_AddNumberToObject(t, "hyperband_iterations", o->hyperband_iterations);
    ok = ok && cJSON_AddNumberToObject(t, "executions_per_trial", o->executions_per_trial);
    ok = ok && cJSON_AddNumberToObject(t, "max_trials", o->max_trials);
    if (o->direction == FFNN_MODE_AUTO) {
        ok = ok && cJSON_AddStringToObject(t, "objective", o->objective);
    } else {
        ok = ok && (ob = cJSON_AddObjectToObject(t, "objective"));
        ok = ok && cJSON_AddStringToObject(ob, "name", o->objective);
        ok = ok && cJSON_AddStringToObject(ob, "direction", ffnn_mode_name(o->direction));
    }
    ok = ok && cJSON_AddNumberToObject(t, "validation_split", o->validation_split);
    ok = ok && cJSON_AddNumberToObject(t, "seed", (double)o->seed);
    ok = ok && cJSON_AddNumberToObject(t, "max_consecutive_failed_trials", o->max_consecutive_failed_trials);
    ok = ok && cJSON_AddNumberToObject(t, "max_retries_per_trial", o->max_retries_per_trial);
    if (o->algorithm == FFNN_TUNE_BAYESIAN) {   /* the other algorithms ignore them */
        ok = ok && cJSON_AddNumberToObject(t, "num_initial_points", o->num_initial_points);
        ok = ok && cJSON_AddNumberToObject(t, "alpha", o->alpha);
        ok = ok && cJSON_AddNumberToObject(t, "beta", o->beta);
        ok = ok && cJSON_AddNumberToObject(t, "proposal_batch", o->proposal_batch);
    }
    ok = ok && ffnn_json_add(root, "fit", cJSON_Duplicate(g->fit, 1));
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

char *ffnn_hypergrid_to_json(const ffnn_hypergrid *g)
{
    cJSON *root = ffnn_hypergrid_json(g);
    char *s = root ? ffnn_json_print(root, 2) : NULL;
    cJSON_Delete(root);
    return s;
}
