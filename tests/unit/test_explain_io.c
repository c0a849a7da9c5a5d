/* Explanations written as CSV, JSON and ranked summaries (explain_io.h):
 * results built by hand, expected text written out by hand. */
#include <stdlib.h>
#include "ffnn/explain_io.h"
#include "testutil.h"

static char *names3[] = {"a,b", "gr\xC3\xB6\xC3\x9F" "e", "c"}; /* "größe": 5 columns, 7 bytes */
static char *outs2[] = {"no", "yes"};

/* 2 rows, outputs no/yes, features a,b / größe / c; values [row][output][feature]. */
static ffnn_shap example_shap(double *values, double *base, double *outv)
{
    const double v[12] = {0.1, -0.2, 0, -0.1, 0.2, -0.0, 0.3, 1.0 / 3, 1e-10, -0.3, -1.0 / 3, 2.5};
    memcpy(values, v, sizeof v);
    base[0] = base[1] = 0.5;
    const double o[4] = {0.4, 0.6, 0.7, 0.3};
    memcpy(outv, o, sizeof o);
    ffnn_shap s = {0};
    s.method = FFNN_EXPLAIN_EXACT;
    s.requested = FFNN_EXPLAIN_EXACT;
    s.output = FFNN_EXPLAIN_OUTPUT_PROBABILITY;
    s.n_rows = 2;
    s.n_outputs = 2;
    s.n_features = 3;
    s.n_background = 4;
    s.feature_names = names3;
    s.output_names = outs2;
    s.values = values;
    s.base_values = base;
    s.output_values = outv;
    return s;
}

static char *names2[] = {"x", "long_name"};

static ffnn_perm_importance example_perm(double *imp, double *mean, double *std)
{
    const double v[4] = {0.12, 0.08, -0.05, -0.05};
    memcpy(imp, v, sizeof v);
    mean[0] = 0.1;
    mean[1] = -0.05;
    std[0] = 0.02;
    std[1] = 0;
    ffnn_perm_importance p = {0};
    p.n_features = 2;
    p.repeats = 2;
    p.n_rows = 5;
    p.classification = true;
    p.seed = 7;
    p.baseline = 0.8;
    p.feature_names = names2;
    p.importances = imp;
    p.mean = mean;
    p.std = std;
    return p;
}

