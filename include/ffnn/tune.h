/* ffnn — hyperparameter search: the hypergrid (search space), keras-tuner's
 * Hyperband schedule and oracle, random and grid search, the tune directory
 * and the runner (keras-semantics.md §1–§2; ffnn-tune(1), ffnn-hypergrid(5)).
 *
 * Layers inside the module: tune_space.c (hypergrid, sampling, trial
 * configs), tune_hyperband.c (schedule, oracle, objective, ranking),
 * tune_store.c (directory, lock, atomic files), tune_run.c (trial execution,
 * thread pool, final retrain).
 */
#ifndef FFNN_TUNE_H
#define FFNN_TUNE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/config.h"
#include "ffnn/model.h"
#include "ffnn/train.h"

struct cJSON;

/* ---- search space ------------------------------------------------------ */

typedef enum { FFNN_HP_FIXED = 0, FFNN_HP_CHOICE, FFNN_HP_INT, FFNN_HP_FLOAT } ffnn_hp_kind;
typedef enum { FFNN_HP_LINEAR = 0, FFNN_HP_LOG, FFNN_HP_REVERSE_LOG } ffnn_hp_sampling;
const char *ffnn_hp_sampling_name(ffnn_hp_sampling s);
int ffnn_hp_sampling_parse(const char *name);

/* One hyperparameter, as keras-tuner's hp.Fixed / Choice / Int / Float. */
typedef struct {
    char *name;               /* "width", or a config key ("batch_size", "optimizer.beta_1") */
    ffnn_hp_kind kind;
    ffnn_hp_sampling sampling;
    double min, max, step;    /* Int/Float; step 0 = none (continuous Float) */
    struct cJSON *values;     /* Choice: the values (array); Fixed: array of one */
} ffnn_hp;

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

typedef enum { FFNN_TUNE_HYPERBAND = 0, FFNN_TUNE_RANDOM, FFNN_TUNE_GRID } ffnn_tune_algorithm;
const char *ffnn_tune_algorithm_name(ffnn_tune_algorithm a);
int ffnn_tune_algorithm_parse(const char *name);

/* The "tuner" object.  Defaults (ffnn_tune_options_default): hyperband,
 * max_epochs 150, factor 3, hyperband_iterations 1, objective
 * "val_accuracy" (direction inferred), executions_per_trial 1, max_trials 10
 * (random/grid; 0 = the whole grid), validation_split 0.2, seed 0,
 * max_consecutive_failed_trials 3. */
typedef struct {
    ffnn_tune_algorithm algorithm;
    int max_epochs;
    int factor;
    int hyperband_iterations;
    int executions_per_trial;
    int max_trials;
    char objective[64];
    ffnn_mode direction;      /* AUTO: inferred from the name */
    double validation_split;
    uint64_t seed;
    bool has_seed;
    int max_consecutive_failed_trials;
} ffnn_tune_options;

ffnn_tune_options ffnn_tune_options_default(void);

/* The tutorial hypermodel's names and defaults (width 12, depth 1, droprate
 * 0.8, relu, learning_rate 0.01): `depth` hidden Dense(width, activation)
 * layers each followed by Dropout(droprate); adam(learning_rate). */
extern const char *const ffnn_hypermodel_names[5];

typedef struct {
    int n_hp;
    ffnn_hp *hp;              /* in file order (the sampling order) */
    bool hypermodel;          /* at least one tutorial name is searched or fixed */
    ffnn_tune_options tuner;
    struct cJSON *fit;        /* fixed config keys (an object, never NULL) */
} ffnn_hypergrid;

/* Parses a hypergrid: the bare dictionary {"width":{...},...} or the wrapped
 * form {"hypergrid":{...},"tuner":{...},"fit":{...}}.  Errors are
 * FFNN_ECONFIG "<name>: <key path>: <what>", unknown keys with a suggestion:
 * `hypergrid.json: width.stp: unknown key; did you mean "step"?`. */
ffnn_status ffnn_hypergrid_parse(ffnn_hypergrid *g, const char *json, const char *name,
                                 ffnn_error *err);
/* A grid search without max_trials visits every point: at most this many
 * (the parser refuses a larger grid then, naming the file). */
