/* ffnn — the training pipeline of ffnn-train as one call: a CSV file and a
 * config in, a trained model out.  ffnn-tune retrains its best config
 * through the same call, so `ffnn-tune -o MODEL` and
 * `ffnn-train -c best.json` give the same model bytes by construction. */
#ifndef FFNN_TRAIN_FILE_H
#define FFNN_TRAIN_FILE_H

#include "ffnn/config.h"
#include "ffnn/preprocess.h"
#include "ffnn/error.h"
#include "ffnn/model.h"
#include "ffnn/train.h"

/* What ffnn_train_file tells its caller while it works; every member may be
 * NULL. */
typedef struct {
    /* Once the preprocessing is learned and the model initialised, right
     * before the first epoch (ffnn-train warns about constant columns). */
    void (*on_prep)(void *ctx, const ffnn_prep *prep);
    ffnn_epoch_cb on_epoch;   /* after every epoch, as ffnn_fit_extra's */
    void *ctx;
    ffnn_batch_cb on_batch;   /* within every epoch, as ffnn_fit_extra's */
    /* While the training file is read, as ffnn_ingest_options' progress. */
    int (*on_read)(void *ctx, long long done, long long total);
} ffnn_train_hooks;

/* Reads the CSV at path ("-": standard input) in one pass on
 * cfg->fit.threads threads (ffnn_ingest_read: the preprocessing cfg->prep
 * learned on all its rows, and the rows encoded), builds cfg->arch,
 * initialises the weights from the stream (cfg->fit.seed, FFNN_RNG_INIT, 0)
 * and runs ffnn_fit with cfg->fit: validating on the rows of the CSV at
 * val_path as given (Keras's validation_data: every row of path trains,
 * validation_split is not used; read as ffnn_ingest_encode reads, with the
 * checks of ffnn_validation_data), or, val_path NULL, on what
 * validation_split sets aside.  val_path is opened first (a missing file
 * fails before any reading), then the training file's errors come before
 * the validation file's.  *out gets the model (the caller destroys it), NULL on error;
 * hist (may be NULL) gets the history, to be released by the caller, also
 * on error.  Errors are those of the steps (a missing file FFNN_ENOINPUT,
 * bad data FFNN_EDATA, a stop request FFNN_ECANCELED, ...). */
ffnn_status ffnn_train_file(const ffnn_config *cfg, const char *path, const char *val_path,
                            const ffnn_train_hooks *hooks, ffnn_model **out, ffnn_history *hist,
                            ffnn_error *err);

/* Validation rows given as a file: the table val encoded with prep (learned
 * on train).  val must have the training table's columns, no fewer and no
 * more (in any order; ffnn_ingest_check_columns): FFNN_EDATA "val.csv: no
 * column \"x\"; ..." or "val.csv: column \"x\" is not in the training data
 * train.csv"; a class
 * the training rows do not have, or a bad value, is FFNN_EDATA
 * "val.csv:line:col: ...".  *out is released by the caller (empty on
 * error). */
ffnn_status ffnn_validation_data(const ffnn_prep *prep, const ffnn_table *train,
                                 const ffnn_table *val, ffnn_data *out, ffnn_error *err);

#endif
