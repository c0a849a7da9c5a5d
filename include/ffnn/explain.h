/* ffnn — explaining a model: SHAP values (DeepSHAP, exact interventional
 * Shapley, KernelSHAP) and permutation importance (ffnn-explain(1)).
 *
 * Features are the user's raw columns, not the network's encoded inputs: a
 * numeric column is one input (standardisation is an affine map of it, so
 * masking or attributing the encoded input is the same as the raw value); a
 * categorical column is all of its one-hot inputs, switched on and off
 * together and summed for DeepSHAP.  A model built by hand (no feature
 * columns in its prep) has one feature per input, named x1, x2, ...
 *
 * Rows (X) and the background (Bg) are encoded rows, n_in floats each, as
 * ffnn_data_from_table produces them.  All sums are accumulated in double.
 * Given the same inputs, options and seed, results are bit-identical, for
 * any number of threads.
 *
 * Methods (reference: shap-semantics.md):
 *  - deep: DeepLIFT rescale rule against each background row, averaged
 *    (shap.DeepExplainer).  |Δz| < 1e-6 falls back to f'(z) at the
 *    reference.  A softmax layer follows opt->softmax_rule: shap's
 *    TensorFlow handler (exp, sum and a 2-player Shapley split of the
 *    division; a feature's values over the classes sum to 0), or shap's
 *    PyTorch nn.Softmax rule (elementwise rescale Δp_c/Δz_c, the softmax
 *    Jacobian at the reference where |Δz| < 1e-6).  Either way values add
 *    up to the change in each probability.
 *  - exact: interventional Shapley values over the background,
 *    v(S) = mean_k f(x_S, b_k), all 2^M coalitions of the features that vary
 *    from the background for that row; refused (FFNN_EUSAGE) when the model
 *    has more than opt->exact_max_features features.
 *  - kernel: KernelSHAP as shap's KernelExplainer with l1_reg=False: paired
 *    coalition sampling (whole size classes enumerated while the budget
 *    allows), Shapley-kernel weights, the constrained weighted least squares
 *    that makes values sum exactly.  nsamples defaults to 2M+2048 and is
 *    capped at 2^M-2, which is full enumeration (= exact values).
 *  - permutation: scikit-learn permutation_importance (global, needs labels).
 *  - auto: exact where its estimated cost (ffnn_explain_auto_cost) is at
 *    most FFNN_EXPLAIN_AUTO_BUDGET and the feature count within
 *    opt->exact_max_features, deep otherwise (ffnn_explain_resolve).
 *
 * For deep, exact and kernel every row satisfies
 *   Σ_j values[j] = output_value − base_value   (per output)
 * where base_value is the mean model output over the background; for deep
 * only up to its fallbacks: a softmax logit that moves by less than 1e-6
 * while its class's probability moves loses that class's share (under
 * either rule, as in shap).
 */
#ifndef FFNN_EXPLAIN_H
#define FFNN_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "ffnn/error.h"
#include "ffnn/model.h"

typedef enum {
    FFNN_EXPLAIN_DEEP = 0,
    FFNN_EXPLAIN_EXACT,
    FFNN_EXPLAIN_KERNEL,
    FFNN_EXPLAIN_PERMUTATION,
    FFNN_EXPLAIN_AUTO,          /* "auto": exact when cheap, else deep */
    FFNN_EXPLAIN_COUNT
} ffnn_explain_method;
const char *ffnn_explain_method_name(ffnn_explain_method m);
int ffnn_explain_method_parse(const char *name); /* -1 if unknown */

/* How deep treats a softmax layer: as shap's DeepExplainer does on a
 * TensorFlow/Keras model ("tf") or on a PyTorch nn.Softmax ("torch"). */
typedef enum {
    FFNN_EXPLAIN_SOFTMAX_TF = 0,
    FFNN_EXPLAIN_SOFTMAX_TORCH,
    FFNN_EXPLAIN_SOFTMAX_COUNT
} ffnn_explain_softmax_rule;
const char *ffnn_explain_softmax_rule_name(ffnn_explain_softmax_rule r);
int ffnn_explain_softmax_rule_parse(const char *name); /* -1 if unknown */

/* What is explained: the model's output (probabilities for classifiers,
 * values for regression) or the pre-activation of the output layer. */
typedef enum {
    FFNN_EXPLAIN_OUTPUT_PROBABILITY = 0, /* "probability" (model output) */
    FFNN_EXPLAIN_OUTPUT_LOGIT,           /* "logit" */
    FFNN_EXPLAIN_OUTPUT_COUNT
} ffnn_explain_output;
const char *ffnn_explain_output_name(ffnn_explain_output o);
int ffnn_explain_output_parse(const char *name); /* also "output"; -1 if unknown */

/* The largest feature count exact accepts by default: 2^20 coalitions per
 * row, each evaluated on every background row. */
