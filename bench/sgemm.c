/* sgemm — OpenBLAS's cblas_sgemm on the products ffnn's training runs, the
 * practical ceiling for bench/kern.c's lines (same usage and output; see
 * bench/shapes.h).  Built by bench/run.sh against Debian's OpenBLAS
 * (libopenblas-dev), one thread (OPENBLAS_NUM_THREADS=1): a bench-only
 * program, never part of libffnn.
 *
 *   fwd  Z (B,O) = X (B,I) · W (O,I)ᵀ     sgemm(N, T)
 *   dx   dX (B,I) = dZ (B,O) · W (O,I)    sgemm(N, N)
 *   dw   dW (O,I) = dZ (B,O)ᵀ · X (B,I)   sgemm(T, N)
 */
#include <cblas.h>

#include "shapes.h"

typedef struct {
    const shapes *sh;
    int B, kind;
    float *X[MAX_LAYERS], *W[MAX_LAYERS], *Z[MAX_LAYERS], *dZ[MAX_LAYERS], *dX[MAX_LAYERS],
        *dW[MAX_LAYERS];
} job;

static void run(void *ctx)
{
    job *j = ctx;
    int B = j->B;
    for (int l = 0; l < j->sh->n; l++) {
        /* ni, no: not I, O (complex.h, via cblas.h, defines I) */
        int ni = j->sh->in[l], no = j->sh->out[l];
        if (j->kind == 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, no, ni, 1.0f, j->X[l], ni, j->W[l], ni,
                        0.0f, j->Z[l], no);
        else if (j->kind == 1 && l > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, ni, no, 1.0f, j->dZ[l], no, j->W[l],
                        ni, 0.0f, j->dX[l], ni);
        else if (j->kind == 2)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, ni, B, 1.0f, j->dZ[l], no, j->X[l], ni,
                        0.0f, j->dW[l], ni);
    }
}

int main(int argc, char **argv)
{
    double budget;
    shapes sh;
    const char *widths;
    int a;
    if (bench_args(argc, argv, &budget, &sh, &widths, &a) != 0)
        return 64;
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
            j.dZ[l] = rand_floats(nb * no, 3u + l);
            j.Z[l] = rand_floats(nb * no, 4u);
            j.dX[l] = rand_floats(nb * ni, 5u);
            j.dW[l] = rand_floats(no * ni, 6u);
        }
        static const char *kinds[3] = {"fwd", "dx", "dw"};
        for (j.kind = 0; j.kind < 3; j.kind++)
            report(widths, j.B, kinds[j.kind],
                   macs_of(&sh, j.B, j.kind == 1 ? 1 : 0), time_best(run, &j, budget, CLOCK_THREAD_CPUTIME_ID));
        for (int l = 0; l < sh.n; l++) {
            free(j.X[l]); free(j.W[l]); free(j.dZ[l]); free(j.Z[l]); free(j.dX[l]); free(j.dW[l]);
        }
    }
    return 0;
}
