/* config: the training config JSON <-> structs, suggestions, the printer. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/config.h"
#include "testutil.h"

static void assert_config_equal(const ffnn_config *a, const ffnn_config *b)
{
    ck_assert_int_eq(a->prep.task, b->prep.task);
    if (a->prep.target || b->prep.target)
        ck_assert_str_eq(a->prep.target, b->prep.target);
    ck_assert_int_eq(a->prep.n_ignore, b->prep.n_ignore);
    for (int i = 0; i < a->prep.n_ignore; i++)
        ck_assert_str_eq(a->prep.ignore[i], b->prep.ignore[i]);
    ck_assert_int_eq(a->prep.n_types, b->prep.n_types);
    for (int i = 0; i < a->prep.n_types; i++) {
        ck_assert_str_eq(a->prep.types[i].name, b->prep.types[i].name);
        ck_assert_int_eq(a->prep.types[i].categorical, b->prep.types[i].categorical);
    }
    ck_assert_int_eq(a->prep.standardize, b->prep.standardize);
    ck_assert_int_eq(a->prep.impute, b->prep.impute);

    const ffnn_arch_spec *x = &a->arch, *y = &b->arch;
    ck_assert_int_eq(x->n_hidden, y->n_hidden);
    for (int i = 0; i < x->n_hidden; i++) {
        ck_assert_int_eq(x->hidden[i].units, y->hidden[i].units);
        ck_assert_int_eq(x->hidden[i].activation, y->hidden[i].activation);
        ck_assert(x->hidden[i].dropout == y->hidden[i].dropout);
    }
    ck_assert_int_eq(x->output_activation, y->output_activation);
    ck_assert_int_eq(x->output_units, y->output_units);
    ck_assert_int_eq(x->loss, y->loss);
    ck_assert_int_eq(x->from_logits, y->from_logits);
    ck_assert(x->huber_delta == y->huber_delta);
    ck_assert_int_eq(x->kernel_initializer, y->kernel_initializer);
    ck_assert(x->l2 == y->l2);

    const ffnn_fit_options *f = &a->fit, *g = &b->fit;
    const ffnn_optim_spec *o = &f->optimizer, *p = &g->optimizer;
    ck_assert_int_eq(o->kind, p->kind);
    ck_assert(o->learning_rate == p->learning_rate);
    ck_assert(o->beta_1 == p->beta_1 && o->beta_2 == p->beta_2 && o->epsilon == p->epsilon);
    ck_assert(o->amsgrad == p->amsgrad && o->weight_decay == p->weight_decay);
    ck_assert(o->momentum == p->momentum && o->nesterov == p->nesterov && o->rho == p->rho);
    ck_assert(o->centered == p->centered);
    ck_assert(o->initial_accumulator_value == p->initial_accumulator_value);
    ck_assert_int_eq(f->batch_size, g->batch_size);
    ck_assert_int_eq(f->epochs, g->epochs);
    ck_assert(f->validation_split == g->validation_split);
    ck_assert_int_eq(f->stratify_validation, g->stratify_validation);
    ck_assert_int_eq(f->shuffle, g->shuffle);
    const ffnn_early_stopping *e = &f->early_stopping, *h = &g->early_stopping;
    ck_assert_int_eq(e->enabled, h->enabled);
    ck_assert_str_eq(e->monitor, h->monitor);
    ck_assert(e->min_delta == h->min_delta);
    ck_assert_int_eq(e->patience, h->patience);
    ck_assert_int_eq(e->mode, h->mode);
    ck_assert_int_eq(e->has_baseline, h->has_baseline);
    if (e->has_baseline)
        ck_assert(e->baseline == h->baseline);
    ck_assert_int_eq(e->restore_best_weights, h->restore_best_weights);
    ck_assert_int_eq(e->start_from_epoch, h->start_from_epoch);
    const ffnn_reduce_lr *r = &f->reduce_lr, *s = &g->reduce_lr;
    ck_assert_int_eq(r->enabled, s->enabled);
    ck_assert_str_eq(r->monitor, s->monitor);
    ck_assert(r->factor == s->factor);
    ck_assert_int_eq(r->patience, s->patience);
    ck_assert_int_eq(r->mode, s->mode);
    ck_assert(r->min_delta == s->min_delta);
    ck_assert_int_eq(r->cooldown, s->cooldown);
    ck_assert(r->min_lr == s->min_lr);
    ck_assert_int_eq(a->has_seed, b->has_seed);
    ck_assert_uint_eq(f->seed, g->seed);
}

/* Parses json as "config.json" and expects FFNN_ECONFIG with exactly msg. */
static void expect_error(const char *json, const char *msg)
{
    ffnn_config c;
    ffnn_error err;
    ffnn_status st = ffnn_config_parse(&c, json, "config.json", &err);
    ck_assert_msg(st == FFNN_ECONFIG, "%s: status %d, expected ECONFIG (%s)", json, st, msg);
    ck_assert_str_eq(err.msg, msg);
    ffnn_config_release(&c);
}

