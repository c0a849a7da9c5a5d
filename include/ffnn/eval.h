/* ffnn — evaluation metrics with scikit-learn's definitions (1.2), the
 * predictions CSV reader, the text/JSON reports and the evaluation charts.
 *
 * Classification metrics follow sklearn's defaults: the per-class table and
 * the macro/weighted averages cover the labels that occur in y_true or
 * y_pred (sklearn's unique_labels), zero_division="warn" gives 0;
 * balanced accuracy is the mean recall over classes present in y_true; log
 * loss clips probabilities to [eps, 1-eps] with eps = DBL_EPSILON, then
 * renormalises each row (sklearn 1.2, float64 input); ROC-AUC is the
 * trapezoid over distinct thresholds (ties handled exactly), binary for the
 * second class, one-vs-rest macro for multiclass.  Undefined values are NaN
 * (JSON null).
 *
 * One header, four files: lib/eval.c (metrics), eval_read.c (the
 * predictions CSV and history readers), eval_report.c (text and JSON
 * reports), eval_plot.c (SVG charts).
 */
#ifndef FFNN_EVAL_H
#define FFNN_EVAL_H

#include <stdbool.h>
#include <stdio.h>
#include "ffnn/error.h"

typedef enum {
    FFNN_EVAL_BINARY = 0,
    FFNN_EVAL_MULTICLASS,
    FFNN_EVAL_REGRESSION
} ffnn_eval_task;
/* "binary", "multiclass", "regression" */
const char *ffnn_eval_task_name(ffnn_eval_task t);

/* ---- Metrics over raw arrays (class indices 0..k-1) -------------------- */

/* Fraction of rows with yt == yp; NaN when n == 0. */
double ffnn_eval_accuracy(const int *yt, const int *yp, long n);
/* Subset accuracy of thresholded probabilities: the fraction of rows whose
 * k probabilities P (row-major), each taken as a yes when >= 0.5, equal the
 * one-hot true label exactly (every other class below 0.5).  This is
 * sklearn's accuracy_score on multilabel indicators, as the seed tutorial
 * scores `model.predict(X) >= .5` against one-hot labels.  NaN when n == 0. */
double ffnn_eval_subset_accuracy(const int *yt, const double *P, long n, int k);
/* cm (k×k, row-major, rows true, columns predicted) := counts. */
void ffnn_eval_confusion(const int *yt, const int *yp, long n, int k, long *cm);

typedef struct {
    double precision, recall, f1;
    long support;   /* rows whose true class it is (sum for averages) */
} ffnn_eval_prf;

/* From a k×k confusion matrix: per-class precision/recall/F1/support
 * (per_class, k entries; 0 where undefined), and the macro and weighted
 * averages over the classes with present[c] (sklearn's label set: c occurs
 * in y_true or y_pred; present may be NULL = all k).  per_class may be NULL. */
void ffnn_eval_prf_compute(const long *cm, int k, const bool *present, ffnn_eval_prf *per_class,
                           ffnn_eval_prf *macro, ffnn_eval_prf *weighted);
/* Mean recall over classes with true support > 0 (NaN when none). */
double ffnn_eval_balanced_accuracy(const long *cm, int k);
/* Mean cross-entropy of n rows of k probabilities P (row-major) against yt,
 * sklearn 1.2: clip to [DBL_EPSILON, 1-DBL_EPSILON], divide each row by its
 * sum, -log p[yt].  NaN when n == 0 or k < 2. */
double ffnn_eval_log_loss(const int *yt, const double *P, long n, int k);
/* Area under the ROC curve of score for the rows with pos[i] != 0 as
 * positives: trapezoid over distinct thresholds.  NaN when only one class is
 * present.  stride: distance between consecutive scores (1, or k to read one
 * column of a row-major matrix).  Allocates a scratch index (FFNN_ENOMEM on
 * failure, *auc = NaN). */
ffnn_status ffnn_eval_roc_auc(const unsigned char *pos, const double *score, long stride, long n,
                              double *auc, ffnn_error *err);
/* The ROC curve's points, one per distinct threshold plus (0,0), from (0,0)
 * to (1,1), fpr ascending: *fpr and *tpr malloc'd, *npts points.  With only
 * one class present the undefined rate is 0 throughout (like sklearn, which
 * warns and returns NaN; a plot needs numbers). */
ffnn_status ffnn_eval_roc_curve(const unsigned char *pos, const double *score, long stride, long n,
                                double **fpr, double **tpr, long *npts, ffnn_error *err);

/* Regression, sklearn's definitions.  r2: 1 - SS_res/SS_tot; SS_tot == 0
 * gives 1 when SS_res == 0 else 0 (force_finite); NaN for n < 2. */
typedef struct {
    double mae, mse, rmse, r2, max_error, median_absolute_error;
} ffnn_eval_regression;
/* Fills r from n targets t and predictions p.  Allocates a scratch copy for
 * the median (FFNN_ENOMEM on failure).  NaN everywhere when n == 0. */
ffnn_status ffnn_eval_regression_compute(const double *t, const double *p, long n,
                                         ffnn_eval_regression *r, ffnn_error *err);

/* ---- Predictions CSV ------------------------------------------------------ */

typedef struct {
    ffnn_eval_task task;
    char *target;          /* name of the true-label column */
    long n;                /* rows */
    /* classification */
    int k;                 /* classes */
    char **classes;        /* k names: p_ column order, else sorted (numerically
                              when all are numbers) */
    int *y_true, *y_pred;  /* n class indices */
    double *proba;         /* n×k probabilities, or NULL without p_ columns */
    /* regression */
    double *t, *p;         /* n values */
} ffnn_eval_data;

