/* ffnn — keras-tuner's Hyperband schedule and oracle, random and grid
 * search, the objective and the ranking (keras-semantics.md §1).
 *
 * The oracle hands out trials in exactly the order a sequential keras-tuner
 * run creates them.  A promotion round is created only when every trial of
 * the round before it has finished, so the top-k it promotes never depends
 * on timing or on the number of workers.  Random rounds depend on nothing
 * but the seed, so a new bracket's first round is created as soon as the
 * previous bracket's last round has been created, as keras-tuner does. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/json.h"
#include "ffnn/rng.h"
#include "ffnn/tune.h"
#include "internal.h"

/* KT's _max_collisions. */
#define MAX_COLLISIONS 20

/* ---- schedule (KT tuners/hyperband.py) ------------------------------------ */

int ffnn_hyperband_brackets(int max_epochs, int factor)
{
    double e = (double)max_epochs;
    int n = 0;
    while (e >= 1.0) {
        e = e / (double)factor;
        n++;
    }
    return n;
}

static double ipow(int f, int k)
{
    double p = 1.0;
    for (int i = 0; i < k; i++)
        p *= (double)f;
    return p;
}

int ffnn_hyperband_size(int max_epochs, int factor, int b, int r)
{
    double b0 = ceil(1.0 + log((double)max_epochs) / log((double)factor));
    double end = b0 / (double)(b + 1);
    return (int)ceil(end * ipow(factor, b - r));
}

int ffnn_hyperband_epochs(int max_epochs, int factor, int b, int r)
{
    return (int)ceil((double)max_epochs / ipow(factor, b - r));
}

ffnn_schedule_totals ffnn_hyperband_totals(int max_epochs, int factor)
{
    ffnn_schedule_totals t = {0, 0, 0};
    int nb = ffnn_hyperband_brackets(max_epochs, factor);
    for (int b = nb - 1; b >= 0; b--)
        for (int r = 0; r <= b; r++) {
            long n = ffnn_hyperband_size(max_epochs, factor, b, r);
            int from = r ? ffnn_hyperband_epochs(max_epochs, factor, b, r - 1) : 0;
            t.trials += n;
            t.epochs += n * (ffnn_hyperband_epochs(max_epochs, factor, b, r) - from);
            if (r == 0)
                t.configs += n;
        }
    return t;
}

int ffnn_tune_schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp)
{
    if (o->algorithm != FFNN_TUNE_HYPERBAND) {
        long n = o->max_trials;
        if (o->algorithm == FFNN_TUNE_GRID && grid_points >= 0 && (n == 0 || grid_points < n))
            n = grid_points;
        fprintf(fp, "%s search: %ld trials x %d epochs = %ld epochs", ffnn_tune_algorithm_name(o->algorithm),
                n, o->max_epochs, n * o->max_epochs);
        if (o->executions_per_trial > 1)
            fprintf(fp, " (x %d executions)", o->executions_per_trial);
        fputc('\n', fp);
        return ferror(fp) ? -1 : 0;
    }
    int R = o->max_epochs, f = o->factor, nb = ffnn_hyperband_brackets(R, f);
    fprintf(fp, "Hyperband: max_epochs %d, factor %d, %d bracket%s, %d iteration%s\n", R, f, nb,
            nb == 1 ? "" : "s", o->hyperband_iterations, o->hyperband_iterations == 1 ? "" : "s");
    fprintf(fp, "%-8s %-6s %7s  %-12s %8s\n", "bracket", "round", "trials", "epochs", "trained");
    for (int b = nb - 1; b >= 0; b--) {
        long bt = 0, be = 0;
        for (int r = 0; r <= b; r++) {
            int n = ffnn_hyperband_size(R, f, b, r);
            int from = r ? ffnn_hyperband_epochs(R, f, b, r - 1) : 0;
            int to = ffnn_hyperband_epochs(R, f, b, r);
            char range[32];
            snprintf(range, sizeof range, "%d->%d", from, to);
            fprintf(fp, "%-8d %-6d %7d  %-12s %8ld\n", b, r, n, range, (long)n * (to - from));
            bt += n;
            be += (long)n * (to - from);
        }
        fprintf(fp, "bracket %d: %ld trials, %ld epochs\n", b, bt, be);
    }
    ffnn_schedule_totals t = ffnn_hyperband_totals(R, f);
    long it = o->hyperband_iterations;
    fprintf(fp, "per iteration: %ld trials, %ld epochs, %ld random configurations\n", t.trials,
            t.epochs, t.configs);
    fprintf(fp, "total: %ld trials, %ld epochs", t.trials * it, t.epochs * it);
    if (o->executions_per_trial > 1)
        fprintf(fp, " (x %d executions)", o->executions_per_trial);
    fputc('\n', fp);
    return ferror(fp) ? -1 : 0;
}

