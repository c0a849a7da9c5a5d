/* model: initialisers, whole-network gradients, dropout at predict time,
 * output-layer rules, save -> load -> identical predictions, summary. */
#include <stdlib.h>
#include <string.h>
#include "ffnn/model.h"
#include "ffnn/model_io.h"
#include "testutil.h"

/* A prep for the toy CSV text (features a,b,c; target last). */
static ffnn_prep make_prep(const char *csv, const char *task)
{
    ffnn_table t;
    ffnn_prep p;
    ffnn_error err;
    FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(ffnn_table_read(&t, fp, "toy.csv", false, &err), FFNN_OK);
    fclose(fp);
    ffnn_prep_options o = ffnn_prep_options_default();
    if (task)
        o.task = (ffnn_task)ffnn_task_parse(task);
    ck_assert_msg(ffnn_prep_fit(&p, &t, &o, &err) == FFNN_OK, "%s", err.msg);
    ffnn_table_release(&t);
    return p;
}

static const char *TOY3 = "a,b,c,y\n1,2,3,0\n2,1,0,1\n0,0,1,2\n3,3,3,1\n1,0,2,0\n";
static const char *TOY2 = "a,b,c,y\n1,2,3,0\n2,1,0,1\n0,0,1,1\n3,3,3,1\n1,0,2,0\n";
static const char *TOYR = "a,b,c,y\n1,2,3,0.5\n2,1,0,1.5\n0,0,1,2.25\n3,3,3,1\n1,0,2,7\n";

START_TEST(test_glorot_bounds)
{
    ffnn_layer_spec ls[2] = {{64, FFNN_ACT_RELU, 0}, {32, FFNN_ACT_LINEAR, 0}};
    for (int init = 0; init < FFNN_INIT_COUNT; init++) {
        ffnn_model *m;
        ffnn_error err;
        ck_assert_int_eq(ffnn_model_create_layers(&m, 100, ls, 2, &err), FFNN_OK);
        m->kernel_initializer = (ffnn_init)init;
        for (size_t i = 0; i < m->n_params; i++)
            m->params[i] = 99.0f;
        ffnn_rng r;
        ffnn_rng_init(&r, 7, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        int in = 100;
        for (int l = 0; l < 2; l++) {
            int out = ls[l].units;
            double var = init == FFNN_INIT_GLOROT_UNIFORM || init == FFNN_INIT_GLOROT_NORMAL
                             ? 2.0 / (in + out) : 2.0 / in;
            const float *W = m->params + m->w_off[l];
            size_t n = (size_t)in * out;
            double s2 = 0, bound = init == FFNN_INIT_GLOROT_UNIFORM || init == FFNN_INIT_HE_UNIFORM
                                       ? sqrt(3.0 * var)                       /* uniform limit */
                                       : 2.0 * sqrt(var) / 0.87962566103423978; /* truncation */
            for (size_t i = 0; i < n; i++) {
                ck_assert_msg(fabs(W[i]) <= bound, "%s layer %d: |w| %g > %g", ffnn_init_name(init), l,
                              (double)W[i], bound);
                s2 += (double)W[i] * W[i];
            }
            /* Sample variance of ≥2048 weights within 10% of the target. */
            ck_assert_msg(fabs(s2 / n / var - 1.0) < 0.1, "%s layer %d: variance %g, want %g",
                          ffnn_init_name(init), l, s2 / n, var);
            for (int k = 0; k < out; k++)
                ck_assert(m->params[m->b_off[l] + k] == 0.0f);
            in = out;
        }
        ffnn_model_destroy(m);
    }
}
END_TEST

/* Loss (mean over the batch + L2) for the current params, same dropout
 * masks as the analytic pass (the rng is re-seeded every time). */
static double net_loss(const ffnn_model *m, ffnn_workspace *ws, const float *X, const float *T, int B)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 3, FFNN_RNG_DROPOUT, 0);
    const float *P = ffnn_model_forward(m, ws, X, B, true, &r);
    bool fused;
    int K = ffnn_model_n_out(m);
    return ffnn_loss_eval(&m->loss, m->layers[m->n_layers - 1].activation, ffnn_model_logits(m, ws), P, T,
                          B, K, NULL, 1.0, &fused) / B + ffnn_model_l2_penalty(m);
}

