/* ffnn — evaluation metrics, scikit-learn 1.2 definitions (see eval.h).
 * Reading, reports and charts are in eval_read.c, eval_report.c and eval_plot.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/eval.h"
#include "internal.h"

const char *ffnn_eval_task_name(ffnn_eval_task t)
{
    switch (t) {
    case FFNN_EVAL_BINARY: return "binary";
    case FFNN_EVAL_MULTICLASS: return "multiclass";
    case FFNN_EVAL_REGRESSION: return "regression";
    }
    return "?";
}

double ffnn_eval_accuracy(const int *yt, const int *yp, long n)
{
    if (n <= 0)
        return NAN;
    long ok = 0;
    for (long i = 0; i < n; i++)
        ok += yt[i] == yp[i];
    return (double)ok / (double)n;
}

double ffnn_eval_subset_accuracy(const int *yt, const double *P, long n, int k)
{
    if (n <= 0)
        return NAN;
    long ok = 0;
    for (long i = 0; i < n; i++) {
        const double *p = P + (size_t)i * (size_t)k;
        int c = 0;
        while (c < k && (p[c] >= 0.5) == (c == yt[i]))
            c++;
        ok += c == k;
    }
    return (double)ok / (double)n;
}

void ffnn_eval_confusion(const int *yt, const int *yp, long n, int k, long *cm)
{
    memset(cm, 0, (size_t)k * (size_t)k * sizeof *cm);
    for (long i = 0; i < n; i++)
        if (yt[i] >= 0 && yt[i] < k && yp[i] >= 0 && yp[i] < k)
            cm[(size_t)yt[i] * (size_t)k + (size_t)yp[i]]++;
}

/* sklearn's _prf_divide with zero_division="warn": 0 where the denominator
 * is 0. */
static double divide0(double num, double den)
{
    return den == 0 ? 0 : num / den;
}

void ffnn_eval_prf_compute(const long *cm, int k, const bool *present, ffnn_eval_prf *per_class,
                           ffnn_eval_prf *macro, ffnn_eval_prf *weighted)
{
    ffnn_eval_prf ma = {0, 0, 0, 0}, wa = {0, 0, 0, 0};
    int nlabels = 0;
    for (int c = 0; c < k; c++) {
        long tp = cm[(size_t)c * k + c], pred = 0, truth = 0;
        for (int j = 0; j < k; j++) {
            pred += cm[(size_t)j * k + c];
            truth += cm[(size_t)c * k + j];
        }
        ffnn_eval_prf v;
        v.precision = divide0((double)tp, (double)pred);
        v.recall = divide0((double)tp, (double)truth);
        double den = v.precision + v.recall;
        v.f1 = den == 0 ? 0 : 2 * v.precision * v.recall / den;
        v.support = truth;
        if (per_class)
            per_class[c] = v;
        if (present && !present[c])
            continue;
        nlabels++;
        ma.precision += v.precision;
        ma.recall += v.recall;
        ma.f1 += v.f1;
        ma.support += truth;
        wa.precision += v.precision * (double)truth;
        wa.recall += v.recall * (double)truth;
        wa.f1 += v.f1 * (double)truth;
        wa.support += truth;
    }
    /* No true rows at all: sklearn's weighted average is 0 under "warn". */
    if (nlabels > 0) {
        ma.precision /= nlabels;
        ma.recall /= nlabels;
        ma.f1 /= nlabels;
    }
    if (wa.support > 0) {
        wa.precision /= (double)wa.support;
        wa.recall /= (double)wa.support;
        wa.f1 /= (double)wa.support;
    } else {
        wa.precision = wa.recall = wa.f1 = 0;
    }
    if (macro)
        *macro = ma;
    if (weighted)
        *weighted = wa;
}

double ffnn_eval_balanced_accuracy(const long *cm, int k)
{
    double sum = 0;
    int m = 0;
    for (int c = 0; c < k; c++) {
        long truth = 0;
        for (int j = 0; j < k; j++)
            truth += cm[(size_t)c * k + j];
        if (truth == 0)
            continue;
        sum += (double)cm[(size_t)c * k + c] / (double)truth;
        m++;
    }
    return m ? sum / m : NAN;
}

double ffnn_eval_log_loss(const int *yt, const double *P, long n, int k)
{
    if (n <= 0 || k < 2)
        return NAN;
    const double eps = DBL_EPSILON, hi = 1 - DBL_EPSILON;
    double total = 0;
    for (long i = 0; i < n; i++) {
        const double *row = P + (size_t)i * (size_t)k;
        double sum = 0, py = 0;
        for (int j = 0; j < k; j++) {
            double p = row[j] < eps ? eps : row[j] > hi ? hi : row[j];
            sum += p;
            if (j == yt[i])
                py = p;
        }
        total += -log(py / sum);
    }
    return total / (double)n;
}

