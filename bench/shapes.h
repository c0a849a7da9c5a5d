/* bench/shapes.h — what bench/kern.c (ffnn's products) and bench/sgemm.c
 * (OpenBLAS's sgemm on the same shapes) share: the command line, the timing
 * loop and the output, so their lines compare one to one.
 *
 * Usage: PROGRAM [-t SECONDS] WIDTHS BATCH...
 *   WIDTHS  a model's layer widths, e.g. 64-1024-1024-10
 *   BATCH   rows per product (several: one block of lines each)
 * Prints, per batch and per kind of product, one line
 *   <widths> <batch> <kind> <GFLOP/s> <ms per batch>
 * kind: fwd (Z = X·Wᵀ, every layer), dx (dX = dZ·W, every layer but the
 * first, as training skips the input's gradient), dw (dW = dZᵀ·X, every
 * layer).  GFLOP/s counts 2 flops per multiply-add of the layers summed;
 * ms is the time of one batch's products of that kind.  Best of several
 * timed loops of at least SECONDS / 5 each (default 1 s in all), timed by
 * the calling thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), so time another
 * process holds the core does not count (its cache traffic still does).
 */
#ifndef BENCH_SHAPES_H
#define BENCH_SHAPES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LAYERS 16

typedef struct {
    int n;                       /* layers */
    int in[MAX_LAYERS], out[MAX_LAYERS];
} shapes;

static double now_s(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_widths(const char *s, shapes *sh)
{
    int w[MAX_LAYERS + 1], n = 0;
    char *end;
    for (;;) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1 << 16 || n > MAX_LAYERS)
            return -1;
        w[n++] = (int)v;
        if (*end == '\0')
            break;
        if (*end != '-')
            return -1;
        s = end + 1;
    }
    if (n < 2)
        return -1;
    sh->n = n - 1;
    for (int l = 0; l < sh->n; l++) {
        sh->in[l] = w[l];
        sh->out[l] = w[l + 1];
    }
    return 0;
}

static float *rand_floats(size_t n, unsigned seed)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        perror("malloc");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    return p;
}

/* Seconds per call of fn(ctx) by clock: best of 5 loops of >= budget / 5
 * each. */
static double time_best(void (*fn)(void *), void *ctx, double budget, clockid_t clock)
{
    fn(ctx);
    long reps = 1;
    double t0 = now_s(clock);
    fn(ctx);
    double one = now_s(clock) - t0;
    if (one > 0)
        reps = (long)(budget / 5 / one) + 1;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        t0 = now_s(clock);
        for (long i = 0; i < reps; i++)
            fn(ctx);
        double t = (now_s(clock) - t0) / (double)reps;
        if (t < best)
            best = t;
    }
    return best;
}

static int bench_args(int argc, char **argv, double *budget, shapes *sh, const char **widths,
                      int *first_batch)
{
    int a = 1;
    *budget = 1.0;
    if (a + 1 < argc && strcmp(argv[a], "-t") == 0) {
        *budget = atof(argv[a + 1]);
        a += 2;
    }
    if (a + 1 >= argc || parse_widths(argv[a], sh) != 0) {
        fprintf(stderr, "usage: %s [-t SECONDS] WIDTHS(e.g. 64-256-256-10) BATCH...\n", argv[0]);
        return -1;
    }
    *widths = argv[a];
    *first_batch = a + 1;
    return 0;
}

static double macs_of(const shapes *sh, int B, int from_layer)
{
    double m = 0;
    for (int l = from_layer; l < sh->n; l++)
        m += (double)B * sh->in[l] * sh->out[l];
    return m;
}

static void report(const char *widths, int B, const char *kind, double macs, double s)
{
    printf("%s %d %s %.1f %.3f\n", widths, B, kind, 2.0 * macs / s / 1e9, s * 1e3);
    fflush(stdout);
}

/* One batch size's buffers, per layer (those a program does not use are
 * allocated all the same; Wp is the program's to allocate). */
typedef struct {
    const shapes *sh;
    int B, kind;
    float *X[MAX_LAYERS], *W[MAX_LAYERS], *Wp[MAX_LAYERS], *b[MAX_LAYERS], *Z[MAX_LAYERS],
        *A[MAX_LAYERS], *dZ[MAX_LAYERS], *dX[MAX_LAYERS], *dW[MAX_LAYERS], *db[MAX_LAYERS];
} job;

/* The common main: for each BATCH argument, buffers, prepare(j) (may be
 * NULL), then one line per kind: run(j) timed with j->kind = 0, 1, ...;
 * kind 1 (dX) skips the first layer.  Exit 64 on bad arguments. */
static int bench_main(int argc, char **argv, const char *const *kinds, int nkinds,
                      void (*prepare)(job *), void (*run)(void *))
{
    double budget;
    shapes sh;
    const char *widths;
    int a;
    if (bench_args(argc, argv, &budget, &sh, &widths, &a) != 0)
        return 64;
    const char *only = getenv("KERN_ONLY"); /* one kind, for profiling */
    for (; a < argc; a++) {
        job j;
        memset(&j, 0, sizeof j);
        j.sh = &sh;
        j.B = atoi(argv[a]);
        if (j.B < 1)
            return 64;
        for (int l = 0; l < sh.n; l++) {
            size_t ni = (size_t)sh.in[l], no = (size_t)sh.out[l], nb = (size_t)j.B;
            j.X[l] = rand_floats(nb * ni, 1u + l);
            j.W[l] = rand_floats(no * ni, 2u + l);
            j.b[l] = rand_floats(no, 4u + l);
            j.Z[l] = rand_floats(nb * no, 5u);
            j.A[l] = rand_floats(nb * no, 6u);
            j.dZ[l] = rand_floats(nb * no, 7u + l);
            j.dX[l] = rand_floats(nb * ni, 8u);
            j.dW[l] = rand_floats(no * ni, 9u);
            j.db[l] = rand_floats(no, 10u);
        }
        if (prepare)
            prepare(&j);
        for (j.kind = 0; j.kind < nkinds; j.kind++)
            if (!only || strcmp(only, kinds[j.kind]) == 0)
                report(widths, j.B, kinds[j.kind], macs_of(&sh, j.B, j.kind == 1 ? 1 : 0),
                       time_best(run, &j, budget, CLOCK_THREAD_CPUTIME_ID));
        for (int l = 0; l < sh.n; l++) {
            free(j.X[l]); free(j.W[l]); free(j.Wp[l]); free(j.b[l]); free(j.Z[l]);
            free(j.A[l]); free(j.dZ[l]); free(j.dX[l]); free(j.dW[l]); free(j.db[l]);
        }
    }
    return 0;
}

#endif
