/* ffnn — shared by lib/explain*.c only: the evaluation context every SHAP
 * method uses (feature groups, batched forward passes, coalition values). */
#ifndef FFNN_EXPLAIN_INTERNAL_H
#define FFNN_EXPLAIN_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include "ffnn/explain.h"

/* Progress shared by the threads of one call. */
typedef struct {
    pthread_mutex_t mu;
    long done, total;
    bool cancelled;
} ffnn_ex_progress;

typedef struct {
    const ffnn_model *m;
    const ffnn_explain_options *opt;
    int n_in, K, M;
    int *feature_of;   /* n_in: feature of each encoded input */
    int *feat_start;   /* M+1: inputs of feature j are feat_inputs[feat_start[j] .. feat_start[j+1]) */
    int *feat_inputs;  /* n_in */
    ffnn_workspace *ws;
    int batch;         /* rows per forward pass */
    float *buf;        /* batch * n_in synthetic rows */
    double *vacc;      /* scratch for coalition values */
    long row0;         /* index of the first row of this call in the whole input */
    ffnn_ex_progress *progress; /* NULL: none */
} ffnn_ex_ctx;

/* The user's name of feature j (malloc'd; x1, x2, ... for a model without
 * feature columns); NULL if out of memory. */
char *ffnn_ex_feature_name(const ffnn_model *m, int j);

/* Sets up ctx for m and opt (batch = opt->batch_rows). */
ffnn_status ffnn_ex_init(ffnn_ex_ctx *c, const ffnn_model *m, const ffnn_explain_options *opt,
                         ffnn_error *err);
void ffnn_ex_release(ffnn_ex_ctx *c);

/* Forward pass of B <= c->batch rows X; writes the explained output (model
 * output or logits, per opt->output) as doubles to out (B, K). */
void ffnn_ex_eval(ffnn_ex_ctx *c, const float *X, int B, double *out);

/* Mean over the n rows of the explained output: out (K). */
void ffnn_ex_eval_mean(ffnn_ex_ctx *c, const float *X, long n, double *out);

/* Feature j of row x equals feature j of every background row. */
bool ffnn_ex_feature_constant(const ffnn_ex_ctx *c, const float *x, const float *Bg, long nb, int j);

/* Coalition values v(S) = mean_k f(x_S, b_k) for nmask masks over the mv
 * features vfeat[0..mv) (mask bytes: 1 = take x's value); out (nmask, K). */
void ffnn_ex_coalitions(ffnn_ex_ctx *c, const float *x, const float *Bg, long nb,
                        const unsigned char *masks, long nmask, const int *vfeat, int mv,
                        double *out);

/* Advances progress by one unit; returns nonzero if the caller (or another
 * thread's call) cancelled, or a stop was requested (ffnn_request_stop). */
int ffnn_ex_tick(ffnn_ex_ctx *c);
/* FFNN_ECANCELED: "interrupted" after a stop request, else "cancelled" (the
 * progress callback asked). */
ffnn_status ffnn_ex_canceled(ffnn_error *err);

ffnn_status ffnn_ex_deep(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                         ffnn_shap *s, ffnn_error *err);
ffnn_status ffnn_ex_exact(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                          ffnn_shap *s, ffnn_error *err);
ffnn_status ffnn_ex_kernel(ffnn_ex_ctx *c, const float *X, long n, const float *Bg, long nb,
                           ffnn_shap *s, ffnn_error *err);

#endif
