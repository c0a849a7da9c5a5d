/* ffnn — explanation common parts: names, feature groups, the evaluation
 * context shared by the SHAP methods, coalition values, the result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "ffnn/pool.h"
#include "explain_internal.h"
#include "internal.h"

static const char *const method_names[FFNN_EXPLAIN_COUNT] = {"deep", "exact", "kernel",
                                                             "permutation", "auto"};
static const char *const output_names[FFNN_EXPLAIN_OUTPUT_COUNT] = {"probability", "logit"};
static const char *const softmax_rule_names[FFNN_EXPLAIN_SOFTMAX_COUNT] = {"tf", "torch"};

FFNN_NAME_TABLE(ffnn_explain_method, ffnn_explain_method, method_names)
FFNN_NAME_TABLE(ffnn_explain_softmax_rule, ffnn_explain_softmax_rule, softmax_rule_names)

const char *ffnn_explain_output_name(ffnn_explain_output o)
{
    return ffnn_enum_name(output_names, FFNN_EXPLAIN_OUTPUT_COUNT, (int)o);
}

int ffnn_explain_output_parse(const char *name)
{
    if (name && strcmp(name, "output") == 0)
        return FFNN_EXPLAIN_OUTPUT_PROBABILITY;
    return ffnn_enum_parse(output_names, FFNN_EXPLAIN_OUTPUT_COUNT, name);
}

ffnn_explain_options ffnn_explain_options_default(void)
{
    ffnn_explain_options o;
    memset(&o, 0, sizeof o);
    o.method = FFNN_EXPLAIN_AUTO;
    o.output = FFNN_EXPLAIN_OUTPUT_PROBABILITY;
    o.softmax_rule = FFNN_EXPLAIN_SOFTMAX_TF;
    o.background_size = 100;
    o.nsamples = 0;
    o.repeats = 5;
    o.seed = 0;
    o.exact_max_features = FFNN_EXPLAIN_EXACT_MAX_FEATURES;
    o.batch_rows = 4096;
    o.threads = 1;
    return o;
}

/* ---- features ------------------------------------------------------------ */

/* The prep's columns describe the inputs only when their widths tile n_in. */
static bool prep_usable(const ffnn_model *m)
{
    const ffnn_prep *p = &m->prep;
    if (p->n_columns < 1 || !p->columns || p->n_features != m->n_in)
        return false;
    int next = 0;
    for (int j = 0; j < p->n_columns; j++) {
        const ffnn_prep_column *col = &p->columns[j];
        int w = col->categorical ? col->n_cats : 1;
        if (col->offset != next || w < 0)
            return false;
        next += w;
    }
    return next == m->n_in;
}

int ffnn_explain_n_features(const ffnn_model *m)
{
    return prep_usable(m) ? m->prep.n_columns : m->n_in;
}

void ffnn_explain_feature_map(const ffnn_model *m, int *feature_of)
{
    if (!feature_of)
        return;
    if (!prep_usable(m)) {
        for (int i = 0; i < m->n_in; i++)
            feature_of[i] = i;
        return;
    }
    for (int j = 0; j < m->prep.n_columns; j++) {
        const ffnn_prep_column *col = &m->prep.columns[j];
        int w = col->categorical ? col->n_cats : 1;
        for (int i = 0; i < w; i++)
            feature_of[col->offset + i] = j;
    }
}

char *ffnn_ex_feature_name(const ffnn_model *m, int j)
{
    char buf[32];
    if (prep_usable(m) && m->prep.columns[j].name)
        return ffnn_strdup(m->prep.columns[j].name);
    snprintf(buf, sizeof buf, "x%d", j + 1);
    return ffnn_strdup(buf);
}

static char *output_name(const ffnn_model *m, int k, int K)
{
    char buf[32];
    const ffnn_prep *p = &m->prep;
    if (p->task != FFNN_TASK_REGRESSION && p->classes && p->n_classes > 0) {
        if (K == 1 && p->n_classes == 2)
            return ffnn_strdup(p->classes[1]);
        if (K == p->n_classes)
            return ffnn_strdup(p->classes[k]);
    }
    if (p->task == FFNN_TASK_REGRESSION && p->target && K == 1)
        return ffnn_strdup(p->target);
    if (K == 1)
        return ffnn_strdup("output");
    snprintf(buf, sizeof buf, "output%d", k + 1);
    return ffnn_strdup(buf);
}

