/* ffnn — the training pipeline: CSV -> preprocessing and data (one pass)
 * -> model -> init -> fit, the one sequence ffnn-train and ffnn-tune's retrain share;
 * and an explicit validation file encoded with the training preprocessing. */
#include <stdio.h>
#include <string.h>
#include "ffnn/ingest.h"
#include "ffnn/rng.h"
#include "ffnn/train_file.h"

ffnn_status ffnn_validation_data(const ffnn_prep *prep, const ffnn_table *train,
                                 const ffnn_table *val, ffnn_data *out, ffnn_error *err)
{
    memset(out, 0, sizeof *out);
    ffnn_status st = ffnn_ingest_check_columns(train->names, train->ncols, train->source,
                                               val->names, val->ncols, val->source, err);
    return st ? st : ffnn_data_from_table(out, prep, val, NULL, val->nrows, true, err);
}

ffnn_status ffnn_train_file(const ffnn_config *cfg, const char *path, const char *val_path,
                            const ffnn_train_hooks *hooks, ffnn_model **out, ffnn_history *hist,
                            ffnn_error *err)
{
    ffnn_prep prep;
    ffnn_data data, vdata;
    ffnn_ingest_header header = {NULL, 0};
    ffnn_model *model = NULL;
    FILE *vfp = NULL;
    ffnn_status st;
    memset(&prep, 0, sizeof prep);
    memset(&data, 0, sizeof data);
    memset(&vdata, 0, sizeof vdata);
    if (hist)
        memset(hist, 0, sizeof *hist);
    *out = NULL;
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = cfg->fit.threads;
    io.progress = hooks ? hooks->on_read : NULL;
    io.ctx = hooks ? hooks->ctx : NULL;
    io.header = val_path ? &header : NULL;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if ((val_path && (st = ffnn_table_open(val_path, &vfp, err))) ||
        (st = ffnn_ingest_load(&data, &prep, path, &cfg->prep, &io, err)))
        goto out;
    if (val_path) {
        io.progress = NULL;
        io.header = NULL;
        if ((st = ffnn_ingest_encode(&vdata, &prep, vfp,
                                     vfp == stdin ? "<stdin>" : val_path, &header, name, &io, err)))
            goto out;
    }
    if ((st = ffnn_model_create(&model, &cfg->arch, &prep, err)))
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
    ffnn_ingest_header_release(&header);
    if (vfp && vfp != stdin)
        fclose(vfp);
    return st;
}
