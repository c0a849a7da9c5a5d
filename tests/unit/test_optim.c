/* optim: Keras 3 update formulas against an independent numpy float32
 * implementation, defaults, names, reset. */
#include <stdlib.h>
#include <string.h>

#include "ffnn/optim.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* Produced by `/usr/bin/python3 tests/data/kernels/gen_optim.py` (numpy,
 * float32 like Keras variables): weights after step 1 and step 3 from W0 with
 * the gradients GRADS below, per variant. */
static const float adam_1[5] = {0.490000397f, -1.24000025f, 1.99000013f, 0.0f, -0.309999913f};
static const float adam_3[5] = {0.480756134f, -1.24502802f, 1.98080575f, -0.0132232653f, -0.319677562f};
static const float amsgrad_1[5] = {0.490000397f, -1.24000025f, 1.99000013f, 0.0f, -0.309999913f};
static const float amsgrad_3[5] = {0.480756134f, -1.24502802f, 1.98080575f, -0.0132204462f, -0.319674343f};
static const float adamw_1[5] = {0.4899804f, -1.2399503f, 1.98992014f, 0.0f, -0.309987903f};
static const float adamw_3[5] = {0.480697036f, -1.24487877f, 1.98056686f, -0.0132229682f, -0.319640487f};
static const float adam_default_1[5] = {0.499000043f, -1.24900007f, 1.99900007f, 0.0f, -0.300999999f};
static const float adam_default_3[5] = {0.498075634f, -1.2495029f, 1.99808061f, -0.00132232672f, -0.30196777f};
static const float sgd_1[5] = {0.499000013f, -1.24800003f, 1.99699998f, 0.0f, -0.314999998f};
static const float sgd_3[5] = {0.497500002f, -1.25099993f, 1.99899995f, -0.000200999988f, -0.310099989f};
static const float sgd_momentum_1[5] = {0.495000005f, -1.24000001f, 1.98500001f, 0.0f, -0.375f};
static const float sgd_momentum_3[5] = {0.48120001f, -1.25590003f, 1.96485007f, -0.00190500007f, -0.479200006f};
static const float sgd_nesterov_1[5] = {0.490500003f, -1.23099995f, 1.97150004f, 0.0f, -0.442500025f};
static const float sgd_nesterov_3[5] = {0.470580012f, -1.26030993f, 1.96336508f, -0.0027195001f, -0.511780024f};
static const float rmsprop_1[5] = {0.468378812f, -1.21837759f, 1.96837735f, 0.0f, -0.331622779f};
static const float rmsprop_3[5] = {0.454936862f, -1.2396245f, 1.98077595f, -0.0317497551f, -0.320862174f};
static const float rmsprop_centered_momentum_1[5] = {0.466668516f, -1.21666718f, 1.96666682f, 0.0f, -0.333333343f};
static const float rmsprop_centered_momentum_3[5] = {0.407994419f, -1.20729303f, 1.91094697f, -0.0634200945f, -0.379651874f};
static const float adagrad_1[5] = {0.469848871f, -1.19654775f, 1.93117535f, 0.0f, -0.397849232f};
static const float adagrad_3[5] = {0.433541238f, -1.25161684f, 1.96452332f, -0.00634350069f, -0.367493451f};

static const float W0[5] = {0.5f, -1.25f, 2.0f, 0.0f, -0.3f};
static const float GRADS[3][5] = {
    {0.1f, -0.2f, 0.3f, 0.0f, 1.5f},
    {-0.05f, 0.4f, 0.1f, 0.02f, 0.01f},
    {0.2f, -0.1f, -0.3f, 1e-4f, -0.5f},
};

/* Runs three steps of spec from W0 and compares after steps 1 and 3. */
static void check_variant(const ffnn_optim_spec *spec, const float *want1, const float *want3)
{
    ffnn_optim o;
    ffnn_error err;
    float w[5];
    memcpy(w, W0, sizeof w);
    ck_assert_int_eq(ffnn_optim_init(&o, spec, 5, &err), FFNN_OK);
    for (int s = 0; s < 3; s++) {
        ffnn_optim_step(&o, w, GRADS[s]);
        const float *want = s == 0 ? want1 : s == 2 ? want3 : NULL;
        if (want)
            for (int i = 0; i < 5; i++)
                ck_assert_close(w[i], want[i], 2e-6);
    }
    ck_assert_int_eq(o.iterations, 3);
    ffnn_optim_release(&o);
}