ffnn_status ffnn_explain_find_output(const ffnn_model *m, const char *name, int *index,
                                     ffnn_error *err)
{
    int K = ffnn_model_n_out(m);
    char list[512] = "";
    size_t len = 0;
    *index = 0;
    for (int k = 0; k < K; k++) {
        char *o = output_name(m, k, K);
        if (!o)
            return ffnn_error_nomem(err);
        bool hit = strcmp(o, name) == 0;
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", o);
        free(o);
        if (hit) {
            *index = k;
            return FFNN_OK;
        }
    }
    return ffnn_error_set(err, FFNN_EUSAGE, "no output named \"%s\" (the model's outputs: %s)",
                          name, list);
}

/* ---- evaluation context -------------------------------------------------- */

ffnn_status ffnn_ex_init(ffnn_ex_ctx *c, const ffnn_model *m, const ffnn_explain_options *opt,
                         ffnn_error *err)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->opt = opt;
    c->n_in = m->n_in;
    c->K = ffnn_model_n_out(m);
    c->M = ffnn_explain_n_features(m);
    c->batch = opt->batch_rows > 0 ? opt->batch_rows : 4096;
    c->feature_of = ffnn_calloc((size_t)c->n_in, sizeof *c->feature_of);
    c->feat_start = ffnn_calloc((size_t)c->M + 1, sizeof *c->feat_start);
    c->feat_inputs = ffnn_calloc((size_t)c->n_in, sizeof *c->feat_inputs);
    c->buf = ffnn_calloc((size_t)c->batch * (size_t)c->n_in, sizeof *c->buf);
    c->vacc = ffnn_calloc((size_t)c->batch * (size_t)c->K, sizeof *c->vacc);
    if (!c->feature_of || !c->feat_start || !c->feat_inputs || !c->buf || !c->vacc) {
        ffnn_ex_release(c);
        return ffnn_error_nomem(err);
    }
    ffnn_explain_feature_map(m, c->feature_of);
    for (int i = 0; i < c->n_in; i++)
        c->feat_start[c->feature_of[i] + 1]++;
    for (int j = 0; j < c->M; j++)
        c->feat_start[j + 1] += c->feat_start[j];
    int *fill = ffnn_calloc((size_t)c->M + 1, sizeof *fill);
    if (!fill) {
        ffnn_ex_release(c);
        return ffnn_error_nomem(err);
    }
    for (int i = 0; i < c->n_in; i++) {
        int j = c->feature_of[i];
        c->feat_inputs[c->feat_start[j] + fill[j]++] = i;
    }
    free(fill);
    ffnn_status st = ffnn_workspace_create(&c->ws, m, c->batch, err);
    if (st) {
        ffnn_ex_release(c);
        return st;
    }
    return FFNN_OK;
}

void ffnn_ex_release(ffnn_ex_ctx *c)
{
    free(c->feature_of);
    free(c->feat_start);
    free(c->feat_inputs);
    free(c->buf);
    free(c->vacc);
    ffnn_workspace_destroy(c->ws);
    memset(c, 0, sizeof *c);
}

void ffnn_ex_eval(ffnn_ex_ctx *c, const float *X, int B, double *out)
{
    const float *A = ffnn_model_forward(c->m, c->ws, X, B, false, NULL);
    if (c->opt->output == FFNN_EXPLAIN_OUTPUT_LOGIT)
        A = ffnn_model_logits(c->m, c->ws);
    size_t n = (size_t)B * (size_t)c->K;
    for (size_t i = 0; i < n; i++)
        out[i] = A[i];
}

void ffnn_ex_eval_mean(ffnn_ex_ctx *c, const float *X, long n, double *out)
{
    int K = c->K;
    for (int k = 0; k < K; k++)
        out[k] = 0.0;
    for (long start = 0; start < n; start += c->batch) {
        int B = n - start < c->batch ? (int)(n - start) : c->batch;
        ffnn_ex_eval(c, X + (size_t)start * (size_t)c->n_in, B, c->vacc);
        for (int r = 0; r < B; r++)
            for (int k = 0; k < K; k++)
                out[k] += c->vacc[(size_t)r * K + k];
    }
    for (int k = 0; k < K; k++)
        out[k] /= (double)n;
}

