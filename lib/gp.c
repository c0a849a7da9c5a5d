/* ffnn — Gaussian process and acquisition for Bayesian optimisation (gp.h).
 *
 * The model of keras-tuner's BayesianOptimizationOracle (KT 1.3/1.4,
 * tuners/bayesian.py), which fits scikit-learn's
 *   GaussianProcessRegressor(kernel=Matern(nu=2.5), n_restarts_optimizer=20,
 *                            normalize_y=True, alpha=alpha, random_state=seed)
 * to the trials mapped to [0,1]^d and proposes the minimum of mean - beta*std
 * found by scipy's L-BFGS-B from 50 uniform starts in [0,1]^d.
 *
 * Targets: y_n = (y - mean(y)) / std(y), std the population one (ddof 0),
 * replaced by 1 when it is 0 (sklearn's _handle_zeros_in_scale on a scalar).
 *
 * Kernel (Matern nu = 5/2, one isotropic length scale l, unit amplitude, as
 * sklearn's Matern(nu=2.5) with its scalar default length_scale=1.0):
 *   s = sqrt(5) |x - x'| / l,   k(x, x') = (1 + s + s^2/3) exp(-s)
 *   K = k(X, X) + alpha I,       L L' = K (Cholesky, LAPACK dpotrf)
 *
 * Posterior at x, with a = K^-1 y_n (dpotrs), k* = k(X, x), w = L^-1 k*:
 *   mean = std(y) k*'a + mean(y)
 *   var  = std(y)^2 max(0, 1 - w'w)           (k(x, x) = 1; alpha is noise)
 *
 * Log marginal likelihood of the normalised targets, theta = log l:
 *   LML = -y_n'a/2 - sum_i log L_ii - (n/2) log 2 pi
 *   dLML/dtheta = (1/2) tr((a a' - K^-1) dK/dtheta),
 *   dk/dtheta = (s^2/3)(1 + s) exp(-s)         (K^-1 from dpotri)
 * sklearn maximises it over theta in [log 1e-5, log 1e5] by L-BFGS-B, first
 * from theta = log 1, then from n_restarts_optimizer thetas drawn uniformly
 * within the bounds, and keeps the best (the first on ties).  Here: the same
 * starts and bounds, with bounded L-BFGS from NLopt and draws from the
 * caller's ffnn_rng.  A length scale where K is not positive definite
 * counts as LML = -inf, as in sklearn.
 *
 * Acquisition (KT's _upper_confidence_bound; KT negates the scores of a
 * maximised objective, so it is always minimised):
 *   a(x) = mean(x) - beta std(x)
 *   da/dx = std(y) sum_i (a_i + beta z_i / sqrt(v)) dk_i/dx,  z = K^-1 k*,
 *   dk_i/dx = -(5 / (3 l^2)) (1 + s_i) exp(-s_i) (x - X_i);
 * where v = 1 - w'w <= 0 the std term has no gradient (it is clipped to 0).
 *
 * What differs from keras-tuner, and why:
 * - Draws come from ffnn_rng (xoshiro256**), not numpy's MT19937: sklearn's
 *   restarts (RandomState(seed) made anew at every fit) and KT's acquisition
 *   starts (one RandomState(seed) for the search) cannot be reproduced bit
 *   for bit in C without copying numpy, and ffnn's streams are what makes a
 *   search independent of -j.  So the fitted model and the proposal agree
 *   with KT's wherever the optimisation has one answer, not start for start.
 * - The optimiser is NLopt's L-BFGS (Luksan's, with bound constraints), not
 *   scipy's L-BFGS-B (Byrd, Lu, Nocedal, Zhu): both are limited-memory BFGS
 *   on a box; the stopping tests differ, so the two stop at slightly
 *   different points near the same optimum.  The acquisition gets its
 *   analytic gradient (scipy, given no jac, uses finite differences).
 * - Both KT and sklearn ignore an optimiser's "not converged" result and use
 *   the point it reached; so does this file (NLopt's FAILURE and
 *   ROUNDOFF_LIMITED), but a point whose value is not finite is an error.
 * - Bits: LAPACK comes from the system (reference LAPACK or OpenBLAS, chosen
 *   by Debian's alternatives), whose kernels may depend on the CPU, so the
 *   same seed gives the same bits on one machine, not across machines.
 *   The *_work LAPACKE entry points are used: they skip the NaN check, which
 *   reads LAPACKE_NANCHECK from the environment (inputs are checked here).
 * - Threads: where the system's LAPACK is OpenBLAS's, OpenBLAS runs its own
 *   threads (as many as cores, or OPENBLAS_NUM_THREADS, read by OpenBLAS).
 *   The first fit sets it to one thread (openblas_set_num_threads, looked up
 *   as a weak symbol, so nothing changes with another LAPACK): a search's
 *   trials already use the cores (ffnn-tune -j), the matrices here are
 *   small, and the bits then never depend on a thread count.
 */
