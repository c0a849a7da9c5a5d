/* ffnn — evaluation input: the predictions CSV reader and numeric tables
 * such as ffnn-train's history (see eval.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/eval.h"
#include "internal.h"

/* ---- Predictions CSV ---------------------------------------------------------- */

void ffnn_eval_data_release(ffnn_eval_data *d)
{
    if (!d)
        return;
    free(d->target);
    ffnn_free_strings(d->classes, d->k);
    free(d->y_true);
    free(d->y_pred);
    free(d->proba);
    free(d->t);
    free(d->p);
    memset(d, 0, sizeof *d);
}

typedef struct {
    long n, cap;
    char **truth, **pred;  /* strings per row */
    long *line;            /* physical line of each row */
    double *proba;         /* n × k */
} rows;

static void rows_free(rows *r)
{
    for (long i = 0; i < r->n; i++) {
        free(r->truth[i]);
        free(r->pred[i]);
    }
    free(r->truth);
    free(r->pred);
    free(r->line);
    free(r->proba);
}

static bool rows_grow(rows *r, int k)
{
    if (r->n < r->cap)
        return true;
    long cap = r->cap ? r->cap * 2 : 256;
    char **t = realloc(r->truth, (size_t)cap * sizeof *t);
    if (t)
        r->truth = t;
    char **p = realloc(r->pred, (size_t)cap * sizeof *p);
    if (p)
        r->pred = p;
    long *l = realloc(r->line, (size_t)cap * sizeof *l);
    if (l)
        r->line = l;
    if (!t || !p || !l)
        return false;
    if (k > 0) {
        double *q = realloc(r->proba, (size_t)cap * (size_t)k * sizeof *q);
        if (!q)
            return false;
        r->proba = q;
    }
    r->cap = cap;
    return true;
}

/* A label's class: by name, else by value for numeric labels ("1.0" is
 * class "1", as ffnn_prep_target matches them). */
static int label_class(char *const *classes, int k, const char *s)
{
    int c = ffnn_find_string(classes, k, s);
    double v, w;
    if (c >= 0 || !ffnn_parse_double(s, &v))
        return c;
    for (c = 0; c < k; c++)
        if (ffnn_parse_double(classes[c], &w) && w == v)
            return c;
    return -1;
}

/* "a, b, c" (the first few) for messages. */
static void class_list(char *buf, size_t size, char *const *classes, int k)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int c = 0; c < k && len + 1 < size; c++) {
        int w = snprintf(buf + len, size - len, "%s%s", c ? ", " : "", classes[c]);
        if (w < 0)
            break;
        len += (size_t)w;
        if (c == 5 && c + 1 < k) {
            snprintf(buf + (len < size ? len : size - 1), size - (len < size ? len : size - 1),
                     ", ...");
            break;
        }
    }
}