START_TEST(test_network_gradient)
{
    /* Smooth activations (no kinks), dropout, L2, and each output/loss pair. */
    struct { ffnn_act out; ffnn_loss_kind loss; int K; } cases[] = {
        {FFNN_ACT_SOFTMAX, FFNN_LOSS_CCE, 3},
        {FFNN_ACT_SOFTMAX, FFNN_LOSS_BCE, 3},
        {FFNN_ACT_SIGMOID, FFNN_LOSS_BCE, 1},
        {FFNN_ACT_LINEAR, FFNN_LOSS_MSE, 2},
        {FFNN_ACT_LINEAR, FFNN_LOSS_HUBER, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ffnn_layer_spec ls[3] = {{5, FFNN_ACT_TANH, 0.25f}, {4, FFNN_ACT_GELU, 0}, {cases[c].K, cases[c].out, 0}};
        ffnn_model *m;
        ffnn_workspace *ws;
        ffnn_error err;
        ck_assert_int_eq(ffnn_model_create_layers(&m, 3, ls, 3, &err), FFNN_OK);
        m->loss.kind = cases[c].loss;
        m->loss.huber_delta = 1.0;
        m->l2 = 0.01;
        ffnn_rng r;
        ffnn_rng_init(&r, 11 + c, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        for (int l = 0; l < 3; l++)
            for (int k = 0; k < ls[l].units; k++)
                m->params[m->b_off[l] + k] = (float)(0.1 * ffnn_rng_normal(&r));
        ck_assert_int_eq(ffnn_workspace_create(&ws, m, 4, &err), FFNN_OK);
        const int B = 4;
        float X[12], T[12];
        for (int i = 0; i < 12; i++)
            X[i] = (float)ffnn_rng_normal(&r);
        for (int i = 0; i < B; i++)
            for (int k = 0; k < cases[c].K; k++)
                T[i * cases[c].K + k] = cases[c].loss == FFNN_LOSS_MSE || cases[c].loss == FFNN_LOSS_HUBER
                                            ? (float)(2 * ffnn_rng_normal(&r))
                                        : cases[c].K == 1 ? (float)(i % 2) : (float)(k == i % cases[c].K);
        ffnn_rng dr;
        ffnn_rng_init(&dr, 3, FFNN_RNG_DROPOUT, 0);
        ffnn_model_forward(m, ws, X, B, true, &dr);
        ffnn_model_backward(m, ws, X, T, B);
        float *g = malloc(m->n_params * sizeof *g);
        memcpy(g, ws->grad, m->n_params * sizeof *g);
        for (size_t i = 0; i < m->n_params; i++) {
            float w0 = m->params[i];
            double h = 1e-2 * fmax(1.0, fabs(w0));
            m->params[i] = (float)(w0 + h);
            double hp = (double)m->params[i] - w0;
            double lp = net_loss(m, ws, X, T, B);
            m->params[i] = (float)(w0 - h);
            double hm = w0 - (double)m->params[i];
            double lm = net_loss(m, ws, X, T, B);
            m->params[i] = w0;
            double fd = (lp - lm) / (hp + hm);
            ck_assert_msg(fabs(fd - g[i]) <= 2e-3 + 2e-2 * fabs(fd),
                          "case %zu param %zu: finite difference %g, backward %g", c, i, fd, (double)g[i]);
        }
        free(g);
        ffnn_workspace_destroy(ws);
        ffnn_model_destroy(m);
    }
}
END_TEST

START_TEST(test_dropout_only_in_training)
{
    ffnn_layer_spec ls[2] = {{50, FFNN_ACT_RELU, 0.5f}, {2, FFNN_ACT_LINEAR, 0}};
    ffnn_model *m;
    ffnn_workspace *ws;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, 3, ls, 2, &err), FFNN_OK);
    ffnn_rng r;
    ffnn_rng_init(&r, 5, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ck_assert_int_eq(ffnn_workspace_create(&ws, m, 2, &err), FFNN_OK);
    float X[6] = {1, 2, 3, -1, 0.5f, 2}, P1[4], P2[4], Pt[4];
    ffnn_model_predict(m, ws, X, 2, P1);
    ffnn_model_predict(m, ws, X, 2, P2);
    ck_assert(memcmp(P1, P2, sizeof P1) == 0);
    /* By hand, no dropout: relu(X·W0ᵀ + b0)·W1ᵀ + b1. */
    for (int i = 0; i < 2; i++)
        for (int o = 0; o < 2; o++) {
            double s = m->params[m->b_off[1] + o];
            for (int h = 0; h < 50; h++) {
                double z = m->params[m->b_off[0] + h];
                for (int j = 0; j < 3; j++)
                    z += (double)X[i * 3 + j] * m->params[m->w_off[0] + h * 3 + j];
                s += (z > 0 ? z : 0) * m->params[m->w_off[1] + o * 50 + h];
            }
            ck_assert_close(P1[i * 2 + o], s, 1e-5);
        }
    /* Training mode drops about half of the hidden units, scaled by 2. */
    ffnn_rng dr;
    ffnn_rng_init(&dr, 9, FFNN_RNG_DROPOUT, 0);
    memcpy(Pt, ffnn_model_forward(m, ws, X, 2, true, &dr), sizeof Pt);
    ck_assert(memcmp(Pt, P1, sizeof Pt) != 0);
    int kept = 0;
    for (int i = 0; i < 100; i++) {
        ck_assert(ws->mask[0][i] == 0.0f || ws->mask[0][i] == 2.0f);
        kept += ws->mask[0][i] != 0.0f;
    }
    ck_assert_msg(kept > 30 && kept < 70, "kept %d of 100", kept);
    ffnn_workspace_destroy(ws);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_output_rules)
{
    ffnn_error err;
    ffnn_model *m;
    ffnn_arch_spec s = ffnn_arch_spec_default();
    ffnn_prep p3 = make_prep(TOY3, "multiclass"), p2 = make_prep(TOY2, "binary"), pr = make_prep(TOYR, NULL);
    ck_assert_int_eq(p3.task, FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(p2.task, FFNN_TASK_BINARY);
    ck_assert_int_eq(pr.task, FFNN_TASK_REGRESSION);

    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 3);
    ck_assert_int_eq(m->layers[1].activation, FFNN_ACT_SOFTMAX);
    ck_assert_int_eq(m->loss.kind, FFNN_LOSS_CCE);
    ffnn_model_destroy(m);

    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 1);
    ck_assert_int_eq(m->layers[1].activation, FFNN_ACT_SIGMOID);
    ck_assert_int_eq(m->loss.kind, FFNN_LOSS_BCE);
    ffnn_model_destroy(m);

    s.output_activation = FFNN_ACT_SOFTMAX;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 2);
    ck_assert_int_eq(m->loss.kind, FFNN_LOSS_CCE);
    ffnn_model_destroy(m);

    /* output_units: 2 on a binary sigmoid is the tutorial's sigmoid on each
     * one-hot class; a count the task does not allow is refused. */
    s = ffnn_arch_spec_default();
    s.output_units = 2;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 2);
    ck_assert_int_eq(m->layers[1].activation, FFNN_ACT_SIGMOID);
    ck_assert_int_eq(m->loss.kind, FFNN_LOSS_BCE);
    ffnn_model_destroy(m);
    s.output_units = 1;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 1);
    ffnn_model_destroy(m);
    s.output_units = 3;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "output_units: 3 does not fit a binary task with a sigmoid output; use 1 or 2");
    s.output_units = 2;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "output_units: 2 does not fit a multiclass task with a softmax output; use 3");
    s.output_units = 1;
    s.output_activation = FFNN_ACT_SOFTMAX;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p2, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "output_units: 1 does not fit a binary task with a softmax output; use 2");
    s = ffnn_arch_spec_default();
    s.output_units = 3;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 3);
    ffnn_model_destroy(m);
    s.output_units = 2;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &pr, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "output_units: 2 does not fit a regression task with a linear output; use 1");

    s = ffnn_arch_spec_default();
    ck_assert_int_eq(ffnn_model_create(&m, &s, &pr, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_n_out(m), 1);
    ck_assert_int_eq(m->layers[1].activation, FFNN_ACT_LINEAR);
    ck_assert_int_eq(m->loss.kind, FFNN_LOSS_MSE);
    ffnn_model_destroy(m);

    s.loss = FFNN_LOSS_MAE;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "loss: mean_absolute_error is a regression loss but the task is multiclass classification; "
                              "use binary_crossentropy or categorical_crossentropy");
    s.loss = FFNN_LOSS_CCE;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &pr, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "loss: categorical_crossentropy needs a classification task but the task is regression");
    s = ffnn_arch_spec_default();
    s.output_activation = FFNN_ACT_RELU;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "output_activation: relu cannot give class probabilities; use softmax or "
                              "sigmoid (or linear with \"from_logits\": true)");
    s = ffnn_arch_spec_default();
    s.hidden[0].units = 0;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p3, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "layer 0: units must be 1..1048576, got 0");
    ffnn_prep_release(&p3);
    ffnn_prep_release(&p2);
    ffnn_prep_release(&pr);
}
END_TEST

