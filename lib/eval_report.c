/* ffnn — evaluation reports: the aligned text report and the JSON document
 * (see eval.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ffnn/eval.h"
#include "ffnn/json.h"
#include "internal.h"

/* ---- Text report ------------------------------------------------------------ */

static void num4(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "undefined");
    else
        snprintf(buf, size, "%.4f", v);
}

/* s right-aligned in width display columns. */
static void put_right(FILE *fp, const char *s, int width)
{
    for (int i = ffnn_utf8_width(s); i < width; i++)
        fputc(' ', fp);
    fputs(s, fp);
}

int ffnn_eval_write_report(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d)
{
    char a[32];
    const char *const *all;
    double vals[FFNN_EVAL_SUMMARY_MAX];
    int n = ffnn_eval_summary(r, &all, vals);
    if (r->task == FFNN_EVAL_REGRESSION) {
        fprintf(fp, "regression: %ld rows, target \"%s\"\n\n", r->n, d->target);
        for (int i = 0; i < n; i++) {
            num4(a, sizeof a, vals[i]);
            fprintf(fp, "%-23s %s\n", all[i], a);
        }
        return ferror(fp) ? -1 : 0;
    }
    fprintf(fp, "%s classification: %ld rows, %d classes, target \"%s\"\n\n",
            ffnn_eval_task_name(r->task), r->n, r->k, d->target);
    /* The short list; the averages are in the table below. */
    const char *names[] = {"accuracy", "balanced_accuracy", "log_loss", "roc_auc",
                           "subset_accuracy"};
    int nm = r->auc_per_class ? 5 : 2;
    for (int i = 0; i < nm; i++) {
        num4(a, sizeof a, vals[ffnn_enum_parse(all, n, names[i])]);
        fprintf(fp, "%-18s %s", names[i], a);
        if (i == 3 && r->task == FFNN_EVAL_BINARY)
            fprintf(fp, "  (positive class: %s)", r->k >= 2 ? d->classes[1] : "?");
        else if (i == 3)
            fputs("  (one-vs-rest macro)", fp);
        else if (i == 4)
            fputs("  (every p_ >= 0.5 exactly on the true class)", fp);
        fputc('\n', fp);
    }
    fputc('\n', fp);

    /* sklearn's classification_report layout, plus per-class AUC. */
    int w = 12;
    for (int c = 0; c < r->k; c++)
        if (r->present[c] && ffnn_utf8_width(d->classes[c]) > w)
            w = ffnn_utf8_width(d->classes[c]);
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
        if (ffnn_utf8_width(d->classes[c]) > cw)
            cw = ffnn_utf8_width(d->classes[c]);
        if (ffnn_utf8_width(d->classes[c]) > lw)
            lw = ffnn_utf8_width(d->classes[c]);
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

int ffnn_eval_write_json(FILE *fp, const ffnn_eval_result *r, const ffnn_eval_data *d)
{
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, fp, 2);
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "task", ffnn_eval_task_name(r->task));
    ffnn_json_key_int(&w, "rows", r->n);
    ffnn_json_key_string(&w, "target", d->target);
    const char *const *names;
    double vals[FFNN_EVAL_SUMMARY_MAX];
    int n = ffnn_eval_summary(r, &names, vals);
    if (r->task != FFNN_EVAL_REGRESSION) {
        ffnn_json_key(&w, "classes");
        ffnn_json_string_array(&w, d->classes, r->k);
    }
    if (r->task == FFNN_EVAL_BINARY)
        ffnn_json_key_string(&w, "positive_class", r->k >= 2 ? d->classes[1] : NULL);
    for (int i = 0; i < n; i++)
        ffnn_json_key_number(&w, names[i], vals[i]);
    if (r->task == FFNN_EVAL_REGRESSION) {
        ffnn_json_end_object(&w);
        fputc('\n', fp);
        return ferror(fp) ? -1 : 0;
    }
    ffnn_json_key(&w, "per_class");
    ffnn_json_begin_array(&w, false);
    for (int c = 0; c < r->k; c++) {
        if (!r->present[c])
            continue;
        const ffnn_eval_prf *v = &r->per_class[c];
        ffnn_json_begin_object(&w, true);
        ffnn_json_key_string(&w, "class", d->classes[c]);
        ffnn_json_key_number(&w, "precision", v->precision);
        ffnn_json_key_number(&w, "recall", v->recall);
        ffnn_json_key_number(&w, "f1", v->f1);
        ffnn_json_key_int(&w, "support", v->support);
        ffnn_json_key_number(&w, "roc_auc", r->auc_per_class ? r->auc_per_class[c] : NAN);
        ffnn_json_end_object(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_key(&w, "confusion_matrix");
    ffnn_json_begin_array(&w, false);
    for (int i = 0; i < r->k; i++) {
        ffnn_json_begin_array(&w, true);
        for (int j = 0; j < r->k; j++)
            ffnn_json_int(&w, r->confusion[(size_t)i * r->k + j]);
        ffnn_json_end_array(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_end_object(&w);
    fputc('\n', fp);
    return ferror(fp) ? -1 : 0;
}