#define FFNN_TUNE_MAX_GRID 1000000000L
/* Points of the grid (the product of the grid sizes), or cap + 1 when more
 * than cap; -1 when a hyperparameter has no grid (a Float without step). */
long ffnn_hypergrid_points(const ffnn_hypergrid *g, long cap);
/* Reads path (missing -> FFNN_ENOINPUT) and parses it. */
ffnn_status ffnn_hypergrid_load(ffnn_hypergrid *g, const char *path, ffnn_error *err);
void ffnn_hypergrid_release(ffnn_hypergrid *g);
/* Normalised wrapped form (every tuner key), malloc'd; parses back equal. */
char *ffnn_hypergrid_to_json(const ffnn_hypergrid *g);

/* The config for hyperparameter values `values`: defaults, then epochs
 * max_epochs and, for a search trial (search true), the tutorial's
 * EarlyStopping(monitor="loss", patience=5) passed to search(); then g->fit,
 * then the values (tutorial names mapped to layers/optimizer, other names
 * applied as config keys), then seed.  The final retrain (search false)
 * trains epochs without that callback unless "fit" asks for one.  *cfg must
 * be released by the caller (also on error). */
ffnn_status ffnn_tune_config(const ffnn_hypergrid *g, const struct cJSON *values, uint64_t seed,
                             bool search, ffnn_config *cfg, ffnn_error *err);

/* ---- Hyperband schedule (KT tuners/hyperband.py, same double expressions) - */

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
/* Prints the schedule table (brackets x rounds) and totals for o. */
int ffnn_tune_schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp);

/* ---- objective ------------------------------------------------------------ */

/* The epoch-log field an objective reads. */
typedef enum {
    FFNN_OBJ_LOSS = 0, FFNN_OBJ_METRIC, FFNN_OBJ_VAL_LOSS, FFNN_OBJ_VAL_METRIC
} ffnn_objective_field;

/* Resolves an objective name for a task: direction per KT's
 * infer_metric_direction (loss/crossentropy -> min, accuracy-like -> max,
 * mae/mse/... -> min) unless *dir is already MIN/MAX; the name must be one the
 * epoch logs hold (loss, val_loss, accuracy/val_accuracy or mae/val_mae),
 * else FFNN_ECONFIG listing the valid names. */
ffnn_status ffnn_tune_objective(const char *name, bool regression, ffnn_objective_field *field,
                                ffnn_mode *dir, ffnn_error *err);
double ffnn_objective_value(const ffnn_epoch_log *log, ffnn_objective_field f);

/* ---- trials and the oracle -------------------------------------------------- */

typedef enum { FFNN_TRIAL_PENDING = 0, FFNN_TRIAL_COMPLETED, FFNN_TRIAL_FAILED } ffnn_trial_status;
const char *ffnn_trial_status_name(ffnn_trial_status s);

typedef struct {
    int id;                   /* creation index; file trials/%04d.json */
    int iteration, bracket, round;
    int parent;               /* trial continued from, -1 for none */
    int initial_epoch, epochs;
    struct cJSON *values;     /* hyperparameter values (object, space order) */
    ffnn_trial_status status;
    double score;             /* NaN unless completed */
    int best_step;            /* int(mean of best-epoch indices within each fit) */
    char *message;            /* failure message or NULL */
    ffnn_status error;        /* failed: the failure's status (not stored in the file) */
    struct cJSON *result;     /* per-execution metrics as stored in the file, or NULL */
    bool promoted;            /* has been promoted (a child exists) */
    bool checkpoint;          /* trials/NNNN.ffnn exists */
} ffnn_trial;

