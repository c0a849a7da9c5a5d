/* ffnn-explain — SHAP values and permutation importance for a model's
 * predictions, in the user's own feature columns. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/explain.h"
#include "ffnn/explain_io.h"
#include "ffnn/model_io.h"
#include "ffnn/plot_explain.h"

static void usage(void)
{
    ffnn_explain_options d = ffnn_explain_options_default();
    ffnn_plot_explain_options p = ffnn_plot_explain_default();
    printf("Usage: %s [OPTION]... MODEL INPUT.csv -b BACKGROUND.csv\n"
           "Explain MODEL's outputs for the rows of INPUT.csv: SHAP values (how much each\n"
           "feature column moved each output away from its mean over the background rows)\n"
           "or permutation importance.  Writes one CSV row per input row and output:\n"
           "row,output,base_value,output_value,<one column per feature>.\n\n"
           "  -m, --method=NAME        auto, deep, exact, kernel or permutation (default %s:\n"
           "                           exact when it is cheap, else deep)\n"
           "  -b, --background=FILE    background rows (needed by all but permutation)\n"
           "  -k, --background-size=K  use a seeded sample of K background rows\n"
           "                           (default %ld; 0 = all rows)\n"
           "      --output=KIND        explain the model's output ('probability', default)\n"
           "                           or the output layer's pre-activation ('logit')\n"
           "      --softmax-rule=RULE  deep through a softmax: as shap does for TensorFlow\n"
           "                           ('tf', default) or PyTorch ('torch')\n"
           "  -n, --nsamples=N         kernel: coalitions per row (default 2M+2048,\n"
           "                           at most 2^M-2, which is exact)\n"
           "  -r, --repeats=N          permutation: shuffles per feature (default %d)\n"
           "      --exact-limit=M      exact: most features allowed (default %d, at most %d)\n"
           "  -s, --seed=N             seed for sampling and shuffles (default %llu)\n"
           "  -j, --jobs=N             threads (default: one per CPU); same output for any N\n"
           "      --summary            print features ranked by importance instead of the CSV\n"
           "      --json               print JSON instead of the CSV\n"
           "  -o, --csv=FILE           write the CSV to FILE (atomically)\n"
           "      --bar-svg=FILE       bar chart of mean |SHAP| (or of importances)\n"
           "      --beeswarm-svg=FILE  beeswarm chart of the SHAP values\n"
           "      --row-svg=FILE       bar chart of one row's signed SHAP values for one\n"
           "                           output (--row, --class)\n"
           "      --row=N              the row for --row-svg: 0-based data row (default 0)\n"
           "      --class=NAME         the output for --row-svg: a class name, or the\n"
           "                           output's name as the CSV gives it (default: the first)\n"
           "      --max-display=N      features drawn in the charts (default %d)\n",
           progname, ffnn_explain_method_name(d.method), d.background_size, d.repeats,
           d.exact_max_features, FFNN_EXPLAIN_EXACT_LIMIT, (unsigned long long)d.seed,
           p.max_display);
    cmd_help_common(CMD_VERBOSE | CMD_QUIET, 24);
    printf("\nINPUT.csv may be '-' for standard input; permutation needs its target column.\n"
           "Exit status: 0 ok, 64 usage (also: exact with too many features), 65 bad data\n"
           "or model, 66 input missing, 71 out of memory, 73 cannot create output, 74 I/O\n"
           "error, 128+N signal N (ffnn(7)).\n");
}

static int on_progress(void *ctx, long done, long total)
{
    (void)ctx;
    fprintf(stderr, "\r%s: %ld/%ld", progname, done, total);
    if (done == total)
        fputc('\n', stderr);
    return 0;
}

/* ---- reporting ------------------------------------------------------------------ */

typedef struct {
    const char *bar_svg, *beeswarm_svg, *row_svg, *csv;
    long row;           /* --row */
    int output;         /* --class, as an output index */
    bool summary, json;
    ffnn_plot_explain_options plot;
} outputs;

/* The explanation: SHAP values or permutation importances. */
typedef struct {
    const ffnn_shap *shap;              /* or NULL */
    const ffnn_perm_importance *perm;   /* or NULL */
} result;

