/* ffnn — training metrics with Keras's "accuracy" resolution (§3.5). */
#include "ffnn/metrics.h"

#include <math.h>
#include <stddef.h>

/* P (B,K), y (B) class indices.  K == 1: binary accuracy, row correct iff
 * (p > 0.5) == (y != 0) (Keras compares against the label rounded at 0.5,
 * i.e. y > 0.5).  K > 1: row correct iff the first index of the row maximum
 * equals y.  A NaN probability is never the maximum. */
long ffnn_metric_correct(const float *P, const double *y, int B, int K)
{
    long correct = 0;
    for (int r = 0; r < B; r++) {
        const float *p = P + (size_t)r * (size_t)K;
        if (K == 1) {
            correct += (p[0] > 0.5f) == (y[r] > 0.5);
            continue;
        }
        int best = 0;
        for (int k = 1; k < K; k++)
            if (p[k] > p[best] || (isnan(p[best]) && !isnan(p[k])))
                best = k;
        correct += (double)best == y[r];
    }
    return correct;
}

/* P (B,1), y (B) -> Σ_r |P[r] − y[r]| in double. */
double ffnn_metric_abs_err(const float *P, const double *y, int B)
{
    double s = 0.0;
    for (int r = 0; r < B; r++)
        s += fabs((double)P[r] - y[r]);
    return s;
}
