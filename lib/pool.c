/* ffnn — a small thread pool (see pool.h).
 *
 * A job's parts are claimed one at a time from a shared counter, by the
 * caller and by whichever workers are awake, so no thread ever waits for
 * another to start: on a machine whose other cores are busy (a cron job, a
 * second training), a worker the scheduler has not run yet simply claims
 * nothing and the caller does the parts itself.  The caller waits only for
 * parts already running.  The claim counter lives in one 64-bit word with the
 * job's generation and part count, so a late worker can never claim a part
 * of a finished job.
 *
 * Idle threads poll briefly (a training step runs jobs back to back, and a
 * wake-up through the kernel costs about as much as a small part), yielding
 * the CPU between polls so a busy machine loses nothing, and go to sleep as
 * soon as polling stops paying: after POLL_NS, or at once when the scheduler
 * has just kept them off the CPU for a while (the machine is busy).
 */
#include "ffnn/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

#define SPIN_NS 3000L      /* polls without yielding, then yield between polls */
#define POLL_NS 100000L    /* then sleep */
#define PREEMPTED_NS 30000L /* one poll this long: the thread was descheduled */
#define LATE_NS 100000L    /* a caller's wait past 2 × its own share + this: late */
#define BACKOFF_MAX 8      /* at most 2^8 jobs on the caller alone after late ones */

/* The job word: generation (32 bits) | parts (16) | next part to claim (16). */
#define PARTS_MAX 0xffff
#define JOB(gen, parts, next) (((uint64_t)(gen) << 32) | ((uint64_t)(parts) << 16) | (uint64_t)(next))
#define JOB_GEN(w) ((uint32_t)((w) >> 32))
#define JOB_PARTS(w) ((int)(((w) >> 16) & 0xffff))
#define JOB_NEXT(w) ((int)((w) & 0xffff))

struct ffnn_pool {
    int threads;             /* including the caller */
    int started;             /* workers running */
    int tried;               /* start_workers has run */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* workers: a new generation (or stop) */
    pthread_cond_t done_cv;  /* caller: every part of the job finished */
    _Atomic uint64_t job;
    atomic_int done;         /* parts of the current job finished */
    atomic_int sleepers;     /* workers waiting on wake */
    atomic_int caller_sleeps;
    atomic_int stop;
    uint32_t gen;            /* caller's: the current job's generation */
    uint32_t start_gen;      /* the last generation published before the
                                workers started: the first they may join */
    int level, backoff;      /* caller's: see ffnn_pool_run */
    ffnn_pool_fn fn;         /* the current job, written before it is published */
    void *ctx;
};

static void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Polling state of one waiting thread. */
typedef struct {
    long t0, last;
} poller;

static void poll_start(poller *w)
{
    w->t0 = w->last = now_ns();
}

/* One poll interval; 0 when it is time to sleep instead. */
static int poll_again(poller *w, int i)
{
    if (i < 64) {
        cpu_relax();
        return 1;
    }
    long t = now_ns();
    if (t - w->last > PREEMPTED_NS || t - w->t0 > POLL_NS)
        return 0;
    if (t - w->t0 > SPIN_NS)
        sched_yield();
    else
        cpu_relax();
    w->last = now_ns();
    return 1;
}

/* Claims and runs parts of job generation gen until none is left.  Returns
 * the number of parts this thread ran. */
