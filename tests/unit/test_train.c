/* train: learning smoke test, determinism, EarlyStopping and
 * ReduceLROnPlateau schedules (Keras 3 rules), divergence, validation. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/train.h"
#include "testutil.h"

/* n rows of 2 features: class 1 when x0 + x1 > 0 (or a regression target). */
static ffnn_data make_data(long n, bool regression, uint64_t seed)
{
    ffnn_data d;
    ffnn_rng r;
    ffnn_rng_init(&r, seed, 99, 0);
    d.n = n;
    d.d = 2;
    d.X = malloc((size_t)n * 2 * sizeof *d.X);
    d.y = malloc((size_t)n * sizeof *d.y);
    for (long i = 0; i < n; i++) {
        double a = ffnn_rng_normal(&r), b = ffnn_rng_normal(&r);
        d.X[2 * i] = (float)a;
        d.X[2 * i + 1] = (float)b;
        d.y[i] = regression ? 0.0 : (a + b > 0);
    }
    return d;
}

/* A model by hand with a prep that only carries the task. */
static ffnn_model *make_model(ffnn_task task, ffnn_act hidden_act, ffnn_loss_kind loss, int n_out,
                              ffnn_act out_act)
{
    ffnn_layer_spec ls[2] = {{8, hidden_act, 0}, {n_out, out_act, 0}};
    ffnn_model *m;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, 2, ls, 2, &err), FFNN_OK);
    m->loss.kind = loss;
    m->prep.task = task;
    m->prep.n_classes = task == FFNN_TASK_REGRESSION ? 0 : 2;
    return m;
}

/* Keras's Model.fit() defaults (batch_size 32, no callbacks), which the
 * Keras-rule tests below start from; ffnn_fit_options_default() is
 * scikit-learn's batch "auto" and stopping rule instead. */
static ffnn_fit_options keras_fit_options(void)
{
    ffnn_fit_options o = ffnn_fit_options_default();
    o.batch_size = 32;
    o.early_stopping = ffnn_early_stopping_default();
    return o;
}

START_TEST(test_learns_a_linear_boundary)
{
    ffnn_data d = make_data(400, false, 1);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 1, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_fit_options o = keras_fit_options();
    o.epochs = 40;
    o.optimizer.learning_rate = 0.01;
    o.validation_split = 0.25;
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, NULL, &h, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(h.n, 40);
    ck_assert_str_eq(h.metric_name, "accuracy");
    /* Stated bound: a separable problem reaches 95% validation accuracy. */
    ck_assert_msg(h.logs[39].val_metric >= 0.95, "val accuracy %g", h.logs[39].val_metric);
    ck_assert(h.logs[39].loss < h.logs[0].loss);
    ck_assert_ptr_nonnull(strstr(m->train_info, "\"train_rows\":300,\"validation_rows\":100"));
    double loss, acc;
    ck_assert_int_eq(ffnn_evaluate(m, &d, 32, &loss, &acc, &err), FFNN_OK);
    ck_assert(acc >= 0.95);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

START_TEST(test_same_seed_same_weights)
{
    ffnn_data d = make_data(100, false, 2);
    float *w[2];
    for (int k = 0; k < 2; k++) {
        ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_TANH, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
        m->layers[0].dropout = 0.3f;
        ffnn_rng r;
        ffnn_rng_init(&r, 5, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        ffnn_fit_options o = ffnn_fit_options_default();
        o.epochs = 5;
        o.seed = 5;
        ffnn_error err;
        ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_OK);
        w[k] = malloc(m->n_params * sizeof(float));
        memcpy(w[k], m->params, m->n_params * sizeof(float));
        ffnn_model_destroy(m);
    }
    ck_assert(memcmp(w[0], w[1], (2 * 8 + 8 + 8 + 1) * sizeof(float)) == 0);
    free(w[0]);
    free(w[1]);
    ffnn_data_release(&d);
}
END_TEST

/* o with SGD at learning rate 0, for fit_plateau. */
static ffnn_fit_options frozen(ffnn_fit_options o)
{
    o.optimizer = ffnn_optim_default(FFNN_OPTIM_SGD);
    o.optimizer.learning_rate = 0.0;
    return o;
}

/* With learning rate 0 (frozen) the loss never changes, so the callbacks
 * see a plateau from epoch 0 on and their schedules can be checked exactly. */
static int fit_plateau(ffnn_fit_options *o, ffnn_history *h, ffnn_error *err)
{
    ffnn_data d = make_data(64, false, 3);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 3, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    int st = ffnn_fit(m, &d, o, NULL, h, err);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
    return st;
}

START_TEST(test_early_stopping_schedule)
{
    ffnn_history h;
    ffnn_error err;
    ffnn_fit_options o = frozen(keras_fit_options());
    o.shuffle = false;
    o.epochs = 50;
    o.early_stopping.enabled = true;
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "loss");
    /* patience P: epoch 0 is the best; stops at epoch 0 + P. */
    int pats[] = {0, 1, 2, 5};
    int want[] = {2, 2, 3, 6}; /* epochs run; patience 0 still runs epoch 1 (epoch > 0 rule) */
    for (int i = 0; i < 4; i++) {
        o.early_stopping.patience = pats[i];
        ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
        ck_assert_msg(h.n == want[i], "patience %d: %d epochs, want %d", pats[i], h.n, want[i]);
        ck_assert(h.stopped_early);
        ck_assert_int_eq(h.best_epoch, 0);
        ffnn_history_release(&h);
    }
    /* A baseline that is never beaten keeps wait counting from epoch 0. */
    o.early_stopping.patience = 3;
    o.early_stopping.has_baseline = true;
    o.early_stopping.baseline = -1.0;
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    ck_assert_int_eq(h.n, 3);
    ffnn_history_release(&h);
    /* start_from_epoch delays monitoring. */
    o.early_stopping.has_baseline = false;
    o.early_stopping.patience = 1;
    o.early_stopping.start_from_epoch = 10;
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    ck_assert_int_eq(h.n, 12);
    ck_assert_int_eq(h.best_epoch, 10);
    ffnn_history_release(&h);
    /* Unknown monitor and val_ monitor without validation data. */
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "val_f1");
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "early_stopping.monitor: unknown quantity \"val_f1\"; valid: loss, accuracy, "
                              "binary_accuracy, auc, val_loss, val_accuracy, val_binary_accuracy, "
                              "val_auc");
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "val_mse");
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "early_stopping.monitor: unknown quantity \"val_mse\"; valid: loss, accuracy, "
                              "binary_accuracy, auc, val_loss, val_accuracy, val_binary_accuracy, "
                              "val_auc");
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "val_loss");
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "early_stopping.monitor: \"val_loss\" needs validation data; set "
                              "\"validation_split\" or monitor \"loss\"");
}
END_TEST

