/* gp: the Gaussian process and acquisition of Bayesian optimisation against
 * scikit-learn (tests/data/gp/ref.json, written by make_ref.py: posterior
 * mean and std, log marginal likelihood and its gradient, fitted length
 * scale, keras-tuner's proposal), finite-difference gradients, determinism
 * and draw counts, and every error. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "ffnn/json.h"
#include "ffnn/rng.h"
#include "gp.h"
#include "testutil.h"

static cJSON *ref;

static void load_ref(void)
{
    ref = test_json_file("gp/ref.json");
}

static void free_ref(void)
{
    cJSON_Delete(ref);
    ref = NULL;
}

/* A JSON array of numbers, or of arrays of numbers (rows), flattened. */
static double *numbers(const cJSON *a, size_t *count)
{
    size_t n = 0;
    const cJSON *e, *f;
    cJSON_ArrayForEach(e, a) n += cJSON_IsArray(e) ? (size_t)cJSON_GetArraySize(e) : 1;
    double *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    n = 0;
    cJSON_ArrayForEach(e, a) {
        if (cJSON_IsArray(e))
            cJSON_ArrayForEach(f, e) v[n++] = f->valuedouble;
        else
            v[n++] = e->valuedouble;
    }
    if (count)
        *count = n;
    return v;
}

static double num(const cJSON *c, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, key);
    ck_assert_msg(cJSON_IsNumber(v), "ref.json: %s is not a number", key);
    return v->valuedouble;
}

/* One case's training data and a GP fitted on it. */
typedef struct {
    double *x, *y;
    size_t n, d;
    ffnn_gp *gp;
} fitted;

static void fit_case(fitted *f, const cJSON *c, const ffnn_gp_options *o, ffnn_rng *rng)
{
    ffnn_error err;
    f->d = (size_t)num(c, "d");
    f->x = numbers(cJSON_GetObjectItem(c, "x"), NULL);
    f->y = numbers(cJSON_GetObjectItem(c, "y"), &f->n);
    ck_assert_msg(ffnn_gp_fit(&f->gp, f->x, f->y, f->n, f->d, o, rng, &err) == FFNN_OK, "%s",
                  err.msg);
}

static void fitted_release(fitted *f)
{
    ffnn_gp_destroy(f->gp);
    free(f->x);
    free(f->y);
}

static ffnn_gp_options fixed_options(const cJSON *c, const char *ls_key)
{
    ffnn_gp_options o = ffnn_gp_options_default();
    o.alpha = num(c, "alpha");
    o.length_scale = num(c, ls_key);
    o.fit_length_scale = false;
    return o;
}

START_TEST(posterior_matches_sklearn)
{
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "posterior")) {
        ffnn_gp_options o = fixed_options(c, "length_scale");
        fitted f;
        fit_case(&f, c, &o, NULL);
        size_t m, mm;
        double *q = numbers(cJSON_GetObjectItem(c, "query"), &m);
        double *mean_ref = numbers(cJSON_GetObjectItem(c, "mean"), &mm);
        double *std_ref = numbers(cJSON_GetObjectItem(c, "std"), NULL);
        m /= f.d;
        ck_assert_uint_eq(m, mm);
        double *mean = malloc(m * sizeof *mean), *sd = malloc(m * sizeof *sd);
        ffnn_error err;
        ck_assert_int_eq(ffnn_gp_predict(f.gp, q, m, mean, sd, &err), FFNN_OK);
        for (size_t i = 0; i < m; i++) {
            ck_assert_close(mean[i], mean_ref[i], 1e-9);
            ck_assert_close(sd[i], std_ref[i], 1e-9);
        }
        ck_assert(ffnn_gp_length_scale(f.gp) == o.length_scale);
        free(mean);
        free(sd);
        free(q);
        free(mean_ref);
        free(std_ref);
        fitted_release(&f);
        cases++;
    }
    ck_assert_int_eq(cases, 5);
}
END_TEST

START_TEST(log_likelihood_matches_sklearn)
{
    const cJSON *c, *p;
    int points = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "lml")) {
        ffnn_gp_options o = ffnn_gp_options_default();
        o.alpha = num(c, "alpha");
        o.fit_length_scale = false;
        fitted f;
        fit_case(&f, c, &o, NULL);
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "points")) {
            double lml, grad, lml_only;
            ffnn_error err;
            double ls = num(p, "length_scale");
            ck_assert_int_eq(ffnn_gp_log_likelihood_at(f.gp, ls, &lml, &grad, &err), FFNN_OK);
            ck_assert_int_eq(ffnn_gp_log_likelihood_at(f.gp, ls, &lml_only, NULL, &err), FFNN_OK);
            ck_assert_close(lml, num(p, "lml"), 1e-9);
            ck_assert_close(grad, num(p, "grad"), 1e-9);
            ck_assert(lml == lml_only);
            if (ls == 1.0)
                ck_assert(ffnn_gp_log_likelihood(f.gp) == lml);
            points++;
        }
        fitted_release(&f);
    }
    ck_assert_int_eq(points, 12);
}
END_TEST

