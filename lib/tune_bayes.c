/* ffnn — keras-tuner's BayesianOptimization (KT 1.4 tuners/bayesian.py)
 * behind the oracle's interface: random trials until num_initial_points of
 * them have completed, then a Gaussian process (gp.c) fitted to the
 * completed trials' values mapped to [0,1] (value_to_prob below) and the
 * next trial at the minimum of its mean - beta*std, decoded back to values
 * as sampled values are (ffnn_hp_value).
 *
 * When a trial is created, so that results never depend on timing, on -j or
 * on the executor (ffnn-tune(1)):
 * - trial n is random when the completed trials and the pending ones
 *   together number fewer than num_initial_points: whatever the pending ones
 *   give, keras-tuner's sequential search makes a random trial there too.  So
 *   the first num_initial_points trials are created at once and run in
 *   parallel, and a failed one is replaced at once.
 * - else, once no trial is pending, proposal_batch trials (fewer where
 *   max_trials ends the search) are proposed from the completed trials in id
 *   order: the first by a GP fitted to them, each further one by a GP fitted
 *   to them and to the batch's earlier proposals, each of those scored with
 *   keras-tuner's pessimistic guess for an ongoing trial, mean + std of the
 *   previous fit (its _vectorize_trials).
 * - else the oracle waits for the pending trials.
 * With proposal_batch 1, the default, the trials are exactly those of
 * keras-tuner's sequential search, each proposal made from every earlier
 * result.  keras-tuner's parallel workers instead score whatever trials
 * happen to be running when one of them asks, which ties the result to
 * timing; a batch is that rule at fixed points.
 *
 * The GP fit and the proposal of trial n draw from one stream,
 * (seed, FFNN_RNG_PROPOSE, n): the fit's 20 restarts, then the proposal's
 * 50 x dimensions starts (gp.h).
 *
 * As keras-tuner does: only completed trials count towards
 * num_initial_points, whose default max(3 x dimensions, 3) counts Fixed
 * hyperparameters; the vector leaves Fixed ones out; failed trials are left
 * out of the fit (a completed trial without a score, which keras-tuner 1.4
 * marks invalid, too); scores of a maximised objective are negated and
 * non-finite ones become 0 (np.nan_to_num); a proposal whose values equal an
 * earlier trial's is created all the same (the duplicate check covers
 * random values only) and trains with its own seeds.  Differences: a
 * proposal on the upper bound of an Int without step decodes just below 1,
 * so it never gives max + 1 as keras-tuner's int() can; the random streams
 * and the optimiser are ffnn's (gp.c). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/json.h"
#include "ffnn/rng.h"
#include "gp.h"
#include "internal.h"
#include "tune_internal.h"

/* ---- value_to_prob (KT's Int, Float and Choice, hp_utils.index_to_prob) ---- */

/* KT Numerical._numerical_to_prob(value, max_value). */
static double numerical_to_prob(const ffnn_hp *hp, double v, double max)
{
    if (max == hp->min)
        return 0.5;
    switch (hp->sampling) {
    case FFNN_HP_LOG:
        return log(v / hp->min) / log(max / hp->min);
    case FFNN_HP_REVERSE_LOG:
        return 1.0 - log((max + hp->min - v) / hp->min) / log(max / hp->min);
    default:
        return (v - hp->min) / (max - hp->min);
    }
}

/* KT index_to_prob: the centre of bucket index of n. */
static double index_to_prob(double index, long n)
{
    return (index + 0.5) * (1.0 / (double)n);
}

double ffnn_hp_value_to_prob(const ffnn_hp *hp, const cJSON *v)
{
    if (hp->kind == FFNN_HP_FIXED)
        return 0.5;
    if (hp->kind == FFNN_HP_CHOICE) {
        int n = cJSON_GetArraySize(hp->values), i = 0;
        for (const cJSON *c = hp->values->child; c; c = c->next, i++)
            if (cJSON_Compare(c, v, true))
                return index_to_prob(i, n);
        return NAN;
    }
    if (!cJSON_IsNumber(v))
        return NAN;
    double x = v->valuedouble;
    if (hp->step == 0.0) /* an Int without step is shifted into [min, max + 1) */
        return hp->kind == FFNN_HP_INT ? numerical_to_prob(hp, x + 0.5, hp->max + 1.0)
                                       : numerical_to_prob(hp, x, hp->max);
    /* KT _to_prob_with_step: the linear index is Python's floor division,
     * the log ones are not rounded; n is the grid's size. */
    double index;
    switch (hp->sampling) {
    case FFNN_HP_LOG:
        index = log(x / hp->min) / log(hp->step);
        break;
    case FFNN_HP_REVERSE_LOG:
        index = log((hp->max - x + hp->min) / hp->min) / log(hp->step);
        break;
    default:
        index = ffnn_py_floordiv(x - hp->min, hp->step);
    }
    return index_to_prob(index, ffnn_hp_grid_size(hp));
}

