/* SHAP values (deep, exact, kernel), permutation importance and the
 * explanation charts, on models built by hand. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/explain.h"
#include "ffnn/model.h"
#include "ffnn/plot_explain.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

static ffnn_model *build(int n_in, const int *units, const ffnn_act *acts, int L)
{
    ffnn_layer_spec ls[8];
    for (int l = 0; l < L; l++) {
        ls[l].units = units[l];
        ls[l].activation = acts[l];
        ls[l].dropout = 0.0f;
    }
    ffnn_model *m;
    ffnn_error err;
    ck_assert_int_eq(ffnn_model_create_layers(&m, n_in, ls, L, &err), FFNN_OK);
    return m;
}

/* Random weights U(-scale, scale) and biases U(-0.5, 0.5). */
static void randomize(ffnn_model *m, uint64_t seed, double scale)
{
    ffnn_rng r;
    ffnn_rng_init(&r, seed, FFNN_RNG_INIT, 99);
    int in = m->n_in;
    for (int l = 0; l < m->n_layers; l++) {
        int U = m->layers[l].units;
        for (int i = 0; i < U * in; i++)
            m->params[m->w_off[l] + (size_t)i] = (float)((2 * ffnn_rng_uniform(&r) - 1) * scale);
        for (int i = 0; i < U; i++)
            m->params[m->b_off[l] + (size_t)i] = (float)(ffnn_rng_uniform(&r) - 0.5);
        in = U;
    }
}

static float *random_rows(long n, int d, uint64_t seed)
{
    ffnn_rng r;
    ffnn_rng_init(&r, seed, FFNN_RNG_SAMPLE, 7);
    float *X = malloc((size_t)n * (size_t)d * sizeof *X);
    for (long i = 0; i < n * d; i++)
        X[i] = (float)(ffnn_rng_normal(&r) * 1.5);
    return X;
}

static ffnn_explain_options opts(ffnn_explain_method method)
{
    ffnn_explain_options o = ffnn_explain_options_default();
    o.method = method;
    return o;
}

static void explain(const ffnn_model *m, const float *X, long n, const float *B, long nb,
                    const ffnn_explain_options *o, ffnn_shap *s)
{
    ffnn_error err;
    ffnn_status st = ffnn_explain_shap(m, X, n, B, nb, o, s, &err);
    ck_assert_msg(st == FFNN_OK, "explain failed: %s", err.msg);
}

#define PHI(s, r, k, j) ((s)->values[((size_t)(r) * (s)->n_outputs + (k)) * (s)->n_features + (j)])

/* |Σφ − (f(x) − base)| <= tol · max(1, |f(x) − base|) for every row and output. */
static void check_additivity(const ffnn_shap *s, double tol)
{
    for (long r = 0; r < s->n_rows; r++)
        for (int k = 0; k < s->n_outputs; k++) {
            double sum = 0.0;
            for (int j = 0; j < s->n_features; j++)
                sum += PHI(s, r, k, j);
            double want = s->output_values[r * s->n_outputs + k] - s->base_values[k];
            ck_assert_close(sum, want, tol);
        }
}

/* Model output f (K values) of one encoded row, in double. */
static void model_out(const ffnn_model *m, const float *x, double *f, bool logit)
{
    ffnn_workspace *ws;
    ffnn_error err;
    ck_assert_int_eq(ffnn_workspace_create(&ws, m, 1, &err), FFNN_OK);
    const float *A = ffnn_model_forward(m, ws, x, 1, false, NULL);
    if (logit)
        A = ffnn_model_logits(m, ws);
    for (int k = 0; k < ffnn_model_n_out(m); k++)
        f[k] = A[k];
    ffnn_workspace_destroy(ws);
}

/* Brute-force interventional Shapley values, written independently of the
 * library: the average over all M! orderings of each feature's marginal
 * contribution, v(S) = mean_k f(x_S, b_k), features given as input groups
 * (group[i] = feature of input i).  phi (K, M). */
static double brute_v(const ffnn_model *m, const float *x, const float *B, long nb, const int *group,
                      unsigned set, int k, bool logit)
{
    int d = m->n_in;
    float row[64];
    double f[16], acc = 0.0;
    for (long b = 0; b < nb; b++) {
        for (int i = 0; i < d; i++)
            row[i] = (set >> group[i]) & 1u ? x[i] : B[b * d + i];
        model_out(m, row, f, logit);
        acc += f[k];
    }
    return acc / (double)nb;
}

static void brute_shapley(const ffnn_model *m, const float *x, const float *B, long nb,
                          const int *group, int M, bool logit, double *phi)
{
    int K = ffnn_model_n_out(m);
    int perm[8];
    for (int j = 0; j < M; j++)
        perm[j] = j;
    long nperm = 0;
    for (int t = 0; t < K * M; t++)
        phi[t] = 0.0;
    /* Heap's algorithm over all orderings. */
    int cstack[8] = {0};
    for (;;) {
        for (int k = 0; k < K; k++) {
            unsigned set = 0;
            double prev = brute_v(m, x, B, nb, group, set, k, logit);
            for (int p = 0; p < M; p++) {
                set |= 1u << perm[p];
                double cur = brute_v(m, x, B, nb, group, set, k, logit);
                phi[k * M + perm[p]] += cur - prev;
                prev = cur;
            }
        }
        nperm++;
        int i = 1;
        while (i < M && cstack[i] >= i) {
            cstack[i] = 0;
            i++;
        }
        if (i >= M)
            break;
        int a = i % 2 == 0 ? 0 : cstack[i];
        int t = perm[a];
        perm[a] = perm[i];
        perm[i] = t;
        cstack[i]++;
    }
    for (int t = 0; t < K * M; t++)
        phi[t] /= (double)nperm;
}

/* ---- linear model: φ_i = w_i (x_i − mean_b x_i) -------------------------- */

START_TEST(test_linear_model)
{
    const int units[] = {1};
    const ffnn_act acts[] = {FFNN_ACT_LINEAR};
    ffnn_model *m = build(4, units, acts, 1);
    const float w[4] = {0.5f, -2.0f, 1.5f, 0.0f};
    memcpy(m->params + m->w_off[0], w, sizeof w);
    m->params[m->b_off[0]] = 0.3f;
    float *B = random_rows(7, 4, 1), *X = random_rows(5, 4, 2);
    double mean[4] = {0};
    for (int k = 0; k < 7; k++)
        for (int i = 0; i < 4; i++)
            mean[i] += B[k * 4 + i] / 7.0;
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, X, 5, B, 7, &o, &s);
        ck_assert_int_eq(s.n_features, 4);
        ck_assert_int_eq(s.n_outputs, 1);
        for (int r = 0; r < 5; r++)
            for (int i = 0; i < 4; i++)
                ck_assert_close(PHI(&s, r, 0, i), w[i] * (X[r * 4 + i] - mean[i]), 1e-5);
        check_additivity(&s, 1e-5);
        ffnn_shap_release(&s);
    }
    /* Kernel from sampled coalitions still fits a linear model exactly. */
    const int units2[] = {1};
    ffnn_model *m2 = build(12, units2, acts, 1);
    randomize(m2, 5, 1.0);
    float *B2 = random_rows(6, 12, 3), *X2 = random_rows(3, 12, 4);
    ffnn_explain_options o = opts(FFNN_EXPLAIN_KERNEL);
    o.nsamples = 300;
    ffnn_shap s;
    explain(m2, X2, 3, B2, 6, &o, &s);
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 12; i++) {
            double mb = 0.0;
            for (int k = 0; k < 6; k++)
                mb += B2[k * 12 + i] / 6.0;
            ck_assert_close(PHI(&s, r, 0, i), m2->params[m2->w_off[0] + i] * (X2[r * 12 + i] - mb),
                            1e-5);
        }
    ffnn_shap_release(&s);
    free(B2);
    free(X2);
    ffnn_model_destroy(m2);
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- additivity on nonlinear networks -------------------------------------- */

