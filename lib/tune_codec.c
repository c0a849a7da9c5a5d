/* ffnn — the tune directory's files as JSON: trials/NNNN.json (one per
 * trial), oracle.json (the schedule position and the trials without a
 * result file), search.json (the search, fixed) and the result summary;
 * every file written atomically (temporary file + rename). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "internal.h"
#include "tune_internal.h"

#define TUNE_FORMAT "ffnn-tune"

#define TUNE_VERSION 1

char *ffnn_tune_path(const ffnn_tune *t, const char *fmt, ...)
{
    char rel[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    size_t n = strlen(t->dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", t->dir, rel);
    return p;
}

/* Reads a whole file into *text (NUL-terminated), or sets it NULL when the
 * file cannot be opened (a missing file is the normal case for a new search);
 * fails only on a read error or out of memory, which must not pass for a
 * missing file. */
static ffnn_status read_all(const char *path, char **text, ffnn_error *err)
{
    ffnn_status st = ffnn_file_read(path, text, NULL, err);
    if (st == FFNN_ENOINPUT) {
        *text = NULL;
        return FFNN_OK;
    }
    return st;
}

/* Parses text (NULL: a missing file) into *root, NULL when missing or not
 * JSON; fails only when out of memory. */
static ffnn_status parse_text(const char *text, cJSON **root, ffnn_error *err)
{
    bool nomem = false;
    *root = text ? ffnn_json_parse_len(text, strlen(text) + 1, NULL, false, &nomem) : NULL;
    return nomem ? ffnn_error_nomem(err) : FFNN_OK;
}

static ffnn_status write_json(const char *path, const cJSON *root, bool durable, unsigned mode,
                              ffnn_error *err)
{
    char *s = ffnn_json_print(root, 2);
    if (!s)
        return ffnn_error_nomem(err);
    size_t n = strlen(s);
    s[n] = '\n'; /* replaces the terminator; length passed explicitly */
    /* Trial files are written thousands of times per search and kill -9
     * cannot tear a rename, so only the oracle's files are synced (see
     * ffnn_tune_save_oracle). */
    ffnn_status st = ffnn_file_write_atomic(path, s, n + 1, durable ? -1 : (int)mode, durable, err);
    free(s);
    return st;
}

/* ---- trials ------------------------------------------------------------------ */

/* A trial as JSON (NULL when out of memory).  The file form (trials/NNNN.json
 * and oracle.json's "pending", summary NULL): position, parent (null for
 * none), hyperparameters, then score and best_step when completed, the
 * failure message and the executions' metrics.  The summary form (summary
 * the search's grid): "rank" first when rank > 0, the score after the
 * status, the parent only when there is one, every hyperparameter the model
 * is built with (ffnn_tune_hyperparameters), no results. */
