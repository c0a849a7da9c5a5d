/* ffnn — the training pipeline: table -> preprocessing -> data -> model ->
 * init -> fit, the one sequence ffnn-train and ffnn-tune's retrain share;
 * and an explicit validation file encoded with the training preprocessing. */
#include <stdio.h>
#include <string.h>
#include "ffnn/rng.h"
#include "ffnn/train_file.h"

/* Whether a table has a column named name. */
static bool has_column(const ffnn_table *t, const char *name)
{
    return ffnn_table_col(t, name) >= 0;
}

ffnn_status ffnn_validation_data(const ffnn_prep *prep, const ffnn_table *train,
                                 const ffnn_table *val, ffnn_data *out, ffnn_error *err)
{
    memset(out, 0, sizeof *out);
    for (int j = 0; j < train->ncols; j++)
        if (!has_column(val, train->names[j]))
            return ffnn_error_set(err, FFNN_EDATA,
                                  "%s: no column \"%s\"; validation rows need the training "
                                  "data's columns", val->source, train->names[j]);
    for (int j = 0; j < val->ncols; j++)
        if (!has_column(train, val->names[j]))
            return ffnn_error_set(err, FFNN_EDATA, "%s: column \"%s\" is not in the training data %s",
                                  val->source, val->names[j], train->source);
    return ffnn_data_from_table(out, prep, val, NULL, val->nrows, true, err);
}

ffnn_status ffnn_train_file(const ffnn_config *cfg, const char *path, const char *val_path,
                            const ffnn_train_hooks *hooks, ffnn_model **out, ffnn_history *hist,
                            ffnn_error *err)
{
    ffnn_table table, vtable;
    ffnn_prep prep;
    ffnn_data data, vdata;
    ffnn_model *model = NULL;
    ffnn_status st;
    memset(&table, 0, sizeof table);
    memset(&vtable, 0, sizeof vtable);
    memset(&prep, 0, sizeof prep);
    memset(&data, 0, sizeof data);
    memset(&vdata, 0, sizeof vdata);
    if (hist)
        memset(hist, 0, sizeof *hist);
    *out = NULL;
    if ((st = ffnn_table_load(&table, path, false, err)) ||
        (val_path && (st = ffnn_table_load(&vtable, val_path, false, err))) ||
        (st = ffnn_prep_fit(&prep, &table, &cfg->prep, err)) ||
        (st = ffnn_data_from_table(&data, &prep, &table, NULL, table.nrows, true, err)) ||
        (val_path && (st = ffnn_validation_data(&prep, &table, &vtable, &vdata, err))) ||
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
        extra.on_batch = hooks->on_batch;
    }
    if (val_path)
        extra.val = &vdata;
    if ((st = ffnn_fit(model, &data, &cfg->fit, &extra, hist, err)))
        goto out;
    *out = model;
    model = NULL;
out:
    ffnn_model_destroy(model);
    ffnn_data_release(&data);
    ffnn_data_release(&vdata);
    ffnn_prep_release(&prep);
    ffnn_table_release(&table);
    ffnn_table_release(&vtable);
    return st;
}