static void additivity_case(ffnn_model *m, int d, uint64_t seed)
{
    float *B = random_rows(9, d, seed), *X = random_rows(6, d, seed + 1);
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++)
        for (int out = 0; out < FFNN_EXPLAIN_OUTPUT_COUNT; out++) {
            ffnn_explain_options o = opts((ffnn_explain_method)meth);
            o.output = (ffnn_explain_output)out;
            ffnn_shap s;
            explain(m, X, 6, B, 9, &o, &s);
            check_additivity(&s, 1e-5);
            /* base value = mean output over the background */
            double f[16], base[16] = {0};
            for (int k = 0; k < 9; k++) {
                model_out(m, B + k * d, f, out == FFNN_EXPLAIN_OUTPUT_LOGIT);
                for (int q = 0; q < s.n_outputs; q++)
                    base[q] += f[q] / 9.0;
            }
            for (int q = 0; q < s.n_outputs; q++)
                ck_assert_close(s.base_values[q], base[q], 1e-9);
            ffnn_shap_release(&s);
        }
    free(B);
    free(X);
}

START_TEST(test_additivity)
{
    const int u1[] = {8, 6, 3};
    const ffnn_act a1[] = {FFNN_ACT_RELU, FFNN_ACT_TANH, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(4, u1, a1, 3);
    randomize(m, 11, 1.2);
    additivity_case(m, 4, 100);
    ffnn_model_destroy(m);

    const int u2[] = {7, 1};
    const ffnn_act a2[] = {FFNN_ACT_RELU, FFNN_ACT_SIGMOID};
    m = build(5, u2, a2, 2);
    randomize(m, 12, 1.0);
    additivity_case(m, 5, 200);
    ffnn_model_destroy(m);

    const int u3[] = {6, 5, 2};
    const ffnn_act a3[] = {FFNN_ACT_ELU, FFNN_ACT_GELU, FFNN_ACT_LINEAR};
    m = build(3, u3, a3, 3);
    randomize(m, 13, 1.0);
    additivity_case(m, 3, 300);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- exact against brute force; kernel full enumeration = exact ------------ */

START_TEST(test_exact_bruteforce_and_kernel)
{
    const int units[] = {6, 3};
    const ffnn_act acts[] = {FFNN_ACT_TANH, FFNN_ACT_SOFTMAX};
    for (int d = 2; d <= 5; d++) {
        ffnn_model *m = build(d, units, acts, 2);
        randomize(m, 20 + (uint64_t)d, 1.5);
        float *B = random_rows(4, d, 30 + (uint64_t)d), *X = random_rows(3, d, 40 + (uint64_t)d);
        ffnn_explain_options oe = opts(FFNN_EXPLAIN_EXACT), ok = opts(FFNN_EXPLAIN_KERNEL);
        ffnn_shap se, sk;
        explain(m, X, 3, B, 4, &oe, &se);
        explain(m, X, 3, B, 4, &ok, &sk);
        int group[8];
        for (int i = 0; i < d; i++)
            group[i] = i;
        double phi[3 * 8];
        for (int r = 0; r < 3; r++) {
            brute_shapley(m, X + r * d, B, 4, group, d, false, phi);
            for (int k = 0; k < 3; k++)
                for (int j = 0; j < d; j++) {
                    ck_assert_close(PHI(&se, r, k, j), phi[k * d + j], 1e-9);
                    ck_assert_close(PHI(&sk, r, k, j), PHI(&se, r, k, j), 1e-8);
                }
        }
        ffnn_shap_release(&se);
        ffnn_shap_release(&sk);
        free(B);
        free(X);
        ffnn_model_destroy(m);
    }
}
END_TEST

/* Exact and deep average single-reference explanations. */
START_TEST(test_reference_averaging)
{
    const int units[] = {5, 1};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SIGMOID};
    ffnn_model *m = build(3, units, acts, 2);
    randomize(m, 51, 1.5);
    float *B = random_rows(4, 3, 52), *X = random_rows(2, 3, 53);
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_EXACT; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap all;
        explain(m, X, 2, B, 4, &o, &all);
        double acc[2 * 3] = {0};
        for (int k = 0; k < 4; k++) {
            ffnn_shap one;
            explain(m, X, 2, B + k * 3, 1, &o, &one);
            for (int r = 0; r < 2; r++)
                for (int j = 0; j < 3; j++)
                    acc[r * 3 + j] += PHI(&one, r, 0, j) / 4.0;
            ffnn_shap_release(&one);
        }
        for (int r = 0; r < 2; r++)
            for (int j = 0; j < 3; j++)
                ck_assert_close(PHI(&all, r, 0, j), acc[r * 3 + j], 1e-9);
        ffnn_shap_release(&all);
    }
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- dummies and symmetry --------------------------------------------------- */

START_TEST(test_constant_feature_zero)
{
    const int units[] = {6, 2};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(4, units, acts, 2);
    randomize(m, 61, 1.5);
    float *B = random_rows(5, 4, 62), *X = random_rows(3, 4, 63);
    for (int k = 0; k < 5; k++)
        B[k * 4 + 2] = 0.75f;
    for (int r = 0; r < 3; r++)
        X[r * 4 + 2] = 0.75f;
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, X, 3, B, 5, &o, &s);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 2; k++) {
                ck_assert(PHI(&s, r, k, 2) == 0.0);
                ck_assert(PHI(&s, r, k, 0) != 0.0);
            }
        check_additivity(&s, 1e-5);
        ffnn_shap_release(&s);
    }
    /* A feature with zero first-layer weights also gets 0. */
    for (int j = 0; j < 6; j++)
        m->params[m->w_off[0] + (size_t)j * 4 + 1] = 0.0f;
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, X, 3, B, 5, &o, &s);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 2; k++)
                ck_assert_close(PHI(&s, r, k, 1), 0.0, 1e-9);
        ffnn_shap_release(&s);
    }
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_symmetric_features)
{
    const int units[] = {5, 1};
    const ffnn_act acts[] = {FFNN_ACT_TANH, FFNN_ACT_SIGMOID};
    ffnn_model *m = build(3, units, acts, 2);
    randomize(m, 71, 1.5);
    for (int j = 0; j < 5; j++) /* equal weight columns for inputs 0 and 1 */
        m->params[m->w_off[0] + (size_t)j * 3 + 1] = m->params[m->w_off[0] + (size_t)j * 3];
    float *B = random_rows(4, 3, 72), *X = random_rows(3, 3, 73);
    for (int k = 0; k < 4; k++)
        B[k * 3 + 1] = B[k * 3];
    for (int r = 0; r < 3; r++)
        X[r * 3 + 1] = X[r * 3];
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, X, 3, B, 4, &o, &s);
        /* equal to float rounding: the products' fused multiply-adds
         * round a·b + s once, so the two features' terms, in their fixed
         * order, round differently when swapped */
        for (int r = 0; r < 3; r++) {
            ck_assert_close(PHI(&s, r, 0, 0), PHI(&s, r, 0, 1), 2e-6);
            ck_assert(fabs(PHI(&s, r, 0, 0)) > 1e-6);
        }
        ffnn_shap_release(&s);
    }
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- relu(x1 + x2 − 1) at x = (2, 0.5), b = 0 --------------------------------- */