static cJSON *trial_json(const ffnn_trial *tr, const ffnn_hypergrid *summary, int rank)
{
    cJSON *o = cJSON_CreateObject();
    char id[16];
    bool ok = o != NULL, completed = tr->status == FFNN_TRIAL_COMPLETED;
    if (summary && rank > 0)
        ok = ok && cJSON_AddNumberToObject(o, "rank", rank);
    snprintf(id, sizeof id, "%04d", tr->id);
    ok = ok && cJSON_AddStringToObject(o, "trial", id);
    ok = ok && cJSON_AddStringToObject(o, "status", ffnn_trial_status_name(tr->status));
    if (summary && completed)
        ok = ok && cJSON_AddNumberToObject(o, "score", tr->score);
    ok = ok && cJSON_AddNumberToObject(o, "iteration", tr->iteration);
    ok = ok && cJSON_AddNumberToObject(o, "bracket", tr->bracket);
    ok = ok && cJSON_AddNumberToObject(o, "round", tr->round);
    snprintf(id, sizeof id, "%04d", tr->parent);
    if (!summary)
        ok = ok && (tr->parent >= 0 ? cJSON_AddStringToObject(o, "parent", id)
                                    : cJSON_AddNullToObject(o, "parent"));
    ok = ok && cJSON_AddNumberToObject(o, "initial_epoch", tr->initial_epoch);
    ok = ok && cJSON_AddNumberToObject(o, "epochs", tr->epochs);
    if (summary && tr->parent >= 0)
        ok = ok && cJSON_AddStringToObject(o, "parent", id);
    ok = ok && ffnn_json_add(o, "hyperparameters", summary ? ffnn_tune_hyperparameters(summary, tr->values)
                                                           : cJSON_Duplicate(tr->values, 1));
    if (!summary) {
        if (completed) {
            ok = ok && cJSON_AddNumberToObject(o, "score", tr->score);
            ok = ok && cJSON_AddNumberToObject(o, "best_step", tr->best_step);
        }
        if (tr->retries > 0)
            ok = ok && cJSON_AddNumberToObject(o, "retries", tr->retries);
        if (tr->message)
            ok = ok && cJSON_AddStringToObject(o, "message", tr->message);
        if (tr->result)
            ok = ok && ffnn_json_add(o, "executions", cJSON_Duplicate(tr->result, 1));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

ffnn_status ffnn_tune_save_trial(const ffnn_tune *t, const ffnn_trial *tr, ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "trials/%04d.json", tr->id);
    cJSON *o = trial_json(tr, NULL, 0);
    ffnn_status st = path && o ? write_json(path, o, false, t->file_mode, err) : ffnn_error_nomem(err);
    cJSON_Delete(o);
    free(path);
    return st;
}

/* An integer member: dflt when absent; when present it must be a whole
 * number in [lo, INT_MAX], else *bad is set (hand-edited or corrupted
 * files are reported, never cast out of range). */
static int json_int(const cJSON *o, const char *k, int dflt, int lo, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        return dflt;
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d >= lo && d <= INT_MAX) || d != floor(d)) {
        *bad = true;
        return dflt;
    }
    return (int)d;
}

/* A trial id stored as "NNNN": -1 when absent or null, -2 when it is not a
 * non-negative decimal int. */
static int json_id(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v || cJSON_IsNull(v))
        return -1;
    if (!cJSON_IsString(v) || !isdigit((unsigned char)v->valuestring[0]))
        return -2;
    char *end;
    errno = 0;
    long id = strtol(v->valuestring, &end, 10);
    return *end || errno || id > INT_MAX ? -2 : (int)id;
}

static ffnn_status trial_from_json(const cJSON *o, int id, const char *path, ffnn_trial *tr,
                                   ffnn_error *err)
{
    memset(tr, 0, sizeof *tr);
    ffnn_status st = FFNN_OK;
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(o, "hyperparameters");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
    if (!o || !cJSON_IsObject(values) || !cJSON_IsString(status) || json_id(o, "trial") != id) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: missing or unreadable trial", path);
        goto out;
    }
    bool bad = false;
    tr->id = id;
    tr->iteration = json_int(o, "iteration", 0, 0, &bad);
    tr->bracket = json_int(o, "bracket", 0, 0, &bad);
    tr->round = json_int(o, "round", 0, 0, &bad);
    tr->parent = json_id(o, "parent");
    tr->initial_epoch = json_int(o, "initial_epoch", 0, 0, &bad);
    tr->epochs = json_int(o, "epochs", 0, 0, &bad);
    tr->best_step = json_int(o, "best_step", -1, -1, &bad);
    tr->retries = json_int(o, "retries", 0, 0, &bad);
    /* A parent is always created before its child. */
    if (bad || tr->parent < -1 || tr->parent >= id) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: missing or unreadable trial", path);
        goto out;
    }
    if (!(tr->values = cJSON_Duplicate(values, 1))) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    tr->status = strcmp(status->valuestring, "completed") == 0 ? FFNN_TRIAL_COMPLETED
                 : strcmp(status->valuestring, "failed") == 0 ? FFNN_TRIAL_FAILED
                                                              : FFNN_TRIAL_PENDING;
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(o, "score");
    tr->score = cJSON_IsNumber(score) ? score->valuedouble : NAN;
    if (tr->status == FFNN_TRIAL_COMPLETED && isnan(tr->score))
        tr->status = FFNN_TRIAL_PENDING;
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
    if (cJSON_IsString(msg) && !(tr->message = strdup(msg->valuestring)))
        st = ffnn_error_nomem(err);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "executions");
    if (!st && ex && !(tr->result = cJSON_Duplicate(ex, 1)))
        st = ffnn_error_nomem(err);
