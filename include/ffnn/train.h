/* ffnn — Model.fit(): batches, per-epoch reshuffle, validation split,
 * EarlyStopping, ReduceLROnPlateau, history, progress callbacks
 * (keras-semantics.md §4).
 */
#ifndef FFNN_TRAIN_H
#define FFNN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "ffnn/error.h"
#include "ffnn/model.h"
#include "ffnn/optim.h"
#include "ffnn/metrics.h"
#include "ffnn/names.h"
#include "ffnn/preprocess.h"

typedef enum { FFNN_MODE_AUTO = 0, FFNN_MODE_MIN, FFNN_MODE_MAX } ffnn_mode;
const char *ffnn_mode_name(ffnn_mode m);
int ffnn_mode_parse(const char *name);
ffnn_names ffnn_mode_names(void);

/* Keras's EarlyStopping; the comments give EarlyStopping()'s defaults
 * (ffnn_early_stopping_default). */
typedef struct {
    bool enabled;
    char monitor[64];        /* "val_loss" */
    double min_delta;        /* 0 */
    int patience;            /* 0 */
    ffnn_mode mode;          /* auto */
    bool has_baseline;
    double baseline;
    bool restore_best_weights; /* false; Keras 3 semantics: restore at end whenever a best exists */
    int start_from_epoch;    /* 0 */
} ffnn_early_stopping;

/* Keras's EarlyStopping() constructor defaults, disabled: what a config's
 * "early_stopping" object starts from (ffnn-config(5)). */
ffnn_early_stopping ffnn_early_stopping_default(void);

typedef struct {
    bool enabled;
    char monitor[64];        /* "val_loss" */
    double factor;           /* 0.1 */
    int patience;            /* 10 */
    ffnn_mode mode;
    double min_delta;        /* 1e-4 */
    int cooldown;            /* 0 */
    double min_lr;           /* 0 */
} ffnn_reduce_lr;

/* batch_size "auto": min(FFNN_BATCH_AUTO_MAX, training rows), scikit-learn's rule. */
#define FFNN_BATCH_AUTO 0
#define FFNN_BATCH_AUTO_MAX 200

/* epochs "auto": up to FFNN_EPOCHS_AUTO_MIN epochs, or as many as
 * FFNN_EPOCHS_AUTO_UPDATES optimizer steps (batches) take when that is more:
 * max(200, ceil(10000 / batches per epoch)).  scikit-learn's max_iter 200
 * alone gives a set of one batch per epoch 200 steps, and adam at 0.001
 * moves a weight by about 0.001 a step (ffnn-config(5), "The defaults"). */
#define FFNN_EPOCHS_AUTO (-1)
#define FFNN_EPOCHS_AUTO_MIN 200
#define FFNN_EPOCHS_AUTO_UPDATES 10000

/* What Model.fit() takes.  The comments give ffnn_fit_options_default(),
 * which is scikit-learn's default MLP training where Keras has no default
 * worth keeping (ffnn-config(5)): batch "auto", epochs "auto", stopping
 * once the training loss has not improved by 1e-4 for 10 epochs. */
typedef struct {
    ffnn_optim_spec optimizer;   /* adam, learning_rate 0.001 */
    int batch_size;              /* FFNN_BATCH_AUTO, or rows per batch (>= 1) */
    int epochs;                  /* FFNN_EPOCHS_AUTO, or exactly this many (>= 0) */
    double validation_split;     /* 0 */
    bool stratify_validation;    /* true: seeded, stratified for classification */
    bool shuffle;                /* true */
    ffnn_early_stopping early_stopping; /* the default stopping rule: enabled, monitor "loss",
                                           min_delta 1e-4, patience 10, else EarlyStopping()'s */
    ffnn_reduce_lr reduce_lr;
    uint64_t seed;               /* seeds init, shuffling, dropout, validation split (default 0) */
    int threads;                 /* 1: threads for large batches, this one included (how to run,
                                    not what: results are bitwise the same for any value) */
} ffnn_fit_options;

ffnn_fit_options ffnn_fit_options_default(void);

/* The epochs a fit of train_rows training rows (after any validation split)
 * runs at most: opt->epochs, or for FFNN_EPOCHS_AUTO the limit above with
 * the batch size the fit uses (batch "auto" included). */
int ffnn_fit_epoch_limit(const ffnn_fit_options *opt, long train_rows);

/* One epoch's logs.  metric: the task's primary metric, "accuracy" for
 * classification, "mae" for regression.  metrics[]: every metric of
 * metrics.h the task has (NaN for the others, and for auc unless the fit
 * computes it: see ffnn_fit_extra); training metrics are running means over
 * the epoch's batches, as Keras's, except rmse (the root of the epoch's mse)
 * and auc (over the epoch's predictions). */
typedef struct {
    int epoch;                 /* 0-based absolute */
    double loss, metric;
    double val_loss, val_metric; /* NaN when there is no validation data */
    double learning_rate;
    double metrics[FFNN_METRIC_COUNT];
    double val_metrics[FFNN_METRIC_COUNT]; /* all NaN without validation data */
} ffnn_epoch_log;

