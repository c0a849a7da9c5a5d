/* ffnn — Model.fit(): the training loop, validation, EarlyStopping,
 * ReduceLROnPlateau and history (keras-semantics.md §4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/num.h"
#include "ffnn/eval.h"
#include "ffnn/metrics.h"
#include "ffnn/train.h"
#include "internal.h"

static const char *const mode_names[] = {"auto", "min", "max"};
FFNN_NAME_TABLE(ffnn_mode, ffnn_mode, mode_names)

ffnn_names ffnn_mode_names(void)
{
    return (ffnn_names){mode_names, (int)FFNN_ARRAY_LEN(mode_names), ffnn_mode_parse};
}

ffnn_early_stopping ffnn_early_stopping_default(void)
{
    ffnn_early_stopping e;
    memset(&e, 0, sizeof e);
    e.enabled = false;
    snprintf(e.monitor, sizeof e.monitor, "val_loss");
    e.min_delta = 0.0;
    e.patience = 0;
    e.mode = FFNN_MODE_AUTO;
    e.restore_best_weights = false;
    return e;
}

/* scikit-learn's MLP defaults (batch_size "auto", tol 1e-4,
 * n_iter_no_change 10; max_iter 200 made epochs "auto") where Keras's
 * (batch 32, epochs 1, no callbacks) would leave a model untrained or badly
 * trained; the stopping rule is Keras's EarlyStopping on the training loss,
 * ffnn-config(5) says how it differs from scikit-learn's. */
ffnn_fit_options ffnn_fit_options_default(void)
{
    ffnn_fit_options o;
    memset(&o, 0, sizeof o);
    o.optimizer = ffnn_optim_default(FFNN_OPTIM_ADAM);
    o.batch_size = FFNN_BATCH_AUTO;
    o.epochs = FFNN_EPOCHS_AUTO;
    o.validation_split = 0.0;
    o.stratify_validation = true;
    o.shuffle = true;
    o.early_stopping = ffnn_early_stopping_default();
    o.early_stopping.enabled = true;
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "loss");
    o.early_stopping.min_delta = 1e-4;
    o.early_stopping.patience = 10;
    o.reduce_lr.enabled = false;
    snprintf(o.reduce_lr.monitor, sizeof o.reduce_lr.monitor, "val_loss");
    o.reduce_lr.factor = 0.1;
    o.reduce_lr.patience = 10;
    o.reduce_lr.mode = FFNN_MODE_AUTO;
    o.reduce_lr.min_delta = 1e-4;
    o.reduce_lr.cooldown = 0;
    o.reduce_lr.min_lr = 0.0;
    o.seed = 0;
    o.threads = 1;
    return o;
}

void ffnn_history_release(ffnn_history *h)
{
    if (!h)
        return;
    free(h->logs);
    memset(h, 0, sizeof *h);
}

static ffnn_status history_push(ffnn_history *h, const ffnn_epoch_log *log, ffnn_error *err)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        ffnn_epoch_log *p = realloc(h->logs, (size_t)cap * sizeof *p);
        if (!p)
            return ffnn_error_nomem(err);
        h->logs = p;
        h->cap = cap;
    }
    h->logs[h->n++] = *log;
    return FFNN_OK;
}

int ffnn_history_write(const ffnn_history *h, FILE *fp)
{
    bool val = h->n > 0 && !isnan(h->logs[0].val_loss);
    const char *mn = h->metric_name ? h->metric_name : "accuracy";
    char a[32], b[32], c[32], d[32], e[32];
    if (val)
        fprintf(fp, "epoch,loss,%s,val_loss,val_%s,learning_rate\n", mn, mn);
    else
        fprintf(fp, "epoch,loss,%s,learning_rate\n", mn);
    for (int i = 0; i < h->n; i++) {
        const ffnn_epoch_log *l = &h->logs[i];
        if (val)
            fprintf(fp, "%d,%s,%s,%s,%s,%s\n", l->epoch, ffnn_format_double(a, l->loss),
                    ffnn_format_double(b, l->metric), ffnn_format_double(c, l->val_loss),
                    ffnn_format_double(d, l->val_metric), ffnn_format_double(e, l->learning_rate));
        else
            fprintf(fp, "%d,%s,%s,%s\n", l->epoch, ffnn_format_double(a, l->loss),
                    ffnn_format_double(b, l->metric), ffnn_format_double(e, l->learning_rate));
    }
    return ferror(fp) ? -1 : 0;
}

/* ---- the task's metrics ------------------------------------------------------ */