typedef struct {
    double score;
    unsigned char pos;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return x > y ? -1 : x < y ? 1 : 0;
}

/* Sorted copy of (score, pos), descending; counts of positives/negatives. */
static ffnn_status sort_scores(const unsigned char *pos, const double *score, long stride, long n,
                               scored **out, long *np, long *nn, ffnn_error *err)
{
    scored *v = ffnn_calloc((size_t)n, sizeof *v);
    if (!v)
        return ffnn_error_nomem(err);
    *np = *nn = 0;
    for (long i = 0; i < n; i++) {
        v[i].score = score[(size_t)i * (size_t)stride];
        v[i].pos = pos[i] != 0;
        if (v[i].pos)
            (*np)++;
        else
            (*nn)++;
    }
    qsort(v, (size_t)n, sizeof *v, by_score_desc);
    *out = v;
    return FFNN_OK;
}

/* Walks v (sorted by sort_scores) and calls step with the cumulative counts
 * of positives and negatives at the end of every run of tied scores: one
 * ROC point per distinct threshold, so tied scores make one diagonal
 * segment. */
static void roc_steps(const scored *v, long n, void (*step)(void *ctx, long tp, long fp),
                      void *ctx)
{
    long tp = 0, fp = 0;
    for (long i = 0; i < n; i++) {
        if (v[i].pos)
            tp++;
        else
            fp++;
        if (i + 1 == n || v[i + 1].score != v[i].score)
            step(ctx, tp, fp);
    }
}

/* Twice the area in count units: Σ (fp_i - fp_{i-1}) (tp_i + tp_{i-1}).
 * Exact in integers up to 2^53. */
typedef struct {
    double area2;
    long tp0, fp0;
} auc_sum;

static void auc_step(void *ctx, long tp, long fp)
{
    auc_sum *a = ctx;
    a->area2 += (double)(fp - a->fp0) * (double)(tp + a->tp0);
    a->tp0 = tp;
    a->fp0 = fp;
}

ffnn_status ffnn_eval_roc_auc(const unsigned char *pos, const double *score, long stride, long n,
                              double *auc, ffnn_error *err)
{
    scored *v;
    long np, nn;
    *auc = NAN;
    if (sort_scores(pos, score, stride, n, &v, &np, &nn, err))
        return err ? err->status : FFNN_EINTERNAL;
    if (np > 0 && nn > 0) {
        auc_sum a = {0, 0, 0};
        roc_steps(v, n, auc_step, &a);
        *auc = a.area2 / 2 / ((double)np * (double)nn);
    }
    free(v);
    return FFNN_OK;
}

typedef struct {
    double *f, *t;
    long m, np, nn;
} roc_points;

static void curve_step(void *ctx, long tp, long fp)
{
    roc_points *c = ctx;
    c->f[c->m] = c->nn ? (double)fp / (double)c->nn : 0;
    c->t[c->m] = c->np ? (double)tp / (double)c->np : 0;
    c->m++;
}