static ffnn_config parse_ok(const char *json)
{
    ffnn_config c;
    ffnn_error err;
    ck_assert_msg(ffnn_config_parse(&c, json, "config.json", &err) == FFNN_OK, "%s: %s", json,
                  err.msg);
    return c;
}

START_TEST(defaults)
{
    ffnn_config d = ffnn_config_default(), c = parse_ok("{}");
    assert_config_equal(&d, &c);
    /* scikit-learn's MLP defaults (ffnn-config(5)): hidden_layer_sizes (100,),
     * relu, adam 0.001, batch_size "auto", max_iter 200, tol 1e-4 over
     * n_iter_no_change 10 on the training loss. */
    ck_assert_int_eq(c.arch.n_hidden, 1);
    ck_assert_int_eq(c.arch.hidden[0].units, 100);
    ck_assert_int_eq(c.arch.hidden[0].activation, FFNN_ACT_RELU);
    ck_assert(c.arch.hidden[0].dropout == 0.0f);
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_ADAM);
    ck_assert(c.fit.optimizer.learning_rate == 0.001);
    ck_assert_int_eq(c.fit.batch_size, FFNN_BATCH_AUTO);
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    ck_assert(c.prep.standardize);
    ck_assert(!c.has_seed);
    const ffnn_early_stopping *e = &c.fit.early_stopping;
    ck_assert(e->enabled && c.default_stop);
    ck_assert_str_eq(e->monitor, "loss");
    ck_assert(e->min_delta == 1e-4);
    ck_assert_int_eq(e->patience, 10);
    ck_assert_int_eq(e->mode, FFNN_MODE_AUTO);
    ck_assert(!e->has_baseline && !e->restore_best_weights && e->start_from_epoch == 0);
    ck_assert(!c.fit.reduce_lr.enabled);
    ffnn_config_release(&c);
    ffnn_config_release(&d);
}
END_TEST

/* Stating "epochs" is Keras's fit(epochs=N): exactly N epochs, so the
 * default stopping rule goes; a stated early_stopping is Keras's
 * EarlyStopping(...) from that constructor's defaults, in either key order;
 * a later epochs (ffnn-train -e) keeps a stated early_stopping. */
