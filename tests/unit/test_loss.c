/* loss (and metrics): values against numpy (tests/data/kernels/gen_loss.py), the
 * cached-logits rule and fused flag, and finite-difference gradients of
 * every loss × relevant output activation, taken end to end through the
 * activation with respect to the logits Z. */
#include <stdlib.h>

#include "ffnn/loss.h"
#include "ffnn/metrics.h"
#include "ffnn/rng.h"
#include "testutil.h"

static double eval(ffnn_loss_kind k, bool from_logits, ffnn_act act, const float *Z, const float *P,
                   const float *T, int B, int K, float *G, bool *fused)
{
    ffnn_loss L = {.kind = k, .from_logits = from_logits, .huber_delta = 1.0};
    return ffnn_loss_eval(&L, act, Z, P, T, B, K, G, 1.0, fused);
}

/* ---- values: produced by `/usr/bin/python3 tests/data/kernels/gen_loss.py` */

START_TEST(test_bce_clip)
{
    const float T1[1] = {1}, T0[1] = {0}, p0[1] = {0.0f}, p1[1] = {1.0f}, pm[1] = {0.25f};
    float G[1];
    bool fused = true;
    ck_assert_close(eval(FFNN_LOSS_BCE, false, FFNN_ACT_LINEAR, p0, p0, T1, 1, 1, G, &fused),
                    16.118095639272223, 1e-9);
    ck_assert(!fused);
    ck_assert_float_eq(G[0], 0.0f); /* clipped: zero gradient, as TF */
    ck_assert_close(eval(FFNN_LOSS_BCE, false, FFNN_ACT_LINEAR, p1, p1, T0, 1, 1, G, &fused),
                    15.942385152878742, 1e-9);
    ck_assert_float_eq(G[0], 0.0f);
    ck_assert_close(eval(FFNN_LOSS_BCE, false, FFNN_ACT_LINEAR, pm, pm, T1, 1, 1, G, &fused),
                    1.3862943611198906, 1e-9);
    ck_assert_close(G[0], -4.0, 1e-7); /* −y/p */
}
END_TEST

START_TEST(test_bce_sigmoid_logits)
{
    /* the loss is on Z; P (deliberately inconsistent here) is not read */
    const float Z[2] = {2.0f, -3.0f}, P[2] = {0.0f, 1.0f}, T[2] = {1, 1};
    float G[2];
    bool fused = false;
    ck_assert_close(eval(FFNN_LOSS_BCE, false, FFNN_ACT_SIGMOID, Z, P, T, 2, 1, G, &fused),
                    3.1755153626167147, 1e-9);
    ck_assert(fused);
    ck_assert_close(G[0], 1.0 / (1.0 + exp(-2.0)) - 1.0, 1e-7);
    ck_assert_close(G[1], 1.0 / (1.0 + exp(3.0)) - 1.0, 1e-7);
    /* from_logits on a sigmoid output still uses the cached logits */
    ck_assert_close(eval(FFNN_LOSS_BCE, true, FFNN_ACT_SIGMOID, Z, P, T, 2, 1, NULL, &fused),
                    3.1755153626167147, 1e-9);
    /* from_logits on a linear output: P are the logits */
    ck_assert_close(eval(FFNN_LOSS_BCE, true, FFNN_ACT_LINEAR, P, Z, T, 2, 1, NULL, &fused),
                    3.1755153626167147, 1e-9);
    ck_assert(!fused);
}
END_TEST

/* BCE on a 3-class softmax: by default the clipped probabilities (Keras 3 on
 * JAX/torch); with tf_cached_logits TensorFlow's rule, the mean of sigmoid
 * CEs of the logits. */
START_TEST(test_bce_softmax_logits)
{
    const float Z[6] = {1.0f, -0.5f, 2.0f, 0.1f, 0.2f, -1.0f}, T[6] = {0, 0, 1, 1, 0, 0};
    float P[6];
    bool fused = false;
    ffnn_act_forward(FFNN_ACT_SOFTMAX, Z, P, 2, 3);
    ck_assert_close(eval(FFNN_LOSS_BCE, false, FFNN_ACT_SOFTMAX, Z, P, T, 2, 3, NULL, &fused),
                    0.78810645776125832, 1e-6);
    ck_assert(!fused);
    ffnn_loss L = {.kind = FFNN_LOSS_BCE, .huber_delta = 1.0, .tf_cached_logits = true};
    ck_assert_close(ffnn_loss_eval(&L, FFNN_ACT_SOFTMAX, Z, P, T, 2, 3, NULL, 1.0, &fused),
                    1.2233546332382292, 1e-9);
    ck_assert(fused);
    /* the same probabilities as plain numbers (predict() output) */
    ck_assert_close(ffnn_loss_eval(&L, FFNN_ACT_LINEAR, P, P, T, 2, 3, NULL, 1.0, &fused),
                    0.78810645776125832, 1e-6);
}
END_TEST