#include "gp.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <nlopt.h>
#include <pthread.h>
#include <string.h>

#include "internal.h"

#define SQRT5 2.23606797749978969641
#define LOG_2PI 1.83787706640934548356

/* Stopping rules of the two optimisations (NLopt L-BFGS).  Tight enough that
 * the fitted length scale and the proposal are fixed by the optimum, not by
 * where a looser test happens to stop. */
#define OPT_FTOL_REL 1e-15
#define OPT_XTOL_REL 1e-10
#define OPT_MAXEVAL 2000
#define OPT_MEMORY 10 /* L-BFGS vectors, scipy's maxcor */

struct ffnn_gp {
    size_t n, d;
    ffnn_gp_options opt;
    double ls;           /* length scale in use */
    double lml;          /* log marginal likelihood at ls */
    double y_mean, y_std;
    double *x;           /* (n,d) row-major training inputs */
    double *y;           /* (n) normalised targets */
    double *chol;        /* (n,n) column-major; lower triangle: L of K + alpha I */
    double *a;           /* (n) (K + alpha I)^-1 y */
};

ffnn_gp_options ffnn_gp_options_default(void)
{
    return (ffnn_gp_options){
        .alpha = 1e-4,
        .beta = 2.6,
        .length_scale = 1.0,
        .length_scale_min = 1e-5,
        .length_scale_max = 1e5,
        .fit_length_scale = true,
        .restarts = 20,
        .starts = 50,
    };
}

void ffnn_gp_destroy(ffnn_gp *gp)
{
    if (!gp)
        return;
    free(gp->x);
    free(gp->y);
    free(gp->chol);
    free(gp->a);
    free(gp);
}

double ffnn_gp_length_scale(const ffnn_gp *gp)
{
    return gp->ls;
}

double ffnn_gp_log_likelihood(const ffnn_gp *gp)
{
    return gp->lml;
}

/* OpenBLAS's thread count, where OpenBLAS is loaded (see the top). */
extern void openblas_set_num_threads(int n) __attribute__((weak));
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_one_thread(void)
{
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
}

/* ---- kernel and factorisation ---------------------------------------------- */

static double dist(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++) {
        double t = a[j] - b[j];
        s += t * t;
    }
    return sqrt(s);
}

/* X (n,d), length scale ls -> K (n,n) = k(X,X) + alpha I, both triangles;
 * dK (n,n) = dK/dlog(ls) if not NULL (zero diagonal). */
static void kernel_matrix(const double *x, size_t n, size_t d, double ls, double alpha, double *K,
                          double *dK)
{
    for (size_t j = 0; j < n; j++) {
        K[j + j * n] = 1.0 + alpha;
        if (dK)
            dK[j + j * n] = 0.0;
        for (size_t i = j + 1; i < n; i++) {
            double s = SQRT5 * dist(x + i * d, x + j * d, d) / ls;
            double e = exp(-s);
            K[i + j * n] = K[j + i * n] = (1.0 + s + s * s / 3.0) * e;
            if (dK)
                dK[i + j * n] = dK[j + i * n] = s * s / 3.0 * (1.0 + s) * e;
        }
    }
}

/* K + alpha I at ls, factored in place (lower triangle of K = L); a = K^-1 y.
 * Returns LAPACK's info: 0, or > 0 when K is not positive definite. */
static lapack_int factor(const ffnn_gp *gp, double ls, double *K, double *a, double *dK)
{
    lapack_int n = (lapack_int)gp->n;
    kernel_matrix(gp->x, gp->n, gp->d, ls, gp->opt.alpha, K, dK);
    lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, K, n);
    if (info != 0)
        return info;
    memcpy(a, gp->y, gp->n * sizeof *a);
    return LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', n, 1, K, n, a, n);
}