/* A text format of explain_io.h, or a chart. */
enum { CHART_BAR = FFNN_EXPLAIN_FORMAT_COUNT, CHART_BEESWARM, CHART_ROW };

static ffnn_status write_result(FILE *fp, const result *r, int what, const outputs *out,
                                ffnn_error *err)
{
    const ffnn_plot_explain_options *po = &out->plot;
    switch (what) {
    case CHART_ROW: return ffnn_plot_shap_row_write(fp, r->shap, out->row, out->output, po, err);
    case CHART_BAR:
        return r->shap ? ffnn_plot_shap_bar_write(fp, r->shap, po, err)
                       : ffnn_plot_perm_bar_write(fp, r->perm, po, err);
    case CHART_BEESWARM: return ffnn_plot_shap_beeswarm_write(fp, r->shap, po, err);
    default:
        return r->shap ? ffnn_explain_write_shap(fp, r->shap, (ffnn_explain_format)what, err)
                       : ffnn_explain_write_perm(fp, r->perm, (ffnn_explain_format)what, err);
    }
}

/* Writes `what` to path, a file staged in st (renamed into place with the
 * others at the end), or to standard output when path is NULL. */
static int write_out(cmd_outs *st, const char *path, const result *r, int what,
                     const outputs *out)
{
    ffnn_error err;
    FILE *fp = stdout;
    if (path) {
        cmd_out *o = cmd_outs_open(st, path, &err);
        if (!o)
            return cmd_fail(&err);
        fp = o->fp;
    }
    if (write_result(fp, r, what, out, &err)) {
        if (err.status == FFNN_EIO && strncmp(err.msg, "write error", 11) == 0)
            ffnn_error_prefix(&err, "%s", path ? path : "<stdout>");
        return cmd_fail(&err);
    }
    return 0;
}

/* The charts and the CSV file first, then standard output (JSON, the
 * summary, or the CSV when it has no file); after a failure the staged
 * files are removed, else standard output is flushed and the files renamed
 * into place. */
