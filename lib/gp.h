/* ffnn — Gaussian-process regression on [0,1]^d and its acquisition: the
 * model of keras-tuner's BayesianOptimizationOracle (the formulas, and what
 * matches keras-tuner and scikit-learn, are at the top of gp.c).
 *
 * A GP is fitted once on n points and then read only: ffnn_gp_predict,
 * ffnn_gp_acquisition and ffnn_gp_propose allocate their own scratch, so
 * several threads may call them on one GP at the same time.  All randomness
 * comes from the ffnn_rng passed in, and the number of draws is fixed (see
 * each function), so a caller can give every fit its own stream and get the
 * same bits for the same seed.  The first fit sets OpenBLAS, where it is the
 * system's LAPACK, to one thread for the whole process (gp.c says why).
 */
#ifndef FFNN_GP_H
#define FFNN_GP_H

#include <stdbool.h>
#include <stddef.h>

#include "ffnn/error.h"
#include "ffnn/rng.h"

typedef struct {
    double alpha;            /* added to the kernel diagonal (noise): 1e-4 */
    double beta;             /* acquisition mean - beta*std: 2.6 */
    double length_scale;     /* Matern length scale; the first optimiser start: 1 */
    double length_scale_min; /* bounds of the fitted length scale: 1e-5 */
    double length_scale_max; /* ... 1e5 */
    bool fit_length_scale;   /* false: keep length_scale as given: true */
    int restarts;            /* more LML starts, log-uniform within the bounds: 20 */
    int starts;              /* L-BFGS starts of ffnn_gp_propose: 50 */
} ffnn_gp_options;

/* keras-tuner's values (BayesianOptimizationOracle and the
 * GaussianProcessRegressor it makes). */
ffnn_gp_options ffnn_gp_options_default(void);

typedef struct ffnn_gp ffnn_gp;

/* Fits a GP to x (n,d), row-major, and targets y (n).  The targets are
 * normalised to mean 0 and standard deviation 1 (population std; 1 if it is
 * 0); with opt->fit_length_scale the length scale maximises the log marginal
 * likelihood over [length_scale_min, length_scale_max], by bounded L-BFGS in
 * log(length scale) from opt->length_scale and then from opt->restarts
 * log-uniform starts, each one ffnn_rng_uniform(rng) draw (rng may be NULL
 * when no draw is needed).  x and y are copied.  Errors: FFNN_EUSAGE for
 * n == 0, d == 0 or options out of range; FFNN_EDATA for a non-finite x or y,
 * or a kernel matrix that is not positive definite at any length scale tried
 * (raise alpha); FFNN_ENOMEM; FFNN_EINTERNAL if NLopt rejects its arguments. */
ffnn_status ffnn_gp_fit(ffnn_gp **out, const double *x, const double *y, size_t n, size_t d,
                        const ffnn_gp_options *opt, ffnn_rng *rng, ffnn_error *err);
/* Accepts NULL. */
void ffnn_gp_destroy(ffnn_gp *gp);

/* The length scale in use (fitted or given). */
double ffnn_gp_length_scale(const ffnn_gp *gp);
/* The log marginal likelihood of the normalised targets at that length scale. */
double ffnn_gp_log_likelihood(const ffnn_gp *gp);

/* The log marginal likelihood of gp's normalised targets at another length
 * scale ls > 0, and (if grad is not NULL) its derivative in log(ls), as
 * scikit-learn's log_marginal_likelihood(theta=[log ls], eval_gradient=True).
 * FFNN_EDATA if the kernel matrix is not positive definite; FFNN_ENOMEM. */
ffnn_status ffnn_gp_log_likelihood_at(const ffnn_gp *gp, double ls, double *lml, double *grad,
                                      ffnn_error *err);

/* Posterior mean and standard deviation, in the units of y, at m points
 * xq (m,d): mean (m), std (m).  FFNN_ENOMEM. */
ffnn_status ffnn_gp_predict(const ffnn_gp *gp, const double *xq, size_t m, double *mean,
                            double *std, ffnn_error *err);

/* The acquisition a(x) = mean(x) - beta*std(x) at one point x (d), and if
 * grad is not NULL its gradient (d).  Where the posterior variance is 0 the
 * std term contributes no gradient.  FFNN_ENOMEM. */
ffnn_status ffnn_gp_acquisition(const ffnn_gp *gp, const double *x, double *value, double *grad,
                                ffnn_error *err);

/* The next point to try: the lowest acquisition found by bounded L-BFGS
 * (NLopt) within [0,1]^d from opt->starts uniform starts, start s being the
 * d draws ffnn_rng_uniform(rng) s*d .. s*d+d-1 (exactly starts*d draws).
 * Ties keep the earlier start.  x_out (d); value (may be NULL) gets its
 * acquisition.  FFNN_ENOMEM; FFNN_EINTERNAL if NLopt rejects its arguments
 * or the acquisition is not finite. */
ffnn_status ffnn_gp_propose(const ffnn_gp *gp, ffnn_rng *rng, double *x_out, double *value,
                            ffnn_error *err);

#endif
