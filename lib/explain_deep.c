/* ffnn — DeepSHAP: the DeepLIFT rescale rule against each background row,
 * averaged (shap.DeepExplainer on a dense network).
 *
 * For a row x and a reference b the multipliers of every output with
 * respect to every input are back-propagated as a K-row matrix (all outputs
 * at once), with each nonlinearity's derivative replaced by its secant slope
 * Δa/Δz; φ_i = mean_k Σ_{inputs of i} m_i(x, b_k) · (x_i − b_k,i).
 * Activations of x and of the background come from ordinary forward passes;
 * the background's are computed once for all rows.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "explain_internal.h"
#include "internal.h"

/* shap's thresholds: the rescale rule falls back to the gradient at the
 * reference below 1e-6; the division in softmax drops a share below 1e-7. */
#define RESCALE_EPS 1e-6
#define DIV_EPS 1e-7

typedef struct {
    int L, K, maxw;
    float **bZ, **bA, **bD; /* per layer, nb x units: background pre-activation, output, f'(z) */
    double *G, *Gp;         /* K x maxw multiplier matrices */
    double *J;              /* smax x smax: softmax multiplier matrix */
    double *mult;           /* maxw: elementwise multipliers */
    double *sm;             /* 6 * smax: softmax scratch */
} deep_state;

static void deep_free(deep_state *d)
{
    for (int l = 0; l < d->L; l++) {
        if (d->bZ) free(d->bZ[l]);
        if (d->bA) free(d->bA[l]);
        if (d->bD) free(d->bD[l]);
    }
    free(d->bZ);
    free(d->bA);
    free(d->bD);
    free(d->G);
    free(d->Gp);
    free(d->J);
    free(d->mult);
    free(d->sm);
}

/* Background activations and derivatives, computed once.  ones: scratch of
 * batch*maxw floats. */
static ffnn_status deep_background(ffnn_ex_ctx *c, deep_state *d, const float *Bg, long nb,
                                   ffnn_error *err)
{
    const ffnn_model *m = c->m;
    size_t nw = (size_t)c->batch * (size_t)d->maxw;
    float *ones = ffnn_calloc(nw, sizeof *ones);
    if (!ones)
        return ffnn_error_nomem(err);
    for (size_t i = 0; i < nw; i++)
        ones[i] = 1.0f;
    for (int l = 0; l < d->L; l++) {
        size_t sz = (size_t)nb * (size_t)m->layers[l].units;
        d->bZ[l] = ffnn_calloc(sz, sizeof(float));
        d->bA[l] = ffnn_calloc(sz, sizeof(float));
        d->bD[l] = ffnn_calloc(sz, sizeof(float));
        if (!d->bZ[l] || !d->bA[l] || !d->bD[l]) {
            free(ones);
            return ffnn_error_nomem(err);
        }
    }
    for (long start = 0; start < nb; start += c->batch) {
        int B = nb - start < c->batch ? (int)(nb - start) : c->batch;
        ffnn_model_forward(m, c->ws, Bg + (size_t)start * (size_t)c->n_in, B, false, NULL);
        for (int l = 0; l < d->L; l++) {
            int U = m->layers[l].units;
            size_t off = (size_t)start * (size_t)U, cnt = (size_t)B * (size_t)U;
            memcpy(d->bZ[l] + off, c->ws->Z[l], cnt * sizeof(float));
            memcpy(d->bA[l] + off, c->ws->A[l], cnt * sizeof(float));
            if (m->layers[l].activation != FFNN_ACT_SOFTMAX)
                ffnn_act_backward(m->layers[l].activation, d->bZ[l] + off, d->bA[l] + off, ones,
                                  d->bD[l] + off, B, U);
        }
    }
    free(ones);
    return FFNN_OK;
}

/* Elementwise rescale multipliers of U units: zx, ax (row), zb, ab, db
 * (reference, with f'(zb)). */
static void rescale(const float *zx, const float *ax, const float *zb, const float *ab,
                    const float *db, int U, double *mult)
{
    for (int j = 0; j < U; j++) {
        double dz = (double)zx[j] - (double)zb[j];
        mult[j] = fabs(dz) < RESCALE_EPS ? (double)db[j] : ((double)ax[j] - (double)ab[j]) / dz;
    }
}

/* Softmax multipliers J (U x U), J[c][j] = multiplier of output c w.r.t.
 * input j, following shap's TensorFlow handler ("tf"): p = e / Σe with
 * e = exp(z − max z); exp rescaled, the sum linear, the division split
 * between numerator and denominator by their 2-player Shapley shares, and
 * the max-shift undone by Δu/Δz. */