START_TEST(epochs_and_the_default_stopping_rule)
{
    ffnn_early_stopping keras = ffnn_early_stopping_default();
    ck_assert(!keras.enabled && keras.min_delta == 0.0 && keras.patience == 0);
    ck_assert_str_eq(keras.monitor, "val_loss");

    ffnn_config c = parse_ok("{\"epochs\": 150}");
    ck_assert_int_eq(c.fit.epochs, 150);
    ck_assert(!c.fit.early_stopping.enabled && !c.default_stop);
    ffnn_config_release(&c);

    c = parse_ok("{\"layers\": [{\"units\": 8}], \"batch_size\": 16}");
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    ck_assert(c.fit.early_stopping.enabled && c.default_stop);
    ck_assert_str_eq(c.fit.early_stopping.monitor, "loss");
    ffnn_config_release(&c);

    const char *both[] = {"{\"epochs\": 50, \"early_stopping\": {\"monitor\": \"loss\", \"patience\": 3}}",
                          "{\"early_stopping\": {\"monitor\": \"loss\", \"patience\": 3}, \"epochs\": 50}"};
    for (int i = 0; i < 2; i++) {
        c = parse_ok(both[i]);
        const ffnn_early_stopping *e = &c.fit.early_stopping;
        ck_assert_int_eq(c.fit.epochs, 50);
        ck_assert(e->enabled && e->patience == 3 && e->min_delta == 0.0);
        ck_assert_str_eq(e->monitor, "loss");
        ffnn_config_set_epochs(&c, 7);
        ck_assert_int_eq(c.fit.epochs, 7);
        ck_assert(c.fit.early_stopping.enabled && c.fit.early_stopping.patience == 3);
        ffnn_config_release(&c);
    }

    /* "epochs": "auto" is the default: its limit and its stopping rule. */
    c = parse_ok("{\"epochs\": \"auto\"}");
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    ck_assert(c.fit.early_stopping.enabled && c.default_stop);
    ck_assert(c.fit.early_stopping.min_delta == 1e-4 && c.fit.early_stopping.patience == 10);
    ffnn_config_release(&c);

    /* early_stopping stated without epochs: the "auto" limit under it. */
    c = parse_ok("{\"early_stopping\": {\"patience\": 4}, \"validation_split\": 0.2}");
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    ck_assert(c.fit.early_stopping.enabled && c.fit.early_stopping.min_delta == 0.0);
    ck_assert_str_eq(c.fit.early_stopping.monitor, "val_loss");
    ffnn_config_release(&c);
    c = parse_ok("{\"early_stopping\": false}");
    ck_assert(!c.fit.early_stopping.enabled);
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    ffnn_config_release(&c);

    /* -e on no config. */
    c = ffnn_config_default();
    ffnn_config_set_epochs(&c, 5);
    ck_assert(!c.fit.early_stopping.enabled);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(batch_size_auto)
{
    ffnn_config c = parse_ok("{\"batch_size\": 8}");
    ck_assert_int_eq(c.fit.batch_size, 8);
    ffnn_error err;
    cJSON *o = cJSON_Parse("{\"batch_size\": \"auto\"}");
    ck_assert_int_eq(ffnn_config_apply(&c, o, "trial", &err), FFNN_OK);
    cJSON_Delete(o);
    ck_assert_int_eq(c.fit.batch_size, FFNN_BATCH_AUTO);
    char *text = ffnn_config_to_json(&c);
    ck_assert_ptr_nonnull(strstr(text, "\"batch_size\": \"auto\","));
    free(text);
    ffnn_config_release(&c);
    expect_error("{\"batch_size\": \"Auto\"}",
                 "config.json: batch_size: expected a positive integer or \"auto\", got \"Auto\"");
}
END_TEST

/* "epochs": "auto" after a number (a trial over a config) puts the default
 * back, and the config's JSON writes it as "auto". */
START_TEST(epochs_auto)
{
    ffnn_config c = parse_ok("{\"epochs\": 8}");
    ck_assert_int_eq(c.fit.epochs, 8);
    ffnn_error err;
    cJSON *o = cJSON_Parse("{\"epochs\": \"auto\"}");
    ck_assert_int_eq(ffnn_config_apply(&c, o, "trial", &err), FFNN_OK);
    cJSON_Delete(o);
    ck_assert_int_eq(c.fit.epochs, FFNN_EPOCHS_AUTO);
    char *text = ffnn_config_to_json(&c);
    ck_assert_ptr_nonnull(strstr(text, "\"epochs\": \"auto\","));
    free(text);
    ffnn_config_release(&c);
    c = ffnn_config_default();
    text = ffnn_config_to_json(&c);
    ck_assert_ptr_nonnull(strstr(text, "\"epochs\": \"auto\","));
    free(text);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(every_key)
{
    ffnn_config c;
    ffnn_error err;
    ck_assert_msg(ffnn_config_load(&c, "config/full.json", &err) == FFNN_OK, "%s", err.msg);
    ck_assert_int_eq(c.prep.task, FFNN_TASK_MULTICLASS);
    ck_assert_str_eq(c.prep.target, "species");
    ck_assert_int_eq(c.prep.n_ignore, 2);
    ck_assert_str_eq(c.prep.ignore[1], "date");
    ck_assert_int_eq(c.arch.n_hidden, 3);
    ck_assert_int_eq(c.arch.hidden[0].units, 32);
    ck_assert_int_eq(c.arch.hidden[0].activation, FFNN_ACT_TANH);
    ck_assert(c.arch.hidden[0].dropout == 0.2f);
    ck_assert_int_eq(c.arch.hidden[1].activation, FFNN_ACT_LEAKY_RELU);
    ck_assert(c.arch.hidden[1].dropout == 0.0f);
    /* An empty layer object is the default layer. */
    ck_assert_int_eq(c.arch.hidden[2].units, 100);
    ck_assert_int_eq(c.arch.hidden[2].activation, FFNN_ACT_RELU);
    ck_assert_int_eq(c.arch.output_activation, FFNN_ACT_SOFTMAX);
    ck_assert_int_eq(c.arch.loss, FFNN_LOSS_CCE);
    ck_assert(c.arch.huber_delta == 2.5);
    ck_assert_int_eq(c.arch.kernel_initializer, FFNN_INIT_HE_UNIFORM);
    ck_assert(c.arch.l2 == 0.001);
    const ffnn_optim_spec *o = &c.fit.optimizer;
    ck_assert_int_eq(o->kind, FFNN_OPTIM_RMSPROP);
    ck_assert(o->learning_rate == 0.01 && o->rho == 0.8 && o->momentum == 0.5);
    ck_assert(o->epsilon == 1e-6 && o->centered && o->weight_decay == 0.01);
    ck_assert_int_eq(c.fit.batch_size, 64);
    ck_assert_int_eq(c.fit.epochs, 250);
    ck_assert(c.fit.validation_split == 0.25);
    ck_assert(!c.fit.stratify_validation && !c.fit.shuffle);
    const ffnn_early_stopping *e = &c.fit.early_stopping;
    ck_assert(e->enabled && e->has_baseline && e->baseline == 0.5 && e->restore_best_weights);
    ck_assert_str_eq(e->monitor, "val_accuracy");
    ck_assert(e->min_delta == 0.01);
    ck_assert_int_eq(e->patience, 5);
    ck_assert_int_eq(e->mode, FFNN_MODE_MAX);
    ck_assert_int_eq(e->start_from_epoch, 3);
    const ffnn_reduce_lr *r = &c.fit.reduce_lr;
    ck_assert(r->enabled && r->factor == 0.5 && r->min_delta == 0.001 && r->min_lr == 1e-5);
    ck_assert_str_eq(r->monitor, "loss");
    ck_assert_int_eq(r->patience, 4);
    ck_assert_int_eq(r->mode, FFNN_MODE_MIN);
    ck_assert_int_eq(r->cooldown, 2);
    ck_assert(!c.prep.standardize);
    ck_assert_int_eq(c.prep.impute, FFNN_IMPUTE_MEAN);
    ck_assert(c.has_seed);
    ck_assert_uint_eq(c.fit.seed, 9007199254740992ULL);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(shorthand_forms)
{
    ffnn_config c = parse_ok("{\"loss\": \"mse\", \"optimizer\": \"sgd\", \"early_stopping\": true,"
                             " \"reduce_lr_on_plateau\": false, \"layers\": [], \"seed\": 0}");
    ck_assert_int_eq(c.arch.loss, FFNN_LOSS_MSE);
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_SGD);
    ck_assert(c.fit.optimizer.learning_rate == 0.01);
    ck_assert(c.fit.early_stopping.enabled);
    ck_assert_str_eq(c.fit.early_stopping.monitor, "val_loss");
    ck_assert(!c.fit.reduce_lr.enabled);
    ck_assert_int_eq(c.arch.n_hidden, 0);
    ck_assert(c.has_seed);
    ffnn_config_release(&c);
    c = parse_ok("{\"optimizer\": {\"name\": \"adamw\", \"amsgrad\": true}, \"loss\": {\"name\": "
                 "\"huber\", \"delta\": 0.5}, \"target\": null, \"task\": \"auto\"}");
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_ADAMW);
    ck_assert(c.fit.optimizer.weight_decay == 0.004);
    ck_assert(c.fit.optimizer.amsgrad);
    ck_assert_int_eq(c.arch.loss, FFNN_LOSS_HUBER);
    ck_assert(c.arch.huber_delta == 0.5);
    ck_assert_ptr_null(c.prep.target);
    ck_assert_int_eq(c.prep.task, FFNN_TASK_AUTO);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(unknown_keys)
{
    expect_error("{\"epoch\": 10}", "config.json: epoch: unknown key; did you mean \"epochs\"?");
    expect_error("{\"layers\": [{\"units\": 16}, {\"unit\": 8}]}",
                 "config.json: layers[1].unit: unknown key; did you mean \"units\"?");
    expect_error("{\"optimizer\": {\"learning_rte\": 0.1}}",
                 "config.json: optimizer.learning_rte: unknown key; did you mean \"learning_rate\"?");
    expect_error("{\"early_stopping\": {\"patiance\": 3}}",
                 "config.json: early_stopping.patiance: unknown key; did you mean \"patience\"?");
    expect_error("{\"reduce_lr_on_plateau\": {\"cooldwn\": 3}}",
                 "config.json: reduce_lr_on_plateau.cooldwn: unknown key; did you mean \"cooldown\"?");
    /* An ambiguous prefix suggests nothing. */
    expect_error("{\"reduce_lr_on_plateau\": {\"min\": 3}}",
                 "config.json: reduce_lr_on_plateau.min: unknown key");
    expect_error("{\"loss\": {\"huber_delta\": 3}}", "config.json: loss.huber_delta: unknown key");
    expect_error("{\"frobnicate\": 1}", "config.json: frobnicate: unknown key");
    expect_error("{\"valid\": 0.2}",
                 "config.json: valid: unknown key; did you mean \"validation_split\"?");
    expect_error("{\"epochs\": 5, \"epochs\": 6}", "config.json: epochs: duplicate key");
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_load(&c, "config/typo.json", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "config/typo.json: layers[1].unit: unknown key; did you mean \"units\"?");
    ffnn_config_release(&c);
}
END_TEST

START_TEST(type_errors)
{
    expect_error("{\"batch_size\": \"32\"}",
                 "config.json: batch_size: expected a positive integer or \"auto\", got \"32\"");
    expect_error("{\"batch_size\": 0}",
                 "config.json: batch_size: expected a positive integer or \"auto\", got 0");
    expect_error("{\"epochs\": 2.5}",
                 "config.json: epochs: expected a positive integer or \"auto\", got 2.5");
    expect_error("{\"epochs\": 0}", "config.json: epochs: expected a positive integer or \"auto\", got 0");
    expect_error("{\"epochs\": \"all\"}",
                 "config.json: epochs: expected a positive integer or \"auto\", got \"all\"");
    expect_error("{\"validation_split\": 1}",
                 "config.json: validation_split: must be in [0, 1), got 1");
    expect_error("{\"layers\": [{\"dropout\": 1.5}]}",
                 "config.json: layers[0].dropout: must be in [0, 1), got 1.5");
    /* Below 1 in double but 1 in float32 (found by fuzzing: the config
     * printed back did not parse). */
    expect_error("{\"layers\": [{\"dropout\": 0.999999999999202}]}",
                 "config.json: layers[0].dropout: must be in [0, 1), got 0.999999999999202 (1 in "
                 "float32)");
    expect_error("{\"layers\": {\"units\": 3}}",
                 "config.json: layers: expected an array of layer objects, got {\"units\":3}");
    expect_error("{\"layers\": [16]}", "config.json: layers[0]: expected an object {\"units\", "
                                       "\"activation\", \"dropout\"}, got 16");
    expect_error("{\"shuffle\": \"yes\"}", "config.json: shuffle: expected true or false, got \"yes\"");
    expect_error("{\"seed\": -1}",
                 "config.json: seed: expected a non-negative integer up to 2^53, got -1");
    expect_error("{\"optimizer\": {\"learning_rate\": 0}}",
                 "config.json: optimizer.learning_rate: must be a positive number, got 0");
    expect_error("{\"optimizer\": {\"name\": \"adam\", \"momentum\": 0.9}}",
                 "config.json: optimizer.momentum: not a parameter of adam (it takes learning_rate, "
                 "beta_1, beta_2, epsilon, amsgrad, weight_decay)");
    expect_error("{\"reduce_lr_on_plateau\": {\"factor\": 1}}",
                 "config.json: reduce_lr_on_plateau.factor: must be in (0, 1), got 1");
    expect_error("{\"early_stopping\": 3}", "config.json: early_stopping: expected true, false or an "
                                            "object {\"monitor\", \"patience\", ...}, got 3");
    expect_error("{\"ignore\": [\"a\", 3]}",
                 "config.json: ignore[1]: expected a non-empty string, got 3");
    expect_error("[1, 2]", "config.json: expected a JSON object at the top level");
}
END_TEST

START_TEST(unknown_names)
{
    expect_error("{\"layers\": [{\"activation\": \"rleu\"}]}",
                 "config.json: layers[0].activation: unknown activation \"rleu\"; did you mean "
                 "\"relu\"?");
    expect_error("{\"optimizer\": \"adamm\"}",
                 "config.json: optimizer: unknown optimizer \"adamm\"; did you mean \"adam\"?");
    expect_error("{\"optimizer\": \"lbfgs\"}", "config.json: optimizer: unknown optimizer \"lbfgs\" "
                                               "(valid: sgd, adam, adamw, rmsprop, adagrad)");
    /* The lists come from the modules' tables, in enum order. */
    expect_error("{\"layers\": [{\"activation\": \"maxout\"}]}",
                 "config.json: layers[0].activation: unknown activation \"maxout\" (valid: linear, "
                 "relu, sigmoid, tanh, softmax, elu, selu, gelu, leaky_relu, swish)");
    expect_error("{\"loss\": {\"name\": \"poisson\"}}",
                 "config.json: loss.name: unknown loss \"poisson\" (valid: binary_crossentropy, "
                 "categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error, "
                 "mean_absolute_error, huber)");
    expect_error("{\"output_units\": 0}", "config.json: output_units: expected a positive integer or null, got 0");
    expect_error("{\"output_units\": 1.5}",
                 "config.json: output_units: expected a positive integer or null, got 1.5");
    expect_error("{\"output_activation\": \"Relu\"}",
                 "config.json: output_activation: unknown activation \"Relu\"; did you mean \"relu\"?");
    expect_error("{\"task\": \"classification\"}",
                 "config.json: task: unknown task \"classification\" (valid: auto, binary, "
                 "multiclass, regression)");
    expect_error("{\"columns\": {\"zip\": \"category\"}}",
                 "config.json: columns.zip: expected \"categorical\" or \"numeric\", got \"category\"");
    expect_error("{\"columns\": {\"zip\": \"numeric\", \"zip\": \"categorical\"}}",
                 "config.json: columns.zip: duplicate key");
    expect_error("{\"columns\": [\"zip\"]}",
                 "config.json: columns: expected an object {\"column\": \"categorical\" or \"numeric\"}, "
                 "got [\"zip\"]");
    expect_error("{\"impute\": \"median\"}",
                 "config.json: impute: unknown imputation \"median\"; did you mean \"mean\"?");
    expect_error("{\"impute\": \"knn\"}",
                 "config.json: impute: unknown imputation \"knn\" (valid: none, mean)");
    expect_error("{\"early_stopping\": {\"monitor\": \"val_acuracy\"}}",
                 "config.json: early_stopping.monitor: unknown quantity \"val_acuracy\"; did you mean "
                 "\"val_accuracy\"?");
    expect_error("{\"early_stopping\": {\"monitor\": \"precision\"}}",
                 "config.json: early_stopping.monitor: unknown quantity \"precision\" (valid: "
                 "val_loss, loss, val_accuracy, accuracy, val_binary_accuracy, binary_accuracy, "
                 "val_auc, auc, val_mae, mae, val_mse, mse, val_rmse, rmse)");
    /* The list of valid losses comes from the loss module. */
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_parse(&c, "{\"loss\": \"hinge_loss_x\"}", "config.json", &err),
                     FFNN_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "config.json: loss: unknown loss \"hinge_loss_x\" (valid: "));
    ck_assert_ptr_nonnull(strstr(err.msg, "binary_crossentropy"));
    ffnn_config_release(&c);
}
END_TEST

