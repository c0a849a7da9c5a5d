/* ffnn-export — a model, preprocessing included, in another format (ONNX). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "ffnn/export.h"
#include "ffnn/model_io.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... MODEL [OUT.onnx|-]\n"
           "Write MODEL, preprocessing included, as one ONNX graph: raw feature values in\n"
           "(X: numeric columns as double, NaN for missing; C: categorical columns as\n"
           "strings), and out what ffnn-predict prints (label and probabilities, or\n"
           "value).  OUT defaults to MODEL's name with .onnx, in the current directory;\n"
           "- is standard output (not a terminal).\n\n"
           "  -f, --format=FORMAT    output format: onnx (the default and only one;\n"
           "                         IR version %d, opsets ai.onnx %d and ai.onnx.ml %d)\n",
           progname, FFNN_ONNX_IR_VERSION, FFNN_ONNX_OPSET, FFNN_ONNX_ML_OPSET);
    cmd_help_common(0, 22);
    printf("\nExit status: 0 ok, 64 usage, 65 bad model file, 66 model missing, 71 out of\n"
           "memory, 73 cannot create output, 74 write error, 128+N signal N (see ffnn(7)).\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"f:", longopts, 0, usage};
    int format = FFNN_EXPORT_ONNX, c, rc = 0;
    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'f':
            if ((format = ffnn_export_format_parse(optarg)) < 0)
                return cmd_usage_error("unknown format '%s' (formats: onnx)", optarg);
            break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    int nargs = argc - optind;
    if (nargs < 1 || nargs > 2)
        return cmd_usage_error("expected MODEL [OUT.onnx], got %d argument%s", nargs, nargs == 1 ? "" : "s");
    const char *model_path = argv[optind];
    char *out_alloc = NULL;
    const char *output = nargs == 2 ? argv[optind + 1] : (out_alloc = cmd_default_name(model_path, ".onnx"));
    if (!output)
        return cmd_nomem();
    const cmd_file files[] = {{"OUT.onnx", output, true}, {"MODEL", model_path, false}};
    if ((rc = cmd_check_distinct(files, 2))) {
        free(out_alloc);
        return rc;
    }
    if (strcmp(output, "-") == 0 && isatty(STDOUT_FILENO)) {
        free(out_alloc);
        return cmd_usage_error("not writing binary ONNX to a terminal; give OUT.onnx or redirect");
    }

    ffnn_error err;
    ffnn_model *m = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    cmd_out o = {0};
    if (ffnn_model_load(&m, model_path, &err) ||
        ffnn_export_serialize(m, (ffnn_export_format)format, &buf, &len, &err) ||
        cmd_out_open(&o, output, &err)) {
        cmd_out_abort(&o);
        rc = cmd_fail(&err);
        goto out;
    }
    if (fwrite(buf, 1, len, o.fp) != len) {
        rc = cmd_write_error(output); /* before the abort changes errno */
        cmd_out_abort(&o);
        goto out;
    }
    if (cmd_out_commit(&o, &err))
        rc = cmd_fail(&err);
out:
    free(buf);
    free(out_alloc);
    ffnn_model_destroy(m);
    return rc;
}
