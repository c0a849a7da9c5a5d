/* ffnn — training metrics by Keras's names, with Keras's "accuracy"
 * resolution (§3.5): one output unit -> binary accuracy (p > 0.5); several
 * -> argmax (ties -> first). */
#ifndef FFNN_METRICS_H
#define FFNN_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* The metrics a fit reports, as Keras names them in its logs (a validation
 * value is "val_" + the name).  Classification: accuracy (the resolution
 * above), binary_accuracy (the share of outputs whose p > 0.5 equals the
 * one-hot target; one output: the label), auc (binary classification: the
 * exact ROC AUC of the second class's probability, ffnn-eval's roc_auc).
 * Regression: mae, mse, rmse (the root of the epoch's mse, as Keras's
 * RootMeanSquaredError). */
typedef enum {
    FFNN_METRIC_ACCURACY = 0,
    FFNN_METRIC_BINARY_ACCURACY,
    FFNN_METRIC_AUC,
    FFNN_METRIC_MAE,
    FFNN_METRIC_MSE,
    FFNN_METRIC_RMSE,
    FFNN_METRIC_COUNT
} ffnn_metric_id;

/* The name in logs ("accuracy", "binary_accuracy", "auc", "mae", "mse",
 * "rmse"). */
const char *ffnn_metric_id_name(ffnn_metric_id m);
/* A name or one of Keras's aliases (acc, mean_absolute_error,
 * mean_squared_error, root_mean_squared_error) -> id; -1 if unknown. */
int ffnn_metric_id_parse(const char *name);
/* Whether a fit computes m for a task: classification (binary: two
 * classes) or regression. */
bool ffnn_metric_for_task(ffnn_metric_id m, bool classification, bool binary);
/* The log keys of a fit of the task, for messages: "loss, accuracy,
 * binary_accuracy, auc, val_loss, val_accuracy, ..." (cut to n bytes). */
void ffnn_metric_log_keys(bool classification, bool binary, char *buf, size_t n);
/* Whether m is better when larger (Keras's direction: accuracy-like names
 * and auc up, errors down). */
bool ffnn_metric_maximized(ffnn_metric_id m);

/* Number of correct rows among B; P (B,K), y class indices. */
long ffnn_metric_correct(const float *P, const double *y, int B, int K);
/* Σ over B rows of the share of the K outputs whose (p > 0.5) equals the
 * target: the one-hot row of class y (K > 1), y itself (K == 1). */
double ffnn_metric_binary_hits(const float *P, const double *y, int B, int K);
/* Σ |P - y| over B rows of one output. */
double ffnn_metric_abs_err(const float *P, const double *y, int B);
/* Σ (P - y)² over B rows of one output. */
double ffnn_metric_sq_err(const float *P, const double *y, int B);

#endif