/* What a model's task makes of the metrics. */
typedef struct {
    bool classification, binary;
    ffnn_metric_id primary;   /* accuracy or mae */
} fitter_task;

static fitter_task task_of(const ffnn_model *m)
{
    fitter_task t;
    t.classification = m->prep.task != FFNN_TASK_REGRESSION;
    t.binary = t.classification && m->prep.n_classes == 2;
    t.primary = t.classification ? FFNN_METRIC_ACCURACY : FFNN_METRIC_MAE;
    return t;
}

/* ---- monitored quantities ---------------------------------------------- */

double ffnn_epoch_log_value(const ffnn_epoch_log *log, const char *name, bool *known)
{
    bool val = strncmp(name, "val_", 4) == 0;
    const char *base = val ? name + 4 : name;
    *known = true;
    if (strcmp(base, "loss") == 0)
        return val ? log->val_loss : log->loss;
    int m = ffnn_metric_id_parse(base);
    if (m < 0) {
        *known = false;
        return NAN;
    }
    return val ? log->val_metrics[m] : log->metrics[m];
}

/* Checks a monitor name for the fit's task and resolves mode auto: loss and
 * errors -> min, accuracy-like and auc -> max (Keras 3 looks up the
 * metric's direction the same way).  *auc is set when it monitors auc. */
static ffnn_status resolve_monitor(const char *what, const char *name, ffnn_mode *mode,
                                   const fitter_task *task, bool has_val, bool *auc,
                                   ffnn_error *err)
{
    const char *base = strncmp(name, "val_", 4) == 0 ? name + 4 : name;
    int m = strcmp(base, "loss") == 0 ? -1 : ffnn_metric_id_parse(base);
    if (strcmp(base, "loss") != 0 &&
        (m < 0 || !ffnn_metric_for_task((ffnn_metric_id)m, task->classification, task->binary))) {
        char list[300];
        ffnn_metric_log_keys(task->classification, task->binary, list, sizeof list);
        return ffnn_error_set(err, FFNN_ECONFIG, "%s.monitor: unknown quantity \"%s\"; valid: %s",
                              what, name, list);
    }
    if (base != name && !has_val)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s.monitor: \"%s\" needs validation data; set \"validation_split\" "
                              "or monitor \"%s\"", what, name, base);
    if (m == FFNN_METRIC_AUC)
        *auc = true;
    if (*mode == FFNN_MODE_AUTO)
        *mode = m >= 0 && ffnn_metric_maximized((ffnn_metric_id)m) ? FFNN_MODE_MAX : FFNN_MODE_MIN;
    return FFNN_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

/* The metric sums of a pass over rows (training batches or validation). */
typedef struct {
    double loss_sum;              /* Σ per-sample loss */
    double sum[FFNN_METRIC_COUNT]; /* accuracy: correct rows; binary_accuracy: Σ hits;
                                     mae: Σ |error|; mse: Σ error² */
    long n;
    double *score;                /* auc: each row's probability of class 1, or NULL */
    unsigned char *pos;           /* auc: the row is of class 1 */
} batch_totals;

/* Adds b rows' metrics (outputs P (b,K), labels y) to tot. */
static void add_metrics(const fitter_task *task, const float *P, const double *y, int b, int K,
                        batch_totals *tot)
{
    if (task->classification) {
        tot->sum[FFNN_METRIC_ACCURACY] += (double)ffnn_metric_correct(P, y, b, K);
        tot->sum[FFNN_METRIC_BINARY_ACCURACY] += ffnn_metric_binary_hits(P, y, b, K);
        if (tot->score)
            for (int r = 0; r < b; r++) {
                tot->score[tot->n + r] = P[(size_t)r * (size_t)K + (size_t)(K - 1)];
                tot->pos[tot->n + r] = y[r] > 0.5;
            }
    } else {
        tot->sum[FFNN_METRIC_MAE] += ffnn_metric_abs_err(P, y, b);
        tot->sum[FFNN_METRIC_MSE] += ffnn_metric_sq_err(P, y, b);
    }
    tot->n += b;
}

/* The task's metrics from tot into out (NaN for the others); auc when tot
 * collected the scores (its sort allocates: FFNN_ENOMEM). */