START_TEST(test_cce_values)
{
    const float Z[6] = {1.0f, -0.5f, 2.0f, 0.1f, 0.2f, -1.0f}, T[6] = {0, 0, 1, 1, 0, 0};
    float P[6], G[6];
    bool fused = false;
    ffnn_act_forward(FFNN_ACT_SOFTMAX, Z, P, 2, 3);
    ck_assert_close(eval(FFNN_LOSS_CCE, false, FFNN_ACT_SOFTMAX, Z, P, T, 2, 3, G, &fused),
                    1.2627342907263355, 1e-9);
    ck_assert(fused);
    for (int i = 0; i < 6; i++) /* fused gradient P − T */
        ck_assert_close(G[i], P[i] - T[i], 1e-7);
    ck_assert_close(eval(FFNN_LOSS_SCCE, false, FFNN_ACT_SOFTMAX, Z, P, T, 2, 3, NULL, &fused),
                    1.2627342907263355, 1e-9);
    ck_assert_close(eval(FFNN_LOSS_CCE, true, FFNN_ACT_LINEAR, Z, Z, T, 2, 3, NULL, &fused),
                    1.2627342907263355, 1e-9);
    ck_assert(!fused);

    const float Pp[6] = {0.2f, 0.3f, 0.1f, 0.0f, 0.5f, 0.5f}, Tp[6] = {0, 1, 0, 1, 0, 0};
    ck_assert_close(eval(FFNN_LOSS_CCE, false, FFNN_ACT_LINEAR, Pp, Pp, Tp, 2, 3, NULL, &fused),
                    16.811242819832167, 1e-7);
    ck_assert_close(eval(FFNN_LOSS_SCCE, false, FFNN_ACT_LINEAR, Pp, Pp, Tp, 2, 3, NULL, &fused),
                    16.811242907414528, 1e-7);
}
END_TEST

START_TEST(test_regression_values)
{
    const float P[4] = {0.5f, 3.0f, -1.0f, 0.25f}, T[4] = {0, 0, 1, 0};
    float G[4];
    bool fused = true;
    ck_assert_close(eval(FFNN_LOSS_MSE, false, FFNN_ACT_LINEAR, P, P, T, 2, 2, G, &fused), 6.65625, 1e-12);
    ck_assert(!fused);
    ck_assert_close(G[1], 2.0 * 3.0 / 2, 1e-7); /* 2(p − t)/K */
    ck_assert_close(eval(FFNN_LOSS_MAE, false, FFNN_ACT_LINEAR, P, P, T, 2, 2, G, &fused), 2.875, 1e-12);
    ck_assert_close(G[2], -0.5, 1e-7);          /* sign(p − t)/K */
    /* Huber, both branches: |e| = 0.5, 0.25 quadratic; 3, 2 linear (δ = 1) */
    ck_assert_close(eval(FFNN_LOSS_HUBER, false, FFNN_ACT_LINEAR, P, P, T, 2, 2, G, &fused), 2.078125, 1e-12);
    ck_assert_close(G[0], 0.5 / 2, 1e-7);
    ck_assert_close(G[1], 1.0 / 2, 1e-7);
    ck_assert_close(G[2], -1.0 / 2, 1e-7);
    ffnn_loss L = {.kind = FFNN_LOSS_HUBER, .huber_delta = 0.5};
    ck_assert_close(ffnn_loss_eval(&L, FFNN_ACT_LINEAR, P, P, T, 2, 2, G, 1.0, &fused), 1.203125, 1e-12);
    ck_assert_close(G[0], 0.5 / 2, 1e-7);       /* |e| = δ: quadratic side, e/K */
    ck_assert_close(G[3], 0.25 / 2, 1e-7);
    ck_assert_close(G[1], 0.5 / 2, 1e-7);       /* linear side, δ·sign(e)/K */
    L.huber_delta = 0.0;                         /* unset -> Keras default 1.0 */
    ck_assert_close(ffnn_loss_eval(&L, FFNN_ACT_LINEAR, P, P, T, 2, 2, NULL, 1.0, NULL), 2.078125, 1e-12);
}
END_TEST