/* Oracle state: the schedule position (oracle.json) plus the trials. */
typedef struct {
    const ffnn_hypergrid *grid;
    ffnn_mode direction;      /* resolved MIN/MAX */
    int iteration, bracket, round;
    uint64_t seed_state;      /* KT's _seed_state: one per sampled value */
    bool exhausted;           /* sampling hit the collision limit: no new configs */
    bool done;                /* nothing more will be created */
    int n_trials, cap;
    ffnn_trial *trials;
    uint64_t *hashes;         /* value hashes of random trials (duplicate check) */
    int n_hashes, cap_hashes;
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
/* Restores a trial list read back (hashes of random trials rebuilt). */
ffnn_status ffnn_oracle_add_trial(ffnn_oracle *o, const ffnn_trial *t, ffnn_error *err);
void ffnn_trial_release(ffnn_trial *t);

/* ---- the tune directory and the runner ------------------------------------- */

typedef struct ffnn_tune ffnn_tune;

typedef enum {
    FFNN_TUNE_LOCK_EXCLUSIVE = 0, /* the built-in runner, --pending */
    FFNN_TUNE_LOCK_SHARED          /* --run-trial: many at once */
} ffnn_tune_lock;

typedef struct {
    const char *dir;
    const char *hypergrid_json;   /* NULL: use the directory's search.json */
    const char *hypergrid_name;   /* for messages */
    const char *train_path;       /* NULL: use the directory's data.csv */
    const char *target;           /* -T, or NULL */
    const char *ignore;           /* -i COL,..., or NULL */
    bool has_seed;
    uint64_t seed;                /* -s */
    int iterations;               /* > 0: override hyperband_iterations (may extend) */
    bool overwrite;
    ffnn_tune_lock lock;
    bool create;                  /* may create the directory */
} ffnn_tune_open_options;

/* Opens (creating or checking) a tune directory and takes its lock.  A
 * directory holding a different search (hypergrid, seed or data) is
 * FFNN_ECONFIG unless overwrite; a lock held elsewhere is FFNN_ECANTCREAT
 * "DIR: in use by another ffnn-tune process". */
ffnn_status ffnn_tune_open(ffnn_tune **out, const ffnn_tune_open_options *opt, ffnn_error *err);
void ffnn_tune_close(ffnn_tune *t);

const ffnn_oracle *ffnn_tune_oracle(const ffnn_tune *t);
const ffnn_hypergrid *ffnn_tune_grid(const ffnn_tune *t);
uint64_t ffnn_tune_seed(const ffnn_tune *t);
const char *ffnn_tune_data_path(const ffnn_tune *t);
/* The preprocessing fitted on the search's data (ffnn_prep_column.constant
 * tells the program what to warn about). */
const ffnn_prep *ffnn_tune_prep(const ffnn_tune *t);

typedef struct {
    int done;                 /* trials finished */
    long total;               /* trials expected in the whole search (at most LONG_MAX) */
    long epochs_done, epochs_total;
    const ffnn_trial *trial;  /* the trial that just finished */
    int best;                 /* best trial id so far or -1 */
    double best_score;
} ffnn_tune_progress;
typedef void (*ffnn_tune_progress_cb)(void *ctx, const ffnn_tune_progress *p);

/* Runs the search to the end with `jobs` threads (pending trials of an
 * interrupted run first).  Trials that fail are recorded as failed;
 * max_consecutive_failed_trials failures in a row (by id) abort with the last
 * message. */
ffnn_status ffnn_tune_run(ffnn_tune *t, int jobs, ffnn_tune_progress_cb cb, void *ctx,
                          ffnn_error *err);
/* Creates what can be created now and returns the pending trial ids
 * (malloc'd, ascending). */
ffnn_status ffnn_tune_pending(ffnn_tune *t, int **ids, int *n, ffnn_error *err);
/* Runs one trial (no-op if already completed).  Unknown id: FFNN_EUSAGE. */
ffnn_status ffnn_tune_run_trial(ffnn_tune *t, int id, ffnn_error *err);
/* Best completed trial's config (seed = the search seed, all training rows:
 * validation_split as in "fit"), or FFNN_EDATA if no trial completed. */
ffnn_status ffnn_tune_best_config(ffnn_tune *t, ffnn_config *cfg, int *best_id, ffnn_error *err);
/* Trains cfg on the CSV at path exactly as ffnn-train does (prep on all rows,
 * init stream (seed, INIT, 0), ffnn_fit), so the model bytes match
 * `ffnn-train -c best.json`. */
ffnn_status ffnn_tune_retrain(const ffnn_config *cfg, const char *path, ffnn_model **out,
                              ffnn_error *err);
/* Result summary as JSON text (objective, direction, best, ranked trials;
 * top 0 = all), malloc'd. */
char *ffnn_tune_summary_json(const ffnn_tune *t, int top);

#endif
