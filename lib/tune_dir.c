/* ffnn — the tune directory: search.json (the search, fixed), data.csv (a
 * copy of the training rows), oracle.json (schedule position),
 * trials/NNNN.json (one per trial) and trials/NNNN.ffnn (best-epoch weights
 * while a promotion may need them), a lock file.  Opening and closing a
 * search, its lock, the files a killed process left, the search's data and
 * checkpoint cleanup; the files' contents are tune_codec.c's. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "ffnn/json.h"
#include "ffnn/train_file.h"
#include "internal.h"
#include "tune_internal.h"

/* ---- checkpoints ------------------------------------------------------------------ */

void ffnn_tune_cleanup_checkpoints(ffnn_tune *t)
{
    ffnn_oracle *o = &t->oracle;
    if (!o->algo->stale_checkpoints || o->n_trials == 0)
        return;
    bool *stale = ffnn_calloc((size_t)o->n_trials, sizeof *stale);
    if (stale && o->algo->stale_checkpoints(o, 0, stale))
        for (int i = 0; i < o->n_trials; i++) {
            ffnn_trial *tr = &o->trials[i];
            if (!tr->checkpoint || !stale[i])
                continue;
            char *cp = ffnn_tune_path(t, "trials/%04d.ffnn", i);
            if (cp)
                unlink(cp);
            free(cp);
            tr->checkpoint = false;
        }
    free(stale);
}

/* ---- validation split ------------------------------------------------------------- */

ffnn_status ffnn_tune_split(const ffnn_table *tab, const ffnn_table *vtab, const ffnn_prep *prep,
                            double fraction, uint64_t seed, bool stratify, ffnn_data *train,
                            ffnn_data *val, ffnn_error *err)
{
    memset(val, 0, sizeof *val);
    if (vtab) {
        ffnn_status st = ffnn_data_from_table(train, prep, tab, NULL, tab->nrows, true, err);
        if (!st && (st = ffnn_validation_data(prep, tab, vtab, val, err)))
            ffnn_data_release(train);
        return st;
    }
    ffnn_data all;
    ffnn_status st = ffnn_data_from_table(&all, prep, tab, NULL, tab->nrows, true, err);
    if (st) {
        memset(train, 0, sizeof *train);
        return st;
    }
    st = ffnn_fit_split(&all, prep->task != FFNN_TASK_REGRESSION, fraction, stratify, seed, train,
                        val, err);
    ffnn_data_release(&all);
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
    static const char *const files[] = {"oracle.json", "search.json", "data.csv", "validation.csv",
                                        "best.json"};
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
    static const char *const files[] = {"oracle.json", "search.json", "data.csv", "validation.csv",
                                        "best.json"};
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

/* Whether this run's --validation file (vdata, NULL for none) is the one
 * the stored search validates on.  A command that names the training file
 * names its validation file too (or none); a bare -d DIR may omit it. */
static ffnn_status same_validation(const ffnn_tune_open_options *opt, const ffnn_tune_hashes *h,
                                   const char *vdata, size_t vlen, bool full, ffnn_error *err)
{
    if (vdata && !h->has_val)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: was searched without --validation; use --overwrite or another "
                              "directory", opt->dir);
    if (vdata && ffnn_tune_fnv64(vdata, vlen) != h->val)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: was searched with different validation rows than %s; use "
                              "--overwrite or another directory", opt->dir, opt->validation_path);
    if (!vdata && full && h->has_val)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s: was searched with --validation rows of its own; give the same "
                              "--validation, or use --overwrite or another directory", opt->dir);
    return FFNN_OK;
}

/* Reads the table at path, naming it name in messages. */
static ffnn_status read_table(ffnn_table *tab, const char *path, const char *name, ffnn_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp && errno == ENOMEM)
        return ffnn_error_nomem(err);
    if (!fp)
        return ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    ffnn_status st = ffnn_table_read(tab, fp, name, false, err);
    fclose(fp);
    return st;
}

/* Loads data.csv (and validation.csv), learns the search's preprocessing,
 * splits, and resolves the objective.  Messages name the files as name and
 * vname (the user's files when this run copied them). */
