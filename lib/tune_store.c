/* ffnn — the tune directory: search.json (the search, fixed), data.csv (a
 * copy of the training rows), oracle.json (schedule position),
 * trials/NNNN.json (one per trial) and trials/NNNN.ffnn (best-epoch weights
 * while a promotion may need them), a lock file; every file written
 * atomically (temporary file + rename). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
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

static uint64_t fnv64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
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

/* NULL when out of memory */
static cJSON *trial_to_json(const ffnn_trial *tr)
{
    cJSON *o = cJSON_CreateObject();
    char id[16];
    snprintf(id, sizeof id, "%04d", tr->id);
    bool ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "trial", id);
    ok = ok && cJSON_AddStringToObject(o, "status", ffnn_trial_status_name(tr->status));
    ok = ok && cJSON_AddNumberToObject(o, "iteration", tr->iteration);
    ok = ok && cJSON_AddNumberToObject(o, "bracket", tr->bracket);
    ok = ok && cJSON_AddNumberToObject(o, "round", tr->round);
    if (tr->parent >= 0) {
        snprintf(id, sizeof id, "%04d", tr->parent);
        ok = ok && cJSON_AddStringToObject(o, "parent", id);
    } else {
        ok = ok && cJSON_AddNullToObject(o, "parent");
    }
    ok = ok && cJSON_AddNumberToObject(o, "initial_epoch", tr->initial_epoch);
    ok = ok && cJSON_AddNumberToObject(o, "epochs", tr->epochs);
    ok = ok && ffnn_json_add(o, "hyperparameters", cJSON_Duplicate(tr->values, 1));
    if (tr->status == FFNN_TRIAL_COMPLETED) {
        ok = ok && cJSON_AddNumberToObject(o, "score", tr->score);
        ok = ok && cJSON_AddNumberToObject(o, "best_step", tr->best_step);
    }
    if (tr->message)
        ok = ok && cJSON_AddStringToObject(o, "message", tr->message);
    if (tr->result)
        ok = ok && ffnn_json_add(o, "executions", cJSON_Duplicate(tr->result, 1));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

ffnn_status ffnn_tune_save_trial(const ffnn_tune *t, const ffnn_trial *tr, ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "trials/%04d.json", tr->id);
    cJSON *o = trial_to_json(tr);
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
            ok = cJSON_AddItemToArray(pending, trial_to_json(&o->trials[i]));
    char *path = ok ? ffnn_tune_path(t, "oracle.json") : NULL;
    ffnn_status st = path ? write_json(path, root, false, t->file_mode, err) : ffnn_error_nomem(err);
    free(path);
    cJSON_Delete(root);
    return st;
}

/* The schedule position and the trials read back must be ones the search
 * can have made (the oracle and checkpoint cleanup index by them): Hyperband
 * brackets below the bracket count, rounds up to the bracket, iterations in
 * creation order, a round-r trial continuing a round r-1 trial of its own
 * bracket; other searches have no parents. */
static ffnn_status check_schedule(const ffnn_tune *t, const char *path, ffnn_error *err)
{
    const ffnn_oracle *o = &t->oracle;
    const ffnn_tune_options *tu = &t->grid.tuner;
    bool hb = tu->algorithm == FFNN_TUNE_HYPERBAND;
    int nb = ffnn_hyperband_brackets(tu->max_epochs, tu->factor);
    if (hb && (o->bracket >= nb || o->round > o->bracket))
        return ffnn_error_set(err, FFNN_EDATA,
                              "%s: bracket %d, round %d does not fit the search (%d brackets); use "
                              "--overwrite to start afresh", path, o->bracket, o->round, nb);
    for (int i = 0; i < o->n_trials; i++) {
        const ffnn_trial *tr = &o->trials[i];
        const ffnn_trial *p = tr->parent >= 0 ? &o->trials[tr->parent] : NULL;
        bool ok = hb ? tr->bracket < nb && tr->round <= tr->bracket && tr->iteration <= o->iteration &&
                           (i == 0 || tr->iteration >= o->trials[i - 1].iteration) &&
                           (tr->round == 0 ? !p
                                           : p && p->iteration == tr->iteration &&
                                                 p->bracket == tr->bracket && p->round == tr->round - 1)
                     : !p;
        if (!ok)
            return ffnn_error_set(err, FFNN_EDATA,
                                  "%s: trial %04d (iteration %d, bracket %d, round %d) does not fit "
                                  "the search; use --overwrite to start afresh", path, i,
                                  tr->iteration, tr->bracket, tr->round);
    }
    return FFNN_OK;
}

