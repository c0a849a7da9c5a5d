/* pool: every part of a job runs exactly once, whatever the threads and
 * parts (more threads than CPUs, more parts than one job word holds,
 * workers asleep between jobs); parts go to whichever thread asks, so the
 * caller never waits for a worker that has not started: it takes the parts
 * itself. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "ffnn/pool.h"
#include "testutil.h"

static void count_part(void *ctx, int part, int parts)
{
    int *hits = ctx;
    ck_assert(part >= 0 && part < parts);
    __atomic_fetch_add(&hits[part], 1, __ATOMIC_RELAXED);
}

START_TEST(test_pool_runs_each_part_once)
{
    for (int t = 0; t <= 4; t++) {
        ffnn_pool *pool = NULL;
        ffnn_error err;
        if (t > 0)
            ck_assert_int_eq(ffnn_pool_create(&pool, t, &err), FFNN_OK);
        ck_assert_int_eq(ffnn_pool_threads(pool), t > 0 ? t : 1);
        for (int rep = 0; rep < 200; rep++) {
            int parts = rep % 7, hits[7] = {0};
            ffnn_pool_run(pool, parts, count_part, hits);
            for (int p = 0; p < 7; p++)
                ck_assert_int_eq(hits[p], p < parts ? 1 : 0);
        }
        ffnn_pool_destroy(pool);
    }
    ffnn_pool_destroy(NULL);
}
END_TEST


/* Many short jobs on more threads than this machine has CPUs, some after a
 * pause long enough for the workers to have gone to sleep. */
START_TEST(test_pool_oversubscribed_and_asleep)
{
    ffnn_pool *pool;
    ffnn_error err;
    ck_assert_int_eq(ffnn_pool_create(&pool, 8, &err), FFNN_OK);
    int *hits = calloc(64, sizeof *hits);
    for (int rep = 0; rep < 300; rep++) {
        int parts = 2 + rep % 62;
        memset(hits, 0, 64 * sizeof *hits);
        if (rep % 50 == 0) {
            struct timespec ts = {0, 5000000}; /* 5 ms: workers sleep by then */
            nanosleep(&ts, NULL);
        }
        ffnn_pool_run(pool, parts, count_part, hits);
        for (int p = 0; p < 64; p++)
            if (hits[p] != (p < parts ? 1 : 0))
                ck_abort_msg("job %d: part %d ran %d times", rep, p, hits[p]);
    }
    free(hits);
    ffnn_pool_destroy(pool);
}
END_TEST

/* More parts than one job can hold (65535): still each exactly once. */
START_TEST(test_pool_many_parts)
{
    ffnn_pool *pool;
    ffnn_error err;
    ck_assert_int_eq(ffnn_pool_create(&pool, 3, &err), FFNN_OK);
    int n = 70001;
    int *hits = calloc((size_t)n, sizeof *hits);
    ffnn_pool_run(pool, n, count_part, hits);
    for (int p = 0; p < n; p++)
        if (hits[p] != 1)
            ck_abort_msg("part %d ran %d times", p, hits[p]);
    free(hits);
    ffnn_pool_destroy(pool);
}
END_TEST

typedef struct {
    pthread_t caller;
    int parts;
    int by_caller;   /* parts the caller has finished (atomic) */
    int waited_out;  /* a worker's part gave up waiting (atomic) */
} claim_job;

/* A part run by a worker blocks until the caller has run every other part
 * (or 2 s pass): only a pool that lets the caller take any part finishes
 * without giving up. */
static void claim_part(void *ctx, int part, int parts)
{
    (void)part;
    (void)parts;
    claim_job *j = ctx;
    if (pthread_equal(pthread_self(), j->caller)) {
        __atomic_fetch_add(&j->by_caller, 1, __ATOMIC_SEQ_CST);
        return;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (__atomic_load_n(&j->by_caller, __ATOMIC_SEQ_CST) < j->parts - 1) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 2) {
            __atomic_store_n(&j->waited_out, 1, __ATOMIC_SEQ_CST);
            return;
        }
    }
}

START_TEST(test_pool_caller_takes_any_part)
{
    ffnn_pool *pool;
    ffnn_error err;
    ck_assert_int_eq(ffnn_pool_create(&pool, 2, &err), FFNN_OK);
    for (int rep = 0; rep < 20; rep++) {
        claim_job j = {pthread_self(), 4, 0, 0};
        ffnn_pool_run(pool, j.parts, claim_part, &j);
        ck_assert_int_eq(j.waited_out, 0);
    }
    ffnn_pool_destroy(pool);
}
END_TEST

/* The first job of a new pool starts its workers, and they join it even
 * when it is already published by the time they run: part 0 waits for part
 * 1 to run on another thread (a pool whose worker sat out the first job ran
 * it on the caller alone, after part 0 gave up; ffnn_csv_run's one long job
 * then used one core). */
typedef struct {
    int started1;
    int waited_out;
} meet_job;

static void meet_part(void *ctx, int part, int nparts)
{
    (void)nparts;
    meet_job *j = ctx;
    if (part == 1) {
        __atomic_store_n(&j->started1, 1, __ATOMIC_SEQ_CST);
        return;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!__atomic_load_n(&j->started1, __ATOMIC_SEQ_CST)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 10) {
            __atomic_store_n(&j->waited_out, 1, __ATOMIC_SEQ_CST);
            return;
        }
    }
}

START_TEST(test_pool_first_job_has_the_workers)
{
    for (int rep = 0; rep < 5; rep++) {
        ffnn_pool *pool;
        ffnn_error err;
        ck_assert_int_eq(ffnn_pool_create(&pool, 2, &err), FFNN_OK);
        meet_job j = {0, 0};
        ffnn_pool_run(pool, 2, meet_part, &j);
        ck_assert_int_eq(j.waited_out, 0);
        ffnn_pool_destroy(pool);
    }
}
END_TEST

Suite *pool_suite(void);
Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pool_runs_each_part_once);
    tcase_add_test(tc, test_pool_oversubscribed_and_asleep);
    tcase_add_test(tc, test_pool_many_parts);
    tcase_add_test(tc, test_pool_caller_takes_any_part);
    tcase_add_test(tc, test_pool_first_job_has_the_workers);
    suite_add_tcase(s, tc);
    return s;
}
