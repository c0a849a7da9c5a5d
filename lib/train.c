/* ffnn — Model.fit(): the training loop, validation, EarlyStopping,
 * ReduceLROnPlateau and history (keras-semantics.md §4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/metrics.h"
#include "ffnn/train.h"
#include "internal.h"

static const char *const mode_names[] = {"auto", "min", "max"};

const char *ffnn_mode_name(ffnn_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

int ffnn_mode_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, mode_names[i]) == 0)
            return i;
    return -1;
}

ffnn_fit_options ffnn_fit_options_default(void)
{
    ffnn_fit_options o;
    memset(&o, 0, sizeof o);
    o.optimizer = ffnn_optim_default(FFNN_OPTIM_ADAM);
    o.batch_size = 32;
    o.epochs = 100;
    o.validation_split = 0.0;
    o.stratify_validation = true;
    o.shuffle = true;
    o.early_stopping.enabled = false;
    snprintf(o.early_stopping.monitor, sizeof o.early_stopping.monitor, "val_loss");
    o.early_stopping.min_delta = 0.0;
    o.early_stopping.patience = 0;
    o.early_stopping.mode = FFNN_MODE_AUTO;
    o.early_stopping.restore_best_weights = false;
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

/* ---- monitored quantities ---------------------------------------------- */

/* Value of a monitored log key, or NAN if the key is valid but absent. */
static double monitor_value(const ffnn_epoch_log *log, const char *name, const char *metric)
{
    if (strcmp(name, "loss") == 0)
        return log->loss;
    if (strcmp(name, "val_loss") == 0)
        return log->val_loss;
    if (strcmp(name, metric) == 0)
        return log->metric;
    if (strncmp(name, "val_", 4) == 0 && strcmp(name + 4, metric) == 0)
        return log->val_metric;
    return NAN;
}

/* Checks a monitor name and resolves mode auto: loss/mae -> min, accuracy
 * -> max (Keras 3 looks up the metric's direction the same way). */
static ffnn_status resolve_monitor(const char *what, const char *name, ffnn_mode *mode,
                                   const char *metric, bool has_val, ffnn_error *err)
{
    const char *base = strncmp(name, "val_", 4) == 0 ? name + 4 : name;
    if (strcmp(base, "loss") != 0 && strcmp(base, metric) != 0)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s.monitor: unknown quantity \"%s\"; valid: loss, %s, val_loss, val_%s",
                              what, name, metric, metric);
    if (base != name && !has_val)
        return ffnn_error_set(err, FFNN_ECONFIG,
                              "%s.monitor: \"%s\" needs validation data; set \"validation_split\" "
                              "or monitor \"%s\"", what, name, base);
    if (*mode == FFNN_MODE_AUTO)
        *mode = strcmp(base, "accuracy") == 0 ? FFNN_MODE_MAX : FFNN_MODE_MIN;
    return FFNN_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

typedef struct {
    double loss_sum;   /* Σ per-sample loss */
    double metric_sum; /* correct rows, or Σ |error| */
    long n;
} batch_totals;

