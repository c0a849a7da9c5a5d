/* ffnn — preprocessing learned from training rows: feature typing, one-hot
 * categories, mean imputation, standardisation, target/task inference; and
 * encoding of rows with it. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/preprocess.h"
#include "internal.h"
#include "prep_internal.h"

/* Integers up to 2^53 are exact doubles; larger "integers" are not labels. */
#define MAX_INT_LABEL 9007199254740992.0
#define AUTO_MAX_CLASSES 20

static const char *const task_names[] = {"binary", "multiclass", "regression"};

const char *ffnn_task_name(ffnn_task t)
{
    if (t == FFNN_TASK_AUTO)
        return "auto";
    if (t >= 0 && (size_t)t < FFNN_ARRAY_LEN(task_names))
        return task_names[t];
    return "?";
}

int ffnn_task_parse(const char *name)
{
    if (strcmp(name, "auto") == 0)
        return FFNN_TASK_AUTO;
    for (size_t i = 0; i < FFNN_ARRAY_LEN(task_names); i++)
        if (strcmp(name, task_names[i]) == 0)
            return (int)i;
    return -2;
}

static const char *const impute_names[] = {"none", "mean"}; /* ffnn_impute's order */
FFNN_NAME_TABLE(ffnn_impute, ffnn_impute, impute_names)

ffnn_names ffnn_impute_names(void)
{
    return (ffnn_names){impute_names, (int)FFNN_ARRAY_LEN(impute_names), ffnn_impute_parse};
}

ffnn_prep_options ffnn_prep_options_default(void)
{
    return (ffnn_prep_options){
        .target = NULL,
        .task = FFNN_TASK_AUTO,
        .ignore = NULL,
        .n_ignore = 0,
        .types = NULL,
        .n_types = 0,
        .standardize = true,
        .impute = FFNN_IMPUTE_NONE,
    };
}

/* ---- messages ------------------------------------------------------------- */

const char *ffnn_prep_join_names(char *buf, size_t size, char *const *names, int n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (o + len + 2 + 6 >= size) {
            snprintf(buf + o, size - o, "%s...", i ? ", " : "");
            break;
        }
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);
    }
    return buf;
}

ffnn_status ffnn_prep_out_of_range(ffnn_error *err, const char *source, long line, int col,
                                   const char *text)
{
    char b[64];
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: value out of range for float32: \"%s\"",
                          source, line, col, ffnn_csv_show(b, text));
}

/* Category and class names are stored in the model's JSON header, which
 * must be UTF-8. */
ffnn_status ffnn_prep_not_utf8(ffnn_error *err, const char *source, long line, int col,
                               const char *name)
{
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: value is not valid UTF-8 in column \"%s\"",
                          source, line, col, name);
}

static ffnn_status check_utf8(ffnn_error *err, const char *source, long line, int col,
                              const char *name, const char *s)
{
    if (ffnn_utf8_invalid(s, strlen(s)) < 0)
        return FFNN_OK;
    return ffnn_prep_not_utf8(err, source, line, col, name);
}

ffnn_status ffnn_prep_missing_value(ffnn_error *err, const char *source, long line, int col,
                                    const char *name)
{
    return ffnn_error_set(err, FFNN_EDATA,
                          "%s:%ld:%d: missing value in column \"%s\" (set \"impute\": \"mean\" in "
                          "the config to fill it)",
                          source, line, col, name);
}

ffnn_status ffnn_prep_missing_target(ffnn_error *err, const char *source, long line, int col,
                                     const char *name)
{
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: missing target value in column \"%s\"",
                          source, line, col, name);
}

ffnn_status ffnn_prep_not_number(ffnn_error *err, const char *source, long line, int col,
                                 const char *name, const char *text)
{
    char b[64];
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: expected a number in column \"%s\", got \"%s\"",
                          source, line, col, name, ffnn_csv_show(b, text));
}

ffnn_status ffnn_prep_standardised_overflow(ffnn_error *err, const char *source, long line,
                                            int col, const char *text, const ffnn_prep *p,
                                            const ffnn_prep_column *c)
{
    char b[64];
    return ffnn_error_set(err, FFNN_EDATA,
                          "%s:%ld:%d: value \"%s\" in column \"%s\" is out of float32 range "
                          "once standardised (mean %g, scale %g)",
                          source, line, col, ffnn_csv_show(b, text), c->name,
                          (double)p->mean[c->offset], (double)p->scale[c->offset]);
}

