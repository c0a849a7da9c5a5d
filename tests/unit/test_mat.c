/* mat: tuned kernels equal the naive references over many shapes (edge sizes,
 * odd sizes, non-multiples of the tile sizes), bitwise determinism, and hand
 * values; bitwise: fused relu / mask / gate = the composed references, and
 * any split of rows between 1-3 pool threads = the whole call; the pool runs
 * each part once. */
#include <stdlib.h>

#include "ffnn/mat.h"
#include "ffnn/pool.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* Relative tolerance of tuned vs reference (the order of each sum may differ). */
#define REL 1e-5

static float *rand_buf(ffnn_rng *r, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(2.0 * ffnn_rng_uniform(r) - 1.0);
    return p;
}

/* |a − b| <= REL·scale, scale = Σ|terms| bounds the rounding of any order. */
static void assert_near(const float *got, const float *want, const float *scale, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabsf(got[i] - want[i]) <= REL * (scale[i] + 1e-30f),
                      "element %zu: %.9g vs %.9g (scale %g)", i, got[i], want[i], scale[i]);
}

/* A shape size: mostly small and edge values, sometimes up to 300. */
static int pick(ffnn_rng *r)
{
    static const int edge[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 255, 257};
    if (ffnn_rng_below(r, 3))
        return edge[ffnn_rng_below(r, (sizeof edge / sizeof edge[0]))];
    return 1 + (int)ffnn_rng_below(r, 300);
}

/* Runs the three kernels and their references on one shape; checks tolerance
 * and that a second tuned run is bitwise identical. */
static void check_shape(ffnn_rng *r, int B, int I, int O)
{
    size_t nx = (size_t)B * I, nw = (size_t)O * I, nz = (size_t)B * O;
    float *X = rand_buf(r, nx), *W = rand_buf(r, nw), *b = rand_buf(r, (size_t)O);
    float *dZ = rand_buf(r, nz), *dW0 = rand_buf(r, nw), *db0 = rand_buf(r, (size_t)O);
    float *Z1 = malloc(nz * 4 + 4), *Z2 = malloc(nz * 4 + 4), *Zr = malloc(nz * 4 + 4);
    float *dX1 = malloc(nx * 4 + 4), *dX2 = malloc(nx * 4 + 4), *dXr = malloc(nx * 4 + 4);
    float *dW1 = malloc(nw * 4 + 4), *dW2 = malloc(nw * 4 + 4), *dWr = malloc(nw * 4 + 4);
    float *db1 = malloc((size_t)O * 4), *db2 = malloc((size_t)O * 4), *dbr = malloc((size_t)O * 4);
    float *sc = calloc(nx + nw + nz + 1, sizeof(float));
    float *scb = calloc((size_t)O, sizeof(float));

    int use_b = (B + I + O) % 2;
    ffnn_mat_xwt(Z1, X, W, use_b ? b : NULL, B, I, O);
    ffnn_mat_xwt(Z2, X, W, use_b ? b : NULL, B, I, O);
    ffnn_mat_xwt_ref(Zr, X, W, use_b ? b : NULL, B, I, O);
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            double s = use_b ? fabsf(b[o]) : 0;
            for (int k = 0; k < I; k++)
                s += fabsf(X[(size_t)i * I + k] * W[(size_t)o * I + k]);
            sc[(size_t)i * O + o] = (float)s;
        }
    assert_near(Z1, Zr, sc, nz);
    ck_assert(memcmp(Z1, Z2, nz * sizeof(float)) == 0);

    ffnn_mat_dzw(dX1, dZ, W, B, O, I);
    ffnn_mat_dzw(dX2, dZ, W, B, O, I);
    ffnn_mat_dzw_ref(dXr, dZ, W, B, O, I);
    for (int i = 0; i < B; i++)
        for (int k = 0; k < I; k++) {
            double s = 0;
            for (int o = 0; o < O; o++)
                s += fabsf(dZ[(size_t)i * O + o] * W[(size_t)o * I + k]);
            sc[(size_t)i * I + k] = (float)s;
        }
    assert_near(dX1, dXr, sc, nx);
    ck_assert(memcmp(dX1, dX2, nx * sizeof(float)) == 0);

    /* dW and db accumulate onto existing values */
    memcpy(dW1, dW0, nw * 4);
    memcpy(dW2, dW0, nw * 4);
    memcpy(dWr, dW0, nw * 4);
    memcpy(db1, db0, (size_t)O * 4);
    memcpy(db2, db0, (size_t)O * 4);
    memcpy(dbr, db0, (size_t)O * 4);
    int use_db = (B * 3 + I + O) % 2;
    ffnn_mat_dw(dW1, use_db ? db1 : NULL, dZ, X, B, O, I);
    ffnn_mat_dw(dW2, use_db ? db2 : NULL, dZ, X, B, O, I);
    ffnn_mat_dw_ref(dWr, use_db ? dbr : NULL, dZ, X, B, O, I);
    for (int o = 0; o < O; o++) {
        double sb = fabsf(db0[o]);
        for (int k = 0; k < I; k++) {
            double s = fabsf(dW0[(size_t)o * I + k]);
            for (int i = 0; i < B; i++)
                s += fabsf(dZ[(size_t)i * O + o] * X[(size_t)i * I + k]);
            sc[(size_t)o * I + k] = (float)s;
        }
        for (int i = 0; i < B; i++)
            sb += fabsf(dZ[(size_t)i * O + o]);
        scb[o] = (float)sb;
    }
    assert_near(dW1, dWr, sc, nw);
    ck_assert(memcmp(dW1, dW2, nw * sizeof(float)) == 0);
    if (use_db) {
        assert_near(db1, dbr, scb, (size_t)O);
        ck_assert(memcmp(db1, db2, (size_t)O * sizeof(float)) == 0);
    } else {
        ck_assert(memcmp(db1, db0, (size_t)O * sizeof(float)) == 0);
    }

    free(X); free(W); free(b); free(dZ); free(dW0); free(db0);
    free(Z1); free(Z2); free(Zr); free(dX1); free(dX2); free(dXr);
    free(dW1); free(dW2); free(dWr); free(db1); free(db2); free(dbr);
    free(sc); free(scb);
}

