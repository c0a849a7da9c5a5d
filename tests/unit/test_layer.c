/* layer: dense forward against the definition, finite-difference dW, db, dX
 * through the activation, inverted dropout; the fused and split variants are
 * bitwise the composed ones. */
#include <stdbool.h>
#include <stdlib.h>

#include "ffnn/layer.h"
#include "ffnn/mat.h"
#include "testutil.h"

static float *rand_buf(ffnn_rng *r, size_t n, double lo, double hi)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(lo + (hi - lo) * ffnn_rng_uniform(r));
    return p;
}

/* Z = X·Wᵀ + b and A = act(Z), element by element in double. */
START_TEST(test_forward)
{
    enum { B = 3, I = 5, O = 4 };
    ffnn_rng r;
    ffnn_rng_init(&r, 1, 88, 0);
    float *X = rand_buf(&r, B * I, -1, 1), *W = rand_buf(&r, O * I, -1, 1), *b = rand_buf(&r, O, -1, 1);
    float Z[B * O], A[B * O];
    ffnn_dense_forward(X, W, b, Z, A, FFNN_ACT_TANH, B, I, O);
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            double z = b[o];
            for (int k = 0; k < I; k++)
                z += (double)X[i * I + k] * W[o * I + k];
            ck_assert_close(Z[i * O + o], z, 1e-6);
            ck_assert_close(A[i * O + o], tanh(z), 1e-6);
        }
    free(X); free(W); free(b);
}
END_TEST

/* L = Σ dA ⊙ act(X·Wᵀ + b) */
static double probe(const float *X, const float *W, const float *b, const float *dA, ffnn_act act,
                    int B, int I, int O, float *Z, float *A)
{
    ffnn_dense_forward(X, W, b, Z, A, act, B, I, O);
    double s = 0;
    for (int i = 0; i < B * O; i++)
        s += (double)dA[i] * A[i];
    return s;
}

/* Central difference of probe() in p[j]. */
static double fd(float *p, int j, const float *X, const float *W, const float *b, const float *dA,
                 ffnn_act act, int B, int I, int O, float *Z, float *A)
{
    float v = p[j], vp = v + 4e-3f, vm = v - 4e-3f;
    p[j] = vp;
    double lp = probe(X, W, b, dA, act, B, I, O, Z, A);
    p[j] = vm;
    double lm = probe(X, W, b, dA, act, B, I, O, Z, A);
    p[j] = v;
    return (lp - lm) / ((double)vp - vm);
}

#define CHECK_FD(got, want, what, j)                                                           \
    ck_assert_msg(fabs((got) - (want)) <= 3e-3 * (fabs(want) + 0.05),                          \
                  "%s %s[%d]: analytic %.9g fd %.9g", ffnn_act_name(act), what, j, (double)(got), \
                  (double)(want))

/* dW += dZᵀ·X, db += Σ dZ (onto existing values), dX = dZ·W, with dZ from
 * ffnn_act_backward, against finite differences of L. */
static void check_backward(ffnn_act act, int B, int I, int O, uint64_t seed)
{
    ffnn_rng r;
    ffnn_rng_init(&r, seed, 88, (uint64_t)act);
    float *X = rand_buf(&r, (size_t)B * I, -1, 1), *W = rand_buf(&r, (size_t)O * I, -0.5, 0.5);
    float *b = rand_buf(&r, (size_t)O, -0.5, 0.5), *dA = rand_buf(&r, (size_t)B * O, -1, 1);
    float *Z = malloc((size_t)B * O * 4), *A = malloc((size_t)B * O * 4), *dZ = malloc((size_t)B * O * 4);
    float *dW0 = rand_buf(&r, (size_t)O * I, -1, 1), *db0 = rand_buf(&r, (size_t)O, -1, 1);
    float *dW = malloc((size_t)O * I * 4), *db = malloc((size_t)O * 4), *dX = malloc((size_t)B * I * 4);
    memcpy(dW, dW0, (size_t)O * I * 4);
    memcpy(db, db0, (size_t)O * 4);

    ffnn_dense_forward(X, W, b, Z, A, act, B, I, O);
    ffnn_act_backward(act, Z, A, dA, dZ, B, O);
    ffnn_dense_backward(X, W, dZ, dW, db, dX, B, I, O);
    for (int j = 0; j < O * I; j++)
        CHECK_FD(dW[j] - dW0[j], fd(W, j, X, W, b, dA, act, B, I, O, Z, A), "dW", j);
    for (int j = 0; j < O; j++)
        CHECK_FD(db[j] - db0[j], fd(b, j, X, W, b, dA, act, B, I, O, Z, A), "db", j);
    for (int j = 0; j < B * I; j++)
        CHECK_FD(dX[j], fd(X, j, X, W, b, dA, act, B, I, O, Z, A), "dX", j);

    /* dX NULL (first layer): same dW, db */
    float *dW2 = malloc((size_t)O * I * 4), *db2 = malloc((size_t)O * 4);
    memcpy(dW2, dW0, (size_t)O * I * 4);
    memcpy(db2, db0, (size_t)O * 4);
    ffnn_dense_forward(X, W, b, Z, A, act, B, I, O);
    ffnn_dense_backward(X, W, dZ, dW2, db2, NULL, B, I, O);
    ck_assert(memcmp(dW, dW2, (size_t)O * I * 4) == 0);
    ck_assert(memcmp(db, db2, (size_t)O * 4) == 0);

    free(X); free(W); free(b); free(dA); free(Z); free(A); free(dZ);
    free(dW0); free(db0); free(dW); free(db); free(dX); free(dW2); free(db2);
}