/* The return value is the sum over rows; G is scaled by scale. */
START_TEST(test_sum_and_scale)
{
    const float Z[4] = {0.3f, -1.2f, 2.0f, 0.7f}, T[4] = {1, 0, 0, 1};
    float P[4], G1[4], G2[4];
    ffnn_act_forward(FFNN_ACT_SIGMOID, Z, P, 4, 1);
    ffnn_loss L = {.kind = FFNN_LOSS_BCE, .huber_delta = 1.0};
    bool fused;
    double all = ffnn_loss_eval(&L, FFNN_ACT_SIGMOID, Z, P, T, 4, 1, G1, 1.0, &fused);
    double parts = 0;
    for (int r = 0; r < 4; r++)
        parts += ffnn_loss_eval(&L, FFNN_ACT_SIGMOID, Z + r, P + r, T + r, 1, 1, NULL, 1.0, &fused);
    ck_assert_close(all, parts, 1e-15);
    ffnn_loss_eval(&L, FFNN_ACT_SIGMOID, Z, P, T, 4, 1, G2, 0.25, &fused);
    for (int i = 0; i < 4; i++)
        ck_assert_close(G2[i], 0.25 * G1[i], 1e-7);
}
END_TEST

/* ---- finite-difference gradients --------------------------------------- */

typedef struct {
    ffnn_loss_kind kind;
    bool from_logits;
    ffnn_act act;
    int K;
    double delta;
    bool want_fused;
    bool tf; /* tf_cached_logits */
} combo;

static const combo combos[] = {
    {FFNN_LOSS_BCE, false, FFNN_ACT_SIGMOID, 1, 1, true, false},
    {FFNN_LOSS_BCE, false, FFNN_ACT_SIGMOID, 3, 1, true, false},
    {FFNN_LOSS_BCE, false, FFNN_ACT_SOFTMAX, 3, 1, false, false}, /* BCE on softmax probabilities */
    {FFNN_LOSS_BCE, false, FFNN_ACT_SOFTMAX, 3, 1, true, true}, /* ... TF: on the logits */
    {FFNN_LOSS_BCE, false, FFNN_ACT_SIGMOID, 2, 1, true, true},
    {FFNN_LOSS_BCE, true, FFNN_ACT_LINEAR, 1, 1, false, false},
    {FFNN_LOSS_BCE, true, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_BCE, false, FFNN_ACT_LINEAR, 2, 1, false, false}, /* clipped-probability path */
    {FFNN_LOSS_CCE, false, FFNN_ACT_SOFTMAX, 3, 1, true, false},
    {FFNN_LOSS_CCE, false, FFNN_ACT_SOFTMAX, 1, 1, true, false},
    {FFNN_LOSS_CCE, false, FFNN_ACT_SIGMOID, 4, 1, true, false}, /* cached sigmoid logits */
    {FFNN_LOSS_CCE, true, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_CCE, false, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_SCCE, false, FFNN_ACT_SOFTMAX, 4, 1, true, false},
    {FFNN_LOSS_SCCE, true, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_SCCE, false, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_MSE, false, FFNN_ACT_LINEAR, 2, 1, false, false},
    {FFNN_LOSS_MSE, false, FFNN_ACT_SIGMOID, 1, 1, false, false},
    {FFNN_LOSS_MSE, false, FFNN_ACT_SOFTMAX, 3, 1, false, false},
    {FFNN_LOSS_MSE, false, FFNN_ACT_TANH, 2, 1, false, false},
    {FFNN_LOSS_MAE, false, FFNN_ACT_LINEAR, 2, 1, false, false},
    {FFNN_LOSS_MAE, false, FFNN_ACT_SIGMOID, 3, 1, false, false},
    {FFNN_LOSS_MAE, false, FFNN_ACT_SOFTMAX, 3, 1, false, false},
    {FFNN_LOSS_HUBER, false, FFNN_ACT_LINEAR, 3, 1, false, false},
    {FFNN_LOSS_HUBER, false, FFNN_ACT_LINEAR, 3, 0.4, false, false},
    {FFNN_LOSS_HUBER, false, FFNN_ACT_SOFTMAX, 3, 0.1, false, false},
};