/* ---- release / clone ------------------------------------------------------ */

static void free_strings(char **v, int n)
{
    if (v)
        for (int i = 0; i < n; i++)
            free(v[i]);
    free(v);
}

void ffnn_prep_release(ffnn_prep *p)
{
    if (!p)
        return;
    if (p->columns)
        for (int i = 0; i < p->n_columns; i++) {
            free(p->columns[i].name);
            free_strings(p->columns[i].cats, p->columns[i].n_cats);
        }
    free(p->columns);
    free(p->mean);
    free(p->scale);
    free(p->target);
    free_strings(p->classes, p->n_classes);
    memset(p, 0, sizeof *p);
}

static char **clone_strings(char *const *v, int n, bool *ok)
{
    if (!v || n <= 0)
        return NULL;
    char **c = ffnn_calloc((size_t)n, sizeof *c);
    if (!c) {
        *ok = false;
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!(c[i] = ffnn_strdup(v[i])) && v[i])
            *ok = false;
    return c;
}

ffnn_status ffnn_prep_clone(ffnn_prep *dst, const ffnn_prep *src, ffnn_error *err)
{
    bool ok = true;
    *dst = *src;
    dst->columns = NULL;
    dst->mean = dst->scale = NULL;
    dst->target = NULL;
    dst->classes = NULL;
    if (src->n_columns > 0) {
        dst->columns = ffnn_calloc((size_t)src->n_columns, sizeof *dst->columns);
        if (!dst->columns) {
            dst->n_columns = 0;
            ok = false;
        } else {
            for (int i = 0; i < src->n_columns; i++) {
                const ffnn_prep_column *s = &src->columns[i];
                ffnn_prep_column *d = &dst->columns[i];
                *d = *s;
                d->name = ffnn_strdup(s->name);
                ok &= d->name != NULL || s->name == NULL;
                d->cats = clone_strings(s->cats, s->n_cats, &ok);
            }
        }
    }
    if (src->n_features > 0 && src->mean && src->scale) {
        dst->mean = ffnn_calloc((size_t)src->n_features, sizeof *dst->mean);
        dst->scale = ffnn_calloc((size_t)src->n_features, sizeof *dst->scale);
        if (dst->mean && dst->scale) {
            memcpy(dst->mean, src->mean, (size_t)src->n_features * sizeof *dst->mean);
            memcpy(dst->scale, src->scale, (size_t)src->n_features * sizeof *dst->scale);
        } else {
            ok = false;
        }
    }
    dst->target = ffnn_strdup(src->target);
    ok &= dst->target != NULL || src->target == NULL;
    dst->classes = clone_strings(src->classes, src->n_classes, &ok);
    if (!ok) {
        ffnn_prep_release(dst);
        return ffnn_error_nomem(err);
    }
    return FFNN_OK;
}

/* ---- rules of fitting (prep_internal.h) ------------------------------------ */

int ffnn_prep_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ffnn_prep_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int ffnn_prep_find_str(char *const *v, int n, const char *s)
{
    char *const *hit = n > 0 ? bsearch(&s, v, (size_t)n, sizeof *v, ffnn_prep_cmp_str) : NULL;
    return hit ? (int)(hit - v) : -1;
}

static ffnn_status unknown_column(ffnn_error *err, const char *what, const char *name,
                                  char *const *names, int ncols, const char *source)
{
    char cols[320];
    return ffnn_error_set(err, FFNN_ECONFIG, "%s \"%s\" is not a column of %s; columns: %s", what,
                          name, source, ffnn_prep_join_names(cols, sizeof cols, names, ncols));
}

static int find_name(char *const *names, int ncols, const char *name)
{
    for (int j = 0; j < ncols; j++)
        if (strcmp(names[j], name) == 0)
            return j;
    return -1;
}

/* The predictions CSV names its own columns "prediction" and p_<class>,
 * and ffnn-eval finds them by those names: a target named so would be
 * scored as the prediction (against itself) or skipped as a probability. */
static ffnn_status check_target_name(const char *n, const char *source, ffnn_error *err)
{
    if (strcmp(n, "prediction") != 0 && strncmp(n, "p_", 2) != 0)
        return FFNN_OK;
    return ffnn_error_set(err, FFNN_EDATA,
                          "%s: target column \"%s\" has a name of the predictions CSV's own "
                          "columns (prediction, p_<class>); rename it",
                          source, n);
}

