/* eval: every metric against hand-computed values (scikit-learn 1.2
 * definitions), the predictions reader and its errors, the reports. */
#include <float.h>
#include <stdlib.h>
#include "ffnn/eval.h"
#include "testutil.h"

#define TOL 1e-12

/* ---- accuracy, confusion, precision/recall/F1 ----------------------------- */

START_TEST(test_class_never_predicted)
{
    /* class 2 is never predicted: its precision is 0/0 -> 0 (zero_division
     * "warn"), recall 0/2. */
    int yt[] = {0, 0, 1, 1, 2, 2}, yp[] = {0, 0, 0, 1, 0, 1};
    long cm[9];
    ffnn_eval_confusion(yt, yp, 6, 3, cm);
    long want[9] = {2, 0, 0, 1, 1, 0, 1, 1, 0};
    for (int i = 0; i < 9; i++)
        ck_assert_int_eq(cm[i], want[i]);
    ck_assert_close(ffnn_eval_accuracy(yt, yp, 6), 0.5, TOL);
    ck_assert_close(ffnn_eval_balanced_accuracy(cm, 3), 0.5, TOL);
    ffnn_eval_prf pc[3], ma, wa;
    ffnn_eval_prf_compute(cm, 3, NULL, pc, &ma, &wa);
    ck_assert_close(pc[0].precision, 0.5, TOL);
    ck_assert_close(pc[0].recall, 1, TOL);
    ck_assert_close(pc[0].f1, 2.0 / 3, TOL);
    ck_assert_close(pc[1].precision, 0.5, TOL);
    ck_assert_close(pc[1].recall, 0.5, TOL);
    ck_assert_close(pc[1].f1, 0.5, TOL);
    ck_assert_close(pc[2].precision, 0, TOL);
    ck_assert_close(pc[2].recall, 0, TOL);
    ck_assert_close(pc[2].f1, 0, TOL);
    ck_assert_int_eq(pc[2].support, 2);
    ck_assert_close(ma.precision, 1.0 / 3, TOL);
    ck_assert_close(ma.recall, 0.5, TOL);
    ck_assert_close(ma.f1, 7.0 / 18, TOL);
    ck_assert_int_eq(ma.support, 6);
    ck_assert_close(wa.precision, 1.0 / 3, TOL);
    ck_assert_close(wa.f1, 7.0 / 18, TOL);
}
END_TEST

START_TEST(test_class_only_predicted)
{
    /* class 2 occurs only in y_pred: recall 0/0 -> 0, support 0; balanced
     * accuracy skips it; the weighted average gives it weight 0. */
    int yt[] = {0, 0, 1, 1}, yp[] = {0, 2, 1, 1};
    long cm[9];
    ffnn_eval_confusion(yt, yp, 4, 3, cm);
    ffnn_eval_prf pc[3], ma, wa;
    ffnn_eval_prf_compute(cm, 3, NULL, pc, &ma, &wa);
    ck_assert_close(pc[0].precision, 1, TOL);
    ck_assert_close(pc[0].recall, 0.5, TOL);
    ck_assert_close(pc[2].precision, 0, TOL);
    ck_assert_close(pc[2].recall, 0, TOL);
    ck_assert_close(ma.precision, 2.0 / 3, TOL);
    ck_assert_close(ma.recall, 0.5, TOL);
    ck_assert_close(ma.f1, 5.0 / 9, TOL);
    ck_assert_close(wa.precision, 1, TOL);
    ck_assert_close(wa.recall, 0.75, TOL);
    ck_assert_close(wa.f1, 5.0 / 6, TOL);
    ck_assert_close(ffnn_eval_balanced_accuracy(cm, 3), 0.75, TOL);
}
END_TEST

START_TEST(test_absent_label_excluded)
{
    /* sklearn averages over the labels in y_true or y_pred: a fourth class in
     * neither does not pull the macro average down. */
    int yt[] = {0, 0, 1, 1, 2, 2}, yp[] = {0, 0, 0, 1, 0, 1};
    long cm[16];
    bool present[4] = {true, true, true, false};
    ffnn_eval_confusion(yt, yp, 6, 4, cm);
    ffnn_eval_prf ma, wa;
    ffnn_eval_prf_compute(cm, 4, present, NULL, &ma, &wa);
    ck_assert_close(ma.precision, 1.0 / 3, TOL);
    ck_assert_close(ma.f1, 7.0 / 18, TOL);
}
END_TEST

