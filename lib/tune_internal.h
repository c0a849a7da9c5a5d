/* ffnn — state shared by lib/tune_store.c and lib/tune_run.c (not installed). */
#ifndef FFNN_TUNE_INTERNAL_H
#define FFNN_TUNE_INTERNAL_H

#include "ffnn/dataset.h"
#include "ffnn/tune.h"

struct ffnn_tune {
    char *dir;
    char *data_path;            /* DIR/data.csv */
    int lock_fd;
    int read_only;              /* why DIR/lock could not be opened for writing (an
                                   errno: EROFS, EACCES), or 0: then only a finished
                                   search can be opened, to be read */
    unsigned file_mode;         /* 0666 & ~umask, for trial files */
    ffnn_hypergrid grid;        /* with -s/-T/-i/--iterations applied */
    ffnn_oracle oracle;
    ffnn_objective_field field; /* what the objective reads */
    ffnn_mode direction;
    bool regression;
    /* Search data, shared read-only by the workers when no preprocessing key
     * is searched (prep_searched false): training and validation rows. */
    ffnn_table table;
    bool prep_searched;
    ffnn_prep prep;
    ffnn_data train, val;
};

/* Splits a table into training and validation rows with prep: a seeded
 * sample (seed, FFNN_RNG_SPLIT, 1), stratified for classification, as
 * ffnn_fit's validation_split does; the same rows for every trial. */
ffnn_status ffnn_tune_split(const ffnn_table *tab, const ffnn_prep *prep, double fraction,
                            uint64_t seed, bool stratify, ffnn_data *train, ffnn_data *val,
                            ffnn_error *err);

/* Files of the directory. */
char *ffnn_tune_path(const ffnn_tune *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ffnn_status ffnn_tune_save_trial(const ffnn_tune *t, const ffnn_trial *tr, ffnn_error *err);
ffnn_status ffnn_tune_save_oracle(const ffnn_tune *t, ffnn_error *err);
/* Reads trials/NNNN.json back into *tr (status, score, result); FFNN_EDATA if
 * missing or unreadable. */
ffnn_status ffnn_tune_load_trial(const ffnn_tune *t, int id, ffnn_trial *tr, ffnn_error *err);
/* The parsers behind the loaders, on text already read (name for messages);
 * exposed for tests/fuzz.  A trial file's text (NULL = missing) for trial id;
 * oracle.json's text into t->oracle, trials without a result file in t->dir
 * taken from its "pending" list; search.json's text into the stored
 * hypergrid *g and data hash. */
ffnn_status ffnn_tune_trial_parse(const char *text, int id, const char *name, ffnn_trial *tr,
                                  ffnn_error *err);
ffnn_status ffnn_tune_oracle_parse(ffnn_tune *t, const char *text, const char *name,
                                   ffnn_error *err);
ffnn_status ffnn_tune_search_parse(const char *text, const char *name, ffnn_hypergrid *g,
                                   uint64_t *data_hash, ffnn_error *err);
/* Removes checkpoints no later round can need; returns nothing (best effort). */
void ffnn_tune_cleanup_checkpoints(ffnn_tune *t);
/* Whether trial tr must leave a checkpoint for a possible promotion. */
bool ffnn_tune_needs_checkpoint(const ffnn_tune *t, const ffnn_trial *tr);

#endif