static ffnn_status load_oracle(ffnn_tune *t, ffnn_error *err)
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
        st = check_schedule(t, path, err);
    for (int i = 0; i < o->n_trials && !st; i++) {
        ffnn_trial *tr = &o->trials[i];
        if (ffnn_tune_needs_checkpoint(t, tr)) {
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

/* ---- checkpoints ------------------------------------------------------------------ */

bool ffnn_tune_needs_checkpoint(const ffnn_tune *t, const ffnn_trial *tr)
{
    return t->grid.tuner.algorithm == FFNN_TUNE_HYPERBAND && tr->round < tr->bracket;
}

void ffnn_tune_cleanup_checkpoints(ffnn_tune *t)
{
    ffnn_oracle *o = &t->oracle;
    int n = o->n_trials, nb = ffnn_hyperband_brackets(t->grid.tuner.max_epochs, t->grid.tuner.factor);
    if (t->grid.tuner.algorithm != FFNN_TUNE_HYPERBAND || n == 0)
        return;
    int iters = o->trials[n - 1].iteration + 1;
    /* decided[(iteration, bracket, round)]: the next round exists, so the
     * round's promotions are chosen; child_done[i]: trial i's child finished. */
    bool *decided = ffnn_calloc((size_t)iters * (size_t)nb * (size_t)nb, sizeof *decided);
    bool *child_done = ffnn_calloc((size_t)n, sizeof *child_done);
    if (!decided || !child_done) {
        free(decided);
        free(child_done);
        return;
    }
#define KEY(tr, r) (((size_t)(tr)->iteration * (size_t)nb + (size_t)(tr)->bracket) * (size_t)nb + (size_t)(r))
    for (int i = 0; i < n; i++) {
        const ffnn_trial *c = &o->trials[i];
        if (c->parent >= 0 && c->round > 0 && c->bracket < nb) {
            decided[KEY(c, c->round - 1)] = true;
            if (c->status != FFNN_TRIAL_PENDING)
                child_done[c->parent] = true;
        }
    }
    for (int i = 0; i < n; i++) {
        ffnn_trial *tr = &o->trials[i];
        if (!tr->checkpoint || tr->bracket >= nb)
            continue;
        bool keep = decided[KEY(tr, tr->round)] ? (tr->promoted && !child_done[i]) : true;
        if (tr->status == FFNN_TRIAL_FAILED)
            keep = false;
        if (!keep) {
            char *cp = ffnn_tune_path(t, "trials/%04d.ffnn", i);
            if (cp)
                unlink(cp);
            free(cp);
            tr->checkpoint = false;
        }
    }
#undef KEY
    free(decided);
    free(child_done);
}

/* ---- validation split ------------------------------------------------------------- */

ffnn_status ffnn_tune_split(const ffnn_table *tab, const ffnn_prep *prep, double fraction,
                            uint64_t seed, bool stratify, ffnn_data *train, ffnn_data *val,
                            ffnn_error *err)
{
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    long n = tab->nrows, ntr = 0, nva = 0;
    long *tr = ffnn_calloc((size_t)n, sizeof *tr), *va = ffnn_calloc((size_t)n, sizeof *va);
    ffnn_data all;
    memset(&all, 0, sizeof all);
    ffnn_status st = FFNN_OK;
    if (!tr || !va) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    if ((st = ffnn_data_from_table(&all, prep, tab, NULL, n, true, err)))
        goto out;
    bool classification = prep->task != FFNN_TASK_REGRESSION;
    if (stratify && classification) {
        int *strata = ffnn_calloc((size_t)n, sizeof *strata);
        if (!strata) {
            st = ffnn_error_nomem(err);
            goto out;
        }
        for (long i = 0; i < n; i++)
            strata[i] = (int)all.y[i];
        ffnn_rng rng;
        ffnn_rng_init(&rng, seed, FFNN_RNG_SPLIT, 1);
        st = ffnn_split_indices(n, fraction, strata, &rng, tr, &ntr, va, &nva, err);
        free(strata);
        if (st)
            goto out;
    } else {
        long split_at = (long)floor((double)n * (1.0 - fraction));
        for (long i = 0; i < n; i++) {
            if (i < split_at)
                tr[ntr++] = i;
            else
                va[nva++] = i;
        }
    }
    if (ntr < 1 || nva < 1) {
        st = ffnn_error_set(err, FFNN_EDATA, "validation_split %g of %ld rows leaves no %s rows",
                            fraction, n, ntr < 1 ? "training" : "validation");
        goto out;
    }
    /* Keep file order inside each part, as ffnn_fit does. */
    for (int part = 0; part < 2; part++) {
        long *idx = part ? va : tr, k = part ? nva : ntr;
        for (long i = 1; i < k; i++)
            for (long j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
                long tmp = idx[j];
                idx[j] = idx[j - 1];
                idx[j - 1] = tmp;
            }
        ffnn_data *d = part ? val : train;
        d->n = k;
        d->d = all.d;
        d->X = ffnn_calloc((size_t)k * (size_t)all.d, sizeof *d->X);
        d->y = ffnn_calloc((size_t)k, sizeof *d->y);
        if (!d->X || !d->y) {
            st = ffnn_error_nomem(err);
            goto out;
        }
        for (long i = 0; i < k; i++) {
            memcpy(d->X + (size_t)i * (size_t)all.d, all.X + (size_t)idx[i] * (size_t)all.d,
                   (size_t)all.d * sizeof *d->X);
            d->y[i] = all.y[idx[i]];
        }
    }
out:
    ffnn_data_release(&all);
    free(tr);
    free(va);
    if (st) {
        ffnn_data_release(train);
        ffnn_data_release(val);
    }
    return st;
}

/* ---- open / close ------------------------------------------------------------------- */

/* Takes DIR/lock with flock(2).  A search that fails to start deletes the
 * lock file (it leaves nothing behind); a process that was waiting on that
 * file then gets a lock on a file no longer at the path, while a newcomer
 * creates and locks a new one: two searches in one directory.  So a lock
 * counts only when the open file is still the one at the path (device and
 * inode); else the path is opened again.
 * A directory that cannot be written (read-only storage, another user's
 * files) can still be read: the lock is then taken shared on the file
 * opened for reading, or not at all when there is no lock file, and
 * t->read_only says why (see ffnn_tune_run). */
static ffnn_status take_lock(ffnn_tune *t, ffnn_tune_lock mode, ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "lock");
    if (!path)
        return ffnn_error_nomem(err);
    int op = (mode == FFNN_TUNE_LOCK_SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB;
    ffnn_status st = FFNN_OK;
    /* Short waits cover another process's brief --pending or --run-trial
     * bookkeeping; a running search holds the lock for good. */
    for (int tries = 0;; tries++) {
        if (t->lock_fd < 0 && !t->read_only &&
            (t->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0) {
            if (errno != EROFS && errno != EACCES && errno != EPERM) {
                st = ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot create: %s", path,
                                    strerror(errno));
                break;
            }
            t->read_only = errno;
            op = LOCK_SH | LOCK_NB;
        }
        if (t->lock_fd < 0 && (t->lock_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            break;   /* read-only and no lock file: no writer has locked it either */
        if (flock(t->lock_fd, op) == 0) {
            struct stat held, at_path;
            if (fstat(t->lock_fd, &held) == 0 && stat(path, &at_path) == 0 &&
                held.st_dev == at_path.st_dev && held.st_ino == at_path.st_ino)
                break;
            close(t->lock_fd);   /* a deleted lock file: open the path again */
            t->lock_fd = -1;
        } else if (errno != EWOULDBLOCK && errno != EINTR) {
            st = ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot lock: %s", t->dir, strerror(errno));
            break;
        }
        if (tries >= 40) {
            st = ffnn_error_set(err, FFNN_ECANTCREAT,
                                "%s: in use by another ffnn-tune process (it holds %s/lock)", t->dir,
                                t->dir);
            break;
        }
        if (t->lock_fd >= 0) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    free(path);
    return st;
}

/* Removes what a search leaves in dir (only ffnn-tune's own names).  The
 * paths are made in a local buffer: this runs on failure paths too, where
 * memory may be what ran out, and a file left behind would pass for the old
 * search. */
static void remove_search(ffnn_tune *t)
{
    static const char *const files[] = {"oracle.json", "search.json", "data.csv", "best.json"};
    char p[PATH_MAX];
    for (size_t i = 0; i < FFNN_ARRAY_LEN(files); i++)
        if (snprintf(p, sizeof p, "%s/%s", t->dir, files[i]) < (int)sizeof p)
            unlink(p);
    char tdir[PATH_MAX];
    if (snprintf(tdir, sizeof tdir, "%s/trials", t->dir) >= (int)sizeof tdir)
        return;
    DIR *d = opendir(tdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        bool ours = n >= 9 && strspn(e->d_name, "0123456789") >= 4 &&
                    (strcmp(e->d_name + n - 5, ".json") == 0 || strcmp(e->d_name + n - 5, ".ffnn") == 0);
        bool tmp = e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
        if ((ours || tmp) && snprintf(p, sizeof p, "%s/%s", tdir, e->d_name) < (int)sizeof p)
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(tdir);
}

/* ".NAME.XXXXXX": the temporary file ffnn_atomic_open made for NAME. */
static bool temp_of(const char *entry, const char *name, size_t name_len)
{
    return entry[0] == '.' && strncmp(entry + 1, name, name_len) == 0 && entry[1 + name_len] == '.' &&
           strlen(entry + 2 + name_len) == 6;
}

/* Removes the temporary files a killed process (kill -9, power loss) left
 * behind while writing the search's own files.  Only under the exclusive
 * lock: then no other process is writing.  Paths in local buffers, like
 * remove_search's. */
static void remove_stale_temps(ffnn_tune *t)
{
    static const char *const files[] = {"oracle.json", "search.json", "data.csv", "best.json"};
    char dir[PATH_MAX], p[PATH_MAX];
    for (int sub = 0; sub < 2; sub++) {
        bool fits = snprintf(dir, sizeof dir, "%s/%s", t->dir, sub ? "trials" : ".") < (int)sizeof dir;
        DIR *d = fits ? opendir(dir) : NULL;
        struct dirent *e;
        while (d && (e = readdir(d))) {
            const char *n = e->d_name;
            bool stale = false;
            if (sub) {   /* .NNNN.json.XXXXXX, .NNNN.ffnn.XXXXXX */
                size_t digits = strspn(n + 1, "0123456789");
                const char *ext = n + 1 + digits;
                stale = n[0] == '.' && digits >= 4 &&
                        (strncmp(ext, ".json.", 6) == 0 || strncmp(ext, ".ffnn.", 6) == 0) &&
                        strlen(ext + 6) == 6;
            } else {
                for (size_t i = 0; i < FFNN_ARRAY_LEN(files) && !stale; i++)
                    stale = temp_of(n, files[i], strlen(files[i]));
            }
            if (stale && snprintf(p, sizeof p, "%s/%s", dir, n) < (int)sizeof p)
                unlink(p);
        }
        if (d)
            closedir(d);
    }
}

static ffnn_status make_dir(const char *path, ffnn_error *err)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return FFNN_OK;
        return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: not a directory", path);
    }
    return ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot create directory: %s", path,
                          strerror(errno));
}

/* Applies -T, -i, -s and --iterations to a parsed hypergrid. */
static ffnn_status apply_overrides(ffnn_hypergrid *g, const ffnn_tune_open_options *opt,
                                   ffnn_error *err)
{
    if (opt->target) {
        cJSON_DeleteItemFromObjectCaseSensitive(g->fit, "target");
        if (!cJSON_AddStringToObject(g->fit, "target", opt->target))
            return ffnn_error_nomem(err);
    }
    if (opt->ignore) {
        cJSON *arr = cJSON_CreateArray();
        const char *s = opt->ignore;
        while (arr && *s) {
            size_t n = strcspn(s, ",");
            char buf[256];
            snprintf(buf, sizeof buf, "%.*s", (int)(n < 255 ? n : 255), s);
            if (!cJSON_AddItemToArray(arr, cJSON_CreateString(buf))) {
                cJSON_Delete(arr);
                arr = NULL;
            }
            s += n;
            if (*s == ',')
                s++;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(g->fit, "ignore");
        if (!ffnn_json_add(g->fit, "ignore", arr))
            return ffnn_error_nomem(err);
    }
    if (opt->has_seed) {
        g->tuner.seed = opt->seed;
        g->tuner.has_seed = true;
    }
    if (opt->iterations > 0)
        g->tuner.hyperband_iterations = opt->iterations;
    return FFNN_OK;
}

/* *same: a and b are one search (hyperband_iterations may differ). */
static ffnn_status same_search(const ffnn_hypergrid *a, const ffnn_hypergrid *b, bool *same,
                               ffnn_error *err)
{
    ffnn_hypergrid x = *a, y = *b;
    x.tuner.hyperband_iterations = y.tuner.hyperband_iterations = 1;
    char *sa = ffnn_hypergrid_to_json(&x), *sb = ffnn_hypergrid_to_json(&y);
    ffnn_status st = sa && sb ? FFNN_OK : ffnn_error_nomem(err);
    *same = sa && sb && strcmp(sa, sb) == 0;
    free(sa);
    free(sb);
    return st;
}

static ffnn_status write_search(ffnn_tune *t, uint64_t data_hash, ffnn_error *err)
{
    /* The hypergrid's own JSON, which can only fail to parse for want of memory. */
    char *g = ffnn_hypergrid_to_json(&t->grid);
    cJSON *search = g ? cJSON_Parse(g) : NULL;
    free(g);
    cJSON *root = cJSON_CreateObject();
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)data_hash);
    bool ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", TUNE_FORMAT);
    ok = ok && cJSON_AddNumberToObject(root, "version", TUNE_VERSION);
    ok = ok && cJSON_AddStringToObject(root, "data", "data.csv");
    ok = ok && cJSON_AddStringToObject(root, "data_fnv64", hex);
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
                                   uint64_t *data_hash, ffnn_error *err)
{
    cJSON *root;
    ffnn_status st = parse_text(text, &root, err);
    if (st)
        return st;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *search = cJSON_GetObjectItemCaseSensitive(root, "search");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(root, "data_fnv64");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, TUNE_FORMAT) != 0 || !search ||
        !cJSON_IsString(hash)) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: not an ffnn-tune directory file", path);
        goto out;
    }
    bool bad = false;
    if (json_int(root, "version", 0, 0, &bad) != TUNE_VERSION || bad) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: unsupported version", path);
        goto out;
    }
    *data_hash = strtoull(hash->valuestring, NULL, 16);
    char *s = cJSON_PrintUnformatted(search);
    st = s ? ffnn_hypergrid_parse(g, s, path, err) : ffnn_error_nomem(err);
    free(s);