out:
    if (st)
        ffnn_trial_release(tr);
    return st;
}

ffnn_status ffnn_tune_trial_parse(const char *text, int id, const char *name, ffnn_trial *tr,
                                  ffnn_error *err)
{
    cJSON *o;
    ffnn_status st = parse_text(text, &o, err);
    if (st) {
        memset(tr, 0, sizeof *tr);
        return st;
    }
    st = trial_from_json(o, id, name, tr, err);
    cJSON_Delete(o);
    return st;
}

ffnn_status ffnn_tune_load_trial(const ffnn_tune *t, int id, ffnn_trial *tr, ffnn_error *err)
{
    memset(tr, 0, sizeof *tr);
    char *path = ffnn_tune_path(t, "trials/%04d.json", id);
    if (!path)
        return ffnn_error_nomem(err);
    char *text;
    ffnn_status st = read_all(path, &text, err);
    if (!st)
        st = ffnn_tune_trial_parse(text, id, path, tr, err);
    free(text);
    free(path);
    return st;
}

/* ---- oracle.json ---------------------------------------------------------------- */

ffnn_status ffnn_tune_save_oracle(const ffnn_tune *t, ffnn_error *err)
{
    const ffnn_oracle *o = &t->oracle;
    cJSON *root = cJSON_CreateObject(), *pending = NULL;
    bool ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "algorithm", ffnn_tune_algorithm_name(t->grid.tuner.algorithm));
    ok = ok && cJSON_AddNumberToObject(root, "trials", o->n_trials);
    ok = ok && cJSON_AddNumberToObject(root, "iteration", o->iteration);
    ok = ok && cJSON_AddNumberToObject(root, "bracket", o->bracket);
    ok = ok && cJSON_AddNumberToObject(root, "round", o->round);
    ok = ok && cJSON_AddNumberToObject(root, "seed_state", (double)o->seed_state);
    ok = ok && cJSON_AddBoolToObject(root, "exhausted", o->exhausted);
    ok = ok && cJSON_AddBoolToObject(root, "done", o->done);
    /* Trials without a result file yet: their definitions live here until
     * trials/NNNN.json is written when they finish. */
    ok = ok && (pending = cJSON_AddArrayToObject(root, "pending"));
    for (int i = 0; ok && i < o->n_trials; i++)
        if (o->trials[i].status == FFNN_TRIAL_PENDING)
            ok = cJSON_AddItemToArray(pending, trial_json(&o->trials[i], NULL, 0));
    char *path = ok ? ffnn_tune_path(t, "oracle.json") : NULL;
    ffnn_status st = path ? write_json(path, root, false, t->file_mode, err) : ffnn_error_nomem(err);
    free(path);
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_tune_load_oracle(ffnn_tune *t, ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "oracle.json");
    if (!path)
        return ffnn_error_nomem(err);
    char *text;
    ffnn_status st = read_all(path, &text, err);
    if (!st && text)   /* none: a new search */
        st = ffnn_tune_oracle_parse(t, text, path, err);
    free(text);
    free(path);
    return st;
}