#define ROWS 4
#define KMAX 4

/* Loss as a function of Z: P = act(Z), then ffnn_loss_eval. */
static double loss_of_z(const combo *c, const float *Z, const float *T)
{
    float P[ROWS * KMAX];
    ffnn_loss L = {.kind = c->kind, .from_logits = c->from_logits, .huber_delta = c->delta, .tf_cached_logits = c->tf};
    ffnn_act_forward(c->act, Z, P, ROWS, c->K);
    return ffnn_loss_eval(&L, c->act, Z, P, T, ROWS, c->K, NULL, 1.0, NULL);
}

/* Z and T for a combination: probability paths keep linear outputs inside
 * (0.2, 0.8) so nothing is clipped; cross-entropy targets are one-hot rows
 * (0/1 for one BCE unit); regression targets stay away from the outputs and
 * from δ (MAE/Huber kinks). */
static void make_inputs(const combo *c, ffnn_rng *r, float *Z, float *T)
{
    int K = c->K;
    bool ce = c->kind <= FFNN_LOSS_SCCE;
    bool prob = ce && c->act == FFNN_ACT_LINEAR && !c->from_logits;
    for (int i = 0; i < ROWS; i++) {
        int hot = (int)ffnn_rng_below(r, (uint64_t)K);
        for (int k = 0; k < K; k++) {
            size_t j = (size_t)i * K + k;
            Z[j] = prob ? (float)(0.2 + 0.6 * ffnn_rng_uniform(r)) : (float)(4 * ffnn_rng_uniform(r) - 2);
            if (ce)
                T[j] = K == 1 && c->kind == FFNN_LOSS_BCE ? (float)ffnn_rng_below(r, 2) : (float)(k == hot);
            else
                T[j] = (float)(4 * ffnn_rng_uniform(r) - 2);
        }
    }
    if (!ce) /* keep |p − t| off 0 and off δ */
        for (int j = 0; j < ROWS * K; j++) {
            float P[ROWS * KMAX];
            ffnn_act_forward(c->act, Z, P, ROWS, K);
            double e = (double)P[j] - T[j];
            if (fabs(e) < 0.05 || fabs(fabs(e) - c->delta) < 0.05)
                T[j] -= 0.3f;
        }
}

START_TEST(test_gradients)
{
    const combo *c = &combos[_i];
    const double scale = 0.25;
    for (int seed = 0; seed < 3; seed++) {
        ffnn_rng r;
        ffnn_rng_init(&r, (uint64_t)seed, 55, (uint64_t)_i);
        float Z[ROWS * KMAX], T[ROWS * KMAX], P[ROWS * KMAX], G[ROWS * KMAX], dZ[ROWS * KMAX];
        int n = ROWS * c->K;
        make_inputs(c, &r, Z, T);
        ffnn_loss L = {.kind = c->kind, .from_logits = c->from_logits, .huber_delta = c->delta, .tf_cached_logits = c->tf};
        ffnn_act_forward(c->act, Z, P, ROWS, c->K);
        bool fused = !c->want_fused;
        ffnn_loss_eval(&L, c->act, Z, P, T, ROWS, c->K, G, scale, &fused);
        ck_assert_int_eq(fused, c->want_fused);
        if (fused)
            memcpy(dZ, G, (size_t)n * sizeof *G);
        else
            ffnn_act_backward(c->act, Z, P, G, dZ, ROWS, c->K);
        for (int j = 0; j < n; j++) {
            float z0 = Z[j], zp = z0 + 2e-3f, zm = z0 - 2e-3f;
            Z[j] = zp;
            double lp = loss_of_z(c, Z, T);
            Z[j] = zm;
            double lm = loss_of_z(c, Z, T);
            Z[j] = z0;
            double fd = scale * (lp - lm) / ((double)zp - zm);
            ck_assert_msg(fabs(fd - dZ[j]) <= 2e-3 * (fabs(fd) + 0.01),
                          "combo %d (%s, act %s, K %d) seed %d element %d: fd %.9g analytic %.9g", _i,
                          ffnn_loss_name(c->kind), ffnn_act_name(c->act), c->K, seed, j, fd, dZ[j]);
        }
    }
}
END_TEST