START_TEST(test_random_shapes)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 20240611, 99, 0);
    for (int t = 0; t < 150; t++)
        check_shape(&r, pick(&r), pick(&r), pick(&r));
}
END_TEST

/* The shapes training uses most, and the tiny iris one. */
START_TEST(test_typical_shapes)
{
    static const int shapes[][3] = {
        {100, 4, 16}, {100, 16, 3}, {32, 4, 16}, {32, 16, 3}, {32, 64, 64}, {256, 512, 512},
        {256, 300, 1}, {1, 1, 1}, {1, 513, 1}, {257, 1, 513}, {8, 16, 16}, {33, 17, 15},
    };
    ffnn_rng r;
    ffnn_rng_init(&r, 7, 99, 1);
    for (size_t i = 0; i < (sizeof shapes / sizeof shapes[0]); i++)
        check_shape(&r, shapes[i][0], shapes[i][1], shapes[i][2]);
}
END_TEST

/* Long reductions cross the packing block of W (KC = 256) several times. */
START_TEST(test_deep_reduction)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 11, 99, 2);
    check_shape(&r, 9, 1000, 21);
    check_shape(&r, 700, 5, 3);
}
END_TEST

/* Small products by hand. */
START_TEST(test_hand_values)
{
    /* X (2,3), W (2,3), b (2) */
    const float X[6] = {1, 2, 3, 4, 5, 6}, W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[2] = {10, 20};
    float Z[4], Zr[4];
    ffnn_mat_xwt(Z, X, W, b, 2, 3, 2);
    ffnn_mat_xwt_ref(Zr, X, W, b, 2, 3, 2);
    const float Zw[4] = {1 - 3 + 10, 3 + 20, 4 - 6 + 10, 7.5f + 20};
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq(Z[i], Zw[i]);
        ck_assert_float_eq(Zr[i], Zw[i]);
    }
    /* dZ (2,2): dX = dZ·W (2,3); dW += dZᵀ·X; db += Σ dZ */
    const float dZ[4] = {1, 2, 3, 4};
    float dX[6], dW[6] = {0}, db[2] = {1, 1};
    ffnn_mat_dzw(dX, dZ, W, 2, 2, 3);
    const float dXw[6] = {1 + 1, 0 + 1, -1 + 1, 3 + 2, 0 + 2, -3 + 2};
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(dX[i], dXw[i]);
    ffnn_mat_dw(dW, db, dZ, X, 2, 2, 3);
    const float dWw[6] = {1 + 12, 2 + 15, 3 + 18, 2 + 16, 4 + 20, 6 + 24};
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(dW[i], dWw[i]);
    ck_assert_float_eq(db[0], 1 + 4);
    ck_assert_float_eq(db[1], 1 + 6);
}
END_TEST

