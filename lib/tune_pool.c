/* ffnn — the built-in runner (ffnn_tune_run): a pool of workers and a
 * coordinator, the calling thread.  Workers train the created trials in id
 * order and, while they would otherwise wait, the trials the oracle draws
 * ahead of the sequential order (a Hyperband bracket's first round depends on
 * no score); they also write checkpoints and results.  The coordinator counts
 * failures, advances the oracle, records new trials in oracle.json and
 * decides what becomes of checkpoints.
 *
 * The result is a sequential run's, bit for bit, for any number of workers:
 * a trial's seeds come from its id; a trial run ahead ran under the id it was
 * expected to get, and its result is kept only if it got that id (else it
 * trains again); the oracle creates a promotion round only once the round
 * before it has ended.
 *
 * Checkpoints: a finished trial's best-epoch model waits in memory
 * (HOLD_BYTES in all) until its round's promotions are chosen; a promoted
 * trial's is then written (its child runs only after that, and is recorded
 * in oracle.json only after that), the others are dropped.  A search that
 * stops before its end writes what it holds. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "tune_internal.h"

/* Draws ahead run only while a worker would otherwise wait: at most
 * AHEAD_PER_JOB per worker (AHEAD_MIN at least) drawn and not yet created,
 * and none starts while the results waiting for their ids hold AHEAD_BYTES
 * of weights or more. */
#define AHEAD_PER_JOB 8
#define AHEAD_MIN 64
#define AHEAD_BYTES ((size_t)256 << 20)
/* Best-epoch weights waiting for their round's promotions, in all; past it a
 * checkpoint is written at once. */
#define HOLD_BYTES ((size_t)256 << 20)

/* A draw ahead as the pool runs it, by its sequence number (its index in
 * pool.ahead: the oracle's ahead_taken + its place in o->ahead). */
typedef enum { AHEAD_QUEUED = 0, AHEAD_RUNNING, AHEAD_DONE, AHEAD_GONE } ahead_state;
typedef struct {
    ahead_state state;
    int ran_as;               /* RUNNING, DONE: the id it ran under (its seeds') */
    int id;                   /* the id the oracle gave it, -1 before */
    ffnn_trial result;        /* DONE: its outcome */
    ffnn_model *model;        /* DONE: its best-epoch weights, or NULL */
} ahead_job;

typedef enum { JOB_RUN, JOB_AHEAD, JOB_SAVE, JOB_WRITE } job_kind;
typedef struct {
    job_kind kind;
    int seq;                  /* JOB_AHEAD, JOB_SAVE: the draw's sequence number */
    ffnn_trial trial;         /* the private copy trained or written (JOB_WRITE: only id) */
    ffnn_model *model;        /* its best-epoch weights, or NULL */
} pool_job;

typedef struct {
    int id;
    ffnn_model *model;
} pool_write;

typedef struct {
    ffnn_tune *t;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    bool serial;              /* -j 1: see worker() */
    int cap_ids;              /* of every per-trial array below */
    int *queue;               /* created trials to train, in id order */
    int qhead, qtail;
    int staged;               /* created, queued after qtail once recorded */
    bool unpublished;         /* trials created and not yet recorded in oracle.json */
    int published;            /* trials recorded in oracle.json */
    long pub_taken;           /* draws ahead created from here on are not recorded yet */
    int *saves;               /* draws ahead created with the id they ran under: to write */
    int shead, stail;
    pool_write *writes;       /* checkpoints of promoted trials: to write */
    int whead, wtail;
    int writes_pending;       /* queued or being written */
    bool *writing;            /* by trial id: its checkpoint is queued or being written */
    ahead_job *ahead;
    int n_ahead, cap_ahead;
    int ahead_next;           /* no draw ahead below it is QUEUED */
    int ahead_queued;         /* QUEUED draws ahead */
    int ahead_live;           /* draws ahead not created yet */
    size_t ahead_bytes;       /* weights of DONE draws ahead */
    ffnn_model **held;        /* by trial id: best-epoch weights waiting, or NULL */
    size_t held_bytes;        /* of held[] and writes[] */
    int ck_lo;                /* no trial below it has a checkpoint, held or not */
    int *rm;                  /* settle: checkpoint files to remove */
    int n_rm;
    int running;
    bool stop;
    int *finished;            /* trials whose result the coordinator has not seen */
    int nfinished;
    ffnn_status fatal;
    ffnn_error fatal_err;
} pool;

