/* ffnn-predict — predictions CSV for the rows of a CSV file. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/model_io.h"
#include "ffnn/predict.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... MODEL [INPUT.csv|-]\n"
           "Predict the rows of INPUT.csv (default: standard input) with MODEL and write\n"
           "the predictions CSV: the target column when INPUT has it, `prediction`, and\n"
           "for classification one probability column p_<class> per class.\n\n"
           "  -k, --keep=COL,...     copy these columns through first (identifiers)\n"
           "  -o, --output=FILE      write to FILE (atomically) instead of standard output\n"
           "  -j, --threads=N        threads (default: all %ld CPUs); the output does not\n"
           "                         depend on N\n"
           "      --strict-categories  a value that is none of a categorical feature's\n"
           "                         categories is an error (default: encoded as all\n"
           "                         zeros, with a warning per column)\n",
           progname, cmd_cpu_count());
    cmd_help_common(CMD_QUIET, 22);
    printf("\nInput columns are matched to the model's features by name; extra columns are\n"
           "ignored.  Memory use does not grow with the input length.\n"
           "Exit status: 0 ok, 64 usage, 65 bad data or model, 66 input missing,\n"
           "71 out of memory, 73 cannot create output, 74 I/O error, 128+N signal N\n"
           "(see ffnn(7)).\n");
}

int main(int argc, char **argv)
{
    enum { OPT_STRICT = 256 };
    static const struct option longopts[] = {
        {"keep", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 'j'},
        {"strict-categories", no_argument, NULL, OPT_STRICT},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"k:o:j:", longopts, CMD_QUIET, usage};
    const char *keep = NULL, *output = "-";
    long threads = cmd_cpu_count();
    bool strict = false;
    int c, rc = 0;
    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'k': keep = optarg; break;
        case 'o': output = optarg; break;
        case 'j':
            if ((rc = cmd_parse_threads(optarg, &threads)))
                return rc;
            break;
        case OPT_STRICT: strict = true; break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2)
        return cmd_usage_error("expected MODEL [INPUT.csv], got %d argument%s", nargs, nargs == 1 ? "" : "s");
    const char *model_path = argv[optind], *input = nargs == 2 ? argv[optind + 1] : "-";
    const cmd_file files[] = {{"-o", output, true}, {"MODEL", model_path, false},
                              {"INPUT.csv", input, false}};
    if ((rc = cmd_check_distinct(files, 3)))
        return rc;

    ffnn_error err;
    ffnn_model *m = NULL;
    ffnn_predict_options opt = ffnn_predict_options_default();
    /* A column kept twice would be written twice under one name. */
    if (keep && !(opt.keep = cmd_split_list(keep, &opt.n_keep)))
        return cmd_nomem();
    for (int i = 0; i < opt.n_keep; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(opt.keep[i], opt.keep[j]) == 0) {
                rc = cmd_usage_error("--keep names the column \"%s\" twice", opt.keep[i]);
                cmd_free_list(opt.keep, opt.n_keep);
                return rc;
            }
    long *unseen = NULL;
    FILE *in = NULL;
    cmd_out o = {0};
    if (ffnn_model_load(&m, model_path, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    opt.threads = (int)threads;
    opt.unseen_error = strict;
    if (!(opt.unseen = unseen = calloc((size_t)m->prep.n_columns + 1, sizeof *unseen))) {
        rc = cmd_nomem();
        goto out;
    }
    if (!(in = cmd_open_input(input, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (cmd_out_open(&o, output, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (ffnn_predict_stream(m, in, cmd_input_name(input), o.fp, &opt, NULL, &err)) {
        /* Read errors already name the input; write errors name nothing. */
        if (err.status == FFNN_EIO && strncmp(err.msg, "write error", 11) == 0)
            ffnn_error_prefix(&err, "%s", cmd_output_name(output));
        cmd_out_abort(&o);
        rc = cmd_fail(&err);
        goto out;
    }
    if (cmd_out_commit(&o, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    for (int k = 0; k < m->prep.n_columns; k++)
        if (unseen[k] > 0)
            cmd_warn("%s: column \"%s\": %ld value%s not among the model's categories, "
                     "encoded as all zeros (--strict-categories refuses them)",
                     cmd_input_name(input), m->prep.columns[k].name, unseen[k],
                     unseen[k] == 1 ? " is" : "s are");
out:
    if (in && in != stdin)
        fclose(in);
    cmd_free_list(opt.keep, opt.n_keep);
    free(unseen);
    ffnn_model_destroy(m);
    return rc;
}
