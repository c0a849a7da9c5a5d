/* tune_bayes: keras-tuner's BayesianOptimization.  value_to_prob and its
 * round trip for every kind of hyperparameter, and a proposal (and a batch
 * of two) on a fixed history, against tests/data/tune/bayes_ref.json
 * (make_bayes_ref.py: keras-tuner's rules written out in Python, with
 * scikit-learn and scipy); the num_initial_points rule; when the oracle
 * creates random trials, proposes, and waits; OpenBLAS held to one thread. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "ffnn/json.h"
#include "gp.h"
#include "testutil.h"
#include "tune_internal.h"

/* Present where the system's LAPACK is OpenBLAS's. */
extern int openblas_get_num_threads(void) __attribute__((weak));

static cJSON *ref;

static void load_ref(void)
{
    ref = test_json_file("tune/bayes_ref.json");
}

static void free_ref(void)
{
    cJSON_Delete(ref);
    ref = NULL;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(v != NULL, "bayes_ref.json: no \"%s\"", key);
    return v;
}

/* The hyperparameter a reference entry describes, built as the hypergrid
 * parser builds it (an Int range without step and linear sampling gets
 * step 1). */
static ffnn_hp make_hp(const cJSON *spec)
{
    ffnn_hp hp;
    memset(&hp, 0, sizeof hp);
    hp.name = "x";
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(spec, "values");
    if (values) {
        hp.kind = FFNN_HP_CHOICE;
        hp.values = (cJSON *)values;
        return hp;
    }
    hp.kind = strcmp(get(spec, "type")->valuestring, "int") == 0 ? FFNN_HP_INT : FFNN_HP_FLOAT;
    hp.min = get(spec, "min")->valuedouble;
    hp.max = get(spec, "max")->valuedouble;
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(spec, "step");
    hp.step = step ? step->valuedouble : 0.0;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(spec, "sampling");
    hp.sampling = s ? (ffnn_hp_sampling)ffnn_hp_sampling_parse(s->valuestring) : FFNN_HP_LINEAR;
    if (hp.kind == FFNN_HP_INT && hp.sampling == FFNN_HP_LINEAR && hp.step == 0.0)
        hp.step = 1.0;
    return hp;
}

START_TEST(value_to_prob_reference)
{
    load_ref();
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, get(ref, "value_to_prob")) {
        const char *name = get(c, "name")->valuestring;
        ffnn_hp hp = make_hp(get(c, "hp"));
        const cJSON *values = get(c, "values"), *probs = get(c, "probs"), *back = get(c, "back");
        int n = cJSON_GetArraySize(values);
        ck_assert_int_gt(n, 0);
        for (int i = 0; i < n; i++) {
            const cJSON *v = cJSON_GetArrayItem(values, i);
            double want = cJSON_GetArrayItem(probs, i)->valuedouble;
            double got = ffnn_hp_value_to_prob(&hp, v);
            ck_assert_msg(fabs(got - want) <= 1e-12, "%s: value_to_prob(value %d) = %.17g, want %.17g",
                          name, i, got, want);
            /* prob_to_value of that probability (keras-tuner's, computed
             * in Python) */
            cJSON *b = ffnn_hp_value(&hp, want);
            const cJSON *wb = cJSON_GetArrayItem(back, i);
            bool same = cJSON_IsNumber(wb) ? cJSON_IsNumber(b) && b->valuedouble == wb->valuedouble
                                           : cJSON_Compare(b, wb, true);
            char *s = cJSON_PrintUnformatted(b);
            ck_assert_msg(same, "%s: prob_to_value(%.17g) = %s", name, want, s);
            free(s);
            cJSON_Delete(b);
        }
        cases++;
    }
    ck_assert_int_eq(cases, 17);
    free_ref();
}
END_TEST

/* Every point of a stepped range or a choice maps to the centre of its
 * bucket and back to itself; continuous values come back to 1e-12. */