/* The value of a log key: "loss", "val_loss", or a metric name or alias with
 * or without "val_" (NaN when the log has none); *known false for a name
 * that is neither. */
double ffnn_epoch_log_value(const ffnn_epoch_log *log, const char *name, bool *known);

typedef struct {
    int n, cap;
    ffnn_epoch_log *logs;
    const char *metric_name;   /* "accuracy" or "mae" */
    int best_epoch;            /* epoch of the monitored best, -1 if none */
    bool stopped_early;
    bool restored_best;
    int epoch_limit;           /* the epochs the fit could run (ffnn_fit_epoch_limit) */
} ffnn_history;

void ffnn_history_release(ffnn_history *h);
/* Writes epoch,loss,<metric>,val_loss,val_<metric>,learning_rate (val columns
 * only when validation ran); epochs 0-based as Keras's CSVLogger writes them. */
int ffnn_history_write(const ffnn_history *h, FILE *fp);

/* Progress callback, called after every epoch (after the callbacks ran);
 * return nonzero to stop training after this epoch, like Keras's
 * model.stop_training. */
typedef int (*ffnn_epoch_cb)(void *ctx, const ffnn_epoch_log *log, int epochs);

/* Progress within an epoch: what ffnn_fit tells a batch callback. */
typedef struct {
    int epoch;            /* 0-based absolute, as ffnn_epoch_log's */
    int epochs;           /* the fit's epoch limit (ffnn_fit_epoch_limit) */
    long done;            /* batches trained in this epoch: 0 right before the first */
    long total;           /* the epoch's batches: ceil(training rows / batch size) */
    double loss, metric;  /* running means over the done batches, as the epoch's
                             log computes them (so at done == total they equal
                             its loss and metric); NaN at done 0 */
} ffnn_batch_log;

/* Batch callback: called with done 0 before an epoch's first batch, then
 * after each of its batches (done 1..total), all before the epoch's
 * validation and on_epoch.  It only observes: the results are the same
 * bits with or without it.  The library reads no clock; timing and drawing
 * are the caller's.  Return nonzero to cancel: ffnn_fit returns
 * FFNN_ECANCELED, as for a stop request. */
typedef int (*ffnn_batch_cb)(void *ctx, const ffnn_batch_log *log);

typedef struct {
    ffnn_epoch_cb on_epoch;
    void *ctx;              /* passed to on_epoch and on_batch */
    int initial_epoch;      /* continue numbering (Hyperband promotion) */
    const ffnn_data *val;   /* explicit validation data (overrides the split) */
    bool auc;               /* compute auc (binary classification) though no
                               callback monitors it */
    bool nonfinite_ok;      /* Keras's fit: a loss or weights that become NaN
                               or infinite do not stop training (ffnn-tune's
                               trials); otherwise FFNN_EDATA */
    ffnn_batch_cb on_batch; /* progress within each epoch, or NULL */
} ffnn_fit_extra;

/* Trains m (initialised by the caller or from a checkpoint) on d, then sets
 * m->train_info to a JSON summary (epochs run, best epoch, seed, final logs).
 * Validation rows come from extra->val, or from validation_split: Keras takes
 * the last rows unshuffled; ffnn takes a seeded sample, stratified by class
 * for classification (so sorted files such as iris still validate on every
 * class).  Shuffling, dropout and the split use streams derived from
 * opt->seed.  A NaN/Inf loss is FFNN_EDATA "epoch N: loss became NaN"
 * unless extra->nonfinite_ok.
 * A stop request (ffnn_request_stop) is FFNN_ECANCELED before the next batch.
 * hist may be NULL. */
ffnn_status ffnn_fit(ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                     const ffnn_fit_extra *extra, ffnn_history *hist, ffnn_error *err);

/* The validation split of ffnn_fit, on its own: copies d's rows into train
 * and val (file order kept in each).  fraction <= 0: every row trains, val
 * is empty.  Classification with stratify: a seeded sample, stratified by
 * class (stream (seed, FFNN_RNG_SPLIT, 1); ffnn_split_indices's counts);
 * otherwise Keras's rule: the last N - floor(N·(1 − fraction)) rows
 * validate.  A split that leaves a part empty is FFNN_EDATA
 * "validation_split F of N rows leaves no training|validation rows".  On
 * error both are left empty; else the caller releases them. */
ffnn_status ffnn_fit_split(const ffnn_data *d, bool classification, double fraction, bool stratify,
                           uint64_t seed, ffnn_data *train, ffnn_data *val, ffnn_error *err);

/* Loss (mean, plus nothing for L2) and metric of m on d, no dropout. */
ffnn_status ffnn_evaluate(const ffnn_model *m, const ffnn_data *d, int batch_size, double *loss,
                          double *metric, ffnn_error *err);

#endif
