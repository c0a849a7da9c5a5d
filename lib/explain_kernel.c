/* ffnn — KernelSHAP (shap.KernelExplainer with l1_reg=False).
 *
 * Per row: the M features that vary from the background are the players.
 * Coalitions are chosen as shap does: size classes s and M−s (paired) are
 * enumerated whole, smallest first, while the budget covers them at their
 * Shapley-kernel weight; the rest of the budget goes to random paired draws
 * (a repeated draw adds weight instead of a row), rescaled to the weight left.
 * Each coalition's value is the mean output over the background with the
 * coalition's features taken from x.  The weighted least squares is solved
 * with the efficiency constraint eliminated (the last player's value is
 * Δ − Σ others), so the values add up to f(x) − E f exactly.  A budget of
 * 2^M − 2 or more enumerates every coalition: the values are then the exact
 * Shapley values.  No L1 feature selection is done.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "explain_internal.h"
#include "internal.h"

typedef struct {
    int mv;
    long cap, n;          /* samples allocated, added */
    unsigned char *masks; /* cap * mv */
    double *w;            /* cap */
    long *comp;           /* cap: index of the complement added with it, or -1 */
    long *table;          /* hash table of sample indices, -1 = empty */
    size_t tsize;
} samples;

static uint64_t hash_mask(const unsigned char *m, int mv)
{
    uint64_t h = 1469598103934665603ull;
    for (int j = 0; j < mv; j++) {
        h ^= m[j];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static long add_sample(samples *S, const unsigned char *mask, double w)
{
    long i = S->n++;
    memcpy(S->masks + (size_t)i * S->mv, mask, (size_t)S->mv);
    S->w[i] = w;
    S->comp[i] = -1;
    return i;
}

/* Index of a random-phase sample equal to mask, or -1; inserts idx if absent
 * and idx >= 0. */
static long find_or_insert(samples *S, const unsigned char *mask, long idx)
{
    size_t h = (size_t)hash_mask(mask, S->mv) & (S->tsize - 1);
    while (S->table[h] >= 0) {
        long j = S->table[h];
        if (memcmp(S->masks + (size_t)j * S->mv, mask, (size_t)S->mv) == 0)
            return j;
        h = (h + 1) & (S->tsize - 1);
    }
    if (idx >= 0)
        S->table[h] = idx;
    return -1;
}

/* Next k-combination of 0..mv-1 in lexicographic order; false after the last. */
static bool next_comb(int *idx, int k, int mv)
{
    int i = k - 1;
    while (i >= 0 && idx[i] == mv - k + i)
        i--;
    if (i < 0)
        return false;
    idx[i]++;
    for (int j = i + 1; j < k; j++)
        idx[j] = idx[j - 1] + 1;
    return true;
}

static double binom(int n, int k)
{
    double r = 1.0;
    for (int i = 1; i <= k; i++)
        r = r * (double)(n - k + i) / (double)i;
    return r;
}

/* Fills S with nsamples coalitions over mv players (shap's scheme). */
static void choose_samples(samples *S, int mv, long nsamples, ffnn_rng *rng, double *wv, double *rem,
                           int *comb, int *perm, unsigned char *mask)
{
    int nsizes = mv / 2;        /* ceil((mv−1)/2) */
    int npaired = (mv - 1) / 2; /* floor((mv−1)/2) */
    double tot = 0.0;
    for (int s = 1; s <= nsizes; s++) {
        wv[s - 1] = (double)(mv - 1) / ((double)s * (double)(mv - s));
        if (s <= npaired)
            wv[s - 1] *= 2.0;
        tot += wv[s - 1];
    }
    for (int s = 0; s < nsizes; s++) {
        wv[s] /= tot;
        rem[s] = wv[s];
    }
    int nfull = 0;
    double left = (double)nsamples;
    for (int s = 1; s <= nsizes; s++) {
        double nsub = binom(mv, s) * (s <= npaired ? 2.0 : 1.0);
        if (!(left * rem[s - 1] / nsub >= 1.0 - 1e-8))
            break;
        nfull++;
        left -= nsub;
        if (rem[s - 1] < 1.0) {
            double d = 1.0 - rem[s - 1];
            for (int t = 0; t < nsizes; t++)
                rem[t] /= d;
        }
        double w = wv[s - 1] / binom(mv, s);
        if (s <= npaired)
            w /= 2.0;
        for (int j = 0; j < s; j++)
            comb[j] = j;
        do {
            memset(mask, 0, (size_t)mv);
            for (int j = 0; j < s; j++)
                mask[comb[j]] = 1;
            add_sample(S, mask, w);
            if (s <= npaired) {
                for (int j = 0; j < mv; j++)
                    mask[j] = (unsigned char)!mask[j];
                add_sample(S, mask, w);
            }
        } while (next_comb(comb, s, mv));
    }
    if (nfull == nsizes)
        return;

    long nfixed = S->n, samples_left = nsamples - S->n;
    if (samples_left <= 0)
        return;
    double rtot = 0.0;
    for (int s = nfull; s < nsizes; s++) {
        rem[s] = wv[s] / (s < npaired ? 2.0 : 1.0);
        rtot += rem[s];
    }
    for (int j = 0; j < mv; j++)
        perm[j] = j;
    long draws = 4 * samples_left;
    for (long d = 0; d < draws && samples_left > 0; d++) {
        double u = ffnn_rng_uniform(rng) * rtot, cum = 0.0;
        int s = nfull;
        for (; s < nsizes - 1; s++) {
            cum += rem[s];
            if (u < cum)
                break;
        }
        int size = s + 1;
        for (int i = 0; i < size; i++) {
            int j = i + (int)ffnn_rng_below(rng, (uint64_t)(mv - i));
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        memset(mask, 0, (size_t)mv);
        for (int i = 0; i < size; i++)
            mask[perm[i]] = 1;
        long prev = find_or_insert(S, mask, S->n);
        bool fresh = prev < 0;
        long idx;
        if (fresh) {
            idx = add_sample(S, mask, 1.0);
            samples_left--;
        } else {
            idx = prev;
            S->w[idx] += 1.0;
        }
        if (samples_left > 0 && size <= npaired) {
            for (int j = 0; j < mv; j++)
                mask[j] = (unsigned char)!mask[j];
            if (fresh) {
                S->comp[idx] = add_sample(S, mask, 1.0);
                samples_left--;
            } else if (S->comp[idx] >= 0) {
                S->w[S->comp[idx]] += 1.0;
            }
        }
    }
    double wleft = 0.0, wsum = 0.0;
    for (int s = nfull; s < nsizes; s++)
        wleft += wv[s];
    for (long i = nfixed; i < S->n; i++)
        wsum += S->w[i];
    if (wsum > 0.0)
        for (long i = nfixed; i < S->n; i++)
            S->w[i] *= wleft / wsum;
}

/* Solves A x = B for nrhs right-hand sides (A p x p, B p x nrhs, both
 * overwritten; the solution is left in B) by Gaussian elimination with
 * partial pivoting.  A singular A gets a ridge of 1e-10 · its largest
 * diagonal entry first (standing in for shap's least-squares fallback). */
static void solve(double *A, double *Bm, int p, int nrhs, double *Acopy, double *Bcopy)
{
    memcpy(Acopy, A, (size_t)p * p * sizeof *A);
    memcpy(Bcopy, Bm, (size_t)p * nrhs * sizeof *Bm);
    double dmax = 0.0;
    for (int i = 0; i < p; i++)
        if (fabs(A[(size_t)i * p + i]) > dmax)
            dmax = fabs(A[(size_t)i * p + i]);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (attempt) {
            memcpy(A, Acopy, (size_t)p * p * sizeof *A);
            memcpy(Bm, Bcopy, (size_t)p * nrhs * sizeof *Bm);
            for (int i = 0; i < p; i++)
                A[(size_t)i * p + i] += 1e-10 * (dmax > 0.0 ? dmax : 1.0);
        }
        bool singular = false;
        for (int col = 0; col < p && !singular; col++) {
            int piv = col;
            for (int i = col + 1; i < p; i++)
                if (fabs(A[(size_t)i * p + col]) > fabs(A[(size_t)piv * p + col]))
                    piv = i;
            if (fabs(A[(size_t)piv * p + col]) <= 1e-13 * (dmax > 0.0 ? dmax : 1.0)) {
                singular = true;
                break;
            }
            if (piv != col) {
                for (int j = 0; j < p; j++) {
                    double t = A[(size_t)col * p + j];
                    A[(size_t)col * p + j] = A[(size_t)piv * p + j];
                    A[(size_t)piv * p + j] = t;
                }
                for (int j = 0; j < nrhs; j++) {
                    double t = Bm[(size_t)col * nrhs + j];
                    Bm[(size_t)col * nrhs + j] = Bm[(size_t)piv * nrhs + j];
                    Bm[(size_t)piv * nrhs + j] = t;
                }
            }
            double d = A[(size_t)col * p + col];
            for (int i = col + 1; i < p; i++) {
                double f = A[(size_t)i * p + col] / d;
                if (f == 0.0)
                    continue;
                for (int j = col; j < p; j++)
                    A[(size_t)i * p + j] -= f * A[(size_t)col * p + j];
                for (int j = 0; j < nrhs; j++)
                    Bm[(size_t)i * nrhs + j] -= f * Bm[(size_t)col * nrhs + j];
            }
        }
        if (singular && attempt == 0)
            continue;
        for (int i = p - 1; i >= 0; i--) {
            for (int j = 0; j < nrhs; j++) {
                double acc = Bm[(size_t)i * nrhs + j];
                for (int t = i + 1; t < p; t++)
                    acc -= A[(size_t)i * p + t] * Bm[(size_t)t * nrhs + j];
                double d = A[(size_t)i * p + i];
                Bm[(size_t)i * nrhs + j] = d != 0.0 ? acc / d : 0.0;
            }
        }
        return;
    }
}

ffnn_status ffnn_ex_kernel(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                           ffnn_shap *s, ffnn_error *err)
{
    int K = c->K, M = c->M;
    ffnn_status st = FFNN_OK;
    samples S;
    memset(&S, 0, sizeof S);
    int *vfeat = ffnn_calloc((size_t)M, sizeof *vfeat);
    int *comb = ffnn_calloc((size_t)M, sizeof *comb);
    int *perm = ffnn_calloc((size_t)M, sizeof *perm);
    unsigned char *mask = ffnn_calloc((size_t)M, 1);
    double *wv = ffnn_calloc((size_t)M + 1, sizeof *wv);
    double *rem = ffnn_calloc((size_t)M + 1, sizeof *rem);
    size_t p2 = (size_t)M * (size_t)M;
    double *A = ffnn_calloc(p2, sizeof *A), *Ac = ffnn_calloc(p2, sizeof *Ac);
    double *Bm = ffnn_calloc((size_t)M * K, sizeof *Bm), *Bc = ffnn_calloc((size_t)M * K, sizeof *Bc);
    double *v = NULL, *xr = ffnn_calloc((size_t)M, sizeof *xr);
    if (!vfeat || !comb || !perm || !mask || !wv || !rem || !A || !Ac || !Bm || !Bc || !xr) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    for (long r = 0; r < n; r++) {
        const float *x = X + (size_t)r * (size_t)c->n_in;
        double *phi = s->values + (size_t)r * (size_t)K * (size_t)M;
        const double *fx = s->output_values + (size_t)r * K, *base = s->base_values;
        int mv = 0;
        for (int j = 0; j < M; j++)
            if (!ffnn_ex_feature_constant(c, x, Bg, nb, j))
                vfeat[mv++] = j;
        if (mv == 1)
            for (int q = 0; q < K; q++)
                phi[(size_t)q * M + vfeat[0]] = fx[q] - base[q];
        if (mv >= 2) {
            long ns = c->opt->nsamples > 0 ? c->opt->nsamples : 2L * mv + 2048;
            if (mv <= 30 && ns > (1L << mv) - 2)
                ns = (1L << mv) - 2;
            if (ns > S.cap || mv != S.mv) {
                free(S.masks);
                free(S.w);
                free(S.comp);
                free(S.table);
                free(v);
                S.cap = ns;
                S.tsize = 16;
                while (S.tsize < 2 * (size_t)ns)
                    S.tsize *= 2;
                S.masks = ffnn_calloc((size_t)ns * (size_t)mv, 1);
                S.w = ffnn_calloc((size_t)ns, sizeof *S.w);
                S.comp = ffnn_calloc((size_t)ns, sizeof *S.comp);
                S.table = ffnn_calloc(S.tsize, sizeof *S.table);
                v = ffnn_calloc((size_t)ns * (size_t)K, sizeof *v);
                if (!S.masks || !S.w || !S.comp || !S.table || !v) {
                    st = ffnn_error_nomem(err);
                    goto out;
                }
            }
            S.mv = mv;
            S.n = 0;
            for (size_t t = 0; t < S.tsize; t++)
                S.table[t] = -1;
            ffnn_rng rng;
            ffnn_rng_init(&rng, c->opt->seed, FFNN_RNG_EXPLAIN, (uint64_t)(c->row0 + r));
            choose_samples(&S, mv, ns, &rng, wv, rem, comb, perm, mask);
            ffnn_ex_coalitions(c, x, Bg, nb, S.masks, S.n, vfeat, mv, v);

            /* Eliminate the last player: y' = (v − base) − z_last·Δ,
             * X'_j = z_j − z_last; solve (X'ᵀWX') β = X'ᵀWy'. */
            int p = mv - 1;
            memset(A, 0, (size_t)p * p * sizeof *A);
            memset(Bm, 0, (size_t)p * K * sizeof *Bm);
            for (long i = 0; i < S.n; i++) {
                const unsigned char *z = S.masks + (size_t)i * mv;
                double w = S.w[i], zl = z[p];
                for (int j = 0; j < p; j++)
                    xr[j] = (double)z[j] - zl;
                for (int a = 0; a < p; a++) {
                    if (xr[a] == 0.0)
                        continue;
                    double wa = w * xr[a];
                    for (int b = 0; b < p; b++)
                        A[(size_t)a * p + b] += wa * xr[b];
                    for (int q = 0; q < K; q++) {
                        double y = v[(size_t)i * K + q] - base[q] - zl * (fx[q] - base[q]);
                        Bm[(size_t)a * K + q] += wa * y;
                    }
                }
            }
            solve(A, Bm, p, K, Ac, Bc);
            for (int q = 0; q < K; q++) {
                double sum = 0.0;
                for (int j = 0; j < p; j++) {
                    phi[(size_t)q * M + vfeat[j]] = Bm[(size_t)j * K + q];
                    sum += Bm[(size_t)j * K + q];
                }
                phi[(size_t)q * M + vfeat[p]] = (fx[q] - base[q]) - sum;
            }
        }
        if (ffnn_ex_tick(c)) {
            st = ffnn_ex_canceled(err);
            goto out;
        }
    }
out:
    free(S.masks);
    free(S.w);
    free(S.comp);
    free(S.table);
    free(v);
    free(vfeat);
    free(comb);
    free(perm);
    free(mask);
    free(wv);
    free(rem);
    free(A);
    free(Ac);
    free(Bm);
    free(Bc);
    free(xr);
    return st;
}