static int run_parts(ffnn_pool *p, uint32_t gen)
{
    int ran = 0;
    uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
    while (JOB_GEN(w) == gen && JOB_NEXT(w) < JOB_PARTS(w)) {
        if (!atomic_compare_exchange_weak_explicit(&p->job, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        /* The job cannot finish before this part does, so fn and ctx stay. */
        int parts = JOB_PARTS(w);
        p->fn(p->ctx, JOB_NEXT(w), parts);
        ran++;
        if (atomic_fetch_add(&p->done, 1) + 1 == parts && atomic_load(&p->caller_sleeps)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done_cv);
            pthread_mutex_unlock(&p->mu);
        }
        w = atomic_load_explicit(&p->job, memory_order_acquire);
    }
    return ran;
}

/* Waits for a generation other than seen (or stop); returns the job word. */
static uint64_t wait_job(ffnn_pool *p, uint32_t seen)
{
    poller pl;
    poll_start(&pl);
    for (int i = 0;; i++) {
        uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
        if (JOB_GEN(w) != seen || atomic_load_explicit(&p->stop, memory_order_relaxed))
            return w;
        if (!poll_again(&pl, i))
            break;
    }
    uint64_t w;
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (JOB_GEN(w = atomic_load(&p->job)) == seen && !atomic_load(&p->stop))
        pthread_cond_wait(&p->wake, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return w;
}

static void *worker_main(void *arg)
{
    ffnn_pool *p = arg;
    /* Not the job word's generation now: the job that started the workers
     * may be published already, and a worker that took it as seen would sit
     * out the whole of it (one long job, as ffnn_csv_run's, then ran on the
     * caller alone). */
    uint32_t seen = p->start_gen;
    for (;;) {
        uint64_t w = wait_job(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        seen = JOB_GEN(w);
        run_parts(p, seen);
    }
}

ffnn_status ffnn_pool_create(ffnn_pool **out, int threads, ffnn_error *err)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    if (threads > FFNN_POOL_MAX)
        threads = FFNN_POOL_MAX;
    ffnn_pool *p = ffnn_calloc(1, sizeof *p);
    if (!p)
        return ffnn_error_nomem(err);
    p->threads = threads;
    p->tid = ffnn_calloc((size_t)threads, sizeof *p->tid);
    if (!p->tid) {
        free(p);
        return ffnn_error_nomem(err);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    atomic_init(&p->job, JOB(0, 0, 0));
    atomic_init(&p->done, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->caller_sleeps, 0);
    atomic_init(&p->stop, 0);
    *out = p;
    return FFNN_OK;
}

/* Starts the workers on the first parallel job, so a pool that only ever
 * sees small jobs costs no threads.  If a thread cannot be started the pool
 * keeps the ones it has (or none): results never depend on which thread runs
 * a part. */
static void start_workers(ffnn_pool *p)
{
    p->tried = 1;
    p->start_gen = p->gen;
    while (p->started < p->threads - 1) {
        if (pthread_create(&p->tid[p->started], NULL, worker_main, p) != 0)
            break;
        p->started++;
    }
}

/* Wakes every sleeping worker (after a new job or stop was published). */
static void wake_workers(ffnn_pool *p)
{
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
}

void ffnn_pool_destroy(ffnn_pool *p)
{
    if (!p)
        return;
    if (p->started > 0) {
        atomic_store(&p->stop, 1);
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->started; i++)
            pthread_join(p->tid[i], NULL);
    }
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->tid);
    free(p);
}

int ffnn_pool_threads(const ffnn_pool *p)
{
    return p ? p->threads : 1;
}

/* One job of at most PARTS_MAX parts: publish, take parts, wait for the
 * ones other threads are running.  Returns 1 when the wait was long against
 * the caller's own share (the other threads were late: off the CPU). */
static int run_job(ffnn_pool *p, int nparts, ffnn_pool_fn fn, void *ctx)
{
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint32_t gen = ++p->gen;
    long t0 = now_ns();
    atomic_store(&p->job, JOB(gen, nparts, 0));
    wake_workers(p);
    run_parts(p, gen);
    if (atomic_load_explicit(&p->done, memory_order_acquire) == nparts)
        return 0;
    poller pl;
    poll_start(&pl);
    long own = pl.t0 - t0;
    for (int i = 0; atomic_load_explicit(&p->done, memory_order_acquire) != nparts; i++)
        if (!poll_again(&pl, i)) {
            pthread_mutex_lock(&p->mu);
            atomic_store(&p->caller_sleeps, 1);
            while (atomic_load(&p->done) != nparts)
                pthread_cond_wait(&p->done_cv, &p->mu);
            atomic_store(&p->caller_sleeps, 0);
            pthread_mutex_unlock(&p->mu);
            break;
        }
    return now_ns() - pl.t0 > 2 * own + LATE_NS;
}

typedef struct {
    ffnn_pool_fn fn;
    void *ctx;
    int base, total;
} chunk;

static void chunk_part(void *ctx, int part, int nparts)
{
    (void)nparts;
    const chunk *c = ctx;
    c->fn(c->ctx, c->base + part, c->total);
}

/* The parts of one job, in order, on this thread. */
static void run_inline(int nparts, ffnn_pool_fn fn, void *ctx)
{
    for (int part = 0; part < nparts; part++)
        fn(ctx, part, nparts);
}

/* Backing off: a job whose caller waited long for late threads (the machine
 * is busy: they were off the CPU) is followed by 2^level jobs run on the
 * caller alone, level growing with each late job in a row (up to
 * BACKOFF_MAX) and reset by an on-time one.  So a busy machine costs about
 * what it costs one thread, and an idle one keeps every thread busy. */
void ffnn_pool_run(ffnn_pool *p, int nparts, ffnn_pool_fn fn, void *ctx)
{
    if (p && p->threads > 1 && nparts > 1 && !p->tried)
        start_workers(p);
    if (!p || p->started == 0 || nparts <= 1) {
        run_inline(nparts, fn, ctx);
        return;
    }
    if (p->backoff > 0) {
        p->backoff--;
        run_inline(nparts, fn, ctx);
        return;
    }
    int late = 0;
    if (nparts <= PARTS_MAX) {
        late = run_job(p, nparts, fn, ctx);
    } else {
        for (int base = 0; base < nparts; base += PARTS_MAX) {
            chunk c = {fn, ctx, base, nparts};
            late |= run_job(p, nparts - base < PARTS_MAX ? nparts - base : PARTS_MAX, chunk_part, &c);
        }
    }
    if (late) {
        if (p->level < BACKOFF_MAX)
            p->level++;
        p->backoff = 1 << p->level;
    } else {
        p->level = 0;
    }
}
