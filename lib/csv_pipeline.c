/* ffnn — running a CSV stream's blocks through the threads of a pool, in
 * order (see csv.h, ffnn_csv_run).
 *
 * Every thread loops: emit the next block in input order if it is done and
 * nobody is emitting; else read a block into a free slot (under the lock:
 * reading is the only sequential step) and work on it; else wait.  There are
 * two slots per thread, so a thread that finishes a block out of turn goes
 * on with another instead of waiting for the one before (which matters when
 * another program holds a core and a thread is descheduled mid-block).  A
 * thread only waits for blocks that running threads hold, so a pool that
 * could not start all its threads still finishes. */
#include <pthread.h>
#include <stdlib.h>
#include "ffnn/csv.h"
#include "internal.h"

typedef struct {
    ffnn_csv_reader *r;
    size_t want;
    const ffnn_csv_stage *stage;
    void *ctx;
    int nslots;
    ffnn_csv_block *blocks;   /* one per slot */
    ffnn_error *errs;         /* one per slot */
    ffnn_status *sts;         /* per slot: how its block's read or work ended */
    bool *done;               /* per slot: its block is read and worked on */
    int *free;                /* free slots (a stack) */
    int nfree;
    int *at;                  /* slot of block seq, at seq % nslots */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long next;                /* sequence number of the next block read */
    long emitted;             /* blocks emitted */
    bool eof, stop, emitting;
    ffnn_status st;           /* the first failure in input order */
    ffnn_error err;
} run;

static void run_thread(void *arg, int part, int nparts)
{
    run *s = arg;
    (void)part;
    (void)nparts;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->stop || (s->eof && s->emitted == s->next))
            break;
        if (!s->emitting && s->emitted < s->next && s->done[s->at[s->emitted % s->nslots]]) {
            /* The next block in order is done: emit it (or report how it
             * failed) outside the lock, one thread at a time. */
            int k = s->at[s->emitted % s->nslots];
            s->emitting = true;
            pthread_mutex_unlock(&s->mu);
            ffnn_status st = s->sts[k];
            if (!st)
                st = s->stage->emit(s->ctx, k, &s->errs[k]);
            pthread_mutex_lock(&s->mu);
            if (st) {
                s->stop = true;
                s->st = st;
                s->err = s->errs[k];
            }
            s->done[k] = false;
            s->free[s->nfree++] = k;
            s->emitted++;
            s->emitting = false;
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        if (!s->eof && s->nfree > 0) {
            int k = s->free[--s->nfree];
            ffnn_status st = ffnn_csv_read_block(s->r, &s->blocks[k], s->want, &s->errs[k]);
            if (!st && s->blocks[k].len == 0) {
                s->eof = true;
                s->free[s->nfree++] = k;
                pthread_cond_broadcast(&s->cv);
                continue;
            }
            s->at[s->next++ % s->nslots] = k;
            s->eof |= st != FFNN_OK;
            pthread_mutex_unlock(&s->mu);
            if (!st)
                st = s->stage->work(s->ctx, k, &s->blocks[k], &s->errs[k]);
            pthread_mutex_lock(&s->mu);
            s->sts[k] = st;
            s->done[k] = true;
            pthread_cond_broadcast(&s->cv);
            continue;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int ffnn_csv_slots(const ffnn_pool *pool)
{
    int threads = ffnn_pool_threads(pool);
    return threads > 1 ? 2 * threads : 1;
}

ffnn_status ffnn_csv_run(ffnn_csv_reader *r, ffnn_pool *pool, size_t block_bytes,
                         const ffnn_csv_stage *stage, void *ctx, ffnn_error *err)
{
    int threads = ffnn_pool_threads(pool), nslots = ffnn_csv_slots(pool);
    run s = {.r = r, .want = block_bytes, .stage = stage, .ctx = ctx, .nslots = nslots};
    s.blocks = ffnn_calloc((size_t)nslots, sizeof *s.blocks);
    s.errs = ffnn_calloc((size_t)nslots, sizeof *s.errs);
    s.sts = ffnn_calloc((size_t)nslots, sizeof *s.sts);
    s.done = ffnn_calloc((size_t)nslots, sizeof *s.done);
    s.free = ffnn_calloc((size_t)nslots, sizeof *s.free);
    s.at = ffnn_calloc((size_t)nslots, sizeof *s.at);
    ffnn_status st = FFNN_OK;
    if (!s.blocks || !s.errs || !s.sts || !s.done || !s.free || !s.at) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    /* Slots are handed out last first: one thread alone uses slot 0. */
    for (int k = nslots - 1; k >= 0; k--)
        s.free[s.nfree++] = k;
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    if (threads > 1)
        ffnn_pool_run(pool, threads, run_thread, &s);
    else
        run_thread(&s, 0, 1);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    if ((st = s.st) && err)
        *err = s.err;
done:
    for (int k = 0; s.blocks && k < nslots; k++)
        ffnn_csv_block_release(&s.blocks[k]);
    free(s.blocks);
    free(s.errs);
    free(s.sts);
    free(s.done);
    free(s.free);
    free(s.at);
    return st;
}
