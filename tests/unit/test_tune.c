/* tune: Hyperband schedule and trial order (keras-semantics.md §1.10),
 * sampling grids (§2.2), the hypergrid parser, objectives, duplicate
 * avoidance, ranking, and the hyperparameter -> config mapping. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "ffnn/model_io.h"
#include "testutil.h"
#include "tune_internal.h"

START_TEST(schedule_totals)
{
    /* The worked tables of keras-semantics.md §1.10. */
    static const struct { int R, f, nb; long trials, epochs, configs; } c[] = {
        {150, 3, 5, 254, 3900, 172}, {81, 3, 5, 211, 1767, 143},
        {10, 3, 3, 30, 120, 22},     {100, 3, 5, 254, 2672, 172}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        ffnn_schedule_totals t = ffnn_hyperband_totals(c[i].R, c[i].f);
        ck_assert_int_eq(ffnn_hyperband_brackets(c[i].R, c[i].f), c[i].nb);
        ck_assert_int_eq(t.trials, c[i].trials);
        ck_assert_int_eq(t.epochs, c[i].epochs);
        ck_assert_int_eq(t.configs, c[i].configs);
    }
}
END_TEST

START_TEST(schedule_rounds)
{
    static const int size4[] = {98, 33, 11, 4, 2}, ep4[] = {2, 6, 17, 50, 150};
    static const int size3[] = {41, 14, 5, 2};
    for (int r = 0; r <= 4; r++) {
        ck_assert_int_eq(ffnn_hyperband_size(150, 3, 4, r), size4[r]);
        ck_assert_int_eq(ffnn_hyperband_epochs(150, 3, 4, r), ep4[r]);
    }
    for (int r = 0; r <= 3; r++)
        ck_assert_int_eq(ffnn_hyperband_size(150, 3, 3, r), size3[r]);
    /* R = 81: bracket 3 is 34/12/4/2 (KT keeps more survivors than the paper). */
    ck_assert_int_eq(ffnn_hyperband_size(81, 3, 3, 0), 34);
    ck_assert_int_eq(ffnn_hyperband_size(81, 3, 3, 1), 12);
    ck_assert_int_eq(ffnn_hyperband_size(81, 3, 3, 2), 4);
    ck_assert_int_eq(ffnn_hyperband_size(81, 3, 3, 3), 2);
    ck_assert_int_eq(ffnn_hyperband_size(81, 3, 4, 0), 81);
    ck_assert_int_eq(ffnn_hyperband_size(243, 3, 5, 0), 243);
}
END_TEST

static ffnn_hypergrid parse_ok(const char *json)
{
    ffnn_hypergrid g;
    ffnn_error err;
    ffnn_status st = ffnn_hypergrid_parse(&g, json, "hypergrid.json", &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    return g;
}

static void expect_error(const char *json, ffnn_status want, const char *msg)
{
    ffnn_hypergrid g;
    ffnn_error err;
    ffnn_error_clear(&err);
    ck_assert_int_eq(ffnn_hypergrid_parse(&g, json, "hypergrid.json", &err), want);
    ck_assert_str_eq(err.msg, msg);
}

/* Completes every pending trial with score f(id). */
static void complete_all(ffnn_oracle *o, double (*score)(int))
{
    for (int i = 0; i < o->n_trials; i++)
        if (o->trials[i].status == FFNN_TRIAL_PENDING) {
            o->trials[i].status = FFNN_TRIAL_COMPLETED;
            o->trials[i].score = score(i);
        }
}

static double score_by_id(int id)
{
    return (double)((id * 7) % 5); /* ties on purpose */
}

/* An oracle over widths 1..1000 with the tuner settings `tuner` (a JSON
 * object's members), its first trials created: their number in *n. */
static void width_oracle(const char *tuner, ffnn_mode dir, ffnn_hypergrid *g, ffnn_oracle *o, int *n)
{
    char json[256];
    ffnn_error err;
    snprintf(json, sizeof json, "{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},\"tuner\":{%s}}",
             tuner);
    *g = parse_ok(json);
    ffnn_oracle_init(o, g, dir);
    ck_assert_int_eq(ffnn_oracle_advance(o, n, &err), FFNN_OK);
}

START_TEST(trial_order_r10)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},"
                                "\"tuner\":{\"max_epochs\":10,\"factor\":3}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    /* #1-12 b2r0, #13-16 b2r1, #17-18 b2r2, #19-24 b1r0, #25-26 b1r1, #27-30 b0 */
    static const int want_b[] = {2, 2, 2, 1, 1, 0}, want_r[] = {0, 1, 2, 0, 1, 0};
    static const int want_n[] = {12, 4, 2, 6, 2, 4};
    while (!ffnn_oracle_finished(&o)) {
        ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
        complete_all(&o, score_by_id);
    }
    ck_assert_int_eq(o.n_trials, 30);
    int id = 0;
    for (int s = 0; s < 6; s++)
        for (int j = 0; j < want_n[s]; j++, id++) {
            ck_assert_int_eq(o.trials[id].bracket, want_b[s]);
            ck_assert_int_eq(o.trials[id].round, want_r[s]);
        }
    /* Round 1 of bracket 2 promotes the top 4 of round 0, best first, ties
     * in creation order: scores (id*7)%5 for ids 0..11 = 0,2,4,1,3,0,2,4,1,3,0,2. */
    ck_assert_int_eq(o.trials[12].parent, 2);
    ck_assert_int_eq(o.trials[13].parent, 7);
    ck_assert_int_eq(o.trials[14].parent, 4);
    ck_assert_int_eq(o.trials[15].parent, 9);
    ck_assert_int_eq(o.trials[12].initial_epoch, 2);
    ck_assert_int_eq(o.trials[12].epochs, 4);
    ck_assert_int_eq(o.trials[16].initial_epoch, 4);
    ck_assert_int_eq(o.trials[16].epochs, 10);
    ck_assert(cJSON_Compare(o.trials[12].values, o.trials[2].values, 1));
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(promotion_waits_for_round)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},"
                                "\"tuner\":{\"max_epochs\":10,\"factor\":3}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MIN);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 12);
    for (int i = 0; i < 11; i++) {
        o.trials[i].status = FFNN_TRIAL_COMPLETED;
        o.trials[i].score = 1.0;
    }
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0); /* trial 11 still pending */
    o.trials[11].status = FFNN_TRIAL_COMPLETED;
    o.trials[11].score = 0.5; /* min: best */
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(o.trials[12].parent, 11);
    ck_assert_int_eq(o.trials[13].parent, 0);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(duplicates_stop_search)
{
    /* Two configurations only: the first bracket needs 12; after 20
     * collisions sampling gives up and the search ends (KT issue #35). */
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[8,16]}},"
                                "\"tuner\":{\"max_epochs\":10}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 2);
    ck_assert(o.exhausted && o.done);
    ck_assert(!cJSON_Compare(o.trials[0].values, o.trials[1].values, 1));
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(same_seed_same_trials)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":16,\"max\":64,\"step\":12},"
                                "\"droprate\":{\"min\":0,\"max\":0.5}},\"tuner\":{\"seed\":7}}");
    ffnn_oracle a, b;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&a, &g, FFNN_MODE_MAX);
    ffnn_oracle_init(&b, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
    ck_assert_int_eq(a.n_trials, 98);
    for (int i = 0; i < a.n_trials; i++)
        ck_assert(cJSON_Compare(a.trials[i].values, b.trials[i].values, 1));
    ck_assert_int_eq(a.seed_state, 2 * 98);
    ffnn_oracle_release(&a);
    ffnn_oracle_release(&b);
    ffnn_hypergrid_release(&g);
}
END_TEST