START_TEST(test_deep_vs_exact_relu)
{
    const int units[] = {1, 1};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_LINEAR};
    ffnn_model *m = build(2, units, acts, 2);
    m->params[m->w_off[0]] = 1.0f;
    m->params[m->w_off[0] + 1] = 1.0f;
    m->params[m->b_off[0]] = -1.0f;
    m->params[m->w_off[1]] = 1.0f;
    m->params[m->b_off[1]] = 0.0f;
    const float x[2] = {2.0f, 0.5f}, b[2] = {0.0f, 0.0f};
    const double want[3][2] = {{1.2, 0.3}, {1.25, 0.25}, {1.25, 0.25}};
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, x, 1, b, 1, &o, &s);
        ck_assert_close(s.output_values[0], 1.5, 1e-7);
        ck_assert_close(s.base_values[0], 0.0, 1e-7);
        ck_assert_close(PHI(&s, 0, 0, 0), want[meth][0], 1e-7);
        ck_assert_close(PHI(&s, 0, 0, 1), want[meth][1], 1e-7);
        ffnn_shap_release(&s);
    }
    ffnn_model_destroy(m);
}
END_TEST

/* Near-equal inputs: a unit whose pre-activation moves by less than 1e-6
 * uses the derivative at the reference, σ'(z_b), not the secant. */
START_TEST(test_deep_near_equal)
{
    const int units[] = {1, 1};
    const ffnn_act acts[] = {FFNN_ACT_SIGMOID, FFNN_ACT_LINEAR};
    ffnn_model *m = build(1, units, acts, 2);
    m->params[m->w_off[0]] = 1.0f;
    m->params[m->w_off[1]] = 2.0f;
    const float x[1] = {0.5f}, b[1] = {0.5f + 2e-7f};
    ffnn_explain_options o = opts(FFNN_EXPLAIN_DEEP);
    ffnn_shap s;
    explain(m, x, 1, b, 1, &o, &s);
    double sg = 1.0 / (1.0 + exp(-(double)b[0]));
    double want = 2.0 * sg * (1.0 - sg) * ((double)x[0] - (double)b[0]);
    ck_assert(want != 0.0);
    ck_assert_close(PHI(&s, 0, 0, 0) / want, 1.0, 1e-5);
    ffnn_shap_release(&s);
    ffnn_model_destroy(m);
}
END_TEST

/* Softmax: deep values add up on probabilities; on logits of a linear
 * softmax model they are w_ci (x_i − mean b_i). */
START_TEST(test_softmax_outputs)
{
    const int units[] = {3};
    const ffnn_act acts[] = {FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(4, units, acts, 1);
    randomize(m, 81, 1.0);
    float *B = random_rows(6, 4, 82), *X = random_rows(4, 4, 83);
    ffnn_explain_options o = opts(FFNN_EXPLAIN_DEEP);
    ffnn_shap s;
    explain(m, X, 4, B, 6, &o, &s);
    check_additivity(&s, 1e-6);
    /* the three classes' values for a feature sum to ~0: probabilities sum to 1 */
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++)
            ck_assert_close(PHI(&s, r, 0, j) + PHI(&s, r, 1, j) + PHI(&s, r, 2, j), 0.0, 1e-6);
    ffnn_shap_release(&s);
    o.output = FFNN_EXPLAIN_OUTPUT_LOGIT;
    explain(m, X, 4, B, 6, &o, &s);
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < 4; j++) {
                double mb = 0.0;
                for (int q = 0; q < 6; q++)
                    mb += B[q * 4 + j] / 6.0;
                ck_assert_close(PHI(&s, r, k, j),
                                m->params[m->w_off[0] + (size_t)k * 4 + j] * (X[r * 4 + j] - mb), 1e-5);
            }
    ffnn_shap_release(&s);
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* The two softmax rules on a linear softmax model small enough to work by
 * hand: z = W x + 0, W = I (2 x 2), x = (ln 4, ln 2), reference 0, so
 * p(x) = (2/3, 1/3), p(ref) = (1/2, 1/2).
 *  torch: each class moves with its own logit: J = diag(Δp_c/Δz_c), so
 *    φ_0 = (1/6, 0), φ_1 = (0, −1/6).
 *  tf: u = z − max z is (0, −ln 2) at x and (0, 0) at the reference, so
 *    e = (1, 1/2) vs (1, 1), s = 3/2 vs 2, Δs = −1/2.  Class 0: Δe_0 = 0, so
 *    its numerator share is dropped; the denominator's share is
 *    ½(1 + 1)(2/3 − 1/2)/Δs = −1/3, through exp (Δe_1/Δu_1 = 1/(2 ln 2)) and
 *    back to z (Δu_1/Δz_1 = −1): multiplier 1/(6 ln 2) on z_1, and Δu_0 = 0
 *    gives z_0 none: φ_0 = (0, 1/6).  Class 1: numerator ½(2/3 + 1/2) =
 *    7/12, denominator ½(3/2)(2/3 − 1/2)/Δs = −1/4, so (1/3)·(1/(2 ln 2))·(−1)
 *    on z_1: φ_1 = (0, −1/6).
 * Second case, torch's fallback: W = [[1, 0], [1, −1]], x = (ln 4, ln 4),
 * reference 0, so z(x) = (ln 4, 0): Δz_1 = 0 takes the softmax Jacobian at
 * the reference, J[c][1] = p_c(δ_c1 − p_1) = (−1/4, 1/4), while
 * J[0][0] = Δp_0/Δz_0 = (4/5 − 1/2)/ln 4.  Input multipliers J·W:
 * class 0 (3/(10 ln 4) − 1/4, 1/4), class 1 (1/4, −1/4); times Δx = ln 4:
 * φ_0 = (3/10 − ln4/4, ln4/4), φ_1 = (ln4/4, −ln4/4).  Class 1's values sum
 * to 0, not to Δp_1 = −3/10: the elementwise rule loses a class whose logit
 * does not move, as shap's PyTorch explainer does. */