START_TEST(bad_json)
{
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_load(&c, "config/bad.json", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "config/bad.json:3:17: invalid JSON near \"}\"");
    ffnn_config_release(&c);
    ck_assert_int_eq(ffnn_config_load(&c, "config/empty.json", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "config/empty.json: empty file");
    ffnn_config_release(&c);
    ck_assert_int_eq(ffnn_config_load(&c, "config/missing.json", &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, "config/missing.json: cannot open: No such file or directory");
    ffnn_config_release(&c);
    expect_error(" \n\t", "config.json: empty file");
    expect_error("{\"epochs\": 10", "config.json:1:14: invalid JSON: unexpected end of file");
    expect_error("{\"epochs\": 10} x", "config.json:1:16: invalid JSON near \"x\"");
    expect_error("{\"epochs\": 10,}", "config.json:1:15: invalid JSON near \"}\"");
    expect_error("{\"epochs\": 10,\n}\n", "config.json:2:1: invalid JSON near \"}\"");
    expect_error("{\n\"é\": tru}", "config.json:2:6: invalid JSON near \"tru}\"");
}
END_TEST

START_TEST(round_trip)
{
    ffnn_config c, d;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_load(&c, "config/full.json", &err), FFNN_OK);
    char *text = ffnn_config_to_json(&c);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(ffnn_config_parse(&d, text, "out.json", &err) == FFNN_OK, "%s\n%s", err.msg, text);
    assert_config_equal(&c, &d);
    char *text2 = ffnn_config_to_json(&d);
    ck_assert_str_eq(text, text2);
    ck_assert_ptr_nonnull(strstr(text, "\n  \"ignore\": [\"id\", \"date\"],\n"));
    ck_assert_ptr_nonnull(strstr(text, "\"columns\": {\n    \"zip\": \"categorical\",\n    \"age\": \"numeric\"\n  },"));
    ck_assert_int_eq(c.prep.n_types, 2);
    ck_assert(c.prep.types[0].categorical && !c.prep.types[1].categorical);
    ck_assert_ptr_nonnull(strstr(text, "\"dropout\": 0.2"));
    ck_assert_int_eq(c.arch.output_units, 3);
    ck_assert_ptr_nonnull(strstr(text, "\"output_units\": 3,"));
    free(text);
    free(text2);
    ffnn_config_release(&d);
    ffnn_config_release(&c);

    /* The defaults too (nulls for "from the task" and "no seed"). */
    c = ffnn_config_default();
    text = ffnn_config_to_json(&c);
    d = parse_ok(text);
    assert_config_equal(&c, &d);
    ck_assert_ptr_nonnull(strstr(text, "\"seed\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"output_activation\": null"));
    ck_assert_ptr_nonnull(strstr(text, "\"output_units\": null"));
    free(text);
    ffnn_config_release(&d);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(apply_overlay)
{
    ffnn_config c = parse_ok("{\"epochs\": 20, \"layers\": [{\"units\": 8}, {\"units\": 4}], "
                             "\"optimizer\": {\"name\": \"adam\", \"beta_1\": 0.8}}");
    ffnn_error err;
    cJSON *o = cJSON_Parse("{\"layers\": [{\"units\": 32, \"activation\": \"tanh\", \"dropout\": 0.5}],"
                           " \"optimizer\": {\"learning_rate\": 0.01}}");
    ck_assert_int_eq(ffnn_config_apply(&c, o, "trial", &err), FFNN_OK);
    cJSON_Delete(o);
    ck_assert_int_eq(c.fit.epochs, 20);
    ck_assert_int_eq(c.arch.n_hidden, 1);
    ck_assert_int_eq(c.arch.hidden[0].units, 32);
    ck_assert(c.arch.hidden[0].dropout == 0.5f);
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_ADAM);
    ck_assert(c.fit.optimizer.learning_rate == 0.01);
    ck_assert(c.fit.optimizer.beta_1 == 0.8);

    /* A new optimizer name starts from that optimizer's defaults. */
    o = cJSON_Parse("{\"optimizer\": {\"name\": \"sgd\", \"momentum\": 0.9}}");
    ck_assert_int_eq(ffnn_config_apply(&c, o, "trial", &err), FFNN_OK);
    cJSON_Delete(o);
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_SGD);
    ck_assert(c.fit.optimizer.learning_rate == 0.01);
    ck_assert(c.fit.optimizer.momentum == 0.9);

    /* A failed overlay leaves the config as it was. */
    ffnn_config before;
    ck_assert_int_eq(ffnn_config_copy(&before, &c, &err), FFNN_OK);
    o = cJSON_Parse("{\"epochs\": 99, \"batch_size\": -1}");
    ck_assert_int_eq(ffnn_config_apply(&c, o, "trial", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "trial: batch_size: expected a positive integer or \"auto\", got -1");
    cJSON_Delete(o);
    assert_config_equal(&before, &c);
    ffnn_config_release(&before);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(copy_is_deep)
{
    ffnn_config c = parse_ok("{\"target\": \"y\", \"ignore\": [\"a\", \"b\"], "
                             "\"columns\": {\"c\": \"categorical\"}}"), d;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_copy(&d, &c, &err), FFNN_OK);
    ck_assert_ptr_ne(c.prep.target, d.prep.target);
    ck_assert_ptr_ne(c.prep.ignore[0], d.prep.ignore[0]);
    ck_assert_ptr_ne(c.prep.types[0].name, d.prep.types[0].name);
    ffnn_config_release(&c);
    ck_assert_str_eq(d.prep.types[0].name, "c");
    ck_assert(d.prep.types[0].categorical);
    ck_assert_str_eq(d.prep.ignore[1], "b");
    ck_assert_str_eq(d.prep.target, "y");
    ffnn_config_release(&d);
}
END_TEST

START_TEST(suggest)
{
    static const char *const keys[] = {"units", "activation", "dropout", "learning_rate"};
    ck_assert_str_eq(ffnn_suggest("unit", keys, 4), "units");
    ck_assert_str_eq(ffnn_suggest("activaton", keys, 4), "activation");
    ck_assert_str_eq(ffnn_suggest("droput", keys, 4), "dropout");
    ck_assert_str_eq(ffnn_suggest("learn", keys, 4), "learning_rate");
    ck_assert_ptr_null(ffnn_suggest("zzzzzz", keys, 4));
    ck_assert_ptr_null(ffnn_suggest("x", keys, 4));
    static const char *const two[] = {"min_delta", "min_lr"};
    ck_assert_ptr_null(ffnn_suggest("mi", two, 2)); /* ambiguous prefix */
}
END_TEST

START_TEST(shipped_configs)
{
    static const char *const files[] = {"../../configs/iris-simple.json",
                                        "../../configs/iris-simple-keras3.json",
                                        "../../configs/breast-cancer.json",
                                        "../../configs/diabetes.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        ffnn_config c;
        ffnn_error err;
        FILE *fp = fopen(files[i], "r");
        if (!fp)
            continue;
        fclose(fp);
        ck_assert_msg(ffnn_config_load(&c, files[i], &err) == FFNN_OK, "%s", err.msg);
        ffnn_config_release(&c);
    }
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_load(&c, "../../configs/iris-simple.json", &err), FFNN_OK);
    ck_assert_int_eq(c.arch.n_hidden, 2);
    ck_assert_int_eq(c.arch.output_activation, FFNN_ACT_SOFTMAX);
    ck_assert_int_eq(c.arch.loss, FFNN_LOSS_BCE);
    ck_assert(c.arch.tf_cached_logits); /* the tutorial ran TensorFlow */
    ck_assert_int_eq(c.fit.batch_size, 100);
    ffnn_config_release(&c);
    /* the same model under Keras 3 on JAX/torch: BCE of the probabilities */
    ck_assert_int_eq(ffnn_config_load(&c, "../../configs/iris-simple-keras3.json", &err), FFNN_OK);
    ck_assert_int_eq(c.arch.output_activation, FFNN_ACT_SOFTMAX);
    ck_assert_int_eq(c.arch.loss, FFNN_LOSS_BCE);
    ck_assert(!c.arch.tf_cached_logits);
    ffnn_config_release(&c);
}
END_TEST