int ffnn_bayes_initial_points(const ffnn_hypergrid *g)
{
    if (g->tuner.num_initial_points > 0)
        return g->tuner.num_initial_points;
    return g->n_hp > 1 ? 3 * g->n_hp : 3;
}

/* ---- the GP's data ----------------------------------------------------------------- */

/* A trial the GP learns from: completed with a score. */
static bool usable(const ffnn_trial *t)
{
    return t->status == FFNN_TRIAL_COMPLETED && !isnan(t->score);
}

/* The GP's dimensions: the hyperparameters that are not Fixed. */
static int dimensions(const ffnn_hypergrid *g)
{
    int d = 0;
    for (int i = 0; i < g->n_hp; i++)
        d += g->hp[i].kind != FFNN_HP_FIXED;
    return d;
}

/* Trial values -> row (dimensions entries); what is not a value of its
 * hyperparameter becomes 0, as np.nan_to_num makes it. */
static void vectorize(const ffnn_hypergrid *g, const cJSON *values, double *row)
{
    int k = 0;
    for (int i = 0; i < g->n_hp; i++) {
        const ffnn_hp *hp = &g->hp[i];
        if (hp->kind == FFNN_HP_FIXED)
            continue;
        double p = ffnn_hp_value_to_prob(hp, cJSON_GetObjectItemCaseSensitive(values, hp->name));
        row[k++] = isfinite(p) ? p : 0.0;
    }
}

/* Point x (dimensions entries, within [0,1]) -> values, in space order;
 * NULL when out of memory. */
static cJSON *decode(const ffnn_hypergrid *g, const double *x)
{
    cJSON *v = cJSON_CreateObject();
    int k = 0;
    for (int i = 0; v && i < g->n_hp; i++) {
        const ffnn_hp *hp = &g->hp[i];
        cJSON *item;
        if (hp->kind == FFNN_HP_FIXED) {
            item = ffnn_hp_grid_value(hp, 0);
        } else {
            double u = x[k++];
            if (hp->kind == FFNN_HP_INT && hp->step == 0.0 && u >= 1.0)
                u = nextafter(1.0, 0.0);
            item = ffnn_hp_value(hp, u);
        }
        if (!ffnn_json_add(v, hp->name, item)) {
            cJSON_Delete(v);
            v = NULL;
        }
    }
    return v;
}

/* Wraps a GP error with the trial it was for (err may be NULL). */
static ffnn_status gp_error(ffnn_error *err, ffnn_status st, int id)
{
    if (err)
        ffnn_error_prefix(err, "bayesian search: trial %04d", id);
    return st;
}

/* Creates k GP trials (ids n0 .. n0+k-1, n0 = o->n_trials) from the c
 * completed trials (see the top of the file). */