START_TEST(test_backward)
{
    /* smooth activations (no kinks under finite differences) */
    static const ffnn_act acts[] = {FFNN_ACT_LINEAR, FFNN_ACT_TANH, FFNN_ACT_SIGMOID,
                                    FFNN_ACT_SOFTMAX, FFNN_ACT_GELU, FFNN_ACT_SWISH};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        check_backward(acts[a], 5, 7, 6, 1);
        check_backward(acts[a], 1, 1, 1, 2);
    }
    check_backward(FFNN_ACT_TANH, 19, 21, 17, 3); /* crosses the kernels' tile sizes */
}
END_TEST

/* ---- dropout ------------------------------------------------------------ */

START_TEST(test_dropout_rate0_identity)
{
    ffnn_rng r, r0;
    ffnn_rng_init(&r, 3, FFNN_RNG_DROPOUT, 0);
    r0 = r;
    float A[5] = {1, -2, 3, 0, 5}, mask[5], dA[5] = {1, 1, 1, 1, 1};
    ffnn_dropout_forward(A, mask, 0.0f, 5, &r);
    const float want[5] = {1, -2, 3, 0, 5};
    ck_assert(memcmp(A, want, sizeof A) == 0);
    for (int i = 0; i < 5; i++)
        ck_assert_float_eq(mask[i], 1.0f);
    ck_assert(memcmp(&r, &r0, sizeof r) == 0); /* no draws */
    ffnn_dropout_backward(dA, mask, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_float_eq(dA[i], 1.0f);
}
END_TEST

START_TEST(test_dropout_rate1_zeros)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 3, FFNN_RNG_DROPOUT, 0);
    float A[4] = {1, -2, 3, 4}, mask[4], dA[4] = {1, 2, 3, 4};
    ffnn_dropout_forward(A, mask, 1.0f, 4, &r);
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq(A[i], 0.0f);
        ck_assert_float_eq(mask[i], 0.0f);
    }
    ffnn_dropout_backward(dA, mask, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(dA[i], 0.0f);
}
END_TEST

/* Kept values scaled by exactly 1/(1−rate); the kept fraction is 1 − rate
 * within 5 standard errors; the rule is u >= rate on ffnn_rng_uniformf. */
START_TEST(test_dropout_scaling_and_fraction)
{
    static const float rates[] = {0.1f, 0.3f, 0.5f, 0.8f};
    const long n = 200000;
    float *A = malloc((size_t)n * sizeof *A), *mask = malloc((size_t)n * sizeof *mask);
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        float rate = rates[k], scale = (float)(1.0 / (1.0 - rate));
        ffnn_rng r, replay;
        ffnn_rng_init(&r, 11, FFNN_RNG_DROPOUT, k);
        replay = r;
        for (long i = 0; i < n; i++)
            A[i] = (float)(i % 7) - 3.0f;
        ffnn_dropout_forward(A, mask, rate, n, &r);
        long kept = 0;
        double mean_mask = 0;
        for (long i = 0; i < n; i++) {
            float orig = (float)(i % 7) - 3.0f;
            bool keep = ffnn_rng_uniformf(&replay) >= rate;
            ck_assert_float_eq(mask[i], keep ? scale : 0.0f);
            ck_assert_float_eq(A[i], orig * mask[i]);
            kept += keep;
            mean_mask += mask[i];
        }
        double frac = (double)kept / n, se = sqrt(rate * (1.0 - rate) / n);
        ck_assert_msg(fabs(frac - (1.0 - rate)) < 5 * se, "rate %g: kept %g", rate, frac);
        ck_assert_close(mean_mask / n, 1.0, 5 * se * scale);
    }
    free(A);
    free(mask);
}
END_TEST

