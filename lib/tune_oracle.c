/* ffnn — the oracle: the trials of a search, sampling without duplicates
 * (keras-tuner's _random_values), the ranking and the objective, and the
 * search algorithms behind one interface (ffnn_oracle_algo): random and
 * grid search here, Hyperband in tune_hyperband.c (keras-semantics.md §1),
 * Bayesian optimisation in tune_bayes.c.
 *
 * The oracle hands out trials in exactly the order a sequential keras-tuner
 * run creates them, so results never depend on timing or on the number of
 * workers. */
#include <assert.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/json.h"
#include "ffnn/rng.h"
#include "internal.h"
#include "tune_internal.h"

/* KT's _max_collisions. */
#define MAX_COLLISIONS 20

/* ---- objective (KT engine/metrics_tracking.py::infer_metric_direction) ---- */

ffnn_status ffnn_tune_objective(const char *name, bool classification, bool binary,
                                ffnn_objective_field *field, ffnn_mode *dir, ffnn_error *err)
{
    bool val = strncmp(name, "val_", 4) == 0;
    const char *base = val ? name + 4 : name;
    int m = strcmp(base, "loss") == 0 ? -1 : ffnn_metric_id_parse(base);
    char known[400];
    ffnn_metric_log_keys(classification, binary, known, sizeof known);
    if (m < -1 || (m < 0 && strcmp(base, "loss") != 0))
        return ffnn_error_set(err, FFNN_ECONFIG, "tuner.objective: unknown objective \"%s\"; known: %s",
                              name, known);
    if (m >= 0 && !ffnn_metric_for_task((ffnn_metric_id)m, classification, binary))
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "tuner.objective: \"%s\" is not computed for %s; known: %s", name,
                              !classification ? "regression"
                              : binary        ? "binary classification"
                                              : "multiclass classification",
                              known);
    field->val = val;
    field->metric = m;
    if (*dir == FFNN_MODE_AUTO)
        *dir = m >= 0 && ffnn_metric_maximized((ffnn_metric_id)m) ? FFNN_MODE_MAX : FFNN_MODE_MIN;
    return FFNN_OK;
}

double ffnn_objective_value(const ffnn_epoch_log *log, ffnn_objective_field f)
{
    if (f.metric < 0)
        return f.val ? log->val_loss : log->loss;
    return f.val ? log->val_metrics[f.metric] : log->metrics[f.metric];
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
    char *s = ffnn_json_print(values, 0);
    if (!s)
        return false;
    *out = ffnn_tune_fnv64(s, strlen(s));
    free(s);
    return true;
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

ffnn_trial *ffnn_oracle_new_trial(ffnn_oracle *o, cJSON *values, ffnn_error *err)
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
    ffnn_trial *t = ffnn_oracle_new_trial(o, values, err);
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
    if (t->parent < 0 && o->algo->sampled)
        return values_hash(values, &h) ? add_hash(o, h, err) : ffnn_error_nomem(err);
    return FFNN_OK;
}

/* KT _random_values from seed state *state: resample everything until the
 * values are new; after more than MAX_COLLISIONS repeats give up (NULL,
 * *exhausted). */
static cJSON *random_values(ffnn_oracle *o, uint64_t *state, bool *exhausted, uint64_t *hash,
                            ffnn_error *err)
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
            ffnn_rng_init(&r, g->tuner.seed, FFNN_RNG_SAMPLE, (*state)++);
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

/* Creates the first draw ahead as the next trial. */
static ffnn_status take_ahead(ffnn_oracle *o, int epochs, ffnn_error *err)
{
    ffnn_ahead a = o->ahead[0];
    memmove(o->ahead, o->ahead + 1, (size_t)(o->n_ahead - 1) * sizeof *o->ahead);
    o->n_ahead--;
    o->ahead_taken++;
    o->seed_state = a.seed_state;
    /* The schedule reaches the draw where it was made ahead. */
    assert(a.trial.iteration == o->iteration && a.trial.bracket == o->bracket &&
           a.trial.epochs == epochs);
    (void)epochs;
    ffnn_trial *t = ffnn_oracle_new_trial(o, a.trial.values, err);
    if (!t)
        return err ? err->status : FFNN_EINTERNAL;
    t->iteration = a.trial.iteration;
    t->bracket = a.trial.bracket;
    t->epochs = a.trial.epochs;
    return FFNN_OK;   /* its hash was recorded when it was drawn */
}

ffnn_status ffnn_oracle_create_random(ffnn_oracle *o, int epochs, ffnn_error *err)
{
    if (o->n_ahead > 0)
        return take_ahead(o, epochs, err);
    if (o->ahead_exhausted) {
        o->seed_state = o->ahead_state;
        o->exhausted = o->done = true;
        return FFNN_OK;
    }
    bool exhausted;
    uint64_t h = 0;
    cJSON *v = random_values(o, &o->seed_state, &exhausted, &h, err);
    if (!v) {
        if (exhausted) {
            o->exhausted = o->done = true;
            return FFNN_OK;
        }
        return err ? err->status : FFNN_EINTERNAL;
    }
    ffnn_trial *t = ffnn_oracle_new_trial(o, v, err);
    if (!t)
        return err ? err->status : FFNN_EINTERNAL;
    t->iteration = o->iteration;
    t->bracket = o->bracket;
    t->round = 0;
    t->epochs = epochs;
    return add_hash(o, h, err);
}

