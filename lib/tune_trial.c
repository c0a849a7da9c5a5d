/* ffnn — one trial's training: fresh or continued from its parent's
 * best-epoch checkpoint, its executions' seeds, the best epoch
 * (keras-tuner's SaveBestEpoch), the outcome recorded in the trial, and its
 * files. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "ffnn/rng.h"
#include "internal.h"
#include "tune_internal.h"

/* Purpose number of the per-trial fit seeds (ffnn/rng.h keeps 1..6). */
#define TUNE_RNG_FIT 0x54554e45u

/* Stream index of execution e of trial id: never 0, which the final retrain
 * (like ffnn-train) uses for its weight init. */
static uint64_t trial_stream(int id, int e)
{
    return ((uint64_t)(id + 1) << 8) | (uint64_t)e;
}

/* keras-tuner's SaveBestEpoch: one instance across the executions of a
 * trial; keeps the weights of the strictly best objective value. */
typedef struct {
    const ffnn_model *m;
    float *best;
    ffnn_objective_field field;
    int dir;
    bool have;
    double value;
} save_best;

static int save_best_epoch(void *ctx, const ffnn_epoch_log *log, int epochs)
{
    save_best *s = ctx;
    double v = ffnn_objective_value(log, s->field);
    (void)epochs;
    if (!isnan(v) && (!s->have || (s->dir > 0 ? v > s->value : v < s->value))) {
        s->have = true;
        s->value = v;
        memcpy(s->best, s->m->params, s->m->n_params * sizeof *s->best);
    }
    return 0;
}