static ffnn_optim_spec spec_lr(ffnn_optim_kind kind, double lr)
{
    ffnn_optim_spec s = ffnn_optim_default(kind);
    s.learning_rate = lr;
    return s;
}

START_TEST(test_adam)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_ADAM, 0.01);
    check_variant(&s, adam_1, adam_3);
    s = ffnn_optim_default(FFNN_OPTIM_ADAM);
    check_variant(&s, adam_default_1, adam_default_3);
}
END_TEST

START_TEST(test_amsgrad)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_ADAM, 0.01);
    s.amsgrad = true;
    check_variant(&s, amsgrad_1, amsgrad_3);
    /* the reference itself must distinguish amsgrad from adam */
    ck_assert(amsgrad_3[3] != adam_3[3]);
}
END_TEST

START_TEST(test_adamw)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_ADAMW, 0.01);
    ck_assert_close(s.weight_decay, 0.004, 0);
    check_variant(&s, adamw_1, adamw_3);
}
END_TEST

START_TEST(test_sgd)
{
    ffnn_optim_spec s = ffnn_optim_default(FFNN_OPTIM_SGD);
    check_variant(&s, sgd_1, sgd_3);
    s = spec_lr(FFNN_OPTIM_SGD, 0.05);
    s.momentum = 0.9;
    check_variant(&s, sgd_momentum_1, sgd_momentum_3);
    s.nesterov = true;
    check_variant(&s, sgd_nesterov_1, sgd_nesterov_3);
}
END_TEST

START_TEST(test_rmsprop)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_RMSPROP, 0.01);
    check_variant(&s, rmsprop_1, rmsprop_3);
    s.centered = true;
    s.momentum = 0.9;
    check_variant(&s, rmsprop_centered_momentum_1, rmsprop_centered_momentum_3);
}
END_TEST

START_TEST(test_adagrad)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_ADAGRAD, 0.1);
    check_variant(&s, adagrad_1, adagrad_3);
}
END_TEST

/* Adam's first step moves every parameter with g != 0 by about lr (the
 * epsilon-hat form: m̂/√v̂ = sign(g)), a hand-checkable property. */
START_TEST(test_adam_first_step_is_lr)
{
    ffnn_optim_spec s = ffnn_optim_default(FFNN_OPTIM_ADAM);
    ffnn_optim o;
    float w[3] = {1, 1, 1}, g[3] = {0.1f, -5.0f, 0.0f};
    ck_assert_int_eq(ffnn_optim_init(&o, &s, 3, NULL), FFNN_OK);
    ffnn_optim_step(&o, w, g);
    ck_assert_close(w[0], 1 - 0.001, 1e-6);
    ck_assert_close(w[1], 1 + 0.001, 1e-6);
    ck_assert_float_eq(w[2], 1.0f);
    ffnn_optim_release(&o);
}
END_TEST

START_TEST(test_defaults)
{
    for (int k = 0; k < FFNN_OPTIM_COUNT; k++) {
        ffnn_optim_spec s = ffnn_optim_default((ffnn_optim_kind)k);
        ck_assert_int_eq(s.kind, k);
        ck_assert_close(s.learning_rate, k == FFNN_OPTIM_SGD ? 0.01 : 0.001, 0);
        ck_assert_close(s.beta_1, 0.9, 0);
        ck_assert_close(s.beta_2, 0.999, 0);
        ck_assert_close(s.epsilon, 1e-7, 0);
        ck_assert(!s.amsgrad && !s.nesterov && !s.centered);
        ck_assert_close(s.weight_decay, k == FFNN_OPTIM_ADAMW ? 0.004 : 0.0, 0);
        ck_assert_close(s.momentum, 0.0, 0);
        ck_assert_close(s.rho, 0.9, 0);
        ck_assert_close(s.initial_accumulator_value, 0.1, 0);
    }
}
END_TEST

START_TEST(test_names)
{
    for (int k = 0; k < FFNN_OPTIM_COUNT; k++)
        ck_assert_int_eq(ffnn_optim_parse(ffnn_optim_name((ffnn_optim_kind)k)), k);
    ck_assert_str_eq(ffnn_optim_name(FFNN_OPTIM_ADAMW), "adamw");
    ck_assert_int_eq(ffnn_optim_parse("Adam"), FFNN_OPTIM_ADAM);
    ck_assert_int_eq(ffnn_optim_parse("RMSprop"), FFNN_OPTIM_RMSPROP);
    ck_assert_int_eq(ffnn_optim_parse("SGD"), FFNN_OPTIM_SGD);
    ck_assert_int_eq(ffnn_optim_parse("adamax"), -1);
    ck_assert_int_eq(ffnn_optim_parse("ada"), -1);
    ck_assert_int_eq(ffnn_optim_parse(""), -1);
    ck_assert_int_eq(ffnn_optim_parse(NULL), -1);
    ck_assert_str_eq(ffnn_optim_name(FFNN_OPTIM_COUNT), "?");
    ffnn_names t = ffnn_optim_names();
    ck_assert_int_eq(t.n, FFNN_OPTIM_COUNT);
    ck_assert(t.parse == ffnn_optim_parse);
    for (int k = 0; k < t.n; k++)
        ck_assert_str_eq(t.names[k], ffnn_optim_name((ffnn_optim_kind)k));
}
END_TEST