ffnn_status ffnn_oracle_append_ahead(ffnn_oracle *o, int it, int b, int epochs, int n,
                                     ffnn_error *err)
{
    uint64_t state = o->n_ahead > 0 ? o->ahead_state : o->seed_state;
    for (int i = 0; i < n && !o->ahead_exhausted; i++) {
        if (o->n_ahead == o->cap_ahead) {
            int cap = o->cap_ahead ? 2 * o->cap_ahead : 64;
            ffnn_ahead *p = realloc(o->ahead, (size_t)cap * sizeof *p);
            if (!p)
                return ffnn_error_nomem(err);
            o->ahead = p;
            o->cap_ahead = cap;
        }
        bool exhausted;
        uint64_t h = 0;
        cJSON *v = random_values(o, &state, &exhausted, &h, err);
        o->ahead_state = state;
        if (!v) {
            if (!exhausted)
                return err ? err->status : FFNN_EINTERNAL;
            o->ahead_exhausted = true;
            break;
        }
        ffnn_status st = add_hash(o, h, err);
        if (st) {
            cJSON_Delete(v);
            return st;
        }
        ffnn_ahead *a = &o->ahead[o->n_ahead++];
        memset(a, 0, sizeof *a);
        a->trial.id = -1;
        a->trial.parent = -1;
        a->trial.values = v;
        a->trial.score = NAN;
        a->trial.best_step = -1;
        a->trial.iteration = it;
        a->trial.bracket = b;
        a->trial.epochs = epochs;
        a->seed_state = state;
    }
    return FFNN_OK;
}

ffnn_status ffnn_oracle_draw_ahead(ffnn_oracle *o, int *n_new, ffnn_error *err)
{
    int before = o->n_ahead;
    *n_new = 0;
    if (o->done || o->ahead_exhausted || !o->algo->draw_ahead)
        return FFNN_OK;
    ffnn_status st = o->algo->draw_ahead(o, err);
    *n_new = o->n_ahead - before;
    return st;
}

void ffnn_oracle_expect_ids(ffnn_oracle *o)
{
    if (o->n_ahead > 0 && o->algo->expect_ids)
        o->algo->expect_ids(o);
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

int ffnn_oracle_rank(const ffnn_oracle *o, const int *ids, int n, int *out)
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
    int k = ffnn_oracle_rank(o, ids, o->n_trials, order);
    free(ids);
    return k;
}

int ffnn_oracle_configurations(const ffnn_oracle *o)
{
    int n = 0;
    for (int i = 0; i < o->n_trials; i++)
        n += o->trials[i].parent < 0;
    return n;
}

const ffnn_trial *ffnn_oracle_failure_run(const ffnn_oracle *o, int k, ffnn_failure_scan *scan)
{
    ffnn_failure_scan from = {0, 0};
    if (!scan)
        scan = &from;
    for (; scan->next < o->n_trials; scan->next++) {
        const ffnn_trial *tr = &o->trials[scan->next];
        if (tr->status == FFNN_TRIAL_PENDING)
            return NULL;
        scan->run = tr->status == FFNN_TRIAL_FAILED ? scan->run + 1 : 0;
        if (scan->run >= k)
            return tr;
    }
    return NULL;
}

/* ---- random and grid search ------------------------------------------------ */

/* Random, grid and Bayesian searches train every trial max_epochs from
 * scratch. */
void ffnn_oracle_expected_flat(const ffnn_oracle *o, long *trials, long *epochs)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    *trials = o->done ? o->n_trials : tu->max_trials;
    *epochs = ffnn_tune_product(*trials, tu->max_epochs);
}

/* No trial of a random, grid or Bayesian search continues another. */
ffnn_status ffnn_oracle_check_flat(const ffnn_oracle *o, const char *path, ffnn_error *err)
{
    for (int i = 0; i < o->n_trials; i++)
        if (o->trials[i].parent >= 0)
            return ffnn_oracle_misfit(o, i, path, err);
    return FFNN_OK;
}

static ffnn_status advance_random(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    ffnn_status st = FFNN_OK;
    while (!o->done && o->n_trials < tu->max_trials)
        if ((st = ffnn_oracle_create_random(o, tu->max_epochs, err)))
            break;
    o->done = true;
    return st;
}

/* "random search: N trials x E epochs = T epochs". */
static int schedule_write_flat(const ffnn_tune_options *o, long grid_points, FILE *fp)
{
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
    long n = ffnn_hypergrid_points(g);
    if (n < 0 || (g->tuner.max_trials == 0 && n > FFNN_TUNE_MAX_GRID))
        return -1;
    return n > max ? max : n;
}