static void softmax_mult(const float *zx, const float *zb, int U, double *J, double *sm)
{
    double *ux = sm, *ub = sm + U, *ex = sm + 2 * U, *eb = sm + 3 * U, *me = sm + 4 * U,
           *rs = sm + 5 * U;
    double mx = zx[0], mb = zb[0];
    for (int j = 1; j < U; j++) {
        if (zx[j] > mx) mx = zx[j];
        if (zb[j] > mb) mb = zb[j];
    }
    double sx = 0.0, sb = 0.0;
    for (int j = 0; j < U; j++) {
        ux[j] = (double)zx[j] - mx;
        ub[j] = (double)zb[j] - mb;
        ex[j] = exp(ux[j]);
        eb[j] = exp(ub[j]);
        sx += ex[j];
        sb += eb[j];
    }
    double ds = sx - sb;
    for (int j = 0; j < U; j++) {
        double du = ux[j] - ub[j], dz = (double)zx[j] - (double)zb[j];
        me[j] = fabs(du) < RESCALE_EPS ? eb[j] : (ex[j] - eb[j]) / du;
        rs[j] = fabs(dz) < RESCALE_EPS ? 1.0 : du / dz;
    }
    for (int c = 0; c < U; c++) {
        double de = ex[c] - eb[c];
        double mnum = fabs(de) < DIV_EPS ? 0.0 : 0.5 * (1.0 / sx + 1.0 / sb);
        double mden = fabs(ds) < DIV_EPS ? 0.0 : 0.5 * (ex[c] + eb[c]) * (1.0 / sx - 1.0 / sb) / ds;
        for (int j = 0; j < U; j++)
            J[(size_t)c * U + j] = ((j == c ? mnum : 0.0) + mden) * me[j] * rs[j];
    }
}

/* Softmax multipliers J (U x U) as shap's PyTorch handler gives them for
 * nn.Softmax ("torch"): the elementwise rescale rule, so output c moves
 * with its own logit only, J[c][c] = Δp_c/Δz_c; where |Δz_j| < 1e-6 input
 * j takes the ordinary gradient at the reference instead, the softmax
 * Jacobian's column J[c][j] = p_c (δ_cj − p_j) with p the reference's
 * probabilities.  zx, ax: the row's logits and probabilities; zb, ab: the
 * reference's. */
static void softmax_mult_torch(const float *zx, const float *ax, const float *zb, const float *ab,
                               int U, double *J)
{
    for (int j = 0; j < U; j++) {
        double dz = (double)zx[j] - (double)zb[j];
        bool grad = fabs(dz) < RESCALE_EPS;
        for (int c = 0; c < U; c++) {
            double v = 0.0;
            if (grad)
                v = (double)ab[c] * ((c == j ? 1.0 : 0.0) - (double)ab[j]);
            else if (c == j)
                v = ((double)ax[j] - (double)ab[j]) / dz;
            J[(size_t)c * U + j] = v;
        }
    }
}

/* G (K x U) := G · (multipliers of layer l's activation) for row r of the
 * chunk and reference k.  Gp is scratch. */
static void through_activation(const ffnn_ex_ctx *c, deep_state *d, int l, int r, long k, double *G,
                               double *Gp)
{
    const ffnn_model *m = c->m;
    int U = m->layers[l].units, K = d->K;
    const float *zx = c->ws->Z[l] + (size_t)r * U, *ax = c->ws->A[l] + (size_t)r * U;
    const float *zb = d->bZ[l] + (size_t)k * U, *ab = d->bA[l] + (size_t)k * U;
    if (m->layers[l].activation == FFNN_ACT_SOFTMAX) {
        if (c->opt->softmax_rule == FFNN_EXPLAIN_SOFTMAX_TORCH)
            softmax_mult_torch(zx, ax, zb, ab, U, d->J);
        else
            softmax_mult(zx, zb, U, d->J, d->sm);
        memcpy(Gp, G, (size_t)K * (size_t)U * sizeof *Gp);
        for (int q = 0; q < K; q++) {
            double *g = G + (size_t)q * U;
            const double *gp = Gp + (size_t)q * U;
            for (int j = 0; j < U; j++)
                g[j] = 0.0;
            for (int i = 0; i < U; i++) {
                double a = gp[i];
                if (a == 0.0)
                    continue;
                const double *Ji = d->J + (size_t)i * U;
                for (int j = 0; j < U; j++)
                    g[j] += a * Ji[j];
            }
        }
        return;
    }
    rescale(zx, ax, zb, ab, d->bD[l] + (size_t)k * U, U, d->mult);
    for (int q = 0; q < K; q++) {
        double *g = G + (size_t)q * U;
        for (int j = 0; j < U; j++)
            g[j] *= d->mult[j];
    }
}

/* Adds Σ over inputs of m(x, b) · (x − b) for row r (x) and reference k (b)
 * into phi (K x M). */
