/* ffnn — exact interventional Shapley values over the background.
 *
 *   v(S) = mean_k f(x_S, b_k),
 *   φ_i = Σ_{S ∌ i} |S|!(M−|S|−1)!/M! · [v(S ∪ {i}) − v(S)]
 *
 * Only features that differ from some background row are enumerated (the
 * others are dummies and get 0).  Each coalition's N synthetic rows go
 * through the network in shared batched forward passes; its value is folded
 * into φ at once (+coef(|S|−1)·v(S) for i ∈ S, −coef(|S|)·v(S) for i ∉ S, as
 * shap's grey-code accumulation), so nothing of size 2^M is kept.  v(∅) and
 * v(F) are the base value and the model output themselves, so the values add
 * up to output − base.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "explain_internal.h"
#include "internal.h"

static void fold(double *phi, int M, int K, const int *vfeat, int mv, const unsigned char *mask,
                 const double *v, const double *coef)
{
    int size = 0;
    for (int j = 0; j < mv; j++)
        size += mask[j];
    for (int q = 0; q < K; q++) {
        double in = size > 0 ? coef[size - 1] * v[q] : 0.0;
        double out = size < mv ? coef[size] * v[q] : 0.0;
        double *p = phi + (size_t)q * M;
        for (int j = 0; j < mv; j++)
            p[vfeat[j]] += mask[j] ? in : -out;
    }
}

ffnn_status ffnn_ex_exact(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                          ffnn_shap *s, ffnn_error *err)
{
    int K = c->K, M = c->M;
    int *vfeat = ffnn_calloc((size_t)M, sizeof *vfeat);
    double *coef = ffnn_calloc((size_t)M + 1, sizeof *coef);
    long chunk = (4L * c->batch + nb - 1) / nb;
    if (chunk < 16)
        chunk = 16;
    if (M < 31 && chunk > (1L << M))
        chunk = 1L << M;
    unsigned char *masks = ffnn_calloc((size_t)chunk * (size_t)(M ? M : 1), 1);
    double *v = ffnn_calloc((size_t)chunk * (size_t)K, sizeof *v);
    unsigned char *ends = ffnn_calloc((size_t)(M ? M : 1), 1);
    ffnn_status st = FFNN_OK;
    if (!vfeat || !coef || !masks || !v || !ends) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    for (long r = 0; r < n; r++) {
        const float *x = X + (size_t)r * (size_t)c->n_in;
        double *phi = s->values + (size_t)r * (size_t)K * (size_t)M;
        int mv = 0;
        for (int j = 0; j < M; j++)
            if (!ffnn_ex_feature_constant(c, x, Bg, nb, j))
                vfeat[mv++] = j;
        if (mv > 0) {
            /* coef[t] = t!(mv−t−1)!/mv! = 1 / (mv · C(mv−1, t)) */
            double binom = 1.0;
            for (int t = 0; t < mv; t++) {
                coef[t] = 1.0 / ((double)mv * binom);
                binom = binom * (double)(mv - 1 - t) / (double)(t + 1);
            }
            /* The empty and the full coalition. */
            memset(ends, 0, (size_t)mv);
            fold(phi, M, K, vfeat, mv, ends, s->base_values, coef);
            memset(ends, 1, (size_t)mv);
            fold(phi, M, K, vfeat, mv, ends, s->output_values + (size_t)r * K, coef);
            uint64_t last = ((uint64_t)1 << mv) - 1; /* masks 1 .. last-1 */
            for (uint64_t t0 = 1; t0 < last; t0 += (uint64_t)chunk) {
                long cnt = (long)(last - t0 < (uint64_t)chunk ? last - t0 : (uint64_t)chunk);
                for (long q = 0; q < cnt; q++) {
                    uint64_t t = t0 + (uint64_t)q;
                    unsigned char *mk = masks + (size_t)q * mv;
                    for (int j = 0; j < mv; j++)
                        mk[j] = (unsigned char)((t >> j) & 1u);
                }
                ffnn_ex_coalitions(c, x, Bg, nb, masks, cnt, vfeat, mv, v);
                for (long q = 0; q < cnt; q++)
                    fold(phi, M, K, vfeat, mv, masks + (size_t)q * mv, v + (size_t)q * K, coef);
            }
        }
        if (ffnn_ex_tick(c)) {
            st = ffnn_ex_canceled(err);
            goto out;
        }
    }
out:
    free(vfeat);
    free(coef);
    free(masks);
    free(v);
    free(ends);
    return st;
}