static double grid_value(const ffnn_hp *hp, long i)
{
    cJSON *v = ffnn_hp_grid_value(hp, i);
    double d = v->valuedouble;
    cJSON_Delete(v);
    return d;
}

START_TEST(sampling_kt_rules)
{
    ck_assert_double_eq(ffnn_py_floordiv(0.5, 0.1), 4.0);
    ck_assert_double_eq(ffnn_py_floordiv(1.0, 0.1), 9.0);
    ck_assert_int_eq(ffnn_prob_to_index(0.0, 3), 0);
    ck_assert_int_eq(ffnn_prob_to_index(0.999999999, 3), 2);
    ck_assert_int_eq(ffnn_prob_to_index(0.5, 2), 1);
    ffnn_hypergrid g = parse_ok(
        "{\"droprate\":{\"min\":0,\"max\":0.5,\"step\":0.1},"
        "\"learning_rate\":{\"min\":0.1,\"max\":0.5,\"step\":0.1},"
        "\"width\":{\"min\":6,\"max\":13,\"step\":3},"
        "\"depth\":{\"min\":2,\"max\":32,\"step\":2,\"sampling\":\"log\"},"
        "\"batch_size\":{\"min\":16,\"max\":64}}");
    /* Float(0, 0.5, step=0.1): 0.5 is never sampled. */
    ck_assert_int_eq(ffnn_hp_grid_size(&g.hp[0]), 5);
    ck_assert_double_eq(grid_value(&g.hp[0], 3), 0.30000000000000004);
    ck_assert_double_eq(grid_value(&g.hp[0], 4), 0.4);
    /* Float(0.1, 0.5, step=0.1) includes 0.5. */
    ck_assert_int_eq(ffnn_hp_grid_size(&g.hp[1]), 5);
    ck_assert_double_eq(grid_value(&g.hp[1], 4), 0.5);
    /* Int(6, 13, step=3): 6, 9, 12. */
    ck_assert_int_eq(g.hp[2].kind, FFNN_HP_INT);
    ck_assert_int_eq(ffnn_hp_grid_size(&g.hp[2]), 3);
    ck_assert_double_eq(grid_value(&g.hp[2], 2), 12);
    /* Int(2, 32, step=2, log): 2, 4, 8, 16, 32. */
    ck_assert_int_eq(ffnn_hp_grid_size(&g.hp[3]), 5);
    ck_assert_double_eq(grid_value(&g.hp[3], 4), 32);
    /* Int without a step: step 1, both ends inclusive. */
    ck_assert_int_eq(ffnn_hp_grid_size(&g.hp[4]), 49);
    cJSON *v = ffnn_hp_value(&g.hp[4], 0.9999999);
    ck_assert_double_eq(v->valuedouble, 64);
    cJSON_Delete(v);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(hypergrid_errors)
{
    expect_error("{\"width\":{\"min\":16,\"max\":64,\"stp\":12}}", FFNN_ECONFIG,
                 "hypergrid.json: width.stp: unknown key; did you mean \"step\"?");
    expect_error("{\"widht\":{\"values\":[8]}}", FFNN_ECONFIG,
                 "hypergrid.json: widht: unknown key; did you mean \"width\"?");
    expect_error("{\"hypergrid\":{},\"tuner\":{\"factor\":1}}", FFNN_ECONFIG,
                 "hypergrid.json: tuner.factor: must be an integer in 2..1000000000");
    expect_error("{\"hypergrid\":{},\"tunr\":{}}", FFNN_ECONFIG,
                 "hypergrid.json: tunr: unknown key; did you mean \"tuner\"?");
    expect_error("{\"width\":{\"min\":64,\"max\":16}}", FFNN_ECONFIG,
                 "hypergrid.json: width: min 64 is greater than max 16");
    expect_error("{\"width\":{\"values\":[]}}", FFNN_ECONFIG,
                 "hypergrid.json: width.values: must be a non-empty array");
    expect_error("{\"droprate\":{\"min\":0,\"max\":1,\"sampling\":\"log\"}}", FFNN_ECONFIG,
                 "hypergrid.json: droprate: log sampling needs min > 0");
    expect_error("{\"hypergrid\":{\"droprate\":{\"min\":0,\"max\":0.5}},\"tuner\":{\"algorithm\":\"grid\"}}",
                 FFNN_ECONFIG,
                 "hypergrid.json: droprate: grid search needs a \"step\" or \"values\" for every "
                 "hyperparameter");
    expect_error("{\"width\":", FFNN_ECONFIG, "hypergrid.json:1:10: invalid JSON: unexpected end of file");
    expect_error("{\"width\": {\"values\": [4]},}", FFNN_ECONFIG, "hypergrid.json:1:27: invalid JSON near \"}\"");
    /* Tutorial-hypermodel values are checked when the file is read (found
     * by fuzzing: depth 5e308 was cast to int). */
    expect_error("{\"depth\":{\"values\":[5.011e308]}}", FFNN_ECONFIG,
                 "hypergrid.json: depth: must be an integer from 0 to 63, got inf");
    expect_error("{\"depth\":{\"values\":[1.5]}}", FFNN_ECONFIG,
                 "hypergrid.json: depth: must be an integer from 0 to 63, got 1.5");
    expect_error("{\"width\":{\"values\":[\"x\"]}}", FFNN_ECONFIG,
                 "hypergrid.json: width: layers[0].units: expected a positive integer, "
                 "got \"x\"");
    /* A grid count that no long holds (found by fuzzing: cast to long). */
    expect_error("{\"droprate\":{\"min\":0,\"max\":2e21,\"step\":2}}", FFNN_ECONFIG,
                 "hypergrid.json: droprate: more than 1e+15 grid points; use a larger step");
    expect_error("{\"activation\":{\"values\":[\"relu\",3]}}", FFNN_ECONFIG,
                 "hypergrid.json: activation: layers[0].activation: expected a string, got 3");
}
END_TEST

/* Every metric Keras reports for the task is an objective by its name or
 * alias, with Keras's direction; a name the task does not compute, or no
 * metric at all, is an error listing the task's names. */
START_TEST(objectives)
{
    static const struct {
        const char *name;
        bool classification, binary;
        bool val;
        int metric;
        ffnn_mode dir;
    } ok[] = {
        {"val_accuracy", true, false, true, FFNN_METRIC_ACCURACY, FFNN_MODE_MAX},
        {"acc", true, false, false, FFNN_METRIC_ACCURACY, FFNN_MODE_MAX},
        {"val_loss", true, false, true, -1, FFNN_MODE_MIN},
        {"loss", false, false, false, -1, FFNN_MODE_MIN},
        {"val_binary_accuracy", true, false, true, FFNN_METRIC_BINARY_ACCURACY, FFNN_MODE_MAX},
        {"val_auc", true, true, true, FFNN_METRIC_AUC, FFNN_MODE_MAX},
        {"auc", true, true, false, FFNN_METRIC_AUC, FFNN_MODE_MAX},
        {"val_mae", false, false, true, FFNN_METRIC_MAE, FFNN_MODE_MIN},
        {"val_mean_absolute_error", false, false, true, FFNN_METRIC_MAE, FFNN_MODE_MIN},
        {"val_mse", false, false, true, FFNN_METRIC_MSE, FFNN_MODE_MIN},
        {"mean_squared_error", false, false, false, FFNN_METRIC_MSE, FFNN_MODE_MIN},
        {"val_rmse", false, false, true, FFNN_METRIC_RMSE, FFNN_MODE_MIN},
        {"val_root_mean_squared_error", false, false, true, FFNN_METRIC_RMSE, FFNN_MODE_MIN},
    };
    ffnn_objective_field f;
    ffnn_mode d;
    ffnn_error err;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        d = FFNN_MODE_AUTO;
        ck_assert_msg(ffnn_tune_objective(ok[i].name, ok[i].classification, ok[i].binary, &f, &d,
                                          &err) == FFNN_OK, "%s", ok[i].name);
        ck_assert_msg(f.val == ok[i].val && f.metric == ok[i].metric && d == ok[i].dir, "%s",
                      ok[i].name);
    }
    /* An explicit direction wins. */
    d = FFNN_MODE_MAX;
    ck_assert_int_eq(ffnn_tune_objective("val_loss", true, false, &f, &d, &err), FFNN_OK);
    ck_assert_int_eq(d, FFNN_MODE_MAX);
    d = FFNN_MODE_AUTO;
    ck_assert_int_eq(ffnn_tune_objective("val_f1", true, false, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "tuner.objective: unknown objective \"val_f1\"; known: loss, "
                              "accuracy, binary_accuracy, val_loss, val_accuracy, val_binary_accuracy");
    ck_assert_int_eq(ffnn_tune_objective("val_mse", true, true, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "tuner.objective: \"val_mse\" is not computed for binary "
                              "classification; known: loss, accuracy, binary_accuracy, auc, val_loss, "
                              "val_accuracy, val_binary_accuracy, val_auc");
    ck_assert_int_eq(ffnn_tune_objective("val_auc", true, false, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_int_eq(ffnn_tune_objective("val_accuracy", false, false, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "tuner.objective: \"val_accuracy\" is not computed for regression; "
                              "known: loss, mae, mse, rmse, val_loss, val_mae, val_mse, val_rmse");
    ck_assert_int_eq(ffnn_tune_objective("val_", false, false, &f, &d, &err), FFNN_ECONFIG);
}
END_TEST

START_TEST(ranking_stable)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},"
                                "\"tuner\":{\"max_epochs\":10}}");
    ffnn_oracle o;
    ffnn_error err;
    int n, order[64];
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    complete_all(&o, score_by_id);
    o.trials[5].status = FFNN_TRIAL_FAILED;
    o.trials[5].score = NAN;
    int k = ffnn_oracle_ranking(&o, order);
    ck_assert_int_eq(k, 11);
    ck_assert_int_eq(order[0], 2);
    ck_assert_int_eq(order[1], 7);
    ck_assert_int_eq(order[k - 1], 10); /* score 0: ids 0, 10 (5 failed) */
    ck_assert_int_eq(order[k - 2], 0);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(hypermodel_config)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[20]},\"depth\":{\"values\":[2]},"
                                "\"batch_size\":{\"values\":[16]}},"
                                "\"fit\":{\"epochs\":40}}");
    cJSON *v = cJSON_Parse("{\"width\":20,\"depth\":2,\"batch_size\":16}");
    ffnn_config c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_tune_config(&g, v, 9, true, &c, &err), FFNN_OK);
    ck_assert_int_eq(c.arch.n_hidden, 2);
    ck_assert_int_eq(c.arch.hidden[1].units, 20);
    ck_assert_float_eq_tol(c.arch.hidden[1].dropout, 0.8f, 1e-6f); /* the tutorial's default */
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_ADAM);
    ck_assert_double_eq(c.fit.optimizer.learning_rate, 0.01);
    ck_assert_int_eq(c.fit.batch_size, 16);
    ck_assert_int_eq(c.fit.epochs, 40);
    ck_assert(c.fit.early_stopping.enabled);
    ck_assert_str_eq(c.fit.early_stopping.monitor, "loss");
    ck_assert_int_eq(c.fit.early_stopping.patience, 5);
    ck_assert_int_eq(c.fit.seed, 9);
    ffnn_config_release(&c);
    /* The final fit keeps the search's fit settings and callbacks. */
    ck_assert_int_eq(ffnn_tune_config(&g, v, 9, false, &c, &err), FFNN_OK);
    ck_assert(c.fit.early_stopping.enabled);
    ck_assert_str_eq(c.fit.early_stopping.monitor, "loss");
    ck_assert_int_eq(c.fit.early_stopping.patience, 5);
    ck_assert_int_eq(c.fit.batch_size, 16);
    ck_assert_int_eq(c.fit.epochs, 40);
    ck_assert_double_eq(c.fit.validation_split, 0.0);
    ffnn_config_release(&c);
    cJSON_Delete(v);
    /* Values read back from a trial file are checked the same way. */
    v = cJSON_Parse("{\"width\":1e300,\"depth\":1}");
    ck_assert_int_eq(ffnn_tune_config(&g, v, 9, true, &c, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "hyperparameters: layers[0].units: expected a positive integer, got 1e+300");
    ffnn_config_release(&c);
    cJSON_Delete(v);
    v = cJSON_Parse("{\"depth\":-1}");
    ck_assert_int_eq(ffnn_tune_config(&g, v, 9, true, &c, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "hyperparameters: depth: must be an integer from 0 to 63, got -1");
    ffnn_config_release(&c);
    cJSON_Delete(v);
    ffnn_hypergrid_release(&g);
}
END_TEST

START_TEST(hypergrid_roundtrip)
{
    ffnn_hypergrid g = parse_ok("{\"width\":{\"min\":16,\"max\":64,\"step\":12},"
                                "\"droprate\":{\"min\":0.0,\"max\":0.5},\"activation\":\"relu\"}");
    char *s = ffnn_hypergrid_to_json(&g);
    ffnn_hypergrid h = parse_ok(s);
    char *t = ffnn_hypergrid_to_json(&h);
    ck_assert_str_eq(s, t);
    ck_assert_int_eq(h.hp[2].kind, FFNN_HP_FIXED);
    ck_assert_int_eq(h.hp[1].kind, FFNN_HP_FLOAT);
    ck_assert_int_eq(h.tuner.max_epochs, 150);
    free(s);
    free(t);
    ffnn_hypergrid_release(&g);
    ffnn_hypergrid_release(&h);
}
END_TEST

/* A grid copied and changed the way ffnn-tune's flags change it is checked
 * with the parser's messages; the grid's size. */
START_TEST(hypergrid_copy_check_points)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":16,\"max\":64,\"step\":12},"
                                "\"depth\":{\"values\":[1,2,3]},\"droprate\":{\"min\":0,\"max\":0.5}},"
                                "\"fit\":{\"batch_size\":8}}");
    ffnn_hypergrid c;
    ffnn_error err;
    ck_assert_int_eq(ffnn_hypergrid_points(&g), -1); /* droprate is continuous */
    ck_assert_int_eq(ffnn_hypergrid_copy(&c, &g, &err), FFNN_OK);
    char *a = ffnn_hypergrid_to_json(&g), *b = ffnn_hypergrid_to_json(&c);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    ck_assert_ptr_ne(c.hp[1].values, g.hp[1].values);
    ck_assert_ptr_ne(c.fit, g.fit);
    ck_assert_int_eq(ffnn_hypergrid_check(&c, "g.json", &err), FFNN_OK);
    c.tuner.algorithm = FFNN_TUNE_GRID;
    ck_assert_int_eq(ffnn_hypergrid_check(&c, "g.json", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "g.json: droprate: grid search needs a \"step\" or \"values\" for every "
                              "hyperparameter");
    c.tuner.algorithm = FFNN_TUNE_RANDOM;
    c.tuner.objective[0] = '\0';
    ck_assert_int_eq(ffnn_hypergrid_check(&c, "g.json", &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "g.json: tuner.objective: must be a metric name such as "
                              "\"val_accuracy\" or {\"name\": ..., \"direction\": \"min\"|\"max\"}");
    ffnn_hypergrid_release(&c);
    ffnn_hypergrid_release(&g);
    /* 5 widths x 3 depths; two grids of 1e15 points do not fit a long. */
    g = parse_ok("{\"width\":{\"min\":16,\"max\":64,\"step\":12},\"depth\":{\"values\":[1,2,3]}}");
    ck_assert_int_eq(ffnn_hypergrid_points(&g), 15);
    ffnn_hypergrid_release(&g);
    g = parse_ok("{\"l2\":{\"min\":0,\"max\":1,\"step\":1e-15},"
                 "\"validation_split\":{\"min\":0,\"max\":0.9,\"step\":1e-15}}");
    ck_assert_int_eq(ffnn_hypergrid_points(&g), LONG_MAX);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* A trial's config is the base (defaults, max_epochs, the search's
 * EarlyStopping, "fit") plus its values; the hypermodel's defaults fill what
 * the values do not set. */
START_TEST(base_and_trial_config)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[20]},"
                                "\"optimizer.beta_1\":{\"values\":[0.8]}},"
                                "\"tuner\":{\"max_epochs\":7},"
                                "\"fit\":{\"batch_size\":8,\"early_stopping\":{\"patience\":2}}}");
    ffnn_config base, c, ref;
    ffnn_error err;
    ck_assert_int_eq(ffnn_tune_base_config(&g, true, &base, &err), FFNN_OK);
    ck_assert_int_eq(base.fit.epochs, 7);
    ck_assert_int_eq(base.fit.batch_size, 8);
    ck_assert(base.fit.early_stopping.enabled);
    ck_assert_str_eq(base.fit.early_stopping.monitor, "loss");
    ck_assert_int_eq(base.fit.early_stopping.patience, 2); /* "fit" over the search's 5 */
    ffnn_config_release(&base);
    /* The final fit: the search's callbacks, every row. */
    ck_assert_int_eq(ffnn_tune_base_config(&g, false, &base, &err), FFNN_OK);
    ck_assert(base.fit.early_stopping.enabled);
    ck_assert_int_eq(base.fit.early_stopping.patience, 2);
    ck_assert_str_eq(base.fit.early_stopping.monitor, "loss");
    ck_assert_int_eq(base.fit.epochs, 7);
    ck_assert_int_eq(base.fit.batch_size, 8);
    ck_assert_double_eq(base.fit.validation_split, 0.0);
    ffnn_config_release(&base);
    /* fit's validation_split is the search's split; callbacks that monitor
     * a validation quantity have nothing to read in the final fit (Keras
     * skips them). */
    ffnn_hypergrid g2 = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[20]}},"
                                 "\"fit\":{\"validation_split\":0.3,"
                                 "\"early_stopping\":{\"monitor\":\"val_loss\"},"
                                 "\"reduce_lr_on_plateau\":{\"monitor\":\"val_accuracy\"}}}");
    ck_assert_double_eq(g2.tuner.validation_split, 0.3);
    ck_assert_int_eq(ffnn_tune_base_config(&g2, true, &base, &err), FFNN_OK);
    ck_assert(base.fit.early_stopping.enabled && base.fit.reduce_lr.enabled);
    ffnn_config_release(&base);
    ck_assert_int_eq(ffnn_tune_base_config(&g2, false, &base, &err), FFNN_OK);
    ck_assert(!base.fit.early_stopping.enabled && !base.fit.reduce_lr.enabled);
    ck_assert_double_eq(base.fit.validation_split, 0.0);
    ffnn_config_release(&base);
    ffnn_hypergrid_release(&g2);

    cJSON *v = cJSON_Parse("{\"optimizer.beta_1\":0.8}");
    ck_assert_int_eq(ffnn_tune_base_config(&g, true, &base, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_tune_trial_config(&base, g.hypermodel, v, 3, &c, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_tune_config(&g, v, 3, true, &ref, &err), FFNN_OK);
    char *a = ffnn_config_to_json(&c), *b = ffnn_config_to_json(&ref);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    ffnn_hypermodel hm = ffnn_hypermodel_default();
    ck_assert_int_eq(c.arch.n_hidden, hm.depth);
    ck_assert_int_eq(c.arch.hidden[0].units, 12);
    ck_assert_int_eq(c.arch.hidden[0].activation, FFNN_ACT_RELU);
    ck_assert_float_eq_tol(c.arch.hidden[0].dropout, 0.8f, 1e-6f);
    ck_assert_int_eq(c.fit.optimizer.kind, FFNN_OPTIM_ADAM);
    ck_assert_double_eq(c.fit.optimizer.learning_rate, 0.01);
    ck_assert_double_eq(c.fit.optimizer.beta_1, 0.8); /* a config key inside the hypermodel's adam */
    ck_assert_int_eq(c.fit.seed, 3);
    ck_assert(c.has_seed);
    ck_assert_int_eq(base.fit.seed, 0); /* the base is not changed */
    ffnn_config_release(&c);
    ffnn_config_release(&ref);
    ffnn_config_release(&base);
    cJSON_Delete(v);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* search.json is written from the grid's tree and read back into an equal
 * grid, "fit" kept as given. */
START_TEST(search_file_roundtrip)
{
    char dir[] = "/tmp/ffnn-test-tune-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ffnn_tune t;
    memset(&t, 0, sizeof t);
    t.dir = dir;
    t.file_mode = 0644;
    t.grid = parse_ok("{\"hypergrid\":{\"width\":{\"min\":16,\"max\":64,\"step\":12},"
                      "\"learning_rate\":{\"min\":1e-4,\"max\":0.1,\"sampling\":\"log\"}},"
                      "\"tuner\":{\"objective\":{\"name\":\"val_loss\",\"direction\":\"min\"}},"
                      "\"fit\":{\"l2\":0.001,\"batch_size\":8}}");
    ffnn_error err;
    ffnn_tune_hashes h = {0x0123456789abcdefULL, true, 0xfedcba9876543210ULL}, hash;
    ck_assert_int_eq(ffnn_tune_save_search(&t, &h, &err), FFNN_OK);
    ffnn_hypergrid g;
    bool found = false;
    ck_assert_int_eq(ffnn_tune_load_search(&t, &g, &hash, &found, &err), FFNN_OK);
    ck_assert(found);
    ck_assert_uint_eq(hash.data, 0x0123456789abcdefULL);
    ck_assert(hash.has_val);
    ck_assert_uint_eq(hash.val, 0xfedcba9876543210ULL);
    char *a = ffnn_hypergrid_to_json(&t.grid), *b = ffnn_hypergrid_to_json(&g);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(b, "\"fit\": {\n    \"l2\": 0.001,\n    \"batch_size\": 8\n  }"));
    free(a);
    free(b);
    ffnn_hypergrid_release(&g);
    char path[64];
    snprintf(path, sizeof path, "%s/search.json", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(ffnn_tune_load_search(&t, &g, &hash, &found, &err), FFNN_OK);
    ck_assert(!found);
    ck_assert_int_eq(rmdir(dir), 0);
    ffnn_hypergrid_release(&t.grid);
}
END_TEST

/* Removes a tune directory a test made (its files are ffnn-tune's). */
static void remove_tree(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Runs what --pending hands out now, as an external executor would. */
static int run_pending(ffnn_tune *t)
{
    int *ids, n;
    ffnn_error err;
    ck_assert_msg(ffnn_tune_pending(t, &ids, &n, &err) == FFNN_OK, "%s", err.msg);
    for (int i = 0; i < n; i++)
        ck_assert_msg(ffnn_tune_run_trial(t, ids[i], &err) == FFNN_OK, "%s", err.msg);
    free(ids);
    return n;
}

/* The model file of the best trial's checkpoint, bytes compared with
 * ffnn_tune_best_model's (it trains the chain again). */
static void best_model_is_checkpoint(ffnn_tune *t, const char *dir)
{
    ffnn_model *m;
    int best;
    ffnn_error err;
    ck_assert_msg(ffnn_tune_best_model(t, &m, &best, &err) == FFNN_OK, "%s", err.msg);
    unsigned char *buf;
    size_t len;
    ck_assert_int_eq(ffnn_model_serialize(m, &buf, &len, &err), FFNN_OK);
    char path[96], *file;
    size_t flen;
    snprintf(path, sizeof path, "%s/trials/%04d.ffnn", dir, best);
    ck_assert_msg(ffnn_file_read(path, &file, &flen, &err) == FFNN_OK, "%s", err.msg);
    ck_assert_uint_eq(flen, len);
    ck_assert_mem_eq(file, buf, len);
    free(file);
    free(buf);
    ffnn_model_destroy(m);
}

/* keras-tuner's get_best_models(): the best trial's own checkpoint, while
 * the search still holds it: first the best of round 0, then, after the
 * promotions, one that continues its parent. */
START_TEST(best_model_replays_the_checkpoint)
{
    char dir[] = "/tmp/ffnn-test-tune-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":4,\"max\":16,\"step\":4},"
                                "\"droprate\":{\"values\":[0,0.1,0.2]}},"
                                "\"tuner\":{\"max_epochs\":9,\"factor\":3,\"seed\":3,"
                                "\"executions_per_trial\":2},\"fit\":{\"batch_size\":16}}");
    ffnn_tune_open_options oo;
    memset(&oo, 0, sizeof oo);
    oo.dir = dir;
    oo.grid = &g;
    oo.train_path = "../../datasets/iris.csv";
    oo.create = true;
    oo.lock = FFNN_TUNE_LOCK_EXCLUSIVE;
    ffnn_tune *t;
    ffnn_error err;
    ck_assert_msg(ffnn_tune_open(&t, &oo, &err) == FFNN_OK, "%s", err.msg);
    ffnn_model *m;
    ck_assert_int_eq(ffnn_tune_best_model(t, &m, NULL, &err), FFNN_EDATA);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(run_pending(t), 9);   /* bracket 2, round 0 */
    best_model_is_checkpoint(t, dir);
    ck_assert_int_eq(run_pending(t), 3);   /* round 1: promotions */
    int order[64];
    ck_assert_int_gt(ffnn_tune_ranking(t, order), 0);
    ck_assert_int_ge(ffnn_tune_trial(t, order[0])->parent, 0);
    best_model_is_checkpoint(t, dir);
    ffnn_tune_close(t);
    ffnn_hypergrid_release(&g);
    remove_tree(dir);
}
END_TEST

/* The algorithm interface: which algorithms sample, and a restored trial
 * that no random search can have made (it continues another). */
START_TEST(oracle_algorithms)
{
    ck_assert(ffnn_oracle_algo_of(FFNN_TUNE_HYPERBAND)->sampled);
    ck_assert(ffnn_oracle_algo_of(FFNN_TUNE_RANDOM)->sampled);
    ck_assert(!ffnn_oracle_algo_of(FFNN_TUNE_GRID)->sampled);
    ck_assert_ptr_null(ffnn_oracle_algo_of(FFNN_TUNE_RANDOM)->needs_checkpoint);
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},"
                                "\"tuner\":{\"algorithm\":\"random\",\"max_trials\":4,\"max_epochs\":5}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    long trials, epochs;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    o.algo->expected(&o, &trials, &epochs);
    ck_assert(trials == 4 && epochs == 20);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert(n == 4 && o.done);
    ck_assert_int_eq(o.algo->check(&o, "oracle.json", &err), FFNN_OK);
    o.trials[2].parent = 1;
    ck_assert_int_eq(o.algo->check(&o, "oracle.json", &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "oracle.json: trial 0002 (iteration 0, bracket 0, round 0) does not fit "
                              "the search; use --overwrite to start afresh");
    ck_assert(!ffnn_oracle_needs_checkpoint(&o, &o.trials[0]));
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* The stop after k failures in a row counts in id order up to the first
 * pending trial: a pending trial between failures may still complete. */
START_TEST(failure_run_in_trial_order)
{
    ffnn_hypergrid g;
    ffnn_oracle o;
    int n;
    width_oracle("\"algorithm\":\"random\",\"max_trials\":8", FFNN_MODE_MAX, &g, &o, &n);
    ck_assert_int_eq(n, 8);
    /* F C F F P F F F: 5 and 6 and 7 are three in a row, but after trial 4,
     * which a sequential run sees first. */
    static const char pattern[] = "FCFFPFFF";
    for (int i = 0; i < 8; i++)
        o.trials[i].status = pattern[i] == 'F' ? FFNN_TRIAL_FAILED
                             : pattern[i] == 'C' ? FFNN_TRIAL_COMPLETED : FFNN_TRIAL_PENDING;
    ck_assert_ptr_null(ffnn_oracle_failure_run(&o, 3, NULL));
    ck_assert_ptr_eq(ffnn_oracle_failure_run(&o, 2, NULL), &o.trials[3]);
    /* Carried on from where it stopped (trial 4, after one failure). */
    ffnn_failure_scan scan = {0, 0};
    ck_assert_ptr_null(ffnn_oracle_failure_run(&o, 3, &scan));
    ck_assert(scan.next == 4 && scan.run == 2);
    o.trials[4].status = FFNN_TRIAL_COMPLETED;
    ck_assert_ptr_eq(ffnn_oracle_failure_run(&o, 3, &scan), &o.trials[7]);
    o.trials[4].status = FFNN_TRIAL_PENDING;
    o.trials[4].status = FFNN_TRIAL_COMPLETED;
    ck_assert_ptr_eq(ffnn_oracle_failure_run(&o, 3, NULL), &o.trials[7]);
    o.trials[4].status = FFNN_TRIAL_FAILED;
    ck_assert_ptr_eq(ffnn_oracle_failure_run(&o, 3, NULL), &o.trials[4]);
    ck_assert_ptr_null(ffnn_oracle_failure_run(&o, 7, NULL));
    ck_assert_ptr_eq(ffnn_oracle_failure_run(&o, 6, NULL), &o.trials[7]);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* Hyperband's stale checkpoints (R 10, f 3: bracket 2 is 12/4/2 trials): a
 * round's are kept until its promotions are chosen, then only the promoted
 * ones until their children finish; a round whose failures leave too few to
 * promote anyone frees all of them as soon as the oracle moves past it. */
START_TEST(stale_checkpoints_rounds)
{
    ffnn_hypergrid g;
    ffnn_oracle o;
    ffnn_error err;
    int n;
    bool stale[64];
    width_oracle("\"max_epochs\":10,\"factor\":3", FFNN_MODE_MAX, &g, &o, &n);
    ck_assert_int_eq(n, 12);
    for (int i = 0; i < 11; i++) {
        o.trials[i].status = FFNN_TRIAL_COMPLETED;
        o.trials[i].score = i;
    }
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    for (int i = 0; i < 11; i++)
        ck_assert_msg(!stale[i], "trial %d: round 0 undecided", i);
    o.trials[11].status = FFNN_TRIAL_FAILED;
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    ck_assert(stale[11] && !stale[10]);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 3); /* 11 completed, 8 kept back: the best 3 */
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    for (int i = 0; i < 12; i++)
        ck_assert_msg(stale[i] == (i < 8 || i == 11), "trial %d", i);
    /* Round 1 (ids 12-14): two fail, so 1 completed <= 4 - 2 kept back and
     * round 2 promotes nothing: every checkpoint of rounds 0 and 1 goes. */
    o.trials[12].status = FFNN_TRIAL_FAILED;
    o.trials[13].status = FFNN_TRIAL_FAILED;
    o.trials[14].status = FFNN_TRIAL_COMPLETED;
    o.trials[14].score = 1;
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    /* Round 0's promoted trials (10, 9, 8 -> 12, 13, 14) have children that
     * finished; 14 waits for round 1's promotions, and its parent 8 for its
     * checkpoint on disk (14 trains again from 8's if it is lost). */
    ck_assert(stale[9] && stale[10] && !stale[14] && !stale[8]);
    o.trials[14].checkpoint = true;
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    ck_assert(stale[8] && !stale[14]);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(o.trials[15].bracket, 1); /* bracket 2, round 2 is empty */
    memset(stale, 0, sizeof stale);
    ck_assert(o.algo->stale_checkpoints(&o, 0, stale));
    for (int i = 0; i < 15; i++)
        ck_assert_msg(stale[i], "trial %d", i);
    ck_assert(!stale[15]);
    /* From a later trial on: the same answers there, nothing below. */
    bool part[64];
    memset(part, 0, sizeof part);
    ck_assert(o.algo->stale_checkpoints(&o, 13, part));
    for (int i = 0; i < o.n_trials; i++)
        ck_assert_msg(part[i] == (i >= 13 && stale[i]), "trial %d from 13", i);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* Resuming: a completed trial that a later round may still promote and
 * whose checkpoint is missing trains again; once its round is decided, a
 * missing checkpoint no longer matters. */
START_TEST(resume_missing_checkpoint)
{
    ffnn_hypergrid g;
    ffnn_oracle o;
    ffnn_error err;
    int n;
    width_oracle("\"max_epochs\":10,\"factor\":3", FFNN_MODE_MAX, &g, &o, &n);
    complete_all(&o, score_by_id);
    for (int i = 0; i < 12; i++)
        o.trials[i].checkpoint = i != 5;
    o.trials[6].status = FFNN_TRIAL_FAILED;
    o.trials[6].checkpoint = false;
    ffnn_oracle_resume(&o);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(o.trials[i].status, i == 5   ? FFNN_TRIAL_PENDING
                                             : i == 6 ? FFNN_TRIAL_FAILED
                                                      : FFNN_TRIAL_COMPLETED);
    ck_assert(isnan(o.trials[5].score));
    complete_all(&o, score_by_id);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 3);
    o.trials[5].checkpoint = false;
    ffnn_oracle_resume(&o);
    ck_assert_int_eq(o.trials[5].status, FFNN_TRIAL_COMPLETED);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* Draws ahead (R 10, f 3: brackets 2, 1, 0 of 12/4/2, 6/2, 4 trials): the
 * values and seed state a sequential run draws, the ids it gives them when
 * every trial completes, fewer when failures cut a round. */
START_TEST(draw_ahead_sequence)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":1000}},"
                                "\"tuner\":{\"max_epochs\":10,\"factor\":3,"
                                "\"hyperband_iterations\":2}}");
    ffnn_oracle a, b;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&a, &g, FFNN_MODE_MAX);
    ffnn_oracle_init(&b, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0); /* nothing before the first round exists */
    ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 12);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 6);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 4);
    ffnn_oracle_expect_ids(&a);
    /* #19-24 b1r0, #27-30 b0 (keras-semantics.md §1.10), 0-based. */
    for (int k = 0; k < 6; k++)
        ck_assert_int_eq(a.ahead[k].trial.id, 18 + k);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(a.ahead[6 + k].trial.id, 26 + k);
    ck_assert_int_eq(a.ahead[0].trial.bracket, 1);
    ck_assert_int_eq(a.ahead[0].trial.epochs, 4);
    ck_assert_int_eq(a.ahead[6].trial.bracket, 0);
    /* Two of round 0 fail: 10 completed, 2 promoted, then 0 (2 <= 4 - 2). */
    a.trials[3].status = FFNN_TRIAL_FAILED;
    a.trials[7].status = FFNN_TRIAL_FAILED;
    ffnn_oracle_expect_ids(&a);
    ck_assert_int_eq(a.ahead[0].trial.id, 14);
    ck_assert_int_eq(a.ahead[6].trial.id, 22);
    /* The next iteration's bracket 2 is drawn ahead too, then nothing. */
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 12);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 6);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(a.n_ahead, 32);
    /* Run both to the end with the same outcomes: the same trials. */
    for (int i = 0; i < 12; i++)
        if (i != 3 && i != 7) {
            a.trials[i].status = FFNN_TRIAL_COMPLETED;
            a.trials[i].score = score_by_id(i);
        }
    ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
    for (int i = 0; i < 12; i++) {
        b.trials[i].status = a.trials[i].status;
        b.trials[i].score = a.trials[i].score;
    }
    while (!ffnn_oracle_finished(&b)) {
        ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
        ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
        ffnn_oracle_expect_ids(&a);
        ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
        complete_all(&a, score_by_id);
        complete_all(&b, score_by_id);
    }
    ck_assert(ffnn_oracle_finished(&a));
    ck_assert_int_eq(a.n_trials, b.n_trials);
    ck_assert_int_eq(a.n_trials, 26 + 30);
    ck_assert(a.seed_state == b.seed_state);
    ck_assert_int_eq(a.n_ahead, 0);
    ck_assert_int_eq(a.ahead_taken, 32);
    for (int i = 0; i < a.n_trials; i++) {
        ck_assert(cJSON_Compare(a.trials[i].values, b.trials[i].values, 1));
        ck_assert_int_eq(a.trials[i].parent, b.trials[i].parent);
        ck_assert_int_eq(a.trials[i].bracket, b.trials[i].bracket);
        ck_assert_int_eq(a.trials[i].epochs, b.trials[i].epochs);
    }
    /* Bracket 1's draws got the ids expected once the failures were known. */
    ck_assert_int_eq(a.trials[14].bracket, 1);
    ck_assert_int_eq(a.trials[14].round, 0);
    ck_assert_int_eq(a.trials[13].bracket, 2);
    ffnn_oracle_release(&a);
    ffnn_oracle_release(&b);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* Draws ahead that run out of new values end the search where the
 * sequential draws do: after the earlier brackets' promotions. */
