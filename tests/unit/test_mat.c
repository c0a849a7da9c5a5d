/* mat: the references are the products (checked against double sums and by
 * hand, including a case only a fused multiply-add gets right); the tuned
 * kernels give the references' bits over many shapes (edges: sizes that are
 * not multiples of the tiles, 1 row, 1 unit, reductions past the blocks,
 * wide layers), on every CPU variant this machine has; fused relu / mask /
 * gate = the composed references; any split of rows or columns between
 * threads = the whole call. */
#include <stdlib.h>

#include "ffnn/mat.h"
#include "ffnn/pool.h"
#include "ffnn/rng.h"
#include "testutil.h"

#include "../../lib/mat_internal.h"

static float *rand_buf(ffnn_rng *r, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(2.0 * ffnn_rng_uniform(r) - 1.0);
    return p;
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

static float *alloc_f(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* (Check records a location on every passing ck_assert, through a file:
 * the element loops below assert only on failure.) */
static void assert_same(const float *got, const float *want, size_t n, const char *what)
{
    if (memcmp(got, want, n * sizeof *got) == 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            ck_abort_msg("%s: element %zu: %.9g vs %.9g", what, i, got[i], want[i]);
}

/* |got − sum| <= 1e-5·Σ|terms|: a chain of roundings stays that close to
 * the exact sum (computed in double). */
static void assert_near_sum(float got, double sum, double scale, const char *what, size_t at)
{
    if (!(fabs((double)got - sum) <= 1e-5 * scale + 1e-30))
        ck_abort_msg("%s: element %zu: %.9g vs %.9g", what, at, got, sum);
}

/* A shape size: mostly small and edge values, sometimes up to 300. */
static int pick(ffnn_rng *r)
{
    static const int edge[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 31, 32, 33, 63, 65,
                               127, 129, 143, 145, 255, 257};
    if (ffnn_rng_below(r, 3))
        return edge[ffnn_rng_below(r, (sizeof edge / sizeof edge[0]))];
    return 1 + (int)ffnn_rng_below(r, 300);
}

/* The references against double sums, and the tuned entry points against
 * the references, bitwise, on one shape. */
static void check_shape(ffnn_rng *r, int B, int I, int O)
{
    size_t nx = (size_t)B * I, nw = (size_t)O * I, nz = (size_t)B * O;
    float *X = rand_buf(r, nx), *W = rand_buf(r, nw), *b = rand_buf(r, (size_t)O);
    float *dZ = rand_buf(r, nz), *dW0 = rand_buf(r, nw), *db0 = rand_buf(r, (size_t)O);
    float *Z = alloc_f(nz), *Zr = alloc_f(nz), *dX = alloc_f(nx), *dXr = alloc_f(nx);
    float *dW = alloc_f(nw), *dWr = alloc_f(nw), *db = alloc_f((size_t)O), *dbr = alloc_f((size_t)O);
    int use_b = (B + I + O) % 2, use_db = (B * 3 + I + O) % 2;

    ffnn_mat_xwt(Z, X, W, use_b ? b : NULL, B, I, O);
    ffnn_mat_xwt_ref(Zr, X, W, use_b ? b : NULL, B, I, O);
    assert_same(Z, Zr, nz, "xwt");
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            double s = use_b ? b[o] : 0, sc = use_b ? fabsf(b[o]) : 0;
            for (int k = 0; k < I; k++) {
                double t = (double)X[(size_t)i * I + k] * W[(size_t)o * I + k];
                s += t;
                sc += fabs(t);
            }
            assert_near_sum(Zr[(size_t)i * O + o], s, sc, "xwt_ref", (size_t)i * O + o);
        }

    ffnn_mat_dzw(dX, dZ, W, B, O, I);
    ffnn_mat_dzw_ref(dXr, dZ, W, B, O, I);
    assert_same(dX, dXr, nx, "dzw");
    for (int i = 0; i < B; i++)
        for (int k = 0; k < I; k++) {
            double s = 0, sc = 0;
            for (int o = 0; o < O; o++) {
                double t = (double)dZ[(size_t)i * O + o] * W[(size_t)o * I + k];
                s += t;
                sc += fabs(t);
            }
            assert_near_sum(dXr[(size_t)i * I + k], s, sc, "dzw_ref", (size_t)i * I + k);
        }

    /* dW and db accumulate onto existing values */
    memcpy(dW, dW0, nw * 4);
    memcpy(dWr, dW0, nw * 4);
    memcpy(db, db0, (size_t)O * 4);
    memcpy(dbr, db0, (size_t)O * 4);
    ffnn_mat_dw(dW, use_db ? db : NULL, dZ, X, B, O, I);
    ffnn_mat_dw_ref(dWr, use_db ? dbr : NULL, dZ, X, B, O, I);
    assert_same(dW, dWr, nw, "dw");
    assert_same(db, dbr, (size_t)O, "db");
    for (int o = 0; o < O; o++) {
        for (int k = 0; k < I; k++) {
            double s = dW0[(size_t)o * I + k], sc = fabs(s);
            for (int i = 0; i < B; i++) {
                double t = (double)dZ[(size_t)i * O + o] * X[(size_t)i * I + k];
                s += t;
                sc += fabs(t);
            }
            assert_near_sum(dWr[(size_t)o * I + k], s, sc, "dw_ref", (size_t)o * I + k);
        }
        if (use_db) {
            double s = db0[o], sc = fabs(s);
            for (int i = 0; i < B; i++) {
                s += dZ[(size_t)i * O + o];
                sc += fabs(dZ[(size_t)i * O + o]);
            }
            assert_near_sum(dbr[o], s, sc, "db_ref", (size_t)o);
        } else if (memcmp(&dbr[o], &db0[o], sizeof(float)) != 0) {
            ck_abort_msg("db changed without db");
        }
    }

    free(X); free(W); free(b); free(dZ); free(dW0); free(db0);
    free(Z); free(Zr); free(dX); free(dXr); free(dW); free(dWr); free(db); free(dbr);
}

START_TEST(test_random_shapes)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 20240611, 99, 0);
    for (int t = 0; t < 120; t++)
        check_shape(&r, pick(&r), pick(&r), pick(&r));
}
END_TEST

