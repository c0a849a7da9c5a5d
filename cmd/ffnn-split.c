/* ffnn-split — seeded train/test split of a CSV file, optionally stratified. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/dataset.h"
#include "ffnn/model_io.h"

#define DEFAULT_TEST_FRACTION 0.25
#define DEFAULT_SEED 0

static void usage(void)
{
    printf("Usage: %s [OPTION]... INPUT TRAIN_OUT TEST_OUT\n"
           "Split the rows of a CSV file into a training and a test file.\n"
           "Rows are shuffled with a seeded generator and written unchanged.\n\n"
           "  -t, --test-fraction=F  share of rows for the test file (default %g)\n"
           "  -s, --seed=N           shuffle seed (default %d)\n"
           "      --stratify         keep class shares equal in both files\n"
           "  -T, --target=NAME      class column for --stratify (default: last column)\n",
           progname, DEFAULT_TEST_FRACTION, DEFAULT_SEED);
    cmd_help_common(CMD_QUIET, 22);
    printf("\nINPUT may be '-' for standard input.  Exit status: 0 ok, 64 usage, 65 bad data,\n"
           "66 input missing, 71 out of memory, 73 cannot create output, 74 I/O error,\n"
           "128+N signal N (see ffnn(7)).\n");
}

/* Writes the rows into the set of outputs (renamed into place together). */
static int write_part(cmd_outs *outs, const ffnn_table *t, const char *path, const long *rows, long n)
{
    ffnn_error err;
    cmd_out *o = cmd_outs_open(outs, path, &err);
    if (!o)
        return cmd_fail(&err);
    if (ffnn_table_write(t, o->fp, rows, n) != 0)
        return cmd_write_error(path);
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_STRATIFY = 256 };
    static const struct option longopts[] = {
        {"test-fraction", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"stratify", no_argument, NULL, OPT_STRATIFY},
        {"target", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"t:s:T:", longopts, CMD_QUIET, usage};
    double frac = DEFAULT_TEST_FRACTION;
    uint64_t seed = DEFAULT_SEED;
    bool stratify = false;
    const char *target = NULL;
    int c, rc = 0;

    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 't':
            if (!cmd_parse_double(optarg, 0.0, 1.0, &frac) || frac <= 0.0 || frac >= 1.0)
                return cmd_usage_error("invalid test fraction '%s' (need 0 < F < 1)", optarg);
            break;
        case 's':
            if (!cmd_parse_u64(optarg, &seed))
                return cmd_usage_error("invalid seed '%s' (need a non-negative integer)", optarg);
            break;
        case 'T': target = optarg; break;
        case OPT_STRATIFY: stratify = true; break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    if (argc - optind != 3)
        return cmd_usage_error("expected INPUT TRAIN_OUT TEST_OUT, got %d argument%s", argc - optind,
                               argc - optind == 1 ? "" : "s");
    const char *in = argv[optind], *train_out = argv[optind + 1], *test_out = argv[optind + 2];
    if (strcmp(train_out, "-") == 0 && strcmp(test_out, "-") == 0)
        return cmd_usage_error("TRAIN_OUT and TEST_OUT cannot both be standard output");
    /* Writing over the input, or both parts to one file, would lose rows. */
    const cmd_file files[] = {
        {"TRAIN_OUT", train_out, true}, {"TEST_OUT", test_out, true}, {"INPUT", in, false}};
    if ((rc = cmd_check_distinct(files, 3)))
        return rc;
    if (target && !stratify)
        cmd_warn("--target has no effect without --stratify");

    ffnn_error err;
    ffnn_table t;
    if (cmd_check_output(train_out, &err) || cmd_check_output(test_out, &err))
        return cmd_fail(&err);
    if (ffnn_table_load(&t, in, false, &err))
        return cmd_fail(&err);
    if (t.nrows < 2) {
        /* One row would leave TRAIN_OUT with none. */
        int st = cmd_failf(FFNN_EDATA, "%s: 1 data row; a split needs at least 2", t.source);
        ffnn_table_release(&t);
        return st;
    }
    long n = t.nrows, ntr = 0, nte = 0;
    long *tr = calloc((size_t)n, sizeof *tr), *te = calloc((size_t)n, sizeof *te);
    int *strata = NULL;
    if (!tr || !te) {
        rc = cmd_nomem();
        goto out;
    }
    if (stratify) {
        int col = target ? ffnn_table_col(&t, target) : t.ncols - 1;
        if (col < 0) {
            rc = cmd_failf(FFNN_EUSAGE, "--target: \"%s\" is not a column of %s", target, t.source);
            goto out;
        }
        /* Stratum = index of the label among the distinct labels, in order of
         * first appearance. */
        strata = calloc((size_t)n, sizeof *strata);
        char **seen = calloc((size_t)n, sizeof *seen);
        int nseen = 0;
        if (!strata || !seen) {
            free(seen);
            rc = cmd_nomem();
            goto out;
        }
        for (long i = 0; i < n; i++) {
            const char *v = t.cells[i * t.ncols + col];
            int k = 0;
            while (k < nseen && strcmp(seen[k], v) != 0)
                k++;
            if (k == nseen)
                seen[nseen++] = (char *)v;
            strata[i] = k;
        }
        free(seen);
    }
    ffnn_rng rng;
    ffnn_rng_init(&rng, seed, FFNN_RNG_SPLIT, 0);
    if (ffnn_split_indices(n, frac, strata, &rng, tr, &ntr, te, &nte, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    cmd_outs outs = {.n = 0};
    if ((rc = write_part(&outs, &t, train_out, tr, ntr)) ||
        (rc = write_part(&outs, &t, test_out, te, nte))) {
        cmd_outs_abort(&outs);
        goto out;
    }
    if (cmd_outs_commit(&outs, &err))
        rc = cmd_fail(&err);
out:
    free(tr);
    free(te);
    free(strata);
    ffnn_table_release(&t);
    return rc;
}
