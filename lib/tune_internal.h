/* ffnn — what the files of the tune module share, and what the tests and
 * fuzz harnesses reach below the public face of ffnn/tune.h (not
 * installed): the sampling rules, trial configs, the Hyperband schedule, the
 * objective, the oracle and its algorithms, the open search, the
 * directory's files.  Sections follow the files, lowest first. */
#ifndef FFNN_TUNE_INTERNAL_H
#define FFNN_TUNE_INTERNAL_H

#include <limits.h>
#include <stdio.h>
#include "ffnn/dataset.h"
#include "ffnn/tune.h"

/* FNV-1a, 64 bits: the data file's hash in search.json, the duplicate check
 * of sampled values. */
static inline uint64_t ffnn_tune_fnv64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* a * b for a, b >= 0, LONG_MAX when that is more: the planned totals of a
 * search (hyperband_iterations 1e9 plans 5e9 trials) and the grid's size. */
static inline long ffnn_tune_product(long a, long b)
{
    return a > 0 && b > LONG_MAX / a ? LONG_MAX : a * b;
}

/* ---- tune_space.c: the hypergrid and keras-tuner's sampling rules -------- */

const char *ffnn_hp_sampling_name(ffnn_hp_sampling s);
int ffnn_hp_sampling_parse(const char *name);
/* Number of grid points, or -1 for a continuous Float. */
long ffnn_hp_grid_size(const ffnn_hp *hp);
/* keras-tuner's prob_to_value: u in [0,1) -> a new cJSON value (number,
 * string, bool, array or object).  Int/Float step grids follow KT exactly,
 * including Python's float floor division (Float 0..0.5 step 0.1 never
 * yields 0.5). */
struct cJSON *ffnn_hp_value(const ffnn_hp *hp, double u);
/* The i-th grid point (0 <= i < grid size). */
struct cJSON *ffnn_hp_grid_value(const ffnn_hp *hp, long i);
/* floor(u / (1/n)), clamped to n-1 (KT hp_utils.prob_to_index). */
long ffnn_prob_to_index(double u, long n);
/* Python's float a // b. */
double ffnn_py_floordiv(double a, double b);

/* The parser of ffnn_hypergrid_parse on a parsed tree (search.json's
 * "search"), and the tree ffnn_hypergrid_to_json prints (NULL when out of
 * memory). */
ffnn_status ffnn_hypergrid_from_json(ffnn_hypergrid *g, const struct cJSON *root, const char *name,
                                     ffnn_error *err);
struct cJSON *ffnn_hypergrid_json(const ffnn_hypergrid *g);
/* Deep copy; dst released by the caller (left empty on error). */
ffnn_status ffnn_hypergrid_copy(ffnn_hypergrid *dst, const ffnn_hypergrid *src, ffnn_error *err);
/* The checks across keys that settings changed after parsing (ffnn-tune's
 * flags) can break: an objective name, a step or values for every
 * hyperparameter of a grid search, and without max_trials at most
 * FFNN_TUNE_MAX_GRID grid points.  FFNN_ECONFIG "name: ...", the parser's
 * messages. */
ffnn_status ffnn_hypergrid_check(const ffnn_hypergrid *g, const char *name, ffnn_error *err);

/* Normalised wrapped form (every tuner key), malloc'd; parses back equal:
 * what two grids are compared by. */
char *ffnn_hypergrid_to_json(const ffnn_hypergrid *g);

/* ---- tune_config.c: a trial's values -> a training config ------------------ */

/* The tutorial hypermodel's hyperparameter names. */
extern const char *const ffnn_hypermodel_names[5];
bool ffnn_tune_hypermodel_name(const char *s);
/* Applies {path: value} (a dotted path: nested objects) onto a default
 * config: whether the searched config key accepts the value (messages
 * "file: path: ..."). */
ffnn_status ffnn_tune_probe_key(const char *path, const struct cJSON *value, const char *file,
                                ffnn_error *err);