START_TEST(test_restore_best_weights)
{
    /* Keras 3: the best epoch's weights come back at the end even without an
     * early stop.  Train with a large learning rate so the loss bounces, then
     * check the final weights give the best recorded loss. */
    ffnn_data d = make_data(200, false, 4);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 4, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_fit_options o = keras_fit_options();
    o.optimizer = ffnn_optim_default(FFNN_OPTIM_SGD);
    o.optimizer.learning_rate = 3.0;
    o.epochs = 15;
    o.validation_split = 0.5;
    o.stratify_validation = false; /* Keras: the last 100 rows validate */
    o.early_stopping.enabled = true;
    o.early_stopping.patience = 100;
    o.early_stopping.restore_best_weights = true;
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, NULL, &h, &err) == FFNN_OK, "%s", err.msg);
    ck_assert(!h.stopped_early);
    ck_assert(h.restored_best);
    double best = h.logs[h.best_epoch].val_loss;
    for (int i = 0; i < h.n; i++)
        ck_assert(h.logs[i].val_loss >= best);
    ck_assert_msg(h.best_epoch != h.n - 1, "the test needs a bouncing loss (best epoch %d)", h.best_epoch);
    /* The restored weights reproduce the best epoch's validation loss. */
    ffnn_data val = {100, 2, d.X + 200, d.y + 100};
    double loss, acc;
    ck_assert_int_eq(ffnn_evaluate(m, &val, o.batch_size, &loss, &acc, &err), FFNN_OK);
    ck_assert_msg(loss == best, "restored loss %.17g, best %.17g", loss, best);
    ck_assert(acc == h.logs[h.best_epoch].val_metric);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

/* The default stopping rule (ffnn-config(5)): EarlyStopping on the
 * training loss, min_delta 1e-4, patience 10.  On a flat loss epoch 0 is
 * the best and epochs 1..10 do not improve: 11 epochs run (scikit-learn's
 * n_iter_no_change=10 runs 12, its count must exceed 10). */
/* epochs "auto": max(200, ceil(10000 / batches per epoch)), the batches
 * counted with the batch size the fit uses; a stated count is itself. */
START_TEST(test_epoch_limit)
{
    ffnn_fit_options o = ffnn_fit_options_default();
    struct { int batch; long rows; int want; } cases[] = {
        {FFNN_BATCH_AUTO, 1, 10000},     /* one batch of one row */
        {FFNN_BATCH_AUTO, 150, 10000},   /* one batch of 150 */
        {FFNN_BATCH_AUTO, 200, 10000},
        {FFNN_BATCH_AUTO, 201, 5000},    /* 200 + 1 */
        {FFNN_BATCH_AUTO, 442, 3334},    /* 3 batches: 3333.3 up */
        {FFNN_BATCH_AUTO, 9800, 205},    /* 49 batches: 204.08 up */
        {FFNN_BATCH_AUTO, 9801, 200},    /* 50 batches: 200 */
        {FFNN_BATCH_AUTO, 1000000, 200}, /* 5000 batches: the 200 floor */
        {32, 100, 2500},                 /* 4 batches */
        {1, 7, 1429},                    /* 7 batches: 1428.6 up */
        {500, 100, 10000},               /* a batch larger than the data is the data */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        o.batch_size = cases[i].batch;
        ck_assert_msg(ffnn_fit_epoch_limit(&o, cases[i].rows) == cases[i].want, "case %zu: %d", i,
                      ffnn_fit_epoch_limit(&o, cases[i].rows));
    }
    o.epochs = 7;
    ck_assert_int_eq(ffnn_fit_epoch_limit(&o, 150), 7);
    o.epochs = 0;
    ck_assert_int_eq(ffnn_fit_epoch_limit(&o, 150), 0);
}
END_TEST