out:
    cJSON_Delete(root);
    return st;
}

/* Loads search.json: the stored hypergrid (into *g) and data hash. */
static ffnn_status read_search(ffnn_tune *t, ffnn_hypergrid *g, uint64_t *data_hash, bool *found,
                               ffnn_error *err)
{
    char *path = ffnn_tune_path(t, "search.json");
    if (!path)
        return ffnn_error_nomem(err);
    char *text;
    ffnn_status st = read_all(path, &text, err);
    *found = text != NULL;
    if (!st && text)
        st = ffnn_tune_search_parse(text, path, g, data_hash, err);
    free(text);
    free(path);
    return st;
}

/* Loads data.csv, learns the search's preprocessing, splits, and resolves
 * the objective.  Messages name the file as name (the user's training file
 * when this run copied it). */
static ffnn_status prepare_data(ffnn_tune *t, const char *name, ffnn_error *err)
{
    FILE *fp = fopen(t->data_path, "rb");
    if (!fp && errno == ENOMEM)
        return ffnn_error_nomem(err);
    if (!fp)
        return ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", t->data_path,
                              strerror(errno));
    ffnn_status st = ffnn_table_read(&t->table, fp, name, false, err);
    fclose(fp);
    if (st)
        return st;
    ffnn_config cfg;
    st = ffnn_tune_config(&t->grid, NULL, t->grid.tuner.seed, true, &cfg, err);
    if (!st)
        st = ffnn_prep_fit(&t->prep, &t->table, &cfg.prep, err);
    bool stratify = cfg.fit.stratify_validation;
    ffnn_config_release(&cfg);
    if (st)
        return st;
    static const char *const prep_keys[] = {"task", "target", "ignore", "standardize", "impute"};
    for (int i = 0; i < t->grid.n_hp; i++)
        for (size_t k = 0; k < FFNN_ARRAY_LEN(prep_keys); k++)
            if (strcmp(t->grid.hp[i].name, prep_keys[k]) == 0)
                t->prep_searched = true;
    t->regression = t->prep.task == FFNN_TASK_REGRESSION;
    t->direction = t->grid.tuner.direction;
    if ((st = ffnn_tune_objective(t->grid.tuner.objective, t->regression, &t->field, &t->direction,
                                  err)))
        return st;
    return ffnn_tune_split(&t->table, &t->prep, t->grid.tuner.validation_split, t->grid.tuner.seed,
                           stratify, &t->train, &t->val, err);
}