static int cmp_label_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_label_num(const void *a, const void *b)
{
    double x = 0, y = 0;
    ffnn_parse_double(*(char *const *)a, &x);
    ffnn_parse_double(*(char *const *)b, &y);
    return x < y ? -1 : x > y ? 1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* Classes without p_ columns: the sorted union of the labels (numerically
 * when all are numbers, as numpy sorts a numeric column). */
static ffnn_status collect_classes(ffnn_eval_data *d, const rows *r, ffnn_error *err)
{
    int cap = 8;
    d->classes = calloc((size_t)cap, sizeof *d->classes);
    if (!d->classes)
        return ffnn_error_nomem(err);
    bool numeric = true;
    for (long i = 0; i < r->n; i++) {
        const char *two[2] = {r->truth[i], r->pred[i]};
        for (int j = 0; j < 2; j++) {
            if (ffnn_find_string(d->classes, d->k, two[j]) >= 0)
                continue;
            if (d->k == cap) {
                char **c = realloc(d->classes, (size_t)cap * 2 * sizeof *c);
                if (!c)
                    return ffnn_error_nomem(err);
                d->classes = c;
                cap *= 2;
            }
            if (!(d->classes[d->k] = strdup(two[j])))
                return ffnn_error_nomem(err);
            double v;
            numeric = numeric && ffnn_parse_double(two[j], &v);
            d->k++;
        }
    }
    qsort(d->classes, (size_t)d->k, sizeof *d->classes, numeric ? cmp_label_num : cmp_label_str);
    return FFNN_OK;
}

static bool all_numeric(const rows *r)
{
    double v;
    for (long i = 0; i < r->n; i++)
        if (!ffnn_parse_double(r->truth[i], &v) || !ffnn_parse_double(r->pred[i], &v))
            return false;
    return true;
}

ffnn_status ffnn_eval_data_read(ffnn_eval_data *d, FILE *fp, const char *name,
                                const ffnn_eval_read_options *opt, ffnn_error *err)
{
    ffnn_eval_read_options o = {NULL, FFNN_EVAL_AUTO};
    if (opt)
        o = *opt;
    memset(d, 0, sizeof *d);
    ffnn_csv_reader *csv = NULL;
    rows r;
    memset(&r, 0, sizeof r);
    char **hdr = NULL;
    int ncols = 0, *pcols = NULL, np = 0, pred_col = -1, true_col = -1;
    ffnn_status st;
    char **fields;
    int nf;

    if ((st = ffnn_csv_reader_create(&csv, fp, name, err)))
        return st;
    if ((st = ffnn_csv_next(csv, &fields, &nf, err)))
        goto fail;
    if (nf == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: empty input: no header row", name);
        goto fail;
    }
    ncols = nf;
    hdr = calloc((size_t)ncols, sizeof *hdr);
    pcols = calloc((size_t)ncols, sizeof *pcols);
    if (!hdr || !pcols)
        goto nomem;
    for (int j = 0; j < ncols; j++)
        if (!(hdr[j] = strdup(fields[j])))
            goto nomem;
    /* Names reach the JSON and SVG outputs, which must be UTF-8. */
    for (int j = 0; j < ncols; j++)
        if (ffnn_utf8_invalid(hdr[j], strlen(hdr[j])) >= 0) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: column name is not valid UTF-8", name,
                                ffnn_csv_line(csv), j + 1);
            goto fail;
        }
    if ((pred_col = ffnn_find_string(hdr, ncols, "prediction")) < 0) {
        st = ffnn_error_set(err, FFNN_EDATA,
                            "%s:1: no \"prediction\" column (expected a predictions CSV from "
                            "ffnn-predict)",
                            name);
        goto fail;
    }
    if (o.mode != FFNN_EVAL_FORCE_REGRESSION)
        for (int j = pred_col + 1; j < ncols; j++)
            if (strncmp(hdr[j], "p_", 2) == 0)
                pcols[np++] = j;
    if (o.target) {
        if ((true_col = ffnn_find_string(hdr, ncols, o.target)) < 0) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:1: no column \"%s\" (--target)", name,
                                o.target);
            goto fail;
        }
        /* A predictions CSV from a model whose target was "prediction"
         * has two such columns: scoring the first would score the
         * prediction against itself. */
        if (true_col == pred_col || (true_col > pred_col && strncmp(hdr[true_col], "p_", 2) == 0)) {
            st = ffnn_error_set(err, FFNN_EDATA,
                                "%s:1:%d: --target \"%s\" is %s column, not true labels", name,
                                true_col + 1, o.target,
                                true_col == pred_col ? "the prediction" : "a probability");
            goto fail;
        }
    } else {
        if (pred_col > 0 && strncmp(hdr[pred_col - 1], "p_", 2) != 0)
            true_col = pred_col - 1;
        if (true_col < 0) {
            st = ffnn_error_set(err, FFNN_EDATA,
                                "%s:1: no true-label column before \"prediction\" (predict a "
                                "labelled file, or name it with --target)",
                                name);
            goto fail;
        }
    }
    if (!(d->target = strdup(hdr[true_col])))
        goto nomem;
    if (np > 0) {
        d->classes = calloc((size_t)np, sizeof *d->classes);
        if (!d->classes)
            goto nomem;
        for (int c = 0; c < np; c++) {
            const char *cls = hdr[pcols[c]] + 2;
            if (ffnn_find_string(d->classes, d->k, cls) >= 0) {
                st = ffnn_error_set(err, FFNN_EDATA, "%s:1:%d: duplicate probability column \"%s\"",
                                    name, pcols[c] + 1, hdr[pcols[c]]);
                goto fail;
            }
            if (!(d->classes[d->k++] = strdup(cls)))
                goto nomem;
        }
    }

    for (;;) {
        if ((st = ffnn_csv_next(csv, &fields, &nf, err)))
            goto fail;
        if (nf == 0)
            break;
        long line = ffnn_csv_line(csv);
        if (nf != ncols) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", name, line,
                                ncols, nf);
            goto fail;
        }
        if (!rows_grow(&r, np))
            goto nomem;
        if (ffnn_csv_is_missing(fields[true_col])) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: missing true label in \"%s\"", name,
                                line, true_col + 1, hdr[true_col]);
            goto fail;
        }
        if (ffnn_csv_is_missing(fields[pred_col])) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: missing prediction", name, line,
                                pred_col + 1);
            goto fail;
        }
        for (int c = 0; c < np; c++) {
            double v;
            if (!ffnn_parse_double(fields[pcols[c]], &v) || !(v >= 0 && v <= 1)) {
                char shown[64];
                st = ffnn_error_set(err, FFNN_EDATA,
                                    "%s:%ld:%d: %s: expected a probability, got \"%s\"", name,
                                    line, pcols[c] + 1, hdr[pcols[c]],
                                    ffnn_csv_show(shown, fields[pcols[c]]));
                goto fail;
            }
            r.proba[(size_t)r.n * (size_t)np + (size_t)c] = v;
        }
        r.line[r.n] = line;
        r.truth[r.n] = strdup(fields[true_col]);
        r.pred[r.n] = strdup(fields[pred_col]);
        r.n++;
        if (!r.truth[r.n - 1] || !r.pred[r.n - 1])
            goto nomem;
    }
    if (r.n == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: no rows after the header", name);
        goto fail;
    }
    d->n = r.n;

    bool regression = o.mode == FFNN_EVAL_FORCE_REGRESSION ||
                      (o.mode == FFNN_EVAL_AUTO && np == 0 && all_numeric(&r));
    if (regression) {
        d->task = FFNN_EVAL_REGRESSION;
        d->t = calloc((size_t)r.n, sizeof *d->t);
        d->p = calloc((size_t)r.n, sizeof *d->p);
        if (!d->t || !d->p)
            goto nomem;
        for (long i = 0; i < r.n; i++) {
            char shown[64];
            if (!ffnn_parse_double(r.truth[i], &d->t[i])) {
                st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: expected a number, got \"%s\"",
                                    name, r.line[i], true_col + 1, ffnn_csv_show(shown, r.truth[i]));
                goto fail;
            }
            if (!ffnn_parse_double(r.pred[i], &d->p[i])) {
                st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: expected a number, got \"%s\"",
                                    name, r.line[i], pred_col + 1, ffnn_csv_show(shown, r.pred[i]));
                goto fail;
            }
        }
    } else {
        if (np == 0 && (st = collect_classes(d, &r, err)))
            goto fail;
        d->y_true = calloc((size_t)r.n, sizeof *d->y_true);
        d->y_pred = calloc((size_t)r.n, sizeof *d->y_pred);
        if (!d->y_true || !d->y_pred)
            goto nomem;
        for (long i = 0; i < r.n; i++) {
            d->y_true[i] = label_class(d->classes, d->k, r.truth[i]);
            d->y_pred[i] = label_class(d->classes, d->k, r.pred[i]);
            if (d->y_true[i] < 0 || d->y_pred[i] < 0) {
                char list[256];
                class_list(list, sizeof list, d->classes, d->k);
                bool t = d->y_true[i] < 0;
                st = ffnn_error_set(err, FFNN_EDATA,
                                    "%s:%ld:%d: %s \"%s\" is not one of the classes of the p_ "
                                    "columns (%s)",
                                    name, r.line[i], (t ? true_col : pred_col) + 1,
                                    t ? "true label" : "prediction", t ? r.truth[i] : r.pred[i],
                                    list);
                goto fail;
            }
        }
        d->task = d->k <= 2 ? FFNN_EVAL_BINARY : FFNN_EVAL_MULTICLASS;
        if (np > 0) {
            d->proba = r.proba;
            r.proba = NULL;
        }
    }
    st = FFNN_OK;
    goto done;