typedef enum {
    FFNN_EVAL_AUTO = 0,          /* p_ columns -> classification; else regression
                                    when every label is a number */
    FFNN_EVAL_FORCE_CLASSIFICATION,
    FFNN_EVAL_FORCE_REGRESSION
} ffnn_eval_mode;

typedef struct {
    const char *target;    /* true-label column, NULL = the column just before
                              `prediction` that is not a p_ column */
    ffnn_eval_mode mode;
} ffnn_eval_read_options;

/* Reads a predictions CSV (DESIGN §3) from fp (name for messages; not
 * closed).  Errors are FFNN_EDATA, one line "name:line:col: ...": empty
 * input, no `prediction` column, no true-label column, a label that is not
 * one of the p_ classes, a probability that is not a number in [0, 1], a
 * regression value that is not a number, a ragged row, no rows.  FFNN_EIO on a read error. */
ffnn_status ffnn_eval_data_read(ffnn_eval_data *d, FILE *fp, const char *name,
                                const ffnn_eval_read_options *opt, ffnn_error *err);
void ffnn_eval_data_release(ffnn_eval_data *d);

/* ---- Everything at once ---------------------------------------------------- */

typedef struct {
    ffnn_eval_task task;
    long n;
    int k;
    /* classification */
    long *confusion;            /* k×k */
    bool *present;              /* k: in y_true or y_pred */
    ffnn_eval_prf *per_class;   /* k */
    double *auc_per_class;      /* k one-vs-rest AUCs (NaN undefined), NULL without proba */
    ffnn_eval_prf macro, weighted;
    double accuracy, balanced_accuracy;
    double log_loss, roc_auc;   /* NaN without probabilities / when undefined */
    double subset_accuracy;     /* ffnn_eval_subset_accuracy; NaN without probabilities */
    /* regression */
    ffnn_eval_regression reg;
} ffnn_eval_result;

/* Computes every metric of d's task.  r owns its arrays; release with
 * ffnn_eval_result_release. */
ffnn_status ffnn_eval_compute(ffnn_eval_result *r, const ffnn_eval_data *d, ffnn_error *err);
void ffnn_eval_result_release(ffnn_eval_result *r);

/* The summary metrics of r's task, in report order: *names (static) and
 * values[0..n), n returned (at most FFNN_EVAL_SUMMARY_MAX).  These are the
 * names ffnn_eval_metric takes (besides the per-class ones) and the keys of
 * the JSON report: accuracy, balanced_accuracy, precision_macro,
 * recall_macro, f1_macro, precision_weighted, recall_weighted, f1_weighted,
 * log_loss, roc_auc, subset_accuracy for classification; mae, mse, rmse, r2,
 * max_error, median_absolute_error for regression. */
#define FFNN_EVAL_SUMMARY_MAX 16
int ffnn_eval_summary(const ffnn_eval_result *r, const char *const **names, double *values);

/* The value of a metric by name: accuracy, balanced_accuracy, precision_macro,
 * recall_macro, f1_macro, precision_weighted, recall_weighted, f1_weighted,
 * log_loss, roc_auc, subset_accuracy, or per class precision:CLASS,
 * recall:CLASS, f1:CLASS, support:CLASS, roc_auc:CLASS; for regression mae,
 * mse, rmse, r2, max_error, median_absolute_error.  Unknown name:
 * FFNN_EUSAGE "unknown metric ..."; a metric the data cannot give (log_loss,
 * roc_auc or subset_accuracy without p_ columns, mae for a classifier, an
 * unknown class): FFNN_EDATA.  The value may be NaN (undefined). */
ffnn_status ffnn_eval_metric(const ffnn_eval_result *r, const ffnn_eval_data *d, const char *name,
                             double *value, ffnn_error *err);

/* The aligned human report (4 decimals), and the JSON document (numbers
 * round-trip, NaN as null; keys documented in ffnn-eval(1)).  Return 0, or
 * -1 when a write failed. */
int ffnn_eval_write_report(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d);
int ffnn_eval_write_json(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d);

/* ---- Charts ------------------------------------------------------------------ */

/* Confusion-matrix heatmap of r (classification only, else FFNN_EDATA). */
ffnn_status ffnn_eval_confusion_svg(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d,
                                    ffnn_error *err);
/* ROC curves: the positive (second) class for binary, one per class for
 * multiclass, AUC in the legend.  FFNN_EDATA without p_ columns. */
ffnn_status ffnn_eval_roc_svg(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d,
                              ffnn_error *err);

/* A numeric CSV such as the history ffnn-train writes
 * (epoch,loss,<metric>,val_loss,val_<metric>,learning_rate): column names
 * and n rows × ncols values (empty, NA or nan fields -> NaN). */
typedef struct {
    int ncols;
    char **names;
    long n;
    double *v;
} ffnn_eval_table;
/* FFNN_EDATA "name:line:col: expected a number, got ..." for other text. */
ffnn_status ffnn_eval_table_read(ffnn_eval_table *t, FILE *fp, const char *name, ffnn_error *err);
void ffnn_eval_table_release(ffnn_eval_table *t);

/* Learning curve of metric (NULL = the history's metric: the first column
 * that is not epoch, loss, val_* or learning_rate, else "loss") and
 * val_<metric> when present, against the epoch column (row number when there
 * is none).  FFNN_EDATA when the history has no such column. */
ffnn_status ffnn_eval_curve_svg(FILE *fp, const ffnn_eval_table *hist, const char *metric,
                                ffnn_error *err);

#endif