/* dLML/dlog(l) against central differences of the LML itself. */
START_TEST(log_likelihood_gradient_fd)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "lml"), 1);
    ffnn_gp_options o = ffnn_gp_options_default();
    o.fit_length_scale = false;
    fitted f;
    fit_case(&f, c, &o, NULL);
    const double ls[] = {0.02, 0.2, 0.7, 3.0, 40.0}, h = 1e-5;
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
        double lml, grad, up, down;
        ck_assert_int_eq(ffnn_gp_log_likelihood_at(f.gp, ls[i], &lml, &grad, NULL), FFNN_OK);
        ck_assert_int_eq(ffnn_gp_log_likelihood_at(f.gp, ls[i] * exp(h), &up, NULL, NULL), FFNN_OK);
        ck_assert_int_eq(ffnn_gp_log_likelihood_at(f.gp, ls[i] * exp(-h), &down, NULL, NULL), FFNN_OK);
        ck_assert_close(grad, (up - down) / (2 * h), 1e-6);
    }
    fitted_release(&f);
}
END_TEST

/* keras-tuner's GP (20 restarts) fits the length scale sklearn fits, to
 * 1e-3, and the maximum of the LML found again to 1e-12, to 1e-6. */
START_TEST(fit_matches_sklearn)
{
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "fit")) {
        ffnn_gp_options o = ffnn_gp_options_default();
        o.alpha = num(c, "alpha");
        ffnn_rng rng;
        ffnn_rng_init(&rng, 42, FFNN_RNG_SAMPLE, (uint64_t)cases);
        fitted f;
        fit_case(&f, c, &o, &rng);
        double ls = ffnn_gp_length_scale(f.gp);
        ck_assert_msg(fabs(ls - num(c, "length_scale")) <= 1e-3 * ls, "%s: %.17g vs sklearn %.17g",
                      cJSON_GetObjectItem(c, "name")->valuestring, ls, num(c, "length_scale"));
        ck_assert_close(ls, num(c, "length_scale_opt"), 1e-6);
        ck_assert_close(ffnn_gp_log_likelihood(f.gp), num(c, "lml_opt"), 1e-9);
        ck_assert(ffnn_gp_log_likelihood(f.gp) >= num(c, "lml") - 1e-9);
        fitted_release(&f);
        cases++;
    }
    ck_assert_int_eq(cases, 3);
}
END_TEST

/* mean - beta*std minimised from 50 starts lands where keras-tuner's
 * L-BFGS-B starts land (one clear minimum, on an edge and in a corner). */
START_TEST(propose_matches_keras_tuner)
{
    const cJSON *c;
    int cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(ref, "propose")) {
        ffnn_gp_options o = ffnn_gp_options_default();
        o.alpha = num(c, "alpha");
        o.beta = num(c, "beta");
        o.fit_length_scale = cJSON_IsTrue(cJSON_GetObjectItem(c, "fit_length_scale"));
        if (!o.fit_length_scale)
            o.length_scale = num(c, "length_scale");
        ffnn_rng rng;
        ffnn_rng_init(&rng, 7, FFNN_RNG_SAMPLE, (uint64_t)cases);
        fitted f;
        fit_case(&f, c, &o, &rng);
        ck_assert_close(ffnn_gp_length_scale(f.gp), num(c, "length_scale"), 1e-6);
        double *want = numbers(cJSON_GetObjectItem(c, "best_x"), NULL);
        double x[2], value, again;
        ffnn_error err;
        ck_assert_int_eq(ffnn_gp_propose(f.gp, &rng, x, &value, &err), FFNN_OK);
        for (size_t j = 0; j < f.d; j++) {
            ck_assert(x[j] >= 0.0 && x[j] <= 1.0);
            ck_assert_msg(fabs(x[j] - want[j]) <= 1e-5, "x[%zu] = %.17g, keras-tuner %.17g", j, x[j],
                          want[j]);
        }
        ck_assert_close(value, num(c, "best_value"), 1e-8);
        ck_assert_int_eq(ffnn_gp_acquisition(f.gp, x, &again, NULL, &err), FFNN_OK);
        ck_assert(again == value);
        free(want);
        fitted_release(&f);
        cases++;
    }
    ck_assert_int_eq(cases, 2);
}
END_TEST

