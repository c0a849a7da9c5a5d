/* tune: Hyperband schedule and trial order (keras-semantics.md §1.10),
 * sampling grids (§2.2), the hypergrid parser, objectives, duplicate
 * avoidance, ranking, and the hyperparameter -> config mapping. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
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

START_TEST(objectives)
{
    ffnn_objective_field f;
    ffnn_mode d = FFNN_MODE_AUTO;
    ffnn_error err;
    ck_assert_int_eq(ffnn_tune_objective("val_accuracy", false, &f, &d, &err), FFNN_OK);
    ck_assert_int_eq(f, FFNN_OBJ_VAL_METRIC);
    ck_assert_int_eq(d, FFNN_MODE_MAX);
    d = FFNN_MODE_AUTO;
    ck_assert_int_eq(ffnn_tune_objective("val_loss", false, &f, &d, &err), FFNN_OK);
    ck_assert_int_eq(f, FFNN_OBJ_VAL_LOSS);
    ck_assert_int_eq(d, FFNN_MODE_MIN);
    d = FFNN_MODE_AUTO;
    ck_assert_int_eq(ffnn_tune_objective("val_mae", true, &f, &d, &err), FFNN_OK);
    ck_assert_int_eq(d, FFNN_MODE_MIN);
    d = FFNN_MODE_AUTO;
    ck_assert_int_eq(ffnn_tune_objective("val_f1", false, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "tuner.objective: unknown objective \"val_f1\"; valid: val_accuracy, "
                              "val_loss, accuracy, loss");
    d = FFNN_MODE_AUTO;
    ck_assert_int_eq(ffnn_tune_objective("val_mse", true, &f, &d, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "tuner.objective: unavailable objective \"val_mse\"; valid: val_mae, "
                              "val_loss, mae, loss");
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
    ck_assert_int_eq(ffnn_tune_config(&g, v, 9, false, &c, &err), FFNN_OK);
    ck_assert(!c.fit.early_stopping.enabled);
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
    ck_assert_int_eq(ffnn_tune_base_config(&g, false, &base, &err), FFNN_OK);
    ck_assert(base.fit.early_stopping.enabled); /* "fit" asks for it */
    ck_assert_int_eq(base.fit.early_stopping.patience, 2);
    ck_assert_str_eq(base.fit.early_stopping.monitor, "val_loss");
    ffnn_config_release(&base);

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
    ck_assert_int_eq(ffnn_tune_save_search(&t, 0x0123456789abcdefULL, &err), FFNN_OK);
    ffnn_hypergrid g;
    uint64_t hash = 0;
    bool found = false;
    ck_assert_int_eq(ffnn_tune_load_search(&t, &g, &hash, &found, &err), FFNN_OK);
    ck_assert(found);
    ck_assert_uint_eq(hash, 0x0123456789abcdefULL);
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
    tcase_add_test(tc, oracle_algorithms);
    suite_add_tcase(s, tc);
    return s;
}
