/* pool: every part of a job runs exactly once, whatever the threads and
 * parts. */
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

Suite *pool_suite(void);
Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pool_runs_each_part_once);
    suite_add_tcase(s, tc);
    return s;
}
