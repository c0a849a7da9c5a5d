/* ffnn — xoshiro256** streams seeded by splitmix64 over (seed, purpose, index). */
#include <math.h>
#include "ffnn/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ffnn_rng_init(ffnn_rng *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    /* Mix the three words through splitmix64 so nearby (seed, index) pairs
     * give unrelated streams. */
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (purpose * 0xd1342543de82ef95ULL);
    h = splitmix64(&x);
    x = h ^ (index * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t ffnn_rng_below(ffnn_rng *r, uint64_t n)
{
    /* Rejection sampling on the top bits: unbiased and portable. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = ffnn_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double ffnn_rng_normal(ffnn_rng *r)
{
    double u1, u2;
    do
        u1 = ffnn_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = ffnn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void ffnn_rng_shuffle(ffnn_rng *r, int *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)ffnn_rng_below(r, i);
        int t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
