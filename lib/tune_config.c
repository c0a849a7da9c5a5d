/* ffnn — what a trial's hyperparameter values make of a training config:
 * the tutorial's hypermodel (its names map to layers and the optimizer, its
 * defaults where a trial does not set them), other names applied as config
 * keys, on a base config built once per search (keras-semantics.md §2). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/json.h"
#include "internal.h"
#include "tune_internal.h"

const char *const ffnn_hypermodel_names[5] = {"width", "depth", "droprate", "activation",
                                              "learning_rate"};

bool ffnn_tune_hypermodel_name(const char *s)
{
    return ffnn_enum_parse(ffnn_hypermodel_names, 5, s) >= 0;
}

ffnn_hypermodel ffnn_hypermodel_default(void)
{
    ffnn_hypermodel h;
    memset(&h, 0, sizeof h);
    h.width = 12;
    h.depth = 1;
    h.droprate = 0.8;
    h.activation = FFNN_ACT_RELU;
    h.optimizer = FFNN_OPTIM_ADAM;
    h.learning_rate = 1e-2;
    return h;
}

/* The EarlyStopping(monitor="loss", patience=5) the tutorial passes to
 * search(): every search trial trains with it, under "fit"'s keys. */
static ffnn_early_stopping search_stopping(void)
{
    ffnn_early_stopping es = ffnn_early_stopping_default();
    es.enabled = true;
    snprintf(es.monitor, sizeof es.monitor, "loss");
    es.patience = 5;
    return es;
}

/* Sets overlay[path] = value, creating nested objects along a dotted path. */
static bool overlay_set(cJSON *overlay, const char *path, const cJSON *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *cur = overlay;
    char *seg = buf;
    for (char *dot; (dot = strchr(seg, '.')); seg = dot + 1) {
        *dot = '\0';
        cJSON *o = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (!cJSON_IsObject(o)) {
            cJSON_DeleteItemFromObjectCaseSensitive(cur, seg);
            o = cJSON_AddObjectToObject(cur, seg);
            if (!o)
                return false;
        }
        cur = o;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cur, seg);
    return ffnn_json_add(cur, seg, cJSON_Duplicate(value, 1));
}

ffnn_status ffnn_tune_probe_key(const char *path, const cJSON *value, const char *file,
                                ffnn_error *err)
{
    cJSON *overlay = cJSON_CreateObject();
    if (!overlay || !value || !overlay_set(overlay, path, value)) {
        cJSON_Delete(overlay);
        return ffnn_error_nomem(err);
    }
    ffnn_config c = ffnn_config_default();
    ffnn_status st = ffnn_config_apply(&c, overlay, file, err);
    ffnn_config_release(&c);
    cJSON_Delete(overlay);
    return st;
}

/* Adds key to obj: the hypermodel value `name` as given in values (so the
 * config parser checks its type and range), else dflt (taken). */
static bool add_value(cJSON *obj, const char *key, const cJSON *values, const char *name,
                      cJSON *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(values, name);
    cJSON *item = dflt;
    if (v) {
        cJSON_Delete(dflt);
        item = cJSON_Duplicate(v, 1);
    }
    return ffnn_json_add(obj, key, item);
}