START_TEST(test_save_load_identical_predictions)
{
    ffnn_error err;
    ffnn_model *m, *m2;
    ffnn_arch_spec s = ffnn_arch_spec_default();
    s.n_hidden = 2;
    s.hidden[1] = (ffnn_layer_spec){7, FFNN_ACT_SWISH, 0.2f};
    ffnn_prep p = make_prep(TOY3, "multiclass");
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p, &err), FFNN_OK);
    ffnn_rng r;
    ffnn_rng_init(&r, 1, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    unsigned char *buf, *buf2;
    size_t len, len2;
    ck_assert_int_eq(ffnn_model_serialize(m, &buf, &len, &err), FFNN_OK);
    ck_assert_msg(ffnn_model_deserialize(&m2, buf, len, "mem.ffnn", &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(ffnn_model_serialize(m2, &buf2, &len2, &err), FFNN_OK);
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(buf, buf2, len) == 0);
    ffnn_workspace *w1, *w2;
    ck_assert_int_eq(ffnn_workspace_create(&w1, m, 8, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_workspace_create(&w2, m2, 8, &err), FFNN_OK);
    float X[24], P1[24], P2[24];
    for (int i = 0; i < 24; i++)
        X[i] = (float)ffnn_rng_normal(&r);
    ffnn_model_predict(m, w1, X, 8, P1);
    ffnn_model_predict(m2, w2, X, 8, P2);
    ck_assert(memcmp(P1, P2, sizeof(float) * 8 * 3) == 0);
    free(buf);
    free(buf2);
    ffnn_workspace_destroy(w1);
    ffnn_workspace_destroy(w2);
    ffnn_model_destroy(m);
    ffnn_model_destroy(m2);
    ffnn_prep_release(&p);
}
END_TEST

START_TEST(test_summary)
{
    ffnn_layer_spec ls[3] = {{16, FFNN_ACT_RELU, 0.1f}, {16, FFNN_ACT_RELU, 0.1f}, {3, FFNN_ACT_SOFTMAX, 0}};
    ffnn_model *m;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, 4, ls, 3, &err), FFNN_OK);
    ck_assert_uint_eq(m->n_params, 4 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    ffnn_model_summary(m, fp);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(text, "│ dense_1 (Dense)                 │ (None, 16)             │           272 │"));
    ck_assert_ptr_nonnull(strstr(text, "│ dropout_1 (Dropout)             │ (None, 16)             │             0 │"));
    ck_assert_ptr_nonnull(strstr(text, " Total params: 403 (1.57 KB)\n"));
    ck_assert_ptr_nonnull(strstr(text, " Non-trainable params: 0 (0.00 B)\n"));
    free(text);
    ffnn_model_destroy(m);
}
END_TEST