START_TEST(test_softmax_rules_by_hand)
{
    const int units[] = {2};
    const ffnn_act acts[] = {FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(2, units, acts, 1);
    float *W = m->params + m->w_off[0];
    W[0] = 1.0f, W[1] = 0.0f, W[2] = 0.0f, W[3] = 1.0f;
    const float x[2] = {(float)log(4.0), (float)log(2.0)}, b[2] = {0.0f, 0.0f};
    ffnn_explain_options o = opts(FFNN_EXPLAIN_DEEP);
    ffnn_shap s;
    explain(m, x, 1, b, 1, &o, &s);
    ck_assert(s.softmax && s.softmax_rule == FFNN_EXPLAIN_SOFTMAX_TF);
    ck_assert_str_eq(ffnn_shap_method_label(&s), "deep:tf");
    ck_assert_close(PHI(&s, 0, 0, 0), 0.0, 1e-6);
    ck_assert_close(PHI(&s, 0, 0, 1), 1.0 / 6, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 0), 0.0, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 1), -1.0 / 6, 1e-6);
    ffnn_shap_release(&s);
    o.softmax_rule = FFNN_EXPLAIN_SOFTMAX_TORCH;
    explain(m, x, 1, b, 1, &o, &s);
    ck_assert_str_eq(ffnn_shap_method_label(&s), "deep:torch");
    ck_assert_close(PHI(&s, 0, 0, 0), 1.0 / 6, 1e-6);
    ck_assert_close(PHI(&s, 0, 0, 1), 0.0, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 0), 0.0, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 1), -1.0 / 6, 1e-6);
    ffnn_shap_release(&s);

    W[2] = 1.0f, W[3] = -1.0f;
    const float x2[2] = {(float)log(4.0), (float)log(4.0)};
    double q = log(4.0) / 4;
    explain(m, x2, 1, b, 1, &o, &s);
    ck_assert_close(PHI(&s, 0, 0, 0), 0.3 - q, 1e-6);
    ck_assert_close(PHI(&s, 0, 0, 1), q, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 0), q, 1e-6);
    ck_assert_close(PHI(&s, 0, 1, 1), -q, 1e-6);
    ffnn_shap_release(&s);
    /* On the logits the rule does not apply. */
    o.output = FFNN_EXPLAIN_OUTPUT_LOGIT;
    explain(m, x2, 1, b, 1, &o, &s);
    ck_assert(!s.softmax);
    ck_assert_str_eq(ffnn_shap_method_label(&s), "deep");
    ffnn_shap_release(&s);
    ffnn_model_destroy(m);
}
END_TEST

/* Reads `name rows cols` and rows*cols numbers from fp into a new array. */
static double *read_block(FILE *fp, const char *name, int rows, int cols)
{
    char got[32];
    int r, c;
    ck_assert_int_eq(fscanf(fp, "%31s %d %d", got, &r, &c), 3);
    ck_assert_str_eq(got, name);
    ck_assert_int_eq(r, rows);
    ck_assert_int_eq(c, cols);
    double *v = malloc((size_t)rows * (size_t)cols * sizeof *v);
    for (int i = 0; i < rows * cols; i++)
        ck_assert_int_eq(fscanf(fp, "%lf", &v[i]), 1);
    return v;
}

/* Both softmax rules on a 5-6-4-3 relu/softmax network against numpy
 * (explain/softmax_rules.txt, written by gen_softmax_rules.py from the
 * rules as shap-semantics.md states them). */
START_TEST(test_softmax_rules_reference)
{
    FILE *fp = fopen("explain/softmax_rules.txt", "r");
    ck_assert_ptr_nonnull(fp);
    const int units[] = {6, 4, 3};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(5, units, acts, 3);
    int in = 5;
    for (int l = 0; l < 3; l++) {
        char wn[8], bn[8];
        snprintf(wn, sizeof wn, "W%d", l);
        snprintf(bn, sizeof bn, "b%d", l);
        double *w = read_block(fp, wn, units[l], in), *bb = read_block(fp, bn, 1, units[l]);
        for (int i = 0; i < units[l] * in; i++)
            m->params[m->w_off[l] + (size_t)i] = (float)w[i];
        for (int i = 0; i < units[l]; i++)
            m->params[m->b_off[l] + (size_t)i] = (float)bb[i];
        free(w);
        free(bb);
        in = units[l];
    }
    double *xd = read_block(fp, "X", 4, 5), *bd = read_block(fp, "B", 6, 5);
    float X[20], B[30];
    for (int i = 0; i < 20; i++)
        X[i] = (float)xd[i];
    for (int i = 0; i < 30; i++)
        B[i] = (float)bd[i];
    free(xd);
    free(bd);
    static const char *const names[] = {"phi_tf", "phi_torch"};
    for (int rule = 0; rule < 2; rule++) {
        double *want = read_block(fp, names[rule], 12, 5);
        ffnn_explain_options o = opts(FFNN_EXPLAIN_DEEP);
        o.softmax_rule = (ffnn_explain_softmax_rule)rule;
        ffnn_shap s;
        explain(m, X, 4, B, 6, &o, &s);
        for (int i = 0; i < 60; i++)
            ck_assert_close(s.values[i], want[i], 1e-6);
        check_additivity(&s, 1e-5);
        /* tf keeps a feature's values over the classes summing to 0; torch
         * does not (on this network they are up to 0.2 apart). */
        double worst = 0.0;
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 5; j++) {
                double sum = PHI(&s, r, 0, j) + PHI(&s, r, 1, j) + PHI(&s, r, 2, j);
                if (fabs(sum) > worst)
                    worst = fabs(sum);
            }
        if (rule == FFNN_EXPLAIN_SOFTMAX_TF)
            ck_assert_double_le(worst, 1e-6);
        else
            ck_assert_double_gt(worst, 0.05);
        ffnn_shap_release(&s);
        free(want);
    }
    fclose(fp);
    ffnn_model_destroy(m);
}
END_TEST

/* auto: exact while n · 2^M · nb · (multiply-adds + 512) stays within the
 * budget, deep beyond it or beyond the exact limit; the result says which
 * ran and that auto chose it. */