START_TEST(test_names)
{
    for (int k = 0; k < FFNN_LOSS_COUNT; k++)
        ck_assert_int_eq(ffnn_loss_parse(ffnn_loss_name((ffnn_loss_kind)k)), k);
    ffnn_names t = ffnn_loss_names();
    ck_assert_int_eq(t.n, FFNN_LOSS_COUNT);
    ck_assert(t.parse == ffnn_loss_parse);
    for (int k = 0; k < t.n; k++)
        ck_assert_str_eq(t.names[k], ffnn_loss_name((ffnn_loss_kind)k));
    ck_assert_str_eq(ffnn_loss_name(FFNN_LOSS_COUNT), "?");
    ck_assert_int_eq(ffnn_loss_parse(NULL), -1);
    ck_assert_int_eq(ffnn_loss_parse("SparseCategoricalCrossentropy"), FFNN_LOSS_SCCE);
    ck_assert_int_eq(ffnn_loss_parse("mse"), FFNN_LOSS_MSE);
    ck_assert_int_eq(ffnn_loss_parse("mean_squared_error"), FFNN_LOSS_MSE);
    ck_assert_int_eq(ffnn_loss_parse("mae"), FFNN_LOSS_MAE);
    ck_assert_int_eq(ffnn_loss_parse("mean_absolute_error"), FFNN_LOSS_MAE);
    ck_assert_int_eq(ffnn_loss_parse("huber"), FFNN_LOSS_HUBER);
    ck_assert_int_eq(ffnn_loss_parse("binary_crossentropy"), FFNN_LOSS_BCE);
    ck_assert_int_eq(ffnn_loss_parse("sparse_categorical_crossentropy"), FFNN_LOSS_SCCE);
    ck_assert_int_eq(ffnn_loss_parse("CategoricalCrossentropy"), FFNN_LOSS_CCE);
    ck_assert_int_eq(ffnn_loss_parse("hinge"), -1);
    ck_assert_int_eq(ffnn_loss_parse(""), -1);
    ck_assert_int_eq(ffnn_loss_parse(NULL), -1);
    ck_assert_str_eq(ffnn_loss_name(FFNN_LOSS_COUNT), "?");
}
END_TEST

/* ---- metrics (metrics.h; kept here, beside the losses they accompany) --- */

START_TEST(test_metric_binary)
{
    const float P[5] = {0.2f, 0.5f, 0.51f, 0.9f, 0.0f};
    const double y[5] = {0, 1, 1, 0, 0};
    /* p > 0.5: 0.5 counts as class 0 */
    ck_assert_int_eq(ffnn_metric_correct(P, y, 5, 1), 3);
}
END_TEST

START_TEST(test_metric_argmax_ties)
{
    const float P[12] = {0.4f, 0.4f, 0.2f,  /* tie 0/1 -> 0 */
                         0.1f, 0.45f, 0.45f, /* tie 1/2 -> 1 */
                         1.0f / 3, 1.0f / 3, 1.0f / 3, /* all tied -> 0 */
                         0.1f, 0.2f, 0.7f};
    const double y0[4] = {0, 1, 0, 2}, y1[4] = {1, 2, 2, 1};
    ck_assert_int_eq(ffnn_metric_correct(P, y0, 4, 3), 4);
    ck_assert_int_eq(ffnn_metric_correct(P, y1, 4, 3), 0);
}
END_TEST

START_TEST(test_metric_abs_err)
{
    const float P[3] = {1.5f, -2.0f, 0.25f};
    const double y[3] = {1.0, 1.0, 0.25};
    ck_assert_close(ffnn_metric_abs_err(P, y, 3), 3.5, 1e-15);
    ck_assert_close(ffnn_metric_abs_err(P, y, 0), 0.0, 0);
}
END_TEST

Suite *loss_suite(void);
Suite *loss_suite(void)
{
    Suite *s = suite_create("loss");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bce_clip);
    tcase_add_test(tc, test_bce_sigmoid_logits);
    tcase_add_test(tc, test_bce_softmax_logits);
    tcase_add_test(tc, test_cce_values);
    tcase_add_test(tc, test_regression_values);
    tcase_add_test(tc, test_sum_and_scale);
    tcase_add_loop_test(tc, test_gradients, 0, (int)(sizeof combos / sizeof combos[0]));
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("metrics");
    tcase_add_test(tm, test_metric_binary);
    tcase_add_test(tm, test_metric_argmax_ties);
    tcase_add_test(tm, test_metric_abs_err);
    suite_add_tcase(s, tm);
    return s;
}
