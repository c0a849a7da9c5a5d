/* ffnn — running a CSV stream's blocks through the threads of a pool, in
 * order (see csv.h, ffnn_csv_run).
 *
 * Every thread loops: read the next block (under the lock: reading is the
 * only sequential step), work on it, wait for its turn, emit it.  A thread
 * waits only for blocks that running threads have claimed, so fewer threads
 * than slots (a pool that could not start them all) still finishes. */
#include <pthread.h>
#include <stdlib.h>
#include "ffnn/csv.h"
#include "internal.h"

typedef struct {
    ffnn_csv_reader *r;
    size_t want;
    const ffnn_csv_stage *stage;
    void *ctx;
    ffnn_csv_block *blocks;   /* one per slot */
    ffnn_error *errs;         /* one per slot */
    pthread_mutex_t mu;
    pthread_cond_t turn;
    long next;                /* sequence number of the next block read */
    long emitted;             /* blocks emitted (or skipped after a failure) */
    bool eof, stop;
    ffnn_status st;           /* the first failure in input order */
    ffnn_error err;
} run;

static void run_slot(void *arg, int slot, int nslots)
{
    run *s = arg;
    ffnn_csv_block *b = &s->blocks[slot];
    ffnn_error *e = &s->errs[slot];
    (void)nslots;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        if (s->eof || s->stop) {
            pthread_mutex_unlock(&s->mu);
            return;
        }
        ffnn_status st = ffnn_csv_read_block(s->r, b, s->want, e);
        if (!st && b->len == 0) {
            s->eof = true;
            pthread_mutex_unlock(&s->mu);
            return;
        }
        long seq = s->next++;
        s->eof |= st != FFNN_OK;
        pthread_mutex_unlock(&s->mu);

        if (!st)
            st = s->stage->work(s->ctx, slot, b, e);

        pthread_mutex_lock(&s->mu);
        while (s->emitted != seq && !s->stop)
            pthread_cond_wait(&s->turn, &s->mu);
        bool go = !s->stop;
        pthread_mutex_unlock(&s->mu);
        if (!go)
            return;
        if (!st)
            st = s->stage->emit(s->ctx, slot, e);
        pthread_mutex_lock(&s->mu);
        if (st) {
            s->stop = true;
            s->st = st;
            s->err = *e;
        }
        s->emitted++;
        pthread_cond_broadcast(&s->turn);
        pthread_mutex_unlock(&s->mu);
    }
}

int ffnn_csv_slots(const ffnn_pool *pool)
{
    return ffnn_pool_threads(pool);
}


ffnn_status ffnn_csv_run(ffnn_csv_reader *r, ffnn_pool *pool, size_t block_bytes,
                         const ffnn_csv_stage *stage, void *ctx, ffnn_error *err)
{
    int slots = ffnn_csv_slots(pool);
    run s = {.r = r, .want = block_bytes, .stage = stage, .ctx = ctx};
    s.blocks = ffnn_calloc((size_t)slots, sizeof *s.blocks);
    s.errs = ffnn_calloc((size_t)slots, sizeof *s.errs);
    if (!s.blocks || !s.errs) {
        free(s.blocks);
        free(s.errs);
        return ffnn_error_nomem(err);
    }
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.turn, NULL);
    if (slots > 1)
        ffnn_pool_run(pool, slots, run_slot, &s);
    else
        run_slot(&s, 0, 1);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.turn);
    for (int i = 0; i < slots; i++)
        ffnn_csv_block_release(&s.blocks[i]);
    free(s.blocks);
    free(s.errs);
    if (s.st && err)
        *err = s.err;
    return s.st;
}
