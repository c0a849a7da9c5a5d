/* ffnn — keras-tuner's Hyperband (keras-semantics.md §1): the schedule
 * (KT tuners/hyperband.py, the same double expressions) and the algorithm
 * behind the oracle's interface.
 *
 * A promotion round is created only when every trial of the round before it
 * has finished, so the top-k it promotes never depends on timing or on the
 * number of workers.  Random rounds depend on nothing but the seed, so a new
 * bracket's first round is created as soon as the previous bracket's last
 * round has been created, as keras-tuner does, and can be drawn ahead of
 * that (draw_ahead) with the ids it will get if no trial before it fails
 * (expect_ids).  A promoted trial continues its parent's best-epoch weights
 * (trials/NNNN.ffnn). */
#include <cjson/cJSON.h>
#include <limits.h>
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

/* Whether round r of bracket b in iteration it has had its promotions
 * chosen: the oracle has moved past creating round r + 1 (promoting nothing
 * after failures moves past it too), or creates nothing more. */
static bool round_decided(const ffnn_oracle *o, int it, int b, int r)
{
    if (o->done || it != o->iteration)
        return o->done || it < o->iteration;
    if (b != o->bracket)
        return b > o->bracket;   /* brackets run from the highest down */
    return r + 1 < o->round;
}

/* Whether a trial's own checkpoint is settled: it failed, or completed with
 * its checkpoint on disk or needing none (last round, or its round decided).
 * Until then its parent's stays, so that it can train again (resume). */
static bool settled(const ffnn_oracle *o, const ffnn_trial *c)
{
    return c->status == FFNN_TRIAL_FAILED ||
           (c->status == FFNN_TRIAL_COMPLETED &&
            (c->checkpoint || !needs_checkpoint(c) || round_decided(o, c->iteration, c->bracket, c->round)));
}

/* A checkpoint is stale once its round's promotions are chosen and the trial
 * was not promoted or its child has settled; a failed trial's at once.  A
 * child's id is above its parent's, so trials from `from` on are enough. */
static bool stale_checkpoints(const ffnn_oracle *o, int from, bool *stale)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int n = o->n_trials, nb = ffnn_hyperband_brackets(tu->max_epochs, tu->factor);
    bool *child_done = ffnn_calloc((size_t)(n - from + 1), sizeof *child_done);
    if (!child_done)
        return false;
    for (int i = from; i < n; i++) {
        const ffnn_trial *c = &o->trials[i];
        if (c->parent >= from && settled(o, c))
            child_done[c->parent - from] = true;
    }
    for (int i = from; i < n; i++) {
        const ffnn_trial *tr = &o->trials[i];
        if (tr->bracket >= nb)
            continue;
        bool keep = !round_decided(o, tr->iteration, tr->bracket, tr->round) ||
                    (tr->promoted && !child_done[i - from]);
        stale[i] = !keep || tr->status == FFNN_TRIAL_FAILED;
    }
    free(child_done);
    return true;
}

/* hyperband_iterations may have changed (--iterations): it may extend or
 * end the search.  A completed trial that a later round may still promote
 * but whose checkpoint is missing (the built-in runner keeps checkpoints in
 * memory until its round is decided, and was stopped without writing them)
 * is pending again: it trains again to the same bits, from its parent's
 * checkpoint, which stale_checkpoints keeps for it. */
static void resume(ffnn_oracle *o)
{
    if (!o->exhausted)
        o->done = o->iteration >= o->grid->tuner.hyperband_iterations;
    for (int i = 0; i < o->n_trials; i++) {
        ffnn_trial *tr = &o->trials[i];
        if (tr->status != FFNN_TRIAL_COMPLETED || !needs_checkpoint(tr) || tr->checkpoint ||
            round_decided(o, tr->iteration, tr->bracket, tr->round))
            continue;
        tr->status = FFNN_TRIAL_PENDING;
        tr->score = NAN;
        tr->best_step = -1;
        cJSON_Delete(tr->result);
        tr->result = NULL;
    }
}

/* The trials rounds r.. of bracket b create when prev trials of round r - 1
 * complete, and every trial of those rounds too (keras-tuner promotes while
 * more remain than size(r - 1) - size(r)). */
static long promotions(int R, int f, int b, int r, int prev)
{
    long n = 0;
    for (; r <= b; r++) {
        int keep = ffnn_hyperband_size(R, f, b, r - 1) - ffnn_hyperband_size(R, f, b, r);
        prev = prev > keep ? prev - keep : 0;
        n += prev;
    }
    return n;
}

/* The next bracket's first round: its draws come after the current
 * bracket's, and no score changes them. */
static ffnn_status draw_ahead(ffnn_oracle *o, ffnn_error *err)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int R = tu->max_epochs, f = tu->factor, it, b;
    if (o->n_ahead > 0) {
        it = o->ahead[o->n_ahead - 1].trial.iteration;
        b = o->ahead[o->n_ahead - 1].trial.bracket;
    } else {
        if (o->round == 0)   /* the current bracket's own draws are still to come */
            return FFNN_OK;
        it = o->iteration;
        b = o->bracket;
    }
    if (--b < 0) {
        b = ffnn_hyperband_brackets(R, f) - 1;
        if (++it >= tu->hyperband_iterations)
            return FFNN_OK;
    }
    return ffnn_oracle_append_ahead(o, it, b, ffnn_hyperband_epochs(R, f, b, 0),
                                    ffnn_hyperband_size(R, f, b, 0), err);
}

/* The trials before a draw ahead: those created, the rest of the current
 * bracket, then each bracket drawn ahead with its promotions, counting every
 * trial that has not ended as completed. */
static void expect_ids(ffnn_oracle *o)
{
    const ffnn_tune_options *tu = &o->grid->tuner;
    int R = tu->max_epochs, f = tu->factor;
    long pos = o->n_trials;
    if (!o->done && o->round > 0) {
        int prev = 0;
        for (int i = o->n_trials - 1; i >= 0; i--) {
            const ffnn_trial *tr = &o->trials[i];
            if (tr->iteration != o->iteration || tr->bracket != o->bracket)
                break;
            prev += tr->round == o->round - 1 && tr->status != FFNN_TRIAL_FAILED;
        }
        pos += promotions(R, f, o->bracket, o->round, prev);
    }
    for (int k = 0; k < o->n_ahead;) {
        const ffnn_trial *first = &o->ahead[k].trial;
        int b = first->bracket, m = 0;
        for (; k + m < o->n_ahead && o->ahead[k + m].trial.iteration == first->iteration &&
               o->ahead[k + m].trial.bracket == b;
             m++)
            o->ahead[k + m].trial.id = pos + m > INT_MAX ? -1 : (int)(pos + m);
        k += m;
        pos += m;
        if (m == ffnn_hyperband_size(R, f, b, 0))
            pos += promotions(R, f, b, 1, m);
    }
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
    .draw_ahead = draw_ahead,
    .expect_ids = expect_ids,
    .expected = expected,
    .schedule_write = schedule_write,
};