/* Forward and backward on pools of 1, 2 and 3 threads (and none) give the
 * same bits: outputs, logits, every layer's Z and A, the gradient and the
 * loss.  The batch is large enough to be split, and not a multiple of the
 * row blocks; dropout, L2, tanh and a softmax output are included.  At B =
 * 130 two threads split rows and three split columns; at B = 80 both split
 * columns (a hidden softmax layer: rows). */
static void check_threads_same_bits(int B, ffnn_act hidden2)
{
    ffnn_layer_spec ls[4] = {{128, FFNN_ACT_RELU, 0.2f}, {96, hidden2, 0},
                             {64, FFNN_ACT_RELU, 0.1f}, {7, FFNN_ACT_SOFTMAX, 0}};
    const int D = 50, K = 7;
    ffnn_model *m;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, D, ls, 4, &err), FFNN_OK);
    m->loss.kind = FFNN_LOSS_CCE;
    m->l2 = 1e-3;
    ffnn_rng r;
    ffnn_rng_init(&r, 77, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    float *X = malloc((size_t)B * D * sizeof(float)), *T = calloc((size_t)B * K, sizeof(float));
    for (int i = 0; i < B * D; i++)
        X[i] = (float)ffnn_rng_normal(&r);
    for (int i = 0; i < B; i++)
        T[i * K + i % K] = 1.0f;
    float *grad0 = malloc(m->n_params * sizeof(float)), *out0 = malloc((size_t)B * K * sizeof(float));
    float *P0 = malloc((size_t)B * K * sizeof(float));
    float *Z0[4], *A0[4];
    double loss0 = 0;
    for (int t = 0; t <= 3; t++) {
        ffnn_workspace *ws;
        ffnn_pool *pool = NULL;
        ck_assert_int_eq(ffnn_workspace_create(&ws, m, B, &err), FFNN_OK);
        if (t > 0) {
            ck_assert_int_eq(ffnn_pool_create(&pool, t, &err), FFNN_OK);
            ws->pool = pool;
        }
        ffnn_rng dr;
        ffnn_rng_init(&dr, 9, FFNN_RNG_DROPOUT, 0);
        const float *out = ffnn_model_forward(m, ws, X, B, true, &dr);
        double loss = ffnn_model_backward(m, ws, X, T, B);
        if (t == 0) {
            memcpy(grad0, ws->grad, m->n_params * sizeof(float));
            memcpy(out0, out, (size_t)B * K * sizeof(float));
            for (int l = 0; l < 4; l++) {
                size_t n = (size_t)B * ls[l].units * sizeof(float);
                Z0[l] = malloc(n);
                A0[l] = malloc(n);
                memcpy(Z0[l], ws->Z[l], n);
                memcpy(A0[l], ws->A[l], n);
            }
            loss0 = loss;
        } else {
            ck_assert_msg(memcmp(&loss, &loss0, sizeof loss) == 0, "threads %d: loss", t);
            ck_assert_msg(memcmp(out, out0, (size_t)B * K * sizeof(float)) == 0, "threads %d: output", t);
            for (int l = 0; l < 4; l++) {
                size_t n = (size_t)B * ls[l].units * sizeof(float);
                ck_assert_msg(memcmp(ws->Z[l], Z0[l], n) == 0, "threads %d: Z[%d]", t, l);
                ck_assert_msg(memcmp(ws->A[l], A0[l], n) == 0, "threads %d: A[%d]", t, l);
            }
            ck_assert_msg(memcmp(ws->grad, grad0, m->n_params * sizeof(float)) == 0,
                          "threads %d: gradient", t);
        }
        /* prediction (no dropout) on an odd count of rows agrees too */
        float *P = malloc((size_t)B * K * sizeof(float));
        ffnn_model_predict(m, ws, X, B - 3, P);
        if (t == 0)
            memcpy(P0, P, (size_t)(B - 3) * K * sizeof(float));
        else
            ck_assert(memcmp(P, P0, (size_t)(B - 3) * K * sizeof(float)) == 0);
        free(P);
        ffnn_workspace_destroy(ws);
        ffnn_pool_destroy(pool);
    }
    for (int l = 0; l < 4; l++) {
        free(Z0[l]);
        free(A0[l]);
    }
    free(grad0); free(out0); free(P0); free(X); free(T);
    ffnn_model_destroy(m);
}

START_TEST(test_threads_same_bits)
{
    check_threads_same_bits(130, FFNN_ACT_TANH);
    check_threads_same_bits(80, FFNN_ACT_TANH);
    check_threads_same_bits(80, FFNN_ACT_SOFTMAX);
}
END_TEST

Suite *model_suite(void);

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_glorot_bounds);
    tcase_add_test(tc, test_network_gradient);
    tcase_add_test(tc, test_dropout_only_in_training);
    tcase_add_test(tc, test_output_rules);
    tcase_add_test(tc, test_save_load_identical_predictions);
    tcase_add_test(tc, test_summary);
    tcase_add_test(tc, test_threads_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
