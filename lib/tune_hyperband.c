/* ffnn — keras-tuner's Hyperband (keras-semantics.md §1): the schedule
 * (KT tuners/hyperband.py, the same double expressions) and the algorithm
 * behind the oracle's interface.
 *
 * A promotion round is created only when every trial of the round before it
 * has finished, so the top-k it promotes never depends on timing or on the
 * number of workers.  Random rounds depend on nothing but the seed, so a new
 * bracket's first round is created as soon as the previous bracket's last
 * round has been created, as keras-tuner does.  A promoted trial continues
 * its parent's best-epoch weights (trials/NNNN.ffnn). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tune_internal.h"

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

static int schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp)
{
    (void)grid_points;
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
    int k = ffnn_oracle_rank(o, ids, n, ranked);
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
        ffnn_trial *t = v ? ffnn_oracle_new_trial(o, v, err) : NULL;
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

static ffnn_status advance(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    ffnn_status st;
    while (!o->done) {
        if (o->round == 0) {
            int n = ffnn_hyperband_size(tu->max_epochs, tu->factor, o->bracket, 0);
            int e = ffnn_hyperband_epochs(tu->max_epochs, tu->factor, o->bracket, 0);
            for (int i = 0; i < n && !o->done; i++)
                if ((st = ffnn_oracle_create_random(o, e, err)))
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


static void start(ffnn_oracle *o)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    o->bracket = ffnn_hyperband_brackets(tu->max_epochs, tu->factor) - 1;
}

/* hyperband_iterations may have changed (--iterations): it may extend or
 * end the search. */
static void resume(ffnn_oracle *o)
{
    if (!o->exhausted)
        o->done = o->iteration >= o->grid->tuner.hyperband_iterations;
}

/* The schedule position and the trials read back must be ones the search
 * can have made (the oracle and checkpoint cleanup index by them): brackets
 * below the bracket count, rounds up to the bracket, iterations in creation
 * order, a round-r trial continuing a round r-1 trial of its own bracket. */
static ffnn_status check(const ffnn_oracle *o, const char *path, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int nb = ffnn_hyperband_brackets(tu->max_epochs, tu->factor);
    if (o->bracket >= nb || o->round > o->bracket)
        return ffnn_error_set(err, FFNN_EDATA,
                              "%s: bracket %d, round %d does not fit the search (%d brackets); use "
                              "--overwrite to start afresh", path, o->bracket, o->round, nb);
    for (int i = 0; i < o->n_trials; i++) {
        const ffnn_trial *tr = &o->trials[i];
        const ffnn_trial *p = tr->parent >= 0 ? &o->trials[tr->parent] : NULL;
        bool ok = tr->bracket < nb && tr->round <= tr->bracket && tr->iteration <= o->iteration &&
                  (i == 0 || tr->iteration >= o->trials[i - 1].iteration) &&
                  (tr->round == 0 ? !p
                                  : p && p->iteration == tr->iteration && p->bracket == tr->bracket &&
                                        p->round == tr->round - 1);
        if (!ok)
            return ffnn_oracle_misfit(o, i, path, err);
    }
    return FFNN_OK;
}

/* A trial below its bracket's last round may be promoted. */
static bool needs_checkpoint(const ffnn_trial *tr)
{
    return tr->round < tr->bracket;
}

/* A checkpoint is stale once its round's promotions are chosen (the next
 * round exists) and the trial was not promoted or its child has finished;
 * a failed trial's at once. */
static bool stale_checkpoints(const ffnn_oracle *o, bool *stale)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int n = o->n_trials, nb = ffnn_hyperband_brackets(tu->max_epochs, tu->factor);
    int iters = o->trials[n - 1].iteration + 1;
    /* decided[(iteration, bracket, round)]: the next round exists, so the
     * round's promotions are chosen; child_done[i]: trial i's child finished. */
    bool *decided = ffnn_calloc((size_t)iters * (size_t)nb * (size_t)nb, sizeof *decided);
    bool *child_done = ffnn_calloc((size_t)n, sizeof *child_done);
    if (!decided || !child_done) {
        free(decided);
        free(child_done);
        return false;
    }
#define KEY(tr, r) (((size_t)(tr)->iteration * (size_t)nb + (size_t)(tr)->bracket) * (size_t)nb + (size_t)(r))
    for (int i = 0; i < n; i++) {
        const ffnn_trial *c = &o->trials[i];
        if (c->parent >= 0 && c->round > 0 && c->bracket < nb) {
            decided[KEY(c, c->round - 1)] = true;
            if (c->status != FFNN_TRIAL_PENDING)
                child_done[c->parent] = true;
        }
    }
    for (int i = 0; i < n; i++) {
        const ffnn_trial *tr = &o->trials[i];
        if (tr->bracket >= nb)
            continue;
        bool keep = decided[KEY(tr, tr->round)] ? (tr->promoted && !child_done[i]) : true;
        stale[i] = !keep || tr->status == FFNN_TRIAL_FAILED;
    }
#undef KEY
    free(decided);
    free(child_done);
    return true;
}

static void expected(const ffnn_oracle *o, long *trials, long *epochs)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    ffnn_schedule_totals s = ffnn_hyperband_totals(tu->max_epochs, tu->factor);
    *trials = ffnn_tune_product(s.trials, tu->hyperband_iterations);
    *epochs = ffnn_tune_product(s.epochs, tu->hyperband_iterations);
}

const ffnn_oracle_algo ffnn_hyperband_algo = {
    .sampled = true,
    .start = start,
    .advance = advance,
    .resume = resume,
    .check = check,
    .needs_checkpoint = needs_checkpoint,
    .stale_checkpoints = stale_checkpoints,
    .expected = expected,
    .schedule_write = schedule_write,
};