START_TEST(test_perfect_and_worst)
{
    int yt[] = {0, 0, 1, 1}, good[] = {0, 0, 1, 1}, bad[] = {1, 1, 0, 0};
    long cm[4];
    ffnn_eval_prf ma, wa;
    ffnn_eval_confusion(yt, good, 4, 2, cm);
    ffnn_eval_prf_compute(cm, 2, NULL, NULL, &ma, &wa);
    ck_assert_close(ffnn_eval_accuracy(yt, good, 4), 1, TOL);
    ck_assert_close(ffnn_eval_balanced_accuracy(cm, 2), 1, TOL);
    ck_assert_close(ma.f1, 1, TOL);
    ck_assert_close(wa.precision, 1, TOL);
    ffnn_eval_confusion(yt, bad, 4, 2, cm);
    ffnn_eval_prf_compute(cm, 2, NULL, NULL, &ma, &wa);
    ck_assert_close(ffnn_eval_accuracy(yt, bad, 4), 0, TOL);
    ck_assert_close(ffnn_eval_balanced_accuracy(cm, 2), 0, TOL);
    ck_assert_close(ma.precision, 0, TOL);
    ck_assert_close(ma.recall, 0, TOL);
    ck_assert_close(ma.f1, 0, TOL);
    ck_assert(isnan(ffnn_eval_accuracy(yt, bad, 0)));
}
END_TEST

/* ---- log loss ---------------------------------------------------------------- */

START_TEST(test_log_loss)
{
    int yt[] = {0, 1};
    double P[] = {0.8, 0.2, 0.4, 0.6};
    ck_assert_close(ffnn_eval_log_loss(yt, P, 2, 2), (-log(0.8) - log(0.6)) / 2, TOL);
    /* perfect: 0 and 1 clip to eps and 1-eps */
    double Q[] = {1, 0, 0, 1};
    ck_assert_close(ffnn_eval_log_loss(yt, Q, 2, 2), -log(1 - DBL_EPSILON), TOL);
    /* worst: the true class has p = 0 -> eps */
    double W[] = {0, 1};
    ck_assert_close(ffnn_eval_log_loss(yt, W, 1, 2), 36.04365338911715, 1e-14);
    /* rows that do not sum to 1 are renormalised */
    double U[] = {0.2, 0.2};
    ck_assert_close(ffnn_eval_log_loss(yt, U, 1, 2), log(2), TOL);
    ck_assert(isnan(ffnn_eval_log_loss(yt, P, 0, 2)));
}
END_TEST

/* ---- ROC --------------------------------------------------------------------- */

static double auc_of(const unsigned char *pos, const double *s, long n)
{
    double auc;
    ck_assert_int_eq(ffnn_eval_roc_auc(pos, s, 1, n, &auc, NULL), FFNN_OK);
    return auc;
}

START_TEST(test_roc_auc)
{
    /* sklearn's docstring example */
    unsigned char p1[] = {0, 0, 1, 1};
    double s1[] = {0.1, 0.4, 0.35, 0.8};
    ck_assert_close(auc_of(p1, s1, 4), 0.75, TOL);
    /* perfect and worst */
    double good[] = {0.1, 0.2, 0.8, 0.9}, bad[] = {0.9, 0.8, 0.2, 0.1};
    ck_assert_close(auc_of(p1, good, 4), 1, TOL);
    ck_assert_close(auc_of(p1, bad, 4), 0, TOL);
    /* all tied: one diagonal segment */
    unsigned char p2[] = {0, 1, 0, 1};
    double s2[] = {0.5, 0.5, 0.5, 0.5};
    ck_assert_close(auc_of(p2, s2, 4), 0.5, TOL);
    /* ties across classes: pairs count 1/2 (4 of 6 pairs) */
    unsigned char p3[] = {1, 1, 0, 0, 1};
    double s3[] = {0.9, 0.8, 0.8, 0.3, 0.3};
    ck_assert_close(auc_of(p3, s3, 5), 2.0 / 3, TOL);
    /* single class present: undefined */
    unsigned char p4[] = {1, 1, 1};
    ck_assert(isnan(auc_of(p4, s1, 3)));
    /* stride: the second column of a 2-column matrix */
    double M[] = {0, 0.1, 0, 0.4, 0, 0.35, 0, 0.8};
    double auc;
    ffnn_eval_roc_auc(p1, M + 1, 2, 4, &auc, NULL);
    ck_assert_close(auc, 0.75, TOL);
}
END_TEST

