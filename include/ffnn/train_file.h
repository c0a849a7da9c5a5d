/* ffnn — the training pipeline of ffnn-train as one call: a CSV file and a
 * config in, a trained model out.  ffnn-tune retrains its best config
 * through the same call, so `ffnn-tune -o MODEL` and
 * `ffnn-train -c best.json` give the same model bytes by construction. */
#ifndef FFNN_TRAIN_FILE_H
#define FFNN_TRAIN_FILE_H

#include "ffnn/config.h"
#include "ffnn/dataset.h"
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
} ffnn_train_hooks;

/* Reads the CSV at path ("-": standard input), learns cfg->prep on all its
 * rows, encodes them, builds cfg->arch, initialises the weights from the
 * stream (cfg->fit.seed, FFNN_RNG_INIT, 0) and runs ffnn_fit with cfg->fit
 * (its validation_split included).  *out gets the model (the caller
 * destroys it), NULL on error; hist (may be NULL) gets the history, to be
 * released by the caller, also on error.  Errors are those of the steps
 * (a missing file FFNN_ENOINPUT, bad data FFNN_EDATA, a stop request
 * FFNN_ECANCELED, ...). */
ffnn_status ffnn_train_file(const ffnn_config *cfg, const char *path, const ffnn_train_hooks *hooks,
                            ffnn_model **out, ffnn_history *hist, ffnn_error *err);

#endif