START_TEST(value_to_prob_round_trip)
{
    static const char *const specs[] = {
        "{\"type\":\"int\",\"min\":16,\"max\":64,\"step\":12}",
        "{\"type\":\"int\",\"min\":-3,\"max\":40}",
        "{\"type\":\"int\",\"min\":2,\"max\":1024,\"step\":2,\"sampling\":\"log\"}",
        "{\"type\":\"int\",\"min\":1,\"max\":100,\"step\":3,\"sampling\":\"reverse_log\"}",
        "{\"type\":\"float\",\"min\":0.1,\"max\":0.7,\"step\":0.2}",
        "{\"type\":\"float\",\"min\":0,\"max\":0.8,\"step\":0.2}",
        "{\"type\":\"float\",\"min\":-1,\"max\":1,\"step\":0.25}",
        "{\"type\":\"float\",\"min\":0.0001,\"max\":1,\"step\":10,\"sampling\":\"log\"}",
        "{\"type\":\"float\",\"min\":0.5,\"max\":8,\"step\":2,\"sampling\":\"reverse_log\"}",
        "{\"values\":[0.01,0.001,0.0001]}",
        "{\"values\":[\"relu\",\"tanh\",\"elu\"]}",
        "{\"values\":[true,false]}",
        "{\"values\":[[8,8],[16]]}",
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        cJSON *spec = cJSON_Parse(specs[k]);
        ffnn_hp hp = make_hp(spec);
        long n = ffnn_hp_grid_size(&hp);
        ck_assert_int_gt(n, 1);
        for (long i = 0; i < n; i++) {
            cJSON *v = ffnn_hp_grid_value(&hp, i);
            double p = ffnn_hp_value_to_prob(&hp, v);
            ck_assert_msg(fabs(p - (i + 0.5) / (double)n) < 1e-9, "%s: point %ld: prob %.17g", specs[k],
                          i, p);
            cJSON *b = ffnn_hp_value(&hp, p);
            ck_assert_msg(cJSON_Compare(v, b, true), "%s: point %ld does not come back", specs[k], i);
            cJSON_Delete(v);
            cJSON_Delete(b);
        }
        cJSON_Delete(spec);
    }
    static const char *const cont[] = {
        "{\"type\":\"float\",\"min\":0,\"max\":0.5}",
        "{\"type\":\"float\",\"min\":0.0001,\"max\":0.1,\"sampling\":\"log\"}",
        "{\"type\":\"float\",\"min\":0.5,\"max\":0.999,\"sampling\":\"reverse_log\"}",
    };
    for (size_t k = 0; k < sizeof cont / sizeof cont[0]; k++) {
        cJSON *spec = cJSON_Parse(cont[k]);
        ffnn_hp hp = make_hp(spec);
        for (double u = 0.0; u < 1.0; u += 0.0625) {
            cJSON *v = ffnn_hp_value(&hp, u);
            ck_assert_close(ffnn_hp_value_to_prob(&hp, v), u, 1e-12);
            cJSON_Delete(v);
        }
        cJSON_Delete(spec);
    }
    /* keras-tuner's linear index is Python's float floor division, which
     * puts 0.5 of 0..0.9 step 0.1 (9 points: 0.9 // 0.1 == 8.0) in bucket 4
     * ((0.5 - 0) // 0.1 == 4.0): the GP sees it where it sees 0.4, at
     * (4 + 0.5) / 9, and decoding gives 0.4. */
    cJSON *q = cJSON_Parse("{\"type\":\"float\",\"min\":0,\"max\":0.9,\"step\":0.1}");
    ffnn_hp qh = make_hp(q);
    cJSON *half = ffnn_hp_grid_value(&qh, 5), *four = ffnn_hp_grid_value(&qh, 4);
    ck_assert_double_eq(half->valuedouble, 0.5);
    ck_assert_int_eq(ffnn_hp_grid_size(&qh), 9);
    ck_assert_double_eq(ffnn_hp_value_to_prob(&qh, half), 0.5);
    ck_assert_double_eq(ffnn_hp_value_to_prob(&qh, four), 0.5);
    cJSON_Delete(half);
    cJSON_Delete(four);
    cJSON_Delete(q);
    /* Not a value of the hyperparameter: NaN (the GP then reads 0). */
    cJSON *spec = cJSON_Parse("{\"values\":[\"relu\",\"tanh\"]}"), *v = cJSON_CreateString("elu");
    ffnn_hp hp = make_hp(spec);
    ck_assert(isnan(ffnn_hp_value_to_prob(&hp, v)));
    cJSON_Delete(v);
    cJSON_Delete(spec);
    spec = cJSON_Parse("{\"type\":\"int\",\"min\":1,\"max\":4}");
    v = cJSON_CreateString("4");
    hp = make_hp(spec);
    ck_assert(isnan(ffnn_hp_value_to_prob(&hp, v)));
    cJSON_Delete(v);
    cJSON_Delete(spec);
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

START_TEST(initial_points_rule)
{
    static const struct { const char *json; int want; } c[] = {
        /* max(3 x dimensions, 3); Fixed hyperparameters count */
        {"{\"hypergrid\":{\"width\":{\"values\":[8,16]}},\"tuner\":{\"algorithm\":\"bayesian\"}}", 3},
        {"{\"hypergrid\":{\"width\":{\"values\":[8,16]},\"activation\":\"relu\"},"
         "\"tuner\":{\"algorithm\":\"bayesian\"}}", 6},
        {"{\"hypergrid\":{\"width\":{\"min\":16,\"max\":64,\"step\":12},\"depth\":{\"min\":1,\"max\":4},"
         "\"droprate\":{\"min\":0.1,\"max\":0.7,\"step\":0.2},\"activation\":{\"values\":[\"relu\"]},"
         "\"learning_rate\":0.01},\"tuner\":{\"algorithm\":\"bayesian\"}}", 15},
        /* given: as given; 0 is the default (keras-tuner's `or`) */
        {"{\"hypergrid\":{\"width\":{\"values\":[8,16]},\"depth\":{\"values\":[1,2]}},"
         "\"tuner\":{\"algorithm\":\"bayesian\",\"num_initial_points\":4}}", 4},
        {"{\"hypergrid\":{\"width\":{\"values\":[8,16]},\"depth\":{\"values\":[1,2]}},"
         "\"tuner\":{\"algorithm\":\"bayesian\",\"num_initial_points\":0}}", 6},
        {"{\"hypergrid\":{},\"tuner\":{\"algorithm\":\"bayesian\"}}", 3},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        ffnn_hypergrid g = parse_ok(c[i].json);
        ck_assert_int_eq(ffnn_bayes_initial_points(&g), c[i].want);
        ffnn_hypergrid_release(&g);
    }
}
END_TEST

static void finish(ffnn_oracle *o, int id, double score)
{
    o->trials[id].status = isnan(score) ? FFNN_TRIAL_FAILED : FFNN_TRIAL_COMPLETED;
    o->trials[id].score = score;
}

/* Random trials while completed + pending < num_initial_points, all at
 * once; then a proposal only once nothing is pending; max_trials ends it. */
START_TEST(when_trials_are_created)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"min\":4,\"max\":64},"
                                "\"droprate\":{\"min\":0,\"max\":0.5}},"
                                "\"tuner\":{\"algorithm\":\"bayesian\",\"num_initial_points\":3,"
                                "\"max_trials\":7,\"seed\":5}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(o.seed_state, 6); /* 3 random trials x 2 values */
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0);
    finish(&o, 0, 0.5);
    finish(&o, 1, NAN); /* failed: does not count */
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1); /* 1 completed + 1 pending + 1 new */
    ck_assert_int_eq(o.seed_state, 8);
    finish(&o, 2, 0.6);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0); /* 2 completed + trial 3 pending: it decides */
    finish(&o, 3, 0.7);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1); /* 3 completed: the GP's first proposal */
    ck_assert_int_eq(o.seed_state, 8); /* no random value drawn */
    ck_assert_int_eq(o.trials[4].parent, -1);
    ck_assert_int_eq(o.trials[4].epochs, g.tuner.max_epochs);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0); /* waits for it */
    finish(&o, 4, NAN);     /* failed: the next proposal comes all the same */
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(o.seed_state, 8);
    ck_assert(!o.done);
    finish(&o, 5, 0.4);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(o.done); /* max_trials 7 */
    ck_assert(!ffnn_oracle_finished(&o));
    finish(&o, 6, 0.4);
    ck_assert(ffnn_oracle_finished(&o));
    ffnn_oracle_release(&o);

    /* A batch of 3 proposals at a time; the last batch is cut to max_trials. */
    g.tuner.proposal_batch = 3;
    g.tuner.max_trials = 8;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MIN);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 3);
    for (int i = 0; i < 3; i++)
        finish(&o, i, 0.1 * i);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 3);
    finish(&o, 3, 0.2);
    finish(&o, 4, 0.3);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 0);
    finish(&o, 5, 0.3);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 2);
    ck_assert(o.done);
    ck_assert_int_eq(o.seed_state, 6);
    ffnn_oracle_release(&o);

    /* max_trials below num_initial_points: random trials only. */
    g.tuner.max_trials = 2;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MIN);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 2);
    ck_assert(o.done);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* Random sampling that runs out of new values ends the search, as in the
 * other sampled searches (keras-tuner's STOPPED). */
START_TEST(exhausted_before_the_gp)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[8,16]}},"
                                "\"tuner\":{\"algorithm\":\"bayesian\",\"max_trials\":10}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 2);
    ck_assert(o.exhausted && o.done);
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* The reference history's trials, into a new oracle on grid g. */
static void load_history(ffnn_oracle *o, const ffnn_hypergrid *g, const cJSON *trials)
{
    ffnn_oracle_init(o, g, FFNN_MODE_MAX);
    const cJSON *t;
    int id = 0;
    cJSON_ArrayForEach(t, trials) {
        ffnn_trial tr;
        memset(&tr, 0, sizeof tr);
        tr.id = id++;
        tr.parent = -1;
        tr.epochs = g->tuner.max_epochs;
        tr.values = (cJSON *)get(t, "values");
        bool failed = strcmp(get(t, "status")->valuestring, "failed") == 0;
        tr.status = failed ? FFNN_TRIAL_FAILED : FFNN_TRIAL_COMPLETED;
        tr.score = failed ? NAN : get(t, "score")->valuedouble;
        tr.best_step = -1;
        ffnn_error err;
        ck_assert_msg(ffnn_oracle_add_trial(o, &tr, &err) == FFNN_OK, "%s", err.msg);
    }
}