/* ---- objective (KT engine/metrics_tracking.py::infer_metric_direction) ---- */

static bool name_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

ffnn_status ffnn_tune_objective(const char *name, bool regression, ffnn_objective_field *field,
                                ffnn_mode *dir, ffnn_error *err)
{
    static const char *const max_names[] = {
        "acc", "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
        "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "true_positives",
        "true_negatives", "precision", "recall", "auc", "sensitivity_at_specificity",
        "specificity_at_sensitivity"};
    static const char *const min_names[] = {
        "loss", "crossentropy", "ce", "mae", "mse", "mape", "msle", "mean_absolute_error",
        "mean_squared_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
        "root_mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
        "sparse_categorical_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "huber",
        "log_cosh", "logcosh", "kl_divergence", "kld", "poisson", "cosine_similarity",
        "false_positives", "false_negatives"};
    const char *metric = regression ? "mae" : "accuracy";
    bool val = strncmp(name, "val_", 4) == 0;
    const char *base = val ? name + 4 : name;
    if (strncmp(base, "weighted_", 9) == 0)
        base += 9;
    ffnn_mode inferred = FFNN_MODE_AUTO;
    if (name_in(base, max_names, FFNN_ARRAY_LEN(max_names)))
        inferred = FFNN_MODE_MAX;
    else if (name_in(base, min_names, FFNN_ARRAY_LEN(min_names)))
        inferred = FFNN_MODE_MIN;
    bool is_metric = regression ? (strcmp(base, "mae") == 0 || strcmp(base, "mean_absolute_error") == 0)
                                : (strcmp(base, "accuracy") == 0 || strcmp(base, "acc") == 0);
    bool is_loss = strcmp(base, "loss") == 0;
    if ((inferred == FFNN_MODE_AUTO && *dir == FFNN_MODE_AUTO) || (!is_metric && !is_loss)) {
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "tuner.objective: %s objective \"%s\"; valid: val_%s, val_loss, %s, loss",
                              inferred == FFNN_MODE_AUTO ? "unknown" : "unavailable", name, metric,
                              metric);
    }
    *field = is_loss ? (val ? FFNN_OBJ_VAL_LOSS : FFNN_OBJ_LOSS)
                     : (val ? FFNN_OBJ_VAL_METRIC : FFNN_OBJ_METRIC);
    if (*dir == FFNN_MODE_AUTO)
        *dir = inferred;
    return FFNN_OK;
}

double ffnn_objective_value(const ffnn_epoch_log *log, ffnn_objective_field f)
{
    switch (f) {
    case FFNN_OBJ_LOSS: return log->loss;
    case FFNN_OBJ_METRIC: return log->metric;
    case FFNN_OBJ_VAL_LOSS: return log->val_loss;
    default: return log->val_metric;
    }
}

/* ---- trials ------------------------------------------------------------------ */

const char *ffnn_trial_status_name(ffnn_trial_status s)
{
    static const char *const names[] = {"pending", "completed", "failed"};
    return (unsigned)s < 3 ? names[s] : "?";
}

void ffnn_trial_release(ffnn_trial *t)
{
    if (!t)
        return;
    cJSON_Delete(t->values);
    cJSON_Delete(t->result);
    free(t->message);
    memset(t, 0, sizeof *t);
}

/* FNV-1a of the values' compact JSON in *out; false when out of memory. */
static bool values_hash(const cJSON *values, uint64_t *out)
{
    char *s = cJSON_PrintUnformatted(values);
    if (!s)
        return false;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = s; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    free(s);
    *out = h;
    return true;
}