/* A fit under "auto" without a stopping rule runs exactly the limit, counted
 * on the rows the validation split leaves: 64 rows, 16 set aside, batches
 * of 8 -> 6 batches -> 1667 epochs; the history says which limit applied. */
START_TEST(test_epoch_limit_fit)
{
    ffnn_history h;
    ffnn_error err;
    ffnn_fit_options o = frozen(ffnn_fit_options_default());
    o.early_stopping.enabled = false;
    o.batch_size = 8;
    o.validation_split = 0.25;
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    ck_assert_int_eq(h.n, 1667);
    ck_assert_int_eq(h.epoch_limit, 1667);
    ck_assert(!h.stopped_early);
    ffnn_history_release(&h);
    o.epochs = 3;
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    ck_assert_int_eq(h.n, 3);
    ck_assert_int_eq(h.epoch_limit, 3);
    ffnn_history_release(&h);
    o.epochs = -2;
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "epochs must be non-negative or auto");
}
END_TEST

START_TEST(test_default_stopping_rule)
{
    ffnn_history h;
    ffnn_error err;
    ffnn_fit_options o = frozen(ffnn_fit_options_default());
    ck_assert_int_eq(o.epochs, FFNN_EPOCHS_AUTO);
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    ck_assert_int_eq(h.n, 11);
    ck_assert(h.stopped_early);
    ck_assert_int_eq(h.best_epoch, 0);
    ffnn_history_release(&h);
}
END_TEST

/* Weights after training d (n rows) with batch_size bs, everything else the
 * same; the caller frees them. */
static float *weights_after(long n, int bs, size_t *np)
{
    ffnn_data d = make_data(n, false, 9);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 9, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_fit_options o = ffnn_fit_options_default();
    o.epochs = 3;
    o.seed = 9;
    o.batch_size = bs;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, NULL, NULL, &err) == FFNN_OK, "%s", err.msg);
    *np = m->n_params;
    float *w = malloc(m->n_params * sizeof *w);
    memcpy(w, m->params, m->n_params * sizeof *w);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
    return w;
}

/* batch_size auto is min(200, training rows): the same steps as stating it. */
START_TEST(test_batch_size_auto)
{
    size_t n;
    struct { long rows; int same, other; } cases[] = {{64, 64, 32}, {450, 200, 450}};
    for (int i = 0; i < 2; i++) {
        float *a = weights_after(cases[i].rows, FFNN_BATCH_AUTO, &n);
        float *b = weights_after(cases[i].rows, cases[i].same, &n);
        float *c = weights_after(cases[i].rows, cases[i].other, &n);
        ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0, "%ld rows: auto is not %d", cases[i].rows,
                      cases[i].same);
        ck_assert_msg(memcmp(a, c, n * sizeof *a) != 0, "%ld rows: auto is %d", cases[i].rows,
                      cases[i].other);
        free(a);
        free(b);
        free(c);
    }
}
END_TEST

START_TEST(test_reduce_lr_schedule)
{
    ffnn_history h;
    ffnn_error err;
    ffnn_fit_options o = frozen(keras_fit_options());
    o.epochs = 9;
    o.reduce_lr.enabled = true;
    snprintf(o.reduce_lr.monitor, sizeof o.reduce_lr.monitor, "loss");
    o.reduce_lr.patience = 2;
    o.reduce_lr.factor = 0.5;
    /* lr 0 never drops below min_lr 0: stays 0. */
    ck_assert_int_eq(fit_plateau(&o, &h, &err), FFNN_OK);
    for (int i = 0; i < 9; i++)
        ck_assert(h.logs[i].learning_rate == 0.0);
    ffnn_history_release(&h);
}
END_TEST

/* A plateau with a nonzero learning rate: zero weights and zero targets give
 * zero gradients, so the monitored loss is constant. */
START_TEST(test_reduce_lr_on_constant_loss)
{
    ffnn_data d = make_data(32, true, 6);
    ffnn_model *m = make_model(FFNN_TASK_REGRESSION, FFNN_ACT_RELU, FFNN_LOSS_MSE, 1, FFNN_ACT_LINEAR);
    ffnn_fit_options o = keras_fit_options();
    o.optimizer = ffnn_optim_default(FFNN_OPTIM_SGD);
    o.optimizer.learning_rate = 0.1;
    o.epochs = 9;
    o.reduce_lr.enabled = true;
    snprintf(o.reduce_lr.monitor, sizeof o.reduce_lr.monitor, "loss");
    o.reduce_lr.patience = 2;
    o.reduce_lr.factor = 0.5;
    o.reduce_lr.cooldown = 1;
    o.reduce_lr.min_lr = 0.02;
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, NULL, &h, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_str_eq(h.metric_name, "mae");
    /* Keras 3 order: the log keeps this epoch's rate; epoch 0 improves on
     * +inf; waits 1, 2 -> halve after epoch 2 (cooldown 1); epoch 3 leaves
     * cooldown and counts wait 1; epoch 4 halves; epoch 6 would give 0.0125,
     * clamped to min_lr 0.02.  Rates are float32, as Keras's variable. */
    double want[9] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02};
    for (int i = 0; i < 9; i++)
        ck_assert_msg(fabs(h.logs[i].learning_rate - want[i]) < 1e-8, "epoch %d: lr %.17g, want %g", i,
                      h.logs[i].learning_rate, want[i]);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