/* Each proposal's values: the stepped and choice ones exactly, the
 * continuous droprate to 1e-6 (scipy's and NLopt's optimum of the same
 * acquisition, from GPs whose fitted length scales agree to ~1e-7). */
START_TEST(proposal_reference)
{
    load_ref();
    const cJSON *p = get(ref, "propose");
    ffnn_hypergrid g;
    ffnn_error err;
    ck_assert_msg(ffnn_hypergrid_from_json(&g, get(p, "grid"), "grid", &err) == FFNN_OK, "%s", err.msg);
    /* The rows keras-tuner fits: value_to_prob of the completed trials. */
    const cJSON *t, *vec = get(p, "vectors");
    int r = 0;
    cJSON_ArrayForEach(t, get(p, "trials")) {
        if (strcmp(get(t, "status")->valuestring, "completed") != 0)
            continue;
        const cJSON *row = cJSON_GetArrayItem(vec, r++);
        for (int k = 0; k < 3; k++)
            ck_assert_close(ffnn_hp_value_to_prob(&g.hp[k], get(get(t, "values"), g.hp[k].name)),
                            cJSON_GetArrayItem(row, k)->valuedouble, 1e-12);
    }
    ck_assert_int_eq(r, 9);
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, get(p, "cases")) {
        g.tuner.proposal_batch = get(c, "proposal_batch")->valueint;
        ffnn_oracle o;
        int n;
        load_history(&o, &g, get(p, "trials"));
        ck_assert_int_eq(o.n_trials, 10);
        ck_assert_msg(ffnn_oracle_advance(&o, &n, &err) == FFNN_OK, "%s", err.msg);
        ck_assert_int_eq(n, g.tuner.proposal_batch);
        const cJSON *want;
        int i = 0;
        cJSON_ArrayForEach(want, get(c, "values")) {
            const cJSON *got = o.trials[10 + i].values;
            char *s = cJSON_PrintUnformatted(got);
            ck_assert_int_eq(cJSON_GetArraySize(got), 4);
            ck_assert_msg(get(got, "width")->valuedouble == get(want, "width")->valuedouble &&
                              strcmp(get(got, "activation")->valuestring,
                                     get(want, "activation")->valuestring) == 0 &&
                              get(got, "learning_rate")->valuedouble == 0.01,
                          "%s: proposal %d: %s", get(c, "name")->valuestring, i, s);
            ck_assert_msg(fabs(get(got, "droprate")->valuedouble - get(want, "droprate")->valuedouble) < 1e-6,
                          "%s: proposal %d: %s", get(c, "name")->valuestring, i, s);
            free(s);
            i++;
        }
        ck_assert_int_eq(i, n);
        ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
        ck_assert_int_eq(n, 0); /* waits for the batch */
        ffnn_oracle_release(&o);
        cases++;
    }
    ck_assert_int_eq(cases, 2);
    ffnn_hypergrid_release(&g);
    free_ref();
}
END_TEST