void ffnn_oracle_init(ffnn_oracle *o, const ffnn_hypergrid *g, ffnn_mode direction)
{
    memset(o, 0, sizeof *o);
    o->grid = g;
    o->direction = direction;
    if (g->tuner.algorithm == FFNN_TUNE_HYPERBAND)
        o->bracket = ffnn_hyperband_brackets(g->tuner.max_epochs, g->tuner.factor) - 1;
}

void ffnn_oracle_release(ffnn_oracle *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n_trials; i++)
        ffnn_trial_release(&o->trials[i]);
    free(o->trials);
    free(o->hashes);
    memset(o, 0, sizeof *o);
}

static ffnn_status add_hash(ffnn_oracle *o, uint64_t h, ffnn_error *err)
{
    if (o->n_hashes == o->cap_hashes) {
        int cap = o->cap_hashes ? 2 * o->cap_hashes : 256;
        uint64_t *p = realloc(o->hashes, (size_t)cap * sizeof *p);
        if (!p)
            return ffnn_error_nomem(err);
        o->hashes = p;
        o->cap_hashes = cap;
    }
    o->hashes[o->n_hashes++] = h;
    return FFNN_OK;
}

static bool has_hash(const ffnn_oracle *o, uint64_t h)
{
    for (int i = 0; i < o->n_hashes; i++)
        if (o->hashes[i] == h)
            return true;
    return false;
}

/* Appends a trial (takes ownership of values). */
static ffnn_trial *new_trial(ffnn_oracle *o, cJSON *values, ffnn_error *err)
{
    if (o->n_trials == o->cap) {
        int cap = o->cap ? 2 * o->cap : 256;
        ffnn_trial *p = realloc(o->trials, (size_t)cap * sizeof *p);
        if (!p) {
            cJSON_Delete(values);
            ffnn_error_nomem(err);
            return NULL;
        }
        o->trials = p;
        o->cap = cap;
    }
    ffnn_trial *t = &o->trials[o->n_trials];
    memset(t, 0, sizeof *t);
    t->id = o->n_trials++;
    t->parent = -1;
    t->values = values;
    t->score = NAN;
    t->best_step = -1;
    return t;
}

ffnn_status ffnn_oracle_add_trial(ffnn_oracle *o, const ffnn_trial *src, ffnn_error *err)
{
    cJSON *values = cJSON_Duplicate(src->values, 1);
    if (!values)
        return ffnn_error_nomem(err);
    ffnn_trial *t = new_trial(o, values, err);
    if (!t)
        return err ? err->status : FFNN_EINTERNAL;
    int id = t->id;
    *t = *src;
    t->id = id;
    t->values = values;
    t->result = src->result ? cJSON_Duplicate(src->result, 1) : NULL;
    t->message = src->message ? strdup(src->message) : NULL;
    if ((src->result && !t->result) || (src->message && !t->message))
        return ffnn_error_nomem(err);
    if (t->parent >= 0 && t->parent < o->n_trials)
        o->trials[t->parent].promoted = true;
    uint64_t h;
    if (t->parent < 0 && o->grid->tuner.algorithm != FFNN_TUNE_GRID)
        return values_hash(values, &h) ? add_hash(o, h, err) : ffnn_error_nomem(err);
    return FFNN_OK;
}

/* KT _random_values: resample everything until the values are new; after
 * more than MAX_COLLISIONS repeats give up (NULL, *exhausted). */
static cJSON *random_values(ffnn_oracle *o, bool *exhausted, uint64_t *hash, ffnn_error *err)
{
    const ffnn_hypergrid *g = o->grid;
    *exhausted = false;
    for (int collisions = 0;; collisions++) {
        cJSON *v = cJSON_CreateObject();
        if (!v) {
            ffnn_error_nomem(err);
            return NULL;
        }
        bool ok = true;
        for (int i = 0; ok && i < g->n_hp; i++) {
            ffnn_rng r;
            ffnn_rng_init(&r, g->tuner.seed, FFNN_RNG_SAMPLE, o->seed_state++);
            ok = ffnn_json_add(v, g->hp[i].name, ffnn_hp_value(&g->hp[i], ffnn_rng_uniform(&r)));
        }
        uint64_t h;
        if (!ok || !values_hash(v, &h)) {
            cJSON_Delete(v);
            ffnn_error_nomem(err);
            return NULL;
        }
        if (!has_hash(o, h)) {
            *hash = h;
            return v;
        }
        cJSON_Delete(v);
        if (collisions >= MAX_COLLISIONS) {
            *exhausted = true;
            return NULL;
        }
    }
}

