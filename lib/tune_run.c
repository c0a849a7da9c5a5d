/* ffnn — running trials: one trial's training (fresh or continued from its
 * parent's best-epoch checkpoint), the thread pool, the external-executor
 * entry points, the best config and the final retrain. */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "ffnn/rng.h"
#include "internal.h"
#include "tune_internal.h"

/* Purpose number of the per-trial fit seeds (ffnn/rng.h keeps 1..7). */
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

/* Trains trial tr (a private copy) and records its outcome in tr; writes its
 * checkpoint when a promotion may need it.  Returns non-OK only for errors
 * that must stop the search (writing files, memory); training problems make
 * the trial failed. */
static ffnn_status execute(const ffnn_tune *t, ffnn_trial *tr, ffnn_error *err)
{
    const ffnn_tune_options *tu = &t->grid.tuner;
    uint64_t seed = tu->seed;
    ffnn_config cfg;
    ffnn_prep lprep;
    ffnn_table *tab = (ffnn_table *)&t->table;
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
        if (ffnn_prep_fit(&lprep, tab, &cfg.prep, &e) ||
            ffnn_tune_split(tab, &lprep, tu->validation_split, seed, cfg.fit.stratify_validation,
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
        free(path);
        path = ffnn_tune_path(t, "trials/%04d.ffnn", tr->id);
        if (!path) {
            fatal = ffnn_error_nomem(err);
            goto out;
        }
        unsigned char *buf = NULL;
        size_t len = 0;
        if ((fatal = ffnn_model_serialize(m, &buf, &len, err)))
            goto out;
        fatal = ffnn_file_write_atomic(path, buf, len, (int)t->file_mode, false, err);
        free(buf);
        if (fatal)
            goto out;
        tr->checkpoint = true;
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

/* A private copy of the fields a worker needs. */
static ffnn_status copy_job(const ffnn_trial *src, ffnn_trial *dst, ffnn_error *err)
{
    *dst = *src;
    dst->values = cJSON_Duplicate(src->values, 1);
    dst->result = NULL;
    dst->message = NULL;
    return dst->values ? FFNN_OK : ffnn_error_nomem(err);
}

/* Moves a finished job's outcome into the oracle's trial. */
static void apply_job(ffnn_trial *dst, ffnn_trial *job)
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

/* Records newly created trials: oracle.json holds the definitions of every
 * trial without a result file. */
static ffnn_status persist_new(ffnn_tune *t, int first, ffnn_error *err)
{
    (void)first;
    return ffnn_tune_save_oracle(t, err);
}

/* max_consecutive_failed_trials failed trials in a row (by id): the last
 * one's message. */
static const ffnn_trial *failure_run(const ffnn_tune *t)
{
    int run = 0, k = t->grid.tuner.max_consecutive_failed_trials;
    for (int i = 0; i < t->oracle.n_trials; i++) {
        const ffnn_trial *tr = &t->oracle.trials[i];
        if (tr->status == FFNN_TRIAL_FAILED) {
            if (++run >= k)
                return tr;
        } else if (tr->status == FFNN_TRIAL_COMPLETED) {
            run = 0;
        }
    }
    return NULL;
}

static ffnn_status failure_error(const ffnn_trial *tr, int k, ffnn_error *err)
{
    return ffnn_error_set(err, tr->error ? tr->error : FFNN_EDATA,
                          "%d trials failed in a row (last: trial %04d: %s)", k, tr->id,
                          tr->message ? tr->message : "failed");
}

/* ---- the thread pool ------------------------------------------------------------ */

typedef struct {
    ffnn_tune *t;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    int *queue;
    int qhead, qtail;
    int running;
    bool stop;
    int *finished;
    int nfinished;
    /* One worker: it takes the next trial only once the coordinator has
     * taken the last one's result, so the two never run at the same time
     * and a -j 1 search does the same work in the same order every time. */
    bool serial;
    ffnn_status fatal;
    ffnn_error fatal_err;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && (p->qhead == p->qtail || (p->serial && p->nfinished > 0)))
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        if (ffnn_stop_requested()) {   /* leave the job queued: it stays pending */
            if (!p->fatal)
                p->fatal = ffnn_error_canceled(&p->fatal_err);
            pthread_cond_signal(&p->done);
            break;
        }
        int id = p->queue[p->qhead++];
        ffnn_trial job;
        ffnn_error e;
        ffnn_status st = copy_job(&p->t->oracle.trials[id], &job, &e);
        p->running++;
        pthread_mutex_unlock(&p->mu);
        if (!st && !(st = execute(p->t, &job, &e)))
            st = ffnn_tune_save_trial(p->t, &job, &e);
        pthread_mutex_lock(&p->mu);
        p->running--;
        if (st) {
            if (!p->fatal) {
                p->fatal = st;
                p->fatal_err = e;
            }
            ffnn_trial_release(&job);
        } else {
            apply_job(&p->t->oracle.trials[id], &job);
            p->finished[p->nfinished++] = id;
        }
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static long trial_epochs(const ffnn_tune *t, const ffnn_trial *tr)
{
    return (long)(tr->epochs - tr->initial_epoch) * t->grid.tuner.executions_per_trial;
}

/* The trials and epochs the whole search will take, for progress only (a
 * hyperband_iterations of 1e9 gives 5e9 trials: nothing is sized by it). */
static void expected_totals(const ffnn_tune *t, long *trials, long *epochs)
{
    const ffnn_oracle *o = &t->oracle;
    long n, e;
    o->algo->expected(o, &n, &e);
    *trials = n;
    *epochs = ffnn_tune_product(e, t->grid.tuner.executions_per_trial);
    if (o->done && o->n_trials > 0 && *trials > o->n_trials) {
        *trials = o->n_trials;
        e = 0;
        for (int i = 0; i < o->n_trials; i++)
            e += trial_epochs(t, &o->trials[i]);
        *epochs = e;
    }
}

/* What the progress callback is told. */
typedef struct {
    int done;
    long expected, epochs_done, epochs_total;
    int best;
    double best_score;
} tally;

/* Counts the n trials ids[] that just finished and tells cb about each. */
static void report(const ffnn_tune *t, tally *y, const int *ids, int n, ffnn_tune_progress_cb cb,
                   void *ctx)
{
    for (int k = 0; k < n; k++) {
        const ffnn_trial *tr = &t->oracle.trials[ids[k]];
        y->done++;
        y->epochs_done += trial_epochs(t, tr);
        if (tr->status == FFNN_TRIAL_COMPLETED &&
            (y->best < 0 ||
             (t->direction == FFNN_MODE_MAX ? tr->score > y->best_score : tr->score < y->best_score) ||
             (tr->score == y->best_score && tr->id < y->best))) {
            y->best = tr->id;
            y->best_score = tr->score;
        }
        if (cb) {
            ffnn_tune_progress pr = {y->done, y->expected > y->done ? y->expected : y->done,
                                     y->epochs_done,
                                     y->epochs_total > y->epochs_done ? y->epochs_total : y->epochs_done,
                                     tr, y->best, y->best_score};
            cb(ctx, &pr);
        }
    }
}

ffnn_status ffnn_tune_run(ffnn_tune *t, int jobs, ffnn_tune_progress_cb cb, void *ctx,
                          ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    if (jobs < 1)
        jobs = 1;
    /* A directory that cannot be written can only be read: a finished
     * search has nothing to run and nothing to save. */
    if (t->read_only) {
        if (ffnn_oracle_finished(o))
            return FFNN_OK;
        return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: the search is not finished, and the "
                              "directory cannot be written: %s", t->dir, strerror(t->read_only));
    }
    const ffnn_trial *bad = failure_run(t);
    if (bad)
        return failure_error(bad, t->grid.tuner.max_consecutive_failed_trials, err);
    pool p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.serial = jobs == 1;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    tally y = {0, 0, 0, 0, -1, NAN};
    expected_totals(t, &y.expected, &y.epochs_total);
    /* Room for the trials there are; it grows with the search. */
    int cap = o->n_trials + 64;
    p.queue = ffnn_calloc((size_t)cap, sizeof *p.queue);
    p.finished = ffnn_calloc((size_t)cap, sizeof *p.finished);
    pthread_t *threads = ffnn_calloc((size_t)jobs, sizeof *threads);
    ffnn_status st = FFNN_OK;
    int started = 0;
    if (!p.queue || !p.finished || !threads) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    for (int i = 0; i < o->n_trials; i++) {
        if (o->trials[i].status == FFNN_TRIAL_PENDING)
            p.queue[p.qtail++] = i;
        else
            y.done++, y.epochs_done += trial_epochs(t, &o->trials[i]);
    }
    int *rank = ffnn_calloc((size_t)cap, sizeof *rank);
    if (!rank) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    if (ffnn_oracle_ranking(o, rank) > 0) {
        y.best = rank[0];
        y.best_score = o->trials[y.best].score;
    }
    free(rank);
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &p) != 0)
            break;
    if (started == 0) {
        st = ffnn_error_set(err, FFNN_ENOMEM, "cannot start worker threads");
        goto out;
    }
    pthread_mutex_lock(&p.mu);
    for (;;) {
        report(t, &y, p.finished, p.nfinished, cb, ctx);
        bool any = p.nfinished > 0;
        p.nfinished = 0;
        if (p.fatal) {
            st = p.fatal;
            if (err)
                *err = p.fatal_err;
            break;
        }
        if (ffnn_stop_requested()) {
            st = ffnn_error_canceled(err);
            break;
        }
        if ((bad = failure_run(t))) {
            st = failure_error(bad, t->grid.tuner.max_consecutive_failed_trials, err);
            break;
        }
        int first = o->n_trials, n_new = 0;
        if ((st = ffnn_oracle_advance(o, &n_new, err)))
            break;
        if (o->n_trials + 64 > cap) {
            int ncap = 2 * (o->n_trials + 64);
            int *q = realloc(p.queue, (size_t)ncap * sizeof *q);
            if (q)
                p.queue = q;
            int *f = q ? realloc(p.finished, (size_t)ncap * sizeof *f) : NULL;
            if (f)
                p.finished = f;
            if (!q || !f) {
                st = ffnn_error_nomem(err);
                break;
            }
            cap = ncap;
        }
        if (n_new > 0) {
            if ((st = persist_new(t, first, err)))
                break;
            for (int i = first; i < o->n_trials; i++)
                p.queue[p.qtail++] = i;
            pthread_cond_broadcast(&p.work);
        }
        if (n_new > 0 || any)
            ffnn_tune_cleanup_checkpoints(t);
        if (ffnn_oracle_finished(o))
            break;
        if (p.running == 0 && p.qhead == p.qtail) {
            st = ffnn_error_set(err, FFNN_EINTERNAL, "search stalled with no runnable trial");
            break;
        }
        if (p.serial)
            pthread_cond_broadcast(&p.work);
        pthread_cond_wait(&p.done, &p.mu);
    }
    p.stop = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    /* Trials saved while the search was stopping are done: say so. */
    report(t, &y, p.finished, p.nfinished, cb, ctx);
    if (!st) {
        ffnn_tune_cleanup_checkpoints(t);
        st = ffnn_tune_save_oracle(t, err);
    }
out:
    free(threads);
    free(p.queue);
    free(p.finished);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    return st;
}

/* ---- external executors ------------------------------------------------------------ */

ffnn_status ffnn_tune_pending(ffnn_tune *t, int **ids, int *n, ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    *ids = NULL;
    *n = 0;
    const ffnn_trial *bad = failure_run(t);
    if (bad)
        return failure_error(bad, t->grid.tuner.max_consecutive_failed_trials, err);
    int first = o->n_trials, n_new = 0;
    ffnn_status st = ffnn_oracle_advance(o, &n_new, err);
    if (st)
        return st;
    if (n_new > 0 && (st = persist_new(t, first, err)))
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
    ffnn_status st = copy_job(&o->trials[id], &job, err);
    if (st)
        return st;
    if (!(st = execute(t, &job, err))) {
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
            apply_job(&o->trials[id], &job);
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