static ffnn_status propose(ffnn_oracle *o, int k, int c, ffnn_error *err)
{
    const ffnn_hypergrid *g = o->grid;
    const ffnn_tune_options *tu = &g->tuner;
    size_t d = (size_t)dimensions(g), rows = (size_t)c + (size_t)k;
    int n0 = o->n_trials;
    double *x = ffnn_calloc(rows * (d ? d : 1), sizeof *x);
    double *y = ffnn_calloc(rows, sizeof *y);
    double *xq = ffnn_calloc(d ? d : 1, sizeof *xq);
    double *mean = ffnn_calloc((size_t)k, sizeof *mean);
    double *sd = ffnn_calloc((size_t)k, sizeof *sd);
    ffnn_gp *prev = NULL;
    ffnn_status st = FFNN_OK;
    if (!x || !y || !xq || !mean || !sd) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    int r = 0;
    for (int i = 0; i < n0; i++) {
        const ffnn_trial *t = &o->trials[i];
        if (!usable(t))
            continue;
        vectorize(g, t->values, &x[(size_t)r * d]);
        double s = o->direction == FFNN_MODE_MAX ? -t->score : t->score;
        y[r++] = isfinite(s) ? s : 0.0;
    }
    ffnn_gp_options opt = ffnn_gp_options_default();
    opt.alpha = tu->alpha;
    opt.beta = tu->beta;
    for (int b = 0; b < k; b++) {
        int id = n0 + b;
        if (d > 0) {
            if (b > 0) { /* the batch's earlier proposals, as ongoing trials */
                vectorize(g, o->trials[id - 1].values, &x[(size_t)(c + b - 1) * d]);
                if ((st = ffnn_gp_predict(prev, &x[(size_t)c * d], (size_t)b, mean, sd, err)))
                    goto out;
                for (int j = 0; j < b; j++)
                    y[c + j] = mean[j] + sd[j];
            }
            ffnn_rng rng;
            ffnn_gp *gp;
            ffnn_rng_init(&rng, tu->seed, FFNN_RNG_PROPOSE, (uint64_t)id);
            if ((st = ffnn_gp_fit(&gp, x, y, (size_t)(c + b), d, &opt, &rng, err))) {
                st = gp_error(err, st, id);
                goto out;
            }
            ffnn_gp_destroy(prev);
            prev = gp;
            if ((st = ffnn_gp_propose(gp, &rng, xq, NULL, err))) {
                st = gp_error(err, st, id);
                goto out;
            }
        }
        cJSON *v = decode(g, xq);
        ffnn_trial *t = v ? ffnn_oracle_new_trial(o, v, err) : NULL;
        if (!t) {
            st = v ? (err ? err->status : FFNN_EINTERNAL) : ffnn_error_nomem(err);
            goto out;
        }
        t->epochs = tu->max_epochs;
    }
out:
    ffnn_gp_destroy(prev);
    free(x);
    free(y);
    free(xq);
    free(mean);
    free(sd);
    return st;
}

/* ---- the algorithm -------------------------------------------------------------- */

static ffnn_status advance(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int want = ffnn_bayes_initial_points(o->grid);
    ffnn_status st;
    while (!o->done) {
        if (o->n_trials >= tu->max_trials) {
            o->done = true;
            break;
        }
        int completed = 0, pending = 0;
        for (int i = 0; i < o->n_trials; i++) {
            pending += o->trials[i].status == FFNN_TRIAL_PENDING;
            completed += usable(&o->trials[i]);
        }
        if (completed + pending < want) {
            if ((st = ffnn_oracle_create_random(o, tu->max_epochs, err)))
                return st;
            continue;
        }
        if (pending > 0)
            return FFNN_OK;
        int k = tu->max_trials - o->n_trials;
        if (k > tu->proposal_batch)
            k = tu->proposal_batch;
        if ((st = propose(o, k, completed, err)))
            return st;
        o->done = o->n_trials >= tu->max_trials;
        return FFNN_OK;
    }
    return FFNN_OK;
}

/* "bayesian search: N trials x E epochs = T epochs" and when the GP starts. */
static int schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp)
{
    (void)grid_points;
    long n = o->max_trials;
    fprintf(fp, "bayesian search: %ld trials x %d epochs = %ld epochs", n, o->max_epochs,
            n * o->max_epochs);
    if (o->executions_per_trial > 1)
        fprintf(fp, " (x %d executions)", o->executions_per_trial);
    fputc('\n', fp);
    if (o->num_initial_points > 0)
        fprintf(fp, "random until %d trials have completed", o->num_initial_points);
    else
        fputs("random until max(3 x hyperparameters, 3) trials have completed", fp);
    fprintf(fp, ", then a Gaussian process proposes %d at a time (alpha %g, beta %g)\n",
            o->proposal_batch, o->alpha, o->beta);
    return ferror(fp) ? -1 : 0;
}

const ffnn_oracle_algo ffnn_bayes_algo = {
    .sampled = true,
    .advance = advance,
    .check = ffnn_oracle_check_flat,
    .expected = ffnn_oracle_expected_flat,
    .schedule_write = schedule_write,
};