/* reset = a fresh optimizer: same trajectory again; lr restored. */
START_TEST(test_reset)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_ADAGRAD, 0.1);
    ffnn_optim o;
    float w[5];
    ck_assert_int_eq(ffnn_optim_init(&o, &s, 5, NULL), FFNN_OK);
    for (int rep = 0; rep < 2; rep++) {
        memcpy(w, W0, sizeof w);
        for (int st = 0; st < 3; st++)
            ffnn_optim_step(&o, w, GRADS[st]);
        for (int i = 0; i < 5; i++)
            ck_assert_close(w[i], adagrad_3[i], 2e-6);
        o.lr = 123.0;
        ffnn_optim_reset(&o);
        ck_assert_int_eq(o.iterations, 0);
        ck_assert_close(o.lr, 0.1, 0);
    }
    ffnn_optim_release(&o);
    ffnn_optim_release(&o);
}
END_TEST

/* The learning rate used is the current o.lr (schedules), not the spec's. */
START_TEST(test_current_lr)
{
    ffnn_optim_spec s = spec_lr(FFNN_OPTIM_SGD, 0.5);
    ffnn_optim o;
    float w[1] = {1.0f}, g[1] = {2.0f};
    ck_assert_int_eq(ffnn_optim_init(&o, &s, 1, NULL), FFNN_OK);
    o.lr = 0.25;
    ffnn_optim_step(&o, w, g);
    ck_assert_float_eq(w[0], 0.5f);
    ffnn_optim_release(&o);
}
END_TEST

START_TEST(test_bad_kind)
{
    ffnn_optim_spec s = ffnn_optim_default(FFNN_OPTIM_ADAM);
    s.kind = FFNN_OPTIM_COUNT;
    ffnn_optim o;
    ffnn_error err;
    ffnn_error_clear(&err);
    ck_assert_int_eq(ffnn_optim_init(&o, &s, 4, &err), FFNN_ECONFIG);
    ck_assert_int_eq(err.status, FFNN_ECONFIG);
    ck_assert_ptr_null(o.m);
    ffnn_optim_release(&o);
}
END_TEST

/* zero parameters: a valid, empty optimizer */
START_TEST(test_empty)
{
    ffnn_optim_spec s = ffnn_optim_default(FFNN_OPTIM_RMSPROP);
    s.centered = true;
    s.momentum = 0.5;
    ffnn_optim o;
    ck_assert_int_eq(ffnn_optim_init(&o, &s, 0, NULL), FFNN_OK);
    ffnn_optim_step(&o, NULL, NULL);
    ck_assert_int_eq(o.iterations, 1);
    ffnn_optim_release(&o);
}
END_TEST

/* The step split over a pool gives the bits of the one-thread step, for every
 * optimizer variant and 1..3 threads (n large enough to split). */