/* LML from the factor L (lower triangle of K) and a = K^-1 y. */
static double lml_value(const ffnn_gp *gp, const double *L, const double *a)
{
    size_t n = gp->n;
    double fit = 0.0, logdet = 0.0;
    for (size_t i = 0; i < n; i++) {
        fit += gp->y[i] * a[i];
        logdet += log(L[i + i * n]);
    }
    return -0.5 * fit - logdet - 0.5 * (double)n * LOG_2PI;
}

/* Scratch of one LML evaluation: K, dK (n,n), a (n). */
typedef struct {
    const ffnn_gp *gp;
    double *K, *dK, *a;
} lml_work;

static ffnn_status lml_work_init(lml_work *w, const ffnn_gp *gp, ffnn_error *err)
{
    size_t n = gp->n;
    w->gp = gp;
    w->K = ffnn_calloc(n * n, sizeof *w->K);
    w->dK = ffnn_calloc(n * n, sizeof *w->dK);
    w->a = ffnn_calloc(n, sizeof *w->a);
    if (!w->K || !w->dK || !w->a)
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

static void lml_work_release(lml_work *w)
{
    free(w->K);
    free(w->dK);
    free(w->a);
}

/* LML at theta = log(ls) and, if grad, dLML/dtheta.  Returns 0, or LAPACK's
 * info > 0 when K is not positive definite. */
static lapack_int lml_eval(lml_work *w, double theta, double *lml, double *grad)
{
    const ffnn_gp *gp = w->gp;
    size_t n = gp->n;
    lapack_int info = factor(gp, exp(theta), w->K, w->a, w->dK);
    if (info != 0)
        return info;
    *lml = lml_value(gp, w->K, w->a);
    if (!grad)
        return 0;
    /* lower triangle of K^-1 from L; dK is symmetric with a zero diagonal,
     * so (1/2) tr((a a' - K^-1) dK) is the sum below the diagonal. */
    info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w->K, (lapack_int)n);
    if (info != 0)
        return info;
    double g = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = j + 1; i < n; i++)
            g += (w->a[i] * w->a[j] - w->K[i + j * n]) * w->dK[i + j * n];
    *grad = g;
    return 0;
}

static ffnn_status not_pd(ffnn_error *err, const ffnn_gp *gp, double ls)
{
    return ffnn_error_set(err, FFNN_EDATA,
                          "gp: the kernel matrix of %zu points is not positive definite "
                          "(length scale %g, alpha %g); raise alpha",
                          gp->n, ls, gp->opt.alpha);
}

ffnn_status ffnn_gp_log_likelihood_at(const ffnn_gp *gp, double ls, double *lml, double *grad,
                                      ffnn_error *err)
{
    if (!(ls > 0.0) || !isfinite(ls))
        return ffnn_error_set(err, FFNN_EUSAGE, "gp: length scale must be positive, got %g", ls);
    lml_work w;
    ffnn_status st = lml_work_init(&w, gp, err);
    if (st == FFNN_OK && lml_eval(&w, log(ls), lml, grad) != 0)
        st = not_pd(err, gp, ls);
    lml_work_release(&w);
    return st;
}

/* ---- NLopt ----------------------------------------------------------------- */

/* A bounded L-BFGS minimiser over dim variables, objective f(data). */
static ffnn_status optimizer_create(nlopt_opt *out, unsigned dim, const double *lo,
                                    const double *hi, nlopt_func f, void *data, ffnn_error *err)
{
    nlopt_opt o = nlopt_create(NLOPT_LD_LBFGS, dim);
    *out = o;
    if (!o)
        return ffnn_error_nomem(err);
    nlopt_result r = nlopt_set_lower_bounds(o, lo);
    if (r > 0)
        r = nlopt_set_upper_bounds(o, hi);
    if (r > 0)
        r = nlopt_set_min_objective(o, f, data);
    if (r > 0)
        r = nlopt_set_ftol_rel(o, OPT_FTOL_REL);
    if (r > 0)
        r = nlopt_set_xtol_rel(o, OPT_XTOL_REL);
    if (r > 0)
        r = nlopt_set_maxeval(o, OPT_MAXEVAL);
    if (r > 0)
        r = nlopt_set_vector_storage(o, OPT_MEMORY);
    if (r == NLOPT_OUT_OF_MEMORY)
        return ffnn_error_nomem(err);
    if (r < 0)
        return ffnn_error_set(err, FFNN_EINTERNAL, "gp: NLopt setup failed (%s)",
                              nlopt_result_to_string(r));
    return FFNN_OK;
}

