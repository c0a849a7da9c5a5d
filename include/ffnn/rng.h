/* ffnn — seeded, splittable random streams (no global state).
 *
 * A stream is derived from (seed, purpose, index) so results never depend on
 * scheduling: e.g. the weight init of trial 7 is
 * ffnn_rng_init(&r, seed, FFNN_RNG_INIT, 7).  The generator is xoshiro256**
 * seeded through splitmix64.
 */
#ifndef FFNN_RNG_H
#define FFNN_RNG_H

#include <stdint.h>
#include <stddef.h>

typedef struct {
    uint64_t s[4];
} ffnn_rng;

/* Purposes, so that streams for different jobs never coincide. */
enum {
    FFNN_RNG_INIT = 1,      /* weight initialisation */
    FFNN_RNG_SHUFFLE = 2,   /* per-epoch shuffling */
    FFNN_RNG_DROPOUT = 3,   /* dropout masks */
    FFNN_RNG_SPLIT = 4,     /* train/test and validation splits */
    FFNN_RNG_SAMPLE = 5,    /* hyperparameter sampling, background sampling */
    FFNN_RNG_EXPLAIN = 6,   /* SHAP coalition / permutation sampling */
    FFNN_RNG_PROPOSE = 7    /* Bayesian optimisation: a GP fit and its proposal */
};

void ffnn_rng_init(ffnn_rng *r, uint64_t seed, uint64_t purpose, uint64_t index);

/* The next 64 random bits (xoshiro256**).  Inline: dropout masks draw one
 * value per activation. */
static inline uint64_t ffnn_rng_u64(ffnn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0,1) with 53 random bits. */
static inline double ffnn_rng_uniform(ffnn_rng *r)
{
    return (double)(ffnn_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0,1) with 24 random bits (exactly representable as float). */
static inline float ffnn_rng_uniformf(ffnn_rng *r)
{
    return (float)(ffnn_rng_u64(r) >> 40) * 0x1.0p-24f;
}
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t ffnn_rng_below(ffnn_rng *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call, deterministic). */
double ffnn_rng_normal(ffnn_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void ffnn_rng_shuffle(ffnn_rng *r, int *idx, size_t n);

#endif