ffnn_status ffnn_tune_oracle_parse(ffnn_tune *t, const char *text, const char *path,
                                   ffnn_error *err)
{
    cJSON *root;
    ffnn_status st = parse_text(text, &root, err);
    if (st)
        return st;
    if (!cJSON_IsObject(root)) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: unreadable; use --overwrite to start afresh", path);
        goto out;
    }
    ffnn_oracle *o = &t->oracle;
    bool bad = false;
    int n = json_int(root, "trials", 0, 0, &bad);
    o->iteration = json_int(root, "iteration", 0, 0, &bad);
    o->bracket = json_int(root, "bracket", o->bracket, 0, &bad);
    o->round = json_int(root, "round", 0, 0, &bad);
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(root, "seed_state");
    double ssd = cJSON_IsNumber(ss) ? ss->valuedouble : 0;
    if (bad || !(ssd >= 0 && ssd < 18446744073709551616.0)) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: unreadable; use --overwrite to start afresh", path);
        goto out;
    }
    o->seed_state = (uint64_t)ssd;
    o->exhausted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "exhausted"));
    o->done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "done"));
    const cJSON *pending = cJSON_GetObjectItemCaseSensitive(root, "pending");
    const cJSON *next = pending ? pending->child : NULL;
    for (int i = 0; i < n && !st; i++) {
        ffnn_trial tr;
        /* A result file wins over the definition in "pending" (the trial
         * finished after oracle.json was last written). */
        while (next && json_id(next, "trial") < i)
            next = next->next;
        ffnn_error terr;
        if (ffnn_tune_load_trial(t, i, &tr, &terr)) {
            if (terr.status == FFNN_ENOMEM || terr.status == FFNN_EIO) {
                if (err)
                    *err = terr;
                st = terr.status;
                break;
            }
            if (!next || json_id(next, "trial") != i) {
                st = ffnn_error_set(err, FFNN_EDATA,
                                    "%s/trials/%04d.json: missing or unreadable; use --overwrite "
                                    "to start afresh", t->dir, i);
                break;
            }
            if ((st = trial_from_json(next, i, path, &tr, err)))
                break;
        }
        st = ffnn_oracle_add_trial(o, &tr, err);
        ffnn_trial_release(&tr);
    }
    if (!st)
        st = t->oracle.algo->check(&t->oracle, path, err);
    for (int i = 0; i < o->n_trials && !st; i++) {
        ffnn_trial *tr = &o->trials[i];
        if (ffnn_oracle_needs_checkpoint(o, tr)) {
            char *cp = ffnn_tune_path(t, "trials/%04d.ffnn", i);
            struct stat sb;
            if (!cp)
                st = ffnn_error_nomem(err);
            tr->checkpoint = cp && stat(cp, &sb) == 0;
            free(cp);
        }
    }
out:
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_tune_save_search(const ffnn_tune *t, const ffnn_tune_hashes *h, ffnn_error *err)
{
    cJSON *search = ffnn_hypergrid_json(&t->grid);
    cJSON *root = cJSON_CreateObject();
    char hex[17], vhex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h->data);
    snprintf(vhex, sizeof vhex, "%016llx", (unsigned long long)h->val);
    bool ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", TUNE_FORMAT);
    ok = ok && cJSON_AddNumberToObject(root, "version", TUNE_VERSION);
    ok = ok && cJSON_AddStringToObject(root, "data", "data.csv");
    ok = ok && cJSON_AddStringToObject(root, "data_fnv64", hex);
    if (h->has_val) {
        ok = ok && cJSON_AddStringToObject(root, "validation", "validation.csv");
        ok = ok && cJSON_AddStringToObject(root, "validation_fnv64", vhex);
    }
    if (ok)
        ok = ffnn_json_add(root, "search", search);
    else
        cJSON_Delete(search);
    char *path = ok ? ffnn_tune_path(t, "search.json") : NULL;
    ffnn_status st = path ? write_json(path, root, true, t->file_mode, err) : ffnn_error_nomem(err);
    free(path);
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_tune_search_parse(const char *text, const char *path, ffnn_hypergrid *g,
                                   ffnn_tune_hashes *h, ffnn_error *err)
{
    cJSON *root;
    memset(h, 0, sizeof *h);
    ffnn_status st = parse_text(text, &root, err);
    if (st)
        return st;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *search = cJSON_GetObjectItemCaseSensitive(root, "search");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(root, "data_fnv64");
    const cJSON *vhash = cJSON_GetObjectItemCaseSensitive(root, "validation_fnv64");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, TUNE_FORMAT) != 0 || !search ||
        !cJSON_IsString(hash) || (vhash && !cJSON_IsString(vhash))) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: not an ffnn-tune directory file", path);
        goto out;
    }
    bool bad = false;
    if (json_int(root, "version", 0, 0, &bad) != TUNE_VERSION || bad) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: unsupported version", path);
        goto out;
    }
    h->data = strtoull(hash->valuestring, NULL, 16);
    h->has_val = vhash != NULL;
    if (vhash)
        h->val = strtoull(vhash->valuestring, NULL, 16);
    st = ffnn_hypergrid_from_json(g, search, path, err);
