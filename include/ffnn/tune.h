/* ffnn — hyperparameter search (keras-tuner's Hyperband, random and grid
 * search): the hypergrid (search space and tuner settings), the tune
 * directory that holds a search, and the runner (keras-semantics.md §1–§2;
 * ffnn-tune(1), ffnn-hypergrid(5)).
 *
 * The files of the module, lowest first: tune_space.c (the hypergrid and
 * keras-tuner's sampling rules), tune_config.c (a trial's values -> a
 * training config), tune_oracle.c (trials, ranking, the algorithm interface,
 * random and grid search), tune_hyperband.c (the schedule and Hyperband),
 * tune_codec.c (the directory's JSON files, the summary), tune_dir.c
 * (opening a directory, its lock and data), tune_trial.c (one trial's
 * training), tune_pool.c (the built-in runner), tune_run.c (the executors'
 * entry points, the best config).  What they share and the tests use is lib/tune_internal.h;
 * the final retrain is ffnn_train_file.
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

/* ---- the hypergrid ----------------------------------------------------- */

typedef enum { FFNN_HP_FIXED = 0, FFNN_HP_CHOICE, FFNN_HP_INT, FFNN_HP_FLOAT } ffnn_hp_kind;
typedef enum { FFNN_HP_LINEAR = 0, FFNN_HP_LOG, FFNN_HP_REVERSE_LOG } ffnn_hp_sampling;

/* One hyperparameter, as keras-tuner's hp.Fixed / Choice / Int / Float. */
typedef struct {
    char *name;               /* "width", or a config key ("batch_size", "optimizer.beta_1") */
    ffnn_hp_kind kind;
    ffnn_hp_sampling sampling;
    double min, max, step;    /* Int/Float; step 0 = none (continuous Float) */
    struct cJSON *values;     /* Choice: the values (array); Fixed: array of one */
} ffnn_hp;

typedef enum {
    FFNN_TUNE_HYPERBAND = 0, FFNN_TUNE_RANDOM, FFNN_TUNE_GRID, FFNN_TUNE_BAYESIAN
} ffnn_tune_algorithm;
const char *ffnn_tune_algorithm_name(ffnn_tune_algorithm a);
int ffnn_tune_algorithm_parse(const char *name);

/* The "tuner" object.  Defaults (ffnn_tune_options_default): hyperband,
 * max_epochs 150, factor 3, hyperband_iterations 1, objective
 * "val_accuracy" (direction inferred), executions_per_trial 1, max_trials 10
 * (random/grid/bayesian; 0 = the whole grid), validation_split 0.2, seed 0,
 * max_consecutive_failed_trials 3, max_retries_per_trial 0; Bayesian
 * optimisation (keras-tuner's BayesianOptimization): num_initial_points 0
 * (= max(3 x hyperparameters, 3)), alpha 1e-4, beta 2.6, proposal_batch 1. */
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
    int max_retries_per_trial;   /* a failed trial runs again, with other seeds, up to this many
                                    times before it counts as failed (keras-tuner's) */
    int num_initial_points;   /* completed random trials before the GP; 0: the default */
    double alpha;             /* GP noise on the kernel diagonal */
    double beta;              /* acquisition mean - beta*std */
    int proposal_batch;       /* GP trials proposed from one set of results */
} ffnn_tune_options;

ffnn_tune_options ffnn_tune_options_default(void);

/* The tutorial's hypermodel: `depth` hidden Dense(width, activation)
 * layers each followed by Dropout(droprate); adam(learning_rate).  Its
 * hyperparameter names are width, depth, droprate, activation and
 * learning_rate; a trial that does not set one uses the default
 * (ffnn_hypermodel_default: width 12, depth 1, droprate 0.8, relu, adam,
 * learning_rate 0.01). */
typedef struct {
    int width;
    int depth;
    double droprate;
    ffnn_act activation;
    ffnn_optim_kind optimizer;
    double learning_rate;
} ffnn_hypermodel;

ffnn_hypermodel ffnn_hypermodel_default(void);

typedef struct {
    int n_hp;
    ffnn_hp *hp;              /* in file order (the sampling order) */
    bool hypermodel;          /* at least one tutorial name is searched or fixed */
    ffnn_tune_options tuner;
    struct cJSON *fit;        /* fixed config keys as given (an object, never NULL):
                                 search.json stores them so */
} ffnn_hypergrid;

/* Parses a hypergrid: the bare dictionary {"width":{...},...} or the wrapped
 * form {"hypergrid":{...},"tuner":{...},"fit":{...}}.  Errors are
 * FFNN_ECONFIG "<name>: <key path>: <what>", unknown keys with a suggestion:
 * `hypergrid.json: width.stp: unknown key; did you mean "step"?`. */
ffnn_status ffnn_hypergrid_parse(ffnn_hypergrid *g, const char *json, const char *name,
                                 ffnn_error *err);
/* Reads path (missing -> FFNN_ENOINPUT) and parses it. */
ffnn_status ffnn_hypergrid_load(ffnn_hypergrid *g, const char *path, ffnn_error *err);
void ffnn_hypergrid_release(ffnn_hypergrid *g);
/* A grid search without max_trials visits every point: at most this many
 * (the parser refuses a larger grid then, naming the file); with max_trials
 * N it visits the first N points of a grid of any size. */
#define FFNN_TUNE_MAX_GRID 1000000000L
/* Points of the whole grid (the product of every hyperparameter's), -1 when
 * one is a continuous Float; LONG_MAX when the product does not fit. */
long ffnn_hypergrid_points(const ffnn_hypergrid *g);