static ffnn_status prepare_data(ffnn_tune *t, const char *name, const char *vname, ffnn_error *err)
{
    ffnn_status st = read_table(&t->table, t->data_path, name, err);
    if (st)
        return st;
    if (t->has_val) {
        char *vpath = ffnn_tune_path(t, "validation.csv");
        if (!vpath)
            return ffnn_error_nomem(err);
        st = read_table(&t->vtable, vpath, vname ? vname : vpath, err);
        free(vpath);
        if (st)
            return st;
    }
    if ((st = ffnn_tune_base_config(&t->grid, true, &t->base, err)) ||
        (st = ffnn_prep_fit(&t->prep, &t->table, &t->base.prep, err)))
        return st;
    static const char *const prep_keys[] = {"task", "target", "ignore", "columns", "standardize",
                                            "impute"};
    for (int i = 0; i < t->grid.n_hp; i++)
        for (size_t k = 0; k < FFNN_ARRAY_LEN(prep_keys); k++)
            if (strcmp(t->grid.hp[i].name, prep_keys[k]) == 0)
                t->prep_searched = true;
    t->regression = t->prep.task == FFNN_TASK_REGRESSION;
    t->direction = t->grid.tuner.direction;
    if ((st = ffnn_tune_objective(t->grid.tuner.objective, !t->regression, t->prep.n_classes == 2,
                                  &t->field, &t->direction, err)))
        return st;
    return ffnn_tune_split(&t->table, t->has_val ? &t->vtable : NULL, &t->prep,
                           t->grid.tuner.validation_split, t->grid.tuner.seed,
                           t->base.fit.stratify_validation, &t->train, &t->val, err);
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
    char *data = NULL, *vdata = NULL, *tdir = NULL;
    size_t data_len = 0, vdata_len = 0;
    ffnn_tune_hashes stored_hash;
    memset(&stored_hash, 0, sizeof stored_hash);
    bool found = false, made_dir = false, new_search = false, had_lock = true;
    ffnn_status st = FFNN_OK;
    if (!(t->dir = strdup(opt->dir)) || !(t->data_path = ffnn_tune_path(t, "data.csv"))) {
        st = ffnn_error_nomem(err);
        goto fail;
    }
    if (opt->grid &&
        ((st = ffnn_hypergrid_copy(&cmd, opt->grid, err)) ||
         (st = ffnn_hypergrid_check(&cmd, opt->grid_name ? opt->grid_name : "hypergrid", err)) ||
         (st = apply_overrides(&cmd, opt, err))))
        goto fail;
    if (opt->train_path && (st = ffnn_file_read(opt->train_path, &data, &data_len, err)))
        goto fail;
    if (opt->validation_path &&
        (st = ffnn_file_read(opt->validation_path, &vdata, &vdata_len, err)))
        goto fail;
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
    if ((st = ffnn_tune_load_search(t, &stored, &stored_hash, &found, err)))
        goto fail;
    if (found) {
        int stored_iterations = stored.tuner.hyperband_iterations;
        bool same = true;
        if (opt->grid && (st = same_search(&cmd, &stored, &same, err)))
            goto fail;
        if (!same) {
            st = ffnn_error_set(err, FFNN_ECONFIG,
                                "%s: holds a different search (hypergrid, tuner, seed or target "
                                "differ); use --overwrite or another directory", opt->dir);
            goto fail;
        }
        if (data && ffnn_tune_fnv64(data, data_len) != stored_hash.data) {
            st = ffnn_error_set(err, FFNN_ECONFIG,
                                "%s: was searched with different training data than %s; use "
                                "--overwrite or another directory", opt->dir, opt->train_path);
            goto fail;
        }
        if ((st = same_validation(opt, &stored_hash, vdata, vdata_len, data != NULL, err)))
            goto fail;
        t->has_val = stored_hash.has_val;
        if (opt->grid) {
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
            (st = ffnn_tune_save_search(t, &stored_hash, err)))
            goto fail;
    } else {
        if (!opt->grid || !data) {
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
        ffnn_tune_hashes h = {ffnn_tune_fnv64(data, data_len), vdata != NULL,
                              vdata ? ffnn_tune_fnv64(vdata, vdata_len) : 0};
        t->has_val = h.has_val;
        char *vpath = vdata ? ffnn_tune_path(t, "validation.csv") : NULL;
        if (vdata && !vpath) {
            st = ffnn_error_nomem(err);
            goto fail;
        }
        if ((st = ffnn_file_write_atomic(t->data_path, data, data_len, -1, true, err)) ||
            (vdata && (st = ffnn_file_write_atomic(vpath, vdata, vdata_len, -1, true, err))) ||
            (st = ffnn_tune_save_search(t, &h, err))) {
            free(vpath);
            goto fail;
        }
        free(vpath);
    }
    tdir = ffnn_tune_path(t, "trials");
    if (!tdir)
        st = ffnn_error_nomem(err);
    if (st || (st = make_dir(tdir, err)))
        goto fail;
    ffnn_oracle_init(&t->oracle, &t->grid, FFNN_MODE_MAX);
    if ((st = prepare_data(t, data ? opt->train_path : t->data_path,
                           vdata ? opt->validation_path : NULL, err)))
        goto fail;
    t->oracle.direction = t->direction;
    if ((st = ffnn_tune_load_oracle(t, err)))
        goto fail;
    /* --iterations may extend (or end) a search. */
    ffnn_oracle_resume(&t->oracle);
    free(tdir);
    free(data);
    free(vdata);
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
    free(vdata);
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
    ffnn_config_release(&t->base);
    ffnn_data_release(&t->train);
    ffnn_data_release(&t->val);
    ffnn_prep_release(&t->prep);
    ffnn_table_release(&t->table);
    ffnn_table_release(&t->vtable);
    if (t->lock_fd >= 0)
        close(t->lock_fd);
    free(t->dir);
    free(t->data_path);
    free(t);
}

int ffnn_tune_n_trials(const ffnn_tune *t)
{
    return t->oracle.n_trials;
}

const ffnn_trial *ffnn_tune_trial(const ffnn_tune *t, int id)
{
    return &t->oracle.trials[id];
}

int ffnn_tune_ranking(const ffnn_tune *t, int *order)
{
    return ffnn_oracle_ranking(&t->oracle, order);
}

ffnn_mode ffnn_tune_direction(const ffnn_tune *t)
{
    return t->oracle.direction;
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

bool ffnn_tune_exhausted(const ffnn_tune *t)
{
    return t->oracle.exhausted;
}

int ffnn_tune_configurations(const ffnn_tune *t)
{
    return ffnn_oracle_configurations(&t->oracle);
}
