/* ffnn — permutation importance with scikit-learn's semantics
 * (sklearn.inspection.permutation_importance, scoring=None). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "explain_internal.h"
#include "internal.h"

/* estimator.score: accuracy for classifiers, R² for regressors. */
static double score(ffnn_ex_ctx *c, const float *X, const double *y, long n, bool classification,
                    double *P)
{
    int K = c->K;
    for (long start = 0; start < n; start += c->batch) {
        int B = n - start < c->batch ? (int)(n - start) : c->batch;
        const float *A = ffnn_model_forward(c->m, c->ws, X + (size_t)start * (size_t)c->n_in, B,
                                            false, NULL);
        for (size_t i = 0; i < (size_t)B * (size_t)K; i++)
            P[(size_t)start * K + i] = A[i];
    }
    if (classification) {
        long correct = 0;
        for (long i = 0; i < n; i++) {
            const double *p = P + (size_t)i * K;
            int cls = 0;
            if (K == 1) {
                cls = p[0] > 0.5;
            } else {
                for (int k = 1; k < K; k++)
                    if (p[k] > p[cls])
                        cls = k;
            }
            correct += cls == (int)y[i];
        }
        return (double)correct / (double)n;
    }
    double mean = 0.0, ss_res = 0.0, ss_tot = 0.0;
    for (long i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (long i = 0; i < n; i++) {
        double e = y[i] - P[(size_t)i * K], d = y[i] - mean;
        ss_res += e * e;
        ss_tot += d * d;
    }
    if (ss_tot == 0.0)
        return ss_res == 0.0 ? 1.0 : 0.0;
    return 1.0 - ss_res / ss_tot;
}

void ffnn_perm_importance_release(ffnn_perm_importance *p)
{
    if (!p)
        return;
    ffnn_free_strings(p->feature_names, p->n_features);
    free(p->importances);
    free(p->mean);
    free(p->std);
    memset(p, 0, sizeof *p);
}

ffnn_status ffnn_explain_permutation(const ffnn_model *m, const float *X, const double *y, long n,
                                     const ffnn_explain_options *opt, ffnn_perm_importance *out,
                                     ffnn_error *err)
{
    memset(out, 0, sizeof *out);
    ffnn_explain_options dflt = ffnn_explain_options_default();
    if (!opt)
        opt = &dflt;
    if (n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "no rows to score");
    if (!y)
        return ffnn_error_set(err, FFNN_EDATA, "permutation importance needs the target column");
    if (opt->repeats < 1)
        return ffnn_error_set(err, FFNN_EUSAGE, "repeats must be at least 1, got %d", opt->repeats);
    if (n > 2147483647L)
        return ffnn_error_set(err, FFNN_EDATA, "too many rows for permutation importance");
    int M = ffnn_explain_n_features(m), R = opt->repeats;
    out->n_features = M;
    out->repeats = R;
    out->n_rows = n;
    out->classification = m->prep.task != FFNN_TASK_REGRESSION;
    out->seed = opt->seed;
    out->feature_names = ffnn_calloc((size_t)M, sizeof *out->feature_names);
    out->importances = ffnn_calloc((size_t)M * (size_t)R, sizeof *out->importances);
    out->mean = ffnn_calloc((size_t)M, sizeof *out->mean);
    out->std = ffnn_calloc((size_t)M, sizeof *out->std);
    if (!out->feature_names || !out->importances || !out->mean || !out->std)
        return ffnn_error_nomem(err);

    ffnn_ex_ctx c;
    ffnn_status st = ffnn_ex_init(&c, m, opt, err);
    if (st)
        return st;
    size_t nx = (size_t)n * (size_t)c.n_in;
    float *Xp = ffnn_calloc(nx, sizeof *Xp);
    float *cur = ffnn_calloc((size_t)n * (size_t)c.n_in, sizeof *cur);
    float *nxt = ffnn_calloc((size_t)n * (size_t)c.n_in, sizeof *nxt);
    int *idx = ffnn_calloc((size_t)n, sizeof *idx);
    double *P = ffnn_calloc((size_t)n * (size_t)c.K, sizeof *P);
    if (!Xp || !cur || !nxt || !idx || !P) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    for (int j = 0; j < M; j++) {
        if (!(out->feature_names[j] = ffnn_ex_feature_name(m, j))) {
            st = ffnn_error_nomem(err);
            goto out;
        }
    }
    memcpy(Xp, X, nx * sizeof *Xp);
    ffnn_ex_progress prog = {PTHREAD_MUTEX_INITIALIZER, 0, (long)M * R, false};
    c.progress = &prog;
    out->baseline = score(&c, Xp, y, n, out->classification, P);
    for (int j = 0; j < M; j++) {
        int w = c.feat_start[j + 1] - c.feat_start[j];
        const int *ins = c.feat_inputs + c.feat_start[j];
        for (long i = 0; i < n; i++)
            for (int t = 0; t < w; t++)
                cur[(size_t)i * w + t] = X[(size_t)i * c.n_in + ins[t]];
        ffnn_rng rng;
        ffnn_rng_init(&rng, opt->seed, FFNN_RNG_EXPLAIN, 0);
        for (long i = 0; i < n; i++)
            idx[i] = (int)i;
        double sum = 0.0;
        for (int r = 0; r < R; r++) {
            ffnn_rng_shuffle(&rng, idx, (size_t)n);
            for (long i = 0; i < n; i++)
                for (int t = 0; t < w; t++)
                    nxt[(size_t)i * w + t] = cur[(size_t)idx[i] * w + t];
            memcpy(cur, nxt, (size_t)n * (size_t)w * sizeof *cur);
            for (long i = 0; i < n; i++)
                for (int t = 0; t < w; t++)
                    Xp[(size_t)i * c.n_in + ins[t]] = cur[(size_t)i * w + t];
            double imp = out->baseline - score(&c, Xp, y, n, out->classification, P);
            out->importances[(size_t)j * R + r] = imp;
            sum += imp;
            if (ffnn_ex_tick(&c)) {
                st = ffnn_ex_canceled(err);
                goto out;
            }
        }
        double mean = sum / R, var = 0.0;
        for (int r = 0; r < R; r++) {
            double d = out->importances[(size_t)j * R + r] - mean;
            var += d * d;
        }
        out->mean[j] = mean;
        out->std[j] = sqrt(var / R);
        for (long i = 0; i < n; i++)
            for (int t = 0; t < w; t++)
                Xp[(size_t)i * c.n_in + ins[t]] = X[(size_t)i * c.n_in + ins[t]];
    }
out:
    free(Xp);
    free(cur);
    free(nxt);
    free(idx);
    free(P);
    ffnn_ex_release(&c);
    return st;
}
