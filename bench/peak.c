/* peak — measured single-precision FMA peak of this CPU, per thread count.
 *
 * Usage: peak [THREADS]...      (default: 1 and the online CPU count)
 * Prints "<threads> <GFLOP/s> <isa>" per thread count.
 *
 * Each thread runs 12 independent FMA chains (enough to cover FMA latency
 * times two FMA ports) on the widest vector unit the CPU reports, chosen at
 * run time with __builtin_cpu_supports, so the probe needs no -march flag.
 * An FMA counts as 2 FLOPs; each thread's rate is over its own CPU clock
 * (the rate while it runs, whatever else shares the machine), and the
 * rates of the threads add up.  This is the arithmetic ceiling; a GEMM never
 * reaches it fully, the benchmark also reports numpy's sgemm as the
 * practical one.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CHAINS 12
/* Spelled out: at -O2 GCC neither unrolls the chain loop nor keeps the
 * array in registers, and the probe would measure store forwarding. */
#define FMA12(a, f)                                                                           \
    do {                                                                                      \
        a[0] = f(a[0], m, b); a[1] = f(a[1], m, b); a[2] = f(a[2], m, b);                     \
        a[3] = f(a[3], m, b); a[4] = f(a[4], m, b); a[5] = f(a[5], m, b);                     \
        a[6] = f(a[6], m, b); a[7] = f(a[7], m, b); a[8] = f(a[8], m, b);                     \
        a[9] = f(a[9], m, b); a[10] = f(a[10], m, b); a[11] = f(a[11], m, b);                 \
    } while (0)
static long iters = 50000000;
static volatile float sink;

__attribute__((target("avx512f"))) static double run_avx512(long n)
{
    __m512 a[CHAINS];
    __m512 m = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm512_set1_ps((float)i);
    for (long k = 0; k < n; k++)
        FMA12(a, _mm512_fmadd_ps);
    __m512 s = a[0];
    for (int i = 1; i < CHAINS; i++)
        s = _mm512_add_ps(s, a[i]);
    sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * CHAINS * (double)n;
}

__attribute__((target("avx2,fma"))) static double run_avx2(long n)
{
    __m256 a[CHAINS];
    __m256 m = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++)
        a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < n; k++)
        FMA12(a, _mm256_fmadd_ps);
    float out[8];
    __m256 s = a[0];
    for (int i = 1; i < CHAINS; i++)
        s = _mm256_add_ps(s, a[i]);
    _mm256_storeu_ps(out, s);
    sink = out[0];
    return 2.0 * 8 * CHAINS * (double)n;
}

static double run_scalar(long n)
{
    float a[CHAINS];
    for (int i = 0; i < CHAINS; i++)
        a[i] = (float)i;
    for (long k = 0; k < n; k++)
        for (int i = 0; i < CHAINS; i++)
            a[i] = a[i] * 0.999999f + 1e-7f;
    sink = a[0] + a[CHAINS - 1];
    return 2.0 * CHAINS * (double)n;
}

static const char *isa;
static double (*kernel)(long);

/* Each thread's rate while it runs: its flops over its own CPU clock
 * (CLOCK_THREAD_CPUTIME_ID), so time another process holds the core does not
 * lower the peak. */
static void *worker(void *arg)
{
    double *rate = arg;
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    double flops = kernel(iters);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    *rate = flops / ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    return NULL;
}

static double measure(int threads)
{
    pthread_t tid[64];
    double flops[64];
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (int t = 0; t < threads; t++)
            pthread_create(&tid[t], NULL, worker, &flops[t]);
        double total = 0;
        for (int t = 0; t < threads; t++) {
            pthread_join(tid[t], NULL);
            total += flops[t];
        }
        double g = total / 1e9;
        if (g > best)
            best = g;
    }
    return best;
}

int main(int argc, char **argv)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        kernel = run_avx512;
        isa = "avx512f";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        kernel = run_avx2;
        isa = "avx2+fma";
        iters *= 2;
    } else {
        kernel = run_scalar;
        isa = "scalar";
        iters /= 2;
    }
    kernel(iters / 10); /* warm up, let the clock settle */
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            int t = atoi(argv[i]);
            if (t >= 1 && t <= 64)
                printf("%d %.1f %s\n", t, measure(t), isa);
        }
    } else {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        printf("1 %.1f %s\n", measure(1), isa);
        if (ncpu > 1)
            printf("%ld %.1f %s\n", ncpu > 64 ? 64 : ncpu, measure(ncpu > 64 ? 64 : (int)ncpu), isa);
    }
    return 0;
}