START_TEST(test_auto_method)
{
    const int units[] = {8, 3};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(4, units, acts, 2);
    randomize(m, 5, 1.0);
    /* 4·8 + 8·3 = 56 multiply-adds; 2^4 coalitions */
    ck_assert_double_eq(ffnn_explain_auto_cost(m, 10, 7), 10.0 * 16 * 7 * (56 + 512));
    ffnn_explain_options o = ffnn_explain_options_default();
    ck_assert_int_eq(o.method, FFNN_EXPLAIN_AUTO);
    ck_assert_int_eq(o.softmax_rule, FFNN_EXPLAIN_SOFTMAX_TF);
    ck_assert_int_eq(ffnn_explain_resolve(m, 10, 7, &o), FFNN_EXPLAIN_EXACT);
    /* 4e9 / (16 · 100 · 568) = 4401.4 rows with 100 background rows */
    ck_assert_int_eq(ffnn_explain_resolve(m, 4401, 100, &o), FFNN_EXPLAIN_EXACT);
    ck_assert_int_eq(ffnn_explain_resolve(m, 4402, 100, &o), FFNN_EXPLAIN_DEEP);
    o.exact_max_features = 3;
    ck_assert_int_eq(ffnn_explain_resolve(m, 1, 1, &o), FFNN_EXPLAIN_DEEP);
    o.method = FFNN_EXPLAIN_KERNEL;
    ck_assert_int_eq(ffnn_explain_resolve(m, 1, 1, &o), FFNN_EXPLAIN_KERNEL);

    float *B = random_rows(5, 4, 6), *X = random_rows(3, 4, 7);
    o = ffnn_explain_options_default();
    ffnn_shap s, e;
    explain(m, X, 3, B, 5, &o, &s);
    ck_assert_int_eq(s.method, FFNN_EXPLAIN_EXACT);
    ck_assert_int_eq(s.requested, FFNN_EXPLAIN_AUTO);
    ck_assert(!s.softmax);
    ck_assert_str_eq(ffnn_shap_method_label(&s), "exact");
    o.method = FFNN_EXPLAIN_EXACT;
    explain(m, X, 3, B, 5, &o, &e);
    ck_assert_int_eq(e.requested, FFNN_EXPLAIN_EXACT);
    ck_assert_mem_eq(s.values, e.values, 3 * 3 * 4 * sizeof *s.values);
    ffnn_shap_release(&s);
    ffnn_shap_release(&e);
    /* over the limit: deep, through the softmax with the default rule */
    o = ffnn_explain_options_default();
    o.exact_max_features = 2;
    explain(m, X, 3, B, 5, &o, &s);
    ck_assert_int_eq(s.method, FFNN_EXPLAIN_DEEP);
    ck_assert(s.softmax);
    ck_assert_str_eq(ffnn_shap_method_label(&s), "deep:tf");
    o.method = FFNN_EXPLAIN_DEEP;
    explain(m, X, 3, B, 5, &o, &e);
    ck_assert_mem_eq(s.values, e.values, 3 * 3 * 4 * sizeof *s.values);
    ffnn_shap_release(&s);
    ffnn_shap_release(&e);
    ck_assert_int_eq(ffnn_explain_method_parse("auto"), FFNN_EXPLAIN_AUTO);
    ck_assert_str_eq(ffnn_explain_softmax_rule_name(FFNN_EXPLAIN_SOFTMAX_TORCH), "torch");
    ck_assert_int_eq(ffnn_explain_softmax_rule_parse("tf"), FFNN_EXPLAIN_SOFTMAX_TF);
    ck_assert_int_eq(ffnn_explain_softmax_rule_parse("keras"), -1);
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- one-hot categories grouped back to their column ---------------------- */

static void set_prep(ffnn_model *m)
{
    /* columns: a (numeric), colour (3 categories), b (numeric) -> 5 inputs */
    ffnn_prep *p = &m->prep;
    p->n_columns = 3;
    p->columns = calloc(3, sizeof *p->columns);
    p->columns[0].name = strdup("a");
    p->columns[0].offset = 0;
    p->columns[1].name = strdup("colour");
    p->columns[1].categorical = true;
    p->columns[1].n_cats = 3;
    p->columns[1].cats = calloc(3, sizeof(char *));
    p->columns[1].cats[0] = strdup("blue");
    p->columns[1].cats[1] = strdup("green");
    p->columns[1].cats[2] = strdup("red");
    p->columns[1].offset = 1;
    p->columns[2].name = strdup("b");
    p->columns[2].offset = 4;
    p->n_features = 5;
    p->task = FFNN_TASK_MULTICLASS;
    p->n_classes = 2;
    p->classes = calloc(2, sizeof(char *));
    p->classes[0] = strdup("no");
    p->classes[1] = strdup("yes");
}

START_TEST(test_categorical_groups)
{
    const int units[] = {6, 2};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(5, units, acts, 2);
    randomize(m, 91, 1.5);
    set_prep(m);
    ck_assert_int_eq(ffnn_explain_n_features(m), 3);
    int fo[5];
    ffnn_explain_feature_map(m, fo);
    ck_assert_int_eq(fo[0], 0);
    ck_assert_int_eq(fo[1], 1);
    ck_assert_int_eq(fo[3], 1);
    ck_assert_int_eq(fo[4], 2);
    float B[4 * 5] = {0.1f, 1, 0, 0, -1.0f, 0.7f, 0, 1, 0, 0.5f, -0.3f, 0, 0, 1, 1.2f,
                      1.1f, 1, 0, 0, 0.2f};
    float X[2 * 5] = {0.9f, 0, 0, 1, -0.4f, -1.2f, 0, 1, 0, 0.8f};
    int group[5] = {0, 1, 1, 1, 2};
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        ffnn_shap s;
        explain(m, X, 2, B, 4, &o, &s);
        ck_assert_int_eq(s.n_features, 3);
        ck_assert_str_eq(s.feature_names[1], "colour");
        ck_assert_str_eq(s.output_names[1], "yes");
        ck_assert(s.categorical[1] && !s.categorical[0]);
        ck_assert(isnan(s.feature_values[1]));
        check_additivity(&s, 1e-5);
        if (meth != FFNN_EXPLAIN_DEEP) {
            double phi[2 * 3];
            for (int r = 0; r < 2; r++) {
                brute_shapley(m, X + r * 5, B, 4, group, 3, false, phi);
                for (int k = 0; k < 2; k++)
                    for (int j = 0; j < 3; j++)
                        ck_assert_close(PHI(&s, r, k, j), phi[k * 3 + j], 1e-8);
            }
        }
        ffnn_shap_release(&s);
    }
    ffnn_model_destroy(m);
}
END_TEST

/* ---- kernel with sampling ----------------------------------------------------- */

START_TEST(test_kernel_sampled)
{
    const int units[] = {10, 1};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SIGMOID};
    ffnn_model *m = build(12, units, acts, 2);
    randomize(m, 101, 0.8);
    float *B = random_rows(5, 12, 102), *X = random_rows(3, 12, 103);
    ffnn_explain_options o = opts(FFNN_EXPLAIN_KERNEL);
    o.nsamples = 400;
    o.seed = 9;
    ffnn_shap s1, s2, se;
    explain(m, X, 3, B, 5, &o, &s1);
    explain(m, X, 3, B, 5, &o, &s2);
    check_additivity(&s1, 1e-9);
    ck_assert(memcmp(s1.values, s2.values, 3 * 12 * sizeof(double)) == 0);
    /* threads split the rows; every row's values stay the same */
    ffnn_shap_release(&s2);
    o.threads = 3;
    explain(m, X, 3, B, 5, &o, &s2);
    ck_assert(memcmp(s1.values, s2.values, 3 * 12 * sizeof(double)) == 0);
    o.threads = 1;
    /* the default budget (2M+2048 = 2072 of 4094 coalitions) is close to exact */
    ffnn_shap_release(&s2);
    o.nsamples = 0;
    explain(m, X, 3, B, 5, &o, &s2);
    ffnn_explain_options oe = opts(FFNN_EXPLAIN_EXACT);
    explain(m, X, 3, B, 5, &oe, &se);
    double scale = 0.0, maxerr = 0.0;
    for (int t = 0; t < 3 * 12; t++) {
        scale = fmax(scale, fabs(se.values[t]));
        maxerr = fmax(maxerr, fabs(s2.values[t] - se.values[t]));
    }
    ck_assert_msg(maxerr < 0.05 * scale, "kernel error %g vs scale %g", maxerr, scale);
    ffnn_shap_release(&s1);
    ffnn_shap_release(&s2);
    ffnn_shap_release(&se);
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- permutation importance ---------------------------------------------------- */

/* The shuffles the library promises: one stream per feature, all alike,
 * compounding over repeats. */
static void expected_perm(const float *col, long n, uint64_t seed, int R, float *out /* R*n */)
{
    ffnn_rng r;
    ffnn_rng_init(&r, seed, FFNN_RNG_EXPLAIN, 0);
    int idx[64];
    float cur[64], nxt[64];
    for (long i = 0; i < n; i++) {
        idx[i] = (int)i;
        cur[i] = col[i];
    }
    for (int k = 0; k < R; k++) {
        ffnn_rng_shuffle(&r, idx, (size_t)n);
        for (long i = 0; i < n; i++)
            nxt[i] = cur[idx[i]];
        memcpy(cur, nxt, (size_t)n * sizeof *cur);
        memcpy(out + (size_t)k * n, cur, (size_t)n * sizeof *cur);
    }
}