ffnn_status ffnn_tune_open(ffnn_tune **out, const ffnn_tune_open_options *opt, ffnn_error *err)
{
    *out = NULL;
    ffnn_tune *t = ffnn_calloc(1, sizeof *t);
    if (!t)
        return ffnn_error_nomem(err);
    t->lock_fd = -1;
    t->file_mode = 0666u & ~ffnn_file_umask();
    ffnn_hypergrid cmd, stored;
    memset(&cmd, 0, sizeof cmd);
    memset(&stored, 0, sizeof stored);
    char *data = NULL, *tdir = NULL;
    size_t data_len = 0;
    uint64_t stored_hash = 0;
    bool found = false, made_dir = false, new_search = false, had_lock = true;
    ffnn_status st = FFNN_OK;
    if (!(t->dir = strdup(opt->dir)) || !(t->data_path = ffnn_tune_path(t, "data.csv"))) {
        st = ffnn_error_nomem(err);
        goto fail;
    }
    if (opt->hypergrid_json &&
        ((st = ffnn_hypergrid_parse(&cmd, opt->hypergrid_json,
                                    opt->hypergrid_name ? opt->hypergrid_name : "hypergrid", err)) ||
         (st = apply_overrides(&cmd, opt, err))))
        goto fail;
    if (opt->train_path) {
        if ((st = ffnn_file_read(opt->train_path, &data, &data_len, err)))
            goto fail;
    }
    if (!opt->create) {
        struct stat sb;
        if (stat(opt->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            st = ffnn_error_set(err, FFNN_ENOINPUT, "%s: no such tune directory", opt->dir);
            goto fail;
        }
    } else {
        struct stat sb;
        made_dir = stat(opt->dir, &sb) != 0 && errno == ENOENT;
        if ((st = make_dir(opt->dir, err))) {
            made_dir = false;
            goto fail;
        }
    }
    char *lock_path = ffnn_tune_path(t, "lock");
    if (!lock_path) {
        st = ffnn_error_nomem(err);
        goto fail;
    }
    had_lock = access(lock_path, F_OK) == 0;
    free(lock_path);
    if ((st = take_lock(t, opt->lock, err)))
        goto fail;
    if (t->read_only && opt->overwrite) {
        st = ffnn_error_set(err, FFNN_ECANTCREAT, "%s: cannot overwrite: %s", opt->dir,
                            strerror(t->read_only));
        goto fail;
    }
    if (opt->lock == FFNN_TUNE_LOCK_EXCLUSIVE && !t->read_only)
        remove_stale_temps(t);
    if (opt->overwrite)
        remove_search(t);
    if ((st = read_search(t, &stored, &stored_hash, &found, err)))
        goto fail;
    if (found) {
        int stored_iterations = stored.tuner.hyperband_iterations;
        bool same = true;
        if (opt->hypergrid_json && (st = same_search(&cmd, &stored, &same, err)))
            goto fail;
        if (!same) {
            st = ffnn_error_set(err, FFNN_ECONFIG,
                                "%s: holds a different search (hypergrid, tuner, seed or target "
                                "differ); use --overwrite or another directory", opt->dir);
            goto fail;
        }
        if (data && fnv64(data, data_len) != stored_hash) {
            st = ffnn_error_set(err, FFNN_ECONFIG,
                                "%s: was searched with different training data than %s; use "
                                "--overwrite or another directory", opt->dir, opt->train_path);
            goto fail;
        }
        if (opt->hypergrid_json) {
            t->grid = cmd;
            memset(&cmd, 0, sizeof cmd);
        } else {
            t->grid = stored;
            memset(&stored, 0, sizeof stored);
            if (opt->iterations > 0)
                t->grid.tuner.hyperband_iterations = opt->iterations;
        }
        if (t->grid.tuner.hyperband_iterations != stored_iterations &&
            opt->lock == FFNN_TUNE_LOCK_EXCLUSIVE && !t->read_only &&
            (st = write_search(t, stored_hash, err)))
            goto fail;
    } else {
        if (!opt->hypergrid_json || !data) {
            st = ffnn_error_set(err, FFNN_ENOINPUT,
                                "%s: not a tune directory (no search.json); start it with "
                                "ffnn-tune -g HYPERGRID -d %s TRAIN.csv", opt->dir, opt->dir);
            goto fail;
        }
        if (opt->lock != FFNN_TUNE_LOCK_EXCLUSIVE) {
            st = ffnn_error_set(err, FFNN_EUSAGE, "%s: not initialised", opt->dir);
            goto fail;
        }
        t->grid = cmd;
        memset(&cmd, 0, sizeof cmd);
        new_search = true;
        if ((st = ffnn_file_write_atomic(t->data_path, data, data_len, -1, true, err)) ||
            (st = write_search(t, fnv64(data, data_len), err)))
            goto fail;
    }
    tdir = ffnn_tune_path(t, "trials");
    if (!tdir)
        st = ffnn_error_nomem(err);
    if (st || (st = make_dir(tdir, err)))
        goto fail;
    ffnn_oracle_init(&t->oracle, &t->grid, FFNN_MODE_MAX);
    if ((st = prepare_data(t, data ? opt->train_path : t->data_path, err)))
        goto fail;
    t->oracle.direction = t->direction;
    if ((st = load_oracle(t, err)))
        goto fail;
    /* --iterations may extend (or end) a search. */
    if (t->grid.tuner.algorithm == FFNN_TUNE_HYPERBAND && !t->oracle.exhausted)
        t->oracle.done = t->oracle.iteration >= t->grid.tuner.hyperband_iterations;
    free(tdir);
    free(data);
    ffnn_hypergrid_release(&cmd);
    ffnn_hypergrid_release(&stored);
    *out = t;
    return FFNN_OK;
fail:
    /* A search that could not start leaves nothing: not its files, not the
     * directory if this call made it. */
    if (new_search)
        remove_search(t);
    if (made_dir || (new_search && !had_lock)) {
        char *lock = ffnn_tune_path(t, "lock");
        if (lock)
            unlink(lock);
        free(lock);
    }
    if (made_dir)
        rmdir(opt->dir);
    free(tdir);
    free(data);
    ffnn_hypergrid_release(&cmd);
    ffnn_hypergrid_release(&stored);
    ffnn_tune_close(t);
    return st;
}

void ffnn_tune_close(ffnn_tune *t)
{
    if (!t)
        return;
    ffnn_oracle_release(&t->oracle);
    ffnn_hypergrid_release(&t->grid);
    ffnn_data_release(&t->train);
    ffnn_data_release(&t->val);
    ffnn_prep_release(&t->prep);
    ffnn_table_release(&t->table);
    if (t->lock_fd >= 0)
        close(t->lock_fd);
    free(t->dir);
    free(t->data_path);
    free(t);
}

const ffnn_oracle *ffnn_tune_oracle(const ffnn_tune *t)
{
    return &t->oracle;
}

const ffnn_hypergrid *ffnn_tune_grid(const ffnn_tune *t)
{
    return &t->grid;
}

uint64_t ffnn_tune_seed(const ffnn_tune *t)
{
    return t->grid.tuner.seed;
}

const char *ffnn_tune_data_path(const ffnn_tune *t)
{
    return t->data_path;
}

const ffnn_prep *ffnn_tune_prep(const ffnn_tune *t)
{
    return &t->prep;
}
