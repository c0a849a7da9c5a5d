/* ffnn — the external executors' entry points (ffnn-tune --pending and
 * --run-trial), the failure stop they share with the built-in runner
 * (tune_pool.c), the best config and the best trial's model.  One trial's
 * training is tune_trial.c. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "tune_internal.h"

/* FFNN_EDATA, as ffnn-tune(1) says, whatever the last failure's own status
 * was: that status is not stored in the trial file, and the stop must read
 * the same whether the failures were seen now or read back. */
ffnn_status ffnn_tune_check_failures(const ffnn_tune *t, ffnn_failure_scan *scan,
                                     ffnn_error *err)
{
    int k = t->grid.tuner.max_consecutive_failed_trials;
    const ffnn_trial *tr = ffnn_oracle_failure_run(&t->oracle, k, scan);
    if (!tr)
        return FFNN_OK;
    return ffnn_error_set(err, FFNN_EDATA, "%d trials failed in a row (last: trial %04d: %s)", k,
                          tr->id, tr->message ? tr->message : "failed");
}

/* ---- external executors ------------------------------------------------------------ */

ffnn_status ffnn_tune_pending(ffnn_tune *t, int **ids, int *n, ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    *ids = NULL;
    *n = 0;
    int n_new = 0;
    ffnn_status st = ffnn_tune_check_failures(t, NULL, err);
    if (!st)
        st = ffnn_oracle_advance(o, &n_new, err);
    /* oracle.json holds the definitions of every trial without a result. */
    if (!st && n_new > 0)
        st = ffnn_tune_save_oracle(t, err);
    if (st)
        return st;
    ffnn_tune_cleanup_checkpoints(t);
    int *out = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *out);
    if (!out)
        return ffnn_error_nomem(err);
    int k = 0;
    for (int i = 0; i < o->n_trials; i++)
        if (o->trials[i].status == FFNN_TRIAL_PENDING)
            out[k++] = i;
    /* Trials handed out again had runs that failed or never ran.  Writing
     * the oracle (unchanged) makes a directory that takes no more writes (a
     * full disk) fail here as those runs did, so that an executor's loop
     * ends instead of handing the same trials out forever. */
    if (k > 0 && n_new == 0 && (st = ffnn_tune_save_oracle(t, err))) {
        free(out);
        return st;
    }
    *ids = out;
    *n = k;
    return FFNN_OK;
}

ffnn_status ffnn_tune_run_trial(ffnn_tune *t, int id, ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    if (id < 0 || id >= o->n_trials)
        return ffnn_error_set(err, FFNN_EUSAGE,
                              "%s: trial %04d does not exist yet; run ffnn-tune --pending %s first",
                              t->dir, id < 0 ? 0 : id, t->dir);
    if (o->trials[id].status != FFNN_TRIAL_PENDING)
        return FFNN_OK;
    ffnn_trial job;
    ffnn_status st = ffnn_trial_copy(&o->trials[id], &job, err);
    if (st)
        return st;
    if (!(st = ffnn_tune_execute(t, &job, NULL, err))) {
        /* Another executor may have finished the same trial meanwhile (and
         * removed the parent's checkpoint): keep its result. */
        ffnn_trial now;
        bool other = job.status == FFNN_TRIAL_FAILED && !ffnn_tune_load_trial(t, id, &now, NULL) &&
                     now.status == FFNN_TRIAL_COMPLETED;
        if (other)
            ffnn_trial_release(&now);
        else if (!(st = ffnn_tune_save_trial(t, &job, err)) && job.status == FFNN_TRIAL_COMPLETED &&
                 job.parent >= 0) {
            char *cp = ffnn_tune_path(t, "trials/%04d.ffnn", job.parent);
            if (cp)
                unlink(cp);
            free(cp);
        }
        if (!other && !st)
            ffnn_trial_apply(&o->trials[id], &job);
    }
    ffnn_trial_release(&job);
    return st;
}

/* ---- the result ------------------------------------------------------------------------ */

ffnn_status ffnn_tune_best_config(ffnn_tune *t, ffnn_config *cfg, int *best_id, ffnn_error *err)
{
    *cfg = ffnn_config_default();
    int *order = ffnn_calloc((size_t)(t->oracle.n_trials ? t->oracle.n_trials : 1), sizeof *order);
    if (!order)
        return ffnn_error_nomem(err);
    int k = ffnn_oracle_ranking(&t->oracle, order);
    int id = k > 0 ? order[0] : -1;
    free(order);
    if (k < 0)
        return ffnn_error_nomem(err);
    if (id < 0)
        return ffnn_error_set(err, FFNN_EDATA, "%s: no trial completed", t->dir);
    if (best_id)
        *best_id = id;
    ffnn_config c;
    ffnn_status st = ffnn_tune_config(&t->grid, t->oracle.trials[id].values, t->grid.tuner.seed,
                                      false, &c, err);
    if (st) {
        ffnn_config_release(&c);
        return st;
    }
    /* Round-trip through the JSON text ffnn-train will read, so both
     * programs train from the very same values. */
    char *json = ffnn_config_to_json(&c);
    ffnn_config_release(&c);
    if (!json)
        return ffnn_error_nomem(err);
    ffnn_config_release(cfg);
    st = ffnn_config_parse(cfg, json, "best config", err);
    free(json);
    return st;
}

/* keras-tuner's get_best_models()[0], recomputed: the trials are trained
 * again from the root of the best trial's chain, each from its parent's
 * best-epoch weights, exactly as the search trained them. */
ffnn_status ffnn_tune_best_model(ffnn_tune *t, ffnn_model **out, int *best_id, ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    *out = NULL;
    int *chain = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *chain);
    if (!chain)
        return ffnn_error_nomem(err);
    int k = ffnn_oracle_ranking(o, chain);
    if (k < 0) {
        free(chain);
        return ffnn_error_nomem(err);
    }
    if (k == 0) {
        free(chain);
        return ffnn_error_set(err, FFNN_EDATA, "%s: no trial completed", t->dir);
    }
    if (best_id)
        *best_id = chain[0];
    int n = 0;
    for (int id = chain[0]; id >= 0; id = o->trials[id].parent)
        chain[n++] = id;
    ffnn_model *m = NULL;
    float *start = NULL;
    ffnn_status st = FFNN_OK;
    for (int i = n - 1; i >= 0 && !st; i--) {
        const ffnn_trial *tr = &o->trials[chain[i]];
        ffnn_trial job;
        size_t n_start = m ? m->n_params : 0;
        free(start);
        start = NULL;
        if (m && !(start = malloc(n_start * sizeof *start))) {
            st = ffnn_error_nomem(err);
            break;
        }
        if (m)
            memcpy(start, m->params, n_start * sizeof *start);
        ffnn_model_destroy(m);
        m = NULL;
        if ((st = ffnn_trial_copy(tr, &job, err)))
            break;
        st = ffnn_tune_train(t, &job, start, n_start, &m, err);
        if (!st && (job.status != FFNN_TRIAL_COMPLETED || job.score != tr->score))
            st = ffnn_error_set(err, FFNN_EINTERNAL,
                                "%s: trial %04d trained again gives %s %.17g, not the %.17g it "
                                "recorded", t->dir, tr->id, job.status == FFNN_TRIAL_COMPLETED
                                                                ? "score" : "no", job.score, tr->score);
        ffnn_trial_release(&job);
    }
    free(start);
    free(chain);
    if (st) {
        ffnn_model_destroy(m);
        return st;
    }
    *out = m;
    return FFNN_OK;
}