#define FFNN_EXPLAIN_EXACT_MAX_FEATURES 20
/* The hardest cap: 2^30 coalitions. */
#define FFNN_EXPLAIN_EXACT_LIMIT 30

/* auto takes exact up to this estimated cost (ffnn_explain_auto_cost): about
 * 0.1-0.3 s on one core of the reference machine (AVX-512), so well under a
 * second on one without wide vectors. */
#define FFNN_EXPLAIN_AUTO_BUDGET 4e9

/* The most threads one call uses. */
#define FFNN_EXPLAIN_MAX_THREADS 64

/* Progress: called with work done so far and the total; return nonzero to
 * cancel (the call then fails with FFNN_ECANCELED "cancelled"). */
typedef int (*ffnn_explain_progress)(void *ctx, long done, long total);

typedef struct {
    ffnn_explain_method method;  /* (auto) */
    ffnn_explain_output output;
    ffnn_explain_softmax_rule softmax_rule; /* deep (tf) */
    long background_size;   /* background rows to sample (100; 0 = all):
                               ffnn_explain_sample_rows' k */
    long nsamples;          /* kernel: coalitions per row; 0 = 2M+2048 */
    int repeats;            /* permutation: shuffles per feature (5) */
    uint64_t seed;          /* kernel sampling, permutation shuffles (0) */
    int exact_max_features; /* exact: refuse above this many features (20) */
    int batch_rows;         /* rows per forward pass (4096) */
    int threads;            /* deep/exact/kernel: rows explained in parallel
                               on a pool of this many threads (1, at most
                               FFNN_EXPLAIN_MAX_THREADS); results do not
                               depend on it */
    ffnn_explain_progress progress;
    void *progress_ctx;
} ffnn_explain_options;

ffnn_explain_options ffnn_explain_options_default(void);

/* Whether opt can explain m at all, before any data is read: exact refuses
 * a model with more features than opt->exact_max_features (clamped to
 * 1..FFNN_EXPLAIN_EXACT_LIMIT): FFNN_EUSAGE "--method exact: the model has
 * M features, more than L (2^M coalitions per row); use --method kernel or
 * raise --exact-limit" (without the last clause past the hard limit).  An
 * unknown method or output is FFNN_EUSAGE too.  ffnn_explain_shap checks
 * the same. */
ffnn_status ffnn_explain_check(const ffnn_model *m, const ffnn_explain_options *opt,
                               ffnn_error *err);

/* The estimated cost of exact for n rows against nb background rows:
 * n · 2^M · nb forward rows, each weighted by the model's multiply-adds
 * plus a fixed 512 for the per-row overhead (copying the row, activations),
 * which dominates for small models.  It depends on the model's shape and
 * the counts only, never on timing or threads, so auto's choice is
 * reproducible. */
double ffnn_explain_auto_cost(const ffnn_model *m, long n, long nb);

/* The method that runs for opt->method: auto becomes exact when the model
 * has at most opt->exact_max_features features and ffnn_explain_auto_cost
 * is at most FFNN_EXPLAIN_AUTO_BUDGET, else deep; any other method is
 * itself. */
ffnn_explain_method ffnn_explain_resolve(const ffnn_model *m, long n, long nb,
                                         const ffnn_explain_options *opt);

/* Whether deep with opt->output passes through a softmax layer of m, that
 * is, whether opt->softmax_rule changes deep's values. */
bool ffnn_explain_softmax_applies(const ffnn_model *m, const ffnn_explain_options *opt);

/* The model's features for explanation: M, and for each encoded input the
 * feature it belongs to (feature_of[n_in], may be NULL). */
int ffnn_explain_n_features(const ffnn_model *m);
void ffnn_explain_feature_map(const ffnn_model *m, int *feature_of);

/* The index of m's output called name, as ffnn_shap's output_names calls
 * them (class names; the target's name for regression; for one sigmoid unit
 * the second class).  FFNN_EUSAGE "no output named "x" (the model's
 * outputs: a, b, c)"; FFNN_ENOMEM. */
ffnn_status ffnn_explain_find_output(const ffnn_model *m, const char *name, int *index,
                                     ffnn_error *err);

/* SHAP values for n rows.  values is [row][output][feature]. */
typedef struct {
    ffnn_explain_method method;     /* the method that ran: deep, exact or kernel */
    ffnn_explain_method requested;  /* as asked (auto, or the same as method) */
    bool softmax;                   /* deep went through a softmax layer ... */
    ffnn_explain_softmax_rule softmax_rule; /* ... with this rule */
    ffnn_explain_output output;
    long n_rows;
    int n_outputs;
    int n_features;
    long n_background;
    char **feature_names;   /* n_features */
    char **output_names;    /* n_outputs: class names, or the target name */
    bool *categorical;      /* n_features */
    double *values;         /* n_rows * n_outputs * n_features */
    double *base_values;    /* n_outputs: mean output over the background */
    double *output_values;  /* n_rows * n_outputs: f(x) */
    double *feature_values; /* n_rows * n_features: encoded value of numeric
                               features (for colouring plots); NaN for
                               categorical ones */
} ffnn_shap;