START_TEST(test_roc_curve)
{
    unsigned char p3[] = {1, 1, 0, 0, 1};
    double s3[] = {0.9, 0.8, 0.8, 0.3, 0.3};
    double *f, *t;
    long n;
    ck_assert_int_eq(ffnn_eval_roc_curve(p3, s3, 1, 5, &f, &t, &n, NULL), FFNN_OK);
    ck_assert_int_eq(n, 4);
    double wf[] = {0, 0, 0.5, 1}, wt[] = {0, 1.0 / 3, 2.0 / 3, 1};
    for (int i = 0; i < 4; i++) {
        ck_assert_close(f[i], wf[i], TOL);
        ck_assert_close(t[i], wt[i], TOL);
    }
    free(f);
    free(t);
}
END_TEST

/* ---- regression --------------------------------------------------------------- */

START_TEST(test_regression)
{
    /* sklearn's docstring example */
    double t[] = {3, -0.5, 2, 7}, p[] = {2.5, 0, 2, 8};
    ffnn_eval_regression r;
    ck_assert_int_eq(ffnn_eval_regression_compute(t, p, 4, &r, NULL), FFNN_OK);
    ck_assert_close(r.mae, 0.5, TOL);
    ck_assert_close(r.mse, 0.375, TOL);
    ck_assert_close(r.rmse, sqrt(0.375), TOL);
    ck_assert_close(r.r2, 1 - 1.5 / 29.1875, TOL);
    ck_assert_close(r.max_error, 1, TOL);
    ck_assert_close(r.median_absolute_error, 0.5, TOL);
    /* odd count median */
    double t3[] = {1, 2, 3}, p3[] = {1, 4, 6};
    ffnn_eval_regression_compute(t3, p3, 3, &r, NULL);
    ck_assert_close(r.median_absolute_error, 2, TOL);
    ck_assert_close(r.r2, 1 - 13.0 / 2, TOL);
    /* constant target: r2 is 1 when perfect, else 0 (force_finite) */
    double c[] = {1, 1}, c_ok[] = {1, 1}, c_bad[] = {1, 2};
    ffnn_eval_regression_compute(c, c_ok, 2, &r, NULL);
    ck_assert_close(r.r2, 1, TOL);
    ffnn_eval_regression_compute(c, c_bad, 2, &r, NULL);
    ck_assert_close(r.r2, 0, TOL);
    /* one sample: r2 undefined */
    ffnn_eval_regression_compute(c, c_bad, 1, &r, NULL);
    ck_assert(isnan(r.r2));
    ck_assert_close(r.mae, 0, TOL);
}
END_TEST

/* ---- reading and the whole computation ----------------------------------------- */

static ffnn_status read_file(ffnn_eval_data *d, const char *path, const char *target,
                             ffnn_eval_mode mode, ffnn_error *err)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ffnn_eval_read_options o = {target, mode};
    ffnn_status st = ffnn_eval_data_read(d, fp, path, &o, err);
    fclose(fp);
    return st;
}

static ffnn_status read_string(ffnn_eval_data *d, const char *text, ffnn_eval_mode mode,
                               ffnn_error *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    ffnn_eval_read_options o = {NULL, mode};
    ffnn_status st = ffnn_eval_data_read(d, fp, "t.csv", &o, err);
    fclose(fp);
    return st;
}