/* The written config, byte for byte: config/written.json is what
 * ffnn_config_to_json wrote for this config before it used the JSON writer
 * directly (it built a cJSON tree then), so key order, layout and numbers
 * are pinned independently of the code under test. */
START_TEST(to_json_bytes)
{
    const char *in = "{\"optimizer\":{\"name\":\"sgd\",\"momentum\":0.5,\"nesterov\":true},"
                     "\"early_stopping\":{\"baseline\":0.3,\"patience\":3,\"mode\":\"max\","
                     "\"monitor\":\"val_accuracy\"},\"reduce_lr_on_plateau\":{\"factor\":0.5,"
                     "\"cooldown\":2,\"min_lr\":1e-6},\"seed\":123,\"ignore\":[\"a\",\"b\\n\"],"
                     "\"target\":\"t\\\"x\",\"layers\":[{\"units\":3,\"dropout\":0.1}],"
                     "\"loss\":{\"name\":\"huber\",\"delta\":0.3}}";
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_config_parse(&c, in, "in.json", &err), FFNN_OK);
    char *text = ffnn_config_to_json(&c);
    FILE *fp = fopen("config/written.json", "rb");
    ck_assert_ptr_nonnull(fp);
    char want[4096];
    size_t n = fread(want, 1, sizeof want - 1, fp);
    fclose(fp);
    want[n] = '\0';
    ck_assert_str_eq(text, want);
    free(text);
    ffnn_config_release(&c);
}
END_TEST

