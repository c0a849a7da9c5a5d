/* ffnn — the network: Dense layers (each optionally followed by Dropout),
 * one contiguous parameter buffer with per-layer views (weights [out][in],
 * then bias, layer by layer), the preprocessing it was trained with, forward,
 * backward, predict and summary.
 */
#ifndef FFNN_MODEL_H
#define FFNN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/rng.h"
#include "ffnn/activation.h"
#include "ffnn/loss.h"
#include "ffnn/preprocess.h"
#include "ffnn/pool.h"

typedef enum {
    FFNN_INIT_GLOROT_UNIFORM = 0,
    FFNN_INIT_GLOROT_NORMAL,
    FFNN_INIT_HE_UNIFORM,
    FFNN_INIT_HE_NORMAL,
    FFNN_INIT_COUNT
} ffnn_init;
const char *ffnn_init_name(ffnn_init i);
int ffnn_init_parse(const char *name);

typedef struct {
    int units;
    ffnn_act activation;
    float dropout;       /* Dropout after this Dense, 0 = none */
} ffnn_layer_spec;

#define FFNN_MAX_LAYERS 64

/* The architecture asked for by a config (hidden layers; the output layer is
 * added from the task). */
typedef struct {
    int n_hidden;
    ffnn_layer_spec hidden[FFNN_MAX_LAYERS];
    int output_activation;   /* ffnn_act, or -1: from the task */
    int output_units;        /* units of the output layer, or 0: from the task */
    int loss;                /* ffnn_loss_kind, or -1: from the task */
    bool from_logits;
    bool tf_cached_logits;   /* BCE on softmax: TensorFlow's logits rule (loss.h) */
    double huber_delta;
    ffnn_init kernel_initializer;
    double l2;               /* L2 factor on kernels (Keras: l2 * Σ w²) */
} ffnn_arch_spec;

/* One hidden layer of 100 relu units, no dropout; output activation and loss
 * from the task; glorot_uniform; no L2. */
ffnn_arch_spec ffnn_arch_spec_default(void);

typedef struct {
    int n_layers;                  /* dense layers, output included */
    int n_in;                      /* encoded features */
    ffnn_layer_spec layers[FFNN_MAX_LAYERS];
    size_t w_off[FFNN_MAX_LAYERS]; /* offsets into params */
    size_t b_off[FFNN_MAX_LAYERS];
    size_t n_params;
    float *params;
    ffnn_loss loss;
    ffnn_init kernel_initializer;
    double l2;
    ffnn_prep prep;
    char *train_info;              /* JSON object text (training summary) or NULL */
} ffnn_model;

/* Builds the model for prep's task from spec: output units = 1 for regression
 * and for binary with a sigmoid/linear output, else the number of classes,
 * unless spec->output_units asks for 2 on a binary task (the tutorial's
 * sigmoid on each one-hot class output; any other count that the task does
 * not allow is FFNN_ECONFIG);
 * default output activation sigmoid (binary), softmax (multiclass), linear
 * (regression); default loss binary_crossentropy, categorical_crossentropy,
 * mse.  Takes a copy of prep.  Parameters are zero until ffnn_model_init. */
ffnn_status ffnn_model_create(ffnn_model **out, const ffnn_arch_spec *spec, const ffnn_prep *prep,
                              ffnn_error *err);
/* Builds an empty model from explicit layers (used by the loader). */
ffnn_status ffnn_model_create_layers(ffnn_model **out, int n_in, const ffnn_layer_spec *layers,
                                     int n_layers, ffnn_error *err);
void ffnn_model_destroy(ffnn_model *m);
ffnn_status ffnn_model_clone(ffnn_model **out, const ffnn_model *m, ffnn_error *err);

/* Kernel init per m->kernel_initializer (glorot_uniform: U(±sqrt(6/(in+out)))),
 * zero biases, drawn layer by layer in [out][in] order from rng. */
void ffnn_model_init(ffnn_model *m, ffnn_rng *rng);

/* Number of output units. */
int ffnn_model_n_out(const ffnn_model *m);
/* The largest layer width (for workspaces). */
int ffnn_model_max_width(const ffnn_model *m);

/* Per-batch buffers for forward and backward, sized once for max_batch rows.
 * No allocation happens after ffnn_workspace_create.  pool (NULL after
 * create; set by the caller, not owned) lets forward and backward split large
 * batches between threads: rows for the products and activations, output
 * rows for the weight gradients, in fixed ranges, so the results are bitwise
 * the same for any number of threads. */
typedef struct {
    int max_batch;
    int n_layers;
    float **Z, **A;           /* per layer: pre-activation, activation output */
    float **D, **mask;        /* per layer with dropout: dropped output, mask (else NULL) */
    float *dA, *dZ;           /* scratch, max_batch * max width */
    float *grad;              /* n_params, same layout as params */
    float **G;                /* per layer: dL/dZ of the last backward (max_batch, units) */
    float *Wp;                /* every layer's W packed by ffnn_mat_pack (forward) */
    size_t wp_off[FFNN_MAX_LAYERS];
    ffnn_pool *pool;          /* worker threads, or NULL: this thread only */
} ffnn_workspace;

ffnn_status ffnn_workspace_create(ffnn_workspace **out, const ffnn_model *m, int max_batch,
                                  ffnn_error *err);
void ffnn_workspace_destroy(ffnn_workspace *ws);

/* X (B,n_in) -> returns pointer to the output A (B,n_out) inside ws.
 * training: dropout active, drawn from rng (may be NULL otherwise). */
const float *ffnn_model_forward(const ffnn_model *m, ffnn_workspace *ws, const float *X, int B,
                                bool training, ffnn_rng *rng);
/* After a forward pass on X with training on: zeroes ws->grad, backpropagates
 * the loss for targets T (B,n_out) with Keras's batch mean, adds the L2 term,
 * and returns the batch's summed per-sample loss (without L2). */
double ffnn_model_backward(const ffnn_model *m, ffnn_workspace *ws, const float *X, const float *T,
                           int B);
/* Keras's L2 regularisation term l2 · Σ w² over kernels (0 if l2 is 0). */
double ffnn_model_l2_penalty(const ffnn_model *m);

/* Pre-output logits of the last forward pass (B,n_out). */
const float *ffnn_model_logits(const ffnn_model *m, const ffnn_workspace *ws);

/* Class probabilities or regression values for encoded rows: P (B, n_out).
 * For a binary model with one sigmoid unit n_out is 1 (probability of
 * classes[1]). */
void ffnn_model_predict(const ffnn_model *m, ffnn_workspace *ws, const float *X, int B, float *P);

/* Builds the loss target rows T (B, n_out) from labels y (class index or
 * value). */
void ffnn_model_targets(const ffnn_model *m, const double *y, int B, float *T);

/* Keras-style summary (layer, output shape, params, totals) to fp. */
void ffnn_model_summary(const ffnn_model *m, FILE *fp);

#endif