out:
    cJSON_Delete(root);
    return st;
}

ffnn_status ffnn_tune_load_search(const ffnn_tune *t, ffnn_hypergrid *g, ffnn_tune_hashes *h,
                                  bool *found, ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "search.json");
    if (!path)
        return ffnn_error_nomem(err);
    char *text;
    ffnn_status st = read_all(path, &text, err);
    *found = text != NULL;
    if (!st && text)
        st = ffnn_tune_search_parse(text, path, g, h, err);
    free(text);
    free(path);
    return st;
}

/* ---- the result summary ------------------------------------------------------------- */

char *ffnn_tune_summary_json(const ffnn_tune *t, int top)
{
    const ffnn_oracle *o = &t->oracle;
    int *order = ffnn_calloc((size_t)(o->n_trials ? o->n_trials : 1), sizeof *order);
    if (!order)
        return NULL;
    int k = ffnn_oracle_ranking(o, order);
    int failed = 0, pending = 0;
    for (int i = 0; i < o->n_trials; i++) {
        failed += o->trials[i].status == FFNN_TRIAL_FAILED;
        pending += o->trials[i].status == FFNN_TRIAL_PENDING;
    }
    cJSON *root = k >= 0 ? cJSON_CreateObject() : NULL, *ranking = NULL;
    bool ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "algorithm", ffnn_tune_algorithm_name(t->grid.tuner.algorithm));
    ok = ok && cJSON_AddStringToObject(root, "objective", t->grid.tuner.objective);
    ok = ok && cJSON_AddStringToObject(root, "direction", ffnn_mode_name(t->direction));
    ok = ok && cJSON_AddNumberToObject(root, "seed", (double)t->grid.tuner.seed);
    ok = ok && cJSON_AddNumberToObject(root, "trials", o->n_trials);
    ok = ok && cJSON_AddNumberToObject(root, "completed", k);
    ok = ok && cJSON_AddNumberToObject(root, "failed", failed);
    ok = ok && cJSON_AddNumberToObject(root, "pending", pending);
    ok = ok && cJSON_AddBoolToObject(root, "finished", ffnn_oracle_finished(o));
    /* keras-tuner's "Oracle triggered exit": random draws kept repeating
     * earlier configurations, so the search ended before its schedule did. */
    ok = ok && cJSON_AddBoolToObject(root, "exhausted", o->exhausted);
    ok = ok && cJSON_AddNumberToObject(root, "configurations", ffnn_oracle_configurations(o));
    long points = ffnn_hypergrid_points(&t->grid);
    ok = ok && (points >= 0 && points < LONG_MAX
                    ? cJSON_AddNumberToObject(root, "space", (double)points)
                    : cJSON_AddNullToObject(root, "space"));
    if (k > 0)
        ok = ok && ffnn_json_add(root, "best", trial_json(&o->trials[order[0]], &t->grid, 0));
    else
        ok = ok && cJSON_AddNullToObject(root, "best");
    ok = ok && (ranking = cJSON_AddArrayToObject(root, "ranking"));
    for (int i = 0; ok && i < k && (top <= 0 || i < top); i++)
        ok = cJSON_AddItemToArray(ranking, trial_json(&o->trials[order[i]], &t->grid, i + 1));
    char *s = ok ? ffnn_json_print(root, 2) : NULL;
    cJSON_Delete(root);
    free(order);
    return s;
}