/* The config every trial of g starts from: the defaults, epochs max_epochs,
 * the tutorial's EarlyStopping(monitor="loss", patience=5) passed to
 * search(), then g->fit.  For the final fit (search false) the same, on
 * every training row: validation_split 0, and a callback that monitors a
 * val_ quantity off (Keras skips a callback whose monitor is missing).
 * *cfg must be released by the caller (also on error). */
ffnn_status ffnn_tune_base_config(const ffnn_hypergrid *g, bool search, ffnn_config *cfg,
                                  ffnn_error *err);
/* base with the hyperparameter values applied (tutorial names mapped to
 * layers and optimizer when hypermodel, other names as config keys;
 * messages "hyperparameters: ..."), then seed.  *cfg must be released by
 * the caller (also on error). */
ffnn_status ffnn_tune_trial_config(const ffnn_config *base, bool hypermodel,
                                   const struct cJSON *values, uint64_t seed, ffnn_config *cfg,
                                   ffnn_error *err);
/* The config for hyperparameter values `values`: ffnn_tune_base_config
 * (search or final fit), then the values (tutorial names mapped to
 * layers/optimizer, other names applied as config keys), then seed.  *cfg
 * must be released by the caller (also on error).  A search builds the base
 * once and each trial's config from it, ffnn_tune_trial_config. */
ffnn_status ffnn_tune_config(const ffnn_hypergrid *g, const struct cJSON *values, uint64_t seed,
                             bool search, ffnn_config *cfg, ffnn_error *err);

/* ---- tune_hyperband.c: the schedule (KT tuners/hyperband.py, the same
 * double expressions) ----------------------------------------------------- */

int ffnn_hyperband_brackets(int max_epochs, int factor);
/* Trials in round r of bracket b. */
int ffnn_hyperband_size(int max_epochs, int factor, int b, int r);
/* Cumulative epochs a trial of round r of bracket b reaches. */
int ffnn_hyperband_epochs(int max_epochs, int factor, int b, int r);

typedef struct {
    long trials;    /* trials created */
    long epochs;    /* epochs trained (promotions train only the increment) */
    long configs;   /* random configurations (round-0 trials) */
} ffnn_schedule_totals;
/* Totals of one Hyperband iteration. */
ffnn_schedule_totals ffnn_hyperband_totals(int max_epochs, int factor);

/* ---- tune_oracle.c: objective, trials, the oracle and its algorithms ---- */

/* The epoch-log value an objective reads: the loss or a metric, of the
 * training or the validation rows. */
typedef struct {
    bool val;                 /* val_ */
    int metric;               /* ffnn_metric_id, or -1: the loss */
} ffnn_objective_field;

/* Resolves an objective name (Keras's: "val_" + loss or a metric name or
 * alias of metrics.h) for a task: the task must compute it (auc: binary
 * classification only), else FFNN_ECONFIG "tuner.objective: unknown
 * objective \"x\"; known: ..." listing the task's names.  The direction is
 * Keras's (loss and errors min, accuracy-like and auc max) unless *dir is
 * already MIN/MAX. */
ffnn_status ffnn_tune_objective(const char *name, bool classification, bool binary,
                                ffnn_objective_field *field, ffnn_mode *dir, ffnn_error *err);
double ffnn_objective_value(const ffnn_epoch_log *log, ffnn_objective_field f);

void ffnn_trial_release(ffnn_trial *t);

typedef struct ffnn_oracle_algo ffnn_oracle_algo;

/* A trial drawn ahead of the sequential order (ffnn_oracle_draw_ahead). */
typedef struct {
    ffnn_trial trial;         /* id: the id it is expected to get, -1 when unknown */
    uint64_t seed_state;      /* the oracle's seed_state after its draw */
} ffnn_ahead;