ffnn_status ffnn_prep_roles(ffnn_prep *p, const ffnn_prep_options *opt, char *const *names,
                            int ncols, const char *source, int *tcol, bool *skip,
                            signed char *decl, ffnn_error *err)
{
    ffnn_status st;
    int t = opt->target ? find_name(names, ncols, opt->target) : ncols - 1;
    if (t < 0)
        return unknown_column(err, "target", opt->target, names, ncols, source);
    if ((st = check_target_name(names[t], source, err)))
        return st;
    memset(skip, 0, (size_t)ncols * sizeof *skip);
    skip[t] = true;
    for (int i = 0; i < opt->n_ignore; i++) {
        int j = find_name(names, ncols, opt->ignore[i]);
        if (j < 0)
            return unknown_column(err, "ignored column", opt->ignore[i], names, ncols, source);
        skip[j] = true;
    }
    memset(decl, -1, (size_t)ncols * sizeof *decl);
    for (int i = 0; i < opt->n_types; i++) {
        const char *name = opt->types[i].name;
        int j = find_name(names, ncols, name);
        if (j < 0)
            return unknown_column(err, "declared column", name, names, ncols, source);
        if (skip[j])
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "columns: \"%s\" is %s; declare feature columns only", name,
                                  j == t ? "the target (\"task\" says what it is)" : "ignored");
        decl[j] = opt->types[i].categorical;
    }
    *tcol = t;
    p->standardize = opt->standardize;
    p->impute = opt->impute;
    if (!(p->target = strdup(names[t])))
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

ffnn_status ffnn_prep_columns(ffnn_prep *p, char *const *names, int ncols, const bool *skip,
                              int *src, const char *source, ffnn_error *err)
{
    int n = 0;
    for (int j = 0; j < ncols; j++)
        if (!skip[j])
            src[n++] = j;
    if (n == 0)
        return ffnn_error_set(err, FFNN_EDATA,
                              "%s: no feature columns (every column is the target or ignored)",
                              source);
    if (!(p->columns = ffnn_calloc((size_t)n, sizeof *p->columns)))
        return ffnn_error_nomem(err);
    p->n_columns = n;
    for (int c = 0; c < n; c++)
        if (!(p->columns[c].name = strdup(names[src[c]])))
            return ffnn_error_nomem(err);
    return FFNN_OK;
}

ffnn_status ffnn_prep_type(ffnn_prep_column *col, int decl, long n, long nnum,
                           const char *source, long bad_line, int j, const char *bad_text,
                           ffnn_error *err)
{
    col->categorical = decl < 0 ? nnum < n : decl == 1;
    if ((decl < 0 && col->categorical && 2 * nnum > n) || (decl == 0 && nnum < n))
        return ffnn_prep_not_number(err, source, bad_line, j + 1, col->name, bad_text);
    return FFNN_OK;
}

ffnn_status ffnn_prep_layout(ffnn_prep *p, const char *source, ffnn_error *err)
{
    long width = 0;
    for (int c = 0; c < p->n_columns; c++) {
        p->columns[c].offset = (int)width;
        width += p->columns[c].categorical ? p->columns[c].n_cats : 1;
        if (width > INT32_MAX / 2)
            return ffnn_error_set(err, FFNN_EDATA, "%s: too many encoded features", source);
    }
    p->n_features = (int)width;
    p->mean = ffnn_calloc((size_t)width, sizeof *p->mean);
    p->scale = ffnn_calloc((size_t)width, sizeof *p->scale);
    if (!p->mean || !p->scale)
        return ffnn_error_nomem(err);
    for (long f = 0; f < width; f++)
        p->scale[f] = 1.0f;
    return FFNN_OK;
}

/* Imputed rows count in the std with zero deviation, as a SimpleImputer ->
 * StandardScaler pipeline computes it. */
ffnn_status ffnn_prep_stats(ffnn_prep *p, int c, long nnum, double sum, double ss, long nrows,
                            const char *source, ffnn_error *err)
{
    ffnn_prep_column *col = &p->columns[c];
    if (nnum == 0)
        return ffnn_error_set(err, FFNN_EDATA, "%s: column \"%s\" has no values to impute from",
                              source, col->name);
    double mean = sum / (double)nnum;
    double sd = sqrt(ss / (double)nrows);
    col->fill = mean;
    col->constant = !(ss > 0);
    if (p->standardize) {
        p->mean[col->offset] = (float)mean;
        p->scale[col->offset] = sd > 0 ? (float)sd : 1.0f;
        if (!(p->scale[col->offset] > 0) || isinf(p->scale[col->offset]))
            p->scale[col->offset] = 1.0f;
    }
    return FFNN_OK;
}