/* Runs o from x (in place).  Every result that leaves a point is accepted
 * (see the note at the top); only a refusal or no memory is an error. */
static ffnn_status optimizer_run(nlopt_opt o, double *x, ffnn_error *err)
{
    double f;
    nlopt_result r = nlopt_optimize(o, x, &f);
    if (r == NLOPT_OUT_OF_MEMORY)
        return ffnn_error_nomem(err);
    if (r == NLOPT_INVALID_ARGS)
        return ffnn_error_set(err, FFNN_EINTERNAL, "gp: NLopt L-BFGS rejected its arguments");
    return FFNN_OK;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- fitting ---------------------------------------------------------------- */

/* -LML and its gradient in theta, for NLopt; +inf where K is not positive
 * definite (sklearn's -inf LML). */
static double neg_lml(unsigned dim, const double *theta, double *grad, void *data)
{
    (void)dim;
    double lml, g = 0.0;
    if (lml_eval(data, theta[0], &lml, grad ? &g : NULL) != 0) {
        if (grad)
            grad[0] = 0.0;
        return HUGE_VAL;
    }
    if (grad)
        grad[0] = -g;
    return -lml;
}

/* The length scale that maximises the LML (see the top of the file). */
static ffnn_status fit_length_scale(ffnn_gp *gp, ffnn_rng *rng, double *ls_out, ffnn_error *err)
{
    const ffnn_gp_options *o = &gp->opt;
    double lo = log(o->length_scale_min), hi = log(o->length_scale_max);
    lml_work w;
    nlopt_opt opt = NULL;
    ffnn_status st = lml_work_init(&w, gp, err);
    if (st == FFNN_OK)
        st = optimizer_create(&opt, 1, &lo, &hi, neg_lml, &w, err);
    double best = HUGE_VAL, best_theta = log(o->length_scale);
    for (int s = 0; st == FFNN_OK && s <= o->restarts; s++) {
        double theta = s == 0 ? log(o->length_scale) : lo + ffnn_rng_uniform(rng) * (hi - lo);
        theta = clamp(theta, lo, hi);
        if ((st = optimizer_run(opt, &theta, err)) != FFNN_OK)
            break;
        theta = clamp(theta, lo, hi);
        double f = neg_lml(1, &theta, NULL, &w);
        if (f < best) {
            best = f;
            best_theta = theta;
        }
    }
    nlopt_destroy(opt);
    lml_work_release(&w);
    if (st == FFNN_OK && !(best < HUGE_VAL))
        return not_pd(err, gp, o->length_scale);
    *ls_out = exp(best_theta);
    return st;
}

static ffnn_status check_options(const ffnn_gp_options *o, ffnn_error *err)
{
    if (!(o->alpha >= 0.0) || !isfinite(o->alpha))
        return ffnn_error_set(err, FFNN_EUSAGE, "gp: alpha must be >= 0, got %g", o->alpha);
    if (!isfinite(o->beta))
        return ffnn_error_set(err, FFNN_EUSAGE, "gp: beta must be finite, got %g", o->beta);
    if (!(o->length_scale_min > 0.0) || !(o->length_scale_min <= o->length_scale) ||
        !(o->length_scale <= o->length_scale_max) || !isfinite(o->length_scale_max))
        return ffnn_error_set(err, FFNN_EUSAGE,
                              "gp: length scale %g must lie within [%g, %g], bounds positive",
                              o->length_scale, o->length_scale_min, o->length_scale_max);
    if (o->restarts < 0 || o->starts < 1)
        return ffnn_error_set(err, FFNN_EUSAGE,
                              "gp: restarts must be >= 0 and starts >= 1, got %d and %d",
                              o->restarts, o->starts);
    return FFNN_OK;
}

static ffnn_status check_inputs(const double *x, const double *y, size_t n, size_t d,
                                ffnn_error *err)
{
    if (n == 0 || d == 0)
        return ffnn_error_set(err, FFNN_EUSAGE, "gp: need at least one point and one dimension");
    if (n > INT_MAX || d > UINT_MAX || n > (size_t)-1 / n || n * d / d != n)
        return ffnn_error_set(err, FFNN_EUSAGE, "gp: too many points (%zu) or dimensions (%zu)",
                              n, d);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return ffnn_error_set(err, FFNN_EDATA, "gp: target %zu is not finite", i);
        for (size_t j = 0; j < d; j++)
            if (!isfinite(x[i * d + j]))
                return ffnn_error_set(err, FFNN_EDATA, "gp: point %zu, coordinate %zu is not finite",
                                      i, j);
    }
    return FFNN_OK;
}