/* Oracle state: the schedule position (oracle.json) plus the trials. */
typedef struct ffnn_oracle {
    const ffnn_hypergrid *grid;
    const ffnn_oracle_algo *algo;   /* the search algorithm */
    ffnn_mode direction;      /* resolved MIN/MAX */
    int iteration, bracket, round;
    uint64_t seed_state;      /* KT's _seed_state: one per sampled value */
    bool exhausted;           /* sampling hit the collision limit: no new configs */
    bool done;                /* nothing more will be created */
    int n_trials, cap;
    ffnn_trial *trials;
    uint64_t *hashes;         /* value hashes of random trials and draws ahead */
    int n_hashes, cap_hashes;
    /* Trials the sequential order creates next among its random draws,
     * whatever the scores, drawn ahead of it and not created yet (never
     * saved: a resumed search draws them again). */
    ffnn_ahead *ahead;
    int n_ahead, cap_ahead;
    long ahead_taken;         /* draws ahead created so far: ahead[0]'s sequence number */
    uint64_t ahead_state;     /* seed_state after the last draw ahead */
    bool ahead_exhausted;     /* the draws ran out after the last of ahead[] */
} ffnn_oracle;

void ffnn_oracle_init(ffnn_oracle *o, const ffnn_hypergrid *g, ffnn_mode direction);
void ffnn_oracle_release(ffnn_oracle *o);
/* Creates every trial that can be created now, in keras-tuner's sequential
 * order: a whole round at a time, a promotion round only once the previous
 * round has no pending trial (so results never depend on timing).  *n_new
 * gets the number created (ids o->n_trials - *n_new ...).  Sets o->done when
 * the search has nothing left to create. */
ffnn_status ffnn_oracle_advance(ffnn_oracle *o, int *n_new, ffnn_error *err);
/* True when no trial is pending and o->done. */
bool ffnn_oracle_finished(const ffnn_oracle *o);
/* Completed trials ranked best first (stable: creation order among ties);
 * returns the count, ids in order[] (n_trials entries). */
int ffnn_oracle_ranking(const ffnn_oracle *o, int *order);
/* Configurations tried: the trials that continue no other. */
int ffnn_oracle_configurations(const ffnn_oracle *o);
/* The failed trial that ends the first run of k failed trials in a row, in
 * id order, among the trials before the first pending one (a sequential run
 * has seen no other), or NULL: the same answer whatever ran in parallel or
 * ended first.  scan (NULL: from the first trial) carries where the last
 * call stopped, for a caller whose ended trials stay ended: start it at
 * {0, 0}. */
typedef struct {
    int next;                 /* the first trial not counted yet */
    int run;                  /* failures in a row just before it */
} ffnn_failure_scan;
const ffnn_trial *ffnn_oracle_failure_run(const ffnn_oracle *o, int k, ffnn_failure_scan *scan);
/* Restores a trial list read back (hashes of random trials rebuilt). */
ffnn_status ffnn_oracle_add_trial(ffnn_oracle *o, const ffnn_trial *t, ffnn_error *err);

/* A search algorithm: the order in which the oracle creates trials.  What
 * every algorithm shares (the trials, sampling without duplicates, the
 * ranking) is the oracle's; Hyperband is tune_hyperband.c, random and grid
 * search are tune_oracle.c.  A new algorithm is one more of these, chosen by
 * ffnn_oracle_algo_of.  Members that may be NULL say so. */