/* The same history and seed: the same bits; another seed: other starts
 * but, here, the same optimum. */
START_TEST(proposal_deterministic)
{
    load_ref();
    const cJSON *p = get(ref, "propose");
    ffnn_hypergrid g;
    ffnn_error err;
    ck_assert_msg(ffnn_hypergrid_from_json(&g, get(p, "grid"), "grid", &err) == FFNN_OK, "%s", err.msg);
    g.tuner.proposal_batch = 2;
    ffnn_oracle a, b;
    int n;
    load_history(&a, &g, get(p, "trials"));
    load_history(&b, &g, get(p, "trials"));
    ck_assert_int_eq(ffnn_oracle_advance(&a, &n, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
    for (int i = 10; i < 12; i++) {
        char *sa = cJSON_PrintUnformatted(a.trials[i].values);
        char *sb = cJSON_PrintUnformatted(b.trials[i].values);
        ck_assert_str_eq(sa, sb);
        free(sa);
        free(sb);
    }
    ffnn_oracle_release(&b);
    g.tuner.seed = 99;
    load_history(&b, &g, get(p, "trials"));
    ck_assert_int_eq(ffnn_oracle_advance(&b, &n, &err), FFNN_OK);
    for (int i = 10; i < 12; i++) {
        const cJSON *va = a.trials[i].values, *vb = b.trials[i].values;
        ck_assert_double_eq(get(va, "width")->valuedouble, get(vb, "width")->valuedouble);
        ck_assert_str_eq(get(va, "activation")->valuestring, get(vb, "activation")->valuestring);
        ck_assert_close(get(va, "droprate")->valuedouble, get(vb, "droprate")->valuedouble, 1e-6);
    }
    ffnn_oracle_release(&a);
    ffnn_oracle_release(&b);
    ffnn_hypergrid_release(&g);
    free_ref();
}
END_TEST

/* Every hyperparameter Fixed: nothing for a GP to fit; the proposal is
 * the fixed values (a repeat, trained again, as keras-tuner would). */
START_TEST(no_dimensions)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":8},"
                                "\"tuner\":{\"algorithm\":\"bayesian\",\"num_initial_points\":1,"
                                "\"max_trials\":3}}");
    ffnn_oracle o;
    ffnn_error err;
    int n;
    ffnn_oracle_init(&o, &g, FFNN_MODE_MAX);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1);
    finish(&o, 0, 0.5);
    ck_assert_int_eq(ffnn_oracle_advance(&o, &n, &err), FFNN_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(cJSON_Compare(o.trials[1].values, o.trials[0].values, true));
    ffnn_oracle_release(&o);
    ffnn_hypergrid_release(&g);
}
END_TEST

