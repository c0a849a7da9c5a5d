/* sgemm — OpenBLAS's cblas_sgemm on the products ffnn's training runs, the
 * practical ceiling for bench/kern.c's lines (same usage and output; see
 * bench/shapes.h).  Built by bench/run.sh against Debian's OpenBLAS
 * (libopenblas-dev), one thread (openblas_set_num_threads): a bench-only
 * program, never part of libffnn.
 *
 *   fwd  Z (B,O) = X (B,I) · W (O,I)ᵀ     sgemm(N, T)
 *   dx   dX (B,I) = dZ (B,O) · W (O,I)    sgemm(N, N)
 *   dw   dW (O,I) = dZ (B,O)ᵀ · X (B,I)   sgemm(T, N)
 */
#include <cblas.h>

#include "shapes.h"

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
    static const char *const kinds[3] = {"fwd", "dx", "dw"};
    openblas_set_num_threads(1);
    return bench_main(argc, argv, kinds, 3, NULL, run);
}
