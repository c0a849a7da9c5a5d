/* ffnn — evaluation charts as SVG: confusion matrix, ROC curves, learning
 * curves, drawn with the plot.h primitives (see eval.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/eval.h"
#include "ffnn/plot.h"
#include "internal.h"

/* ---- Confusion matrix and ROC curves ------------------------------------------ */

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
    int mc = ffnn_find_string(hist->names, hist->ncols, metric);
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
    int vc = ffnn_find_string(hist->names, hist->ncols, vname), ec = ffnn_find_string(hist->names, hist->ncols, "epoch");
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