static ffnn_status finish_metrics(const fitter_task *task, const batch_totals *tot, double *out,
                                  ffnn_error *err)
{
    double n = (double)tot->n;
    for (int i = 0; i < FFNN_METRIC_COUNT; i++)
        out[i] = NAN;
    if (task->classification) {
        out[FFNN_METRIC_ACCURACY] = tot->sum[FFNN_METRIC_ACCURACY] / n;
        out[FFNN_METRIC_BINARY_ACCURACY] = tot->sum[FFNN_METRIC_BINARY_ACCURACY] / n;
        if (tot->score)
            return ffnn_eval_roc_auc(tot->pos, tot->score, 1, tot->n, &out[FFNN_METRIC_AUC], err);
    } else {
        out[FFNN_METRIC_MAE] = tot->sum[FFNN_METRIC_MAE] / n;
        out[FFNN_METRIC_MSE] = tot->sum[FFNN_METRIC_MSE] / n;
        out[FFNN_METRIC_RMSE] = sqrt(out[FFNN_METRIC_MSE]);
    }
    return FFNN_OK;
}

static void eval_rows(const ffnn_model *m, ffnn_workspace *ws, const float *X, const double *y,
                      long n, float *T, batch_totals *tot)
{
    int K = ffnn_model_n_out(m);
    const ffnn_layer_spec *out = &m->layers[m->n_layers - 1];
    fitter_task task = task_of(m);
    for (long start = 0; start < n; start += ws->max_batch) {
        int b = (int)(n - start < ws->max_batch ? n - start : ws->max_batch);
        const float *Xb = X + (size_t)start * (size_t)m->n_in;
        const float *P = ffnn_model_forward(m, ws, Xb, b, false, NULL);
        ffnn_model_targets(m, y + start, b, T);
        bool fused;
        tot->loss_sum += ffnn_loss_eval(&m->loss, out->activation, ffnn_model_logits(m, ws), P, T, b,
                                        K, NULL, 1.0, &fused);
        add_metrics(&task, P, y + start, b, K, tot);
    }
}

ffnn_status ffnn_evaluate(const ffnn_model *m, const ffnn_data *d, int batch_size, double *loss,
                          double *metric, ffnn_error *err)
{
    ffnn_workspace *ws;
    if (!d->y)
        return ffnn_error_set(err, FFNN_EDATA, "evaluate: data has no target values");
    if (d->n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "evaluate: no rows");
    int bs = batch_size > 0 ? batch_size : 32;
    if (bs > d->n)
        bs = (int)d->n;
    ffnn_status st = ffnn_workspace_create(&ws, m, bs, err);
    if (st)
        return st;
    float *T = ffnn_calloc((size_t)bs * (size_t)ffnn_model_n_out(m), sizeof(float));
    if (!T) {
        ffnn_workspace_destroy(ws);
        return ffnn_error_nomem(err);
    }
    batch_totals tot;
    memset(&tot, 0, sizeof tot);
    eval_rows(m, ws, d->X, d->y, d->n, T, &tot);
    fitter_task task = task_of(m);
    double all[FFNN_METRIC_COUNT];
    finish_metrics(&task, &tot, all, NULL);
    *loss = tot.loss_sum / (double)tot.n + ffnn_model_l2_penalty(m);
    *metric = all[task.primary];
    free(T);
    ffnn_workspace_destroy(ws);
    return FFNN_OK;
}

/* ---- fit ------------------------------------------------------------------- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Copies rows idx[0..n) of src into dst (allocated here). */
static ffnn_status gather(const ffnn_data *src, const long *idx, long n, ffnn_data *dst,
                          ffnn_error *err)
{
    size_t D = (size_t)src->d;
    dst->n = n;
    dst->d = src->d;
    dst->X = ffnn_calloc((size_t)n * D, sizeof *dst->X);
    dst->y = ffnn_calloc((size_t)n, sizeof *dst->y);
    if (!dst->X || !dst->y)
        return ffnn_error_nomem(err);
    for (long i = 0; i < n; i++) {
        memcpy(dst->X + (size_t)i * D, src->X + (size_t)idx[i] * D, D * sizeof *dst->X);
        dst->y[i] = src->y[idx[i]];
    }
    return FFNN_OK;
}

