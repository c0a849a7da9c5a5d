/* ffnn — the preprocessing a model carries, and encoded data.
 *
 * ffnn_prep is the preprocessing learned from training rows and stored in
 * the model: which columns are features (numeric, or categorical with their
 * categories, one-hot encoded), the target and task, class names,
 * mean-imputation values and standardisation mean/scale.  Encoding turns
 * table rows, or streamed CSV records, into the network's float input
 * (ffnn_data).
 */
#ifndef FFNN_PREPROCESS_H
#define FFNN_PREPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include "ffnn/dataset.h"
#include "ffnn/error.h"
#include "ffnn/names.h"

/* ---- preprocessing ----------------------------------------------------- */

typedef enum {
    FFNN_TASK_AUTO = -1,
    FFNN_TASK_BINARY = 0,
    FFNN_TASK_MULTICLASS,
    FFNN_TASK_REGRESSION
} ffnn_task;
const char *ffnn_task_name(ffnn_task t);
/* "auto" -> FFNN_TASK_AUTO (-1), "binary", "multiclass", "regression";
 * -2 if unknown (so that it differs from FFNN_TASK_AUTO). */
int ffnn_task_parse(const char *name);

typedef enum { FFNN_IMPUTE_NONE = 0, FFNN_IMPUTE_MEAN } ffnn_impute;
const char *ffnn_impute_name(ffnn_impute i);
int ffnn_impute_parse(const char *name); /* "none", "mean"; -1 if unknown */
ffnn_names ffnn_impute_names(void);

/* A feature column whose type the config declares (config "columns"). */
typedef struct {
    char *name;
    bool categorical;   /* categorical (integer-coded categories too), else numeric */
} ffnn_column_type;

/* What the user asked for (config "target", "task", "ignore", "columns",
 * "standardize", "impute"). */
typedef struct {
    char *target;       /* NULL: last column */
    ffnn_task task;     /* AUTO: inferred */
    char **ignore;      /* columns that are not features */
    int n_ignore;
    ffnn_column_type *types; /* declared feature column types */
    int n_types;
    bool standardize;   /* default true */
    ffnn_impute impute; /* default none: missing values are an error */
} ffnn_prep_options;

ffnn_prep_options ffnn_prep_options_default(void);

typedef struct {
    char *name;
    bool categorical;
    int n_cats;          /* categorical: number of categories */
    char **cats;         /* categorical: category strings, sorted (byte order) */
    int offset;          /* first encoded feature index */
    double fill;         /* numeric imputation value (mean), used if impute */
    bool constant;       /* numeric with one value in every training row: it
                            carries no information, and standardising divides
                            by 1 instead of 0 (scikit-learn's rule); not saved
                            in model files */
} ffnn_prep_column;

typedef struct {
    int n_columns;            /* raw feature columns */
    ffnn_prep_column *columns;
    int n_features;           /* encoded width (network input) */
    float *mean, *scale;      /* n_features; identity (0,1) when not standardised */
    bool standardize;
    ffnn_impute impute;
    char *target;
    ffnn_task task;
    int n_classes;            /* classification: number of classes */
    char **classes;           /* class names in order (numeric labels sorted by value) */
} ffnn_prep;

/* Learns the preprocessing from all rows of t.  Inference: a target column
 * with any non-numeric value, or only integers with at most 20 distinct values
 * (and fewer than half the row count), is classification; 2 classes =
 * binary.  Errors (FFNN_EDATA, FFNN_ECONFIG for bad options) name the file,
 * line and column.
 *
 * Columns: the target is opt->target (default the last column); every other
 * column not in opt->ignore is a feature, in table order.  An unknown target,
 * ignored or declared name is FFNN_ECONFIG listing the columns; declaring the
 * target or an ignored column is FFNN_ECONFIG too.  A target named
 * "prediction" or "p_<anything>" (the predictions CSV's own columns) is
 * FFNN_EDATA.  A feature declared in opt->types is numeric or categorical as
 * declared (a declared numeric column with a value that is not a number is
 * FFNN_EDATA at the first one).  Otherwise it is numeric if every
 * non-missing value parses (ffnn_parse_double), categorical if at most half
 * of them do, and FFNN_EDATA at the first non-number if more than half do (a
 * typo would otherwise turn a numeric column into categories).  A categorical
 * column's categories are its distinct non-missing values sorted by byte
 * order, one-hot.
 * Classes: all-integer targets are named by their canonical integer text
 * ("1.0" -> "1") sorted by value; otherwise the strings sorted by byte order.
 * A configured task must fit the data: regression needs numeric targets,
 * binary exactly 2 classes, multiclass at least 2 (else FFNN_ECONFIG).
 * Missing values (ffnn_csv_is_missing) are FFNN_EDATA unless impute is mean:
 * a numeric feature is then filled with the mean of its non-missing training
 * values, and a missing categorical value encodes as all zeros (like an
 * unknown category).  A missing target is always FFNN_EDATA.  Numbers beyond
 * float32 range are FFNN_EDATA "value out of range for float32".
 * Standardisation (numeric features only): mean and population std (ddof 0)
 * over all training rows, imputed rows counting at the mean (as a
 * SimpleImputer -> StandardScaler pipeline); scale 1 where std is 0; one-hot
 * features keep mean 0, scale 1.  Computed in double, stored as float. */
