/* ffnn — running a search: the thread pool (with trials drawn ahead of the
 * sequential order), the external-executor entry points and the best
 * config.  One trial's training is tune_trial.c. */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "internal.h"
#include "tune_internal.h"

/* A private copy of the fields a worker needs. */
static ffnn_status trial_copy(const ffnn_trial *src, ffnn_trial *dst, ffnn_error *err)
{
    *dst = *src;
    dst->values = cJSON_Duplicate(src->values, 1);
    dst->result = NULL;
    dst->message = NULL;
    return dst->values ? FFNN_OK : ffnn_error_nomem(err);
}

/* Moves a finished job's outcome into the oracle's trial. */
static void trial_apply(ffnn_trial *dst, ffnn_trial *job)
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

/* max_consecutive_failed_trials failed trials in a row, counted as a
 * sequential run counts them: the last one, or NULL.  scan as
 * ffnn_oracle_failure_run's. */
static const ffnn_trial *failure_run(const ffnn_tune *t, ffnn_failure_scan *scan)
{
    return ffnn_oracle_failure_run(&t->oracle, t->grid.tuner.max_consecutive_failed_trials, scan);
}

/* FFNN_EDATA, as ffnn-tune(1) says, whatever the last failure's own status
 * was: that status is not stored in the trial file, and the stop must read
 * the same whether the failures were seen now or read back. */
static ffnn_status failure_error(const ffnn_trial *tr, int k, ffnn_error *err)
{
    return ffnn_error_set(err, FFNN_EDATA,
                          "%d trials failed in a row (last: trial %04d: %s)", k, tr->id,
                          tr->message ? tr->message : "failed");
}

/* ---- the thread pool ------------------------------------------------------------ */

/* Draws ahead are run only while a worker would otherwise wait, at most
 * AHEAD_PER_JOB per worker (AHEAD_MIN at least) drawn and not yet created,
 * and while their results waiting in memory hold less than AHEAD_BYTES of
 * checkpoints. */
#define AHEAD_PER_JOB 8
#define AHEAD_MIN 64
#define AHEAD_BYTES ((size_t)256 << 20)
/* A finished trial's checkpoint waits in memory, up to HOLD_BYTES in all,
 * until its round's promotions are chosen: only a promoted trial's is
 * written (most trials are not promoted).  Past that, it is written at once. */
#define HOLD_BYTES ((size_t)256 << 20)

/* A draw ahead as the pool runs it, by its sequence number (its index in
 * pool.ahead: the oracle's ahead_taken + its place in o->ahead). */
typedef enum { AHEAD_QUEUED = 0, AHEAD_RUNNING, AHEAD_DONE, AHEAD_GONE } ahead_state;
typedef struct {
    ahead_state state;
    int ran_as;               /* RUNNING, DONE: the id it ran under (its seeds') */
    int id;                   /* the id the oracle gave it, -1 before */
    ffnn_trial result;        /* DONE: its outcome */
    unsigned char *ckpt;      /* DONE: its checkpoint, or NULL */
    size_t ckpt_len;
} ahead_job;

typedef enum { JOB_RUN, JOB_AHEAD, JOB_SAVE } job_kind;
typedef struct {
    job_kind kind;
    int seq;                  /* JOB_AHEAD, JOB_SAVE: the draw's sequence number */
    ffnn_trial trial;         /* the private copy trained or written */
    unsigned char *ckpt;
    size_t ckpt_len;
} pool_job;

