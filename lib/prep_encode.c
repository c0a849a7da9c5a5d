/* ffnn — encoding rows with a fitted preprocessing: where its columns sit
 * in a header, one record into the network's input, a target field into a
 * class index or value, and whole tables into encoded data. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/preprocess.h"
#include "internal.h"
#include "prep_internal.h"

/* ---- bind / encode / target ----------------------------------------------- */

/* Names are looked up in a sorted index of the header, so wide inputs bind
 * in n log n (a scan of the header per feature was quadratic). */
ffnn_status ffnn_prep_bind(const ffnn_prep *p, char *const *header, int ncols,
                           ffnn_prep_binding *b, const char *source, ffnn_error *err)
{
    memset(b, 0, sizeof *b);
    b->col = ffnn_calloc((size_t)(p->n_columns > 0 ? p->n_columns : 1), sizeof *b->col);
    ffnn_name_col *v = ffnn_table_name_index(header, ncols);
    if (!b->col || !v) {
        free(v);
        ffnn_prep_binding_release(b);
        return ffnn_error_nomem(err);
    }
    b->ncols = ncols;
    b->target_col = p->target ? ffnn_table_name_find(v, ncols, p->target) : -1;
    for (int c = 0; c < p->n_columns; c++)
        if ((b->col[c] = ffnn_table_name_find(v, ncols, p->columns[c].name)) < 0) {
            ffnn_status st = ffnn_error_set(err, FFNN_EDATA, "%s: missing feature column \"%s\"",
                                            source, p->columns[c].name);
            free(v);
            ffnn_prep_binding_release(b);
            return st;
        }
    free(v);
    return FFNN_OK;
}

void ffnn_prep_binding_release(ffnn_prep_binding *b)
{
    if (!b)
        return;
    free(b->col);
    memset(b, 0, sizeof *b);
}

static ffnn_status unknown_category(ffnn_error *err, const char *source, long line, int col,
                                    const ffnn_prep_column *c, const char *s)
{
    char sb[64], cats[256];
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: unknown category \"%s\" in column \"%s\" "
                          "(categories: %s)", source, line, col, ffnn_csv_show(sb, s), c->name,
                          ffnn_prep_join_names(cats, sizeof cats, c->cats, c->n_cats));
}

/* Index of s in the byte-ordered categories, or -1. */
static int find_cat(const ffnn_prep_column *c, const char *s)
{
    return ffnn_prep_find_str(c->cats, c->n_cats, s);
}

ffnn_status ffnn_prep_encode(const ffnn_prep *p, const ffnn_prep_binding *b, char *const *fields,
                             float *x, const char *source, long line, ffnn_error *err)
{
    return ffnn_prep_encode_unseen(p, b, fields, x, source, line, NULL, false, err);
}

ffnn_status ffnn_prep_encode_unseen(const ffnn_prep *p, const ffnn_prep_binding *b,
                                    char *const *fields, float *x, const char *source, long line,
                                    long *unseen, bool strict, ffnn_error *err)
{
    for (int c = 0; c < p->n_columns; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        const char *s = fields[b->col[c]];
        int fcol = b->col[c] + 1, o = col->offset;
        if (col->categorical) {
            for (int k = 0; k < col->n_cats; k++)
                x[o + k] = 0.0f;
            if (ffnn_csv_is_missing(s)) {
                if (p->impute == FFNN_IMPUTE_NONE)
                    return ffnn_prep_missing_value(err, source, line, fcol, col->name);
            } else {
                int k = find_cat(col, s);
                if (k >= 0)
                    x[o + k] = 1.0f;
                else if (strict)
                    return unknown_category(err, source, line, fcol, col, s);
                else if (unseen)
                    unseen[c]++;
            }
            for (int k = 0; k < col->n_cats; k++)
                x[o + k] = (float)(((double)x[o + k] - p->mean[o + k]) / p->scale[o + k]);
            continue;
        }
        double v;
        if (ffnn_csv_is_missing(s)) {
            if (p->impute == FFNN_IMPUTE_NONE)
                return ffnn_prep_missing_value(err, source, line, fcol, col->name);
            v = col->fill;
        } else if (!ffnn_parse_double(s, &v)) {
            return ffnn_prep_not_number(err, source, line, fcol, col->name, s);
        } else if (isinf((float)v)) {
            return ffnn_prep_out_of_range(err, source, line, fcol, s);
        }
        x[o] = ffnn_prep_standardise(p, o, v);
        if (isinf(x[o]))   /* finite, but not once standardised */
            return ffnn_prep_standardised_overflow(err, source, line, fcol, s, p, col);
    }
    return FFNN_OK;
}

