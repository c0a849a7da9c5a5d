/* bench/ingest — the training-data reader alone: reads a CSV with
 * ffnn_ingest_load (default preprocessing) on THREADS threads and prints one
 * JSON line with the seconds inside the call, the input and matrix sizes,
 * and the peak RSS of the process.  Built by bench/run.sh against
 * build/libffnn.a.
 *
 *   ingest FILE THREADS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include "ffnn/ingest.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ingest FILE THREADS\n");
        return 64;
    }
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = atoi(argv[2]);
    ffnn_prep p;
    ffnn_data d;
    ffnn_error err;
    struct timespec t0, t1;
    struct stat sb;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ffnn_ingest_load(&d, &p, argv[1], NULL, &io, &err)) {
        fprintf(stderr, "ingest: %s\n", err.msg);
        return 65;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("{\"seconds\": %.6f, \"input_bytes\": %lld, \"matrix_bytes\": %lld, \"peak_rss_kb\": %ld}\n",
           s, stat(argv[1], &sb) == 0 ? (long long)sb.st_size : -1LL,
           (long long)d.n * d.d * (long long)sizeof(float), ru.ru_maxrss);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    return 0;
}
