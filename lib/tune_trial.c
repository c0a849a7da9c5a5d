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

/* Purpose number of the per-trial fit seeds (ffnn/rng.h keeps 1..7). */
#define TUNE_RNG_FIT 0x54554e45u

/* Stream index of execution e of run `retry` of trial id: never 0, which
 * the final retrain (like ffnn-train) uses for its weight init. */
static uint64_t trial_stream(int id, int retry, int e)
{
    return ((uint64_t)retry << 48) | ((uint64_t)(id + 1) << 8) | (uint64_t)e;
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
    if (isfinite(v) && (!s->have || (s->dir > 0 ? v > s->value : v < s->value))) {
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

/* ---- checkpoints ------------------------------------------------------------- */

/* A checkpoint is a model file, except when the weights became NaN or
 * infinite (Keras's fit carries on, and SaveBestEpoch may keep them), which
 * a model file refuses: then CHECKPOINT_RAW, the parameter count (uint64)
 * and the float32 parameters, in the machine's byte order. */
#define CHECKPOINT_RAW "ffnn-nonfinite-checkpoint\n"

ffnn_status ffnn_tune_write_checkpoint(const ffnn_tune *t, int id, const ffnn_model *m,
                                       ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "trials/%04d.ffnn", id);
    if (!path)
        return ffnn_error_nomem(err);
    bool finite = true;
    for (size_t i = 0; i < m->n_params && finite; i++)
        finite = isfinite(m->params[i]);
    unsigned char *buf = NULL;
    size_t len = 0;
    ffnn_status st = FFNN_OK;
    if (finite) {
        st = ffnn_model_serialize(m, &buf, &len, err);
    } else {
        size_t head = sizeof CHECKPOINT_RAW - 1;
        uint64_t n = m->n_params;
        len = head + sizeof n + m->n_params * sizeof *m->params;
        if (!(buf = malloc(len))) {
            st = ffnn_error_nomem(err);
        } else {
            memcpy(buf, CHECKPOINT_RAW, head);
            memcpy(buf + head, &n, sizeof n);
            memcpy(buf + head + sizeof n, m->params, m->n_params * sizeof *m->params);
        }
    }
    if (!st)
        st = ffnn_file_write_atomic(path, buf, len, (int)t->file_mode, false, err);
    free(buf);
    free(path);
    return st;
}

/* Trial `id`'s checkpoint: its *n parameters into *params (malloc'd).  A
 * missing or unreadable file is an error in e (the trial fails); out of
 * memory is FFNN_ENOMEM there too. */
static ffnn_status checkpoint_read(const ffnn_tune *t, int id, float **params, size_t *n,
                                   ffnn_error *e)
{
    *params = NULL;
    *n = 0;
    char *path = ffnn_tune_path(t, "trials/%04d.ffnn", id), *data = NULL;
    size_t len = 0, head = sizeof CHECKPOINT_RAW - 1;
    ffnn_model *m = NULL;
    ffnn_status st;
    if (!path)
        return ffnn_error_nomem(e);
    if ((st = ffnn_file_read(path, &data, &len, e)))
        goto out;
    if (len >= head && memcmp(data, CHECKPOINT_RAW, head) == 0) {
        uint64_t k = 0;
        if (len >= head + sizeof k)
            memcpy(&k, data + head, sizeof k);
        if (k == 0 || k > (len - head) / sizeof **params ||
            len != head + sizeof k + k * sizeof **params) {
            st = ffnn_error_set(e, FFNN_EDATA, "%s: unreadable checkpoint", path);
            goto out;
        }
        if (!(*params = malloc(k * sizeof **params))) {
            st = ffnn_error_nomem(e);
            goto out;
        }
        memcpy(*params, data + head + sizeof k, k * sizeof **params);
        *n = k;
        goto out;
    }
    if ((st = ffnn_model_load(&m, path, e)))
        goto out;
    *params = m->params;
    *n = m->n_params;
    m->params = NULL;
out:
    ffnn_model_destroy(m);
    free(data);
    free(path);
    return st;
}

/* ---- one trial ------------------------------------------------------------------ */

ffnn_status ffnn_tune_train(const ffnn_tune *t, ffnn_trial *tr, const float *start,
                            size_t n_start, ffnn_model **model, ffnn_error *err)
{
    const ffnn_tune_options *tu = &t->grid.tuner;
    uint64_t seed = tu->seed;
    ffnn_config cfg;
    ffnn_prep lprep;
    /* A trial's messages name the search's copies of the data, data.csv
     * and validation.csv, whichever files this run was given: a trial file
     * is the same bits for every run of the search. */
    ffnn_table tab = t->table, vtab = t->vtable;
    tab.source = "data.csv";
    vtab.source = "validation.csv";
    ffnn_data ltrain, lval;
    ffnn_model *m = NULL;
    ffnn_history hist;
    float *best = NULL;
    cJSON *execs = NULL;
    ffnn_error e;
    ffnn_status fatal = FFNN_OK;
    memset(&lprep, 0, sizeof lprep);
    memset(&ltrain, 0, sizeof ltrain);
    memset(&lval, 0, sizeof lval);
    memset(&hist, 0, sizeof hist);
    ffnn_error_clear(&e);
    if (model)
        *model = NULL;

    const ffnn_prep *prep = &t->prep;
    const ffnn_data *train = &t->train, *val = &t->val;
    if (ffnn_tune_trial_config(&t->base, t->grid.hypermodel, tr->values, seed, &cfg, &e))
        goto failed;
    if (t->prep_searched) {
        if (ffnn_prep_fit(&lprep, &tab, &cfg.prep, &e) ||
            ffnn_tune_split(&tab, t->has_val ? &vtab : NULL, &lprep, tu->validation_split,
                            seed, cfg.fit.stratify_validation, &ltrain, &lval, &e))
            goto failed;
        prep = &lprep;
        train = &ltrain;
        val = &lval;
    }
    if (ffnn_model_create(&m, &cfg.arch, prep, &e))
        goto failed;
    if (start && n_start != m->n_params) {
        ffnn_error_set(&e, FFNN_EDATA, "%s/trials/%04d.ffnn: checkpoint does not match the trial's model",
                       t->dir, tr->parent);
        goto failed;
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
        if (start) {
            memcpy(m->params, start, m->n_params * sizeof *m->params);
        } else {
            ffnn_rng r;
            ffnn_rng_init(&r, seed, FFNN_RNG_INIT, trial_stream(tr->id, tr->retries, x));
            ffnn_model_init(m, &r);
        }
        ffnn_fit_options fo = cfg.fit;
        ffnn_rng sr;
        ffnn_rng_init(&sr, seed, TUNE_RNG_FIT, trial_stream(tr->id, tr->retries, x));
        fo.seed = ffnn_rng_u64(&sr) >> 11; /* fits a JSON number exactly */
        fo.epochs = tr->epochs;
        fo.validation_split = 0.0;
        ffnn_fit_extra extra = {save_best_epoch, &sb, tr->initial_epoch, val,
                                t->field.metric == FFNN_METRIC_AUC, true, NULL};
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
            if (isfinite(v) && (bi < 0 || (sb.dir > 0 ? v > bv : v < bv))) {
                bi = i;
                bv = v;
            }
        }
        if (bi < 0) {
            ffnn_error_set(&e, FFNN_EDATA, "objective %s has no finite value in the training logs",
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
    if (model) {
        if (sb.have)
            memcpy(m->params, best, m->n_params * sizeof *best);
        *model = m;
        m = NULL;
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
    ffnn_data_release(&ltrain);
    ffnn_data_release(&lval);
    ffnn_prep_release(&lprep);
    ffnn_config_release(&cfg);
    cJSON_Delete(execs);
    free(best);
    return fatal;
}

/* Trains run tr->retries of trial tr (a private copy) from its parent's
 * checkpoint and records the outcome in tr; its best-epoch weights as
 * ffnn_tune_execute says. */
static ffnn_status execute_once(const ffnn_tune *t, ffnn_trial *tr, ffnn_model **keep,
                                ffnn_error *err)
{
    float *start = NULL;
    size_t n_start = 0;
    ffnn_model *m = NULL;
    ffnn_status st = FFNN_OK;
    bool needs = ffnn_oracle_needs_checkpoint(&t->oracle, tr);
    if (tr->parent >= 0) {
        ffnn_error e;
        if (checkpoint_read(t, tr->parent, &start, &n_start, &e)) {
            if (e.status == FFNN_ENOMEM || !trial_fail(tr, &e))
                return ffnn_error_nomem(err);
            return FFNN_OK;
        }
    }
    st = ffnn_tune_train(t, tr, start, n_start, needs ? &m : NULL, err);
    if (!st && m) {
        if (keep) {
            *keep = m;
            m = NULL;
        } else if (!(st = ffnn_tune_write_checkpoint(t, tr->id, m, err))) {
            tr->checkpoint = true;
        }
    }
    ffnn_model_destroy(m);
    free(start);
    return st;
}

/* A run that fails runs again with streams of its own, up to
 * max_retries_per_trial times (keras-tuner re-runs a trial that raised,
 * under the same id, before any other), except for a config error, which
 * every run would repeat.  Only the last run's outcome counts (toward the
 * failure stop too). */
ffnn_status ffnn_tune_execute(const ffnn_tune *t, ffnn_trial *tr, ffnn_model **keep,
                              ffnn_error *err)
{
    ffnn_status st;
    if (keep)
        *keep = NULL;
    for (tr->retries = 0;; tr->retries++)
        if ((st = execute_once(t, tr, keep, err)) || tr->status != FFNN_TRIAL_FAILED ||
            tr->error == FFNN_ECONFIG || tr->retries >= t->grid.tuner.max_retries_per_trial)
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
    dst->retries = job->retries;
    cJSON_Delete(dst->result);
    dst->result = job->result;
    free(dst->message);
    dst->message = job->message;
    job->result = NULL;
    job->message = NULL;
    ffnn_trial_release(job);
}
