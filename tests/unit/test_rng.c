/* rng: known outputs, determinism, distinct streams, ranges, rough
 * uniformity, shuffles. */
#include <stdlib.h>

#include "ffnn/rng.h"
#include "testutil.h"

/* Produced by `/usr/bin/python3 tests/data/kernels/gen_rng.py` (a Python
 * transcription of splitmix64 seeding and xoshiro256**): first four u64. */
static const uint64_t known[2][4] = {
    /* seed 42, purpose 1, index 0 */ {0xd340f0a2b8959bc9ULL, 0x8ec607433a731e38ULL, 0x1dad234d9cb621a2ULL, 0x06a38abb4afe814fULL},
    /* seed 0, purpose 3, index 7 */ {0x700a24567df279f8ULL, 0xb0fbbc0f4b3cb8f7ULL, 0x415eaaa833959508ULL, 0x9f2a1c19c2b01830ULL},
};

START_TEST(test_known_values)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 42, 1, 0);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(ffnn_rng_u64(&r), known[0][i]);
    ffnn_rng_init(&r, 0, 3, 7);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(ffnn_rng_u64(&r), known[1][i]);
}
END_TEST

START_TEST(test_deterministic)
{
    ffnn_rng a, b;
    ffnn_rng_init(&a, 123, FFNN_RNG_SHUFFLE, 5);
    ffnn_rng_init(&b, 123, FFNN_RNG_SHUFFLE, 5);
    for (int i = 0; i < 1000; i++) {
        ck_assert_uint_eq(ffnn_rng_u64(&a), ffnn_rng_u64(&b));
        ck_assert(ffnn_rng_uniform(&a) == ffnn_rng_uniform(&b));
        ck_assert(ffnn_rng_uniformf(&a) == ffnn_rng_uniformf(&b));
        ck_assert(ffnn_rng_normal(&a) == ffnn_rng_normal(&b));
        ck_assert_uint_eq(ffnn_rng_below(&a, 17), ffnn_rng_below(&b, 17));
    }
}
END_TEST

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Neighbouring seeds, purposes and indices give unrelated streams: the first
 * two outputs of all 5·7·20 streams are pairwise distinct. */
START_TEST(test_distinct_streams)
{
    enum { NS = 5, NP = 7, NI = 20, N = NS * NP * NI * 2 };
    uint64_t *v = malloc(N * sizeof *v);
    ck_assert_ptr_nonnull(v);
    int n = 0;
    for (uint64_t s = 0; s < NS; s++)
        for (uint64_t p = 0; p < NP; p++)
            for (uint64_t i = 0; i < NI; i++) {
                ffnn_rng r;
                ffnn_rng_init(&r, s, p, i);
                v[n++] = ffnn_rng_u64(&r);
                v[n++] = ffnn_rng_u64(&r);
            }
    qsort(v, N, sizeof *v, cmp_u64);
    for (int i = 1; i < N; i++)
        ck_assert(v[i] != v[i - 1]);
    free(v);
}
END_TEST

START_TEST(test_uniform_ranges)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 9, FFNN_RNG_SAMPLE, 0);
    double s = 0, sf = 0, sn = 0, sn2 = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double u = ffnn_rng_uniform(&r);
        float f = ffnn_rng_uniformf(&r);
        double z = ffnn_rng_normal(&r);
        ck_assert(u >= 0.0 && u < 1.0);
        ck_assert(f >= 0.0f && f < 1.0f);
        ck_assert(ldexpf(f, 24) == floorf(ldexpf(f, 24))); /* 24 random bits */
        ck_assert(isfinite(z));
        s += u;
        sf += f;
        sn += z;
        sn2 += z * z;
    }
    /* 5 standard errors */
    ck_assert(fabs(s / n - 0.5) < 5 * sqrt(1.0 / 12 / n));
    ck_assert(fabs(sf / n - 0.5) < 5 * sqrt(1.0 / 12 / n));
    ck_assert(fabs(sn / n) < 5 * sqrt(1.0 / n));
    ck_assert(fabs(sn2 / n - 1.0) < 5 * sqrt(2.0 / n));
}
END_TEST

START_TEST(test_below)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 77, FFNN_RNG_SPLIT, 1);
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 1000, (1ULL << 63) + 1, UINT64_MAX};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (int i = 0; i < 2000; i++) {
            uint64_t x = ffnn_rng_below(&r, ns[k]);
            ck_assert(x < ns[k]);
            if (ns[k] == 1)
                ck_assert_uint_eq(x, 0);
        }
    /* chi-square over 10 cells, 9 degrees of freedom: 40 is p ≈ 7e-6 */
    long cnt[10] = {0};
    const int n = 100000;
    for (int i = 0; i < n; i++)
        cnt[ffnn_rng_below(&r, 10)]++;
    double chi2 = 0;
    for (int c = 0; c < 10; c++)
        chi2 += (cnt[c] - n / 10.0) * (cnt[c] - n / 10.0) / (n / 10.0);
    ck_assert_msg(chi2 < 40, "chi2 = %g", chi2);
    /* 2^63 + 1 rejects almost half the draws; results must still cover both halves */
    int high = 0;
    for (int i = 0; i < 1000; i++)
        high += ffnn_rng_below(&r, (1ULL << 63) + 1) >= (1ULL << 62);
    ck_assert(high > 400 && high < 600);
}
END_TEST

START_TEST(test_shuffle)
{
    ffnn_rng r, r2;
    ffnn_rng_init(&r, 5, FFNN_RNG_SHUFFLE, 0);
    int idx[100], idx2[100], seen[100];
    long first_pos[100] = {0};
    for (int rep = 0; rep < 2000; rep++) {
        for (int i = 0; i < 100; i++)
            idx[i] = i;
        ffnn_rng_shuffle(&r, idx, 100);
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < 100; i++) {
            ck_assert(idx[i] >= 0 && idx[i] < 100);
            ck_assert(!seen[idx[i]]);
            seen[idx[i]] = 1;
        }
        first_pos[idx[0]]++;
    }
    /* every value lands first sometimes (expected 20 times each) */
    for (int i = 0; i < 100; i++)
        ck_assert(first_pos[i] > 0);
    /* deterministic for a seed */
    ffnn_rng_init(&r, 5, FFNN_RNG_SHUFFLE, 1);
    ffnn_rng_init(&r2, 5, FFNN_RNG_SHUFFLE, 1);
    for (int i = 0; i < 100; i++)
        idx[i] = idx2[i] = i;
    ffnn_rng_shuffle(&r, idx, 100);
    ffnn_rng_shuffle(&r2, idx2, 100);
    ck_assert(memcmp(idx, idx2, sizeof idx) == 0);
    /* n = 0 and 1 */
    ffnn_rng_shuffle(&r, NULL, 0);
    int one = 42;
    ffnn_rng_shuffle(&r, &one, 1);
    ck_assert_int_eq(one, 42);
}
END_TEST

Suite *rng_suite(void);
Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_known_values);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_distinct_streams);
    tcase_add_test(tc, test_uniform_ranges);
    tcase_add_test(tc, test_below);
    tcase_add_test(tc, test_shuffle);
    suite_add_tcase(s, tc);
    return s;
}