typedef struct {
    ffnn_tune *t;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    int cap_ids;              /* of queue, saves and finished */
    int *queue;               /* created trials to train, in id order */
    int qhead, qtail;
    int staged;               /* created, queued after qtail once recorded */
    int published;            /* trials recorded in oracle.json */
    long pub_taken;           /* draws ahead created from here on are not recorded yet */
    int *saves;               /* draws ahead created with the id they ran under: to write */
    int shead, stail;
    ahead_job *ahead;
    int n_ahead, cap_ahead;
    int ahead_next;           /* no draw ahead below it is QUEUED */
    int ahead_queued;         /* QUEUED draws ahead */
    int ahead_live;           /* draws ahead not created yet */
    size_t ahead_bytes;       /* checkpoints of DONE draws ahead */
    unsigned char **held;     /* by trial id: a checkpoint not written yet, or NULL */
    size_t *held_len;
    size_t held_bytes;
    int ck_lo;                /* no trial below it has a checkpoint (held or on disk) */
    int *wr, *rm;             /* settle: checkpoints to write, files to remove */
    int n_wr, n_rm;
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

static void ahead_drop(pool *p, ahead_job *a)
{
    p->ahead_bytes -= a->ckpt ? a->ckpt_len : 0;
    ffnn_trial_release(&a->result);
    free(a->ckpt);
    a->ckpt = NULL;
    a->state = AHEAD_GONE;
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
    return p->shead < p->stail || p->qhead < p->qtail || ahead_runnable(p) >= 0;
}

/* Takes the next job, under the lock: results to write first, then created
 * trials in id order, then draws ahead in draw order. */
static ffnn_status take_job(pool *p, pool_job *j, ffnn_error *err)
{
    ffnn_oracle *o = &p->t->oracle;
    memset(j, 0, sizeof *j);
    if (p->shead < p->stail) {
        ahead_job *a = &p->ahead[p->saves[p->shead++]];
        j->kind = JOB_SAVE;
        j->seq = (int)(a - p->ahead);
        j->trial = a->result;
        j->trial.id = a->id;
        j->ckpt = a->ckpt;
        j->ckpt_len = a->ckpt_len;
        p->ahead_bytes -= a->ckpt ? a->ckpt_len : 0;
        memset(&a->result, 0, sizeof a->result);
        a->ckpt = NULL;
        a->state = AHEAD_GONE;
        return FFNN_OK;
    }
    if (p->qhead < p->qtail) {
        j->kind = JOB_RUN;
        return trial_copy(&o->trials[p->queue[p->qhead++]], &j->trial, err);
    }
    int k = ahead_runnable(p);
    ahead_job *a = &p->ahead[k];
    j->kind = JOB_AHEAD;
    j->seq = k;
    a->state = AHEAD_RUNNING;
    p->ahead_queued--;
    ffnn_status st = trial_copy(&o->ahead[k - o->ahead_taken].trial, &j->trial, err);
    a->ran_as = j->trial.id;
    return st;
}

/* Writes a trial's result file, its checkpoint first unless the budget lets
 * it wait in memory (then left in j->ckpt for finish_job). */
static ffnn_status save_job(pool *p, pool_job *j, ffnn_error *err)
{
    bool hold = false;
    if (j->ckpt) {
        pthread_mutex_lock(&p->mu);
        if (p->held_bytes + j->ckpt_len <= HOLD_BYTES) {
            p->held_bytes += j->ckpt_len;
            hold = true;
        }
        pthread_mutex_unlock(&p->mu);
    }
    ffnn_status st = ffnn_tune_save_result(p->t, &j->trial, hold ? NULL : j->ckpt, j->ckpt_len, err);
    if (!hold) {
        free(j->ckpt);
        j->ckpt = NULL;
    }
    return st;
}

/* Trains or writes, without the lock. */
static ffnn_status do_job(pool *p, pool_job *j, ffnn_error *err)
{
    ffnn_status st;
    switch (j->kind) {
    case JOB_RUN:
        if ((st = ffnn_tune_execute(p->t, &j->trial, &j->ckpt, &j->ckpt_len, err)))
            return st;
        return save_job(p, j, err);
    case JOB_AHEAD:
        return ffnn_tune_execute(p->t, &j->trial, &j->ckpt, &j->ckpt_len, err);
    default:
        return save_job(p, j, err);
    }
}

/* Records a job's outcome, under the lock: a trial written is done; a draw
 * ahead waits for its id, is written when it got the id it ran under, and
 * is dropped when it got another (the created trial then trains anew). */
static void finish_job(pool *p, pool_job *j, ffnn_status st, const ffnn_error *e)
{
    ffnn_oracle *o = &p->t->oracle;
    if (st) {
        if (!p->fatal) {
            p->fatal = st;
            p->fatal_err = *e;
        }
        ffnn_trial_release(&j->trial);
    } else if (j->kind != JOB_AHEAD) {
        int id = j->trial.id;
        trial_apply(&o->trials[id], &j->trial);
        p->finished[p->nfinished++] = id;
        p->held[id] = j->ckpt;
        p->held_len[id] = j->ckpt ? j->ckpt_len : 0;
        return;
    } else {
        ahead_job *a = &p->ahead[j->seq];
        a->result = j->trial;
        a->ckpt = j->ckpt;
        a->ckpt_len = j->ckpt_len;
        a->state = AHEAD_DONE;
        p->ahead_bytes += a->ckpt ? a->ckpt_len : 0;
        j->ckpt = NULL;
        if (a->id >= 0 && a->id != a->ran_as)
            ahead_drop(p, a);
        else if (a->id >= 0 && a->id < p->published)
            p->saves[p->stail++] = j->seq;
        return;
    }
    free(j->ckpt);
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
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

/* Grows the pool's id lists for n trials and the draws ahead for m. */
static bool pool_reserve(pool *p, int n, int m)
{
    if (n > p->cap_ids) {
        int cap = 2 * n + 64;
        void *tmp;
#define GROW(a) ((tmp = realloc((a), (size_t)cap * sizeof *(a))) != NULL && ((a) = tmp, true))
        if (!(GROW(p->queue) && GROW(p->finished) && GROW(p->saves) && GROW(p->held) &&
              GROW(p->held_len) && GROW(p->wr) && GROW(p->rm)))
            return false;
#undef GROW
        memset(p->held + p->cap_ids, 0, (size_t)(cap - p->cap_ids) * sizeof *p->held);
        memset(p->held_len + p->cap_ids, 0, (size_t)(cap - p->cap_ids) * sizeof *p->held_len);
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
 * the others are staged behind the queue (p->staged), for pool_publish once
 * their parents' checkpoints and the oracle are written. */
static void pool_created(pool *p, int first, long taken)
{
    const ffnn_oracle *o = &p->t->oracle;
    long seq = taken;
    for (int i = first; i < o->n_trials; i++) {
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
        }   /* else its result is written once published (pool_publish) */
    }
    p->pub_taken = taken;
}

/* The created trials are recorded in oracle.json: they may run, and the
 * results of draws ahead that got the id they ran under may be written. */
static void pool_publish(pool *p)
{
    const ffnn_oracle *o = &p->t->oracle;
    p->qtail += p->staged;
    p->staged = 0;
    p->published = o->n_trials;
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
            p->ahead[p->n_ahead++] = (ahead_job){AHEAD_QUEUED, -1, -1, {0}, NULL, 0};
        p->ahead_queued += n;
        p->ahead_live += n;
    }
    ffnn_oracle_expect_ids(o);
    return FFNN_OK;
}

static void unhold(pool *p, int id)
{
    p->held_bytes -= p->held_len[id];
    free(p->held[id]);
    p->held[id] = NULL;
    p->held_len[id] = 0;
}

/* Writes the checkpoint of trial id held in memory (no lock needed: only
 * the coordinator touches a completed trial's slot). */
static ffnn_status write_held(pool *p, int id, ffnn_error *err)
{
    char *path = ffnn_tune_path(p->t, "trials/%04d.ffnn", id);
    ffnn_status st = path ? ffnn_file_write_atomic(path, p->held[id], p->held_len[id],
                                                   (int)p->t->file_mode, false, err)
                          : ffnn_error_nomem(err);
    free(path);
    return st;
}

/* What the oracle's move makes of checkpoints, under the lock, before the
 * new trials are recorded or run: a promoted trial's held checkpoint is to
 * be written (p->wr), one nothing can promote any more is dropped, a stale
 * file is to be removed (p->rm; its flag cleared).  Only trials from
 * p->ck_lo on can have one. */
static ffnn_status settle(pool *p, ffnn_error *err)
{
    ffnn_oracle *o = &p->t->oracle;
    p->n_wr = p->n_rm = 0;
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
        if (p->held[i] && tr->promoted)
            p->wr[p->n_wr++] = i;
        else if (p->held[i] && stale[i])
            unhold(p, i);
        else if (tr->checkpoint && stale[i]) {
            p->rm[p->n_rm++] = i;
            tr->checkpoint = false;
        }
        if ((p->held[i] || tr->checkpoint || tr->status == FFNN_TRIAL_PENDING) && lo > i)
            lo = i;
    }
    p->ck_lo = lo;
    free(stale);
    return FFNN_OK;
}

/* settle's file work, without the lock; then, under it, settle_done. */
static ffnn_status settle_io(pool *p, ffnn_error *err)
{
    ffnn_status st = FFNN_OK;
    for (int k = 0; k < p->n_wr && !st; k++)
        st = write_held(p, p->wr[k], err);
    for (int k = 0; k < p->n_rm; k++) {
        char *path = ffnn_tune_path(p->t, "trials/%04d.ffnn", p->rm[k]);
        if (path)   /* best effort: a file left over is removed by a later run */
            unlink(path);
        free(path);
    }
    return st;
}

static void settle_done(pool *p, ffnn_status st)
{
    for (int k = 0; k < p->n_wr; k++) {
        if (!st)
            p->t->oracle.trials[p->wr[k]].checkpoint = true;
        unhold(p, p->wr[k]);
    }
    p->n_wr = p->n_rm = 0;
}

/* A search that stops before the end leaves every checkpoint on disk, so
 * that the next run continues it without training anything again (best
 * effort: one that cannot be written makes the next run train its trial
 * again, see the algorithm's resume). */
static void flush_held(pool *p)
{
    for (int i = 0; i < p->cap_ids; i++)
        if (p->held[i]) {
            if (!write_held(p, i, NULL))
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
        free(p->held[i]);
    free(p->held);
    free(p->held_len);
    free(p->wr);
    free(p->rm);
    free(p->ahead);
    free(p->queue);
    free(p->saves);
    free(p->finished);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
}

static long trial_epochs(const ffnn_tune *t, const ffnn_trial *tr)
{
    return (long)(tr->epochs - tr->initial_epoch) * t->grid.tuner.executions_per_trial;
}

static void expected_totals(const ffnn_tune *t, int *trials, long *epochs)
{
    const ffnn_oracle *o = &t->oracle;
    long n, e;
    o->algo->expected(o, &n, &e);
    *trials = (int)n;
    *epochs = e * t->grid.tuner.executions_per_trial;
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
    int done, expected;
    long epochs_done, epochs_total;
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
    ffnn_failure_scan scan = {0, 0};
    const ffnn_trial *bad = failure_run(t, &scan);
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
    pthread_t *threads = ffnn_calloc((size_t)jobs, sizeof *threads);
    int *rank = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *rank);
    ffnn_status st = FFNN_OK;
    int started = 0;
    if (!threads || !rank ||
        !pool_reserve(&p, y.expected > o->n_trials ? y.expected : o->n_trials, 0)) {
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
        if ((bad = failure_run(t, &scan))) {
            st = failure_error(bad, t->grid.tuner.max_consecutive_failed_trials, err);
            break;
        }
        int first = o->n_trials, n_new = 0;
        long taken = o->ahead_taken;
        if ((st = ffnn_oracle_advance(o, &n_new, err)))
            break;
        if (!pool_reserve(&p, o->n_trials, 0)) {
            st = ffnn_error_nomem(err);
            break;
        }
        pool_created(&p, first, taken);
        if ((n_new > 0 || any) && (st = settle(&p, err)))
            break;
        if (p.n_wr > 0 || p.n_rm > 0) {
            /* Files without the lock: workers go on meanwhile; the new
             * trials wait for their parents' checkpoints.  (A -j 1 worker
             * never runs beside the coordinator.) */
            if (!p.serial)
                pthread_mutex_unlock(&p.mu);
            st = settle_io(&p, err);
            if (!p.serial)
                pthread_mutex_lock(&p.mu);
            settle_done(&p, st);
            if (st)
                break;
        }
        if (n_new > 0) {
            if ((st = persist_new(t, first, err)))
                break;
            pool_publish(&p);
        }
        if ((st = pool_draw_ahead(&p, jobs, err)))
            break;
        pthread_cond_broadcast(&p.work);
        if (ffnn_oracle_finished(o))
            break;
        /* What workers did while settle_io had the lock released. */
        if (p.nfinished > 0 || p.fatal)
            continue;
        if (p.running == 0 && p.qhead == p.qtail && p.shead == p.stail) {
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
    if (!st && !(st = settle(&p, err))) {
        st = settle_io(&p, err);
        settle_done(&p, st);
    }
    if (!st)
        st = ffnn_tune_save_oracle(t, err);
    if (st)
        flush_held(&p);
out:
    free(threads);
    pool_release(&p);
    return st;
}

/* ---- external executors ------------------------------------------------------------ */

ffnn_status ffnn_tune_pending(ffnn_tune *t, int **ids, int *n, ffnn_error *err)
{
    ffnn_oracle *o = &t->oracle;
    *ids = NULL;
    *n = 0;
    const ffnn_trial *bad = failure_run(t, NULL);
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
    ffnn_status st = trial_copy(&o->trials[id], &job, err);
    if (st)
        return st;
    if (!(st = ffnn_tune_execute(t, &job, NULL, NULL, err))) {
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
            trial_apply(&o->trials[id], &job);
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
