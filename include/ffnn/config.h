/* ffnn — the training config JSON (ffnn-config(5)) <-> structs.
 *
 * Keras-shaped keys, every one optional: task, target, ignore, layers
 * [{units, activation, dropout}], output_activation, output_units, loss (string or
 * {name, from_logits, delta}), kernel_initializer, l2, optimizer (string or
 * {name, learning_rate, ...}), batch_size, epochs, validation_split,
 * stratify_validation, shuffle, early_stopping {...}, reduce_lr_on_plateau
 * {...}, standardize, impute, seed.  Unknown keys are FFNN_ECONFIG with the
 * key's path and a suggestion: `layers[1].unit: unknown key; did you mean
 * "units"?`.
 */
#ifndef FFNN_CONFIG_H
#define FFNN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "ffnn/error.h"
#include "ffnn/preprocess.h"
#include "ffnn/model.h"
#include "ffnn/json.h"
#include "ffnn/names.h"
#include "ffnn/train.h"

typedef struct {
    ffnn_prep_options prep;
    ffnn_arch_spec arch;
    ffnn_fit_options fit;
    bool has_seed;            /* "seed" given in the file */
    bool default_stop;        /* fit.early_stopping is the default stopping rule, not one
                                 the config states: stating "epochs" turns it off */
} ffnn_config;

/* The defaults (ffnn_prep_options_default, ffnn_arch_spec_default,
 * ffnn_fit_options_default): one hidden layer of 100 relu units, no
 * dropout, adam 0.001, batch "auto" (min(200, rows)), epochs "auto" (up to
 * max(200, ceil(10000 / batches per epoch))) stopping when the training
 * loss has not improved by 1e-4 for 10 epochs, no validation, standardize
 * on. */
ffnn_config ffnn_config_default(void);

/* Sets the epoch count as a config's "epochs" does: training runs exactly
 * that many epochs (Keras's fit), so the default stopping rule goes unless
 * the config states early_stopping itself. */
void ffnn_config_set_epochs(ffnn_config *c, int epochs);
void ffnn_config_release(ffnn_config *c);

/* Parses JSON text into c (starting from the defaults).  name is used in
 * messages ("config.json: layers[1].unit: unknown key; ..."). */
ffnn_status ffnn_config_parse(ffnn_config *c, const char *json, const char *name,
                              ffnn_error *err);
/* Reads and parses a file; missing file -> FFNN_ENOINPUT. */
ffnn_status ffnn_config_load(ffnn_config *c, const char *path, ffnn_error *err);
/* Applies one JSON object's keys (already parsed, a cJSON *) on top of c;
 * used by the tuner to overlay hyperparameters.  path_prefix for messages. */
struct cJSON;
ffnn_status ffnn_config_apply(ffnn_config *c, const struct cJSON *obj, const char *name,
                              ffnn_error *err);
/* Full config as JSON text (every key, pretty-printed, malloc'd); parsing it
 * back gives the same config. */
char *ffnn_config_to_json(const ffnn_config *c);

/* Deep copy (strings duplicated); release dst with ffnn_config_release. */
ffnn_status ffnn_config_copy(ffnn_config *dst, const ffnn_config *src, ffnn_error *err);

#endif
