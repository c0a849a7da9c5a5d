/* activation: Keras 3 values, finite-difference gradients of every
 * activation (softmax through its full row Jacobian), names. */
#include <stdlib.h>

#include "ffnn/activation.h"
#include "ffnn/rng.h"
#include "testutil.h"

#define B 3
#define N 5

/* L(Z) = Σ dA ⊙ f(Z) in double, f evaluated by ffnn_act_forward. */
static double probe(ffnn_act a, const float *Z, const float *dA)
{
    float A[B * N];
    ffnn_act_forward(a, Z, A, B, N);
    double s = 0;
    for (int i = 0; i < B * N; i++)
        s += (double)dA[i] * A[i];
    return s;
}

/* Central differences of L against ffnn_act_backward for every element.
 * Inputs avoid the kinks at 0 (relu, leaky_relu, elu, selu). */
static void check_gradient(ffnn_act a, uint64_t seed)
{
    ffnn_rng r;
    ffnn_rng_init(&r, seed, 77, (uint64_t)a);
    float Z[B * N], A[B * N], dA[B * N], dZ[B * N];
    for (int i = 0; i < B * N; i++) {
        double z;
        do
            z = 6.0 * ffnn_rng_uniform(&r) - 3.0;
        while (fabs(z) < 0.05);
        Z[i] = (float)z;
        dA[i] = (float)(2.0 * ffnn_rng_uniform(&r) - 1.0);
    }
    ffnn_act_forward(a, Z, A, B, N);
    ffnn_act_backward(a, Z, A, dA, dZ, B, N);
    for (int i = 0; i < B * N; i++) {
        float z0 = Z[i];
        float zp = z0 + 1e-2f, zm = z0 - 1e-2f;
        Z[i] = zp;
        double lp = probe(a, Z, dA);
        Z[i] = zm;
        double lm = probe(a, Z, dA);
        Z[i] = z0;
        double fd = (lp - lm) / ((double)zp - zm);
        ck_assert_msg(fabs(fd - dZ[i]) <= 2e-3 * (1 + fabs(fd)), "%s element %d: fd %.9g analytic %.9g",
                      ffnn_act_name(a), i, fd, dZ[i]);
    }
}

START_TEST(test_gradients)
{
    ffnn_act a = (ffnn_act)_i;
    check_gradient(a, 1);
    check_gradient(a, 2);
}
END_TEST

static float f1(ffnn_act a, float z)
{
    float y;
    ffnn_act_forward(a, &z, &y, 1, 1);
    return y;
}

/* Values from Python's math module (double), see the comments. */
START_TEST(test_values)
{
    ck_assert_float_eq(f1(FFNN_ACT_LINEAR, -2.5f), -2.5f);
    ck_assert_float_eq(f1(FFNN_ACT_RELU, -2.5f), 0.0f);
    ck_assert_float_eq(f1(FFNN_ACT_RELU, 2.5f), 2.5f);
    ck_assert_close(f1(FFNN_ACT_SIGMOID, 0.3f), 0.574442516811659, 1e-7);
    ck_assert_float_eq(f1(FFNN_ACT_SIGMOID, 0.0f), 0.5f);
    ck_assert_float_eq(f1(FFNN_ACT_SIGMOID, -200.0f), 0.0f);
    ck_assert_float_eq(f1(FFNN_ACT_SIGMOID, 200.0f), 1.0f);
    ck_assert_close(f1(FFNN_ACT_TANH, 0.5f), tanh(0.5), 1e-7);
    /* 0.5·x·(1 + erf(x/√2)) */
    ck_assert_close(f1(FFNN_ACT_GELU, 1.0f), 0.8413447460685429, 1e-7);
    ck_assert_close(f1(FFNN_ACT_GELU, -0.5f), -0.15426876936299344, 1e-7);
    ck_assert_close(f1(FFNN_ACT_GELU, 2.5f), 2.4844758366855597, 1e-7);
    /* scale·alpha·(e^x − 1), scale·x with Keras's 1.05070098, 1.67326324 */
    ck_assert_close(f1(FFNN_ACT_SELU, -1.0f), -1.1113307284689349, 1e-7);
    ck_assert_close(f1(FFNN_ACT_SELU, 0.7f), 0.735490686, 1e-7);
    ck_assert_close(f1(FFNN_ACT_ELU, -1.0f), -0.6321205588285577, 1e-7);
    ck_assert_float_eq(f1(FFNN_ACT_ELU, 1.5f), 1.5f);
    ck_assert_close(f1(FFNN_ACT_LEAKY_RELU, -2.0f), -0.4, 1e-7);
    ck_assert_float_eq(f1(FFNN_ACT_LEAKY_RELU, 2.0f), 2.0f);
    ck_assert_close(f1(FFNN_ACT_SWISH, 1.0f), 0.7310585786300049, 1e-7);
    ck_assert_close(f1(FFNN_ACT_SWISH, -2.0f), -0.2384058440442351, 1e-7);
    ck_assert(f1(FFNN_ACT_SWISH, -1000.0f) == 0.0f);
}
END_TEST