/* A diverging loss is an error naming the epoch (ffnn-train); Keras's fit
 * does not raise on a NaN loss, and ffnn-tune's trials train that way: with
 * nonfinite_ok the same divergence runs every epoch, its loss logged as it
 * is, and the training summary stays valid JSON. */
START_TEST(test_divergence)
{
    for (int keep_going = 0; keep_going < 2; keep_going++) {
        ffnn_data d = make_data(64, true, 7);
        for (long i = 0; i < d.n; i++)
            d.y[i] = 1e30;
        ffnn_data v = make_data(16, true, 8);
        ffnn_model *m = make_model(FFNN_TASK_REGRESSION, FFNN_ACT_RELU, FFNN_LOSS_MSE, 1,
                                   FFNN_ACT_LINEAR);
        ffnn_rng r;
        ffnn_rng_init(&r, 7, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        ffnn_fit_options o = keras_fit_options();
        o.optimizer = ffnn_optim_default(FFNN_OPTIM_SGD);
        o.optimizer.learning_rate = 1.0;
        o.epochs = 20;
        ffnn_fit_extra x = {NULL, NULL, 0, &v, false, keep_going, NULL};
        ffnn_history h;
        ffnn_error err;
        if (!keep_going) {
            ck_assert_int_eq(ffnn_fit(m, &d, &o, &x, NULL, &err), FFNN_EDATA);
            ck_assert_msg(strncmp(err.msg, "epoch ", 6) == 0 &&
                              strstr(err.msg, "lower the learning rate"), "%s", err.msg);
        } else {
            ck_assert_msg(ffnn_fit(m, &d, &o, &x, &h, &err) == FFNN_OK, "%s", err.msg);
            ck_assert_int_eq(h.n, 20);
            ck_assert(!isfinite(h.logs[19].loss));
            ck_assert(!isfinite(h.logs[19].val_loss));
            cJSON *info = cJSON_Parse(m->train_info);
            ck_assert_ptr_nonnull(info);
            cJSON_Delete(info);
            ffnn_history_release(&h);
        }
        ffnn_model_destroy(m);
        ffnn_data_release(&d);
        ffnn_data_release(&v);
    }
}
END_TEST

/* The metrics of the logs, against values computed here from the model's
 * predictions: with learning rate 0 and no dropout the weights never move,
 * so the training metrics of the epoch are those of its rows too. */
typedef struct {
    double acc, bin, auc, mae, mse;
} expected_metrics;

static expected_metrics by_hand(const ffnn_model *m, const ffnn_data *d)
{
    int K = ffnn_model_n_out(m);
    ffnn_workspace *ws;
    ffnn_error err;
    ck_assert_int_eq(ffnn_workspace_create(&ws, m, (int)d->n, &err), FFNN_OK);
    float *P = malloc((size_t)d->n * (size_t)K * sizeof *P);
    ffnn_model_predict(m, ws, d->X, (int)d->n, P);
    expected_metrics e = {0, 0, 0, 0, 0};
    long pairs = 0;
    double wins = 0;
    for (long i = 0; i < d->n; i++) {
        const float *p = P + i * K;
        int y = (int)d->y[i], arg = 0;
        for (int k = 1; k < K; k++)
            if (p[k] > p[arg])
                arg = k;
        e.acc += K == 1 ? ((p[0] > 0.5f) == (y == 1)) : arg == y;
        for (int k = 0; k < K; k++)
            e.bin += ((p[k] > 0.5f) == (K == 1 ? y == 1 : k == y)) / (double)K;
        e.mae += fabs(p[0] - d->y[i]);
        e.mse += (p[0] - d->y[i]) * (p[0] - d->y[i]);
        /* AUC as the share of (positive, negative) pairs ranked right, ties half. */
        for (long j = 0; j < d->n; j++)
            if (d->y[i] == 1 && d->y[j] == 0) {
                float a = p[K - 1], b = P[j * K + K - 1];
                wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
                pairs++;
            }
    }
    e.acc /= (double)d->n;
    e.bin /= (double)d->n;
    e.mae /= (double)d->n;
    e.mse /= (double)d->n;
    e.auc = pairs ? wins / (double)pairs : NAN;
    free(P);
    ffnn_workspace_destroy(ws);
    return e;
}

static void check_logs(const ffnn_model *m, const ffnn_data *d, const double *got, bool regression,
                       bool auc)
{
    expected_metrics e = by_hand(m, d);
    if (regression) {
        ck_assert_double_eq_tol(got[FFNN_METRIC_MAE], e.mae, 1e-9);
        ck_assert_double_eq_tol(got[FFNN_METRIC_MSE], e.mse, 1e-9);
        ck_assert_double_eq_tol(got[FFNN_METRIC_RMSE], sqrt(e.mse), 1e-9);
        ck_assert(isnan(got[FFNN_METRIC_ACCURACY]) && isnan(got[FFNN_METRIC_AUC]));
        return;
    }
    ck_assert_double_eq_tol(got[FFNN_METRIC_ACCURACY], e.acc, 1e-12);
    ck_assert_double_eq_tol(got[FFNN_METRIC_BINARY_ACCURACY], e.bin, 1e-12);
    if (auc)
        ck_assert_double_eq_tol(got[FFNN_METRIC_AUC], e.auc, 1e-12);
    else
        ck_assert(isnan(got[FFNN_METRIC_AUC]));
    ck_assert(isnan(got[FFNN_METRIC_MAE]) && isnan(got[FFNN_METRIC_MSE]));
}

START_TEST(test_metrics_by_keras_names)
{
    for (int kind = 0; kind < 4; kind++) {
        /* 0: binary, one sigmoid unit; 1: the same with auc; 2: three classes,
         * a sigmoid per class (the tutorial's hypermodel); 3: regression. */
        bool regression = kind == 3;
        ffnn_data d = make_data(50, regression, 11), v = make_data(21, regression, 12);
        ffnn_model *m;
        if (kind == 2) {
            for (long i = 0; i < d.n; i++)
                d.y[i] = (double)(i % 3);
            for (long i = 0; i < v.n; i++)
                v.y[i] = (double)((i * 7) % 3);
            m = make_model(FFNN_TASK_MULTICLASS, FFNN_ACT_RELU, FFNN_LOSS_BCE, 3, FFNN_ACT_SIGMOID);
            m->prep.n_classes = 3;
        } else if (regression) {
            for (long i = 0; i < d.n; i++)
                d.y[i] = d.X[2 * i] - 2 * d.X[2 * i + 1];
            for (long i = 0; i < v.n; i++)
                v.y[i] = v.X[2 * i] * v.X[2 * i + 1];
            m = make_model(FFNN_TASK_REGRESSION, FFNN_ACT_TANH, FFNN_LOSS_MSE, 1, FFNN_ACT_LINEAR);
        } else {
            m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
        }
        ffnn_rng r;
        ffnn_rng_init(&r, 13, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        ffnn_fit_options o = keras_fit_options();
        o.optimizer = ffnn_optim_default(FFNN_OPTIM_SGD);
        o.optimizer.learning_rate = 0.0;
        o.batch_size = 8;
        o.epochs = 2;
        ffnn_fit_extra x = {NULL, NULL, 0, &v, kind == 1, false, NULL};
        ffnn_history h;
        ffnn_error err;
        ck_assert_msg(ffnn_fit(m, &d, &o, &x, &h, &err) == FFNN_OK, "%s", err.msg);
        const ffnn_epoch_log *l = &h.logs[1];
        check_logs(m, &d, l->metrics, regression, kind == 1);
        check_logs(m, &v, l->val_metrics, regression, kind == 1);
        ck_assert(l->metric == l->metrics[regression ? FFNN_METRIC_MAE : FFNN_METRIC_ACCURACY]);
        ck_assert(l->val_metric == l->val_metrics[regression ? FFNN_METRIC_MAE : FFNN_METRIC_ACCURACY]);
        bool known;
        ck_assert(ffnn_epoch_log_value(l, "val_mean_squared_error", &known) == l->val_metrics[FFNN_METRIC_MSE] ||
                  !regression);
        ck_assert(known);
        ffnn_epoch_log_value(l, "val_f1", &known);
        ck_assert(!known);
        ffnn_history_release(&h);
        ffnn_model_destroy(m);
        ffnn_data_release(&d);
        ffnn_data_release(&v);
    }
}
END_TEST

/* A callback that monitors auc has it computed, and direction max. */
START_TEST(test_monitor_auc)
{
    ffnn_data d = make_data(64, false, 3), v = make_data(20, false, 4);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 3, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_fit_options o = keras_fit_options();
    o.epochs = 30;
    o.optimizer.learning_rate = 0.05;
    o.early_stopping.enabled = true;
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "val_auc");
    o.early_stopping.patience = 3;
    ffnn_fit_extra x = {NULL, NULL, 0, &v, false, false, NULL};
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, &x, &h, &err) == FFNN_OK, "%s", err.msg);
    double best = -1;
    int best_epoch = -1;
    for (int i = 0; i < h.n; i++) {
        ck_assert(isfinite(h.logs[i].val_metrics[FFNN_METRIC_AUC]));
        if (h.logs[i].val_metrics[FFNN_METRIC_AUC] > best) {
            best = h.logs[i].val_metrics[FFNN_METRIC_AUC];
            best_epoch = h.logs[i].epoch;
        }
    }
    ck_assert_int_eq(h.best_epoch, best_epoch);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
    ffnn_data_release(&v);
}
END_TEST

