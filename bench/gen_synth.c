/* gen_synth — seeded synthetic classification CSV for the benchmark.
 *
 * Usage: gen_synth [-n ROWS | -m MEGABYTES] [-f FEATURES] [-k CLASSES] [-s SEED] > out.csv
 *
 * Header f0,...,f{F-1},label; each row draws a class uniformly, then
 * x = centroid[class] + N(0,1) noise, centroids N(0, 0.35^2) per feature
 * (classes overlap, so the task is learnable but not trivial).  Values are
 * printed with 5 decimals (about 9.5 bytes each).  The same arguments always
 * give the same bytes (splitmix64 + Box-Muller, no libc rand).  -m writes rows
 * until the output reaches that many MB (10^6 bytes); the default is
 * -n 100000 -f 64 -k 10 -s 42.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint64_t state;

static uint64_t next_u64(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(void) /* (0,1) */
{
    return ((double)(next_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double gauss(void)
{
    static int have;
    static double spare;
    if (have) {
        have = 0;
        return spare;
    }
    double u = uniform(), v = uniform();
    double r = sqrt(-2.0 * log(u));
    spare = r * sin(2.0 * M_PI * v);
    have = 1;
    return r * cos(2.0 * M_PI * v);
}

int main(int argc, char **argv)
{
    long rows = 100000, nf = 64, nk = 10;
    double mb = 0;
    unsigned long long seed = 42;
    int c;
    while ((c = getopt(argc, argv, "n:m:f:k:s:")) != -1) {
        switch (c) {
        case 'n': rows = atol(optarg); break;
        case 'm': mb = atof(optarg); break;
        case 'f': nf = atol(optarg); break;
        case 'k': nk = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: gen_synth [-n ROWS | -m MB] [-f FEATURES] [-k CLASSES] [-s SEED]\n");
            return 2;
        }
    }
    if (nf < 1 || nk < 2 || rows < 0) {
        fprintf(stderr, "gen_synth: need FEATURES >= 1, CLASSES >= 2, ROWS >= 0\n");
        return 2;
    }
    state = seed;
    double *cent = malloc(sizeof *cent * (size_t)(nf * nk));
    if (!cent)
        return 1;
    for (long i = 0; i < nf * nk; i++)
        cent[i] = 0.35 * gauss();

    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    long long bytes = 0;
    for (long j = 0; j < nf; j++)
        bytes += printf("f%ld,", j);
    bytes += printf("label\n");
    for (long r = 0; mb > 0 ? bytes < (long long)(mb * 1e6) : r < rows; r++) {
        long k = (long)(uniform() * (double)nk);
        if (k >= nk)
            k = nk - 1;
        for (long j = 0; j < nf; j++)
            bytes += printf("%.5f,", cent[k * nf + j] + gauss());
        bytes += printf("%ld\n", k);
    }
    free(cent);
    return fflush(stdout) == 0 ? 0 : 1;
}