ffnn_status ffnn_gp_fit(ffnn_gp **out, const double *x, const double *y, size_t n, size_t d,
                        const ffnn_gp_options *opt, ffnn_rng *rng, ffnn_error *err)
{
    *out = NULL;
    ffnn_status st = check_options(opt, err);
    if (st == FFNN_OK)
        st = check_inputs(x, y, n, d, err);
    if (st != FFNN_OK)
        return st;
    if (opt->fit_length_scale && opt->restarts > 0 && !rng)
        return ffnn_error_set(err, FFNN_EINTERNAL, "gp: length scale restarts need an rng");
    pthread_once(&blas_once, blas_one_thread);
    ffnn_gp *gp = ffnn_calloc(1, sizeof *gp);
    if (!gp)
        return ffnn_error_nomem(err);
    gp->n = n;
    gp->d = d;
    gp->opt = *opt;
    gp->x = ffnn_calloc(n * d, sizeof *gp->x);
    gp->y = ffnn_calloc(n, sizeof *gp->y);
    gp->chol = ffnn_calloc(n * n, sizeof *gp->chol);
    gp->a = ffnn_calloc(n, sizeof *gp->a);
    if (!gp->x || !gp->y || !gp->chol || !gp->a) {
        st = ffnn_error_nomem(err);
        goto fail;
    }
    memcpy(gp->x, x, n * d * sizeof *x);
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (y[i] - mean) * (y[i] - mean);
    gp->y_mean = mean;
    gp->y_std = sqrt(var / (double)n);
    if (gp->y_std == 0.0)
        gp->y_std = 1.0;
    for (size_t i = 0; i < n; i++)
        gp->y[i] = (y[i] - mean) / gp->y_std;

    gp->ls = opt->length_scale;
    if (opt->fit_length_scale && (st = fit_length_scale(gp, rng, &gp->ls, err)) != FFNN_OK)
        goto fail;
    if (factor(gp, gp->ls, gp->chol, gp->a, NULL) != 0) {
        st = not_pd(err, gp, gp->ls);
        goto fail;
    }
    gp->lml = lml_value(gp, gp->chol, gp->a);
    *out = gp;
    return FFNN_OK;
fail:
    ffnn_gp_destroy(gp);
    return st;
}

/* ---- posterior and acquisition --------------------------------------------- */

/* Scratch of one posterior evaluation: k, z, c (n each). */
typedef struct {
    const ffnn_gp *gp;
    double *k, *z, *c;
} post_work;

static ffnn_status post_work_init(post_work *w, const ffnn_gp *gp, ffnn_error *err)
{
    w->gp = gp;
    w->k = ffnn_calloc(3 * gp->n, sizeof *w->k);
    if (!w->k)
        return ffnn_error_nomem(err);
    w->z = w->k + gp->n;
    w->c = w->z + gp->n;
    return FFNN_OK;
}

/* Posterior at x (d): *mean, *var (normalised units, var clipped at 0).
 * With c, also c_i = dk_i/dx / (x - X_i) and, where var > 0, z = K^-1 k*. */
static void posterior(post_work *w, const double *x, double *mean, double *var, bool want_grad)
{
    const ffnn_gp *gp = w->gp;
    size_t n = gp->n, d = gp->d;
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = SQRT5 * dist(x, gp->x + i * d, d) / gp->ls;
        double e = exp(-s);
        w->k[i] = (1.0 + s + s * s / 3.0) * e;
        if (want_grad)
            w->c[i] = -5.0 / (3.0 * gp->ls * gp->ls) * (1.0 + s) * e;
        m += w->k[i] * gp->a[i];
        w->z[i] = w->k[i];
    }
    lapack_int ni = (lapack_int)n;
    LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'L', 'N', 'N', ni, 1, gp->chol, ni, w->z, ni);
    double v = 1.0;
    for (size_t i = 0; i < n; i++)
        v -= w->z[i] * w->z[i];
    if (v < 0.0)
        v = 0.0;
    if (want_grad && v > 0.0)
        LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'L', 'T', 'N', ni, 1, gp->chol, ni, w->z, ni);
    *mean = m;
    *var = v;
}