START_TEST(test_permutation_classification)
{
    /* p(yes) = sigmoid(20 (x1 − 0.5)); x2 is ignored. */
    const int units[] = {1};
    const ffnn_act acts[] = {FFNN_ACT_SIGMOID};
    ffnn_model *m = build(2, units, acts, 1);
    m->params[m->w_off[0]] = 20.0f;
    m->params[m->w_off[0] + 1] = 0.0f;
    m->params[m->b_off[0]] = -10.0f;
    m->prep.task = FFNN_TASK_BINARY;
    enum { N = 8, R = 4 };
    float X[N * 2];
    double y[N];
    float col[N];
    for (int i = 0; i < N; i++) {
        col[i] = X[i * 2] = (float)(i % 2);
        X[i * 2 + 1] = (float)i;
        y[i] = i % 2;
    }
    ffnn_explain_options o = opts(FFNN_EXPLAIN_PERMUTATION);
    o.repeats = R;
    o.seed = 3;
    ffnn_perm_importance p;
    ffnn_error err;
    ck_assert_int_eq(ffnn_explain_permutation(m, X, y, N, &o, &p, &err), FFNN_OK);
    ck_assert(p.classification);
    ck_assert_close(p.baseline, 1.0, 0);
    float shuf[R * N];
    expected_perm(col, N, 3, R, shuf);
    double mean = 0.0, imp[R];
    for (int k = 0; k < R; k++) {
        int correct = 0;
        for (int i = 0; i < N; i++)
            correct += (shuf[k * N + i] > 0.5f) == (y[i] > 0.5);
        imp[k] = 1.0 - correct / (double)N;
        mean += imp[k] / R;
        ck_assert_close(p.importances[k], imp[k], 1e-12);
    }
    double var = 0.0;
    for (int k = 0; k < R; k++)
        var += (imp[k] - mean) * (imp[k] - mean) / R;
    ck_assert_close(p.mean[0], mean, 1e-12);
    ck_assert_close(p.std[0], sqrt(var), 1e-12);
    ck_assert(p.mean[0] > 0.0);
    /* the ignored feature: exactly 0 in every repeat */
    for (int k = 0; k < R; k++)
        ck_assert(p.importances[R + k] == 0.0);
    ck_assert(p.mean[1] == 0.0 && p.std[1] == 0.0);
    ck_assert_str_eq(p.feature_names[0], "x1");
    ffnn_perm_importance_release(&p);

    /* one repeat: std 0; same seed: same numbers */
    o.repeats = 1;
    ffnn_perm_importance a, b;
    ck_assert_int_eq(ffnn_explain_permutation(m, X, y, N, &o, &a, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_explain_permutation(m, X, y, N, &o, &b, &err), FFNN_OK);
    ck_assert(a.std[0] == 0.0);
    ck_assert(a.importances[0] == b.importances[0]);
    ffnn_perm_importance_release(&a);
    ffnn_perm_importance_release(&b);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_permutation_regression)
{
    /* f = 2 x1 on x1 = 1..4, y = 2 x1: R² = 1; shuffled, by hand. */
    const int units[] = {1};
    const ffnn_act acts[] = {FFNN_ACT_LINEAR};
    ffnn_model *m = build(1, units, acts, 1);
    m->params[m->w_off[0]] = 2.0f;
    m->prep.task = FFNN_TASK_REGRESSION;
    float X[4] = {1, 2, 3, 4};
    double y[4] = {2, 4, 6, 8};
    ffnn_explain_options o = opts(FFNN_EXPLAIN_PERMUTATION);
    o.repeats = 3;
    o.seed = 17;
    ffnn_perm_importance p;
    ffnn_error err;
    ck_assert_int_eq(ffnn_explain_permutation(m, X, y, 4, &o, &p, &err), FFNN_OK);
    ck_assert(!p.classification);
    ck_assert_close(p.baseline, 1.0, 1e-12);
    float shuf[3 * 4];
    expected_perm(X, 4, 17, 3, shuf);
    for (int k = 0; k < 3; k++) {
        /* Σ(y − ȳ)² = 4+1+1+4 times 4 = 20 */
        double ss = 0.0;
        for (int i = 0; i < 4; i++)
            ss += (y[i] - 2.0 * shuf[k * 4 + i]) * (y[i] - 2.0 * shuf[k * 4 + i]);
        double r2 = 1.0 - ss / 20.0;
        ck_assert_close(p.importances[k], 1.0 - r2, 1e-12);
    }
    ffnn_perm_importance_release(&p);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

START_TEST(test_errors)
{
    const int units[] = {1};
    const ffnn_act acts[] = {FFNN_ACT_LINEAR};
    ffnn_model *m = build(21, units, acts, 1);
    float *B = random_rows(2, 21, 1);
    ffnn_explain_options o = opts(FFNN_EXPLAIN_EXACT);
    ffnn_shap s;
    ffnn_error err;
    ck_assert_int_eq(ffnn_explain_shap(m, B, 1, B, 2, &o, &s, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "--method exact: the model has 21 features, more than 20 (2^21 "
                              "coalitions per row); use --method kernel or raise --exact-limit");
    ffnn_shap_release(&s);
    /* the same check, before any data */
    ck_assert_int_eq(ffnn_explain_check(m, &o, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "--method exact: the model has 21 features, more than 20 (2^21 "
                              "coalitions per row); use --method kernel or raise --exact-limit");
    o.exact_max_features = 21;
    ck_assert_int_eq(ffnn_explain_check(m, &o, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_explain_shap(m, B, 1, B, 2, &o, &s, &err), FFNN_OK);
    ffnn_shap_release(&s);
    o.method = FFNN_EXPLAIN_KERNEL;
    o.exact_max_features = 3;
    ck_assert_int_eq(ffnn_explain_check(m, &o, &err), FFNN_OK);
    o.method = FFNN_EXPLAIN_COUNT;
    ck_assert_int_eq(ffnn_explain_check(m, &o, &err), FFNN_EUSAGE);
    ffnn_model_destroy(m);
    /* past the hard limit (30) raising the limit cannot help: no advice to */
    m = build(31, units, acts, 1);
    o = opts(FFNN_EXPLAIN_EXACT);
    o.exact_max_features = 99; /* clamped to 30 */
    ck_assert_int_eq(ffnn_explain_check(m, &o, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "--method exact: the model has 31 features, more than 30 (2^31 "
                              "coalitions per row); use --method kernel");
    ffnn_model_destroy(m);
    m = build(21, units, acts, 1);
    o = opts(FFNN_EXPLAIN_DEEP);
    ck_assert_int_eq(ffnn_explain_shap(m, B, 1, B, 0, &o, &s, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "the background has no rows");
    ffnn_shap_release(&s);
    ck_assert_int_eq(ffnn_explain_shap(m, B, 0, B, 2, &o, &s, &err), FFNN_EDATA);
    ffnn_shap_release(&s);
    o = opts(FFNN_EXPLAIN_PERMUTATION);
    ck_assert_int_eq(ffnn_explain_shap(m, B, 1, B, 2, &o, &s, &err), FFNN_EUSAGE);
    ffnn_shap_release(&s);
    ffnn_perm_importance p;
    ck_assert_int_eq(ffnn_explain_permutation(m, B, NULL, 2, &o, &p, &err), FFNN_EDATA);
    ffnn_perm_importance_release(&p);
    double y[2] = {0, 1};
    o.repeats = 0;
    ck_assert_int_eq(ffnn_explain_permutation(m, B, y, 2, &o, &p, &err), FFNN_EUSAGE);
    ffnn_perm_importance_release(&p);
    ck_assert_int_eq(ffnn_explain_method_parse("kernel"), FFNN_EXPLAIN_KERNEL);
    ck_assert_int_eq(ffnn_explain_method_parse("lime"), -1);
    ck_assert_str_eq(ffnn_explain_method_name(FFNN_EXPLAIN_PERMUTATION), "permutation");
    ck_assert_int_eq(ffnn_explain_output_parse("logit"), FFNN_EXPLAIN_OUTPUT_LOGIT);
    free(B);
    ffnn_model_destroy(m);
}
END_TEST

/* A stop request ends every method at its next unit of work with
 * FFNN_ECANCELED "interrupted"; a progress callback's cancel says
 * "cancelled". */
static int cancel_now(void *ctx, long done, long total)
{
    (void)ctx, (void)done, (void)total;
    return 1;
}

START_TEST(test_stop_request)
{
    const int units[] = {4, 1};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_LINEAR};
    ffnn_model *m = build(3, units, acts, 2);
    float *B = random_rows(4, 3, 1);
    double y[4] = {0, 1, 0, 1};
    ffnn_shap s;
    ffnn_perm_importance p;
    ffnn_error err;
    static const ffnn_explain_method methods[] = {FFNN_EXPLAIN_DEEP, FFNN_EXPLAIN_EXACT,
                                                  FFNN_EXPLAIN_KERNEL};
    ffnn_request_stop(2);
    for (int i = 0; i < 3; i++) {
        ffnn_explain_options o = opts(methods[i]);
        ck_assert_int_eq(ffnn_explain_shap(m, B, 4, B, 4, &o, &s, &err), FFNN_ECANCELED);
        ck_assert_str_eq(err.msg, "interrupted");
        ffnn_shap_release(&s);
    }
    ffnn_explain_options o = opts(FFNN_EXPLAIN_PERMUTATION);
    ck_assert_int_eq(ffnn_explain_permutation(m, B, y, 4, &o, &p, &err), FFNN_ECANCELED);
    ck_assert_str_eq(err.msg, "interrupted");
    ffnn_perm_importance_release(&p);
    ffnn_request_stop(0);
    o = opts(FFNN_EXPLAIN_KERNEL);
    o.progress = cancel_now;
    ck_assert_int_eq(ffnn_explain_shap(m, B, 4, B, 4, &o, &s, &err), FFNN_ECANCELED);
    ck_assert_str_eq(err.msg, "cancelled");
    ffnn_shap_release(&s);
    free(B);
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_sample_rows)
{
    long idx[100], idx2[100];
    ck_assert_int_eq(ffnn_explain_sample_rows(100, 10, 5, idx), 10);
    ck_assert_int_eq(ffnn_explain_sample_rows(100, 10, 5, idx2), 10);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(idx[i], idx2[i]);
        ck_assert(idx[i] >= 0 && idx[i] < 100);
        if (i)
            ck_assert(idx[i] > idx[i - 1]);
    }
    ffnn_explain_sample_rows(100, 10, 6, idx2);
    ck_assert(memcmp(idx, idx2, 10 * sizeof *idx) != 0);
    ck_assert_int_eq(ffnn_explain_sample_rows(7, 10, 5, idx), 7);
    ck_assert_int_eq(idx[6], 6);
    ck_assert_int_eq(ffnn_explain_sample_rows(7, 0, 5, idx), 7);
}
END_TEST

/* Any number of threads gives the same bits: the rows are split into fixed
 * parts on the pool, each row computed alone.  More threads than rows too. */
START_TEST(test_threads_bit_identical)
{
    const int units[] = {7, 3};
    const ffnn_act acts[] = {FFNN_ACT_TANH, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(6, units, acts, 2);
    randomize(m, 211, 1.0);
    float *B = random_rows(9, 6, 212), *X = random_rows(11, 6, 213);
    for (int meth = FFNN_EXPLAIN_DEEP; meth <= FFNN_EXPLAIN_KERNEL; meth++) {
        ffnn_explain_options o = opts((ffnn_explain_method)meth);
        o.nsamples = 30;
        o.seed = 4;
        ffnn_shap one;
        explain(m, X, 11, B, 9, &o, &one);
        const int threads[] = {2, 3, 4, 7, 11, 16, FFNN_EXPLAIN_MAX_THREADS};
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            ffnn_shap many;
            o.threads = threads[t];
            explain(m, X, 11, B, 9, &o, &many);
            ck_assert_msg(memcmp(one.values, many.values, 11 * 3 * 6 * sizeof(double)) == 0,
                          "%s, %d threads", ffnn_explain_method_name(o.method), o.threads);
            ck_assert(memcmp(one.output_values, many.output_values, 11 * 3 * sizeof(double)) == 0);
            ck_assert(memcmp(one.base_values, many.base_values, 3 * sizeof(double)) == 0);
            ffnn_shap_release(&many);
        }
        ffnn_shap_release(&one);
    }
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* Largest first, ties by index, NaN last. */
START_TEST(test_order)
{
    const double key[7] = {0.5, 2, NAN, 0.5, -1, 2, 0};
    int idx[7];
    ffnn_explain_order(key, 7, idx);
    const int want[7] = {1, 5, 0, 3, 6, 4, 2};
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(idx[i], want[i]);
}
END_TEST

/* The background: 100 rows by default, the ones ffnn_explain_sample_rows
 * picks, encoded with the model's preprocessing; 0 takes every row. */
START_TEST(test_background)
{
    const int units[] = {6, 2};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(5, units, acts, 2);
    set_prep(m);
    m->prep.mean = calloc(5, sizeof *m->prep.mean);
    m->prep.scale = malloc(5 * sizeof *m->prep.scale);
    for (int i = 0; i < 5; i++)
        m->prep.scale[i] = 1;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    fputs("a,colour,b\n", fp);
    for (int i = 0; i < 150; i++)
        fprintf(fp, "%d,%s,%d\n", i, i % 3 ? "red" : "blue", -i);
    fclose(fp);
    fp = fmemopen(text, len, "r");
    ffnn_table t;
    ffnn_error err;
    ck_assert_int_eq(ffnn_table_read(&t, fp, "bg.csv", false, &err), FFNN_OK);
    fclose(fp);
    ffnn_explain_options o = ffnn_explain_options_default();
    ck_assert_int_eq(o.background_size, 100);
    o.seed = 17;
    ffnn_data d;
    ck_assert_int_eq(ffnn_explain_background(&d, m, &t, &o, &err), FFNN_OK);
    ck_assert_int_eq(d.n, 100);
    long idx[150];
    ck_assert_int_eq(ffnn_explain_sample_rows(150, 100, 17, idx), 100);
    for (long i = 0; i < 100; i++) {
        const float *x = d.X + i * 5;
        ck_assert_float_eq(x[0], (float)idx[i]);
        ck_assert_float_eq(x[1], idx[i] % 3 ? 0.0f : 1.0f); /* blue */
        ck_assert_float_eq(x[3], idx[i] % 3 ? 1.0f : 0.0f); /* red */
        ck_assert_float_eq(x[4], (float)-idx[i]);
    }
    ffnn_data_release(&d);
    o.background_size = 0;
    ck_assert_int_eq(ffnn_explain_background(&d, m, &t, &o, &err), FFNN_OK);
    ck_assert_int_eq(d.n, 150);
    ck_assert_float_eq(d.X[149 * 5], 149.0f);
    ffnn_data_release(&d);
    ffnn_table_release(&t);
    free(text);
    ffnn_model_destroy(m);
}
END_TEST

/* ---- charts ------------------------------------------------------------------ */

static char *slurp(FILE *fp)
{
    long len = ftell(fp);
    rewind(fp);
    char *buf = calloc((size_t)len + 1, 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
    return buf;
}

START_TEST(test_charts)
{
    const int units[] = {6, 2};
    const ffnn_act acts[] = {FFNN_ACT_RELU, FFNN_ACT_SOFTMAX};
    ffnn_model *m = build(5, units, acts, 2);
    randomize(m, 121, 1.5);
    set_prep(m);
    free(m->prep.columns[0].name);
    m->prep.columns[0].name = strdup("a<&>\"b'");
    float *B = random_rows(6, 5, 122), *X = random_rows(12, 5, 123);
    ffnn_explain_options o = opts(FFNN_EXPLAIN_EXACT);
    ffnn_shap s;
    explain(m, X, 12, B, 6, &o, &s);
    ffnn_plot_explain_options po = ffnn_plot_explain_default();
    ffnn_error err;
    for (int kind = 0; kind < 2; kind++) {
        FILE *fp = tmpfile();
        ffnn_status st = kind ? ffnn_plot_shap_beeswarm_write(fp, &s, &po, &err)
                              : ffnn_plot_shap_bar_write(fp, &s, &po, &err);
        ck_assert_msg(st == FFNN_OK, "%s", err.msg);
        char *svg = slurp(fp);
        ck_assert(strncmp(svg, "<?xml", 5) == 0);
        ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
        ck_assert_ptr_nonnull(strstr(svg, "a&lt;&amp;&gt;"));
        ck_assert_ptr_null(strstr(svg, "a<&"));
        ck_assert_ptr_nonnull(strstr(svg, "colour"));
        free(svg);
        fclose(fp);
    }
    /* same input, same bytes */
    FILE *f1 = tmpfile(), *f2 = tmpfile();
    ck_assert_int_eq(ffnn_plot_shap_beeswarm_write(f1, &s, &po, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_plot_shap_beeswarm_write(f2, &s, &po, &err), FFNN_OK);
    char *a = slurp(f1), *b = slurp(f2);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    fclose(f1);
    fclose(f2);
    ffnn_shap_release(&s);

    double y[12];
    for (int i = 0; i < 12; i++)
        y[i] = i % 2;
    o = opts(FFNN_EXPLAIN_PERMUTATION);
    ffnn_perm_importance p;
    ck_assert_int_eq(ffnn_explain_permutation(m, X, y, 12, &o, &p, &err), FFNN_OK);
    FILE *fp = tmpfile();
    ck_assert_int_eq(ffnn_plot_perm_bar_write(fp, &p, &po, &err), FFNN_OK);
    char *svg = slurp(fp);
    ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
    free(svg);
    fclose(fp);
    ffnn_perm_importance_release(&p);
    free(B);
    free(X);
    ffnn_model_destroy(m);
}
END_TEST

/* One row's signed values for one output: ordered by |value|, positive
 * bars red to the right, negative blue to the left, labelled with their
 * signs; the rest summed; the title names row, output and method. */
START_TEST(test_row_chart)
{
    static char *feats[] = {"a", "b", "c", "d"};
    static char *outs[] = {"no", "yes"};
    /* [row][output][feature]: row 1, output yes is (0.5, -0.25, 0.125, -1) */
    double v[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, -0.25, 0.125, -1.0};
    double base[2] = {0.5, 0.25}, outv[4] = {0.5, 0.5, 0.375, -0.375};
    ffnn_shap s = {0};
    s.method = s.requested = FFNN_EXPLAIN_EXACT;
    s.n_rows = 2;
    s.n_outputs = 2;
    s.n_features = 4;
    s.n_background = 3;
    s.feature_names = feats;
    s.output_names = outs;
    s.values = v;
    s.base_values = base;
    s.output_values = outv;
    ffnn_plot_explain_options po = ffnn_plot_explain_default();
    ffnn_error err;
    FILE *fp = tmpfile();
    ck_assert_int_eq(ffnn_plot_shap_row_write(fp, &s, 1, 1, &po, &err), FFNN_OK);
    char *svg = slurp(fp);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(svg, "SHAP values of row 1, output yes (exact)"));
    ck_assert_ptr_nonnull(strstr(svg, "f(x) = -0.375, base value E[f(X)] = 0.250"));
    const char *want[] = {">d<", ">-1.00<", ">a<", ">+0.500<", ">b<", ">-0.250<", ">c<", ">+0.125<"};
    const char *at = svg;
    for (int i = 0; i < 8; i++) {
        const char *hit = strstr(at, want[i]);
        ck_assert_msg(hit != NULL, "%s missing or out of order", want[i]);
        at = hit;
    }
    /* two red (positive) and two blue (negative) bars */
    int red = 0, blue = 0;
    for (const char *p = svg; (p = strstr(p, "<rect")); p++) {
        const char *end = strchr(p, '>');
        if (memmem(p, (size_t)(end - p), "#ff0051", 7))
            red++;
        if (memmem(p, (size_t)(end - p), "#008bfb", 7))
            blue++;
    }
    ck_assert_int_eq(red, 2);
    ck_assert_int_eq(blue, 2);
    free(svg);
    /* max_display 3: two features and the sum of the other two, -0.125 */
    po.max_display = 3;
    fp = tmpfile();
    ck_assert_int_eq(ffnn_plot_shap_row_write(fp, &s, 1, 1, &po, &err), FFNN_OK);
    svg = slurp(fp);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(svg, ">Sum of 2 other features<"));
    ck_assert_ptr_nonnull(strstr(svg, ">-0.125<"));
    ck_assert_ptr_null(strstr(svg, ">c<"));
    free(svg);
    fp = tmpfile();
    ck_assert_int_eq(ffnn_plot_shap_row_write(fp, &s, 2, 0, &po, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "row 2: the input has 2 rows (0 to 1)");
    ck_assert_int_eq(ffnn_plot_shap_row_write(fp, &s, 0, 2, &po, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "output 2: the model has 2 outputs");
    fclose(fp);
}
END_TEST

Suite *explain_suite(void);

Suite *explain_suite(void)
{
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_linear_model);
    tcase_add_test(tc, test_additivity);
    tcase_add_test(tc, test_exact_bruteforce_and_kernel);
    tcase_add_test(tc, test_reference_averaging);
    tcase_add_test(tc, test_constant_feature_zero);
    tcase_add_test(tc, test_symmetric_features);
    tcase_add_test(tc, test_deep_vs_exact_relu);
    tcase_add_test(tc, test_deep_near_equal);
    tcase_add_test(tc, test_softmax_outputs);
    tcase_add_test(tc, test_softmax_rules_by_hand);
    tcase_add_test(tc, test_softmax_rules_reference);
    tcase_add_test(tc, test_auto_method);
    tcase_add_test(tc, test_categorical_groups);
    tcase_add_test(tc, test_kernel_sampled);
    tcase_add_test(tc, test_permutation_classification);
    tcase_add_test(tc, test_permutation_regression);
    tcase_add_test(tc, test_stop_request);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_sample_rows);
    tcase_add_test(tc, test_threads_bit_identical);
    tcase_add_test(tc, test_order);
    tcase_add_test(tc, test_background);
    tcase_add_test(tc, test_charts);
    tcase_add_test(tc, test_row_chart);
    suite_add_tcase(s, tc);
    return s;
}