void ffnn_prep_int_label(char buf[32], double v)
{
    snprintf(buf, 32, "%lld", (long long)v);
}

bool ffnn_prep_is_int_label(double v)
{
    return v == floor(v) && fabs(v) <= MAX_INT_LABEL;
}

ffnn_status ffnn_prep_task(ffnn_prep *p, const ffnn_prep_options *opt, bool all_num, bool all_int,
                           long k, long n, const char *source, int tcol, long first_text_line,
                           const char *first_text, ffnn_error *err)
{
    const char *tname = p->target;
    char b[64];
    ffnn_task task = opt->task;
    if (task == FFNN_TASK_AUTO) {
        bool classify = !all_num || (all_int && k <= AUTO_MAX_CLASSES && 2 * k < n);
        task = !classify ? FFNN_TASK_REGRESSION : k == 2 ? FFNN_TASK_BINARY : FFNN_TASK_MULTICLASS;
        if (classify && k < 2)
            return ffnn_error_set(err, FFNN_EDATA, "%s: target \"%s\" has only one class",
                                  source, tname);
    } else if (task == FFNN_TASK_REGRESSION) {
        if (!all_num)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s:%ld:%d: task is \"regression\" but target \"%s\" has the "
                                  "non-numeric value \"%s\"",
                                  source, first_text_line, tcol + 1, tname,
                                  ffnn_csv_show(b, first_text));
    } else if (task == FFNN_TASK_BINARY || task == FFNN_TASK_MULTICLASS) {
        if ((task == FFNN_TASK_BINARY && k != 2) || k < 2)
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "%s: task is \"%s\" but target \"%s\" has %ld class%s", source,
                                  ffnn_task_name(task), tname, k, k == 1 ? "" : "es");
    } else {
        return ffnn_error_set(err, FFNN_ECONFIG, "task: invalid value %d", (int)task);
    }
    p->task = task;
    return FFNN_OK;
}

ffnn_status ffnn_prep_classes(ffnn_prep *p, bool all_int, const double *vals,
                              const char *const *strs, long k, const char *source,
                              ffnn_error *err)
{
    if (k > INT32_MAX)
        return ffnn_error_set(err, FFNN_EDATA, "%s: too many classes", source);
    if (!(p->classes = ffnn_calloc((size_t)k, sizeof *p->classes)))
        return ffnn_error_nomem(err);
    p->n_classes = (int)k;
    for (long i = 0; i < k; i++) {
        char lb[32];
        if (all_int)
            ffnn_prep_int_label(lb, vals[i]);
        if (!(p->classes[i] = strdup(all_int ? lb : strs[i])))
            return ffnn_error_nomem(err);
    }
    return FFNN_OK;
}

/* ---- fit a table ------------------------------------------------------------ */