static void eval_rows(const ffnn_model *m, ffnn_workspace *ws, const float *X, const double *y,
                      long n, float *T, batch_totals *tot)
{
    int K = ffnn_model_n_out(m);
    const ffnn_layer_spec *out = &m->layers[m->n_layers - 1];
    bool classification = m->prep.task != FFNN_TASK_REGRESSION;
    for (long start = 0; start < n; start += ws->max_batch) {
        int b = (int)(n - start < ws->max_batch ? n - start : ws->max_batch);
        const float *Xb = X + (size_t)start * (size_t)m->n_in;
        const float *P = ffnn_model_forward(m, ws, Xb, b, false, NULL);
        ffnn_model_targets(m, y + start, b, T);
        bool fused;
        tot->loss_sum += ffnn_loss_eval(&m->loss, out->activation, ffnn_model_logits(m, ws), P, T, b,
                                        K, NULL, 1.0, &fused);
        tot->metric_sum += classification ? (double)ffnn_metric_correct(P, y + start, b, K)
                                          : ffnn_metric_abs_err(P, y + start, b);
        tot->n += b;
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
    batch_totals tot = {0, 0, 0};
    eval_rows(m, ws, d->X, d->y, d->n, T, &tot);
    *loss = tot.loss_sum / (double)tot.n + ffnn_model_l2_penalty(m);
    *metric = tot.metric_sum / (double)tot.n;
    free(T);
    ffnn_workspace_destroy(ws);
    return FFNN_OK;
}

/* ---- fit ------------------------------------------------------------------- */

/* Splits d into training and validation rows (indices). */
static ffnn_status split_validation(const ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                                    long *tr, long *ntr, long *va, long *nva, ffnn_error *err)
{
    long n = d->n;
    if (opt->validation_split <= 0.0) {
        for (long i = 0; i < n; i++)
            tr[i] = i;
        *ntr = n;
        *nva = 0;
        return FFNN_OK;
    }
    bool classification = m->prep.task != FFNN_TASK_REGRESSION;
    if (!opt->stratify_validation || !classification) {
        /* Keras: split_at = floor(N·(1 − validation_split)); the last rows
         * validate, unshuffled. */
        long split_at = (long)floor((double)n * (1.0 - opt->validation_split));
        if (split_at <= 0 || split_at >= n)
            return ffnn_error_set(err, FFNN_EDATA,
                                  "validation_split %g of %ld rows leaves no %s rows",
                                  opt->validation_split, n, split_at <= 0 ? "training" : "validation");
        for (long i = 0; i < split_at; i++)
            tr[i] = i;
        for (long i = split_at; i < n; i++)
            va[i - split_at] = i;
        *ntr = split_at;
        *nva = n - split_at;
        return FFNN_OK;
    }
    int *strata = ffnn_calloc((size_t)n, sizeof *strata);
    if (!strata)
        return ffnn_error_nomem(err);
    for (long i = 0; i < n; i++)
        strata[i] = (int)d->y[i];
    ffnn_rng rng;
    ffnn_rng_init(&rng, opt->seed, FFNN_RNG_SPLIT, 1);
    ffnn_status st = ffnn_split_indices(n, opt->validation_split, strata, &rng, tr, ntr, va, nva, err);
    free(strata);
    if (st)
        return st;
    if (*ntr < 1 || *nva < 1)
        return ffnn_error_set(err, FFNN_EDATA, "validation_split %g of %ld rows leaves no %s rows",
                              opt->validation_split, n, *ntr < 1 ? "training" : "validation");
    return FFNN_OK;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void gather(const ffnn_data *d, const long *idx, long n, float *X, double *y)
{
    for (long i = 0; i < n; i++) {
        memcpy(X + (size_t)i * (size_t)d->d, d->X + (size_t)idx[i] * (size_t)d->d,
               (size_t)d->d * sizeof(float));
        y[i] = d->y[idx[i]];
    }
}

static bool improved(double cur, double best, bool have_best, ffnn_mode mode, double min_delta)
{
    if (!have_best)
        return true;
    min_delta = fabs(min_delta);
    return mode == FFNN_MODE_MAX ? cur - min_delta > best : cur + min_delta < best;
}

static char *make_train_info(const ffnn_fit_options *opt, const ffnn_history *h, long ntr, long nva)
{
    char buf[1024], a[32], b[32], c[32], dd[32];
    const ffnn_epoch_log *last = h->n ? &h->logs[h->n - 1] : NULL;
    int len = snprintf(buf, sizeof buf,
                       "{\"seed\":%llu,\"train_rows\":%ld,\"validation_rows\":%ld,\"epochs_run\":%d,"
                       "\"last_epoch\":%d,\"best_epoch\":%d,\"stopped_early\":%s,\"restored_best\":%s",
                       (unsigned long long)opt->seed, ntr, nva, h->n, last ? last->epoch : -1,
                       h->best_epoch, h->stopped_early ? "true" : "false",
                       h->restored_best ? "true" : "false");
    if (last) {
        const char *mn = h->metric_name;
        len += snprintf(buf + len, sizeof buf - (size_t)len, ",\"final\":{\"loss\":%s,\"%s\":%s",
                        isfinite(last->loss) ? ffnn_format_double(a, last->loss) : "null", mn,
                        isfinite(last->metric) ? ffnn_format_double(b, last->metric) : "null");
        if (!isnan(last->val_loss))
            len += snprintf(buf + len, sizeof buf - (size_t)len, ",\"val_loss\":%s,\"val_%s\":%s",
                            ffnn_format_double(c, last->val_loss), mn,
                            ffnn_format_double(dd, last->val_metric));
        len += snprintf(buf + len, sizeof buf - (size_t)len, "}");
    }
    snprintf(buf + len, sizeof buf - (size_t)len, "}");
    return strdup(buf);
}

ffnn_status ffnn_fit(ffnn_model *m, const ffnn_data *d, const ffnn_fit_options *opt,
                     const ffnn_fit_extra *extra, ffnn_history *hist, ffnn_error *err)
{
    ffnn_status st = FFNN_OK;
    ffnn_history local_hist;
    ffnn_fit_extra no_extra;
    memset(&no_extra, 0, sizeof no_extra);
    if (!extra)
        extra = &no_extra;
    if (!hist)
        hist = &local_hist;
    memset(hist, 0, sizeof *hist);
    bool classification = m->prep.task != FFNN_TASK_REGRESSION;
    hist->metric_name = classification ? "accuracy" : "mae";
    hist->best_epoch = -1;
    const char *metric = hist->metric_name;

    if (!d->y || d->n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "no training rows");
    if (d->d != m->n_in)
        return ffnn_error_set(err, FFNN_EDATA, "data has %d features but the model expects %d", d->d,
                              m->n_in);
    if (opt->batch_size < 1)
        return ffnn_error_set(err, FFNN_ECONFIG, "batch_size must be at least 1");
    if (opt->epochs < 0)
        return ffnn_error_set(err, FFNN_ECONFIG, "epochs must be non-negative");
    if (!(opt->validation_split >= 0.0 && opt->validation_split < 1.0))
        return ffnn_error_set(err, FFNN_ECONFIG, "validation_split must be in [0, 1), got %g",
                              opt->validation_split);

    long n = d->n, ntr = 0, nva = 0;
    int K = ffnn_model_n_out(m), D = m->n_in;
    long *tr = ffnn_calloc((size_t)n, sizeof *tr), *va = ffnn_calloc((size_t)n, sizeof *va);
    float *Xtr = NULL, *Xva = NULL, *Xb = NULL, *Tb = NULL, *best_w = NULL;
    double *ytr = NULL, *yva = NULL, *yb = NULL;
    int *perm = NULL;
    ffnn_workspace *ws = NULL;
    ffnn_pool *pool = NULL;
    ffnn_optim optim;
    memset(&optim, 0, sizeof optim);
    if (!tr || !va) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    if (extra->val) {
        for (long i = 0; i < n; i++)
            tr[i] = i;
        ntr = n;
    } else if ((st = split_validation(m, d, opt, tr, &ntr, va, &nva, err))) {
        goto done;
    }
    qsort(tr, (size_t)ntr, sizeof *tr, cmp_long);
    qsort(va, (size_t)nva, sizeof *va, cmp_long);
    const float *Xv = NULL;
    const double *yv = NULL;
    long nv = 0;

    Xtr = ffnn_calloc((size_t)ntr * (size_t)D, sizeof *Xtr);
    ytr = ffnn_calloc((size_t)ntr, sizeof *ytr);
    perm = ffnn_calloc((size_t)ntr, sizeof *perm);
    if (!Xtr || !ytr || !perm) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    gather(d, tr, ntr, Xtr, ytr);
    if (extra->val) {
        if (extra->val->d != D || !extra->val->y) {
            st = ffnn_error_set(err, FFNN_EDATA, "validation data does not match the model");
            goto done;
        }
        Xv = extra->val->X;
        yv = extra->val->y;
        nv = extra->val->n;
    } else if (nva > 0) {
        Xva = ffnn_calloc((size_t)nva * (size_t)D, sizeof *Xva);
        yva = ffnn_calloc((size_t)nva, sizeof *yva);
        if (!Xva || !yva) {
            st = ffnn_error_nomem(err);
            goto done;
        }
        gather(d, va, nva, Xva, yva);
        Xv = Xva;
        yv = yva;
        nv = nva;
    }
    bool has_val = nv > 0;

    ffnn_early_stopping es = opt->early_stopping;
    ffnn_reduce_lr rl = opt->reduce_lr;
    if (es.enabled && (st = resolve_monitor("early_stopping", es.monitor, &es.mode, metric, has_val, err)))
        goto done;
    if (rl.enabled) {
        if ((st = resolve_monitor("reduce_lr_on_plateau", rl.monitor, &rl.mode, metric, has_val, err)))
            goto done;
        if (!(rl.factor < 1.0)) {
            st = ffnn_error_set(err, FFNN_ECONFIG, "reduce_lr_on_plateau.factor must be < 1, got %g",
                                rl.factor);
            goto done;
        }
    }

    /* A batch larger than the data is the data (Keras): nothing is sized by
     * batch_size beyond the rows there are. */
    int bs = opt->batch_size < ntr ? opt->batch_size : (int)ntr;
    int ws_rows = bs;
    if ((st = ffnn_workspace_create(&ws, m, ws_rows, err)))
        goto done;
    if (opt->threads > 1) {
        if ((st = ffnn_pool_create(&pool, opt->threads, err)))
            goto done;
        ws->pool = pool;
    }
    Xb = ffnn_calloc((size_t)ws_rows * (size_t)D, sizeof *Xb);
    Tb = ffnn_calloc((size_t)ws_rows * (size_t)K, sizeof *Tb);
    yb = ffnn_calloc((size_t)ws_rows, sizeof *yb);
    if (!Xb || !Tb || !yb) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    if (es.enabled && es.restore_best_weights &&
        !(best_w = ffnn_calloc(m->n_params, sizeof *best_w))) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    if ((st = ffnn_optim_init(&optim, &opt->optimizer, m->n_params, err)))
        goto done;

    /* Callback state (reset at train begin, as Keras does). */
    int es_wait = 0;
    bool es_have_best = false, have_snapshot = false;
    double es_best = 0.0;
    int rl_wait = 0, rl_cooldown = 0;
    double rl_best = rl.mode == FFNN_MODE_MAX ? -INFINITY : INFINITY;
    bool stop = false;

    for (int epoch = extra->initial_epoch; epoch < opt->epochs && !stop; epoch++) {
        ffnn_rng shuffle_rng, drop_rng;
        ffnn_rng_init(&shuffle_rng, opt->seed, FFNN_RNG_SHUFFLE, (uint64_t)epoch);
        ffnn_rng_init(&drop_rng, opt->seed, FFNN_RNG_DROPOUT, (uint64_t)epoch);
        for (long i = 0; i < ntr; i++)
            perm[i] = (int)i;
        if (opt->shuffle)
            ffnn_rng_shuffle(&shuffle_rng, perm, (size_t)ntr);

        double loss_sum = 0.0, metric_sum = 0.0;
        for (long start = 0; start < ntr; start += bs) {
            if (ffnn_stop_requested()) {
                st = ffnn_error_canceled(err);
                goto done;
            }
            int b = (int)(ntr - start < bs ? ntr - start : bs);
            for (int i = 0; i < b; i++) {
                long r = perm[start + i];
                memcpy(Xb + (size_t)i * (size_t)D, Xtr + (size_t)r * (size_t)D, (size_t)D * sizeof(float));
                yb[i] = ytr[r];
            }
            ffnn_model_targets(m, yb, b, Tb);
            const float *P = ffnn_model_forward(m, ws, Xb, b, true, &drop_rng);
            metric_sum += classification ? (double)ffnn_metric_correct(P, yb, b, K)
                                         : ffnn_metric_abs_err(P, yb, b);
            double penalty = ffnn_model_l2_penalty(m);
            double bl = ffnn_model_backward(m, ws, Xb, Tb, b);
            if (!isfinite(bl)) {
                st = ffnn_error_set(err, FFNN_EDATA,
                                    "epoch %d: loss became %s; lower the learning rate or check the "
                                    "data for huge values", epoch + 1, isnan(bl) ? "NaN" : "infinite");
                goto done;
            }
            loss_sum += bl + penalty * b;
            ffnn_optim_step_pool(&optim, m->params, ws->grad, ws->pool);
        }
        for (size_t i = 0; i < m->n_params; i++)
            if (!isfinite(m->params[i])) {
                st = ffnn_error_set(err, FFNN_EDATA,
                                    "epoch %d: weights became NaN or infinite; lower the learning rate",
                                    epoch + 1);
                goto done;
            }

        ffnn_epoch_log log;
        log.epoch = epoch;
        log.loss = loss_sum / (double)ntr;
        log.metric = metric_sum / (double)ntr;
        log.val_loss = log.val_metric = NAN;
        log.learning_rate = optim.lr;
        if (has_val) {
            batch_totals tot = {0, 0, 0};
            eval_rows(m, ws, Xv, yv, nv, Tb, &tot);
            log.val_loss = tot.loss_sum / (double)tot.n + ffnn_model_l2_penalty(m);
            log.val_metric = tot.metric_sum / (double)tot.n;
            if (!isfinite(log.val_loss)) {
                st = ffnn_error_set(err, FFNN_EDATA, "epoch %d: validation loss became %s", epoch + 1,
                                    isnan(log.val_loss) ? "NaN" : "infinite");
                goto done;
            }
        }

        /* EarlyStopping (Keras 3). */
        if (es.enabled && epoch >= es.start_from_epoch) {
            double cur = monitor_value(&log, es.monitor, metric);
            if (es.restore_best_weights && !have_snapshot) {
                memcpy(best_w, m->params, m->n_params * sizeof *best_w);
                have_snapshot = true;
            }
            es_wait++;
            if (improved(cur, es_best, es_have_best, es.mode, es.min_delta)) {
                es_best = cur;
                es_have_best = true;
                hist->best_epoch = epoch;
                if (es.restore_best_weights)
                    memcpy(best_w, m->params, m->n_params * sizeof *best_w);
                if (!es.has_baseline || improved(cur, es.baseline, true, es.mode, es.min_delta))
                    es_wait = 0;
            } else if (es_wait >= es.patience && epoch > 0) {
                stop = true;
                hist->stopped_early = true;
            }
        }
        /* ReduceLROnPlateau (Keras 3): the log keeps the rate used this epoch. */
        if (rl.enabled) {
            double cur = monitor_value(&log, rl.monitor, metric);
            if (rl_cooldown > 0) {
                rl_cooldown--;
                rl_wait = 0;
            }
            bool better = rl.mode == FFNN_MODE_MAX ? cur > rl_best + rl.min_delta
                                                   : cur < rl_best - rl.min_delta;
            if (better) {
                rl_best = cur;
                rl_wait = 0;
            } else if (rl_cooldown <= 0) {
                if (++rl_wait >= rl.patience) {
                    double old_lr = optim.lr;
                    if (old_lr > (double)(float)rl.min_lr) {
                        double new_lr = old_lr * rl.factor;
                        optim.lr = (double)(float)(new_lr > rl.min_lr ? new_lr : rl.min_lr);
                        rl_cooldown = rl.cooldown;
                        rl_wait = 0;
                    }
                }
            }
        }
        if ((st = history_push(hist, &log, err)))
            goto done;
        if (extra->on_epoch && extra->on_epoch(extra->ctx, &log, opt->epochs))
            stop = true;
    }
    if (es.enabled && es.restore_best_weights && have_snapshot) {
        memcpy(m->params, best_w, m->n_params * sizeof *best_w);
        hist->restored_best = true;
    }
    free(m->train_info);
    m->train_info = make_train_info(opt, hist, ntr, nv);
    if (!m->train_info)
        st = ffnn_error_nomem(err);

done:
    ffnn_optim_release(&optim);
    ffnn_workspace_destroy(ws);
    ffnn_pool_destroy(pool);
    free(tr); free(va); free(Xtr); free(ytr); free(Xva); free(yva);
    free(Xb); free(Tb); free(yb); free(best_w); free(perm);
    if (hist == &local_hist)
        ffnn_history_release(&local_hist);
    return st;
}
