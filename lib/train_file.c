/* ffnn — the training pipeline: table -> preprocessing -> data -> model ->
 * init -> fit, the one sequence ffnn-train and ffnn-tune's retrain share. */
#include <string.h>
#include "ffnn/rng.h"
#include "ffnn/train_file.h"

ffnn_status ffnn_train_file(const ffnn_config *cfg, const char *path, const ffnn_train_hooks *hooks,
                            ffnn_model **out, ffnn_history *hist, ffnn_error *err)
{
    ffnn_table table;
    ffnn_prep prep;
    ffnn_data data;
    ffnn_model *model = NULL;
    ffnn_status st;
    memset(&table, 0, sizeof table);
    memset(&prep, 0, sizeof prep);
    memset(&data, 0, sizeof data);
    if (hist)
        memset(hist, 0, sizeof *hist);
    *out = NULL;
    if ((st = ffnn_table_load(&table, path, false, err)) ||
        (st = ffnn_prep_fit(&prep, &table, &cfg->prep, err)) ||
        (st = ffnn_data_from_table(&data, &prep, &table, NULL, table.nrows, true, err)) ||
        (st = ffnn_model_create(&model, &cfg->arch, &prep, err)))
        goto out;
    /* Stream index 0: a tune trial's executions use other indices. */
    ffnn_rng rng;
    ffnn_rng_init(&rng, cfg->fit.seed, FFNN_RNG_INIT, 0);
    ffnn_model_init(model, &rng);
    if (hooks && hooks->on_prep)
        hooks->on_prep(hooks->ctx, &prep);
    ffnn_fit_extra extra;
    memset(&extra, 0, sizeof extra);
    if (hooks) {
        extra.on_epoch = hooks->on_epoch;
        extra.ctx = hooks->ctx;
    }
    if ((st = ffnn_fit(model, &data, &cfg->fit, &extra, hist, err)))
        goto out;
    *out = model;
    model = NULL;
out:
    ffnn_model_destroy(model);
    ffnn_data_release(&data);
    ffnn_prep_release(&prep);
    ffnn_table_release(&table);
    return st;
}