/* The shapes training uses most, the tiny iris one, and 1 row / 1 unit. */
START_TEST(test_typical_shapes)
{
    static const int shapes[][3] = {
        {100, 4, 16}, {100, 16, 3}, {32, 4, 16}, {32, 16, 3}, {32, 64, 64}, {256, 512, 512},
        {256, 300, 1}, {1, 1, 1}, {1, 513, 1}, {257, 1, 513}, {8, 16, 16}, {33, 17, 15},
        {128, 64, 256}, {128, 256, 10}, {1, 256, 256}, {128, 256, 1}, {13, 37, 1}, {1, 1, 97},
    };
    ffnn_rng r;
    ffnn_rng_init(&r, 7, 99, 1);
    for (size_t i = 0; i < (sizeof shapes / sizeof shapes[0]); i++)
        check_shape(&r, shapes[i][0], shapes[i][1], shapes[i][2]);
}
END_TEST

/* Long reductions cross the blocks of terms (128) many times, and batches
 * cross the blocks of rows (144 on AVX-512). */
START_TEST(test_deep_reduction)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 11, 99, 2);
    check_shape(&r, 9, 1000, 21);
    check_shape(&r, 700, 5, 3);
    check_shape(&r, 300, 385, 45);
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

/* Each term is one fused multiply-add: with a = 1 + 2⁻¹², a·a = 1 + 2⁻¹¹ +
 * 2⁻²⁴ needs 25 bits; rounded first (a multiply, then an add) the sum
 * −(1 + 2⁻¹¹) + a·a is 0, fused it is 2⁻²⁴ exactly.  Every kernel, row
 * and column of a tile says 2⁻²⁴. */