START_TEST(test_pool_step_same_bits)
{
    const size_t n = 100003;
    ffnn_optim_spec specs[7];
    specs[0] = ffnn_optim_default(FFNN_OPTIM_ADAM);
    specs[1] = ffnn_optim_default(FFNN_OPTIM_ADAM);
    specs[1].amsgrad = true;
    specs[2] = ffnn_optim_default(FFNN_OPTIM_ADAMW);
    specs[3] = ffnn_optim_default(FFNN_OPTIM_SGD);
    specs[3].momentum = 0.9;
    specs[3].nesterov = true;
    specs[4] = ffnn_optim_default(FFNN_OPTIM_RMSPROP);
    specs[4].centered = true;
    specs[4].momentum = 0.5;
    specs[5] = ffnn_optim_default(FFNN_OPTIM_ADAGRAD);
    specs[6] = ffnn_optim_default(FFNN_OPTIM_SGD);
    float *w0 = malloc(n * sizeof *w0), *w1 = malloc(n * sizeof *w1), *g = malloc(n * sizeof *g);
    ffnn_rng r;
    ffnn_rng_init(&r, 1, 99, 0);
    for (size_t i = 0; i < n; i++)
        g[i] = (float)ffnn_rng_normal(&r);
    for (int k = 0; k < 7; k++)
        for (int threads = 1; threads <= 3; threads++) {
            ffnn_optim a, b;
            ffnn_pool *pool;
            ffnn_error err;
            ck_assert_int_eq(ffnn_pool_create(&pool, threads, &err), FFNN_OK);
            ck_assert_int_eq(ffnn_optim_init(&a, &specs[k], n, &err), FFNN_OK);
            ck_assert_int_eq(ffnn_optim_init(&b, &specs[k], n, &err), FFNN_OK);
            for (size_t i = 0; i < n; i++)
                w0[i] = w1[i] = (float)i / (float)n - 0.5f;
            for (int step = 0; step < 3; step++) {
                ffnn_optim_step(&a, w0, g);
                ffnn_optim_step_pool(&b, w1, g, pool);
            }
            ck_assert_int_eq(a.iterations, b.iterations);
            ck_assert_msg(memcmp(w0, w1, n * sizeof *w0) == 0, "%s, %d threads: weights differ",
                          ffnn_optim_name(specs[k].kind), threads);
            ffnn_optim_release(&a);
            ffnn_optim_release(&b);
            ffnn_pool_destroy(pool);
        }
    free(w0);
    free(w1);
    free(g);
}
END_TEST


/* Adam and AdamW over many elements (the vector loops and their scalar
 * tails) give, bit for bit, the per-element float formula written out
 * here: m += (g - m)(1 - b1); v += (g*g - v)(1 - b2); w -= m*alpha/(sqrt(v)
 * + eps), AdamW's w - w*wd*lr first. */
START_TEST(test_adam_long_arrays_same_bits)
{
    const size_t n = 1037;
    for (int kind = 0; kind < 2; kind++) {
        ffnn_optim_spec s = ffnn_optim_default(kind ? FFNN_OPTIM_ADAMW : FFNN_OPTIM_ADAM);
        s.learning_rate = 0.01;
        ffnn_optim o;
        ck_assert_int_eq(ffnn_optim_init(&o, &s, n, NULL), FFNN_OK);
        float *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g), *we = malloc(n * sizeof *we);
        float *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
        ffnn_rng r;
        ffnn_rng_init(&r, 5, 99, (uint64_t)kind);
        for (size_t i = 0; i < n; i++)
            w[i] = we[i] = (float)ffnn_rng_normal(&r);
        float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, c1 = (float)(1.0 - 0.9), c2 = (float)(1.0 - 0.999);
        float eps = 1e-7f, wd = kind ? 0.004f : 0.0f;
        for (int t = 1; t <= 4; t++) {
            for (size_t i = 0; i < n; i++)
                g[i] = (float)ffnn_rng_normal(&r) * (i % 7 == 0 ? 0.0f : 1.0f);
            ffnn_optim_step(&o, w, g);
            float tf = (float)t;
            float alpha = lr * sqrtf(1.0f - powf(b2, tf)) / (1.0f - powf(b1, tf));
            for (size_t i = 0; i < n; i++) {
                if (kind)
                    we[i] = we[i] - we[i] * wd * lr;
                m[i] += (g[i] - m[i]) * c1;
                v[i] += (g[i] * g[i] - v[i]) * c2;
                we[i] -= m[i] * alpha / (sqrtf(v[i]) + eps);
            }
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(memcmp(&w[i], &we[i], sizeof(float)) == 0 &&
                                  memcmp(&o.m[i], &m[i], sizeof(float)) == 0 &&
                                  memcmp(&o.v[i], &v[i], sizeof(float)) == 0,
                              "%s step %d element %zu: %.9g vs %.9g", ffnn_optim_name(s.kind), t, i,
                              w[i], we[i]);
        }
        ffnn_optim_release(&o);
        free(w); free(g); free(we); free(m); free(v);
    }
}
END_TEST

Suite *optim_suite(void);
Suite *optim_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_adam);
    tcase_add_test(tc, test_amsgrad);
    tcase_add_test(tc, test_adamw);
    tcase_add_test(tc, test_sgd);
    tcase_add_test(tc, test_rmsprop);
    tcase_add_test(tc, test_adagrad);
    tcase_add_test(tc, test_adam_first_step_is_lr);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_current_lr);
    tcase_add_test(tc, test_bad_kind);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_pool_step_same_bits);
    tcase_add_test(tc, test_adam_long_arrays_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
