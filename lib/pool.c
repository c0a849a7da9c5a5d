/* ffnn — a small fixed thread pool (see pool.h).
 *
 * A job is published by bumping a generation counter; workers spin on it for
 * a short while (a training step runs a few jobs per millisecond, and a
 * futex wake-up costs about as much as a small job) and then sleep on a
 * condition variable.  The caller likewise spins, then sleeps, until every
 * worker has finished its parts.
 */
#include "ffnn/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

/* How long an idle thread polls before it sleeps, and after how long polling
 * yields the CPU between polls (so more threads than CPUs still progress). */
#define WORKER_SPIN_NS 300000L
#define CALLER_SPIN_NS 2000000L
#define YIELD_AFTER_NS 20000L

struct ffnn_pool {
    int threads;                 /* including the caller */
    int started;                 /* workers running */
    int tried;                   /* start_workers has run */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t wake;         /* workers: a new generation */
    pthread_cond_t done;         /* caller: pending reached 0 */
    atomic_uint gen;             /* job generation */
    atomic_int pending;          /* workers still in the current job */
    ffnn_pool_fn fn;             /* current job, written before gen is bumped */
    void *ctx;
    int nparts;
    int stop;
};

typedef struct {
    ffnn_pool *pool;
    int id;                      /* 1..threads-1 */
} worker_arg;

static void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* One poll interval of a thread that has been waiting since t0; returns 0
 * once it has waited limit_ns (time to sleep instead). */
static int keep_polling(const struct timespec *t0, int i, long limit_ns, int *yielding)
{
    if (*yielding)
        sched_yield();
    else
        cpu_relax();
    if (i % 64 == 0) {
        long ns = elapsed_ns(t0);
        if (ns > YIELD_AFTER_NS)
            *yielding = 1;
        if (ns > limit_ns)
            return 0;
    }
    return 1;
}

/* Polls for a generation other than seen for up to WORKER_SPIN_NS, then
 * sleeps for it.  Returns the new generation. */
static unsigned wait_generation(ffnn_pool *p, unsigned seen)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int yielding = 0;
    for (int i = 1;; i++) {
        unsigned g = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (g != seen)
            return g;
        if (!keep_polling(&t0, i, WORKER_SPIN_NS, &yielding))
            break;
    }
    unsigned g;
    pthread_mutex_lock(&p->mu);
    while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen)
        pthread_cond_wait(&p->wake, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return g;
}

static void *worker_main(void *arg)
{
    worker_arg *w = arg;
    ffnn_pool *p = w->pool;
    int id = w->id;
    unsigned seen = 0;
    free(w);
    for (;;) {
        seen = wait_generation(p, seen);
        if (p->stop)
            return NULL;
        for (int part = id; part < p->nparts; part += p->started + 1)
            p->fn(p->ctx, part, p->nparts);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

/* Publishes the current job (or stop) to the workers. */
static void publish(ffnn_pool *p)
{
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1u, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

static void stop_workers(ffnn_pool *p)
{
    if (p->started == 0)
        return;
    p->stop = 1;
    publish(p);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->tid[i], NULL);
    p->started = 0;
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
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->gen, 0u);
    atomic_init(&p->pending, 0);
    *out = p;
    return FFNN_OK;
}

/* Starts the workers on the first parallel job, so a pool that only ever
 * sees small jobs costs no threads.  If a thread cannot be started the pool
 * keeps the ones it has (or none): parts are only ever spread over running
 * threads, and the results do not depend on how many there are. */
static void start_workers(ffnn_pool *p)
{
    p->tried = 1;
    while (p->started < p->threads - 1) {
        worker_arg *w = malloc(sizeof *w);
        if (!w)
            break;
        w->pool = p;
        w->id = p->started + 1;
        if (pthread_create(&p->tid[p->started], NULL, worker_main, w) != 0) {
            free(w);
            break;
        }
        p->started++;
    }
}

void ffnn_pool_destroy(ffnn_pool *p)
{
    if (!p)
        return;
    stop_workers(p);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->tid);
    free(p);
}

int ffnn_pool_threads(const ffnn_pool *p)
{
    return p ? p->threads : 1;
}

void ffnn_pool_run(ffnn_pool *p, int nparts, ffnn_pool_fn fn, void *ctx)
{
    if (p && p->threads > 1 && nparts > 1 && !p->tried)
        start_workers(p);
    if (!p || p->started == 0 || nparts <= 1) {
        for (int part = 0; part < nparts; part++)
            fn(ctx, part, nparts);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->nparts = nparts;
    atomic_store_explicit(&p->pending, p->started, memory_order_relaxed);
    publish(p);
    for (int part = 0; part < nparts; part += p->started + 1)
        fn(ctx, part, nparts);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int yielding = 0;
    for (int i = 1; atomic_load_explicit(&p->pending, memory_order_acquire) != 0; i++) {
        if (!keep_polling(&t0, i, CALLER_SPIN_NS, &yielding)) {
            pthread_mutex_lock(&p->mu);
            while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
                pthread_cond_wait(&p->done, &p->mu);
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
}