struct ffnn_oracle_algo {
    /* Its values are sampled at random, so a parent-less trial's values must
     * differ from every earlier one's (keras-tuner's _random_values). */
    bool sampled;
    /* Positions a new oracle before its first trial (may be NULL). */
    void (*start)(ffnn_oracle *o);
    /* Creates every trial that can be created now, in the order a
     * sequential keras-tuner run creates them, and sets o->done when the
     * search has nothing left to create. */
    ffnn_status (*advance)(ffnn_oracle *o, ffnn_error *err);
    /* After the state is read back, with this run's tuner options (may be
     * NULL). */
    void (*resume)(ffnn_oracle *o);
    /* Whether the position and trials read back are ones this algorithm can
     * have made: else FFNN_EDATA "path: ... does not fit the search; use
     * --overwrite to start afresh". */
    ffnn_status (*check)(const ffnn_oracle *o, const char *path, ffnn_error *err);
    /* Whether trial tr must leave its best-epoch weights for a trial that
     * continues it (may be NULL: no trial continues another). */
    bool (*needs_checkpoint)(const ffnn_trial *tr);
    /* Marks in stale[] (n_trials entries, false on entry) the trials from
     * `from` on whose checkpoint nothing can need any more; false when out
     * of memory (may be NULL when needs_checkpoint is). */
    bool (*stale_checkpoints)(const ffnn_oracle *o, int from, bool *stale);
    /* Appends to o->ahead the next random draws the sequential order will
     * make whatever the scores (Hyperband: the next bracket's first round),
     * ids unknown, or nothing when no draw is independent of the scores
     * still to come (may be NULL: nothing is ever drawn ahead). */
    ffnn_status (*draw_ahead)(ffnn_oracle *o, ffnn_error *err);
    /* Sets each o->ahead[k].trial.id to the id the sequential order gives it
     * if every trial that has not ended completes (may be NULL when
     * draw_ahead is). */
    void (*expect_ids)(ffnn_oracle *o);
    /* Trials and epochs (of one execution) of the whole search, as far as
     * they are known now. */
    void (*expected)(const ffnn_oracle *o, long *trials, long *epochs);
    /* The table of ffnn-tune --schedule. */
    int (*schedule_write)(const ffnn_tune_options *tu, long grid_points, FILE *fp);
};

extern const ffnn_oracle_algo ffnn_hyperband_algo;
extern const ffnn_oracle_algo ffnn_bayes_algo;
const ffnn_oracle_algo *ffnn_oracle_algo_of(ffnn_tune_algorithm a);
/* Random and grid search's expected and check, which the Bayesian search
 * shares: max_trials trials of max_epochs (the trials made once done), and
 * no trial continuing another. */
void ffnn_oracle_expected_flat(const ffnn_oracle *o, long *trials, long *epochs);
ffnn_status ffnn_oracle_check_flat(const ffnn_oracle *o, const char *path, ffnn_error *err);

/* Appends a trial with values (taken, also on error): id next, no parent,
 * pending; NULL when out of memory. */
ffnn_trial *ffnn_oracle_new_trial(ffnn_oracle *o, struct cJSON *values, ffnn_error *err);
/* A new round-0 trial of o's position training epochs epochs, its values
 * sampled anew (stream (seed, FFNN_RNG_SAMPLE, seed_state++) per value)
 * until they differ from every earlier trial's; after 20 repeats none is
 * created and o->exhausted and o->done are set.  The first draw ahead, when
 * there is one, is that draw already made: it is created instead. */
ffnn_status ffnn_oracle_create_random(ffnn_oracle *o, int epochs, ffnn_error *err);
/* Draws up to n values ahead (after every earlier draw, ahead or not) as
 * trials of iteration it, bracket b, round 0, epochs epochs, appended to
 * o->ahead with id -1; stops early, setting o->ahead_exhausted, where
 * create_random would set o->exhausted. */
ffnn_status ffnn_oracle_append_ahead(ffnn_oracle *o, int it, int b, int epochs, int n,
                                     ffnn_error *err);
/* The algorithm's draw_ahead (nothing once the search is done or the draws
 * ran out); *n_new gets the number drawn. */
ffnn_status ffnn_oracle_draw_ahead(ffnn_oracle *o, int *n_new, ffnn_error *err);
/* The algorithm's expect_ids. */
void ffnn_oracle_expect_ids(ffnn_oracle *o);
/* The completed trials among ids[0..n), best first (stable), into out;
 * returns their count, -1 when out of memory. */
int ffnn_oracle_rank(const ffnn_oracle *o, const int *ids, int n, int *out);
/* After the state is read back: the algorithm's resume. */
void ffnn_oracle_resume(ffnn_oracle *o);
bool ffnn_oracle_needs_checkpoint(const ffnn_oracle *o, const ffnn_trial *tr);
/* FFNN_EDATA "path: trial NNNN (iteration i, bracket b, round r) does not
 * fit the search; ...". */
ffnn_status ffnn_oracle_misfit(const ffnn_oracle *o, int i, const char *path, ffnn_error *err);

