/* ffnn — optimizers with Keras 3 defaults and update formulas
 * (keras-semantics.md §3.3).  Gradients and moments share the parameter
 * buffer's layout, so a step is one loop over n floats.
 */
#ifndef FFNN_OPTIM_H
#define FFNN_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include "ffnn/error.h"
#include "ffnn/names.h"
#include "ffnn/pool.h"

typedef enum {
    FFNN_OPTIM_SGD = 0,
    FFNN_OPTIM_ADAM,
    FFNN_OPTIM_ADAMW,
    FFNN_OPTIM_RMSPROP,
    FFNN_OPTIM_ADAGRAD,
    FFNN_OPTIM_COUNT
} ffnn_optim_kind;

typedef struct {
    ffnn_optim_kind kind;
    double learning_rate;  /* sgd 0.01, others 0.001 */
    double beta_1, beta_2; /* adam/adamw: 0.9, 0.999 */
    double epsilon;        /* 1e-7 */
    bool amsgrad;
    double weight_decay;   /* adamw 0.004, others 0 */
    double momentum;       /* sgd, rmsprop: 0 */
    bool nesterov;         /* sgd */
    double rho;            /* rmsprop 0.9 */
    bool centered;         /* rmsprop */
    double initial_accumulator_value; /* adagrad 0.1 */
} ffnn_optim_spec;

/* Keras defaults for kind. */
ffnn_optim_spec ffnn_optim_default(ffnn_optim_kind kind);
/* The lower-case Keras name ("adam"), or "?" outside the enum. */
const char *ffnn_optim_name(ffnn_optim_kind k);
/* Keras names in any case ("adam", "Adam", "RMSprop", "SGD", ...); -1 if
 * unknown or NULL. */
int ffnn_optim_parse(const char *name);
/* Every optimizer's name, in enum order. */
ffnn_names ffnn_optim_names(void);

typedef struct {
    ffnn_optim_spec spec;
    double lr;          /* current learning rate (schedules change it) */
    long iterations;    /* steps taken */
    size_t n;
    float *m, *v, *vhat;/* moments, allocated as the kind needs */
} ffnn_optim;

/* Allocates state for n parameters, zeroed (adagrad: initial accumulator). */
ffnn_status ffnn_optim_init(ffnn_optim *o, const ffnn_optim_spec *spec, size_t n, ffnn_error *err);
void ffnn_optim_release(ffnn_optim *o);
/* Restarts from zero state (fresh optimizer) keeping spec and lr = spec lr. */
void ffnn_optim_reset(ffnn_optim *o);
/* One update of w (n) with gradient g (n): decoupled weight decay if set
 * (every parameter, as Keras does with no exclusions), then the update, then
 * iterations += 1. */
void ffnn_optim_step(ffnn_optim *o, float *w, const float *g);
/* The same step split over the pool's threads (bitwise the same result; one
 * thread for small n or a NULL pool). */
void ffnn_optim_step_pool(ffnn_optim *o, float *w, const float *g, ffnn_pool *pool);

#endif