static ffnn_status create_random(ffnn_oracle *o, int epochs, ffnn_error *err)
{
    bool exhausted;
    uint64_t h = 0;
    cJSON *v = random_values(o, &exhausted, &h, err);
    if (!v) {
        if (exhausted) {
            o->exhausted = o->done = true;
            return FFNN_OK;
        }
        return err ? err->status : FFNN_EINTERNAL;
    }
    ffnn_trial *t = new_trial(o, v, err);
    if (!t)
        return err ? err->status : FFNN_EINTERNAL;
    t->iteration = o->iteration;
    t->bracket = o->bracket;
    t->round = 0;
    t->epochs = epochs;
    return add_hash(o, h, err);
}

typedef struct {
    const ffnn_trial *t;
    int dir;
} rank_item;

static int cmp_rank(const void *pa, const void *pb)
{
    const rank_item *a = pa, *b = pb;
    if (a->t->score != b->t->score) {
        bool better = a->dir > 0 ? a->t->score > b->t->score : a->t->score < b->t->score;
        return better ? -1 : 1;
    }
    return (a->t->id > b->t->id) - (a->t->id < b->t->id);
}

/* Sorts completed trials among ids[0..n) best first, stable. */
static int rank_ids(const ffnn_oracle *o, const int *ids, int n, int *out)
{
    rank_item *items = ffnn_calloc((size_t)(n ? n : 1), sizeof *items);
    if (!items)
        return -1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const ffnn_trial *t = &o->trials[ids[i]];
        if (t->status == FFNN_TRIAL_COMPLETED && !isnan(t->score))
            items[k++] = (rank_item){t, o->direction == FFNN_MODE_MAX ? 1 : -1};
    }
    qsort(items, (size_t)k, sizeof *items, cmp_rank);
    for (int i = 0; i < k; i++)
        out[i] = items[i].t->id;
    free(items);
    return k;
}

int ffnn_oracle_ranking(const ffnn_oracle *o, int *order)
{
    int *ids = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *ids);
    if (!ids)
        return -1;
    for (int i = 0; i < o->n_trials; i++)
        ids[i] = i;
    int k = rank_ids(o, ids, o->n_trials, order);
    free(ids);
    return k;
}

/* Promotes round r of the current bracket from round r-1, or returns with
 * *wait when round r-1 still has pending trials. */
static ffnn_status create_promotions(ffnn_oracle *o, bool *wait, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int b = o->bracket, r = o->round, R = tu->max_epochs, f = tu->factor;
    int *ids = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *ids);
    int *ranked = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *ranked);
    int n = 0;
    ffnn_status st = FFNN_OK;
    *wait = false;
    if (!ids || !ranked) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    for (int i = 0; i < o->n_trials; i++) {
        const ffnn_trial *t = &o->trials[i];
        if (t->iteration == o->iteration && t->bracket == b && t->round == r - 1) {
            if (t->status == FFNN_TRIAL_PENDING) {
                *wait = true;
                goto out;
            }
            ids[n++] = i;
        }
    }
    int k = rank_ids(o, ids, n, ranked);
    if (k < 0) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    /* KT promotes while len(candidates) > size(r-1) - size(r). */
    int keep = ffnn_hyperband_size(R, f, b, r - 1) - ffnn_hyperband_size(R, f, b, r);
    int from = ffnn_hyperband_epochs(R, f, b, r - 1), to = ffnn_hyperband_epochs(R, f, b, r);
    for (int i = 0; i < k - keep; i++) {
        int pid = ranked[i];
        cJSON *v = cJSON_Duplicate(o->trials[pid].values, 1);
        ffnn_trial *t = v ? new_trial(o, v, err) : NULL;
        if (!t) {
            st = v ? (err ? err->status : FFNN_EINTERNAL) : ffnn_error_nomem(err);
            goto out;
        }
        o->trials[pid].promoted = true;
        t->iteration = o->iteration;
        t->bracket = b;
        t->round = r;
        t->parent = pid;
        t->initial_epoch = from;
        t->epochs = to;
    }
out:
    free(ids);
    free(ranked);
    return st;
}