/* A stop request ends fit before the next batch with FFNN_ECANCELED; the
 * weights are left as they were (no batch ran). */
START_TEST(test_stop_request_cancels)
{
    ffnn_data d = make_data(64, true, 7);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 7, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    float *w0 = malloc(m->n_params * sizeof *w0);
    memcpy(w0, m->params, m->n_params * sizeof *w0);
    ffnn_fit_options o = ffnn_fit_options_default();
    o.epochs = 5;
    ffnn_error err;
    ffnn_request_stop(15);
    ck_assert_int_eq(ffnn_stop_requested(), 15);
    ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_ECANCELED);
    ck_assert_str_eq(err.msg, "interrupted");
    ck_assert_int_eq(memcmp(w0, m->params, m->n_params * sizeof *w0), 0);
    ffnn_request_stop(0);
    ck_assert_int_eq(ffnn_stop_requested(), 0);
    ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_OK);
    free(w0);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

START_TEST(test_validation_split_rules)
{
    ffnn_data d = make_data(10, false, 8);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_fit_options o = ffnn_fit_options_default();
    o.epochs = 1;
    o.validation_split = 0.3;
    o.stratify_validation = false;
    ffnn_error err;
    ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_OK);
    /* Keras: split_at = floor(10 * 0.7) = 7 */
    ck_assert_ptr_nonnull(strstr(m->train_info, "\"train_rows\":7,\"validation_rows\":3"));
    o.validation_split = 1e-17; /* 1 - 1e-17 == 1 in double: split_at = N */
    ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "validation_split 1e-17 of 10 rows leaves no validation rows");
    o.validation_split = 1.0;
    ck_assert_int_eq(ffnn_fit(m, &d, &o, NULL, NULL, &err), FFNN_ECONFIG);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