bool ffnn_ex_feature_constant(const ffnn_ex_ctx *c, const float *x, const float *Bg, long nb, int j)
{
    for (long k = 0; k < nb; k++) {
        const float *b = Bg + (size_t)k * (size_t)c->n_in;
        for (int t = c->feat_start[j]; t < c->feat_start[j + 1]; t++) {
            int i = c->feat_inputs[t];
            if (b[i] != x[i])
                return false;
        }
    }
    return true;
}

void ffnn_ex_coalitions(ffnn_ex_ctx *c, const float *x, const float *Bg, long nb,
                        const unsigned char *masks, long nmask, const int *vfeat, int mv,
                        double *out)
{
    int K = c->K, n_in = c->n_in;
    size_t rowbytes = (size_t)n_in * sizeof(float);
    for (long s = 0; s < nmask * K; s++)
        out[s] = 0.0;
    /* Pairs (mask s, reference k) in order, batch rows at a time. */
    long s = 0, k = 0, s0 = 0, k0 = 0;
    while (s < nmask) {
        int B = 0;
        s0 = s;
        k0 = k;
        while (B < c->batch && s < nmask) {
            float *row = c->buf + (size_t)B * (size_t)n_in;
            memcpy(row, Bg + (size_t)k * (size_t)n_in, rowbytes);
            const unsigned char *mask = masks + (size_t)s * (size_t)mv;
            for (int j = 0; j < mv; j++) {
                if (!mask[j])
                    continue;
                int f = vfeat[j];
                for (int t = c->feat_start[f]; t < c->feat_start[f + 1]; t++) {
                    int i = c->feat_inputs[t];
                    row[i] = x[i];
                }
            }
            B++;
            if (++k == nb) {
                k = 0;
                s++;
            }
        }
        ffnn_ex_eval(c, c->buf, B, c->vacc);
        long ss = s0, kk = k0;
        for (int r = 0; r < B; r++) {
            for (int q = 0; q < K; q++)
                out[(size_t)ss * K + q] += c->vacc[(size_t)r * K + q];
            if (++kk == nb) {
                kk = 0;
                ss++;
            }
        }
    }
    for (long t = 0; t < nmask * K; t++)
        out[t] /= (double)nb;
}