static void deep_pair(const ffnn_ex_ctx *c, deep_state *d, int r, const float *x, long k,
                      const float *b, double *phi)
{
    const ffnn_model *m = c->m;
    int L = d->L, K = d->K, M = c->M;
    double *G = d->G, *Gp = d->Gp;
    /* Output layer: identity for logits, else its activation's multipliers. */
    for (int q = 0; q < K; q++)
        for (int j = 0; j < K; j++)
            G[(size_t)q * K + j] = q == j ? 1.0 : 0.0;
    if (c->opt->output != FFNN_EXPLAIN_OUTPUT_LOGIT)
        through_activation(c, d, L - 1, r, k, G, Gp);
    for (int l = L - 1; l >= 0; l--) {
        int U = m->layers[l].units, in = l ? m->layers[l - 1].units : m->n_in;
        const float *W = m->params + m->w_off[l];
        /* Gp (K, in) = G (K, U) · W (U, in) */
        for (int q = 0; q < K; q++) {
            double *gp = Gp + (size_t)q * in;
            const double *g = G + (size_t)q * U;
            for (int i = 0; i < in; i++)
                gp[i] = 0.0;
            for (int j = 0; j < U; j++) {
                double a = g[j];
                if (a == 0.0)
                    continue;
                const float *Wj = W + (size_t)j * in;
                for (int i = 0; i < in; i++)
                    gp[i] += a * (double)Wj[i];
            }
        }
        if (l > 0) {
            double *t = G;
            G = Gp;
            Gp = t;
            through_activation(c, d, l - 1, r, k, G, Gp);
        }
    }
    /* Gp now holds the input multipliers (K, n_in). */
    for (int i = 0; i < m->n_in; i++) {
        double dx = (double)x[i] - (double)b[i];
        if (dx == 0.0)
            continue;
        int f = c->feature_of[i];
        for (int q = 0; q < K; q++)
            phi[(size_t)q * M + f] += Gp[(size_t)q * m->n_in + i] * dx;
    }
}

ffnn_status ffnn_ex_deep(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                         ffnn_shap *s, ffnn_error *err)
{
    const ffnn_model *m = c->m;
    deep_state d;
    memset(&d, 0, sizeof d);
    d.L = m->n_layers;
    d.K = c->K;
    d.maxw = ffnn_model_max_width(m);
    if (d.maxw < m->n_in)
        d.maxw = m->n_in;
    size_t mw = (size_t)d.maxw;
    /* The softmax multipliers are a square matrix of the softmax layer's
     * width (the output's, in practice: a few classes); sized by maxw, as
     * the other scratch is, 100,000 inputs would ask for 80 GB. */
    size_t smax = 1;
    for (int l = 0; l < d.L; l++)
        if (m->layers[l].activation == FFNN_ACT_SOFTMAX && (size_t)m->layers[l].units > smax)
            smax = (size_t)m->layers[l].units;
    d.bZ = ffnn_calloc((size_t)d.L, sizeof *d.bZ);
    d.bA = ffnn_calloc((size_t)d.L, sizeof *d.bA);
    d.bD = ffnn_calloc((size_t)d.L, sizeof *d.bD);
    d.G = ffnn_calloc((size_t)d.K * mw, sizeof *d.G);
    d.Gp = ffnn_calloc((size_t)d.K * mw, sizeof *d.Gp);
    d.J = ffnn_calloc(smax * smax, sizeof *d.J);
    d.mult = ffnn_calloc(mw, sizeof *d.mult);
    d.sm = ffnn_calloc(6 * smax, sizeof *d.sm);
    ffnn_status st = FFNN_OK;
    if (!d.bZ || !d.bA || !d.bD || !d.G || !d.Gp || !d.J || !d.mult || !d.sm) {
        st = ffnn_error_nomem(err);
        goto out;
    }
    if ((st = deep_background(c, &d, Bg, nb, err)))
        goto out;

    int K = c->K, M = c->M;
    for (long start = 0; start < n; start += c->batch) {
        int B = n - start < c->batch ? (int)(n - start) : c->batch;
        /* The chunk's activations stay in the workspace while its rows are
         * explained: no other forward pass runs meanwhile. */
        ffnn_model_forward(m, c->ws, X + (size_t)start * (size_t)c->n_in, B, false, NULL);
        for (int r = 0; r < B; r++) {
            const float *x = X + (size_t)(start + r) * (size_t)c->n_in;
            double *phi = s->values + (size_t)(start + r) * (size_t)K * (size_t)M;
            for (long k = 0; k < nb; k++)
                deep_pair(c, &d, r, x, k, Bg + (size_t)k * (size_t)c->n_in, phi);
            for (int t = 0; t < K * M; t++)
                phi[t] /= (double)nb;
            if (ffnn_ex_tick(c)) {
                st = ffnn_ex_canceled(err);
                goto out;
            }
        }
    }
out:
    deep_free(&d);
    return st;
}