/* ---- tune_bayes.c: keras-tuner's BayesianOptimization ------------------------ */

/* keras-tuner's value_to_prob, the inverse of ffnn_hp_value: where value v
 * of hp lies in [0,1].  A Choice or a stepped Int/Float: the centre of its
 * bucket, (index + 0.5) * (1/n) (the linear index by Python's floor
 * division, the log ones unrounded, as KT computes them); a Float without
 * step: (v - min)/(max - min) or its log/reverse_log form; an Int without
 * step: the same of v + 0.5 within [min, max + 1]; 0.5 for a Fixed hp or
 * max == min.  NaN when v is not a number, or not one of a Choice's values. */
double ffnn_hp_value_to_prob(const ffnn_hp *hp, const struct cJSON *v);
/* Completed trials before the first Gaussian-process proposal:
 * tuner.num_initial_points, or max(3 x hyperparameters, 3), Fixed ones
 * counted as keras-tuner counts them. */
int ffnn_bayes_initial_points(const ffnn_hypergrid *g);

/* ---- the open search ------------------------------------------------------- */

struct ffnn_tune {
    char *dir;
    char *data_path;            /* DIR/data.csv */
    int lock_fd;
    int read_only;              /* why DIR/lock could not be opened for writing (an
                                   errno: EROFS, EACCES), or 0: then only a finished
                                   search can be opened, to be read */
    unsigned file_mode;         /* 0666 & ~umask, for trial files */
    ffnn_hypergrid grid;        /* with -s/-T/-i/--iterations applied */
    ffnn_config base;           /* every search trial's config before its values */
    ffnn_oracle oracle;
    ffnn_objective_field field; /* what the objective reads */
    ffnn_mode direction;
    bool regression;
    /* Search data, shared read-only by the workers when no preprocessing key
     * is searched (prep_searched false): training and validation rows. */
    ffnn_table table;
    ffnn_table vtable;          /* --validation's rows (validation.csv), or empty */
    bool has_val;
    bool prep_searched;
    ffnn_prep prep;
    ffnn_data train, val;
};

/* ---- tune_codec.c: the directory's files ---------------------------------- */