/* Prints the trial schedule of o (Hyperband's table of brackets x rounds and
 * totals, or the trials of a random or grid search of grid_points points)
 * to fp; -1 on a write error. */
int ffnn_tune_schedule_write(const ffnn_tune_options *o, long grid_points, FILE *fp);

/* ---- trials -------------------------------------------------------------- */

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
    int retries;              /* runs after the first (max_retries_per_trial) */
    ffnn_status error;        /* failed: the failure's status (not stored in the file) */
    struct cJSON *result;     /* per-execution metrics as stored in the file, or NULL */
    bool promoted;            /* has been promoted (a child exists) */
    bool checkpoint;          /* trials/NNNN.ffnn exists */
} ffnn_trial;

/* Every hyperparameter a trial's model is built with, by name, as
 * keras-tuner's best_hyperparameters.values lists them: for a grid of the
 * tutorial's hypermodel its five names first (the trial's value, or the
 * hypermodel's default for a name the grid leaves out), then the trial's
 * other values in space order.  A new object (cJSON_Delete), NULL when out
 * of memory. */
struct cJSON *ffnn_tune_hyperparameters(const ffnn_hypergrid *g, const struct cJSON *values);

/* ---- the tune directory and the runner ------------------------------------- */

typedef struct ffnn_tune ffnn_tune;

typedef enum {
    FFNN_TUNE_LOCK_EXCLUSIVE = 0, /* the built-in runner, --pending */
    FFNN_TUNE_LOCK_SHARED          /* --run-trial: many at once */
} ffnn_tune_lock;

typedef struct {
    const char *dir;
    const ffnn_hypergrid *grid;   /* NULL: use the directory's search.json */
    const char *grid_name;        /* the grid's file, for messages */
    const char *train_path;       /* NULL: use the directory's data.csv */
    const char *validation_path;  /* --validation: the rows every trial validates on, as given
                                     (kept as validation.csv); NULL: the directory's, if any,
                                     else tuner.validation_split of the training rows */
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

/* The trials so far: their count, trial id (0 <= id < count), and the
 * completed ones ranked best first (stable: creation order among ties), ids
 * into order[] (count entries), returning how many (-1: out of memory). */
int ffnn_tune_n_trials(const ffnn_tune *t);
const ffnn_trial *ffnn_tune_trial(const ffnn_tune *t, int id);
int ffnn_tune_ranking(const ffnn_tune *t, int *order);
/* The objective's direction, resolved (MIN or MAX). */
ffnn_mode ffnn_tune_direction(const ffnn_tune *t);
const ffnn_hypergrid *ffnn_tune_grid(const ffnn_tune *t);
uint64_t ffnn_tune_seed(const ffnn_tune *t);
const char *ffnn_tune_data_path(const ffnn_tune *t);
/* The preprocessing fitted on the search's data (ffnn_prep_column.constant
 * tells the program what to warn about). */
const ffnn_prep *ffnn_tune_prep(const ffnn_tune *t);
/* Whether the search ended early because its space is used up: new random
 * configurations kept repeating earlier ones (keras-tuner's "Oracle
 * triggered exit"); and how many distinct configurations it tried (trials
 * that continue no other). */
bool ffnn_tune_exhausted(const ffnn_tune *t);
int ffnn_tune_configurations(const ffnn_tune *t);

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
 * max_consecutive_failed_trials failures in a row abort with the last
 * message, counted in id order up to the first trial still pending, as a
 * sequential run counts them (so the same trial stops the search for any
 * `jobs` and any executor). */
ffnn_status ffnn_tune_run(ffnn_tune *t, int jobs, ffnn_tune_progress_cb cb, void *ctx,
                          ffnn_error *err);
/* Creates what can be created now and returns the pending trial ids
 * (malloc'd, ascending).  Handing out trials that were pending already
 * rewrites the oracle, so a directory that takes no writes (a full disk)
 * fails here (FFNN_ECANTCREAT, FFNN_EIO) as their runs would. */
ffnn_status ffnn_tune_pending(ffnn_tune *t, int **ids, int *n, ffnn_error *err);
/* Runs one trial (no-op if already completed).  Unknown id: FFNN_EUSAGE. */
ffnn_status ffnn_tune_run_trial(ffnn_tune *t, int id, ffnn_error *err);
/* Best completed trial's config for the tutorial's final fit: the search's
 * fit settings and callbacks (EarlyStopping(monitor="loss", patience=5)
 * unless "fit" says otherwise), every training row, no validation rows,
 * seed = the search seed; FFNN_EDATA if no trial completed.  ffnn_train_file
 * trains it as `ffnn-train -c` does. */
ffnn_status ffnn_tune_best_config(ffnn_tune *t, ffnn_config *cfg, int *best_id, ffnn_error *err);
/* keras-tuner's other answer, get_best_models()[0]: the best completed
 * trial's own model, the best epoch of its training on the search's
 * training rows (what its checkpoint holds: a promotion continues it).  It
 * is trained again from the first trial of its chain, each trial from its
 * parent's best epoch, with the search's seeds, so it needs no file the
 * search removed; a trial that does not give its recorded score again is
 * FFNN_EINTERNAL.  FFNN_EDATA if no trial completed.  *out (NULL on error)
 * is destroyed by the caller. */
ffnn_status ffnn_tune_best_model(ffnn_tune *t, ffnn_model **out, int *best_id, ffnn_error *err);
/* Result summary as JSON text (objective, direction, best, ranked trials;
 * top 0 = all), malloc'd. */
char *ffnn_tune_summary_json(const ffnn_tune *t, int top);

#endif