/* The JSON builders return NULL when out of memory. */
static cJSON *number_array(const ffnn_history *h, int which)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < h->n; i++) {
        const ffnn_epoch_log *l = &h->logs[i];
        double v = which == 0 ? l->epoch : which == 1 ? l->loss : which == 2 ? l->metric
                 : which == 3 ? l->val_loss : l->val_metric;
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(v))) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static cJSON *history_json(const ffnn_history *h)
{
    char vm[40];
    cJSON *o = cJSON_CreateObject();
    snprintf(vm, sizeof vm, "val_%s", h->metric_name);
    bool ok = o != NULL;
    ok = ok && ffnn_json_add(o, "epoch", number_array(h, 0));
    ok = ok && ffnn_json_add(o, "loss", number_array(h, 1));
    ok = ok && ffnn_json_add(o, h->metric_name, number_array(h, 2));
    ok = ok && ffnn_json_add(o, "val_loss", number_array(h, 3));
    ok = ok && ffnn_json_add(o, vm, number_array(h, 4));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Records the trial as failed with e's message; false when out of memory. */
static bool trial_fail(ffnn_trial *tr, const ffnn_error *e)
{
    tr->status = FFNN_TRIAL_FAILED;
    tr->score = NAN;
    tr->error = e->status ? e->status : FFNN_EINTERNAL;
    free(tr->message);
    tr->message = strdup(e->msg);
    return tr->message != NULL;
}

ffnn_status ffnn_tune_execute(const ffnn_tune *t, ffnn_trial *tr, ffnn_model **keep,
                              ffnn_error *err)
{
    const ffnn_tune_options *tu = &t->grid.tuner;
    uint64_t seed = tu->seed;
    ffnn_config cfg;
    ffnn_prep lprep;
    /* A trial's messages name the search's copy of the data, data.csv,
     * whichever file this run was given: a trial file is the same bits for
     * every run of the search. */
    ffnn_table tab = t->table;
    tab.source = "data.csv";
    ffnn_data ltrain, lval;
    ffnn_model *m = NULL, *parent = NULL;
    ffnn_history hist;
    float *best = NULL;
    cJSON *execs = NULL;
    char *path = NULL;
    ffnn_error e;
    ffnn_status fatal = FFNN_OK;
    memset(&lprep, 0, sizeof lprep);
    memset(&ltrain, 0, sizeof ltrain);
    memset(&lval, 0, sizeof lval);
    memset(&hist, 0, sizeof hist);
    ffnn_error_clear(&e);

    const ffnn_prep *prep = &t->prep;
    const ffnn_data *train = &t->train, *val = &t->val;
    if (ffnn_tune_trial_config(&t->base, t->grid.hypermodel, tr->values, seed, &cfg, &e))
        goto failed;
    if (t->prep_searched) {
        if (ffnn_prep_fit(&lprep, &tab, &cfg.prep, &e) ||
            ffnn_tune_split(&tab, &lprep, tu->validation_split, seed, cfg.fit.stratify_validation,
                            &ltrain, &lval, &e))
            goto failed;
        prep = &lprep;
        train = &ltrain;
        val = &lval;
    }
    if (ffnn_model_create(&m, &cfg.arch, prep, &e))
        goto failed;
    if (tr->parent >= 0) {
        path = ffnn_tune_path(t, "trials/%04d.ffnn", tr->parent);
        if (!path) {
            fatal = ffnn_error_nomem(err);
            goto out;
        }
        if (ffnn_model_load(&parent, path, &e))
            goto failed;
        if (parent->n_params != m->n_params) {
            ffnn_error_set(&e, FFNN_EDATA, "%s: checkpoint does not match the trial's model", path);
            goto failed;
        }
    }
    best = ffnn_calloc(m->n_params, sizeof *best);
    execs = cJSON_CreateArray();
    if (!best || !execs) {
        fatal = ffnn_error_nomem(err);
        goto out;
    }
    save_best sb = {m, best, t->field, t->direction == FFNN_MODE_MAX ? 1 : -1, false, 0.0};
    double sum = 0.0, steps = 0.0;
    int E = tu->executions_per_trial;
    for (int x = 0; x < E; x++) {
        if (parent) {
            memcpy(m->params, parent->params, m->n_params * sizeof *m->params);
        } else {
            ffnn_rng r;
            ffnn_rng_init(&r, seed, FFNN_RNG_INIT, trial_stream(tr->id, x));
            ffnn_model_init(m, &r);
        }
        ffnn_fit_options fo = cfg.fit;
        ffnn_rng sr;
        ffnn_rng_init(&sr, seed, TUNE_RNG_FIT, trial_stream(tr->id, x));
        fo.seed = ffnn_rng_u64(&sr) >> 11; /* fits a JSON number exactly */
        fo.epochs = tr->epochs;
        fo.validation_split = 0.0;
        ffnn_fit_extra extra = {save_best_epoch, &sb, tr->initial_epoch, val};
        ffnn_history_release(&hist);
        if (ffnn_fit(m, train, &fo, &extra, &hist, &e)) {
            if (e.status == FFNN_ECANCELED) {   /* the trial stays pending */
                fatal = e.status;
                if (err)
                    *err = e;
                goto out;
            }
            goto failed;
        }
        /* This execution's best epoch (strictly better wins: ties keep the
         * earliest), 0-based within the fit call, as KT reports it. */
        int bi = -1;
        double bv = NAN;
        for (int i = 0; i < hist.n; i++) {
            double v = ffnn_objective_value(&hist.logs[i], t->field);
            if (!isnan(v) && (bi < 0 || (sb.dir > 0 ? v > bv : v < bv))) {
                bi = i;
                bv = v;
            }
        }
        if (bi < 0) {
            ffnn_error_set(&e, FFNN_EDATA, "objective %s has no value in the training logs",
                           tu->objective);
            goto failed;
        }
        sum += bv;
        steps += bi;
        cJSON *ex = cJSON_CreateObject();
        bool ok = ex && cJSON_AddItemToArray(execs, ex);
        ok = ok && cJSON_AddNumberToObject(ex, "seed", (double)fo.seed);
        ok = ok && cJSON_AddNumberToObject(ex, "best_epoch", hist.logs[bi].epoch);
        ok = ok && cJSON_AddNumberToObject(ex, "value", bv);
        ok = ok && cJSON_AddBoolToObject(ex, "stopped_early", hist.stopped_early);
        ok = ok && ffnn_json_add(ex, "history", history_json(&hist));
        if (!ok) {
            fatal = ffnn_error_nomem(err);
            goto out;
        }
    }
    tr->status = FFNN_TRIAL_COMPLETED;
    tr->score = sum / E;
    tr->best_step = (int)(steps / E);
    cJSON_Delete(tr->result);
    tr->result = execs;
    execs = NULL;
    free(tr->message);
    tr->message = NULL;
    if (ffnn_oracle_needs_checkpoint(&t->oracle, tr)) {
        if (sb.have)
            memcpy(m->params, best, m->n_params * sizeof *best);
        if (keep) {
            *keep = m;
            m = NULL;
        } else if (!(fatal = ffnn_tune_write_checkpoint(t, tr->id, m, err))) {
            tr->checkpoint = true;
        }
    }
    goto out;
failed:
    /* Out of memory stops the search (the trial is not to blame); so does
     * being unable to record the failure. */
    if (e.status == FFNN_ENOMEM || !trial_fail(tr, &e)) {
        fatal = ffnn_error_nomem(err);
        goto out;
    }
out:
    ffnn_history_release(&hist);
    ffnn_model_destroy(m);
    ffnn_model_destroy(parent);
    ffnn_data_release(&ltrain);
    ffnn_data_release(&lval);
    ffnn_prep_release(&lprep);
    ffnn_config_release(&cfg);
    cJSON_Delete(execs);
    free(best);
    free(path);
    return fatal;
}

ffnn_status ffnn_tune_write_checkpoint(const ffnn_tune *t, int id, const ffnn_model *m,
                                       ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "trials/%04d.ffnn", id);
    unsigned char *buf = NULL;
    size_t len = 0;
    ffnn_status st = path ? ffnn_model_serialize(m, &buf, &len, err) : ffnn_error_nomem(err);
    if (!st)
        st = ffnn_file_write_atomic(path, buf, len, (int)t->file_mode, false, err);
    free(buf);
    free(path);
    return st;
}

ffnn_status ffnn_trial_copy(const ffnn_trial *src, ffnn_trial *dst, ffnn_error *err)
{
    *dst = *src;
    dst->values = cJSON_Duplicate(src->values, 1);
    dst->result = NULL;
    dst->message = NULL;
    return dst->values ? FFNN_OK : ffnn_error_nomem(err);
}

void ffnn_trial_apply(ffnn_trial *dst, ffnn_trial *job)
{
    dst->status = job->status;
    dst->score = job->score;
    dst->best_step = job->best_step;
    dst->error = job->error;
    dst->checkpoint = job->checkpoint;
    cJSON_Delete(dst->result);
    dst->result = job->result;
    free(dst->message);
    dst->message = job->message;
    job->result = NULL;
    job->message = NULL;
    ffnn_trial_release(job);
}
