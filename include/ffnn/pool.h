/* ffnn — a small pool of worker threads (pthreads).
 *
 * ffnn_pool_run(pool, n, fn, ctx) calls fn(ctx, part, n) once for every part
 * in 0..n-1 and returns when all have returned; the calling thread takes
 * parts too.  Parts are handed out one at a time to whichever thread asks
 * first, so which thread runs which part is not fixed: each part writes its
 * own outputs, and results never depend on the number of threads or on the
 * scheduler.  No thread waits for another to start, only for parts already
 * running, and idle threads yield the CPU, so a busy machine slows a job
 * down no more than it slows one thread.  One pool serves one caller at a
 * time; it is not re-entrant (fn must not call ffnn_pool_run on the same
 * pool).
 */
#ifndef FFNN_POOL_H
#define FFNN_POOL_H

#include "ffnn/error.h"

typedef struct ffnn_pool ffnn_pool;

/* One part of a parallel job: part in 0..nparts-1. */
typedef void (*ffnn_pool_fn)(void *ctx, int part, int nparts);

/* A pool of threads-1 workers plus the caller (threads is clamped to
 * 1..FFNN_POOL_MAX).  Workers start on the first job with more than one
 * part, so a pool that only sees small jobs costs no threads; if the system
 * refuses a thread the pool runs with those it got (the results do not
 * change).  FFNN_ENOMEM when out of memory. */
ffnn_status ffnn_pool_create(ffnn_pool **out, int threads, ffnn_error *err);
/* Stops and joins the workers; accepts NULL. */
void ffnn_pool_destroy(ffnn_pool *pool);
/* Threads including the caller's (1 for a NULL pool). */
int ffnn_pool_threads(const ffnn_pool *pool);
/* Runs fn for parts 0..nparts-1 and waits for all of them.  A NULL pool, or
 * nparts <= 1, runs every part on the calling thread in order. */
void ffnn_pool_run(ffnn_pool *pool, int nparts, ffnn_pool_fn fn, void *ctx);

#define FFNN_POOL_MAX 256

#endif