ffnn_status ffnn_prep_fit(ffnn_prep *p, const ffnn_table *t, const ffnn_prep_options *opt,
                          ffnn_error *err);
void ffnn_prep_release(ffnn_prep *p);
ffnn_status ffnn_prep_clone(ffnn_prep *dst, const ffnn_prep *src, ffnn_error *err);

/* Where each feature column (and the target, -1 if absent) sits in a CSV
 * header (the first column of a name; callers refuse duplicate names), in
 * n log n of the header's width.  Missing feature columns are FFNN_EDATA
 * naming them. */
typedef struct {
    int *col;        /* n_columns indices into the record */
    int target_col;  /* -1 if the input has no target column */
    int ncols;       /* fields per record expected */
} ffnn_prep_binding;

ffnn_status ffnn_prep_bind(const ffnn_prep *p, char *const *header, int ncols,
                           ffnn_prep_binding *b, const char *source, ffnn_error *err);
void ffnn_prep_binding_release(ffnn_prep_binding *b);

/* Encodes one record into x (n_features floats): imputation, one-hot,
 * standardisation, x = (value - mean) / scale in double from the stored
 * float mean/scale.  Unknown categories encode as all zeros (scikit-learn's
 * handle_unknown="ignore").  A missing or non-numeric value is FFNN_EDATA
 * "source:line:col: ..." (missing only when impute is none), and so is a
 * value that overflows float32 once standardised (it would reach the network
 * as inf and come out as NaN or silent garbage). */
ffnn_status ffnn_prep_encode(const ffnn_prep *p, const ffnn_prep_binding *b, char *const *fields,
                             float *x, const char *source, long line, ffnn_error *err);
/* The same, and a categorical value that is not among the column's
 * categories adds one to unseen[c] (n_columns counters; NULL: not counted),
 * or with strict is FFNN_EDATA "source:line:col: unknown category \"v\" in
 * column \"c\" (categories: ...)". */
ffnn_status ffnn_prep_encode_unseen(const ffnn_prep *p, const ffnn_prep_binding *b,
                                    char *const *fields, float *x, const char *source, long line,
                                    long *unseen, bool strict, ffnn_error *err);

/* Encoded feature o of value v: (v - mean) / scale in double from the
 * stored float mean and scale, rounded to float (every encoder uses this). */
static inline float ffnn_prep_standardise(const ffnn_prep *p, int o, double v)
{
    return (float)((v - p->mean[o]) / p->scale[o]);
}

/* Parses a target field: classification -> class index (unknown class is
 * FFNN_EDATA; integer class names also match by value, "1.0" -> "1"),
 * regression -> value.  Missing is FFNN_EDATA. */
ffnn_status ffnn_prep_target(const ffnn_prep *p, const char *field, double *y, const char *source,
                             long line, int col, ffnn_error *err);

/* ---- encoded data -------------------------------------------------------- */

typedef struct {
    long n;        /* rows */
    int d;         /* features */
    float *X;      /* n*d */
    double *y;     /* n: class index or regression value; NULL if unlabelled */
} ffnn_data;

/* Encodes every row of t (rows NULL = all) with p.  need_target: a missing
 * target column is FFNN_EDATA. */
ffnn_status ffnn_data_from_table(ffnn_data *d, const ffnn_prep *p, const ffnn_table *t,
                                 const long *rows, long n, bool need_target, ffnn_error *err);
void ffnn_data_release(ffnn_data *d);

#endif
