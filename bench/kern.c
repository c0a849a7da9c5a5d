/* kern — ffnn's three products on a model's shapes, one thread, beside
 * bench/sgemm.c's OpenBLAS lines (same usage and output, see
 * bench/shapes.h), and the optimizer step on its own.
 *
 *   fwd  W packed (ffnn_mat_pack, once per batch as training does), then
 *        Z = X·Wᵀ + b with relu fused (ffnn_mat_xwt_packed)
 *   pack the packing alone (its GFLOP/s: of the product it serves)
 *   dx   dX = dZ·W gated by relu (ffnn_mat_dzw_gated)
 *   dw   dW = dZᵀ·X, db = Σ dZ (ffnn_mat_dw_rows, all rows)
 *
 * kern -a N [THREADS]...: one Adam step over N parameters (w, g, m, v:
 * 4 arrays read, 3 written) per thread count, as "adam <N> <threads>
 * <ms per step> <GB/s>" (28·N bytes moved per step).
 * kern -b N [THREADS]...: the same four arrays read and three written with
 * one addition each (m += g, v += w, w += g), split over the pool the same
 * way: the memory's speed for Adam's pattern, as "stream <N> <threads> <ms>
 * <GB/s>".
 *
 * Links build/libffnn.a; built by bench/run.sh.
 */
#include "ffnn/mat.h"
#include "ffnn/optim.h"
#include "ffnn/pool.h"

#include "shapes.h"

static void pack_buffers(job *j)
{
    for (int l = 0; l < j->sh->n; l++)
        j->Wp[l] = rand_floats(ffnn_mat_packed_size(j->sh->in[l], j->sh->out[l]), 3u);
}

static void run(void *ctx)
{
    job *j = ctx;
    int B = j->B;
    for (int l = 0; l < j->sh->n; l++) {
        int I = j->sh->in[l], O = j->sh->out[l];
        if (j->kind == 0 || j->kind == 3)
            ffnn_mat_pack(j->Wp[l], j->W[l], I, O, 0, ffnn_mat_panels(O));
        if (j->kind == 0) {
            ffnn_mat_xwt_packed(j->Z[l], j->A[l], j->X[l], j->Wp[l], j->b[l], B, I, O, 0, O);
        } else if (j->kind == 1 && l > 0) {
            ffnn_mat_dzw_gated(j->dX[l], j->dZ[l], j->W[l], NULL, j->X[l], B, O, I, 0, I);
        } else if (j->kind == 2) {
            ffnn_mat_dw_rows(j->dW[l], j->db[l], j->dZ[l], j->X[l], B, O, I, 0, O, false);
        }
    }
}

typedef struct {
    ffnn_optim *o;
    float *w, *g;
    ffnn_pool *pool;
} adam_job;

static void adam_run(void *ctx)
{
    adam_job *j = ctx;
    ffnn_optim_step_pool(j->o, j->w, j->g, j->pool);
}

typedef float v16 __attribute__((vector_size(64)));

typedef struct {
    float *w, *g, *m, *v;
    size_t n;
    ffnn_pool *pool;
} stream_job;

static void stream_part(void *ctx, int part, int parts)
{
    stream_job *j = ctx;
    size_t chunk = (j->n / (size_t)parts + 15) & ~(size_t)15;
    size_t b = (size_t)part * chunk, e = b + chunk < j->n ? b + chunk : j->n;
    for (size_t i = b; i + 16 <= e; i += 16) {
        v16 w, g, m, v;
        memcpy(&w, j->w + i, 64);
        memcpy(&g, j->g + i, 64);
        memcpy(&m, j->m + i, 64);
        memcpy(&v, j->v + i, 64);
        m += g;
        v += w;
        w += g;
        memcpy(j->m + i, &m, 64);
        memcpy(j->v + i, &v, 64);
        memcpy(j->w + i, &w, 64);
    }
}

static void stream_run(void *ctx)
{
    stream_job *j = ctx;
    ffnn_pool_run(j->pool, ffnn_pool_threads(j->pool), stream_part, j);
}

static int stream_main(int argc, char **argv)
{
    long n = atol(argv[2]) & ~15L;
    if (n < 16)
        return 64;
    stream_job j = {rand_floats((size_t)n, 1), rand_floats((size_t)n, 2), rand_floats((size_t)n, 3),
                    rand_floats((size_t)n, 4), (size_t)n, NULL};
    ffnn_error err;
    for (int a = 3; a < argc || a == 3; a++) {
        int t = a < argc ? atoi(argv[a]) : 1;
        j.pool = NULL;
        if (t > 1 && ffnn_pool_create(&j.pool, t, &err) != FFNN_OK)
            return 71;
        double s = time_best(stream_run, &j, 1.0, t > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID);
        printf("stream %ld %d %.3f %.1f\n", n, t, s * 1e3, 28.0 * (double)n / s / 1e9);
        fflush(stdout);
        ffnn_pool_destroy(j.pool);
    }
    free(j.w); free(j.g); free(j.m); free(j.v);
    return 0;
}

static int adam_main(int argc, char **argv)
{
    long n = atol(argv[2]);
    if (n < 1)
        return 64;
    ffnn_optim_spec spec = ffnn_optim_default(FFNN_OPTIM_ADAM);
    ffnn_optim o;
    ffnn_error err;
    if (ffnn_optim_init(&o, &spec, (size_t)n, &err) != FFNN_OK)
        return 71;
    float *w = rand_floats((size_t)n, 1), *g = rand_floats((size_t)n, 2);
    for (int a = 3; a < argc || a == 3; a++) {
        int t = a < argc ? atoi(argv[a]) : 1;
        ffnn_pool *pool = NULL;
        if (t > 1 && ffnn_pool_create(&pool, t, &err) != FFNN_OK)
            return 71;
        adam_job j = {&o, w, g, pool};
        /* one thread: its CPU clock (robust on a shared machine); more: wall */
        double s = time_best(adam_run, &j, 1.0, t > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID);
        printf("adam %ld %d %.3f %.1f\n", n, t, s * 1e3, 28.0 * (double)n / s / 1e9);
        fflush(stdout);
        ffnn_pool_destroy(pool);
    }
    ffnn_optim_release(&o);
    free(w);
    free(g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "-a") == 0)
        return adam_main(argc, argv);
    if (argc >= 3 && strcmp(argv[1], "-b") == 0)
        return stream_main(argc, argv);
    static const char *const kinds[4] = {"fwd", "dx", "dw", "pack"};
    return bench_main(argc, argv, kinds, 4, pack_buffers, run);
}
