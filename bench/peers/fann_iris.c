/* fann_iris — FANN 2.2 peer for bench case 1 (compiled by run.sh when
 * libfann-dev is installed: cc -O2 fann_iris.c -lfann -lm).
 *
 * Usage: fann_iris CSV [EPOCHS] [incremental|rprop]
 *
 * Reads the same CSV as ffnn (header, 4 numeric features, integer class in
 * the last column), builds 4-16-16-3 and trains EPOCHS (150) epochs, then
 * prints one JSON line: load_s, loop_s, samples, training MSE, accuracy.
 *
 * Closest FANN can get to the Keras model, and where it cannot:
 * - FANN has no Adam, no mini-batches and no dropout.  Default training is
 *   FANN_TRAIN_RPROP (FANN's default and best batch algorithm: one update per
 *   epoch over all rows); "incremental" is per-row SGD.  Both run the same
 *   forward+backward work per row per epoch as a batch-100 Adam loop.
 * - FANN 2.2 has no ReLU; hidden units use FANN_LINEAR_PIECE (linear clipped
 *   to [0,1], the nearest cheap piecewise-linear unit), outputs FANN_SIGMOID
 *   on one-hot targets with FANN's MSE error (no softmax/cross-entropy).
 * - float32 throughout (libfann is the float build).
 */
#include <fann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fann_iris CSV [EPOCHS] [incremental|rprop]\n");
        return 64;
    }
    int epochs = argc > 2 ? atoi(argv[2]) : 150;
    int incremental = argc > 3 && strcmp(argv[3], "incremental") == 0;
    double t0 = now();
    FILE *fp = fopen(argv[1], "r");
    if (!fp) {
        perror(argv[1]);
        return 66;
    }
    char line[4096];
    if (!fgets(line, sizeof line, fp))
        return 65;
    int cap = 256, n = 0;
    float (*x)[4] = malloc(sizeof *x * (size_t)cap);
    int *lab = malloc(sizeof *lab * (size_t)cap);
    while (fgets(line, sizeof line, fp)) {
        float a, b, c, d;
        int k;
        if (sscanf(line, "%f,%f,%f,%f,%d", &a, &b, &c, &d, &k) != 5)
            continue;
        if (n == cap) {
            cap *= 2;
            x = realloc(x, sizeof *x * (size_t)cap);
            lab = realloc(lab, sizeof *lab * (size_t)cap);
        }
        x[n][0] = a, x[n][1] = b, x[n][2] = c, x[n][3] = d;
        lab[n++] = k;
    }
    fclose(fp);
    struct fann_train_data *data = fann_create_train(n, 4, 3);
    for (int r = 0; r < n; r++) {
        for (int j = 0; j < 4; j++)
            data->input[r][j] = x[r][j];
        for (int j = 0; j < 3; j++)
            data->output[r][j] = lab[r] == j ? 1.0f : 0.0f;
    }
    double load_s = now() - t0;

    struct fann *ann = fann_create_standard(4, 4, 16, 16, 3);
    srand(0);
    fann_randomize_weights(ann, -0.5f, 0.5f);
    fann_set_activation_function_hidden(ann, FANN_LINEAR_PIECE);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, incremental ? FANN_TRAIN_INCREMENTAL : FANN_TRAIN_RPROP);
    if (incremental)
        fann_set_learning_rate(ann, 0.01f);
    t0 = now();
    float mse = 0;
    for (int e = 0; e < epochs; e++) {
        if (incremental)
            fann_shuffle_train_data(data);
        mse = fann_train_epoch(ann, data);
    }
    double loop_s = now() - t0;
    int correct = 0;
    for (int r = 0; r < n; r++) {
        fann_type in[4] = {x[r][0], x[r][1], x[r][2], x[r][3]};
        fann_type *out = fann_run(ann, in);
        int best = 0;
        for (int j = 1; j < 3; j++)
            if (out[j] > out[best])
                best = j;
        correct += best == lab[r];
    }
    printf("{\"peer\": \"fann 2.2 %s\", \"load_s\": %.6f, \"loop_s\": %.6f, \"samples\": %d, "
           "\"mse\": %.5f, \"accuracy\": %.5f}\n",
           incremental ? "incremental" : "rprop", load_s, loop_s, n * epochs, mse,
           (double)correct / n);
    fann_destroy(ann);
    fann_destroy_train(data);
    free(x);
    free(lab);
    return 0;
}