/* max subtraction: huge logits give numpy's softmax, rows independent, sum 1 */
START_TEST(test_softmax_stable)
{
    const float Z[6] = {1000, 1001, 999, -5, -5, -5};
    float A[6];
    ffnn_act_forward(FFNN_ACT_SOFTMAX, Z, A, 2, 3);
    ck_assert_close(A[0], 0.24472847105479772, 1e-7);
    ck_assert_close(A[1], 0.6652409557748219, 1e-7);
    ck_assert_close(A[2], 0.09003057317038045, 1e-7);
    for (int i = 3; i < 6; i++)
        ck_assert_close(A[i], 1.0 / 3.0, 1e-7);
    const float Zn[3] = {-1e30f, 0, -1e30f};
    ffnn_act_forward(FFNN_ACT_SOFTMAX, Zn, A, 1, 3);
    ck_assert_float_eq(A[0], 0.0f);
    ck_assert_float_eq(A[1], 1.0f);
}
END_TEST

/* A may alias Z (forward); dZ may alias dA (backward). */
START_TEST(test_aliasing)
{
    for (int a = 0; a < FFNN_ACT_COUNT; a++) {
        float Z[6] = {-1.5f, -0.2f, 0.3f, 1.1f, 2.0f, -3.0f}, A[6], Zc[6], dA[6] = {1, -2, 3, 0.5f, 1, 1};
        float dZ[6], g[6];
        memcpy(Zc, Z, sizeof Z);
        ffnn_act_forward((ffnn_act)a, Z, A, 2, 3);
        ffnn_act_forward((ffnn_act)a, Zc, Zc, 2, 3);
        ck_assert(memcmp(A, Zc, sizeof A) == 0);
        ffnn_act_backward((ffnn_act)a, Z, A, dA, dZ, 2, 3);
        memcpy(g, dA, sizeof g);
        ffnn_act_backward((ffnn_act)a, Z, A, g, g, 2, 3);
        ck_assert(memcmp(dZ, g, sizeof g) == 0);
    }
}
END_TEST

/* Derivative at the kinks follows TF: relu'(0) = 0, leaky_relu'(0) = 0.2. */
START_TEST(test_kinks)
{
    float z = 0.0f, y, d = 1.0f, g;
    ffnn_act_forward(FFNN_ACT_RELU, &z, &y, 1, 1);
    ffnn_act_backward(FFNN_ACT_RELU, &z, &y, &d, &g, 1, 1);
    ck_assert_float_eq(g, 0.0f);
    ffnn_act_forward(FFNN_ACT_LEAKY_RELU, &z, &y, 1, 1);
    ffnn_act_backward(FFNN_ACT_LEAKY_RELU, &z, &y, &d, &g, 1, 1);
    ck_assert_close(g, 0.2, 1e-7);
}
END_TEST

START_TEST(test_names)
{
    for (int a = 0; a < FFNN_ACT_COUNT; a++)
        ck_assert_int_eq(ffnn_act_parse(ffnn_act_name((ffnn_act)a)), a);
    ck_assert_str_eq(ffnn_act_name(FFNN_ACT_LEAKY_RELU), "leaky_relu");
    ck_assert_str_eq(ffnn_act_name(FFNN_ACT_SWISH), "swish");
    ck_assert_int_eq(ffnn_act_parse("silu"), FFNN_ACT_SWISH);
    ck_assert_int_eq(ffnn_act_parse("gelu"), FFNN_ACT_GELU);
    ck_assert_int_eq(ffnn_act_parse("softmax"), FFNN_ACT_SOFTMAX);
    ck_assert_int_eq(ffnn_act_parse("relu6"), -1);
    ck_assert_int_eq(ffnn_act_parse("Relu"), -1);
    ck_assert_int_eq(ffnn_act_parse(""), -1);
    ck_assert_int_eq(ffnn_act_parse(NULL), -1);
    ck_assert_str_eq(ffnn_act_name(FFNN_ACT_COUNT), "?");
    ck_assert_str_eq(ffnn_act_name((ffnn_act)-1), "?");
    /* The table: every value's name, in enum order, with the parser. */
    ffnn_names t = ffnn_act_names();
    ck_assert_int_eq(t.n, FFNN_ACT_COUNT);
    ck_assert(t.parse == ffnn_act_parse);
    for (int a = 0; a < t.n; a++)
        ck_assert_str_eq(t.names[a], ffnn_act_name((ffnn_act)a));
    ck_assert_str_eq(t.names[0], "linear");
    ck_assert_str_eq(t.names[t.n - 1], "swish");
}
END_TEST

Suite *activation_suite(void);
Suite *activation_suite(void)
{
    Suite *s = suite_create("activation");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_gradients, 0, FFNN_ACT_COUNT);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_softmax_stable);
    tcase_add_test(tc, test_aliasing);
    tcase_add_test(tc, test_kinks);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}