START_TEST(test_fused_terms)
{
    const float a = 1.0f + 0x1p-12f, c = -(1.0f + 0x1p-11f);
    enum { B = 13, O = 37 };
    float X[B * 2], W[O * 2], Z[B * O], Zr[B * O], dX[B * 2], dW[O * 2] = {0};
    for (int r = 0; r < B; r++) {
        X[r * 2] = 1.0f;
        X[r * 2 + 1] = a;
    }
    for (int o = 0; o < O; o++) {
        W[o * 2] = c;
        W[o * 2 + 1] = a;
    }
    ffnn_mat_xwt(Z, X, W, NULL, B, 2, O);
    ffnn_mat_xwt_ref(Zr, X, W, NULL, B, 2, O);
    for (int i = 0; i < B * O; i++) {
        ck_assert_float_eq(Z[i], 0x1p-24f);
        ck_assert_float_eq(Zr[i], 0x1p-24f);
    }
    /* dX = dZ·W with dZ[r] = (c, a) and W rows (1, ...), (a, ...) */
    float dZ[B * 2], W2[2 * 2] = {1.0f, 1.0f, a, a};
    for (int r = 0; r < B; r++) {
        dZ[r * 2] = c;
        dZ[r * 2 + 1] = a;
    }
    ffnn_mat_dzw(dX, dZ, W2, B, 2, 2);
    for (int i = 0; i < B * 2; i++)
        ck_assert_float_eq(dX[i], 0x1p-24f);
    /* dW = dZᵀ·X over 2 rows: dZ column (c, a), X column (1, a) */
    float dZc[2 * O], Xc[2 * 2] = {1.0f, 1.0f, a, a};
    for (int o = 0; o < O; o++) {
        dZc[o] = c;
        dZc[O + o] = a;
    }
    ffnn_mat_dw(dW, NULL, dZc, Xc, 2, O, 2);
    for (int i = 0; i < O * 2; i++)
        ck_assert_float_eq(dW[i], 0x1p-24f);
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
    ffnn_mat_dw_rows(dW, db, NULL, NULL, 0, 3, 1, 0, 3, false);
    for (int i = 0; i < 3; i++) {
        ck_assert_float_eq(dW[i], 0);
        ck_assert_float_eq(db[i], 0);
    }
    const float W[9] = {0};
    ffnn_mat_dzw(NULL, NULL, W, 0, 3, 3);
    ffnn_mat_xwt(NULL, NULL, W, NULL, 0, 3, 3);
}
END_TEST

/* ---- fused = composed, any split = whole, every variant = reference ---- */

typedef struct {
    float *Z, *A, *dX, *dW, *db;
    const float *X, *W, *Wp, *b, *dZ, *mask, *gate;
    int B, I, O;
    int by_cols; /* xwt and dzw split by columns (in panels of 16), else rows */
} split_job;

/* [lo, hi) of part in n split into parts, in whole units of align. */
static void range(int n, int part, int parts, int align, int *lo, int *hi)
{
    int units = (n + align - 1) / align, chunk = (units + parts - 1) / parts;
    *lo = part * chunk * align < n ? part * chunk * align : n;
    *hi = (part + 1) * chunk * align < n ? (part + 1) * chunk * align : n;
}

static void split_part(void *ctx, int part, int parts)
{
    const split_job *j = ctx;
    int r0, r1, o0, o1;
    range(j->O, part, parts, 1, &o0, &o1);
    ffnn_mat_dw_rows(j->dW, j->db, j->dZ, j->X, j->B, j->O, j->I, o0, o1, false);
    if (j->by_cols) {
        int c0, c1;
        range(j->O, part, parts, 16, &c0, &c1);
        ffnn_mat_xwt_packed(j->Z, j->A, j->X, j->Wp, j->b, j->B, j->I, j->O, c0, c1);
        range(j->I, part, parts, 1, &c0, &c1);
        ffnn_mat_dzw_gated(j->dX, j->dZ, j->W, j->mask, j->gate, j->B, j->O, j->I, c0, c1);
        return;
    }
    range(j->B, part, parts, 1, &r0, &r1);
    size_t zo = (size_t)r0 * j->O, xo = (size_t)r0 * j->I;
    ffnn_mat_xwt_packed(j->Z + zo, j->A + zo, j->X + xo, j->Wp, j->b, r1 - r0, j->I, j->O, 0, j->O);
    ffnn_mat_dzw_gated(j->dX + xo, j->dZ + zo, j->W, j->mask ? j->mask + xo : NULL,
                       j->gate ? j->gate + xo : NULL, r1 - r0, j->O, j->I, 0, j->I);
}

/* The variants this CPU can run, by their kernels. */
typedef void (*gemm_fn)(const mat_job *);
static int variants(gemm_fn *fn, const char **name)
{
    int n = 0;
#if defined(FFNN_MAT_TUNED)
    fn[n] = ffnn_mat_gemm_base;
    name[n++] = "base";
#if defined(FFNN_MAT_X86)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2")) {
        fn[n] = ffnn_mat_gemm_avx2;
        name[n++] = "avx2";
    }
    if (__builtin_cpu_supports("fma") && __builtin_cpu_supports("avx512f")) {
        fn[n] = ffnn_mat_gemm_avx512;
        name[n++] = "avx512";
    }