ffnn_status ffnn_eval_roc_curve(const unsigned char *pos, const double *score, long stride, long n,
                                double **fpr, double **tpr, long *npts, ffnn_error *err)
{
    scored *v;
    long np, nn;
    *fpr = *tpr = NULL;
    *npts = 0;
    if (sort_scores(pos, score, stride, n, &v, &np, &nn, err))
        return err ? err->status : FFNN_EINTERNAL;
    double *f = ffnn_calloc((size_t)n + 1, sizeof *f), *t = ffnn_calloc((size_t)n + 1, sizeof *t);
    if (!f || !t) {
        free(v);
        free(f);
        free(t);
        return ffnn_error_nomem(err);
    }
    roc_points c = {f, t, 1, np, nn};
    f[0] = t[0] = 0;
    roc_steps(v, n, curve_step, &c);
    free(v);
    *fpr = f;
    *tpr = t;
    *npts = c.m;
    return FFNN_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

ffnn_status ffnn_eval_regression_compute(const double *t, const double *p, long n,
                                         ffnn_eval_regression *r, ffnn_error *err)
{
    r->mae = r->mse = r->rmse = r->r2 = r->max_error = r->median_absolute_error = NAN;
    if (n <= 0)
        return FFNN_OK;
    double *ae = ffnn_calloc((size_t)n, sizeof *ae);
    if (!ae)
        return ffnn_error_nomem(err);
    double sa = 0, ss = 0, mx = 0, mean = 0;
    for (long i = 0; i < n; i++) {
        double d = t[i] - p[i];
        ae[i] = fabs(d);
        sa += ae[i];
        ss += d * d;
        if (ae[i] > mx)
            mx = ae[i];
        mean += t[i];
    }
    mean /= (double)n;
    double tot = 0;
    for (long i = 0; i < n; i++)
        tot += (t[i] - mean) * (t[i] - mean);
    r->mae = sa / (double)n;
    r->mse = ss / (double)n;
    r->rmse = sqrt(r->mse);
    r->max_error = mx;
    if (n >= 2)
        r->r2 = tot != 0 ? 1 - ss / tot : ss == 0 ? 1 : 0;
    qsort(ae, (size_t)n, sizeof *ae, cmp_double);
    r->median_absolute_error = n % 2 ? ae[n / 2] : (ae[n / 2 - 1] + ae[n / 2]) / 2;
    free(ae);
    return FFNN_OK;
}

/* ---- Everything at once ------------------------------------------------- */

void ffnn_eval_result_release(ffnn_eval_result *r)
{
    if (!r)
        return;
    free(r->confusion);
    free(r->present);
    free(r->per_class);
    free(r->auc_per_class);
    memset(r, 0, sizeof *r);
}

ffnn_status ffnn_eval_compute(ffnn_eval_result *r, const ffnn_eval_data *d, ffnn_error *err)
{
    memset(r, 0, sizeof *r);
    r->task = d->task;
    r->n = d->n;
    r->k = d->k;
    r->accuracy = r->balanced_accuracy = r->log_loss = r->roc_auc = r->subset_accuracy = NAN;
    if (d->task == FFNN_EVAL_REGRESSION)
        return ffnn_eval_regression_compute(d->t, d->p, d->n, &r->reg, err);
    r->reg.mae = r->reg.mse = r->reg.rmse = r->reg.r2 = NAN;
    r->reg.max_error = r->reg.median_absolute_error = NAN;

    int k = d->k;
    unsigned char *pos = NULL;
    r->confusion = ffnn_calloc((size_t)k * (size_t)k, sizeof *r->confusion);
    r->present = ffnn_calloc((size_t)k, sizeof *r->present);
    r->per_class = ffnn_calloc((size_t)k, sizeof *r->per_class);
    if (!r->confusion || !r->present || !r->per_class)
        goto nomem;
    ffnn_eval_confusion(d->y_true, d->y_pred, d->n, k, r->confusion);
    for (long i = 0; i < d->n; i++)
        r->present[d->y_true[i]] = r->present[d->y_pred[i]] = true;
    ffnn_eval_prf_compute(r->confusion, k, r->present, r->per_class, &r->macro, &r->weighted);
    r->accuracy = ffnn_eval_accuracy(d->y_true, d->y_pred, d->n);
    r->balanced_accuracy = ffnn_eval_balanced_accuracy(r->confusion, k);
    if (d->proba) {
        r->log_loss = ffnn_eval_log_loss(d->y_true, d->proba, d->n, k);
        r->subset_accuracy = ffnn_eval_subset_accuracy(d->y_true, d->proba, d->n, k);
        r->auc_per_class = ffnn_calloc((size_t)k, sizeof *r->auc_per_class);
        pos = ffnn_calloc((size_t)d->n, 1);
        if (!r->auc_per_class || !pos)
            goto nomem;
        double sum = 0;
        int m = 0;
        for (int c = 0; c < k; c++) {
            for (long i = 0; i < d->n; i++)
                pos[i] = d->y_true[i] == c;
            if (ffnn_eval_roc_auc(pos, d->proba + c, k, d->n, &r->auc_per_class[c], err))
                goto fail;
            if (isfinite(r->auc_per_class[c])) {
                sum += r->auc_per_class[c];
                m++;
            }
        }
        if (d->task == FFNN_EVAL_BINARY)
            r->roc_auc = k >= 2 ? r->auc_per_class[1] : NAN;
        else
            r->roc_auc = m ? sum / m : NAN;
    }
    free(pos);
    return FFNN_OK;
nomem:
    ffnn_error_nomem(err);
fail:
    free(pos);
    ffnn_eval_result_release(r);
    return err ? err->status : FFNN_EINTERNAL;
}

/* The summary metrics of each task, in report order: the names --metric
 * takes and the keys of the JSON report. */
static const char *const cls_names[] = {
    "accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro",
    "precision_weighted", "recall_weighted", "f1_weighted", "log_loss", "roc_auc",
    "subset_accuracy"};
static const char *const reg_names[] = {"mae", "mse", "rmse", "r2", "max_error",
                                        "median_absolute_error"};
/* From here on they need probabilities. */
#define CLS_PROBA_FROM 8

int ffnn_eval_summary(const ffnn_eval_result *r, const char *const **names, double *values)
{
    if (r->task == FFNN_EVAL_REGRESSION) {
        const double v[] = {r->reg.mae, r->reg.mse, r->reg.rmse,
                            r->reg.r2,  r->reg.max_error, r->reg.median_absolute_error};
        memcpy(values, v, sizeof v);
        *names = reg_names;
        return (int)FFNN_ARRAY_LEN(reg_names);
    }
    const double v[] = {r->accuracy,        r->balanced_accuracy, r->macro.precision,
                        r->macro.recall,    r->macro.f1,          r->weighted.precision,
                        r->weighted.recall, r->weighted.f1,       r->log_loss,
                        r->roc_auc,         r->subset_accuracy};
    memcpy(values, v, sizeof v);
    *names = cls_names;
    return (int)FFNN_ARRAY_LEN(cls_names);
}

ffnn_status ffnn_eval_metric(const ffnn_eval_result *r, const ffnn_eval_data *d, const char *name,
                             double *value, ffnn_error *err)
{
    static const char *const per_names[] = {"precision", "recall", "f1", "support", "roc_auc"};
    bool is_reg = r->task == FFNN_EVAL_REGRESSION;
    *value = NAN;
    const char *colon = strchr(name, ':');
    if (colon) {
        size_t len = (size_t)(colon - name);
        size_t w;
        for (w = 0; w < FFNN_ARRAY_LEN(per_names); w++)
            if (strlen(per_names[w]) == len && strncmp(name, per_names[w], len) == 0)
                break;
        if (w == FFNN_ARRAY_LEN(per_names))
            return ffnn_error_set(err, FFNN_EUSAGE,
                                  "unknown metric \"%s\" (per class: precision:CLASS, "
                                  "recall:CLASS, f1:CLASS, support:CLASS, roc_auc:CLASS)",
                                  name);
        if (is_reg)
            return ffnn_error_set(err, FFNN_EDATA, "%s: not available for regression", name);
        int c = ffnn_find_string(d->classes, d->k, colon + 1);
        if (c < 0)
            return ffnn_error_set(err, FFNN_EDATA, "%s: no class \"%s\"", name, colon + 1);
        const ffnn_eval_prf *v = &r->per_class[c];
        switch (w) {
        case 0: *value = v->precision; break;
        case 1: *value = v->recall; break;
        case 2: *value = v->f1; break;
        case 3: *value = (double)v->support; break;
        default:
            if (!r->auc_per_class)
                return ffnn_error_set(err, FFNN_EDATA, "%s: needs probabilities (p_ columns)",
                                      name);
            *value = r->auc_per_class[c];
        }
        return FFNN_OK;
    }
    int ci = ffnn_enum_parse(cls_names, (int)FFNN_ARRAY_LEN(cls_names), name);
    int ri = ffnn_enum_parse(reg_names, (int)FFNN_ARRAY_LEN(reg_names), name);
    if (ci >= 0 && is_reg)
        return ffnn_error_set(err, FFNN_EDATA, "%s: not available for regression", name);
    if (ri >= 0 && !is_reg)
        return ffnn_error_set(err, FFNN_EDATA, "%s: not available for classification", name);
    if (ci >= CLS_PROBA_FROM && !r->auc_per_class)
        return ffnn_error_set(err, FFNN_EDATA, "%s: needs probabilities (p_ columns)", name);
    if (ci >= 0 || ri >= 0) {
        const char *const *names;
        double vals[FFNN_EVAL_SUMMARY_MAX];
        ffnn_eval_summary(r, &names, vals);
        *value = vals[ci >= 0 ? ci : ri];
        return FFNN_OK;
    }
    return ffnn_error_set(err, FFNN_EUSAGE,
                          "unknown metric \"%s\" (classification: accuracy, balanced_accuracy, "
                          "precision_macro, recall_macro, f1_macro, precision_weighted, "
                          "recall_weighted, f1_weighted, log_loss, roc_auc, subset_accuracy, "
                          "f1:CLASS, ...; "
                          "regression: mae, mse, rmse, r2, max_error, median_absolute_error)",
                          name);
}