static int report(const result *r, const outputs *out)
{
    ffnn_error err;
    cmd_outs st = {.n = 0};
    bool csv_file = out->csv && strcmp(out->csv, "-") != 0;
    int rc = out->bar_svg ? write_out(&st, out->bar_svg, r, CHART_BAR, out) : 0;
    if (!rc && out->beeswarm_svg)
        rc = write_out(&st, out->beeswarm_svg, r, CHART_BEESWARM, out);
    if (!rc && out->row_svg)
        rc = write_out(&st, out->row_svg, r, CHART_ROW, out);
    if (!rc && csv_file)
        rc = write_out(&st, out->csv, r, FFNN_EXPLAIN_FORMAT_CSV, out);
    if (!rc && (out->json || out->summary || !csv_file))
        rc = write_out(&st, NULL, r,
                       out->json      ? FFNN_EXPLAIN_FORMAT_JSON
                       : out->summary ? FFNN_EXPLAIN_FORMAT_SUMMARY
                                      : FFNN_EXPLAIN_FORMAT_CSV,
                       out);
    if (!rc)
        rc = cmd_flush_stdout();
    if (rc) {
        cmd_outs_abort(&st);
        return rc;
    }
    return cmd_outs_commit(&st, &err) ? cmd_fail(&err) : 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_OUTPUT = 256, OPT_EXACT_LIMIT, OPT_SUMMARY, OPT_JSON, OPT_BAR, OPT_SWARM,
        OPT_MAX_DISPLAY, OPT_SOFTMAX_RULE, OPT_ROW_SVG, OPT_ROW, OPT_CLASS
    };
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},
        {"background", required_argument, NULL, 'b'},
        {"background-size", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"nsamples", required_argument, NULL, 'n'},
        {"repeats", required_argument, NULL, 'r'},
        {"exact-limit", required_argument, NULL, OPT_EXACT_LIMIT},
        {"seed", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"summary", no_argument, NULL, OPT_SUMMARY},
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, 'o'},
        {"bar-svg", required_argument, NULL, OPT_BAR},
        {"beeswarm-svg", required_argument, NULL, OPT_SWARM},
        {"max-display", required_argument, NULL, OPT_MAX_DISPLAY},
        {"softmax-rule", required_argument, NULL, OPT_SOFTMAX_RULE},
        {"row-svg", required_argument, NULL, OPT_ROW_SVG},
        {"row", required_argument, NULL, OPT_ROW},
        {"class", required_argument, NULL, OPT_CLASS},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"m:b:k:n:r:s:j:o:", longopts, CMD_VERBOSE | CMD_QUIET, usage};
    ffnn_explain_options opt = ffnn_explain_options_default();
    outputs out = {.plot = ffnn_plot_explain_default()};
    const char *background = NULL, *class_name = NULL;
    bool row_given = false;
    long v;
    int c, rc = 0;
    long ncpu = cmd_cpu_count();
    opt.threads = ncpu > FFNN_EXPLAIN_MAX_THREADS ? FFNN_EXPLAIN_MAX_THREADS : (int)ncpu;

    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'm':
            if ((v = ffnn_explain_method_parse(optarg)) < 0)
                return cmd_usage_error("unknown method '%s' (auto, deep, exact, kernel, permutation)",
                                       optarg);
            opt.method = (ffnn_explain_method)v;
            break;
        case 'b': background = optarg; break;
        case 'k':
            if (!cmd_parse_long(optarg, 0, 1L << 40, &opt.background_size))
                return cmd_usage_error("invalid background size '%s' (need an integer >= 0)", optarg);
            break;
        case OPT_OUTPUT:
            if ((v = ffnn_explain_output_parse(optarg)) < 0)
                return cmd_usage_error("unknown output '%s' (probability or logit)", optarg);
            opt.output = (ffnn_explain_output)v;
            break;
        case OPT_SOFTMAX_RULE:
            if ((v = ffnn_explain_softmax_rule_parse(optarg)) < 0)
                return cmd_usage_error("unknown softmax rule '%s' (tf or torch)", optarg);
            opt.softmax_rule = (ffnn_explain_softmax_rule)v;
            break;
        case OPT_ROW_SVG: out.row_svg = optarg; break;
        case OPT_ROW:
            if (!cmd_parse_long(optarg, 0, 1L << 40, &out.row))
                return cmd_usage_error("invalid row '%s' (need an integer >= 0)", optarg);
            row_given = true;
            break;
        case OPT_CLASS: class_name = optarg; break;
        case 'n':
            if (!cmd_parse_long(optarg, 1, 1L << 40, &opt.nsamples))
                return cmd_usage_error("invalid nsamples '%s' (need an integer >= 1)", optarg);
            break;
        case 'r':
            if (!cmd_parse_long(optarg, 1, 100000, &v))
                return cmd_usage_error("invalid repeats '%s' (need 1 to 100000)", optarg);
            opt.repeats = (int)v;
            break;
        case OPT_EXACT_LIMIT:
            if (!cmd_parse_long(optarg, 1, FFNN_EXPLAIN_EXACT_LIMIT, &v))
                return cmd_usage_error("invalid exact limit '%s' (need 1 to %d)", optarg,
                                       FFNN_EXPLAIN_EXACT_LIMIT);
            opt.exact_max_features = (int)v;
            break;
        case 's':
            if (!cmd_parse_u64(optarg, &opt.seed))
                return cmd_usage_error("invalid seed '%s' (need a non-negative integer)", optarg);
            break;
        case 'j':
            if (!cmd_parse_long(optarg, 1, FFNN_EXPLAIN_MAX_THREADS, &v))
                return cmd_usage_error("invalid jobs '%s' (need 1 to %d)", optarg,
                                       FFNN_EXPLAIN_MAX_THREADS);
            opt.threads = (int)v;
            break;
        case OPT_SUMMARY: out.summary = true; break;
        case OPT_JSON: out.json = true; break;
        case 'o': out.csv = optarg; break;
        case OPT_BAR: out.bar_svg = optarg; break;
        case OPT_SWARM: out.beeswarm_svg = optarg; break;
        case OPT_MAX_DISPLAY:
            if (!cmd_parse_long(optarg, 1, 1000, &v))
                return cmd_usage_error("invalid max display '%s' (need 1 to 1000)", optarg);
            out.plot.max_display = (int)v;
            break;
        case CMD_OPT_EXIT: return rc;
        }
    }
    int nargs = argc - optind;
    if (nargs != 2)
        return cmd_usage_error("expected MODEL INPUT.csv, got %d argument%s", nargs,
                               nargs == 1 ? "" : "s");
    const char *model_path = argv[optind], *input = argv[optind + 1];
    bool perm = opt.method == FFNN_EXPLAIN_PERMUTATION;
    if (out.summary && out.json)
        return cmd_usage_error("--summary and --json both print on standard output; choose one");
    if (!perm && !background)
        return cmd_usage_error("the %s method needs background rows: -b BACKGROUND.csv",
                               ffnn_explain_method_name(opt.method));
    if (perm && (out.beeswarm_svg || out.row_svg))
        return cmd_usage_error("--%s needs SHAP values; permutation importance has none",
                               out.beeswarm_svg ? "beeswarm-svg" : "row-svg");
    if (!out.row_svg && (row_given || class_name))
        cmd_warn("--%s is only used by --row-svg", row_given ? "row" : "class");
    if (background && strcmp(background, "-") == 0 && strcmp(input, "-") == 0)
        return cmd_usage_error("INPUT and BACKGROUND cannot both be standard input");
    if (perm && background)
        cmd_warn("--background is not used by the permutation method");

    ffnn_error err;
    ffnn_model *m = NULL;
    ffnn_table tin = {0}, tbg = {0};
    ffnn_data din = {0}, dbg = {0};
    ffnn_shap s = {0};
    ffnn_perm_importance p = {0};

    const cmd_file files[] = {{"--bar-svg", out.bar_svg, true},
                              {"--beeswarm-svg", out.beeswarm_svg, true},
                              {"--row-svg", out.row_svg, true},
                              {"-o", out.csv, true}, {"MODEL", model_path, false},
                              {"INPUT.csv", input, false}, {"-b", background, false}};
    if ((rc = cmd_check_distinct(files, 7)))
        goto done;
    const char *const paths[] = {out.bar_svg, out.beeswarm_svg, out.row_svg, out.csv};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i] && cmd_check_output(paths[i], &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
    if (ffnn_model_load(&m, model_path, &err) || ffnn_explain_check(m, &opt, &err)) {
        rc = cmd_fail(&err);
        goto done;
    }
    if (out.row_svg && class_name && ffnn_explain_find_output(m, class_name, &out.output, &err)) {
        ffnn_error_prefix(&err, "--class");
        rc = cmd_fail(&err);
        goto done;
    }
    if (ffnn_table_load(&tin, input, false, &err) ||
        ffnn_data_from_table(&din, &m->prep, &tin, NULL, 0, perm, &err) ||
        (!perm && (ffnn_table_load(&tbg, background, false, &err) ||
                   ffnn_explain_background(&dbg, m, &tbg, &opt, &err)))) {
        rc = cmd_fail(&err);
        goto done;
    }
    if (out.row_svg && out.row >= din.n) {
        rc = cmd_usage_error("--row %ld: %s has %ld data row%s", out.row, input, din.n,
                             din.n == 1 ? "" : "s");
        goto done;
    }
    if (cmd_progress_enabled()) {
        opt.progress = on_progress;
        opt.progress_ctx = NULL;
    }
    if (perm ? ffnn_explain_permutation(m, din.X, din.y, din.n, &opt, &p, &err)
             : ffnn_explain_shap(m, din.X, din.n, dbg.X, dbg.n, &opt, &s, &err)) {
        rc = cmd_fail(&err);
        goto done;
    }
    rc = report(&(result){perm ? NULL : &s, perm ? &p : NULL}, &out);
done:
    ffnn_shap_release(&s);
    ffnn_perm_importance_release(&p);
    ffnn_data_release(&din);
    ffnn_data_release(&dbg);
    ffnn_table_release(&tin);
    ffnn_table_release(&tbg);
    ffnn_model_destroy(m);
    return rc;
}