START_TEST(test_dropout_deterministic)
{
    float A1[1000], A2[1000], A3[1000], m1[1000], m2[1000], m3[1000];
    for (int i = 0; i < 1000; i++)
        A1[i] = A2[i] = A3[i] = 1.0f;
    ffnn_rng r1, r2, r3;
    ffnn_rng_init(&r1, 21, FFNN_RNG_DROPOUT, 4);
    ffnn_rng_init(&r2, 21, FFNN_RNG_DROPOUT, 4);
    ffnn_rng_init(&r3, 22, FFNN_RNG_DROPOUT, 4);
    ffnn_dropout_forward(A1, m1, 0.4f, 1000, &r1);
    ffnn_dropout_forward(A2, m2, 0.4f, 1000, &r2);
    ffnn_dropout_forward(A3, m3, 0.4f, 1000, &r3);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0);
    ck_assert(memcmp(A1, A2, sizeof A1) == 0);
    ck_assert(memcmp(m1, m3, sizeof m1) != 0);
}
END_TEST

START_TEST(test_dropout_backward)
{
    float dA[4] = {1, 2, 3, 4};
    const float mask[4] = {0, 2, 0, 2};
    ffnn_dropout_backward(dA, mask, 4);
    ck_assert_float_eq(dA[0], 0);
    ck_assert_float_eq(dA[1], 4);
    ck_assert_float_eq(dA[2], 0);
    ck_assert_float_eq(dA[3], 8);
}
END_TEST

/* Drawing the mask first and applying it later is bitwise the one-call
 * dropout (the forward pass draws every layer's mask before it runs). */
START_TEST(test_dropout_mask_then_apply)
{
    static const float rates[] = {0.0f, 0.1f, 0.5f, 0.9f, 1.0f};
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        ffnn_rng r0, r1, g;
        ffnn_rng_init(&g, 5, 99, (uint64_t)k);
        float *A = rand_buf(&g, 777, -2, 2);
        float *A1 = malloc(777 * sizeof(float)), *D = malloc(777 * sizeof(float));
        float *m1 = malloc(777 * sizeof(float)), *m2 = malloc(777 * sizeof(float));
        memcpy(A1, A, 777 * sizeof(float));
        ffnn_rng_init(&r0, 8, FFNN_RNG_DROPOUT, 1);
        ffnn_rng_init(&r1, 8, FFNN_RNG_DROPOUT, 1);
        ffnn_dropout_forward(A1, m1, rates[k], 777, &r0);
        ffnn_dropout_mask(m2, rates[k], 777, &r1);
        ffnn_dropout_apply(D, A, m2, 777);
        ck_assert(memcmp(m1, m2, 777 * sizeof(float)) == 0);
        ck_assert(memcmp(A1, D, 777 * sizeof(float)) == 0);
        /* both streams advanced by the same number of draws */
        ck_assert(ffnn_rng_u64(&r0) == ffnn_rng_u64(&r1));
        free(A); free(A1); free(D); free(m1); free(m2);
    }
}
END_TEST

/* The packed forward with relu fused, the fused backward to the previous
 * layer, and the row-range parameter gradients are bitwise the plain
 * kernels composed with the activation code, for every activation. */