/* ffnn_fit_split: the Keras rule, the stratified sample, no split, and the
 * message when a part would be empty.  Row i has features (i, -i). */
START_TEST(test_fit_split)
{
    ffnn_data d = make_data(12, false, 3), tr, va;
    for (long i = 0; i < 12; i++) {
        d.X[2 * i] = (float)i;
        d.X[2 * i + 1] = (float)-i;
        d.y[i] = i % 3 == 0; /* 8 rows of class 0, 4 of class 1 */
    }
    ffnn_error err;
    /* Keras: split_at = floor(12 * 0.75) = 9; the last 3 rows validate. */
    ck_assert_int_eq(ffnn_fit_split(&d, true, 0.25, false, 1, &tr, &va, &err), FFNN_OK);
    ck_assert_int_eq(tr.n, 9);
    ck_assert_int_eq(va.n, 3);
    ck_assert_int_eq(tr.d, 2);
    for (long i = 0; i < 9; i++)
        ck_assert(tr.X[2 * i] == (float)i && tr.X[2 * i + 1] == (float)-i && tr.y[i] == d.y[i]);
    for (long i = 0; i < 3; i++)
        ck_assert(va.X[2 * i] == (float)(9 + i) && va.y[i] == d.y[9 + i]);
    ffnn_data_release(&tr);
    ffnn_data_release(&va);
    /* Regression ignores stratify. */
    ck_assert_int_eq(ffnn_fit_split(&d, false, 0.25, true, 1, &tr, &va, &err), FFNN_OK);
    ck_assert(tr.n == 9 && va.n == 3 && va.X[0] == 9.0f);
    ffnn_data_release(&tr);
    ffnn_data_release(&va);
    /* Stratified: ceil(12 * 0.25) = 3 rows, 2 of class 0 and 1 of class 1,
     * each part in file order, together every row once. */
    ck_assert_int_eq(ffnn_fit_split(&d, true, 0.25, true, 1, &tr, &va, &err), FFNN_OK);
    ck_assert(tr.n == 9 && va.n == 3);
    int seen[12] = {0}, ones = 0;
    for (int part = 0; part < 2; part++) {
        const ffnn_data *p = part ? &va : &tr;
        for (long i = 0; i < p->n; i++) {
            long row = (long)p->X[2 * i];
            ck_assert(i == 0 || row > (long)p->X[2 * (i - 1)]);
            ck_assert(p->y[i] == d.y[row]);
            seen[row]++;
            ones += part && p->y[i] == 1.0;
        }
    }
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(ones, 1);
    /* The same seed gives the same rows. */
    ffnn_data tr2, va2;
    ck_assert_int_eq(ffnn_fit_split(&d, true, 0.25, true, 1, &tr2, &va2, &err), FFNN_OK);
    ck_assert_mem_eq(va.X, va2.X, 6 * sizeof(float));
    ffnn_data_release(&tr);
    ffnn_data_release(&va);
    ffnn_data_release(&tr2);
    ffnn_data_release(&va2);
    /* No split: every row trains. */
    ck_assert_int_eq(ffnn_fit_split(&d, true, 0.0, true, 1, &tr, &va, &err), FFNN_OK);
    ck_assert(tr.n == 12 && va.n == 0 && !va.X && tr.X[22] == 11.0f);
    ffnn_data_release(&tr);
    ffnn_data_release(&va);
    /* floor(1 * 0.5) = 0 training rows. */
    d.n = 1;
    ck_assert_int_eq(ffnn_fit_split(&d, true, 0.5, false, 1, &tr, &va, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "validation_split 0.5 of 1 rows leaves no training rows");
    ck_assert(tr.n == 0 && !tr.X && va.n == 0 && !va.X);
    ffnn_data_release(&d);
}
END_TEST

/* The first of several fits that must give the same bits. */
typedef struct {
    bool have;
    float *w;
    ffnn_history h;
    char *info;
} first_fit;

/* Keeps the first fit (m's weights and summary, h, which f then owns);
 * asserts that a later one is the same bits (weights, every log value, the
 * summary) and releases its h. */
static void same_as_first(first_fit *f, const ffnn_model *m, ffnn_history *h, const char *what)
{
    size_t bytes = m->n_params * sizeof(float);
    if (!f->have) {
        f->have = true;
        f->w = malloc(bytes);
        memcpy(f->w, m->params, bytes);
        f->h = *h;
        f->info = strdup(m->train_info);
        return;
    }
    ck_assert_msg(memcmp(f->w, m->params, bytes) == 0, "%s: weights differ", what);
    ck_assert_int_eq(h->n, f->h.n);
    for (int e = 0; e < h->n; e++) {
        const ffnn_epoch_log *a = &h->logs[e], *b = &f->h.logs[e];
        double va[5] = {a->loss, a->metric, a->val_loss, a->val_metric, a->learning_rate};
        double vb[5] = {b->loss, b->metric, b->val_loss, b->val_metric, b->learning_rate};
        ck_assert_int_eq(a->epoch, b->epoch);
        ck_assert_msg(memcmp(va, vb, sizeof va) == 0 &&
                          memcmp(a->metrics, b->metrics, sizeof a->metrics) == 0 &&
                          memcmp(a->val_metrics, b->val_metrics, sizeof a->val_metrics) == 0,
                      "%s: epoch %d logs differ", what, e);
    }
    ck_assert_str_eq(m->train_info, f->info);
    ffnn_history_release(h);
}

static void first_fit_release(first_fit *f)
{
    ffnn_history_release(&f->h);
    free(f->w);
    free(f->info);
}

/* Whole fits on 1, 2 and 3 threads give the same bits: weights, history and
 * summary.  The batches are large enough to be split between threads (and
 * the last one is short); dropout, L2, validation and tanh are included. */
START_TEST(test_threads_same_result)
{
    const long n = 700;
    const int D = 40;
    ffnn_data d;
    ffnn_rng r;
    ffnn_rng_init(&r, 12, 99, 0);
    d.n = n;
    d.d = D;
    d.X = malloc((size_t)n * D * sizeof *d.X);
    d.y = malloc((size_t)n * sizeof *d.y);
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < D; k++) {
            d.X[i * D + k] = (float)ffnn_rng_normal(&r);
            s += d.X[i * D + k] * (k % 3 - 1);
        }
        d.y[i] = s < -1 ? 0 : s < 1 ? 1 : 2;
    }
    first_fit first = {.have = false};
    for (int t = 1; t <= 3; t++) {
        ffnn_layer_spec ls[3] = {{128, FFNN_ACT_RELU, 0.2f}, {64, FFNN_ACT_TANH, 0},
                                 {3, FFNN_ACT_SOFTMAX, 0}};
        ffnn_model *m;
        ffnn_error err;
        ck_assert_int_eq(ffnn_model_create_layers(&m, D, ls, 3, &err), FFNN_OK);
        m->loss.kind = FFNN_LOSS_CCE;
        m->prep.task = FFNN_TASK_MULTICLASS;
        m->prep.n_classes = 3;
        m->l2 = 1e-4;
        ffnn_rng ir;
        ffnn_rng_init(&ir, 4, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &ir);
        ffnn_fit_options o = ffnn_fit_options_default();
        o.epochs = 3;
        o.batch_size = 128;
        o.seed = 4;
        o.validation_split = 0.2;
        o.threads = t;
        ffnn_history h;
        ck_assert_msg(ffnn_fit(m, &d, &o, NULL, &h, &err) == FFNN_OK, "%s", err.msg);
        char what[32];
        snprintf(what, sizeof what, "threads %d", t);
        same_as_first(&first, m, &h, what);
        ffnn_model_destroy(m);
    }
    first_fit_release(&first);
    ffnn_data_release(&d);
}
END_TEST

