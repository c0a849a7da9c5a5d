/* ffnn — training metrics by Keras's names, with Keras's "accuracy"
 * resolution (§3.5). */
#include "ffnn/metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

static const char *const metric_names[] = {"accuracy", "binary_accuracy", "auc", "mae", "mse",
                                           "rmse"};

const char *ffnn_metric_id_name(ffnn_metric_id m)
{
    return ffnn_enum_name(metric_names, (int)FFNN_ARRAY_LEN(metric_names), (int)m);
}

int ffnn_metric_id_parse(const char *name)
{
    static const struct {
        const char *alias;
        ffnn_metric_id id;
    } aliases[] = {{"acc", FFNN_METRIC_ACCURACY},
                   {"mean_absolute_error", FFNN_METRIC_MAE},
                   {"mean_squared_error", FFNN_METRIC_MSE},
                   {"root_mean_squared_error", FFNN_METRIC_RMSE}};
    int m = ffnn_enum_parse(metric_names, (int)FFNN_ARRAY_LEN(metric_names), name);
    for (size_t i = 0; m < 0 && i < FFNN_ARRAY_LEN(aliases); i++)
        if (strcmp(name, aliases[i].alias) == 0)
            m = (int)aliases[i].id;
    return m;
}

bool ffnn_metric_for_task(ffnn_metric_id m, bool classification, bool binary)
{
    switch (m) {
    case FFNN_METRIC_ACCURACY:
    case FFNN_METRIC_BINARY_ACCURACY: return classification;
    case FFNN_METRIC_AUC: return classification && binary;
    case FFNN_METRIC_MAE:
    case FFNN_METRIC_MSE:
    case FFNN_METRIC_RMSE: return !classification;
    default: return false;
    }
}

bool ffnn_metric_maximized(ffnn_metric_id m)
{
    return m == FFNN_METRIC_ACCURACY || m == FFNN_METRIC_BINARY_ACCURACY || m == FFNN_METRIC_AUC;
}

void ffnn_metric_log_keys(bool classification, bool binary, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    for (int val = 0; val < 2 && k < n; val++) {
        k += (size_t)snprintf(buf + k, n - k, "%s%sloss", val ? ", " : "", val ? "val_" : "");
        for (int i = 0; i < FFNN_METRIC_COUNT && k < n; i++)
            if (ffnn_metric_for_task((ffnn_metric_id)i, classification, binary))
                k += (size_t)snprintf(buf + k, n - k, ", %s%s", val ? "val_" : "", metric_names[i]);
    }
}

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

/* P (B,K), y (B).  Keras's binary_accuracy: (p > 0.5) compared with the
 * target, averaged over the last axis; the target row is the one-hot of
 * class y when K > 1, the label y when K == 1. */
double ffnn_metric_binary_hits(const float *P, const double *y, int B, int K)
{
    double s = 0.0;
    for (int r = 0; r < B; r++) {
        const float *p = P + (size_t)r * (size_t)K;
        if (K == 1) {
            s += (p[0] > 0.5f) == (y[r] > 0.5);
            continue;
        }
        int hits = 0;
        for (int k = 0; k < K; k++)
            hits += (p[k] > 0.5f) == ((double)k == y[r]);
        s += (double)hits / (double)K;
    }
    return s;
}

/* P (B,1), y (B) -> Σ_r (P[r] − y[r])² in double. */
double ffnn_metric_sq_err(const float *P, const double *y, int B)
{
    double s = 0.0;
    for (int r = 0; r < B; r++) {
        double e = (double)P[r] - y[r];
        s += e * e;
    }
    return s;
}