static size_t model_bytes(const ffnn_model *m)
{
    return m ? m->n_params * sizeof *m->params : 0;
}

static void ahead_drop(pool *p, ahead_job *a)
{
    p->ahead_bytes -= model_bytes(a->model);
    ffnn_model_destroy(a->model);
    a->model = NULL;
    ffnn_trial_release(&a->result);
    a->state = AHEAD_GONE;
}

static void unhold(pool *p, int id)
{
    p->held_bytes -= model_bytes(p->held[id]);
    ffnn_model_destroy(p->held[id]);
    p->held[id] = NULL;
}

/* A draw ahead a worker may start now, or -1. */
static int ahead_runnable(pool *p)
{
    if (p->ahead_queued == 0 || p->ahead_bytes >= AHEAD_BYTES)
        return -1;
    const ffnn_oracle *o = &p->t->oracle;
    while (p->ahead_next < p->n_ahead && p->ahead[p->ahead_next].state != AHEAD_QUEUED)
        p->ahead_next++;
    int k = p->ahead_next;
    /* A queued draw is one the oracle still holds, its expected id known. */
    if (k >= p->n_ahead || o->ahead[k - o->ahead_taken].trial.id < 0)
        return -1;
    return k;
}

static bool has_job(pool *p)
{
    return p->whead < p->wtail || p->shead < p->stail || p->qhead < p->qtail ||
           ahead_runnable(p) >= 0;
}

/* Takes the next job, under the lock: checkpoints to write first (children
 * wait for them), then results to write, then created trials in id order,
 * then draws ahead in draw order. */
static ffnn_status take_job(pool *p, pool_job *j, ffnn_error *err)
{
    ffnn_oracle *o = &p->t->oracle;
    memset(j, 0, sizeof *j);
    if (p->whead < p->wtail) {
        pool_write *w = &p->writes[p->whead++];
        j->kind = JOB_WRITE;
        j->trial.id = w->id;
        j->model = w->model;
        return FFNN_OK;
    }
    if (p->shead < p->stail) {
        ahead_job *a = &p->ahead[p->saves[p->shead++]];
        j->kind = JOB_SAVE;
        j->seq = (int)(a - p->ahead);
        j->trial = a->result;
        j->model = a->model;
        p->ahead_bytes -= model_bytes(a->model);
        memset(&a->result, 0, sizeof a->result);
        a->model = NULL;
        a->state = AHEAD_GONE;
        return FFNN_OK;
    }
    if (p->qhead < p->qtail) {
        j->kind = JOB_RUN;
        return ffnn_trial_copy(&o->trials[p->queue[p->qhead++]], &j->trial, err);
    }
    int k = ahead_runnable(p);
    ahead_job *a = &p->ahead[k];
    j->kind = JOB_AHEAD;
    j->seq = k;
    a->state = AHEAD_RUNNING;
    p->ahead_queued--;
    ffnn_status st = ffnn_trial_copy(&o->ahead[k - o->ahead_taken].trial, &j->trial, err);
    a->ran_as = j->trial.id;
    return st;
}

/* Writes a trial's result file; its weights first, unless the budget lets
 * them wait in memory (then left in j->model for finish_job). */