/* What the batch and epoch callbacks saw, in order. */
typedef struct {
    char kind;                 /* 'b' batch, 'e' epoch */
    ffnn_batch_log b;
    ffnn_epoch_log e;
} seen_event;

typedef struct {
    seen_event ev[64];
    int n;
    int cancel_at;             /* cancel at this event, -1 never */
} seen_log;

static int seen_batch(void *ctx, const ffnn_batch_log *log)
{
    seen_log *s = ctx;
    ck_assert_int_lt(s->n, 64);
    s->ev[s->n].kind = 'b';
    s->ev[s->n].b = *log;
    return s->n++ == s->cancel_at;
}

static int seen_epoch(void *ctx, const ffnn_epoch_log *log, int epochs)
{
    seen_log *s = ctx;
    ck_assert_int_lt(s->n, 64);
    ck_assert_int_eq(epochs, 4);
    s->ev[s->n].kind = 'e';
    s->ev[s->n].e = *log;
    s->n++;
    return 0;
}

/* The batch callback: done 0 before an epoch's first batch, then 1..total
 * after each batch, before the epoch's callback; the running loss and
 * accuracy over the batches done equal those of a model evaluated on the
 * same rows (frozen weights, no shuffling), and at done == total the
 * epoch's own. */
START_TEST(test_batch_callback_order)
{
    ffnn_data d = make_data(100, false, 21);
    ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
    ffnn_rng r;
    ffnn_rng_init(&r, 21, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_fit_options o = frozen(keras_fit_options());
    o.epochs = 4;
    o.shuffle = false;
    o.validation_split = 0.2;
    o.stratify_validation = false;   /* rows 0..79 train, in file order */
    seen_log s = {.n = 0, .cancel_at = -1};
    ffnn_fit_extra x = {seen_epoch, &s, 1, NULL, false, false, seen_batch};
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_fit(m, &d, &o, &x, &h, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(h.n, 3);
    /* 80 training rows in batches of 32: 32, 32, 16. */
    ck_assert_int_eq(s.n, 3 * 5);
    for (int e = 0; e < 3; e++) {
        const seen_event *ev = &s.ev[5 * e];
        for (int k = 0; k <= 3; k++) {
            ck_assert_int_eq(ev[k].kind, 'b');
            ck_assert_int_eq(ev[k].b.epoch, e + 1);
            ck_assert_int_eq(ev[k].b.epochs, 4);
            ck_assert_int_eq(ev[k].b.done, k);
            ck_assert_int_eq(ev[k].b.total, 3);
        }
        ck_assert(isnan(ev[0].b.loss) && isnan(ev[0].b.metric));
        long rows[4] = {0, 32, 64, 80};
        for (int k = 1; k <= 3; k++) {
            ffnn_data part = {.n = rows[k], .d = 2, .X = d.X, .y = d.y};
            double loss, acc;
            ck_assert_int_eq(ffnn_evaluate(m, &part, 32, &loss, &acc, &err), FFNN_OK);
            ck_assert_msg(fabs(ev[k].b.loss - loss) <= 1e-6 * fabs(loss), "done %d: loss %.17g, want %.17g",
                          k, ev[k].b.loss, loss);
            ck_assert_double_eq(ev[k].b.metric, acc);
        }
        ck_assert_int_eq(ev[4].kind, 'e');
        ck_assert_int_eq(ev[4].e.epoch, e + 1);
        ck_assert(memcmp(&ev[3].b.loss, &ev[4].e.loss, sizeof(double)) == 0);
        ck_assert(memcmp(&ev[3].b.metric, &ev[4].e.metric, sizeof(double)) == 0);
    }
    ffnn_history_release(&h);

    /* A nonzero answer cancels before the next batch: epoch 1's second
     * batch (event 2) is the last one trained. */
    s.n = 0;
    s.cancel_at = 2;
    ck_assert_int_eq(ffnn_fit(m, &d, &o, &x, &h, &err), FFNN_ECANCELED);
    ck_assert_str_eq(err.msg, "interrupted");
    ck_assert_int_eq(s.n, 3);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_data_release(&d);
}
END_TEST

/* Counts the batch calls, and does nothing else. */
static int seen_batch_count(void *ctx, const ffnn_batch_log *log)
{
    (void)log;
    ((seen_log *)ctx)->n++;
    return 0;
}

/* With or without a batch callback a fit gives the same bits (weights,
 * history, summary): learning, shuffled, with dropout and validation. */
START_TEST(test_batch_callback_same_result)
{
    ffnn_data d = make_data(150, false, 22);
    first_fit first = {.have = false};
    for (int k = 0; k < 2; k++) {
        ffnn_model *m = make_model(FFNN_TASK_BINARY, FFNN_ACT_RELU, FFNN_LOSS_BCE, 1, FFNN_ACT_SIGMOID);
        m->layers[0].dropout = 0.25f;
        ffnn_rng r;
        ffnn_rng_init(&r, 22, FFNN_RNG_INIT, 0);
        ffnn_model_init(m, &r);
        ffnn_fit_options o = keras_fit_options();
        o.epochs = 4;
        o.batch_size = 16;
        o.seed = 22;
        o.validation_split = 0.2;
        o.optimizer.learning_rate = 0.01;
        seen_log s = {.n = 0, .cancel_at = -1};
        ffnn_fit_extra x = {NULL, &s, 0, NULL, false, false, k ? seen_batch_count : NULL};
        ffnn_history h;
        ffnn_error err;
        ck_assert_msg(ffnn_fit(m, &d, &o, &x, &h, &err) == FFNN_OK, "%s", err.msg);
        /* 120 training rows in batches of 16: 8 batches, 9 calls an epoch. */
        ck_assert_int_eq(s.n, k ? 4 * 9 : 0);
        same_as_first(&first, m, &h, k ? "with on_batch" : "without");
        ffnn_model_destroy(m);
    }
    first_fit_release(&first);
    ffnn_data_release(&d);
}
END_TEST

Suite *train_suite(void);

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_learns_a_linear_boundary);
    tcase_add_test(tc, test_same_seed_same_weights);
    tcase_add_test(tc, test_early_stopping_schedule);
    tcase_add_test(tc, test_restore_best_weights);
    tcase_add_test(tc, test_default_stopping_rule);
    tcase_add_test(tc, test_epoch_limit);
    tcase_add_test(tc, test_epoch_limit_fit);
    tcase_add_test(tc, test_batch_size_auto);
    tcase_add_test(tc, test_reduce_lr_schedule);
    tcase_add_test(tc, test_reduce_lr_on_constant_loss);
    tcase_add_test(tc, test_divergence);
    tcase_add_test(tc, test_metrics_by_keras_names);
    tcase_add_test(tc, test_monitor_auc);
    tcase_add_test(tc, test_stop_request_cancels);
    tcase_add_test(tc, test_validation_split_rules);
    tcase_add_test(tc, test_fit_split);
    tcase_add_test(tc, test_threads_same_result);
    tcase_add_test(tc, test_batch_callback_order);
    tcase_add_test(tc, test_batch_callback_same_result);
    suite_add_tcase(s, tc);
    return s;
}
