/* ffnn — evaluation I/O: the predictions CSV reader, the text and JSON
 * reports, history tables and the evaluation charts (see eval.h). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/eval.h"
#include "ffnn/plot.h"
#include "internal.h"

/* ---- Reading -------------------------------------------------------------- */

void ffnn_eval_data_release(ffnn_eval_data *d)
{
    if (!d)
        return;
    free(d->target);
    for (int c = 0; c < d->k; c++)
        free(d->classes[c]);
    free(d->classes);
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

static int find_class(char *const *classes, int k, const char *s)
{
    for (int c = 0; c < k; c++)
        if (strcmp(classes[c], s) == 0)
            return c;
    return -1;
}

/* A label's class: by name, else by value for numeric labels ("1.0" is
 * class "1", as ffnn_prep_target matches them). */
static int label_class(char *const *classes, int k, const char *s)
{
    int c = find_class(classes, k, s);
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
            if (find_class(d->classes, d->k, two[j]) >= 0)
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
    for (int j = 0; j < ncols && pred_col < 0; j++)
        if (strcmp(hdr[j], "prediction") == 0)
            pred_col = j;
    if (pred_col < 0) {
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
        for (int j = 0; j < ncols && true_col < 0; j++)
            if (strcmp(hdr[j], o.target) == 0)
                true_col = j;
        if (true_col < 0) {
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
            if (find_class(d->classes, d->k, cls) >= 0) {
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
    for (int j = 0; hdr && j < ncols; j++)
        free(hdr[j]);
    free(hdr);
    free(pcols);
    ffnn_csv_reader_destroy(csv);
    return st;
}

/* ---- Text report ------------------------------------------------------------ */

static void num4(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "undefined");
    else
        snprintf(buf, size, "%.4f", v);
}

static int utf8_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* s right-aligned in width display columns. */
static void put_right(FILE *fp, const char *s, int width)
{
    for (int i = utf8_width(s); i < width; i++)
        fputc(' ', fp);
    fputs(s, fp);
}

int ffnn_eval_write_report(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d)
{
    char a[32];
    if (r->task == FFNN_EVAL_REGRESSION) {
        fprintf(fp, "regression: %ld rows, target \"%s\"\n\n", r->n, d->target);
        const char *names[] = {"mae", "mse", "rmse", "r2", "max_error", "median_absolute_error"};
        const double vals[] = {r->reg.mae, r->reg.mse, r->reg.rmse, r->reg.r2, r->reg.max_error,
                               r->reg.median_absolute_error};
        for (size_t i = 0; i < FFNN_ARRAY_LEN(names); i++) {
            num4(a, sizeof a, vals[i]);
            fprintf(fp, "%-23s %s\n", names[i], a);
        }
        return ferror(fp) ? -1 : 0;
    }
    fprintf(fp, "%s classification: %ld rows, %d classes, target \"%s\"\n\n",
            ffnn_eval_task_name(r->task), r->n, r->k, d->target);
    const char *names[] = {"accuracy", "balanced_accuracy", "log_loss", "roc_auc"};
    const double vals[] = {r->accuracy, r->balanced_accuracy, r->log_loss, r->roc_auc};
    int nm = r->auc_per_class ? 4 : 2;
    for (int i = 0; i < nm; i++) {
        num4(a, sizeof a, vals[i]);
        fprintf(fp, "%-18s %s", names[i], a);
        if (i == 3 && r->task == FFNN_EVAL_BINARY)
            fprintf(fp, "  (positive class: %s)", r->k >= 2 ? d->classes[1] : "?");
        else if (i == 3)
            fputs("  (one-vs-rest macro)", fp);
        fputc('\n', fp);
    }
    fputc('\n', fp);

    /* sklearn's classification_report layout, plus per-class AUC. */
    int w = 12;
    for (int c = 0; c < r->k; c++)
        if (r->present[c] && utf8_width(d->classes[c]) > w)
            w = utf8_width(d->classes[c]);
    bool auc = r->auc_per_class != NULL;
    put_right(fp, "", w);
    fprintf(fp, "  precision     recall   f1-score    support%s\n\n", auc ? "    roc_auc" : "");
    for (int c = 0; c < r->k; c++) {
        if (!r->present[c])
            continue;
        const ffnn_eval_prf *v = &r->per_class[c];
        put_right(fp, d->classes[c], w);
        fprintf(fp, " %10.4f %10.4f %10.4f %10ld", v->precision, v->recall, v->f1, v->support);
        if (auc) {
            num4(a, sizeof a, r->auc_per_class[c]);
            fputc(' ', fp);
            put_right(fp, a, 10);
        }
        fputc('\n', fp);
    }
    fputc('\n', fp);
    const ffnn_eval_prf *avg[2] = {&r->macro, &r->weighted};
    const char *avg_name[2] = {"macro avg", "weighted avg"};
    for (int i = 0; i < 2; i++) {
        put_right(fp, avg_name[i], w);
        fprintf(fp, " %10.4f %10.4f %10.4f %10ld\n", avg[i]->precision, avg[i]->recall,
                avg[i]->f1, avg[i]->support);
    }

    fprintf(fp, "\nconfusion matrix (rows: true class, columns: predicted class)\n");
    int cw = 6;
    long maxc = 0;
    for (int i = 0; i < r->k * r->k; i++)
        if (r->confusion[i] > maxc)
            maxc = r->confusion[i];
    snprintf(a, sizeof a, "%ld", maxc);
    if ((int)strlen(a) > cw)
        cw = (int)strlen(a);
    int lw = 0;
    for (int c = 0; c < r->k; c++) {
        if (utf8_width(d->classes[c]) > cw)
            cw = utf8_width(d->classes[c]);
        if (utf8_width(d->classes[c]) > lw)
            lw = utf8_width(d->classes[c]);
    }
    put_right(fp, "", lw);
    for (int c = 0; c < r->k; c++) {
        fputs("  ", fp);
        put_right(fp, d->classes[c], cw);
    }
    fputc('\n', fp);
    for (int i = 0; i < r->k; i++) {
        put_right(fp, d->classes[i], lw);
        for (int j = 0; j < r->k; j++)
            fprintf(fp, "  %*ld", cw, r->confusion[(size_t)i * r->k + j]);
        fputc('\n', fp);
    }
    return ferror(fp) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------- */

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", fp);
        else if (*p == '\r')
            fputs("\\r", fp);
        else if (*p == '\t')
            fputs("\\t", fp);
        else if (*p < 0x20)
            fprintf(fp, "\\u%04x", *p);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

static void json_num(FILE *fp, double v)
{
    char buf[32];
    if (!isfinite(v))
        fputs("null", fp);
    else
        fputs(ffnn_format_double(buf, v), fp);
}

static void json_key_num(FILE *fp, const char *indent, const char *key, double v, bool comma)
{
    fprintf(fp, "%s\"%s\": ", indent, key);
    json_num(fp, v);
    fputs(comma ? ",\n" : "\n", fp);
}

int ffnn_eval_write_json(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d)
{
    fprintf(fp, "{\n  \"task\": \"%s\",\n  \"rows\": %ld,\n  \"target\": ",
            ffnn_eval_task_name(r->task), r->n);
    json_str(fp, d->target);
    fputs(",\n", fp);
    if (r->task == FFNN_EVAL_REGRESSION) {
        json_key_num(fp, "  ", "mae", r->reg.mae, true);
        json_key_num(fp, "  ", "mse", r->reg.mse, true);
        json_key_num(fp, "  ", "rmse", r->reg.rmse, true);
        json_key_num(fp, "  ", "r2", r->reg.r2, true);
        json_key_num(fp, "  ", "max_error", r->reg.max_error, true);
        json_key_num(fp, "  ", "median_absolute_error", r->reg.median_absolute_error, false);
        fputs("}\n", fp);
        return ferror(fp) ? -1 : 0;
    }
    fputs("  \"classes\": [", fp);
    for (int c = 0; c < r->k; c++) {
        if (c)
            fputs(", ", fp);
        json_str(fp, d->classes[c]);
    }
    fputs("],\n", fp);
    if (r->task == FFNN_EVAL_BINARY) {
        fputs("  \"positive_class\": ", fp);
        if (r->k >= 2)
            json_str(fp, d->classes[1]);
        else
            fputs("null", fp);
        fputs(",\n", fp);
    }
    json_key_num(fp, "  ", "accuracy", r->accuracy, true);
    json_key_num(fp, "  ", "balanced_accuracy", r->balanced_accuracy, true);
    json_key_num(fp, "  ", "precision_macro", r->macro.precision, true);
    json_key_num(fp, "  ", "recall_macro", r->macro.recall, true);
    json_key_num(fp, "  ", "f1_macro", r->macro.f1, true);
    json_key_num(fp, "  ", "precision_weighted", r->weighted.precision, true);
    json_key_num(fp, "  ", "recall_weighted", r->weighted.recall, true);
    json_key_num(fp, "  ", "f1_weighted", r->weighted.f1, true);
    json_key_num(fp, "  ", "log_loss", r->log_loss, true);
    json_key_num(fp, "  ", "roc_auc", r->roc_auc, true);
    fputs("  \"per_class\": [\n", fp);
    bool first = true;
    for (int c = 0; c < r->k; c++) {
        if (!r->present[c])
            continue;
        const ffnn_eval_prf *v = &r->per_class[c];
        fputs(first ? "    {\"class\": " : ",\n    {\"class\": ", fp);
        first = false;
        json_str(fp, d->classes[c]);
        fputs(", \"precision\": ", fp);
        json_num(fp, v->precision);
        fputs(", \"recall\": ", fp);
        json_num(fp, v->recall);
        fputs(", \"f1\": ", fp);
        json_num(fp, v->f1);
        fprintf(fp, ", \"support\": %ld, \"roc_auc\": ", v->support);
        json_num(fp, r->auc_per_class ? r->auc_per_class[c] : NAN);
        fputc('}', fp);
    }
    fputs("\n  ],\n  \"confusion_matrix\": [", fp);
    for (int i = 0; i < r->k; i++) {
        fputs(i ? ",\n    [" : "\n    [", fp);
        for (int j = 0; j < r->k; j++)
            fprintf(fp, "%s%ld", j ? ", " : "", r->confusion[(size_t)i * r->k + j]);
        fputc(']', fp);
    }
    fputs("\n  ]\n}\n", fp);
    return ferror(fp) ? -1 : 0;
}

/* ---- Charts ------------------------------------------------------------------ */

ffnn_status ffnn_eval_confusion_svg(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d,
                                    ffnn_error *err)
{
    if (r->task == FFNN_EVAL_REGRESSION)
        return ffnn_error_set(err, FFNN_EDATA, "a confusion matrix needs a classifier's predictions");
    char title[96];
    snprintf(title, sizeof title, "Confusion matrix (%ld rows, accuracy %.4f)", r->n, r->accuracy);
    return ffnn_plot_confusion_write(fp, (const char *const *)d->classes, r->k, r->confusion,
                                     title, err);
}

ffnn_status ffnn_eval_roc_svg(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d,
                              ffnn_error *err)
{
    if (r->task == FFNN_EVAL_REGRESSION || !d->proba)
        return ffnn_error_set(err, FFNN_EDATA, "ROC curves need class probabilities (p_ columns)");
    int first = r->task == FFNN_EVAL_BINARY ? (r->k >= 2 ? 1 : 0) : 0;
    int ncurves = r->task == FFNN_EVAL_BINARY ? 1 : r->k;
    ffnn_plot_roc *curves = ffnn_calloc((size_t)ncurves, sizeof *curves);
    unsigned char *pos = ffnn_calloc((size_t)d->n, 1);
    ffnn_status st = FFNN_OK;
    if (!curves || !pos) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    for (int i = 0; i < ncurves; i++) {
        int c = first + i;
        for (long j = 0; j < d->n; j++)
            pos[j] = d->y_true[j] == c;
        long npts;
        double *f, *t;
        if ((st = ffnn_eval_roc_curve(pos, d->proba + c, d->k, d->n, &f, &t, &npts, err)))
            goto done;
        /* Drop points inside a horizontal or vertical run: the picture is
         * the same and a million rows stay a small file. */
        long m = 0;
        for (long j = 0; j < npts; j++) {
            bool inner = j > 0 && j + 1 < npts &&
                         ((f[j - 1] == f[j] && f[j] == f[j + 1]) ||
                          (t[j - 1] == t[j] && t[j] == t[j + 1]));
            if (!inner) {
                f[m] = f[j];
                t[m] = t[j];
                m++;
            }
        }
        npts = m;
        curves[i].name = d->classes[c];
        curves[i].fpr = f;
        curves[i].tpr = t;
        curves[i].n = (int)npts;
        curves[i].auc = r->auc_per_class[c];
    }
    st = ffnn_plot_roc_write(fp, curves, ncurves,
                             r->task == FFNN_EVAL_BINARY ? "ROC curve"
                                                         : "ROC curves (one-vs-rest)",
                             err);
done:
    for (int i = 0; curves && i < ncurves; i++) {
        free((double *)curves[i].fpr);
        free((double *)curves[i].tpr);
    }
    free(curves);
    free(pos);
    return st;
}

/* ---- History tables and learning curves ------------------------------------- */

void ffnn_eval_table_release(ffnn_eval_table *t)
{
    if (!t)
        return;
    for (int j = 0; j < t->ncols; j++)
        free(t->names[j]);
    free(t->names);
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

static int table_col(const ffnn_eval_table *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

ffnn_status ffnn_eval_curve_svg(FILE *fp, const ffnn_eval_table *hist, const char *metric,
                                ffnn_error *err)
{
    if (!metric) {
        metric = "loss";
        for (int j = 0; j < hist->ncols; j++) {
            const char *n = hist->names[j];
            if (strcmp(n, "epoch") && strcmp(n, "loss") && strcmp(n, "learning_rate") &&
                strcmp(n, "lr") && strncmp(n, "val_", 4)) {
                metric = n;
                break;
            }
        }
    }
    int mc = table_col(hist, metric);
    if (mc < 0)
        return ffnn_error_set(err, FFNN_EDATA, "history has no \"%s\" column", metric);
    size_t vlen = strlen(metric) + 5;
    char *vname = malloc(vlen);
    double *x = ffnn_calloc((size_t)hist->n, sizeof *x);
    double *y0 = ffnn_calloc((size_t)hist->n, sizeof *y0);
    double *y1 = ffnn_calloc((size_t)hist->n, sizeof *y1);
    ffnn_status st;
    if (!vname || !x || !y0 || !y1) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    snprintf(vname, vlen, "val_%s", metric);
    int vc = table_col(hist, vname), ec = table_col(hist, "epoch");
    for (long i = 0; i < hist->n; i++) {
        const double *row = hist->v + (size_t)i * (size_t)hist->ncols;
        x[i] = ec >= 0 ? row[ec] : (double)i;
        y0[i] = row[mc];
        y1[i] = vc >= 0 ? row[vc] : NAN;
    }
    ffnn_plot_series s[2] = {
        {metric, x, y0, (int)hist->n, NULL, 0},
        {vname, x, y1, (int)hist->n, "6 4", 1},
    };
    bool has_val = false;
    for (long i = 0; i < hist->n; i++)
        has_val = has_val || isfinite(y1[i]);
    /* Falling curves (losses, errors) leave the bottom right empty, rising
     * ones (accuracy) the top right. */
    double a = NAN, b = NAN;
    for (long i = 0; i < hist->n; i++)
        if (isfinite(y0[i])) {
            if (isnan(a))
                a = y0[i];
            b = y0[i];
        }
    char title[160];
    snprintf(title, sizeof title, "%s per epoch", metric);
    ffnn_plot_lines_options o = ffnn_plot_lines_default();
    o.title = title;
    o.xlabel = "epoch";
    o.ylabel = metric;
    o.legend = b < a ? FFNN_PLOT_LEGEND_TOP_RIGHT : FFNN_PLOT_LEGEND_BOTTOM_RIGHT;
    st = ffnn_plot_lines_write(fp, s, has_val ? 2 : 1, &o, err);
done:
    free(vname);
    free(x);
    free(y0);
    free(y1);
    return st;
}