int ffnn_ex_tick(ffnn_ex_ctx *c)
{
    ffnn_ex_progress *p = c->progress;
    if (ffnn_stop_requested())
        return 1;
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (!p->cancelled && c->opt->progress &&
        c->opt->progress(c->opt->progress_ctx, p->done, p->total))
        p->cancelled = true;
    int stop = p->cancelled;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

ffnn_status ffnn_ex_canceled(ffnn_error *err)
{
    if (ffnn_stop_requested())
        return ffnn_error_canceled(err);
    return ffnn_error_set(err, FFNN_ECANCELED, "cancelled");
}

/* ---- SHAP entry point ------------------------------------------------------ */

void ffnn_shap_release(ffnn_shap *s)
{
    if (!s)
        return;
    ffnn_free_strings(s->feature_names, s->n_features);
    ffnn_free_strings(s->output_names, s->n_outputs);
    free(s->categorical);
    free(s->values);
    free(s->base_values);
    free(s->output_values);
    free(s->feature_values);
    memset(s, 0, sizeof *s);
}

static ffnn_status shap_alloc(ffnn_shap *s, const ffnn_model *m, long n, ffnn_error *err)
{
    int K = ffnn_model_n_out(m), M = ffnn_explain_n_features(m);
    s->n_rows = n;
    s->n_outputs = K;
    s->n_features = M;
    s->feature_names = ffnn_calloc((size_t)M, sizeof *s->feature_names);
    s->output_names = ffnn_calloc((size_t)K, sizeof *s->output_names);
    s->categorical = ffnn_calloc((size_t)M, sizeof *s->categorical);
    s->values = ffnn_calloc((size_t)n * (size_t)K * (size_t)M, sizeof *s->values);
    s->base_values = ffnn_calloc((size_t)K, sizeof *s->base_values);
    s->output_values = ffnn_calloc((size_t)n * (size_t)K, sizeof *s->output_values);
    s->feature_values = ffnn_calloc((size_t)n * (size_t)M, sizeof *s->feature_values);
    if (!s->feature_names || !s->output_names || !s->categorical || !s->values || !s->base_values ||
        !s->output_values || !s->feature_values)
        return ffnn_error_nomem(err);
    bool named = prep_usable(m);
    for (int j = 0; j < M; j++) {
        if (!(s->feature_names[j] = ffnn_ex_feature_name(m, j)))
            return ffnn_error_nomem(err);
        s->categorical[j] = named && m->prep.columns[j].categorical;
    }
    for (int k = 0; k < K; k++)
        if (!(s->output_names[k] = output_name(m, k, K)))
            return ffnn_error_nomem(err);
    return FFNN_OK;
}

/* The rows of one ffnn_explain_shap call, split into parts. */
typedef struct {
    const ffnn_model *m;
    const ffnn_explain_options *opt;
    const float *X, *Bg;
    long n, nb;
    ffnn_shap *s;
    ffnn_ex_progress *progress;
    ffnn_status st[FFNN_EXPLAIN_MAX_THREADS];
    ffnn_error err[FFNN_EXPLAIN_MAX_THREADS];
} rows_job;

/* Part `part` of nparts: rows [n*part/nparts, n*(part+1)/nparts), with
 * its own evaluation context (workspace). */
static void rows_part(void *ctx, int part, int nparts)
{
    rows_job *j = ctx;
    long r0 = j->n * part / nparts, r1 = j->n * (part + 1) / nparts;
    ffnn_status *st = &j->st[part];
    ffnn_error *err = &j->err[part];
    ffnn_ex_ctx c;
    if ((*st = ffnn_ex_init(&c, j->m, j->opt, err)))
        return;
    c.row0 = r0;
    c.progress = j->progress;
    /* A view of the result starting at row r0: the methods index rows from 0. */
    ffnn_shap v = *j->s;
    int K = c.K, M = c.M;
    v.n_rows = r1 - r0;
    v.values = j->s->values + (size_t)r0 * K * M;
    v.output_values = j->s->output_values + (size_t)r0 * K;
    const float *X = j->X + (size_t)r0 * (size_t)c.n_in;
    switch (j->opt->method) {
    case FFNN_EXPLAIN_DEEP: *st = ffnn_ex_deep(&c, X, v.n_rows, j->Bg, j->nb, &v, err); break;
    case FFNN_EXPLAIN_EXACT: *st = ffnn_ex_exact(&c, X, v.n_rows, j->Bg, j->nb, &v, err); break;
    default: *st = ffnn_ex_kernel(&c, X, v.n_rows, j->Bg, j->nb, &v, err); break;
    }
    ffnn_ex_release(&c);
}

/* Explains the rows in T = opt->threads contiguous parts on a pool of T
 * threads.  Every row's values depend on that row alone (kernel's stream
 * is indexed by the row), so neither the split nor the thread that runs a
 * part changes the result; the first failing part (in part order) gives
 * the error. */
static ffnn_status run_rows(const ffnn_model *m, const ffnn_explain_options *opt, const float *X,
                            long n, const float *Bg, long nb, ffnn_shap *out, ffnn_error *err)
{
    int T = opt->threads > 1 ? opt->threads : 1;
    if (T > FFNN_EXPLAIN_MAX_THREADS)
        T = FFNN_EXPLAIN_MAX_THREADS;
    if (T > n)
        T = (int)n;
    ffnn_ex_progress prog = {PTHREAD_MUTEX_INITIALIZER, 0, n, false};
    rows_job job = {m, opt, X, Bg, n, nb, out, &prog, {FFNN_OK}, {{FFNN_OK, ""}}};
    ffnn_pool *pool = NULL;
    ffnn_status st;
    if (T > 1 && (st = ffnn_pool_create(&pool, T, err)))
        return st;
    ffnn_pool_run(pool, T, rows_part, &job);
    ffnn_pool_destroy(pool);
    st = FFNN_OK;
    for (int t = 0; t < T && !st; t++)
        if ((st = job.st[t]) && err)
            *err = job.err[t];
    return st;
}

/* opt->exact_max_features clamped to 1..FFNN_EXPLAIN_EXACT_LIMIT. */
static int exact_limit(const ffnn_explain_options *opt)
{
    int lim = opt->exact_max_features;
    return lim < 1 || lim > FFNN_EXPLAIN_EXACT_LIMIT ? FFNN_EXPLAIN_EXACT_LIMIT : lim;
}

double ffnn_explain_auto_cost(const ffnn_model *m, long n, long nb)
{
    double per_row = 512.0;
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        per_row += (double)in * m->layers[l].units;
        in = m->layers[l].units;
    }
    return (double)n * ldexp(1.0, ffnn_explain_n_features(m)) * (double)nb * per_row;
}