START_TEST(test_fused_equals_composed)
{
    const int B = 37, I = 29, O = 21;
    ffnn_rng g;
    ffnn_rng_init(&g, 6, 99, 0);
    float *X = rand_buf(&g, (size_t)B * I, -1, 1), *W = rand_buf(&g, (size_t)O * I, -1, 1);
    float *b = rand_buf(&g, (size_t)O, -1, 1), *dZ = rand_buf(&g, (size_t)B * O, -1, 1);
    float *Zp = rand_buf(&g, (size_t)B * I, -1, 1), *mask = rand_buf(&g, (size_t)B * I, 0, 2);
    float *Wp = malloc(ffnn_mat_packed_size(I, O) * sizeof(float));
    ffnn_mat_pack(Wp, W, I, O, 0, ffnn_mat_panels(O));
    size_t nz = (size_t)B * O, nx = (size_t)B * I;
    float *Z1 = malloc(nz * 4), *A1 = malloc(nz * 4), *Z2 = malloc(nz * 4), *A2 = malloc(nz * 4);
    float *Ap = malloc(nx * 4), *d1 = malloc(nx * 4), *d2 = malloc(nx * 4);
    for (int a = 0; a < FFNN_ACT_COUNT; a++) {
        ffnn_act act = (ffnn_act)a;
        ffnn_dense_forward(X, W, b, Z1, A1, act, B, I, O);
        ffnn_dense_forward_packed(X, Wp, b, Z2, A2, act, B, I, O, 0, O);
        ck_assert_msg(memcmp(Z1, Z2, nz * 4) == 0, "%s Z", ffnn_act_name(act));
        ck_assert_msg(memcmp(A1, A2, nz * 4) == 0, "%s A", ffnn_act_name(act));

        ffnn_act_forward(act, Zp, Ap, B, I);
        for (int use_mask = 0; use_mask < 2; use_mask++) {
            ffnn_mat_dzw_ref(d1, dZ, W, B, O, I);
            if (use_mask)
                ffnn_dropout_backward(d1, mask, (long)nx);
            ffnn_act_backward(act, Zp, Ap, d1, d1, B, I);
            ffnn_dense_backward_input(dZ, W, use_mask ? mask : NULL, act, Zp, Ap, d2, B, I, O, 0, I);
            ck_assert_msg(memcmp(d1, d2, nx * 4) == 0, "%s backward (mask %d)", ffnn_act_name(act),
                          use_mask);
        }
    }
    float *gW1 = calloc((size_t)O * I, 4), *gb1 = calloc((size_t)O, 4);
    float *gW2 = malloc((size_t)O * I * 4), *gb2 = malloc((size_t)O * 4);
    ffnn_dense_backward(X, W, dZ, gW1, gb1, NULL, B, I, O);
    ffnn_dense_backward_params(X, dZ, gW2, gb2, B, I, O, 0, 8, false);
    ffnn_dense_backward_params(X, dZ, gW2, gb2, B, I, O, 8, O, false);
    ck_assert(memcmp(gW1, gW2, (size_t)O * I * 4) == 0);
    ck_assert(memcmp(gb1, gb2, (size_t)O * 4) == 0);
    free(X); free(W); free(b); free(dZ); free(Zp); free(mask); free(Wp);
    free(Z1); free(A1); free(Z2); free(A2); free(Ap); free(d1); free(d2);
    free(gW1); free(gb1); free(gW2); free(gb2);
}
END_TEST


/* The mask is "ffnn_rng_uniformf(rng) >= rate" element by element, for
 * rates on and between the 2^-24 steps of the draws. */
START_TEST(test_dropout_mask_is_uniform_test)
{
    const float rates[] = {0.1f, 0.5f, 1.0f / 3.0f, 0.8f, 0x1p-24f, 0x1.8p-24f, 1.0f - 0x1p-24f,
                           0.999999f, 1e-9f, 0.25f + 0x1p-26f};
    float *mask = malloc(5000 * sizeof *mask);
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        float rate = rates[k], scale = (float)(1.0 / (1.0 - (double)rate));
        ffnn_rng r1, r2;
        ffnn_rng_init(&r1, 3, FFNN_RNG_DROPOUT, k);
        ffnn_rng_init(&r2, 3, FFNN_RNG_DROPOUT, k);
        ffnn_dropout_mask(mask, rate, 5000, &r1);
        for (int i = 0; i < 5000; i++) {
            float want = ffnn_rng_uniformf(&r2) >= rate ? scale : 0.0f;
            if (memcmp(&mask[i], &want, sizeof want) != 0)
                ck_abort_msg("rate %a element %d: %g vs %g", rate, i, mask[i], want);
        }
    }
    free(mask);
}
END_TEST

Suite *layer_suite(void);
Suite *layer_suite(void)
{
    Suite *s = suite_create("layer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_forward);
    tcase_add_test(tc, test_backward);
    tcase_add_test(tc, test_dropout_mask_is_uniform_test);
    tcase_add_test(tc, test_dropout_rate0_identity);
    tcase_add_test(tc, test_dropout_rate1_zeros);
    tcase_add_test(tc, test_dropout_scaling_and_fraction);
    tcase_add_test(tc, test_dropout_deterministic);
    tcase_add_test(tc, test_dropout_backward);
    tcase_add_test(tc, test_dropout_mask_then_apply);
    tcase_add_test(tc, test_fused_equals_composed);
    suite_add_tcase(s, tc);
    return s;
}