static ffnn_status save_job(pool *p, pool_job *j, ffnn_error *err)
{
    size_t bytes = model_bytes(j->model);
    bool hold = false;
    if (j->model) {
        pthread_mutex_lock(&p->mu);
        if (p->held_bytes + bytes <= HOLD_BYTES) {
            p->held_bytes += bytes;
            hold = true;
        }
        pthread_mutex_unlock(&p->mu);
    }
    if (j->model && !hold) {
        ffnn_status st = ffnn_tune_write_checkpoint(p->t, j->trial.id, j->model, err);
        ffnn_model_destroy(j->model);
        j->model = NULL;
        if (st)
            return st;
        j->trial.checkpoint = true;
    }
    return ffnn_tune_save_trial(p->t, &j->trial, err);
}

/* Trains or writes, without the lock. */
static ffnn_status do_job(pool *p, pool_job *j, ffnn_error *err)
{
    ffnn_status st;
    switch (j->kind) {
    case JOB_RUN:
        if ((st = ffnn_tune_execute(p->t, &j->trial, &j->model, err)))
            return st;
        return save_job(p, j, err);
    case JOB_AHEAD:
        return ffnn_tune_execute(p->t, &j->trial, &j->model, err);
    case JOB_SAVE:
        return save_job(p, j, err);
    default:
        return ffnn_tune_write_checkpoint(p->t, j->trial.id, j->model, err);
    }
}

/* Records a job's outcome, under the lock: a trial trained or written is
 * done (its weights held when they were not written); a draw ahead waits
 * for its id, is written when it got the id it ran under, and is dropped
 * when it got another (the created trial then trains anew). */
static void finish_job(pool *p, pool_job *j, ffnn_status st, const ffnn_error *e)
{
    ffnn_oracle *o = &p->t->oracle;
    int id = j->trial.id;
    if (st && !p->fatal) {
        p->fatal = st;
        p->fatal_err = *e;
    }
    switch (j->kind) {
    case JOB_WRITE:
        /* A failed write leaves the model for flush_held. */
        if (!st) {
            o->trials[id].checkpoint = true;
            p->held_bytes -= model_bytes(j->model);
            ffnn_model_destroy(j->model);
        } else {
            p->held[id] = j->model;
        }
        p->writing[id] = false;
        p->writes_pending--;
        return;
    case JOB_AHEAD:
        if (st) {
            ffnn_model_destroy(j->model);
            ffnn_trial_release(&j->trial);
            return;
        }
        ahead_job *a = &p->ahead[j->seq];
        a->result = j->trial;
        a->model = j->model;
        a->state = AHEAD_DONE;
        p->ahead_bytes += model_bytes(a->model);
        if (a->id >= 0 && a->id != a->ran_as)
            ahead_drop(p, a);
        else if (a->id >= 0 && a->id < p->published)
            p->saves[p->stail++] = j->seq;
        return;
    default:
        if (st) {
            /* save_job counted only weights it kept. */
            p->held_bytes -= model_bytes(j->model);
            ffnn_model_destroy(j->model);
            ffnn_trial_release(&j->trial);
            return;
        }
        ffnn_trial_apply(&o->trials[id], &j->trial);
        p->finished[p->nfinished++] = id;
        p->held[id] = j->model;
    }
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* One worker (-j 1) takes the next job only once the coordinator has
         * seen the last one's result, so the two never run at the same time
         * and a -j 1 search does the same work in the same order every
         * time. */
        while (!p->stop && (!has_job(p) || (p->serial && p->nfinished > 0)))
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop)
            break;
        if (ffnn_stop_requested()) {   /* leave the job queued: it stays pending */
            if (!p->fatal)
                p->fatal = ffnn_error_canceled(&p->fatal_err);
            pthread_cond_signal(&p->done);
            break;
        }
        pool_job j;
        ffnn_error e;
        ffnn_status st = take_job(p, &j, &e);
        p->running++;
        pthread_mutex_unlock(&p->mu);
        if (!st)
            st = do_job(p, &j, &e);
        pthread_mutex_lock(&p->mu);
        p->running--;
        finish_job(p, &j, st, &e);
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Grows the per-trial arrays for n trials and the draws ahead for m. */
static bool pool_reserve(pool *p, int n, int m)
{
    if (n > p->cap_ids) {
        int cap = 2 * n + 64;
        void *tmp;
#define GROW(a) ((tmp = realloc((a), (size_t)cap * sizeof *(a))) != NULL && ((a) = tmp, true))
        if (!(GROW(p->queue) && GROW(p->finished) && GROW(p->saves) && GROW(p->writes) &&
              GROW(p->writing) && GROW(p->held) && GROW(p->rm)))
            return false;
#undef GROW
        memset(p->held + p->cap_ids, 0, (size_t)(cap - p->cap_ids) * sizeof *p->held);
        memset(p->writing + p->cap_ids, 0, (size_t)(cap - p->cap_ids) * sizeof *p->writing);
        p->cap_ids = cap;
    }
    if (m > p->cap_ahead) {
        int cap = 2 * m + 64;
        ahead_job *a = realloc(p->ahead, (size_t)cap * sizeof *a);
        if (!a)
            return false;
        p->ahead = a;
        p->cap_ahead = cap;
    }
    return true;
}