ffnn_status ffnn_gp_predict(const ffnn_gp *gp, const double *xq, size_t m, double *mean,
                            double *std, ffnn_error *err)
{
    post_work w;
    ffnn_status st = post_work_init(&w, gp, err);
    for (size_t q = 0; st == FFNN_OK && q < m; q++) {
        double mn, v;
        posterior(&w, xq + q * gp->d, &mn, &v, false);
        mean[q] = gp->y_std * mn + gp->y_mean;
        std[q] = gp->y_std * sqrt(v);
    }
    free(w.k);
    return st;
}

/* a(x) and, if grad, da/dx (see the top of the file). */
static double acq_eval(post_work *w, const double *x, double *grad)
{
    const ffnn_gp *gp = w->gp;
    size_t n = gp->n, d = gp->d;
    double mn, v;
    posterior(w, x, &mn, &v, grad != NULL);
    double sd = sqrt(v), beta = gp->opt.beta;
    if (grad) {
        memset(grad, 0, d * sizeof *grad);
        for (size_t i = 0; i < n; i++) {
            double coef = gp->a[i] + (v > 0.0 ? beta * w->z[i] / sd : 0.0);
            coef *= gp->y_std * w->c[i];
            const double *xi = gp->x + i * d;
            for (size_t j = 0; j < d; j++)
                grad[j] += coef * (x[j] - xi[j]);
        }
    }
    return gp->y_std * mn + gp->y_mean - beta * gp->y_std * sd;
}

ffnn_status ffnn_gp_acquisition(const ffnn_gp *gp, const double *x, double *value, double *grad,
                                ffnn_error *err)
{
    post_work w;
    ffnn_status st = post_work_init(&w, gp, err);
    if (st == FFNN_OK)
        *value = acq_eval(&w, x, grad);
    free(w.k);
    return st;
}

static double acq_objective(unsigned dim, const double *x, double *grad, void *data)
{
    (void)dim;
    return acq_eval(data, x, grad);
}

ffnn_status ffnn_gp_propose(const ffnn_gp *gp, ffnn_rng *rng, double *x_out, double *value,
                            ffnn_error *err)
{
    size_t d = gp->d;
    if (!rng)
        return ffnn_error_set(err, FFNN_EINTERNAL, "gp: proposing needs an rng");
    post_work w = {0};
    nlopt_opt opt = NULL;
    double *buf = ffnn_calloc(3 * d, sizeof *buf);
    ffnn_status st = buf ? post_work_init(&w, gp, err) : ffnn_error_nomem(err);
    double *lo = buf, *hi = buf + d, *x = buf + 2 * d;
    if (st == FFNN_OK) {
        for (size_t j = 0; j < d; j++)
            hi[j] = 1.0;
        st = optimizer_create(&opt, (unsigned)d, lo, hi, acq_objective, &w, err);
    }
    double best = HUGE_VAL;
    for (int s = 0; st == FFNN_OK && s < gp->opt.starts; s++) {
        for (size_t j = 0; j < d; j++)
            x[j] = ffnn_rng_uniform(rng);
        if ((st = optimizer_run(opt, x, err)) != FFNN_OK)
            break;
        for (size_t j = 0; j < d; j++)
            x[j] = clamp(x[j], 0.0, 1.0);
        double f = acq_eval(&w, x, NULL);
        if (!isfinite(f)) {
            st = ffnn_error_set(err, FFNN_EINTERNAL, "gp: the acquisition is not finite (%g)", f);
            break;
        }
        if (s == 0 || f < best) {
            best = f;
            memcpy(x_out, x, d * sizeof *x);
        }
    }
    if (st == FFNN_OK && value)
        *value = best;
    nlopt_destroy(opt);
    free(w.k);
    free(buf);
    return st;
}