/* Degenerate sizes: I = 0 gives the bias; B = 0 touches no output (arrays
 * of zero elements may be NULL). */
START_TEST(test_empty)
{
    const float b[3] = {1, 2, 3};
    float Z[6] = {9, 9, 9, 9, 9, 9}, dW[3] = {5, 5, 5}, db[3] = {7, 7, 7};
    ffnn_mat_xwt(Z, NULL, NULL, b, 2, 0, 3);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(Z[i], b[i % 3]);
    ffnn_mat_dw(dW, db, NULL, NULL, 0, 3, 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_float_eq(dW[i], 5);
        ck_assert_float_eq(db[i], 7);
    }
    const float W[9] = {0};
    ffnn_mat_dzw(NULL, NULL, W, 0, 3, 3);
    ffnn_mat_xwt(NULL, NULL, W, NULL, 0, 3, 3);
}
END_TEST

/* ---- bitwise: tuned = reference, fused = composed, any split = whole ---- */

static void assert_same(const float *got, const float *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(memcmp(&got[i], &want[i], sizeof(float)) == 0,
                      "%s: element %zu: %.9g vs %.9g", what, i, got[i], want[i]);
}

/* Random values with some exact zeros and negative zeros (the relu gate and
 * 0 + x must treat them as the reference does). */
static float *rand_buf0(ffnn_rng *r, size_t n)
{
    float *p = rand_buf(r, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ffnn_rng_below(r, 16);
        if (k == 0)
            p[i] = 0.0f;
        else if (k == 1)
            p[i] = -0.0f;
    }
    return p;
}

typedef struct {
    float *Z, *A, *dX, *dW, *db;
    const float *X, *W, *Wp, *b, *dZ, *mask, *gate;
    int B, I, O;
} split_job;

/* Part of a kernel call split as model.c splits it: rows of X / dZ for
 * xwt and dzw, output rows of dW. */
static void range(int n, int part, int parts, int *lo, int *hi)
{
    int chunk = (n + parts - 1) / parts;
    *lo = part * chunk < n ? part * chunk : n;
    *hi = *lo + chunk < n ? *lo + chunk : n;
}

static void split_part(void *ctx, int part, int parts)
{
    const split_job *j = ctx;
    int r0, r1, o0, o1;
    range(j->B, part, parts, &r0, &r1);
    range(j->O, part, parts, &o0, &o1);
    size_t zo = (size_t)r0 * j->O, xo = (size_t)r0 * j->I;
    ffnn_mat_xwt_packed(j->Z + zo, j->A + zo, j->X + xo, j->Wp, j->b, r1 - r0, j->I, j->O);
    ffnn_mat_dzw_gated(j->dX + xo, j->dZ + zo, j->W, j->mask ? j->mask + xo : NULL,
                       j->gate ? j->gate + xo : NULL, r1 - r0, j->O, j->I);
    ffnn_mat_dw_rows(j->dW, j->db, j->dZ, j->X, j->B, j->O, j->I, o0, o1, false);
}