START_TEST(draw_ahead_exhausted)
{
    /* 20 configurations: brackets 2 and 1 take 12 and 6, bracket 0 finds 2
     * of its 4 (the draws ahead run out there), after bracket 1's promotions. */
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":1,\"max\":20}},"
                                "\"tuner\":{\"max_epochs\":10,\"factor\":3,"
                                "\"hyperband_iterations\":3}}");
    ffnn_oracle a, b;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&a, &g, FFNN_MODE_MAX);
    ffnn_oracle_init(&b, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
    for (int k = 0; k < 8; k++)
        ck_assert_int_eq(ffnn_oracle_draw_ahead(&a, &n, &err), FFNN_OK);
    ck_assert(a.ahead_exhausted && !a.exhausted && !a.done);
    while (!ffnn_oracle_finished(&b)) {
        ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
        complete_all(&b, score_by_id);
    }
    while (!ffnn_oracle_finished(&a)) {
        ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
        complete_all(&a, score_by_id);
    }
    ck_assert(b.exhausted && a.exhausted);
    ck_assert_int_eq(a.n_trials, b.n_trials);
    ck_assert(a.seed_state == b.seed_state);
    for (int i = 0; i < a.n_trials; i++) {
        ck_assert(cJSON_Compare(a.trials[i].values, b.trials[i].values, 1));
        ck_assert_int_eq(a.trials[i].parent, b.trials[i].parent);
    }
    ffnn_oracle_release(&a);
    ffnn_oracle_release(&b);
    ffnn_hypergrid_release(&g);
}
END_TEST

