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
#include "ffnn/preprocess.h"

typedef enum { FFNN_MODE_AUTO = 0, FFNN_MODE_MIN, FFNN_MODE_MAX } ffnn_mode;
const char *ffnn_mode_name(ffnn_mode m);
int ffnn_mode_parse(const char *name);

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

typedef struct {
    ffnn_optim_spec optimizer;   /* adam */
    int batch_size;              /* 32 */
    int epochs;                  /* 1 (Keras); configs set it */
    double validation_split;     /* 0 */
    bool stratify_validation;    /* true: seeded, stratified for classification */
    bool shuffle;                /* true */
    ffnn_early_stopping early_stopping;
    ffnn_reduce_lr reduce_lr;
    uint64_t seed;               /* seeds init, shuffling, dropout, validation split (default 0) */
    int threads;                 /* 1: threads for large batches, this one included (how to run,
                                    not what: results are bitwise the same for any value) */
} ffnn_fit_options;

ffnn_fit_options ffnn_fit_options_default(void);

/* One epoch's logs.  Metric: "accuracy" for classification, "mae" for
 * regression (absent when NaN). */
typedef struct {
    int epoch;                 /* 0-based absolute */
    double loss, metric;
    double val_loss, val_metric; /* NaN when there is no validation data */
    double learning_rate;
} ffnn_epoch_log;

typedef struct {
    int n, cap;
    ffnn_epoch_log *logs;
    const char *metric_name;   /* "accuracy" or "mae" */
    int best_epoch;            /* epoch of the monitored best, -1 if none */
    bool stopped_early;
    bool restored_best;
} ffnn_history;

void ffnn_history_release(ffnn_history *h);
/* Writes epoch,loss,<metric>,val_loss,val_<metric>,learning_rate (val columns
 * only when validation ran); epochs 0-based as Keras's CSVLogger writes them. */
int ffnn_history_write(const ffnn_history *h, FILE *fp);

/* Progress callback, called after every epoch (after the callbacks ran);
 * return nonzero to stop training after this epoch, like Keras's
 * model.stop_training. */
typedef int (*ffnn_epoch_cb)(void *ctx, const ffnn_epoch_log *log, int epochs);

typedef struct {
    ffnn_epoch_cb on_epoch;
    void *ctx;
    int initial_epoch;      /* continue numbering (Hyperband promotion) */
    const ffnn_data *val;   /* explicit validation data (overrides the split) */
} ffnn_fit_extra;

/* Trains m (initialised by the caller or from a checkpoint) on d, then sets
 * m->train_info to a JSON summary (epochs run, best epoch, seed, final logs).
 * Validation rows come from extra->val, or from validation_split: Keras takes
 * the last rows unshuffled; ffnn takes a seeded sample, stratified by class
 * for classification (so sorted files such as iris still validate on every
 * class).  Shuffling, dropout and the split use streams derived from
 * opt->seed.  A NaN/Inf loss is FFNN_EDATA "epoch N: loss became NaN".
 * A stop request (ffnn_request_stop) is FFNN_ECANCELED before the next batch.
 * hist may be NULL. */
ffnn_status ffnn_fit(ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                     const ffnn_fit_extra *extra, ffnn_history *hist, ffnn_error *err);

/* Loss (mean, plus nothing for L2) and metric of m on d, no dropout. */
ffnn_status ffnn_evaluate(const ffnn_model *m, const ffnn_data *d, int batch_size, double *loss,
                          double *metric, ffnn_error *err);

#endif