cJSON *ffnn_tune_hyperparameters(const ffnn_hypergrid *g, const cJSON *values)
{
    ffnn_hypermodel hm = ffnn_hypermodel_default();
    cJSON *out = cJSON_CreateObject();
    bool ok = out != NULL;
    if (g->hypermodel) {
        cJSON *dflt[5] = {cJSON_CreateNumber(hm.width), cJSON_CreateNumber(hm.depth),
                          cJSON_CreateNumber(hm.droprate),
                          cJSON_CreateString(ffnn_act_name(hm.activation)),
                          cJSON_CreateNumber(hm.learning_rate)};
        for (int i = 0; i < 5; i++) {
            if (ok)
                ok = add_value(out, ffnn_hypermodel_names[i], values, ffnn_hypermodel_names[i],
                               dflt[i]);
            else
                cJSON_Delete(dflt[i]);
        }
    }
    for (const cJSON *v = values ? values->child : NULL; ok && v; v = v->next)
        if (!ffnn_tune_hypermodel_name(v->string))
            ok = ffnn_json_add(out, v->string, cJSON_Duplicate(v, 1));
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

ffnn_status ffnn_tune_base_config(const ffnn_hypergrid *g, bool search, ffnn_config *cfg,
                                  ffnn_error *err)
{
    *cfg = ffnn_config_default();
    /* Keras's fit(epochs=max_epochs): the count is stated, so the no-config
     * stopping rule goes; the search's callback stands in its place. */
    ffnn_config_set_epochs(cfg, g->tuner.max_epochs);
    cfg->fit.early_stopping = search_stopping();
    ffnn_status st = ffnn_config_apply(cfg, g->fit, "fit", err);
    if (st || search)
        return st;
    /* The tutorial's final fit: every training row, no validation data; a
     * callback that monitors a validation quantity then finds no value and
     * does nothing, as Keras's callbacks skip a missing monitor. */
    cfg->fit.validation_split = 0.0;
    if (strncmp(cfg->fit.early_stopping.monitor, "val_", 4) == 0)
        cfg->fit.early_stopping.enabled = false;
    if (strncmp(cfg->fit.reduce_lr.monitor, "val_", 4) == 0)
        cfg->fit.reduce_lr.enabled = false;
    return FFNN_OK;
}

/* The overlay of the tutorial's hypermodel: `depth` layers {units: width,
 * activation, dropout: droprate} and optimizer {name: adam, learning_rate},
 * each value as the trial gives it (so the config parser checks its type
 * and range: "hyperparameters: layers[0].units: ..."), else the default.
 * A depth that is not a count of layers is FFNN_ECONFIG "hyperparameters:
 * depth: ..."; a value from a hand-edited hypergrid or trial file is never
 * cast out of range nor silently replaced by a default. */
static ffnn_status hypermodel_overlay(cJSON *overlay, const cJSON *values, ffnn_error *err)
{
    ffnn_hypermodel hm = ffnn_hypermodel_default();
    int depth = hm.depth;
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(values, "depth");
    if (dv) {
        double d = cJSON_IsNumber(dv) ? dv->valuedouble : NAN;
        if (!(d >= 0 && d <= FFNN_MAX_LAYERS - 1) || d != floor(d)) {
            char *shown = cJSON_IsNumber(dv) ? NULL : ffnn_json_print(dv, 0);
            if (!cJSON_IsNumber(dv) && !shown)
                return ffnn_error_nomem(err);
            char num[32];
            snprintf(num, sizeof num, "%g", d);
            ffnn_status st = ffnn_error_set(err, FFNN_ECONFIG,
                                            "hyperparameters: depth: must be an integer from 0 to %d, got %.40s",
                                            FFNN_MAX_LAYERS - 1, shown ? shown : num);
            free(shown);
            return st;
        }
        depth = (int)d;
    }
    cJSON *layers = cJSON_AddArrayToObject(overlay, "layers");
    bool ok = layers != NULL;
    for (int i = 0; ok && i < depth; i++) {
        cJSON *l = cJSON_CreateObject();
        ok = l && cJSON_AddItemToArray(layers, l) &&
             add_value(l, "units", values, "width", cJSON_CreateNumber(hm.width)) &&
             add_value(l, "activation", values, "activation",
                       cJSON_CreateString(ffnn_act_name(hm.activation))) &&
             add_value(l, "dropout", values, "droprate", cJSON_CreateNumber(hm.droprate));
    }
    cJSON *opt = ok ? cJSON_AddObjectToObject(overlay, "optimizer") : NULL;
    ok = opt && cJSON_AddStringToObject(opt, "name", ffnn_optim_name(hm.optimizer)) &&
         add_value(opt, "learning_rate", values, "learning_rate",
                   cJSON_CreateNumber(hm.learning_rate));
    return ok ? FFNN_OK : ffnn_error_nomem(err);
}

ffnn_status ffnn_tune_trial_config(const ffnn_config *base, bool hypermodel, const cJSON *values,
                                   uint64_t seed, ffnn_config *cfg, ffnn_error *err)
{
    ffnn_status st = ffnn_config_copy(cfg, base, err);
    if (st) {
        *cfg = ffnn_config_default();
        return st;
    }
    cJSON *overlay = cJSON_CreateObject();
    if (!overlay)
        return ffnn_error_nomem(err);
    if (hypermodel && (st = hypermodel_overlay(overlay, values, err)))
        goto out;
    for (const cJSON *v = values ? values->child : NULL; v; v = v->next)
        if (!ffnn_tune_hypermodel_name(v->string) && !overlay_set(overlay, v->string, v)) {
            st = ffnn_error_nomem(err);
            goto out;
        }
    if ((st = ffnn_config_apply(cfg, overlay, "hyperparameters", err)))
        goto out;
    cfg->fit.seed = seed;
    cfg->has_seed = true;
out:
    cJSON_Delete(overlay);
    return st;
}

ffnn_status ffnn_tune_config(const ffnn_hypergrid *g, const cJSON *values, uint64_t seed,
                             bool search, ffnn_config *cfg, ffnn_error *err)
{
    ffnn_config base;
    ffnn_status st = ffnn_tune_base_config(g, search, &base, err);
    if (st) {
        *cfg = base;
        return st;
    }
    st = ffnn_tune_trial_config(&base, g->hypermodel, values, seed, cfg, err);
    ffnn_config_release(&base);
    return st;
}