/* The acquisition's gradient against central differences, and its value
 * against predict: mean - beta*std. */
START_TEST(acquisition_gradient_fd)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "posterior"), 3); /* 3d */
    ffnn_gp_options o = fixed_options(c, "length_scale");
    o.length_scale = 0.4;
    o.beta = 1.7;
    fitted f;
    fit_case(&f, c, &o, NULL);
    ffnn_rng rng;
    ffnn_rng_init(&rng, 1, FFNN_RNG_SAMPLE, 0);
    for (int t = 0; t < 20; t++) {
        double x[3], g[3], v, mean, sd;
        for (int j = 0; j < 3; j++)
            x[j] = 0.05 + 0.9 * ffnn_rng_uniform(&rng);
        ck_assert_int_eq(ffnn_gp_acquisition(f.gp, x, &v, g, NULL), FFNN_OK);
        ck_assert_int_eq(ffnn_gp_predict(f.gp, x, 1, &mean, &sd, NULL), FFNN_OK);
        ck_assert_close(v, mean - 1.7 * sd, 1e-14);
        for (int j = 0; j < 3; j++) {
            const double h = 1e-6;
            double xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]}, up, down;
            xp[j] += h;
            xm[j] -= h;
            ck_assert_int_eq(ffnn_gp_acquisition(f.gp, xp, &up, NULL, NULL), FFNN_OK);
            ck_assert_int_eq(ffnn_gp_acquisition(f.gp, xm, &down, NULL, NULL), FFNN_OK);
            ck_assert_close(g[j], (up - down) / (2 * h), 1e-6);
        }
    }
    fitted_release(&f);
}
END_TEST

/* Same seed, same bits; fit draws exactly `restarts` numbers and propose
 * exactly starts*d, so the caller's stream stays in step. */
START_TEST(deterministic_and_draw_counts)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "fit"), 2); /* 3d */
    ffnn_gp_options o = ffnn_gp_options_default();
    o.restarts = 7;
    o.starts = 9;
    double ls[2], lml[2], x[2][3], v[2];
    for (int r = 0; r < 2; r++) {
        ffnn_rng rng, expect;
        ffnn_rng_init(&rng, 2024, FFNN_RNG_SAMPLE, 3);
        expect = rng;
        fitted f;
        fit_case(&f, c, &o, &rng);
        for (int i = 0; i < 7; i++)
            ffnn_rng_uniform(&expect);
        ck_assert(memcmp(&rng, &expect, sizeof rng) == 0);
        ck_assert_int_eq(ffnn_gp_propose(f.gp, &rng, x[r], &v[r], NULL), FFNN_OK);
        for (int i = 0; i < 9 * 3; i++)
            ffnn_rng_uniform(&expect);
        ck_assert(memcmp(&rng, &expect, sizeof rng) == 0);
        ls[r] = ffnn_gp_length_scale(f.gp);
        lml[r] = ffnn_gp_log_likelihood(f.gp);
        fitted_release(&f);
    }
    ck_assert(memcmp(&ls[0], &ls[1], sizeof ls[0]) == 0);
    ck_assert(memcmp(&lml[0], &lml[1], sizeof lml[0]) == 0);
    ck_assert(memcmp(x[0], x[1], sizeof x[0]) == 0);
    ck_assert(memcmp(&v[0], &v[1], sizeof v[0]) == 0);

    /* A fixed length scale draws nothing and needs no rng. */
    o.fit_length_scale = false;
    fitted f;
    fit_case(&f, c, &o, NULL);
    ck_assert(ffnn_gp_length_scale(f.gp) == 1.0);
    fitted_release(&f);
}
END_TEST

static void expect_error(ffnn_status got, const ffnn_error *err, ffnn_status want, const char *msg)
{
    ck_assert_int_eq(got, want);
    ck_assert_int_eq(err->status, want);
    ck_assert_str_eq(err->msg, msg);
}