/* Right after the oracle created trials first.. (under the lock): those it
 * took from the draws ahead, since ahead_taken was `taken`, meet their runs;
 * the others are staged behind the queue, for pool_publish. */
static void pool_created(pool *p, int first, long taken)
{
    const ffnn_oracle *o = &p->t->oracle;
    long seq = taken;
    for (int i = first; i < o->n_trials; i++) {
        p->unpublished = true;
        if (seq == o->ahead_taken || o->trials[i].parent >= 0) {
            p->queue[p->qtail + p->staged++] = i;
            continue;
        }
        /* Draws ahead are created first, in draw order, before any new draw. */
        ahead_job *a = &p->ahead[seq++];
        a->id = i;
        p->ahead_live--;
        if (a->state == AHEAD_QUEUED) {
            a->state = AHEAD_GONE;
            p->ahead_queued--;
            p->queue[p->qtail + p->staged++] = i;
        } else if (a->ran_as != i) {   /* it ran under another id: train anew */
            if (a->state == AHEAD_DONE)
                ahead_drop(p, a);
            p->queue[p->qtail + p->staged++] = i;
        }   /* else its result is written once published */
    }
}

/* The created trials are recorded in oracle.json (and their parents'
 * checkpoints written): they may run, and the results of draws ahead that
 * got the id they ran under may be written. */
static void pool_publish(pool *p)
{
    const ffnn_oracle *o = &p->t->oracle;
    p->qtail += p->staged;
    p->staged = 0;
    p->published = o->n_trials;
    p->unpublished = false;
    for (long seq = p->pub_taken; seq < o->ahead_taken; seq++) {
        ahead_job *a = &p->ahead[seq];
        if (a->state == AHEAD_DONE && a->id == a->ran_as)
            p->saves[p->stail++] = (int)seq;
    }
    p->pub_taken = o->ahead_taken;
}

/* Draws ahead while workers may wait for work (under the lock). */
static ffnn_status pool_draw_ahead(pool *p, int jobs, ffnn_error *err)
{
    ffnn_oracle *o = &p->t->oracle;
    int limit = AHEAD_PER_JOB * jobs > AHEAD_MIN ? AHEAD_PER_JOB * jobs : AHEAD_MIN;
    while (!p->serial && p->ahead_queued < jobs && p->ahead_live < limit) {
        int n;
        ffnn_status st = ffnn_oracle_draw_ahead(o, &n, err);
        if (st)
            return st;
        if (n == 0)
            break;
        if (!pool_reserve(p, 0, p->n_ahead + n))
            return ffnn_error_nomem(err);
        for (int k = 0; k < n; k++)
            p->ahead[p->n_ahead++] = (ahead_job){AHEAD_QUEUED, -1, -1, {0}, NULL};
        p->ahead_queued += n;
        p->ahead_live += n;
    }
    ffnn_oracle_expect_ids(o);
    return FFNN_OK;
}