#endif
#else
    (void)fn;
    (void)name;
#endif
    return n;
}

/* thorough: pools of 1..3 threads running 1..3 parts; else 2 threads, 3 parts. */
static void check_bitwise(ffnn_rng *r, int B, int I, int O, int thorough)
{
    size_t nx = (size_t)B * I, nw = (size_t)O * I, nz = (size_t)B * O;
    float *X = rand_buf0(r, nx), *W = rand_buf0(r, nw), *b = rand_buf0(r, (size_t)O);
    float *dZ = rand_buf0(r, nz), *mask = rand_buf0(r, nx), *gate = rand_buf0(r, nx);
    float *Wp = alloc_f(ffnn_mat_packed_size(I, O));
    float *Zr = alloc_f(nz), *Ar = alloc_f(nz), *dXr = alloc_f(nx);
    float *dWr = calloc(nw + 1, 4), *dbr = calloc((size_t)O + 1, 4);
    float *Z = alloc_f(nz), *A = alloc_f(nz), *dX = alloc_f(nx), *dW = alloc_f(nw), *db = alloc_f((size_t)O);

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

    /* packing in two ranges = packing at once */
    int np = ffnn_mat_panels(O);
    ffnn_mat_pack(Wp, W, I, O, 0, np / 2);
    ffnn_mat_pack(Wp, W, I, O, np / 2, np);

    /* every variant's kernel, fused, whole */
    gemm_fn fn[3];
    const char *name[3];
    for (int v = variants(fn, name) - 1; v >= 0; v--) {
        memset(Z, 0xff, nz * 4);
        memset(A, 0xff, nz * 4);
        memset(dX, 0xff, nx * 4);
        memset(dW, 0xff, nw * 4);
        mat_job x = {.kind = MAT_XWT, .M = B, .N = O, .K = I, .A = X, .am = (size_t)I, .ak = 1,
                     .Bp = Wp, .C = Z, .ldc = (size_t)O, .bias = b, .R = A};
        mat_job d = {.kind = MAT_DZW, .M = B, .N = I, .K = O, .A = dZ, .am = (size_t)O, .ak = 1,
                     .B = W, .bk = (size_t)I, .bn = 1, .C = dX, .ldc = (size_t)I,
                     .mask = use_mask ? mask : NULL, .gate = use_gate ? gate : NULL};
        mat_job w = {.kind = MAT_DW, .M = O, .N = I, .K = B, .A = dZ, .am = 1, .ak = (size_t)O,
                     .B = X, .bk = (size_t)I, .bn = 1, .C = dW, .ldc = (size_t)I};
        fn[v](&x);
        fn[v](&d);
        fn[v](&w);
        char what[64];
        snprintf(what, sizeof what, "%s xwt (%d,%d,%d)", name[v], B, I, O);
        assert_same(Z, Zr, nz, what);
        snprintf(what, sizeof what, "%s relu (%d,%d,%d)", name[v], B, I, O);
        assert_same(A, Ar, nz, what);
        snprintf(what, sizeof what, "%s dzw (%d,%d,%d)", name[v], B, I, O);
        assert_same(dX, dXr, nx, what);
        snprintf(what, sizeof what, "%s dw (%d,%d,%d)", name[v], B, I, O);
        assert_same(dW, dWr, nw, what);
    }

    /* the entry points, split by rows or columns into parts run on pools */
    for (int t = thorough ? 1 : 2; t <= (thorough ? 3 : 2); t++) {
        ffnn_pool *pool;
        ffnn_error err;
        ck_assert_int_eq(ffnn_pool_create(&pool, t, &err), FFNN_OK);
        for (int parts = thorough ? 1 : 3; parts <= 3; parts++)
            for (int by_cols = 0; by_cols <= 1; by_cols++) {
                memset(Z, 0xff, nz * 4);
                memset(A, 0xff, nz * 4);
                memset(dX, 0xff, nx * 4);
                memset(dW, 0xff, nw * 4);
                memset(db, 0xff, (size_t)O * 4);
                split_job j = {Z, A, dX, dW, db, X, W, Wp, b, dZ, use_mask ? mask : NULL,
                               use_gate ? gate : NULL, B, I, O, by_cols};
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

/* Every variant gives the reference's bits, and splitting the rows or
 * columns between threads changes nothing, over edge shapes. */
START_TEST(test_bitwise_and_splits)
{
    static const int shapes[][3] = {
        {128, 64, 256}, {128, 256, 10}, {100, 4, 16}, {100, 16, 3}, {37, 30, 17},
        {9, 300, 33}, {1, 1, 1}, {3, 8, 12}, {64, 13, 5}, {17, 257, 2},
        {300, 40, 20}, {24, 48, 600}, {600, 17, 9}, {1, 200, 70}, {145, 129, 1}, {12, 128, 32},
    };
    ffnn_rng r;
    ffnn_rng_init(&r, 31, 99, 3);
    for (size_t i = 0; i < (sizeof shapes / sizeof shapes[0]); i++)
        check_bitwise(&r, shapes[i][0], shapes[i][1], shapes[i][2], 1);
    for (int t = 0; t < 30; t++)
        check_bitwise(&r, pick(&r), pick(&r), pick(&r), 1);
}
END_TEST

/* Wide layers: weights past the caches, batches of 128 and 32, and the
 * same shapes one column / one row short of the tiles. */
START_TEST(test_wide_layers)
{
    static const int shapes[][3] = {
        {128, 1024, 1024}, {32, 1024, 1024}, {128, 64, 1024}, {32, 1024, 10},
        {127, 1023, 1025}, {33, 1025, 1023}, {1, 1024, 1024}, {128, 1024, 1},
    };
    ffnn_rng r;
    ffnn_rng_init(&r, 41, 99, 4);
    for (size_t i = 0; i < (sizeof shapes / sizeof shapes[0]); i++)
        check_bitwise(&r, shapes[i][0], shapes[i][1], shapes[i][2], 0);
}
END_TEST

/* The packed layout, by its definition: panel p, reduction row k, lane j
 * holds W[16p + j][k], zero past O; shapes around the 16 × 16 blocks. */
START_TEST(test_pack_layout)
{
    static const int shapes[][2] = {{1, 1}, {16, 16}, {17, 15}, {15, 17}, {33, 64}, {64, 33},
                                    {100, 10}, {1024, 5}, {3, 1025}};
    ffnn_rng r;
    ffnn_rng_init(&r, 13, 99, 5);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int I = shapes[s][0], O = shapes[s][1], np = ffnn_mat_panels(O);
        float *W = rand_buf0(&r, (size_t)O * I), *Wp = alloc_f(ffnn_mat_packed_size(I, O));
        ffnn_mat_pack(Wp, W, I, O, 0, np);
        for (int p = 0; p < np; p++)
            for (int k = 0; k < I; k++)
                for (int j = 0; j < 16; j++) {
                    float want = 16 * p + j < O ? W[(size_t)(16 * p + j) * I + k] : 0.0f;
                    float got = Wp[((size_t)p * I + k) * 16 + j];
                    if (memcmp(&got, &want, sizeof got) != 0)
                        ck_abort_msg("I %d O %d: panel %d row %d lane %d", I, O, p, k, j);
                }
        free(W);
        free(Wp);
    }
}
END_TEST

START_TEST(test_variant_name)
{
    const char *v = ffnn_mat_variant();
    ck_assert(strcmp(v, "avx512") == 0 || strcmp(v, "avx2") == 0 || strcmp(v, "base") == 0 ||
              strcmp(v, "ref") == 0);
}
END_TEST

Suite *mat_suite(void);
Suite *mat_suite(void)
{
    Suite *s = suite_create("mat");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_random_shapes);
    tcase_add_test(tc, test_typical_shapes);
    tcase_add_test(tc, test_deep_reduction);
    tcase_add_test(tc, test_hand_values);
    tcase_add_test(tc, test_fused_terms);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_pack_layout);
    tcase_add_test(tc, test_variant_name);
    suite_add_tcase(s, tc);
    TCase *tb = tcase_create("bitwise");
    tcase_set_timeout(tb, 120);
    tcase_add_test(tb, test_bitwise_and_splits);
    suite_add_tcase(s, tb);
    TCase *tw = tcase_create("wide");
    tcase_set_timeout(tw, 120);
    tcase_add_test(tw, test_wide_layers);
    suite_add_tcase(s, tw);
    return s;
}