/* The Bayesian keys survive the normalised form search.json is compared
 * by; other algorithms neither print nor compare them. */
START_TEST(bayes_keys_round_trip)
{
    ffnn_hypergrid g = parse_ok("{\"hypergrid\":{\"width\":{\"values\":[8,16]}},"
                                "\"tuner\":{\"algorithm\":\"bayesian\",\"num_initial_points\":4,"
                                "\"alpha\":0.001,\"beta\":1.5,\"proposal_batch\":3}}");
    ck_assert_int_eq(g.tuner.num_initial_points, 4);
    ck_assert_double_eq(g.tuner.alpha, 0.001);
    ck_assert_double_eq(g.tuner.beta, 1.5);
    ck_assert_int_eq(g.tuner.proposal_batch, 3);
    char *a = ffnn_hypergrid_to_json(&g);
    ffnn_hypergrid h = parse_ok(a);
    char *b = ffnn_hypergrid_to_json(&h);
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"proposal_batch\": 3"));
    ck_assert_ptr_nonnull(strstr(a, "\"alpha\": 0.001"));
    free(a);
    free(b);
    ffnn_hypergrid_release(&h);
    g.tuner.algorithm = FFNN_TUNE_RANDOM;
    a = ffnn_hypergrid_to_json(&g);
    ck_assert_ptr_null(strstr(a, "beta"));
    free(a);
    ffnn_hypergrid_release(&g);
    /* The defaults: keras-tuner's. */
    ffnn_tune_options o = ffnn_tune_options_default();
    ck_assert_int_eq(o.num_initial_points, 0);
    ck_assert_double_eq(o.alpha, 1e-4);
    ck_assert_double_eq(o.beta, 2.6);
    ck_assert_int_eq(o.proposal_batch, 1);
}
END_TEST