static void check_bitwise(ffnn_rng *r, int B, int I, int O)
{
    size_t nx = (size_t)B * I, nw = (size_t)O * I, nz = (size_t)B * O;
    float *X = rand_buf0(r, nx), *W = rand_buf0(r, nw), *b = rand_buf0(r, (size_t)O);
    float *dZ = rand_buf0(r, nz), *mask = rand_buf0(r, nx), *gate = rand_buf0(r, nx);
    float *Wp = malloc(ffnn_mat_packed_size(I, O) * sizeof(float) + 4);
    float *Zr = malloc(nz * 4 + 4), *Ar = malloc(nz * 4 + 4), *dXr = malloc(nx * 4 + 4);
    float *dWr = calloc(nw + 1, 4), *dbr = calloc((size_t)O + 1, 4);
    float *Z = malloc(nz * 4 + 4), *A = malloc(nz * 4 + 4), *dX = malloc(nx * 4 + 4);
    float *dW = malloc(nw * 4 + 4), *db = malloc((size_t)O * 4 + 4);

    /* references: the _ref kernels composed with the activation code's relu */
    int use_mask = (B + O) % 2, use_gate = (I + O) % 3 != 0;
    ffnn_mat_xwt_ref(Zr, X, W, b, B, I, O);
    for (size_t i = 0; i < nz; i++)
        Ar[i] = Zr[i] > 0.0f ? Zr[i] : 0.0f;
    ffnn_mat_dzw_ref(dXr, dZ, W, B, O, I);
    for (size_t i = 0; i < nx; i++) {
        if (use_mask)
            dXr[i] *= mask[i];
        if (use_gate)
            dXr[i] = gate[i] > 0.0f ? dXr[i] : 0.0f;
    }
    ffnn_mat_dw_ref(dWr, dbr, dZ, X, B, O, I);

    /* the plain tuned kernels */
    ffnn_mat_xwt(Z, X, W, b, B, I, O);
    assert_same(Z, Zr, nz, "xwt");
    ffnn_mat_dzw(dX, dZ, W, B, O, I);
    float *dXp = malloc(nx * 4 + 4);
    ffnn_mat_dzw_ref(dXp, dZ, W, B, O, I);
    assert_same(dX, dXp, nx, "dzw");
    free(dXp);
    for (size_t i = 0; i < nw; i++)
        dW[i] = 0.0f;
    for (int o = 0; o < O; o++)
        db[o] = 0.0f;
    ffnn_mat_dw(dW, db, dZ, X, B, O, I);
    assert_same(dW, dWr, nw, "dw");
    assert_same(db, dbr, (size_t)O, "db");

    /* packing in two ranges = packing at once */
    int np = ffnn_mat_panels(O);
    ffnn_mat_pack(Wp, W, I, O, 0, np / 2);
    ffnn_mat_pack(Wp, W, I, O, np / 2, np);

    /* fused and split variants, 1, 2 and 3 parts on pools of 1..3 threads */
    for (int t = 1; t <= 3; t++) {
        ffnn_pool *pool;
        ffnn_error err;
        ck_assert_int_eq(ffnn_pool_create(&pool, t, &err), FFNN_OK);
        for (int parts = 1; parts <= 3; parts++) {
            memset(Z, 0xff, nz * 4);
            memset(A, 0xff, nz * 4);
            memset(dX, 0xff, nx * 4);
            memset(dW, 0xff, nw * 4);
            memset(db, 0xff, (size_t)O * 4);
            split_job j = {Z, A, dX, dW, db, X, W, Wp, b, dZ, use_mask ? mask : NULL,
                           use_gate ? gate : NULL, B, I, O};
            ffnn_pool_run(pool, parts, split_part, &j);
            assert_same(Z, Zr, nz, "xwt_packed Z");
            assert_same(A, Ar, nz, "xwt_packed relu");
            assert_same(dX, dXr, nx, "dzw_gated");
            assert_same(dW, dWr, nw, "dw_rows");
            assert_same(db, dbr, (size_t)O, "dw_rows db");
        }
        ffnn_pool_destroy(pool);
    }
    free(X); free(W); free(b); free(dZ); free(mask); free(gate); free(Wp);
    free(Zr); free(Ar); free(dXr); free(dWr); free(dbr);
    free(Z); free(A); free(dX); free(dW); free(db);
}

/* Every tuned kernel gives the reference's bits, and splitting the rows (or
 * dW's output rows) between threads changes nothing, over edge shapes. */
START_TEST(test_bitwise_and_splits)
{
    static const int shapes[][3] = {
        {128, 64, 256}, {128, 256, 10}, {100, 4, 16}, {100, 16, 3}, {37, 30, 17},
        {9, 300, 33}, {1, 1, 1}, {3, 8, 12}, {64, 13, 5}, {17, 257, 2},
        /* past the copied strips' row limits (read in place instead) */
        {300, 40, 20}, {24, 48, 600}, {600, 17, 9},
    };
    ffnn_rng r;
    ffnn_rng_init(&r, 31, 99, 3);
    for (size_t i = 0; i < (sizeof shapes / sizeof shapes[0]); i++)
        check_bitwise(&r, shapes[i][0], shapes[i][1], shapes[i][2]);
    for (int t = 0; t < 30; t++)
        check_bitwise(&r, pick(&r), pick(&r), pick(&r));
}
END_TEST

/* A pool runs every part exactly once, whatever the threads and parts. */
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

Suite *mat_suite(void);
Suite *mat_suite(void)
{
    Suite *s = suite_create("mat");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_shapes);
    tcase_add_test(tc, test_typical_shapes);
    tcase_add_test(tc, test_deep_reduction);
    tcase_add_test(tc, test_hand_values);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bitwise_and_splits);
    tcase_add_test(tc, test_pool_runs_each_part_once);
    suite_add_tcase(s, tc);
    return s;
}