ffnn_explain_method ffnn_explain_resolve(const ffnn_model *m, long n, long nb,
                                         const ffnn_explain_options *opt)
{
    if (opt->method != FFNN_EXPLAIN_AUTO)
        return opt->method;
    if (ffnn_explain_n_features(m) <= exact_limit(opt) &&
        ffnn_explain_auto_cost(m, n, nb) <= FFNN_EXPLAIN_AUTO_BUDGET)
        return FFNN_EXPLAIN_EXACT;
    return FFNN_EXPLAIN_DEEP;
}

bool ffnn_explain_softmax_applies(const ffnn_model *m, const ffnn_explain_options *opt)
{
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].activation == FFNN_ACT_SOFTMAX &&
            (l < m->n_layers - 1 || opt->output != FFNN_EXPLAIN_OUTPUT_LOGIT))
            return true;
    return false;
}

const char *ffnn_shap_method_label(const ffnn_shap *s)
{
    if (s->method == FFNN_EXPLAIN_DEEP && s->softmax)
        return s->softmax_rule == FFNN_EXPLAIN_SOFTMAX_TORCH ? "deep:torch" : "deep:tf";
    return ffnn_explain_method_name(s->method);
}

ffnn_status ffnn_explain_check(const ffnn_model *m, const ffnn_explain_options *opt,
                               ffnn_error *err)
{
    if ((unsigned)opt->method >= FFNN_EXPLAIN_COUNT ||
        (unsigned)opt->output >= FFNN_EXPLAIN_OUTPUT_COUNT ||
        (unsigned)opt->softmax_rule >= FFNN_EXPLAIN_SOFTMAX_COUNT)
        return ffnn_error_set(err, FFNN_EUSAGE, "unknown explanation method, output or softmax rule");
    if (opt->method != FFNN_EXPLAIN_EXACT)
        return FFNN_OK;
    int M = ffnn_explain_n_features(m), lim = exact_limit(opt);
    if (M <= lim)
        return FFNN_OK;
    return ffnn_error_set(err, FFNN_EUSAGE,
                          "--method exact: the model has %d features, more than %d (2^%d "
                          "coalitions per row); use --method kernel%s",
                          M, lim, M, M <= FFNN_EXPLAIN_EXACT_LIMIT ? " or raise --exact-limit" : "");
}

ffnn_status ffnn_explain_shap(const ffnn_model *m, const float *X, long n, const float *Bg, long nb,
                              const ffnn_explain_options *opt, ffnn_shap *out, ffnn_error *err)
{
    memset(out, 0, sizeof *out);
    ffnn_explain_options dflt = ffnn_explain_options_default();
    if (!opt)
        opt = &dflt;
    if (opt->method == FFNN_EXPLAIN_PERMUTATION)
        return ffnn_error_set(err, FFNN_EUSAGE,
                              "permutation importance is global: use ffnn_explain_permutation");
    ffnn_status st = ffnn_explain_check(m, opt, err);
    if (st)
        return st;
    if (n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "no rows to explain");
    if (nb < 1)
        return ffnn_error_set(err, FFNN_EDATA, "the background has no rows");
    int M = ffnn_explain_n_features(m);
    out->requested = opt->method;
    ffnn_explain_options o = *opt;
    o.method = ffnn_explain_resolve(m, n, nb, opt);
    opt = &o;
    out->method = o.method;
    out->softmax = o.method == FFNN_EXPLAIN_DEEP && ffnn_explain_softmax_applies(m, &o);
    out->softmax_rule = o.softmax_rule;
    out->output = opt->output;
    out->n_background = nb;
    if ((st = shap_alloc(out, m, n, err)))
        return st;

    ffnn_ex_ctx c;
    if ((st = ffnn_ex_init(&c, m, opt, err)))
        return st;
    int K = c.K;
    ffnn_ex_eval_mean(&c, Bg, nb, out->base_values);
    for (long start = 0; start < n; start += c.batch) {
        int B = n - start < c.batch ? (int)(n - start) : c.batch;
        ffnn_ex_eval(&c, X + (size_t)start * (size_t)c.n_in, B, out->output_values + (size_t)start * K);
    }
    for (long r = 0; r < n; r++)
        for (int j = 0; j < M; j++)
            out->feature_values[(size_t)r * M + j] =
                out->categorical[j] ? NAN : X[(size_t)r * c.n_in + c.feat_inputs[c.feat_start[j]]];

    ffnn_ex_release(&c);
    return run_rows(m, opt, X, n, Bg, nb, out, err);
}