/* A fit leaves OpenBLAS (where it is the LAPACK) with one thread. */
START_TEST(openblas_one_thread)
{
    double x[] = {0.1, 0.5, 0.9}, y[] = {1.0, 0.0, 2.0};
    ffnn_gp_options opt = ffnn_gp_options_default();
    opt.fit_length_scale = false;
    ffnn_gp *gp;
    ffnn_error err;
    ck_assert_int_eq(ffnn_gp_fit(&gp, x, y, 3, 1, &opt, NULL, &err), FFNN_OK);
    ffnn_gp_destroy(gp);
    if (openblas_get_num_threads)
        ck_assert_int_eq(openblas_get_num_threads(), 1);
}
END_TEST

Suite *tune_bayes_suite(void);
Suite *tune_bayes_suite(void)
{
    Suite *s = suite_create("tune_bayes");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, value_to_prob_reference);
    tcase_add_test(tc, value_to_prob_round_trip);
    tcase_add_test(tc, initial_points_rule);
    tcase_add_test(tc, when_trials_are_created);
    tcase_add_test(tc, exhausted_before_the_gp);
    tcase_add_test(tc, proposal_reference);
    tcase_add_test(tc, proposal_deterministic);
    tcase_add_test(tc, no_dimensions);
    tcase_add_test(tc, bayes_keys_round_trip);
    tcase_add_test(tc, openblas_one_thread);
    suite_add_tcase(s, tc);
    return s;
}