static void next_bracket(ffnn_oracle *o)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    o->round = 0;
    if (--o->bracket < 0) {
        o->iteration++;
        o->bracket = ffnn_hyperband_brackets(tu->max_epochs, tu->factor) - 1;
        if (o->iteration >= tu->hyperband_iterations)
            o->done = true;
    }
}

static ffnn_status advance_hyperband(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    ffnn_status st;
    while (!o->done) {
        if (o->round == 0) {
            int n = ffnn_hyperband_size(tu->max_epochs, tu->factor, o->bracket, 0);
            int e = ffnn_hyperband_epochs(tu->max_epochs, tu->factor, o->bracket, 0);
            for (int i = 0; i < n && !o->done; i++)
                if ((st = create_random(o, e, err)))
                    return st;
            if (o->done)
                return FFNN_OK;
        } else {
            bool wait;
            if ((st = create_promotions(o, &wait, err)))
                return st;
            if (wait)
                return FFNN_OK;
        }
        if (++o->round > o->bracket)
            next_bracket(o);
    }
    return FFNN_OK;
}

/* Grid point index i -> values (first hyperparameter varies slowest). */
static cJSON *grid_values(const ffnn_hypergrid *g, long i)
{
    cJSON *v = cJSON_CreateObject();
    long *sizes = ffnn_calloc((size_t)(g->n_hp ? g->n_hp : 1), sizeof *sizes);
    if (!v || !sizes) {
        cJSON_Delete(v);
        free(sizes);
        return NULL;
    }
    for (int k = 0; k < g->n_hp; k++)
        sizes[k] = ffnn_hp_grid_size(&g->hp[k]);
    long *idx = ffnn_calloc((size_t)(g->n_hp ? g->n_hp : 1), sizeof *idx);
    for (int k = g->n_hp - 1; idx && k >= 0; k--) {
        idx[k] = i % sizes[k];
        i /= sizes[k];
    }
    bool ok = idx != NULL;
    for (int k = 0; ok && k < g->n_hp; k++)
        ok = ffnn_json_add(v, g->hp[k].name, ffnn_hp_grid_value(&g->hp[k], idx[k]));
    free(sizes);
    free(idx);
    if (!ok) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

/* The grid points to visit: every one, or the first max_trials of a grid
 * of any size; -1 when that is more than FFNN_TUNE_MAX_GRID (the parser
 * refuses such a hypergrid). */
static long grid_total(const ffnn_hypergrid *g)
{
    long max = g->tuner.max_trials > 0 ? g->tuner.max_trials : FFNN_TUNE_MAX_GRID;
    long n = ffnn_hypergrid_points(g, max);
    if (n < 0 || (g->tuner.max_trials == 0 && n > FFNN_TUNE_MAX_GRID))
        return -1;
    return n > max ? max : n;
}

ffnn_status ffnn_oracle_advance(ffnn_oracle *o, int *n_new, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int before = o->n_trials;
    ffnn_status st = FFNN_OK;
    *n_new = 0;
    if (o->done)
        return FFNN_OK;
    if (tu->algorithm == FFNN_TUNE_HYPERBAND) {
        st = advance_hyperband(o, err);
    } else if (tu->algorithm == FFNN_TUNE_RANDOM) {
        while (!o->done && o->n_trials < tu->max_trials)
            if ((st = create_random(o, tu->max_epochs, err)))
                break;
        o->done = true;
    } else {
        long total = grid_total(o->grid);
        if (total < 0)
            return ffnn_error_set(err, FFNN_ECONFIG, "grid search: the grid is too large");
        for (long i = o->n_trials; i < total; i++) {
            cJSON *v = grid_values(o->grid, i);
            ffnn_trial *t = v ? new_trial(o, v, err) : NULL;
            if (!t) {
                st = v ? (err ? err->status : FFNN_EINTERNAL) : ffnn_error_nomem(err);
                break;
            }
            t->epochs = tu->max_epochs;
        }
        o->done = true;
    }
    *n_new = o->n_trials - before;
    return st;
}

bool ffnn_oracle_finished(const ffnn_oracle *o)
{
    if (!o->done)
        return false;
    for (int i = 0; i < o->n_trials; i++)
        if (o->trials[i].status == FFNN_TRIAL_PENDING)
            return false;
    return true;
}