void ffnn_shap_mean_abs(const ffnn_shap *s, double *imp)
{
    int K = s->n_outputs, M = s->n_features;
    for (int t = 0; t < K * M; t++)
        imp[t] = 0.0;
    for (long r = 0; r < s->n_rows; r++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < M; j++)
                imp[k * M + j] += fabs(s->values[((size_t)r * K + k) * M + j]);
    for (int t = 0; t < K * M; t++)
        imp[t] /= (double)(s->n_rows > 0 ? s->n_rows : 1);
}

ffnn_status ffnn_shap_importance_compute(ffnn_shap_importance *imp, const ffnn_shap *s,
                                         ffnn_error *err)
{
    int K = s->n_outputs, M = s->n_features;
    imp->mean_abs = ffnn_calloc((size_t)K * M, sizeof *imp->mean_abs);
    imp->total = ffnn_calloc((size_t)M, sizeof *imp->total);
    imp->order = ffnn_calloc((size_t)M, sizeof *imp->order);
    if (!imp->mean_abs || !imp->total || !imp->order) {
        ffnn_shap_importance_release(imp);
        return ffnn_error_nomem(err);
    }
    ffnn_shap_mean_abs(s, imp->mean_abs);
    for (int k = 0; k < K; k++)
        for (int j = 0; j < M; j++)
            imp->total[j] += imp->mean_abs[k * M + j];
    ffnn_explain_order(imp->total, M, imp->order);
    return FFNN_OK;
}

void ffnn_shap_importance_release(ffnn_shap_importance *imp)
{
    free(imp->mean_abs);
    free(imp->total);
    free(imp->order);
    memset(imp, 0, sizeof *imp);
}

static int cmp_desc(const void *a, const void *b, void *key)
{
    int x = *(const int *)a, y = *(const int *)b;
    double kx = ((const double *)key)[x], ky = ((const double *)key)[y];
    if (isnan(kx) != isnan(ky))
        return isnan(kx) ? 1 : -1;
    if (kx != ky && !isnan(kx))
        return kx < ky ? 1 : -1;
    return (x > y) - (x < y);
}

void ffnn_explain_order(const double *key, int n, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, cmp_desc, (void *)key);
}

/* ---- background sampling --------------------------------------------------- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

long ffnn_explain_sample_rows(long n, long k, uint64_t seed, long *idx)
{
    if (k <= 0 || k >= n) {
        for (long i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }
    ffnn_rng r;
    ffnn_rng_init(&r, seed, FFNN_RNG_SAMPLE, 0);
    for (long i = 0; i < n; i++)
        idx[i] = i;
    for (long i = 0; i < k; i++) {
        long j = i + (long)ffnn_rng_below(&r, (uint64_t)(n - i));
        long t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    qsort(idx, (size_t)k, sizeof *idx, cmp_long);
    return k;
}

ffnn_status ffnn_explain_background(ffnn_data *d, const ffnn_model *m, const ffnn_table *t,
                                    const ffnn_explain_options *opt, ffnn_error *err)
{
    memset(d, 0, sizeof *d);
    long *rows = ffnn_calloc((size_t)t->nrows, sizeof *rows);
    if (!rows)
        return ffnn_error_nomem(err);
    long nb = ffnn_explain_sample_rows(t->nrows, opt->background_size, opt->seed, rows);
    ffnn_status st = ffnn_data_from_table(d, &m->prep, t, rows, nb, false, err);
    free(rows);
    return st;
}