nomem:
    st = ffnn_error_nomem(err);
fail:
    ffnn_eval_data_release(d);
done:
    rows_free(&r);
    ffnn_free_strings(hdr, ncols);
    free(pcols);
    ffnn_csv_reader_destroy(csv);
    return st;
}

/* ---- History tables ------------------------------------------------------------ */

void ffnn_eval_table_release(ffnn_eval_table *t)
{
    if (!t)
        return;
    ffnn_free_strings(t->names, t->ncols);
    free(t->v);
    memset(t, 0, sizeof *t);
}

ffnn_status ffnn_eval_table_read(ffnn_eval_table *t, FILE *fp, const char *name, ffnn_error *err)
{
    memset(t, 0, sizeof *t);
    ffnn_table tab;
    ffnn_status st = ffnn_table_read(&tab, fp, name, false, err);
    if (st)
        return st;
    /* Take the names; convert the cells. */
    t->ncols = tab.ncols;
    t->names = tab.names;
    tab.names = NULL;
    t->v = ffnn_calloc((size_t)tab.nrows * (size_t)tab.ncols, sizeof *t->v);
    if (!t->v) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    for (long i = 0; i < tab.nrows; i++)
        for (int j = 0; j < tab.ncols; j++) {
            const char *cell = tab.cells[i * tab.ncols + j];
            double *x = &t->v[(size_t)i * (size_t)tab.ncols + (size_t)j];
            if (ffnn_csv_is_missing(cell)) {
                *x = NAN;
            } else if (!ffnn_parse_double(cell, x)) {
                char shown[64];
                st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: expected a number, got \"%s\"", name,
                                    tab.lines[i], j + 1, ffnn_csv_show(shown, cell));
                goto done;
            }
        }
    t->n = tab.nrows;
done:
    ffnn_table_release(&tab);
    if (st)
        ffnn_eval_table_release(t);
    return st;
}