static ffnn_status advance_grid(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    ffnn_status st = FFNN_OK;
    long total = grid_total(o->grid);
    if (total < 0)
        return ffnn_error_set(err, FFNN_ECONFIG, "grid search: the grid is too large");
    for (long i = o->n_trials; i < total; i++) {
        cJSON *v = grid_values(o->grid, i);
        ffnn_trial *t = v ? ffnn_oracle_new_trial(o, v, err) : NULL;
        if (!t) {
            st = v ? (err ? err->status : FFNN_EINTERNAL) : ffnn_error_nomem(err);
            break;
        }
        t->epochs = tu->max_epochs;
    }
    o->done = true;
    return st;
}

static const ffnn_oracle_algo random_algo = {
    .sampled = true,
    .advance = advance_random,
    .check = ffnn_oracle_check_flat,
    .expected = ffnn_oracle_expected_flat,
    .schedule_write = schedule_write_flat,
};

static const ffnn_oracle_algo grid_algo = {
    .sampled = false,
    .advance = advance_grid,
    .check = ffnn_oracle_check_flat,
    .expected = ffnn_oracle_expected_flat,
    .schedule_write = schedule_write_flat,
};

const ffnn_oracle_algo *ffnn_oracle_algo_of(ffnn_tune_algorithm a)
{
    switch (a) {
    case FFNN_TUNE_RANDOM: return &random_algo;
    case FFNN_TUNE_GRID: return &grid_algo;
    case FFNN_TUNE_BAYESIAN: return &ffnn_bayes_algo;
    default: return &ffnn_hyperband_algo;
    }
}

/* ---- the oracle ---------------------------------------------------------------- */

void ffnn_oracle_init(ffnn_oracle *o, const ffnn_hypergrid *g, ffnn_mode direction)
{
    memset(o, 0, sizeof *o);
    o->grid = g;
    o->algo = ffnn_oracle_algo_of(g->tuner.algorithm);
    o->direction = direction;
    if (o->algo->start)
        o->algo->start(o);
}

void ffnn_oracle_release(ffnn_oracle *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n_trials; i++)
        ffnn_trial_release(&o->trials[i]);
    free(o->trials);
    free(o->hashes);
    for (int i = 0; i < o->n_ahead; i++)
        ffnn_trial_release(&o->ahead[i].trial);
    free(o->ahead);
    memset(o, 0, sizeof *o);
}

ffnn_status ffnn_oracle_advance(ffnn_oracle *o, int *n_new, ffnn_error *err)
{
    int before = o->n_trials;
    *n_new = 0;
    if (o->done)
        return FFNN_OK;
    ffnn_status st = o->algo->advance(o, err);
    *n_new = o->n_trials - before;
    return st;
}

void ffnn_oracle_resume(ffnn_oracle *o)
{
    if (o->algo->resume)
        o->algo->resume(o);
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

ffnn_status ffnn_oracle_misfit(const ffnn_oracle *o, int i, const char *path, ffnn_error *err)
{
    const ffnn_trial *tr = &o->trials[i];
    return ffnn_error_set(err, FFNN_EDATA,
                          "%s: trial %04d (iteration %d, bracket %d, round %d) does not fit "
                          "the search; use --overwrite to start afresh", path, i,
                          tr->iteration, tr->bracket, tr->round);
}

bool ffnn_oracle_needs_checkpoint(const ffnn_oracle *o, const ffnn_trial *tr)
{
    return o->algo->needs_checkpoint && o->algo->needs_checkpoint(tr);
}

int ffnn_tune_schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp)
{
    if (ffnn_oracle_algo_of(o->algorithm)->schedule_write(o, grid_points, fp) != 0)
        return -1;
    if (grid_points < 0) {
        fprintf(fp, "search space: unbounded (a continuous range)\n");
        return ferror(fp) ? -1 : 0;
    }
    if (grid_points == LONG_MAX)
        fprintf(fp, "search space: more than %ld distinct configurations\n", LONG_MAX);
    else
        fprintf(fp, "search space: %ld distinct configuration%s\n", grid_points,
                grid_points == 1 ? "" : "s");
    /* The random configurations the schedule asks for. */
    long wanted = -1;
    if (o->algorithm == FFNN_TUNE_HYPERBAND)
        wanted = ffnn_hyperband_totals(o->max_epochs, o->factor).configs * o->hyperband_iterations;
    else if (o->algorithm == FFNN_TUNE_RANDOM)
        wanted = o->max_trials;
    if (wanted > grid_points)
        fprintf(fp, "fewer than the %ld random configurations the schedule draws: the search "
                "ends early, as keras-tuner's does, once new draws keep repeating earlier ones\n",
                wanted);
    return ferror(fp) ? -1 : 0;
}
