/* ffnn — training metrics, Keras's "accuracy" resolution (§3.5): one output
 * unit -> binary accuracy (p > 0.5); several -> argmax (ties -> first). */
#ifndef FFNN_METRICS_H
#define FFNN_METRICS_H

/* Number of correct rows among B; P (B,K), y class indices. */
long ffnn_metric_correct(const float *P, const double *y, int B, int K);
/* Σ |P - y| over B rows of one output. */
double ffnn_metric_abs_err(const float *P, const double *y, int B);

#endif