ffnn_status ffnn_fit_split(const ffnn_data *d, bool classification, double fraction, bool stratify,
                           uint64_t seed, ffnn_data *train, ffnn_data *val, ffnn_error *err)
{
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    long n = d->n, ntr = 0, nva = 0;
    long *tr = ffnn_calloc((size_t)n, sizeof *tr), *va = ffnn_calloc((size_t)n, sizeof *va);
    int *strata = NULL;
    ffnn_status st = FFNN_OK;
    if (!tr || !va) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    if (fraction <= 0.0) {
        for (long i = 0; i < n; i++)
            tr[ntr++] = i;
    } else if (stratify && classification) {
        if (!(strata = ffnn_calloc((size_t)n, sizeof *strata))) {
            st = ffnn_error_nomem(err);
            goto out;
        }
        for (long i = 0; i < n; i++)
            strata[i] = (int)d->y[i];
        ffnn_rng rng;
        ffnn_rng_init(&rng, seed, FFNN_RNG_SPLIT, 1);
        if ((st = ffnn_split_indices(n, fraction, strata, &rng, tr, &ntr, va, &nva, err)))
            goto out;
    } else {
        /* Keras: split_at = floor(N·(1 − validation_split)); the last rows
         * validate, unshuffled. */
        long split_at = (long)floor((double)n * (1.0 - fraction));
        for (long i = 0; i < n; i++) {
            if (i < split_at)
                tr[ntr++] = i;
            else
                va[nva++] = i;
        }
    }
    if (fraction > 0.0 && (ntr < 1 || nva < 1)) {
        st = ffnn_error_set(err, FFNN_EDATA, "validation_split %g of %ld rows leaves no %s rows",
                            fraction, n, ntr < 1 ? "training" : "validation");
        goto out;
    }
    /* File order inside each part. */
    qsort(tr, (size_t)ntr, sizeof *tr, cmp_long);
    qsort(va, (size_t)nva, sizeof *va, cmp_long);
    st = gather(d, tr, ntr, train, err);
    if (!st && nva > 0)
        st = gather(d, va, nva, val, err);
out:
    free(tr);
    free(va);
    free(strata);
    if (st) {
        ffnn_data_release(train);
        ffnn_data_release(val);
    }
    return st;
}

/* ---- callbacks (Keras 3), their state reset at train begin ---------------- */

static bool improved(double cur, double best, bool have_best, ffnn_mode mode, double min_delta)
{
    if (!have_best)
        return true;
    min_delta = fabs(min_delta);
    return mode == FFNN_MODE_MAX ? cur - min_delta > best : cur + min_delta < best;
}

typedef struct {
    ffnn_early_stopping o;    /* mode resolved */
    int wait;
    bool have_best;
    double best;
    float *best_w;            /* restore_best_weights: the weights to restore */
    bool have_snapshot;
} early_stopping;