ffnn_status ffnn_prep_target(const ffnn_prep *p, const char *field, double *y, const char *source,
                             long line, int col, ffnn_error *err)
{
    char sb[64];
    const char *tname = p->target ? p->target : "?";
    if (ffnn_csv_is_missing(field))
        return ffnn_prep_missing_target(err, source, line, col, tname);
    if (p->task == FFNN_TASK_REGRESSION) {
        double v;
        if (!ffnn_parse_double(field, &v))
            return ffnn_error_set(err, FFNN_EDATA,
                                  "%s:%ld:%d: expected a number in target column \"%s\", got \"%s\"",
                                  source, line, col, tname, ffnn_csv_show(sb, field));
        if (isinf((float)v))
            return ffnn_prep_out_of_range(err, source, line, col, field);
        *y = v;
        return FFNN_OK;
    }
    for (int k = 0; k < p->n_classes; k++)
        if (strcmp(p->classes[k], field) == 0) {
            *y = k;
            return FFNN_OK;
        }
    /* Integer labels match by value: "1.0" and " 1" are class "1". */
    double v;
    if (ffnn_parse_double(field, &v) && ffnn_prep_is_int_label(v)) {
        char lb[32];
        ffnn_prep_int_label(lb, v);
        for (int k = 0; k < p->n_classes; k++)
            if (strcmp(p->classes[k], lb) == 0) {
                *y = k;
                return FFNN_OK;
            }
    }
    char cols[256];
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: unknown class \"%s\" (classes: %s)", source,
                          line, col, ffnn_csv_show(sb, field),
                          ffnn_prep_join_names(cols, sizeof cols, p->classes, p->n_classes));
}

/* ---- encoded data ----------------------------------------------------------- */

ffnn_status ffnn_data_from_table(ffnn_data *d, const ffnn_prep *p, const ffnn_table *t,
                                 const long *rows, long n, bool need_target, ffnn_error *err)
{
    ffnn_prep_binding b;
    ffnn_status st;
    memset(d, 0, sizeof *d);
    if (!rows)
        n = t->nrows;
    if ((st = ffnn_prep_bind(p, t->names, t->ncols, &b, t->source, err)) != FFNN_OK)
        return st;
    if (need_target && b.target_col < 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: missing target column \"%s\"", t->source,
                            p->target ? p->target : "?");
        goto fail;
    }
    d->n = n;
    d->d = p->n_features;
    if ((size_t)n > SIZE_MAX / sizeof(float) / (size_t)(d->d > 0 ? d->d : 1))
        goto nomem;
    d->X = ffnn_calloc((size_t)n * (size_t)d->d, sizeof *d->X);
    if (!d->X)
        goto nomem;
    if (b.target_col >= 0 && !(d->y = ffnn_calloc((size_t)n, sizeof *d->y)))
        goto nomem;
    for (long i = 0; i < n; i++) {
        long r = rows ? rows[i] : i;
        char *const *row = t->cells + r * t->ncols;
        st = ffnn_prep_encode(p, &b, row, d->X + i * (long)d->d, t->source, t->lines[r], err);
        if (st != FFNN_OK)
            goto fail;
        if (d->y && (st = ffnn_prep_target(p, row[b.target_col], &d->y[i], t->source, t->lines[r],
                                           b.target_col + 1, err)) != FFNN_OK)
            goto fail;
    }
    ffnn_prep_binding_release(&b);
    return FFNN_OK;
nomem:
    st = ffnn_error_nomem(err);
fail:
    ffnn_prep_binding_release(&b);
    ffnn_data_release(d);
    return st;
}

void ffnn_data_release(ffnn_data *d)
{
    if (!d)
        return;
    free(d->X);
    free(d->y);
    memset(d, 0, sizeof *d);
}