START_TEST(json_print)
{
    cJSON *j = cJSON_Parse("{\"a\":[1,2.5,\"x\\n\\\"\"],\"b\":{\"c\":null,\"d\":[{\"e\":true}]},"
                           "\"f\":[],\"g\":{},\"h\":0.30000000000000004,\"i\":1e300}");
    char *s = ffnn_json_print(j, 0);
    ck_assert_str_eq(s, "{\"a\":[1,2.5,\"x\\n\\\"\"],\"b\":{\"c\":null,\"d\":[{\"e\":true}]},\"f\":[],"
                        "\"g\":{},\"h\":0.30000000000000004,\"i\":1e+300}");
    free(s);
    s = ffnn_json_print(j, 2);
    ck_assert_str_eq(s, "{\n  \"a\": [1, 2.5, \"x\\n\\\"\"],\n  \"b\": {\n    \"c\": null,\n"
                        "    \"d\": [\n      {\n        \"e\": true\n      }\n    ]\n  },\n"
                        "  \"f\": [],\n  \"g\": {},\n  \"h\": 0.30000000000000004,\n  \"i\": 1e+300\n}");
    free(s);
    cJSON_Delete(j);
}
END_TEST

Suite *config_suite(void);
Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, epochs_and_the_default_stopping_rule);
    tcase_add_test(tc, batch_size_auto);
    tcase_add_test(tc, epochs_auto);
    tcase_add_test(tc, every_key);
    tcase_add_test(tc, shorthand_forms);
    tcase_add_test(tc, unknown_keys);
    tcase_add_test(tc, type_errors);
    tcase_add_test(tc, unknown_names);
    tcase_add_test(tc, bad_json);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, apply_overlay);
    tcase_add_test(tc, copy_is_deep);
    tcase_add_test(tc, suggest);
    tcase_add_test(tc, shipped_configs);
    tcase_add_test(tc, json_print);
    tcase_add_test(tc, to_json_bytes);
    suite_add_tcase(s, tc);
    return s;
}