/* DIR/<fmt...>, malloc'd (NULL when out of memory). */
char *ffnn_tune_path(const ffnn_tune *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ffnn_status ffnn_tune_save_trial(const ffnn_tune *t, const ffnn_trial *tr, ffnn_error *err);
/* oracle.json: the schedule position and the definitions of every pending
 * trial. */
ffnn_status ffnn_tune_save_oracle(const ffnn_tune *t, ffnn_error *err);
/* Reads oracle.json (none: a new search, nothing to do) and the trial files
 * into t->oracle, then marks which checkpoints exist. */
ffnn_status ffnn_tune_load_oracle(ffnn_tune *t, ffnn_error *err);
/* Fingerprints (ffnn_tune_fnv64) of the search's data files: data.csv and,
 * when the search validates on rows of their own (--validation),
 * validation.csv. */
typedef struct {
    uint64_t data;
    bool has_val;
    uint64_t val;
} ffnn_tune_hashes;

/* search.json: t->grid and the data files' fingerprints (synced to disk). */
ffnn_status ffnn_tune_save_search(const ffnn_tune *t, const ffnn_tune_hashes *h, ffnn_error *err);
/* Reads search.json into *g and *h; *found false (and OK) when the directory
 * has none. */
ffnn_status ffnn_tune_load_search(const ffnn_tune *t, ffnn_hypergrid *g, ffnn_tune_hashes *h,
                                  bool *found, ffnn_error *err);
/* Reads trials/NNNN.json back into *tr (status, score, result); FFNN_EDATA if
 * missing or unreadable. */
ffnn_status ffnn_tune_load_trial(const ffnn_tune *t, int id, ffnn_trial *tr, ffnn_error *err);
/* The parsers behind the loaders, on text already read (name for messages);
 * exposed for tests/fuzz.  A trial file's text (NULL = missing) for trial id;
 * oracle.json's text into t->oracle, trials without a result file in t->dir
 * taken from its "pending" list; search.json's text into the stored
 * hypergrid *g and the data files' fingerprints. */
ffnn_status ffnn_tune_trial_parse(const char *text, int id, const char *name, ffnn_trial *tr,
                                  ffnn_error *err);
ffnn_status ffnn_tune_oracle_parse(ffnn_tune *t, const char *text, const char *name,
                                   ffnn_error *err);
ffnn_status ffnn_tune_search_parse(const char *text, const char *name, ffnn_hypergrid *g,
                                   ffnn_tune_hashes *h, ffnn_error *err);

/* ---- tune_trial.c: one trial's training ------------------------------------ */

/* Trains trial tr (a private copy of the oracle's: id, values, parent,
 * epochs) and records its outcome in tr: completed with its score and
 * executions (also when its loss or weights became NaN/Inf, as Keras's fit
 * carries on: its best finite epoch's score), or failed with the message
 * after max_retries_per_trial more runs (tr->retries: the runs before the
 * last).  Its seeds come from the seed, tr->id and the run alone.  When a
 * later round may continue it, its best-epoch weights go to
 * trials/NNNN.ffnn (keep NULL; tr->checkpoint set), or stay in the model
 * *keep (the caller's; NULL when none is needed).  Returns non-OK only for
 * what must stop the search (memory, writing files, FFNN_ECANCELED): a
 * training problem makes the trial failed. */
ffnn_status ffnn_tune_execute(const ffnn_tune *t, ffnn_trial *tr, ffnn_model **keep,
                              ffnn_error *err);
/* One run (tr->retries) of trial tr, continuing start (n_start weights: its
 * parent's best epoch) or, when NULL, from a fresh init of the trial's
 * streams; the outcome in tr.  On completion, when model is not NULL,
 * *model gets the model holding the trial's best-epoch weights (the
 * caller's).  Returns as ffnn_tune_execute. */
ffnn_status ffnn_tune_train(const ffnn_tune *t, ffnn_trial *tr, const float *start,
                            size_t n_start, ffnn_model **model, ffnn_error *err);
/* Writes m, trial id's best-epoch model, to trials/NNNN.ffnn: a model
 * file, or the raw float32 weights when they are not all finite (a model
 * file refuses them). */
ffnn_status ffnn_tune_write_checkpoint(const ffnn_tune *t, int id, const ffnn_model *m,
                                       ffnn_error *err);
/* A private copy of trial src for a run (values duplicated; no result or
 * message). */
ffnn_status ffnn_trial_copy(const ffnn_trial *src, ffnn_trial *dst, ffnn_error *err);
/* Moves a run's outcome (job) into dst, the oracle's trial; releases job. */
void ffnn_trial_apply(ffnn_trial *dst, ffnn_trial *job);

/* ---- tune_run.c: the executors' entry points, the best config ---------------- */

/* FFNN_EDATA "K trials failed in a row (last: trial NNNN: message)" when a
 * sequential run stops now (ffnn_oracle_failure_run; scan as its). */
ffnn_status ffnn_tune_check_failures(const ffnn_tune *t, ffnn_failure_scan *scan,
                                     ffnn_error *err);

/* ---- tune_dir.c: the directory ---------------------------------------------- */

/* The training and validation rows of every trial, encoded with prep: with
 * a validation table vtab (--validation), every row of tab trains and vtab's
 * validate (ffnn_validation_data); else a seeded sample of tab (seed,
 * FFNN_RNG_SPLIT, 1), stratified for classification, validates, as
 * ffnn_fit's validation_split does. */
ffnn_status ffnn_tune_split(const ffnn_table *tab, const ffnn_table *vtab, const ffnn_prep *prep,
                            double fraction, uint64_t seed, bool stratify, ffnn_data *train,
                            ffnn_data *val, ffnn_error *err);

/* Removes the checkpoints nothing can need any more (the algorithm's
 * stale_checkpoints); best effort: out of memory leaves them for the next
 * call. */
void ffnn_tune_cleanup_checkpoints(ffnn_tune *t);

#endif