START_TEST(test_read_binary)
{
    ffnn_eval_data d;
    ffnn_error err;
    ck_assert_int_eq(read_file(&d, "eval/binary.csv", NULL, FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(d.task, FFNN_EVAL_BINARY);
    ck_assert_str_eq(d.target, "label");
    ck_assert_int_eq(d.k, 2);
    ck_assert_str_eq(d.classes[0], "no");
    ck_assert_str_eq(d.classes[1], "yes");
    ck_assert_int_eq(d.n, 60);
    ck_assert_ptr_nonnull(d.proba);
    ck_assert_int_eq(d.y_true[0], 0);
    ck_assert_close(d.proba[1], 0.44, TOL);
    ffnn_eval_result r;
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    double v;
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "roc_auc", &v, &err), FFNN_OK);
    ck_assert_close(v, r.auc_per_class[1], 0);
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "support:yes", &v, &err), FFNN_OK);
    ck_assert_close(v, r.per_class[1].support, 0);
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "mae", &v, &err), FFNN_EDATA);
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "f1:maybe", &v, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "f1:maybe: no class \"maybe\"");
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "auc", &v, &err), FFNN_EUSAGE);
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);
}
END_TEST

START_TEST(test_read_multiclass_single_class)
{
    /* one class present in y_true and y_pred: averages over it alone; AUC
     * undefined (NaN) for every class; log loss still defined. */
    ffnn_eval_data d;
    ffnn_eval_result r;
    ffnn_error err;
    const char *csv = "y,prediction,p_a,p_b,p_c\nb,b,0.1,0.8,0.1\nb,b,0.2,0.7,0.1\n";
    ck_assert_int_eq(read_string(&d, csv, FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(d.task, FFNN_EVAL_MULTICLASS);
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    ck_assert_close(r.accuracy, 1, TOL);
    ck_assert_close(r.macro.precision, 1, TOL);
    ck_assert_close(r.macro.f1, 1, TOL);
    ck_assert_close(r.balanced_accuracy, 1, TOL);
    ck_assert(!r.present[0] && r.present[1] && !r.present[2]);
    ck_assert(isnan(r.roc_auc));
    ck_assert_close(r.log_loss, (-log(0.8) - log(0.7)) / 2, TOL);
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);
}
END_TEST

/* The tutorial's accuracy_score(y_onehot, predict(X) >= .5): a row counts
 * when its true class is >= 0.5 and every other class below; worked by hand:
 * row 0 yes; row 1 two classes at 0.5 (both on), no; row 2 none on, no;
 * row 3 yes; row 4 exactly 0.5 on the true class, yes: 3/5. */
START_TEST(test_subset_accuracy)
{
    const double P[15] = {0.6, 0.3, 0.1, 0.5, 0.5, 0.0, 0.4, 0.35, 0.25,
                          0.1, 0.2, 0.7, 0.5, 0.2, 0.3};
    const int yt[5] = {0, 0, 0, 2, 0};
    ck_assert_close(ffnn_eval_subset_accuracy(yt, P, 5, 3), 0.6, TOL);
    ck_assert(isnan(ffnn_eval_subset_accuracy(yt, P, 0, 3)));
    /* through the reader: p_ columns give it, by name and in the summary */
    ffnn_eval_data d;
    ffnn_eval_result r;
    ffnn_error err;
    const char *csv = "y,prediction,p_a,p_b,p_c\n"
                      "a,a,0.6,0.3,0.1\na,a,0.5,0.5,0\na,a,0.4,0.35,0.25\nc,c,0.1,0.2,0.7\n"
                      "a,a,0.5,0.2,0.3\n";
    ck_assert_int_eq(read_string(&d, csv, FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    ck_assert_close(r.accuracy, 1, TOL);
    ck_assert_close(r.subset_accuracy, 0.6, TOL);
    double v;
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "subset_accuracy", &v, &err), FFNN_OK);
    ck_assert_close(v, 0.6, TOL);
    const char *const *names;
    double vals[FFNN_EVAL_SUMMARY_MAX];
    int n = ffnn_eval_summary(&r, &names, vals);
    ck_assert_str_eq(names[n - 1], "subset_accuracy");
    ck_assert_close(vals[n - 1], 0.6, TOL);
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);
    /* without probabilities it cannot be computed */
    ck_assert_int_eq(read_string(&d, "t,prediction\nz,a\na,b\n", FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    ck_assert(isnan(r.subset_accuracy));
    ck_assert_int_eq(ffnn_eval_metric(&r, &d, "subset_accuracy", &v, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "subset_accuracy: needs probabilities (p_ columns)");
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);
}
END_TEST

START_TEST(test_read_no_proba)
{
    /* no p_ columns: numbers -> regression, strings -> classification with
     * sorted classes; --task classification forces numeric labels. */
    ffnn_eval_data d;
    ffnn_error err;
    ck_assert_int_eq(read_string(&d, "t,prediction\n1,1.5\n2,2\n", FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(d.task, FFNN_EVAL_REGRESSION);
    ck_assert_close(d.p[0], 1.5, 0);
    ffnn_eval_data_release(&d);
    ck_assert_int_eq(read_string(&d, "t,prediction\nz,a\na,b\n", FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(d.task, FFNN_EVAL_MULTICLASS);
    ck_assert_str_eq(d.classes[0], "a");
    ck_assert_str_eq(d.classes[2], "z");
    ck_assert_ptr_null(d.proba);
    ffnn_eval_data_release(&d);
    ck_assert_int_eq(read_string(&d, "t,prediction\n10,2\n2,10\n9,9\n",
                                 FFNN_EVAL_FORCE_CLASSIFICATION, &err), FFNN_OK);
    ck_assert_str_eq(d.classes[0], "2");   /* numeric order, not "10" < "2" */
    ck_assert_str_eq(d.classes[2], "10");
    ffnn_eval_data_release(&d);
}
END_TEST

START_TEST(test_read_numeric_label_by_value)
{
    ffnn_eval_data d;
    ffnn_error err;
    ck_assert_int_eq(read_string(&d, "t,prediction,p_0,p_1\n1.0,1,0.2,0.8\n0,0,0.6,0.4\n",
                                 FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(d.y_true[0], 1);
    ffnn_eval_data_release(&d);
}
END_TEST

static void expect_read_error(const char *path, const char *text, const char *msg)
{
    ffnn_eval_data d;
    ffnn_error err;
    ffnn_status st = path ? read_file(&d, path, NULL, FFNN_EVAL_AUTO, &err)
                          : read_string(&d, text, FFNN_EVAL_AUTO, &err);
    ck_assert_int_eq(st, FFNN_EDATA);
    ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_read_errors)
{
    expect_read_error("eval/empty.csv", NULL, "eval/empty.csv: empty input: no header row");
    expect_read_error("eval/no_label.csv", NULL,
                      "eval/no_label.csv:1: no true-label column before \"prediction\" (predict "
                      "a labelled file, or name it with --target)");
    expect_read_error("eval/bad_class.csv", NULL,
                      "eval/bad_class.csv:3:1: true label \"c\" is not one of the classes of the "
                      "p_ columns (a, b)");
    expect_read_error("eval/bad_proba.csv", NULL,
                      "eval/bad_proba.csv:3:3: p_a: expected a probability, got \"abc\"");
    expect_read_error(NULL, "y,p\n1,2\n",
                      "t.csv:1: no \"prediction\" column (expected a predictions CSV from "
                      "ffnn-predict)");
    expect_read_error(NULL, "y,prediction\n", "t.csv: no rows after the header");
    expect_read_error(NULL, "y,prediction\n1,2,3\n", "t.csv:2: expected 2 fields, got 3");
    expect_read_error(NULL, "y,prediction\n1,\n", "t.csv:2:2: missing prediction");
    expect_read_error(NULL, "y,prediction,p_a\na,b,1\n",
                      "t.csv:2:2: prediction \"b\" is not one of the classes of the p_ columns "
                      "(a)");
    ffnn_eval_data d;
    ffnn_error err;
    FILE *fp = fmemopen((void *)"y,prediction\n1,2\n", 17, "r");
    ffnn_eval_read_options o = {"nope", FFNN_EVAL_AUTO};
    ck_assert_int_eq(ffnn_eval_data_read(&d, fp, "t.csv", &o, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:1: no column \"nope\" (--target)");
    fclose(fp);
    o.mode = FFNN_EVAL_FORCE_REGRESSION;
    o.target = NULL;
    fp = fmemopen((void *)"y,prediction\na,2\n", 17, "r");
    ck_assert_int_eq(ffnn_eval_data_read(&d, fp, "t.csv", &o, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:2:1: expected a number, got \"a\"");
    fclose(fp);
}
END_TEST

/* Writes with fn into a memory buffer; returns it (caller frees). */
static char *capture_report(const ffnn_eval_result *r, const ffnn_eval_data *d, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc = json ? ffnn_eval_write_json(fp, r, d) : ffnn_eval_write_report(fp, r, d);
    ck_assert_int_eq(rc, 0);
    fclose(fp);
    return buf;
}

START_TEST(test_reports)
{
    ffnn_eval_data d;
    ffnn_eval_result r;
    ffnn_error err;
    ck_assert_int_eq(read_file(&d, "eval/multiclass.csv", NULL, FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    char *txt = capture_report(&r, &d, false);
    ck_assert_ptr_nonnull(strstr(txt, "multiclass classification: 80 rows, 4 classes"));
    ck_assert_ptr_nonnull(strstr(txt, "   macro avg "));
    ck_assert_ptr_nonnull(strstr(txt, "  vers&icolor "));
    free(txt);
    char *js = capture_report(&r, &d, true);
    ck_assert_ptr_nonnull(strstr(js, "\"task\": \"multiclass\""));
    ck_assert_ptr_nonnull(strstr(js, "\"classes\": [\"set<osa\", \"vers&icolor\", \"vir_ginica\", \"rare\"]"));
    ck_assert_ptr_nonnull(strstr(js, "\"roc_auc\": "));
    free(js);
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);

    ck_assert_int_eq(read_file(&d, "eval/regression.csv", NULL, FFNN_EVAL_AUTO, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
    js = capture_report(&r, &d, true);
    ck_assert_ptr_nonnull(strstr(js, "\"median_absolute_error\": "));
    ck_assert_ptr_null(strstr(js, "null"));
    free(js);
    ffnn_eval_result_release(&r);
    ffnn_eval_data_release(&d);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&buf, &cap, '\0', fp);
    ck_assert(n > 0);
    fclose(fp);
    return buf;
}

/* The JSON reports, byte for byte: eval/X.json was written by ffnn-eval
 * --json before its JSON went through the shared writer (a hand-written
 * printer then), so the layout (flat per-class objects and matrix rows) and
 * the numbers are pinned independently of json.c (subset_accuracy was added
 * to them later; tests/data/eval/sklearn_check.py checks its value against
 * scikit-learn). */
START_TEST(test_json_bytes)
{
    const char *names[] = {"binary", "multiclass", "regression"};
    for (int i = 0; i < 3; i++) {
        char csv[64], json[64];
        snprintf(csv, sizeof csv, "eval/%s.csv", names[i]);
        snprintf(json, sizeof json, "eval/%s.json", names[i]);
        ffnn_eval_data d;
        ffnn_eval_result r;
        ffnn_error err;
        ck_assert_int_eq(read_file(&d, csv, NULL, FFNN_EVAL_AUTO, &err), FFNN_OK);
        ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
        char *got = capture_report(&r, &d, true), *want = slurp(json);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
        ffnn_eval_result_release(&r);
        ffnn_eval_data_release(&d);
    }
}
END_TEST

/* One list of summary metrics: the JSON keys, and every name in it is one
 * ffnn_eval_metric takes, with the same value. */
START_TEST(test_summary_names)
{
    const char *files[] = {"eval/multiclass.csv", "eval/regression.csv"};
    const int counts[] = {11, 6};
    for (int f = 0; f < 2; f++) {
        ffnn_eval_data d;
        ffnn_eval_result r;
        ffnn_error err;
        ck_assert_int_eq(read_file(&d, files[f], NULL, FFNN_EVAL_AUTO, &err), FFNN_OK);
        ck_assert_int_eq(ffnn_eval_compute(&r, &d, &err), FFNN_OK);
        const char *const *names;
        double vals[FFNN_EVAL_SUMMARY_MAX];
        int n = ffnn_eval_summary(&r, &names, vals);
        ck_assert_int_eq(n, counts[f]);
        char *js = capture_report(&r, &d, true);
        for (int i = 0; i < n; i++) {
            double v;
            ck_assert_int_eq(ffnn_eval_metric(&r, &d, names[i], &v, &err), FFNN_OK);
            ck_assert(v == vals[i] || (isnan(v) && isnan(vals[i])));
            char key[64];
            snprintf(key, sizeof key, "\n  \"%s\": ", names[i]);
            ck_assert_msg(strstr(js, key) != NULL, "%s", names[i]);
        }
        free(js);
        ck_assert_str_eq(names[0], f ? "mae" : "accuracy");
        ck_assert_double_eq(vals[0], f ? r.reg.mae : r.accuracy);
        ffnn_eval_result_release(&r);
        ffnn_eval_data_release(&d);
    }
}
END_TEST

/* The history reader's errors: one line each, with file:line:col. */
static void expect_history_error(const char *text, ffnn_status want, const char *msg)
{
    ffnn_eval_table t;
    ffnn_error err;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    ck_assert_int_eq(ffnn_eval_table_read(&t, fp, "h.csv", &err), want);
    fclose(fp);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_ptr_null(t.names);
    ck_assert_ptr_null(t.v);
}

START_TEST(test_history_errors)
{
    expect_history_error("epoch,loss\n0,0.5\n1,x\n", FFNN_EDATA, "h.csv:3:2: expected a number, got \"x\"");
    expect_history_error("epoch,loss\n0,\"a\nb\"\n", FFNN_EDATA,
                         "h.csv:2:2: expected a number, got \"a\\nb\"");
    expect_history_error("epoch,loss\n0,0.5\n1\n", FFNN_EDATA, "h.csv:3: expected 2 fields, got 1");
    expect_history_error("epoch,loss\n", FFNN_EDATA, "h.csv: no data rows");
    expect_history_error("", FFNN_EDATA, "h.csv: empty file");
    /* Missing values read as NaN. */
    const char *ok = "epoch,loss,val_loss\n0,0.5,\n1,0.25,NA\n";
    ffnn_eval_table t;
    ffnn_error err;
    FILE *fp = fmemopen((void *)ok, strlen(ok), "r");
    ck_assert_int_eq(ffnn_eval_table_read(&t, fp, "h.csv", &err), FFNN_OK);
    fclose(fp);
    ck_assert_int_eq(t.n, 2);
    ck_assert(t.v[4] == 0.25 && isnan(t.v[2]) && isnan(t.v[5]));
    ck_assert_str_eq(t.names[2], "val_loss");
    ffnn_eval_table_release(&t);
}
END_TEST

START_TEST(test_history)
{
    ffnn_eval_table t;
    ffnn_error err;
    FILE *fp = fopen("eval/history.csv", "rb");
    ck_assert_int_eq(ffnn_eval_table_read(&t, fp, "eval/history.csv", &err), FFNN_OK);
    fclose(fp);
    ck_assert_int_eq(t.ncols, 6);
    ck_assert_int_eq(t.n, 30);
    ck_assert_close(t.v[1], 1.3, TOL);
    char *buf = NULL;
    size_t len = 0;
    fp = open_memstream(&buf, &len);
    ck_assert_int_eq(ffnn_eval_curve_svg(fp, &t, NULL, &err), FFNN_OK);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(buf, "<title>accuracy per epoch</title>"));
    ck_assert_ptr_nonnull(strstr(buf, ">val_accuracy</text>"));
    free(buf);
    fp = fopen("/dev/null", "w");
    ck_assert_int_eq(ffnn_eval_curve_svg(fp, &t, "f1", &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "history has no \"f1\" column");
    fclose(fp);
    ffnn_eval_table_release(&t);
}
END_TEST

Suite *eval_suite(void);
Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_class_never_predicted);
    tcase_add_test(tc, test_class_only_predicted);
    tcase_add_test(tc, test_absent_label_excluded);
    tcase_add_test(tc, test_perfect_and_worst);
    tcase_add_test(tc, test_log_loss);
    tcase_add_test(tc, test_roc_auc);
    tcase_add_test(tc, test_subset_accuracy);
    tcase_add_test(tc, test_roc_curve);
    tcase_add_test(tc, test_regression);
    tcase_add_test(tc, test_read_binary);
    tcase_add_test(tc, test_read_multiclass_single_class);
    tcase_add_test(tc, test_read_no_proba);
    tcase_add_test(tc, test_read_numeric_label_by_value);
    tcase_add_test(tc, test_read_errors);
    tcase_add_test(tc, test_reports);
    tcase_add_test(tc, test_json_bytes);
    tcase_add_test(tc, test_summary_names);
    tcase_add_test(tc, test_history);
    tcase_add_test(tc, test_history_errors);
    suite_add_tcase(s, tc);
    return s;
}