START_TEST(errors)
{
    const double x[] = {0.1, 0.2, 0.1, 0.2, 0.7, 0.4}, y[] = {1.0, 2.0, 3.0};
    ffnn_gp_options o = ffnn_gp_options_default();
    ffnn_gp *gp = (ffnn_gp *)&o;
    ffnn_error err;
    ffnn_rng rng;
    ffnn_rng_init(&rng, 1, FFNN_RNG_SAMPLE, 0);

    expect_error(ffnn_gp_fit(&gp, x, y, 0, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: need at least one point and one dimension");
    ck_assert_ptr_null(gp);
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 0, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: need at least one point and one dimension");

    double bad_y[] = {1.0, NAN, 3.0}, bad_x[] = {0.1, 0.2, 0.1, INFINITY, 0.7, 0.4};
    expect_error(ffnn_gp_fit(&gp, x, bad_y, 3, 2, &o, &rng, &err), &err, FFNN_EDATA,
                 "gp: target 1 is not finite");
    expect_error(ffnn_gp_fit(&gp, bad_x, y, 3, 2, &o, &rng, &err), &err, FFNN_EDATA,
                 "gp: point 1, coordinate 1 is not finite");

    /* Points 0 and 1 coincide: without alpha K is singular at every length
     * scale, fitted or not. */
    o.alpha = 0.0;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EDATA,
                 "gp: the kernel matrix of 3 points is not positive definite (length scale 1, "
                 "alpha 0); raise alpha");
    o.fit_length_scale = false;
    o.length_scale = 0.25;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EDATA,
                 "gp: the kernel matrix of 3 points is not positive definite (length scale 0.25, "
                 "alpha 0); raise alpha");
    ck_assert_ptr_null(gp);

    o = ffnn_gp_options_default();
    o.alpha = -1e-4;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: alpha must be >= 0, got -0.0001");
    o = ffnn_gp_options_default();
    o.beta = NAN;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: beta must be finite, got nan");
    o = ffnn_gp_options_default();
    o.length_scale = 2e5;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: length scale 200000 must lie within [1e-05, 100000], bounds positive");
    o = ffnn_gp_options_default();
    o.length_scale_min = 0.0;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: length scale 1 must lie within [0, 100000], bounds positive");
    o = ffnn_gp_options_default();
    o.starts = 0;
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), &err, FFNN_EUSAGE,
                 "gp: restarts must be >= 0 and starts >= 1, got 20 and 0");
    o = ffnn_gp_options_default();
    expect_error(ffnn_gp_fit(&gp, x, y, 3, 2, &o, NULL, &err), &err, FFNN_EINTERNAL,
                 "gp: length scale restarts need an rng");
    ck_assert_ptr_null(gp);

    ck_assert_int_eq(ffnn_gp_fit(&gp, x, y, 3, 2, &o, &rng, &err), FFNN_OK);
    double lml, p[2];
    expect_error(ffnn_gp_log_likelihood_at(gp, 0.0, &lml, NULL, &err), &err, FFNN_EUSAGE,
                 "gp: length scale must be positive, got 0");
    expect_error(ffnn_gp_propose(gp, NULL, p, NULL, &err), &err, FFNN_EINTERNAL,
                 "gp: proposing needs an rng");
    ffnn_gp_destroy(gp);
    ffnn_gp_destroy(NULL);
}
END_TEST

/* One point (std(y) = 0, normalised to 1): the mean is y everywhere, and
 * the proposal runs (KT's smallest search: num_initial_points = 1). */
START_TEST(one_point)
{
    const double x[] = {0.3, 0.6}, y[] = {0.75};
    ffnn_gp_options o = ffnn_gp_options_default();
    ffnn_rng rng;
    ffnn_rng_init(&rng, 5, FFNN_RNG_SAMPLE, 0);
    ffnn_gp *gp;
    ck_assert_int_eq(ffnn_gp_fit(&gp, x, y, 1, 2, &o, &rng, NULL), FFNN_OK);
    double q[] = {0.9, 0.1}, mean, sd, p[2], v;
    ck_assert_int_eq(ffnn_gp_predict(gp, q, 1, &mean, &sd, NULL), FFNN_OK);
    ck_assert(mean == 0.75);
    ck_assert_int_eq(ffnn_gp_propose(gp, &rng, p, &v, NULL), FFNN_OK);
    ck_assert(p[0] >= 0.0 && p[0] <= 1.0 && p[1] >= 0.0 && p[1] <= 1.0);
    ck_assert(v < 0.75);
    ffnn_gp_destroy(gp);
}
END_TEST

Suite *gp_suite(void);
Suite *gp_suite(void)
{
    Suite *s = suite_create("gp");
    TCase *t = tcase_create("core");
    tcase_add_unchecked_fixture(t, load_ref, free_ref);
    tcase_add_test(t, posterior_matches_sklearn);
    tcase_add_test(t, log_likelihood_matches_sklearn);
    tcase_add_test(t, log_likelihood_gradient_fd);
    tcase_add_test(t, fit_matches_sklearn);
    tcase_add_test(t, propose_matches_keras_tuner);
    tcase_add_test(t, acquisition_gradient_fd);
    tcase_add_test(t, deterministic_and_draw_counts);
    tcase_add_test(t, errors);
    tcase_add_test(t, one_point);
    suite_add_tcase(s, t);
    return s;
}