/* Sorted distinct strings of v[0..n) (v is reordered), copied into *out. */
static ffnn_status distinct_strings(const char **v, long n, char ***out, int *nout,
                                    ffnn_error *err)
{
    qsort(v, (size_t)n, sizeof *v, ffnn_prep_cmp_str);
    long k = 0;
    for (long i = 0; i < n; i++)
        if (k == 0 || strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    if (k > INT32_MAX)
        return ffnn_error_set(err, FFNN_EDATA, "too many distinct values (%ld)", k);
    char **c = ffnn_calloc((size_t)k, sizeof *c);
    if (!c)
        return ffnn_error_nomem(err);
    for (long i = 0; i < k; i++)
        if (!(c[i] = strdup(v[i]))) {
            free_strings(c, (int)i);
            return ffnn_error_nomem(err);
        }
    *out = c;
    *nout = (int)k;
    return FFNN_OK;
}

#define CELL(t, i, j) ((t)->cells[(i) * (long)(t)->ncols + (j)])

/* Per-column counts from one row-major pass over the table (cells are laid
 * out row by row, so column-by-column passes would miss the cache on every
 * cell). */
typedef struct {
    long n;         /* non-missing cells */
    long nnum;      /* of which numbers */
    long first_bad; /* first row whose non-missing cell is not a number, or -1 */
    double sum;     /* of the numbers */
    double ss;      /* Σ (v − mean)² of the numbers, after scan_squares */
} column_scan;

static void scan_columns(const ffnn_table *t, const int *src, int ncols, column_scan *cs)
{
    for (int c = 0; c < ncols; c++)
        cs[c] = (column_scan){0, 0, -1, 0.0, 0.0};
    for (long i = 0; i < t->nrows; i++)
        for (int c = 0; c < ncols; c++) {
            const char *s = CELL(t, i, src[c]);
            double v;
            if (ffnn_csv_is_missing(s))
                continue;
            cs[c].n++;
            if (ffnn_parse_double(s, &v)) {
                cs[c].nnum++;
                cs[c].sum += v;
            } else if (cs[c].first_bad < 0) {
                cs[c].first_bad = i;
            }
        }
}

/* Second pass for the numeric columns: squared deviations from the mean. */
static void scan_squares(const ffnn_prep *p, const ffnn_table *t, const int *src, column_scan *cs)
{
    for (long i = 0; i < t->nrows; i++)
        for (int c = 0; c < p->n_columns; c++) {
            if (p->columns[c].categorical || cs[c].nnum == 0)
                continue;
            const char *s = CELL(t, i, src[c]);
            double v, mean = cs[c].sum / (double)cs[c].nnum;
            if (!ffnn_csv_is_missing(s) && ffnn_parse_double(s, &v))
                cs[c].ss += (v - mean) * (v - mean);
        }
}

/* Types feature column c (table column j; decl as ffnn_prep_type takes it)
 * and collects its categories with scratch (room for a pointer per row). */
static ffnn_status type_column(ffnn_prep_column *c, const column_scan *cs, const ffnn_table *t, int j,
                               int decl, const char **scratch, ffnn_error *err)
{
    ffnn_status st;
    long bad = cs->first_bad;
    if ((st = ffnn_prep_type(c, decl, cs->n, cs->nnum, t->source, bad >= 0 ? t->lines[bad] : 0, j,
                             bad >= 0 ? CELL(t, bad, j) : "", err)) || !c->categorical)
        return st;
    long n = 0;
    for (long i = 0; i < t->nrows; i++)
        if (!ffnn_csv_is_missing(CELL(t, i, j))) {
            if ((st = check_utf8(err, t->source, t->lines[i], j + 1, t->names[j], CELL(t, i, j))))
                return st;
            scratch[n++] = CELL(t, i, j);
        }
    return distinct_strings(scratch, n, &c->cats, &c->n_cats, err);
}

/* Row-major check of the training rows so the first bad cell is reported:
 * missing values (unless imputing) and numbers beyond float32. */
static ffnn_status check_features(const ffnn_prep *p, const ffnn_table *t, const int *src,
                                  ffnn_error *err)
{
    for (long i = 0; i < t->nrows; i++)
        for (int c = 0; c < p->n_columns; c++) {
            const char *s = CELL(t, i, src[c]);
            double v;
            if (ffnn_csv_is_missing(s)) {
                if (p->impute == FFNN_IMPUTE_NONE)
                    return ffnn_prep_missing_value(err, t->source, t->lines[i], src[c] + 1,
                                                   p->columns[c].name);
            } else if (!p->columns[c].categorical && ffnn_parse_double(s, &v) &&
                       isinf((float)v)) {
                return ffnn_prep_out_of_range(err, t->source, t->lines[i], src[c] + 1, s);
            }
        }
    return FFNN_OK;
}

/* Infers or checks the task and fills classes.  tcol is the target column. */
static ffnn_status fit_target(ffnn_prep *p, const ffnn_table *t, int tcol,
                              const ffnn_prep_options *opt, ffnn_error *err)
{
    const char *tname = t->names[tcol];
    long n = t->nrows, first_text = -1;
    bool all_int = true;
    double *vals = malloc((size_t)n * sizeof *vals);
    const char **strs = malloc((size_t)n * sizeof *strs);
    ffnn_status st = FFNN_OK;
    if (!vals || !strs) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    for (long i = 0; i < n; i++) {
        const char *s = CELL(t, i, tcol);
        if (ffnn_csv_is_missing(s)) {
            st = ffnn_prep_missing_target(err, t->source, t->lines[i], tcol + 1, tname);
            goto done;
        }
        strs[i] = s;
        if (!ffnn_parse_double(s, &vals[i])) {
            if ((st = check_utf8(err, t->source, t->lines[i], tcol + 1, tname, s)))
                goto done;
            if (first_text < 0)
                first_text = i;
            all_int = false;
        } else if (!ffnn_prep_is_int_label(vals[i])) {
            all_int = false;
        }
    }
    bool all_num = first_text < 0;

    /* Distinct values as classification would see them. */
    long k = 0;
    if (all_int) {
        qsort(vals, (size_t)n, sizeof *vals, ffnn_prep_cmp_double);
        for (long i = 0; i < n; i++)
            if (k == 0 || vals[i] != vals[k - 1])
                vals[k++] = vals[i];
    } else {
        qsort(strs, (size_t)n, sizeof *strs, ffnn_prep_cmp_str);
        for (long i = 0; i < n; i++)
            if (k == 0 || strcmp(strs[i], strs[k - 1]) != 0)
                strs[k++] = strs[i];
    }
    if ((st = ffnn_prep_task(p, opt, all_num, all_int, k, n, t->source, tcol,
                             all_num ? 0 : t->lines[first_text],
                             all_num ? "" : CELL(t, first_text, tcol), err)))
        goto done;
    if (p->task == FFNN_TASK_REGRESSION) {
        for (long i = 0; i < n; i++) {
            double v = 0;
            ffnn_parse_double(CELL(t, i, tcol), &v);
            if (isinf((float)v)) {
                st = ffnn_prep_out_of_range(err, t->source, t->lines[i], tcol + 1,
                                            CELL(t, i, tcol));
                goto done;
            }
        }
        goto done;
    }
    st = ffnn_prep_classes(p, all_int, vals, strs, k, t->source, err);
done:
    free(vals);
    free(strs);
    return st;
}

ffnn_status ffnn_prep_fit(ffnn_prep *p, const ffnn_table *t, const ffnn_prep_options *opt,
                          ffnn_error *err)
{
    ffnn_prep_options def = ffnn_prep_options_default();
    ffnn_status st = FFNN_OK;
    bool *skip = NULL;
    signed char *decl = NULL;
    int *src = NULL, tcol;
    const char **scratch = NULL;
    column_scan *scan = NULL;

    memset(p, 0, sizeof *p);
    if (!opt)
        opt = &def;
    if (!(skip = ffnn_calloc((size_t)t->ncols, sizeof *skip)) ||
        !(decl = ffnn_calloc((size_t)t->ncols, sizeof *decl)) ||
        !(src = ffnn_calloc((size_t)t->ncols, sizeof *src))) {
        st = ffnn_error_nomem(err);
        goto fail;
    }
    if ((st = ffnn_prep_roles(p, opt, t->names, t->ncols, t->source, &tcol, skip, decl, err)))
        goto fail;
    if (t->nrows == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: no data rows", t->source);
        goto fail;
    }
    if ((st = ffnn_prep_columns(p, t->names, t->ncols, skip, src, t->source, err)))
        goto fail;
    scratch = ffnn_calloc((size_t)t->nrows, sizeof *scratch);
    scan = ffnn_calloc((size_t)p->n_columns, sizeof *scan);
    if (!scratch || !scan)
        goto nomem;
    scan_columns(t, src, p->n_columns, scan);
    for (int c = 0; c < p->n_columns; c++)
        if ((st = type_column(&p->columns[c], &scan[c], t, src[c], decl[src[c]], scratch, err)))
            goto fail;
    if ((st = check_features(p, t, src, err)) || (st = ffnn_prep_layout(p, t->source, err)))
        goto fail;
    scan_squares(p, t, src, scan);
    for (int c = 0; c < p->n_columns; c++)
        if (!p->columns[c].categorical &&
            (st = ffnn_prep_stats(p, c, scan[c].nnum, scan[c].sum, scan[c].ss, t->nrows,
                                  t->source, err)) != FFNN_OK)
            goto fail;

    if ((st = fit_target(p, t, tcol, opt, err)) != FFNN_OK)
        goto fail;
    free(skip);
    free(decl);
    free(src);
    free(scratch);
    free(scan);
    return FFNN_OK;
nomem:
    st = ffnn_error_nomem(err);
fail:
    free(skip);
    free(decl);
    free(src);
    free(scratch);
    free(scan);
    ffnn_prep_release(p);
    return st;
}