static ffnn_status early_stopping_begin(early_stopping *es, const ffnn_early_stopping *o,
                                        const ffnn_model *m, const fitter_task *task, bool has_val,
                                        bool *auc, ffnn_error *err)
{
    memset(es, 0, sizeof *es);
    es->o = *o;
    if (!o->enabled)
        return FFNN_OK;
    ffnn_status st = resolve_monitor("early_stopping", o->monitor, &es->o.mode, task, has_val, auc,
                                     err);
    if (st)
        return st;
    if (o->restore_best_weights && !(es->best_w = ffnn_calloc(m->n_params, sizeof *es->best_w)))
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

/* After epoch log->epoch: records the best epoch in hist and snapshots the
 * weights for restore_best_weights; true when training must stop. */
static bool early_stopping_step(early_stopping *es, const ffnn_epoch_log *log, const ffnn_model *m,
                                ffnn_history *hist)
{
    const ffnn_early_stopping *o = &es->o;
    if (!o->enabled || log->epoch < o->start_from_epoch)
        return false;
    bool known;
    double cur = ffnn_epoch_log_value(log, o->monitor, &known);
    size_t bytes = m->n_params * sizeof *es->best_w;
    if (o->restore_best_weights && !es->have_snapshot) {
        memcpy(es->best_w, m->params, bytes);
        es->have_snapshot = true;
    }
    es->wait++;
    if (improved(cur, es->best, es->have_best, o->mode, o->min_delta)) {
        es->best = cur;
        es->have_best = true;
        hist->best_epoch = log->epoch;
        if (o->restore_best_weights)
            memcpy(es->best_w, m->params, bytes);
        if (!o->has_baseline || improved(cur, o->baseline, true, o->mode, o->min_delta))
            es->wait = 0;
    } else if (es->wait >= o->patience && log->epoch > 0) {
        hist->stopped_early = true;
        return true;
    }
    return false;
}

typedef struct {
    ffnn_reduce_lr o;         /* mode resolved */
    int wait, cooldown;
    double best;
} reduce_lr;

static ffnn_status reduce_lr_begin(reduce_lr *rl, const ffnn_reduce_lr *o, const fitter_task *task,
                                   bool has_val, bool *auc, ffnn_error *err)
{
    memset(rl, 0, sizeof *rl);
    rl->o = *o;
    if (o->enabled) {
        ffnn_status st = resolve_monitor("reduce_lr_on_plateau", o->monitor, &rl->o.mode, task,
                                         has_val, auc, err);
        if (st)
            return st;
        if (!(o->factor < 1.0))
            return ffnn_error_set(err, FFNN_ECONFIG,
                                  "reduce_lr_on_plateau.factor must be < 1, got %g", o->factor);
    }
    rl->best = rl->o.mode == FFNN_MODE_MAX ? -INFINITY : INFINITY;
    return FFNN_OK;
}

/* After an epoch: lowers optim->lr on a plateau (the epoch's log keeps the
 * rate it was trained with). */
static void reduce_lr_step(reduce_lr *rl, const ffnn_epoch_log *log, ffnn_optim *optim)
{
    const ffnn_reduce_lr *o = &rl->o;
    if (!o->enabled)
        return;
    bool known;
    double cur = ffnn_epoch_log_value(log, o->monitor, &known);
    if (rl->cooldown > 0) {
        rl->cooldown--;
        rl->wait = 0;
    }
    bool better = o->mode == FFNN_MODE_MAX ? cur > rl->best + o->min_delta
                                           : cur < rl->best - o->min_delta;
    if (better) {
        rl->best = cur;
        rl->wait = 0;
    } else if (rl->cooldown <= 0 && ++rl->wait >= o->patience) {
        double old_lr = optim->lr;
        if (old_lr > (double)(float)o->min_lr) {
            double new_lr = old_lr * o->factor;
            optim->lr = (double)(float)(new_lr > o->min_lr ? new_lr : o->min_lr);
            rl->cooldown = o->cooldown;
            rl->wait = 0;
        }
    }
}

/* ---- fit -------------------------------------------------------------------- */

static char *make_train_info(const ffnn_fit_options *opt, const ffnn_history *h, long ntr, long nva)
{
    char buf[1024], a[32], b[32], c[32], dd[32];
    const ffnn_epoch_log *last = h->n ? &h->logs[h->n - 1] : NULL;
    int len = snprintf(buf, sizeof buf,
                       "{\"seed\":%llu,\"train_rows\":%ld,\"validation_rows\":%ld,\"epoch_limit\":%d,"
                       "\"epochs_run\":%d,\"last_epoch\":%d,\"best_epoch\":%d,\"stopped_early\":%s,"
                       "\"restored_best\":%s",
                       (unsigned long long)opt->seed, ntr, nva, h->epoch_limit, h->n,
                       last ? last->epoch : -1,
                       h->best_epoch, h->stopped_early ? "true" : "false",
                       h->restored_best ? "true" : "false");
    if (last) {
        const char *mn = h->metric_name;
        len += snprintf(buf + len, sizeof buf - (size_t)len, ",\"final\":{\"loss\":%s,\"%s\":%s",
                        isfinite(last->loss) ? ffnn_format_double(a, last->loss) : "null", mn,
                        isfinite(last->metric) ? ffnn_format_double(b, last->metric) : "null");
        if (!isnan(last->val_loss) || !isnan(last->val_metric))
            len += snprintf(buf + len, sizeof buf - (size_t)len, ",\"val_loss\":%s,\"val_%s\":%s",
                            isfinite(last->val_loss) ? ffnn_format_double(c, last->val_loss) : "null",
                            mn,
                            isfinite(last->val_metric) ? ffnn_format_double(dd, last->val_metric)
                                                       : "null");
        len += snprintf(buf + len, sizeof buf - (size_t)len, "}");
    }
    snprintf(buf + len, sizeof buf - (size_t)len, "}");
    return strdup(buf);
}

/* What one ffnn_fit call trains with. */
typedef struct {
    ffnn_model *m;
    const ffnn_fit_options *opt;
    bool classification;
    fitter_task task;
    bool nonfinite_ok;        /* extra->nonfinite_ok */
    bool auc;                 /* compute auc: asked for or monitored */
    ffnn_data train;          /* the training rows (a copy) */
    ffnn_data split_val;      /* the rows validation_split set aside */
    const ffnn_data *val;     /* validation data: extra->val or &split_val (n 0: none) */
    int batch;                /* rows per batch: batch_size, at most the training rows */
    int epochs;               /* the epoch limit: ffnn_fit_epoch_limit */
    int *perm;                /* the epoch's order of the training rows */
    float *Xb, *Tb;           /* one batch: features (batch_size, D), targets (batch_size, K) */
    double *yb;               /* one batch: labels (batch_size) */
    double *score;            /* auc: class-1 probability of every training or validation row */
    unsigned char *pos;       /* auc: whether that row is of class 1 */
    ffnn_workspace *ws;
    ffnn_pool *pool;
    ffnn_optim optim;
    ffnn_batch_cb on_batch;   /* extra->on_batch and its ctx */
    void *ctx;
} fitter;

/* The rows per batch: batch_size ("auto": min(200, rows)), at most the rows
 * there are (a batch larger than the data is the data, as in Keras). */
static long batch_rows(const ffnn_fit_options *opt, long train_rows)
{
    long rows = opt->batch_size;
    if (rows == FFNN_BATCH_AUTO)
        rows = FFNN_BATCH_AUTO_MAX;
    return rows < train_rows ? rows : train_rows;
}

int ffnn_fit_epoch_limit(const ffnn_fit_options *opt, long train_rows)
{
    if (opt->epochs != FFNN_EPOCHS_AUTO)
        return opt->epochs;
    long rows = batch_rows(opt, train_rows);
    if (rows < 1)
        return FFNN_EPOCHS_AUTO_MIN;
    long batches = (train_rows + rows - 1) / rows;
    long steps = (FFNN_EPOCHS_AUTO_UPDATES + batches - 1) / batches;
    return steps > FFNN_EPOCHS_AUTO_MIN ? (int)steps : FFNN_EPOCHS_AUTO_MIN;
}

static ffnn_status check_fit(const ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                             ffnn_error *err)
{
    if (!d->y || d->n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "no training rows");
    if (d->d != m->n_in)
        return ffnn_error_set(err, FFNN_EDATA, "data has %d features but the model expects %d", d->d,
                              m->n_in);
    if (opt->batch_size < 1 && opt->batch_size != FFNN_BATCH_AUTO)
        return ffnn_error_set(err, FFNN_ECONFIG, "batch_size must be at least 1");
    if (opt->epochs < 0 && opt->epochs != FFNN_EPOCHS_AUTO)
        return ffnn_error_set(err, FFNN_ECONFIG, "epochs must be non-negative or auto");
    if (!(opt->validation_split >= 0.0 && opt->validation_split < 1.0))
        return ffnn_error_set(err, FFNN_ECONFIG, "validation_split must be in [0, 1), got %g",
                              opt->validation_split);
    return FFNN_OK;
}

/* The training and validation rows: all of d trains when extra gives the
 * validation data, else what validation_split leaves. */
static ffnn_status fitter_data(fitter *f, const ffnn_data *d, const ffnn_data *val, ffnn_error *err)
{
    const ffnn_fit_options *opt = f->opt;
    ffnn_status st = ffnn_fit_split(d, f->classification, val ? 0.0 : opt->validation_split,
                                    opt->stratify_validation, opt->seed, &f->train, &f->split_val,
                                    err);
    if (st)
        return st;
    if (val && (val->d != f->m->n_in || !val->y))
        return ffnn_error_set(err, FFNN_EDATA, "validation data does not match the model");
    f->val = val ? val : &f->split_val;
    return FFNN_OK;
}

/* The batch buffers, the workspace (and its thread pool) and the optimizer. */
static ffnn_status fitter_buffers(fitter *f, ffnn_error *err)
{
    const ffnn_fit_options *opt = f->opt;
    int D = f->m->n_in, K = ffnn_model_n_out(f->m);
    ffnn_status st;
    /* Nothing is sized by batch_size beyond the rows there are. */
    f->batch = (int)batch_rows(opt, f->train.n);
    f->epochs = ffnn_fit_epoch_limit(opt, f->train.n);
    int rows = f->batch;
    if ((st = ffnn_workspace_create(&f->ws, f->m, rows, err)))
        return st;
    if (opt->threads > 1) {
        if ((st = ffnn_pool_create(&f->pool, opt->threads, err)))
            return st;
        f->ws->pool = f->pool;
    }
    f->perm = ffnn_calloc((size_t)f->train.n, sizeof *f->perm);
    f->Xb = ffnn_calloc((size_t)rows * (size_t)D, sizeof *f->Xb);
    f->Tb = ffnn_calloc((size_t)rows * (size_t)K, sizeof *f->Tb);
    f->yb = ffnn_calloc((size_t)rows, sizeof *f->yb);
    if (!f->perm || !f->Xb || !f->Tb || !f->yb)
        return ffnn_error_nomem(err);
    if (f->auc) {
        long n = f->train.n > f->val->n ? f->train.n : f->val->n;
        f->score = ffnn_calloc((size_t)n, sizeof *f->score);
        f->pos = ffnn_calloc((size_t)n, sizeof *f->pos);
        if (!f->score || !f->pos)
            return ffnn_error_nomem(err);
    }
    return ffnn_optim_init(&f->optim, &opt->optimizer, f->m->n_params, err);
}

static void fitter_release(fitter *f)
{
    ffnn_optim_release(&f->optim);
    ffnn_workspace_destroy(f->ws);
    ffnn_pool_destroy(f->pool);
    ffnn_data_release(&f->train);
    ffnn_data_release(&f->split_val);
    free(f->perm);
    free(f->Xb);
    free(f->Tb);
    free(f->yb);
    free(f->score);
    free(f->pos);
}

/* One optimizer step on the training rows rows[0..b): forward with dropout,
 * backward, step; adds the batch's loss (with the L2 penalty, per row) and
 * metrics to the epoch's totals.  A non-finite loss is FFNN_EDATA unless
 * f->nonfinite_ok. */
static ffnn_status train_batch(fitter *f, const int *rows, int b, ffnn_rng *drop, int epoch,
                               batch_totals *tot, ffnn_error *err)
{
    ffnn_model *m = f->m;
    size_t D = (size_t)m->n_in;
    for (int i = 0; i < b; i++) {
        memcpy(f->Xb + (size_t)i * D, f->train.X + (size_t)rows[i] * D, D * sizeof *f->Xb);
        f->yb[i] = f->train.y[rows[i]];
    }
    ffnn_model_targets(m, f->yb, b, f->Tb);
    const float *P = ffnn_model_forward(m, f->ws, f->Xb, b, true, drop);
    add_metrics(&f->task, P, f->yb, b, ffnn_model_n_out(m), tot);
    double penalty = ffnn_model_l2_penalty(m);
    double bl = ffnn_model_backward(m, f->ws, f->Xb, f->Tb, b);
    if (!isfinite(bl) && !f->nonfinite_ok)
        return ffnn_error_set(err, FFNN_EDATA,
                              "epoch %d: loss became %s; lower the learning rate or check the "
                              "data for huge values", epoch + 1, isnan(bl) ? "NaN" : "infinite");
    tot->loss_sum += bl + penalty * b;
    ffnn_optim_step_pool(&f->optim, m->params, f->ws->grad, f->ws->pool);
    return FFNN_OK;
}

/* Tells f->on_batch that done of the epoch's total batches are trained
 * (tot: their sums); its nonzero answer is FFNN_ECANCELED. */
static ffnn_status report_batch(const fitter *f, int epoch, long done, long total,
                                const batch_totals *tot, ffnn_error *err)
{
    ffnn_batch_log log = {epoch, f->epochs, done, total, NAN, NAN};
    if (done > 0) {
        log.loss = tot->loss_sum / (double)tot->n;
        log.metric = tot->sum[f->task.primary] / (double)tot->n;
    }
    return f->on_batch(f->ctx, &log) ? ffnn_error_canceled(err) : FFNN_OK;
}

/* One pass over the training rows, reshuffled from (seed, SHUFFLE, epoch),
 * dropout from (seed, DROPOUT, epoch); fills log's epoch, loss, metrics and
 * learning rate, telling f->on_batch (if any) before the first batch and
 * after each.  A stop request is FFNN_ECANCELED before the next batch. */
static ffnn_status train_epoch(fitter *f, int epoch, ffnn_epoch_log *log, ffnn_error *err)
{
    const ffnn_fit_options *opt = f->opt;
    long ntr = f->train.n;
    ffnn_rng shuffle_rng, drop_rng;
    ffnn_rng_init(&shuffle_rng, opt->seed, FFNN_RNG_SHUFFLE, (uint64_t)epoch);
    ffnn_rng_init(&drop_rng, opt->seed, FFNN_RNG_DROPOUT, (uint64_t)epoch);
    for (long i = 0; i < ntr; i++)
        f->perm[i] = (int)i;
    if (opt->shuffle)
        ffnn_rng_shuffle(&shuffle_rng, f->perm, (size_t)ntr);
    batch_totals tot;
    memset(&tot, 0, sizeof tot);
    tot.score = f->score;
    tot.pos = f->pos;
    long batches = (ntr + f->batch - 1) / f->batch, done = 0;
    if (f->on_batch) {
        ffnn_status st = report_batch(f, epoch, 0, batches, &tot, err);
        if (st)
            return st;
    }
    for (long start = 0; start < ntr; start += f->batch) {
        if (ffnn_stop_requested())
            return ffnn_error_canceled(err);
        int b = (int)(ntr - start < f->batch ? ntr - start : f->batch);
        ffnn_status st = train_batch(f, f->perm + start, b, &drop_rng, epoch, &tot, err);
        if (!st && f->on_batch)
            st = report_batch(f, epoch, ++done, batches, &tot, err);
        if (st)
            return st;
    }
    for (size_t i = 0; i < f->m->n_params && !f->nonfinite_ok; i++)
        if (!isfinite(f->m->params[i]))
            return ffnn_error_set(err, FFNN_EDATA,
                                  "epoch %d: weights became NaN or infinite; lower the learning rate",
                                  epoch + 1);
    log->epoch = epoch;
    log->loss = tot.loss_sum / (double)ntr;
    ffnn_status st = finish_metrics(&f->task, &tot, log->metrics, err);
    log->metric = log->metrics[f->task.primary];
    log->val_loss = log->val_metric = NAN;
    for (int i = 0; i < FFNN_METRIC_COUNT; i++)
        log->val_metrics[i] = NAN;
    log->learning_rate = f->optim.lr;
    return st;
}

/* The validation loss (with the L2 penalty) and metrics into log, when there
 * is validation data; a non-finite loss is FFNN_EDATA unless
 * f->nonfinite_ok. */
static ffnn_status validate_epoch(fitter *f, ffnn_epoch_log *log, ffnn_error *err)
{
    if (f->val->n < 1)
        return FFNN_OK;
    batch_totals tot;
    memset(&tot, 0, sizeof tot);
    tot.score = f->score;
    tot.pos = f->pos;
    eval_rows(f->m, f->ws, f->val->X, f->val->y, f->val->n, f->Tb, &tot);
    log->val_loss = tot.loss_sum / (double)tot.n + ffnn_model_l2_penalty(f->m);
    ffnn_status st = finish_metrics(&f->task, &tot, log->val_metrics, err);
    log->val_metric = log->val_metrics[f->task.primary];
    if (st)
        return st;
    if (!isfinite(log->val_loss) && !f->nonfinite_ok)
        return ffnn_error_set(err, FFNN_EDATA, "epoch %d: validation loss became %s", log->epoch + 1,
                              isnan(log->val_loss) ? "NaN" : "infinite");
    return FFNN_OK;
}

ffnn_status ffnn_fit(ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                     const ffnn_fit_extra *extra, ffnn_history *hist, ffnn_error *err)
{
    static const ffnn_fit_extra no_extra;
    ffnn_history local_hist;
    if (!extra)
        extra = &no_extra;
    if (!hist)
        hist = &local_hist;
    memset(hist, 0, sizeof *hist);
    fitter f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.opt = opt;
    f.classification = m->prep.task != FFNN_TASK_REGRESSION;
    f.task = task_of(m);
    f.nonfinite_ok = extra->nonfinite_ok;
    f.auc = extra->auc && f.task.binary;
    f.on_batch = extra->on_batch;
    f.ctx = extra->ctx;
    hist->metric_name = ffnn_metric_id_name(f.task.primary);
    hist->best_epoch = -1;
    early_stopping es;
    reduce_lr rl;
    memset(&es, 0, sizeof es);
    ffnn_status st = check_fit(m, d, opt, err);
    if (st)
        return st;
    if ((st = fitter_data(&f, d, extra->val, err)) ||
        (st = early_stopping_begin(&es, &opt->early_stopping, m, &f.task, f.val->n > 0, &f.auc,
                                   err)) ||
        (st = reduce_lr_begin(&rl, &opt->reduce_lr, &f.task, f.val->n > 0, &f.auc, err)) ||
        (st = fitter_buffers(&f, err)))
        goto done;

    bool stop = false;
    hist->epoch_limit = f.epochs;
    for (int epoch = extra->initial_epoch; epoch < f.epochs && !stop; epoch++) {
        ffnn_epoch_log log;
        if ((st = train_epoch(&f, epoch, &log, err)) || (st = validate_epoch(&f, &log, err)))
            goto done;
        stop = early_stopping_step(&es, &log, m, hist);
        reduce_lr_step(&rl, &log, &f.optim);
        if ((st = history_push(hist, &log, err)))
            goto done;
        if (extra->on_epoch && extra->on_epoch(extra->ctx, &log, f.epochs))
            stop = true;
    }
    if (es.have_snapshot) {
        memcpy(m->params, es.best_w, m->n_params * sizeof *es.best_w);
        hist->restored_best = true;
    }
    free(m->train_info);
    if (!(m->train_info = make_train_info(opt, hist, f.train.n, f.val->n)))
        st = ffnn_error_nomem(err);
done:
    fitter_release(&f);
    free(es.best_w);
    if (hist == &local_hist)
        ffnn_history_release(&local_hist);
    return st;
}