/* What the oracle's move makes of checkpoints (under the lock): a promoted
 * trial's weights are to be written (p->writes), weights nothing can promote
 * any more are dropped, a stale file is to be removed (p->rm; its flag
 * cleared).  Only trials from p->ck_lo on can have any. */
static ffnn_status settle(pool *p, ffnn_error *err)
{
    ffnn_oracle *o = &p->t->oracle;
    p->n_rm = 0;
    if (!o->algo->stale_checkpoints || p->ck_lo >= o->n_trials)
        return FFNN_OK;
    bool *stale = ffnn_calloc((size_t)o->n_trials, sizeof *stale);
    if (!stale || !o->algo->stale_checkpoints(o, p->ck_lo, stale)) {
        free(stale);
        return ffnn_error_nomem(err);
    }
    int lo = o->n_trials;
    for (int i = p->ck_lo; i < o->n_trials; i++) {
        ffnn_trial *tr = &o->trials[i];
        if (p->held[i] && tr->promoted) {
            p->writes[p->wtail++] = (pool_write){i, p->held[i]};
            p->held[i] = NULL;
            p->writing[i] = true;
            p->writes_pending++;
        } else if (p->held[i] && stale[i]) {
            unhold(p, i);
        } else if (tr->checkpoint && stale[i]) {
            p->rm[p->n_rm++] = i;
            tr->checkpoint = false;
        }
        if ((p->held[i] || p->writing[i] || tr->checkpoint || tr->status == FFNN_TRIAL_PENDING) &&
            lo > i)
            lo = i;
    }
    p->ck_lo = lo;
    free(stale);
    return FFNN_OK;
}

/* The coordinator writes the checkpoints itself: -j 1, and at the end. */
static ffnn_status write_now(pool *p, ffnn_error *err)
{
    ffnn_status st = FFNN_OK;
    while (p->whead < p->wtail && !st) {
        pool_job j = {JOB_WRITE, 0, {0}, NULL};
        j.trial.id = p->writes[p->whead].id;
        j.model = p->writes[p->whead++].model;
        st = do_job(p, &j, err);
        finish_job(p, &j, st, err);
    }
    return st;
}

static void remove_files(pool *p)
{
    for (int k = 0; k < p->n_rm; k++) {
        char *path = ffnn_tune_path(p->t, "trials/%04d.ffnn", p->rm[k]);
        if (path)   /* best effort: a file left over is removed by a later run */
            unlink(path);
        free(path);
    }
    p->n_rm = 0;
}

/* A search that stops before its end leaves every checkpoint on disk, so
 * that the next run trains nothing again (best effort: a trial whose
 * checkpoint cannot be written trains again, see the algorithm's resume). */
static void flush_held(pool *p)
{
    ffnn_error e;
    while (p->whead < p->wtail)
        write_now(p, &e);
    for (int i = 0; i < p->cap_ids; i++)
        if (p->held[i]) {
            if (!ffnn_tune_write_checkpoint(p->t, i, p->held[i], NULL))
                p->t->oracle.trials[i].checkpoint = true;
            unhold(p, i);
        }
}

static void pool_release(pool *p)
{
    for (int k = 0; k < p->n_ahead; k++)
        if (p->ahead[k].state == AHEAD_DONE)
            ahead_drop(p, &p->ahead[k]);
    for (int i = 0; i < p->cap_ids; i++)
        ffnn_model_destroy(p->held[i]);
    for (int k = p->whead; k < p->wtail; k++)
        ffnn_model_destroy(p->writes[k].model);
    free(p->held);
    free(p->writes);
    free(p->writing);
    free(p->rm);
    free(p->ahead);
    free(p->queue);
    free(p->saves);
    free(p->finished);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
}

/* ---- progress ------------------------------------------------------------ */

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

/* ---- the coordinator ------------------------------------------------------ */

/* One round of the coordinator, under the lock: what finished is reported
 * and counted, the oracle moves on, checkpoints are settled, new trials are
 * recorded once their parents' checkpoints are written, and more is drawn
 * ahead.  *again: look again before waiting (workers acted while the lock
 * was released). */