Suite *tune_suite(void);
Suite *tune_suite(void)
{
    Suite *s = suite_create("tune");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, schedule_totals);
    tcase_add_test(tc, schedule_rounds);
    tcase_add_test(tc, trial_order_r10);
    tcase_add_test(tc, promotion_waits_for_round);
    tcase_add_test(tc, duplicates_stop_search);
    tcase_add_test(tc, same_seed_same_trials);
    tcase_add_test(tc, sampling_kt_rules);
    tcase_add_test(tc, hypergrid_errors);
    tcase_add_test(tc, objectives);
    tcase_add_test(tc, ranking_stable);
    tcase_add_test(tc, hypermodel_config);
    tcase_add_test(tc, hypergrid_roundtrip);
    tcase_add_test(tc, hypergrid_copy_check_points);
    tcase_add_test(tc, base_and_trial_config);
    tcase_add_test(tc, search_file_roundtrip);
    tcase_add_test(tc, best_model_replays_the_checkpoint);
    tcase_add_test(tc, oracle_algorithms);
    tcase_add_test(tc, failure_run_in_trial_order);
    tcase_add_test(tc, stale_checkpoints_rounds);
    tcase_add_test(tc, resume_missing_checkpoint);
    tcase_add_test(tc, draw_ahead_sequence);
    tcase_add_test(tc, draw_ahead_exhausted);
    suite_add_tcase(s, tc);
    return s;
}