/* What writing s (or p) in format f puts on a stream. */
static char *written(const ffnn_shap *s, const ffnn_perm_importance *p, ffnn_explain_format f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ffnn_error err;
    ffnn_status st = s ? ffnn_explain_write_shap(fp, s, f, &err) : ffnn_explain_write_perm(fp, p, f, &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    fclose(fp);
    return buf;
}

static void expect_written(const ffnn_shap *s, const ffnn_perm_importance *p,
                           ffnn_explain_format f, const char *want)
{
    char *t = written(s, p, f);
    ck_assert_str_eq(t, want);
    free(t);
}

START_TEST(shap_csv)
{
    double v[12], b[2], o[4];
    ffnn_shap s = example_shap(v, b, o);
    expect_written(&s, NULL, FFNN_EXPLAIN_FORMAT_CSV,
                   "row,output,method,base_value,output_value,\"a,b\",gr\xC3\xB6\xC3\x9F" "e,c\n"
                   "0,no,exact,0.5,0.4,0.1,-0.2,0\n"
                   "0,yes,exact,0.5,0.6,-0.1,0.2,0\n"
                   "1,no,exact,0.5,0.7,0.3,0.333333333,1e-10\n"
                   "1,yes,exact,0.5,0.3,-0.3,-0.333333333,2.5\n");
    /* deep through a softmax names its rule */
    s.method = FFNN_EXPLAIN_DEEP;
    s.softmax = true;
    s.softmax_rule = FFNN_EXPLAIN_SOFTMAX_TORCH;
    char *t = written(&s, NULL, FFNN_EXPLAIN_FORMAT_CSV);
    ck_assert_ptr_nonnull(strstr(t, "\n1,yes,deep:torch,0.5,0.3,-0.3,"));
    free(t);
}
END_TEST

START_TEST(shap_json)
{
    double v[12], b[2], o[4];
    ffnn_shap s = example_shap(v, b, o);
    expect_written(&s, NULL, FFNN_EXPLAIN_FORMAT_JSON,
                   "{\n"
                   "  \"method\": \"exact\",\n"
                   "  \"requested_method\": \"exact\",\n"
                   "  \"softmax_rule\": null,\n"
                   "  \"output\": \"probability\",\n"
                   "  \"rows\": 2,\n"
                   "  \"background_rows\": 4,\n"
                   "  \"features\": [\"a,b\", \"gr\xC3\xB6\xC3\x9F" "e\", \"c\"],\n"
                   "  \"outputs\": [\"no\", \"yes\"],\n"
                   "  \"base_values\": [0.5, 0.5],\n"
                   "  \"mean_abs\": [\n"
                   "    [0.2, 0.266666667, 5e-11],\n"
                   "    [0.2, 0.266666667, 1.25]\n"
                   "  ],\n"
                   "  \"explanations\": [\n"
                   "    {\"row\": 0, \"output_values\": [0.4, 0.6], \"values\": [[0.1, -0.2, 0], "
                   "[-0.1, 0.2, 0]]},\n"
                   "    {\"row\": 1, \"output_values\": [0.7, 0.3], \"values\": [[0.3, 0.333333333, "
                   "1e-10], [-0.3, -0.333333333, 2.5]]}\n"
                   "  ]\n"
                   "}\n");
    s.method = FFNN_EXPLAIN_DEEP;
    s.requested = FFNN_EXPLAIN_AUTO;
    s.softmax = true;
    char *t = written(&s, NULL, FFNN_EXPLAIN_FORMAT_JSON);
    ck_assert_ptr_nonnull(strstr(t, "{\n  \"method\": \"deep\",\n  \"requested_method\": \"auto\",\n"
                                    "  \"softmax_rule\": \"tf\",\n"));
    free(t);
}
END_TEST

/* Totals c 1.25, größe 0.53, a,b 0.4: bars of 40, 17 and 13 characters;
 * columns padded by display width (größe is 5 wide, 7 bytes). */
START_TEST(shap_summary)
{
    double v[12], b[2], o[4];
    ffnn_shap s = example_shap(v, b, o);
    expect_written(&s, NULL, FFNN_EXPLAIN_FORMAT_SUMMARY,
                   "Mean |SHAP value| per feature: exact method, 2 rows, 4 background rows, "
                   "output probability (total = sum over outputs)\n"
                   "rank  feature  total       no          yes\n"
                   "   1  c        1.250000    0.000000    1.250000    "
                   "########################################\n"
                   "   2  gr\xC3\xB6\xC3\x9F" "e    0.533333    0.266667    0.266667    "
                   "#################\n"
                   "   3  a,b      0.400000    0.200000    0.200000    #############\n");
    /* one output: no per-output columns */
    s.n_outputs = 1;
    s.n_rows = 1;
    s.n_background = 1;
    expect_written(&s, NULL, FFNN_EXPLAIN_FORMAT_SUMMARY,
                   "Mean |SHAP value| per feature: exact method, 1 row, 1 background row, "
                   "output probability\n"
                   "rank  feature  mean|SHAP|\n"
                   "   1  gr\xC3\xB6\xC3\x9F" "e    0.200000    ########################################\n"
                   "   2  a,b      0.100000    ####################\n"
                   "   3  c        0.000000    \n");
    /* the method auto chose, and deep's softmax rule */
    s.method = FFNN_EXPLAIN_DEEP;
    s.requested = FFNN_EXPLAIN_AUTO;
    s.softmax = true;
    char *t = written(&s, NULL, FFNN_EXPLAIN_FORMAT_SUMMARY);
    ck_assert_ptr_nonnull(strstr(t, "Mean |SHAP value| per feature: deep:tf method (auto), 1 row, "));
    free(t);
}
END_TEST

/* mean |SHAP| per output and feature, summed over outputs, ranked. */
START_TEST(shap_importance)
{
    double v[12], b[2], o[4];
    ffnn_shap s = example_shap(v, b, o);
    ffnn_shap_importance si;
    ffnn_error err;
    ck_assert_int_eq(ffnn_shap_importance_compute(&si, &s, &err), FFNN_OK);
    const double mean_abs[6] = {0.2, (0.2 + 1.0 / 3) / 2, 5e-11, 0.2, (0.2 + 1.0 / 3) / 2, 1.25};
    for (int t = 0; t < 6; t++)
        ck_assert_double_eq_tol(si.mean_abs[t], mean_abs[t], 1e-15);
    ck_assert_double_eq_tol(si.total[0], 0.4, 1e-15);
    ck_assert_double_eq_tol(si.total[1], 0.2 + 1.0 / 3, 1e-15);
    ck_assert_double_eq_tol(si.total[2], 1.25 + 5e-11, 1e-15);
    ck_assert_int_eq(si.order[0], 2);
    ck_assert_int_eq(si.order[1], 1);
    ck_assert_int_eq(si.order[2], 0);
    ffnn_shap_importance_release(&si);
    ck_assert_ptr_null(si.order);
}
END_TEST

START_TEST(perm_formats)
{
    double imp[4], mean[2], std[2];
    ffnn_perm_importance p = example_perm(imp, mean, std);
    expect_written(NULL, &p, FFNN_EXPLAIN_FORMAT_CSV,
                   "feature,importance_mean,importance_std,importance_1,importance_2\n"
                   "x,0.1,0.02,0.12,0.08\n"
                   "long_name,-0.05,0,-0.05,-0.05\n");
    expect_written(NULL, &p, FFNN_EXPLAIN_FORMAT_JSON,
                   "{\n"
                   "  \"method\": \"permutation\",\n"
                   "  \"scoring\": \"accuracy\",\n"
                   "  \"baseline\": 0.8,\n"
                   "  \"repeats\": 2,\n"
                   "  \"seed\": 7,\n"
                   "  \"rows\": 5,\n"
                   "  \"features\": [\n"
                   "    {\"name\": \"x\", \"importance_mean\": 0.1, \"importance_std\": 0.02, "
                   "\"importances\": [0.12, 0.08]},\n"
                   "    {\"name\": \"long_name\", \"importance_mean\": -0.05, \"importance_std\": 0, "
                   "\"importances\": [-0.05, -0.05]}\n"
                   "  ]\n"
                   "}\n");
    expect_written(NULL, &p, FFNN_EXPLAIN_FORMAT_SUMMARY,
                   "Permutation importance: decrease in accuracy when a feature is shuffled "
                   "(baseline 0.800000, 2 repeats, 5 rows)\n"
                   "rank  feature    mean        std\n"
                   "   1  x          0.100000    0.020000    ########################################\n"
                   "   2  long_name  -0.050000   0.000000    \n");
    /* a regression model's score is R²; a seed past 2^53 stays exact */
    p.classification = false;
    p.seed = 18446744073709551615ULL;
    char *t = written(NULL, &p, FFNN_EXPLAIN_FORMAT_JSON);
    ck_assert_ptr_nonnull(strstr(t, "\"scoring\": \"r2\",\n"));
    ck_assert_ptr_nonnull(strstr(t, "\"seed\": 18446744073709551615,\n"));
    free(t);
}
END_TEST

START_TEST(write_errors_and_names)
{
    double v[12], b[2], o[4];
    ffnn_shap s = example_shap(v, b, o);
    FILE *fp = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(fp);
    setvbuf(fp, NULL, _IONBF, 0);
    ffnn_error err;
    for (int f = 0; f < FFNN_EXPLAIN_FORMAT_COUNT; f++) {
        ck_assert_int_eq(ffnn_explain_write_shap(fp, &s, (ffnn_explain_format)f, &err), FFNN_EIO);
        ck_assert_str_eq(err.msg, "write error: No space left on device");
        clearerr(fp);
    }
    fclose(fp);
    ck_assert_int_eq(ffnn_explain_write_shap(stdout, &s, FFNN_EXPLAIN_FORMAT_COUNT, &err), FFNN_EUSAGE);
    for (int f = 0; f < FFNN_EXPLAIN_FORMAT_COUNT; f++)
        ck_assert_int_eq(ffnn_explain_format_parse(ffnn_explain_format_name((ffnn_explain_format)f)), f);
    ck_assert_str_eq(ffnn_explain_format_name(FFNN_EXPLAIN_FORMAT_SUMMARY), "summary");
    ck_assert_str_eq(ffnn_explain_format_name(FFNN_EXPLAIN_FORMAT_COUNT), "?");
    ck_assert_int_eq(ffnn_explain_format_parse("xml"), -1);
}
END_TEST

Suite *explain_io_suite(void);
Suite *explain_io_suite(void)
{
    Suite *s = suite_create("explain_io");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, shap_csv);
    tcase_add_test(tc, shap_json);
    tcase_add_test(tc, shap_summary);
    tcase_add_test(tc, shap_importance);
    tcase_add_test(tc, perm_formats);
    tcase_add_test(tc, write_errors_and_names);
    suite_add_tcase(s, tc);
    return s;
}