static ffnn_status coordinate(pool *p, int jobs, ffnn_failure_scan *scan, tally *y,
                              ffnn_tune_progress_cb cb, void *ctx, ffnn_error *err)
{
    ffnn_tune *t = p->t;
    ffnn_oracle *o = &t->oracle;
    report(t, y, p->finished, p->nfinished, cb, ctx);
    bool any = p->nfinished > 0;
    p->nfinished = 0;
    if (p->fatal) {
        if (err)
            *err = p->fatal_err;
        return p->fatal;
    }
    if (ffnn_stop_requested())
        return ffnn_error_canceled(err);
    ffnn_status st;
    if ((st = ffnn_tune_check_failures(t, scan, err)))
        return st;
    int first = o->n_trials, n_new = 0;
    long taken = o->ahead_taken;
    if (!p->unpublished) {
        if ((st = ffnn_oracle_advance(o, &n_new, err)))
            return st;
        if (!pool_reserve(p, o->n_trials, 0))
            return ffnn_error_nomem(err);
        pool_created(p, first, taken);
    }
    if ((n_new > 0 || any) && (st = settle(p, err)))
        return st;
    if (p->serial && (st = write_now(p, err)))
        return st;
    if (p->n_rm > 0) {
        /* Without the lock (workers go on meanwhile), but not beside a -j 1
         * worker. */
        if (!p->serial)
            pthread_mutex_unlock(&p->mu);
        remove_files(p);
        if (!p->serial)
            pthread_mutex_lock(&p->mu);
    }
    if (p->unpublished && p->writes_pending == 0) {
        if ((st = ffnn_tune_save_oracle(t, err)))
            return st;
        pool_publish(p);
    }
    if ((st = pool_draw_ahead(p, jobs, err)))
        return st;
    pthread_cond_broadcast(&p->work);
    return FFNN_OK;
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
    ffnn_failure_scan scan = {0, 0};
    ffnn_status st = ffnn_tune_check_failures(t, &scan, err);
    if (st)
        return st;
    pool p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.serial = jobs == 1;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    tally y = {0, 0, 0, 0, -1, NAN};
    expected_totals(t, &y.expected, &y.epochs_total);
    pthread_t *threads = ffnn_calloc((size_t)jobs, sizeof *threads);
    int *rank = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *rank);
    int started = 0;
    /* Room for the trials there are; it grows with the search. */
    if (!threads || !rank || !pool_reserve(&p, o->n_trials + 1, 0)) {
        free(rank);
        st = ffnn_error_nomem(err);
        goto out;
    }
    p.published = o->n_trials;
    for (int i = 0; i < o->n_trials; i++) {
        if (o->trials[i].status == FFNN_TRIAL_PENDING)
            p.queue[p.qtail++] = i;
        else
            y.done++, y.epochs_done += trial_epochs(t, &o->trials[i]);
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
    while (!(st = coordinate(&p, jobs, &scan, &y, cb, ctx, err)) && !ffnn_oracle_finished(o)) {
        /* Look again at what workers did while the lock was released. */
        if (p.nfinished > 0 || p.fatal || (p.unpublished && p.writes_pending == 0))
            continue;
        if (p.running == 0 && p.qhead == p.qtail && p.shead == p.stail && p.whead == p.wtail) {
            st = ffnn_error_set(err, FFNN_EINTERNAL, "search stalled with no runnable trial");
            break;
        }
        pthread_cond_wait(&p.done, &p.mu);
    }
    p.stop = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    /* Trials saved while the search was stopping are done: say so. */
    report(t, &y, p.finished, p.nfinished, cb, ctx);
    if (!st && !(st = settle(&p, err)) && !(st = write_now(&p, err))) {
        remove_files(&p);
        st = ffnn_tune_save_oracle(t, err);
    }
    if (st)
        flush_held(&p);
out:
    free(threads);
    pool_release(&p);
    return st;
}