/* How every output names the method that ran: "exact", "kernel", "deep",
 * or for deep through a softmax layer "deep:tf" or "deep:torch" (static
 * strings). */
const char *ffnn_shap_method_label(const ffnn_shap *s);

/* Explains rows X (n, n_in) against background Bg (nb, n_in) with
 * opt->method in {auto, deep, exact, kernel} (auto resolved by
 * ffnn_explain_resolve).  out is filled (release with
 * ffnn_shap_release, also after a failure).  Errors: FFNN_EUSAGE for a
 * method that cannot run (permutation here, exact with too many features),
 * FFNN_EDATA for n < 1 or nb < 1, FFNN_ENOMEM out of memory, FFNN_ECANCELED cancelled. */
ffnn_status ffnn_explain_shap(const ffnn_model *m, const float *X, long n, const float *Bg, long nb,
                              const ffnn_explain_options *opt, ffnn_shap *out, ffnn_error *err);
void ffnn_shap_release(ffnn_shap *s);

/* Global importance per feature: mean |SHAP| over rows, for each output
 * (imp[output * n_features + feature], caller allocates n_outputs*n_features). */
void ffnn_shap_mean_abs(const ffnn_shap *s, double *imp);

/* Global importance of SHAP values, as the summary and the bar chart show
 * it: mean |SHAP| per output and feature (ffnn_shap_mean_abs), its sum over
 * the outputs per feature, and the features in order of that sum. */
typedef struct {
    double *mean_abs;   /* n_outputs * n_features */
    double *total;      /* n_features */
    int *order;         /* n_features: largest total first (ffnn_explain_order) */
} ffnn_shap_importance;
/* FFNN_ENOMEM (nothing held) when out of memory. */
ffnn_status ffnn_shap_importance_compute(ffnn_shap_importance *imp, const ffnn_shap *s,
                                         ffnn_error *err);
void ffnn_shap_importance_release(ffnn_shap_importance *imp);

/* idx (n) := 0..n-1 ordered by key, largest first, ties by index (NaN
 * last): the ranking every summary and chart of importances shows. */
void ffnn_explain_order(const double *key, int n, int *idx);

/* Permutation importance with scikit-learn's semantics:
 *   baseline = score(X, y); for each feature j a copy of its column is
 *   shuffled `repeats` times in place (the shuffles compound, as in sklearn),
 *   rescored after each; importances[j][r] = baseline − score.
 * Every feature's shuffles come from the same stream,
 * ffnn_rng_init(&r, seed, FFNN_RNG_EXPLAIN, 0), applied with ffnn_rng_shuffle
 * to an index array 0..n-1 (sklearn seeds every column alike).  A categorical
 * column's one-hot inputs move together.
 * Score (sklearn's default estimator.score): accuracy for classifiers
 * (argmax, or p > 0.5 for one sigmoid unit), R² for regression (1 if the
 * labels are constant and predicted exactly, else 0 when they are constant).
 * std is the population standard deviation (ddof 0) as numpy's. */
typedef struct {
    int n_features;
    int repeats;
    long n_rows;
    bool classification;    /* score is accuracy (else R²) */
    uint64_t seed;          /* of the shuffles (opt->seed) */
    double baseline;        /* score on the unshuffled rows */
    char **feature_names;   /* n_features */
    double *importances;    /* n_features * repeats */
    double *mean, *std;     /* n_features */
} ffnn_perm_importance;

/* X (n, n_in), y (n): class indices or values.  Errors: FFNN_EDATA n < 1
 * or y NULL, FFNN_EUSAGE repeats < 1, FFNN_ENOMEM. */
ffnn_status ffnn_explain_permutation(const ffnn_model *m, const float *X, const double *y, long n,
                                     const ffnn_explain_options *opt, ffnn_perm_importance *out,
                                     ffnn_error *err);
void ffnn_perm_importance_release(ffnn_perm_importance *p);

/* The background for explaining m: a seeded sample of opt->background_size
 * rows of t (ffnn_explain_sample_rows with opt->seed; 0 or more than t has
 * = all), encoded with m's preprocessing into d (release with
 * ffnn_data_release, also after a failure).  Errors as ffnn_data_from_table
 * gives them; FFNN_ENOMEM. */
ffnn_status ffnn_explain_background(ffnn_data *d, const ffnn_model *m, const ffnn_table *t,
                                    const ffnn_explain_options *opt, ffnn_error *err);

/* Seeded sample of k of n background rows without replacement
 * (ffnn_rng_init(&r, seed, FFNN_RNG_SAMPLE, 0), Fisher-Yates), returned in
 * increasing order in the first k entries of idx, which has room for n (the
 * shuffle's scratch, so this needs no memory).  k >= n selects all rows.
 * Returns the number selected. */
long ffnn_explain_sample_rows(long n, long k, uint64_t seed, long *idx);

#endif
