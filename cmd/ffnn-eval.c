/* ffnn-eval — metrics of a predictions CSV (or of a model on a labelled CSV)
 * as text, JSON or one number; SVG charts; pass/fail bars for make and cron. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "ffnn/num.h"
#include "ffnn/eval.h"
#include "ffnn/model_io.h"
#include "ffnn/predict.h"

/* Exit status when a --fail-under/--fail-over bar is not met. */
#define EXIT_BAR 1

static void usage(void)
{
    printf("Usage: %s [OPTION]... [PREDICTIONS.csv|-]\n"
           "  or:  %s -m MODEL [OPTION]... [LABELLED.csv|-]\n"
           "  or:  %s --history HISTORY.csv --curve-svg FILE\n"
           "Evaluate predictions (the CSV ffnn-predict writes: the true label column,\n"
           "`prediction`, and p_<class> probabilities for a classifier), or predict the\n"
           "labelled rows with MODEL first.  Prints scikit-learn's metrics: accuracy,\n"
           "balanced accuracy, per-class precision/recall/F1/support with macro and\n"
           "weighted averages, confusion matrix, log loss, ROC-AUC and subset accuracy\n"
           "(p_ >= 0.5 against one-hot labels); for regression MAE, MSE, RMSE, R2, max\n"
           "error and median absolute error.\n\n"
           "  -m, --model=MODEL        predict LABELLED.csv with MODEL, then evaluate\n"
           "      --threads=N          threads for -m's predictions (default: all %ld\n"
           "                           CPUs); the results do not depend on N\n"
           "  -j, --json               print all metrics as one JSON object\n"
           "  -M, --metric=NAME        print one metric's value only (accuracy, f1_macro,\n"
           "                           roc_auc, subset_accuracy, recall:CLASS, rmse,\n"
           "                           r2, ...)\n"
           "  -T, --target=NAME        the true-label column (default: the column just\n"
           "                           before `prediction`; with -m the model's target)\n"
           "      --task=TASK          classification or regression (default: p_ columns\n"
           "                           mean classification)\n"
           "      --fail-under=METRIC=VALUE  exit %d when METRIC < VALUE (repeatable)\n"
           "      --fail-over=METRIC=VALUE   exit %d when METRIC > VALUE (repeatable)\n"
           "      --confusion-svg=FILE confusion-matrix heatmap\n"
           "      --roc-svg=FILE       ROC curve(s) with AUC\n"
           "      --history=FILE       a history CSV from ffnn-train --history\n"
           "      --curve-svg=FILE     learning curve of the history's metric (and val_)\n"
           "      --curve-metric=NAME  the history column to plot (default: accuracy or\n"
           "                           mae, whichever the history has; or loss)\n"
           "  -o, --output=FILE        write the report to FILE (atomically)\n",
           progname, progname, progname, cmd_cpu_count(), EXIT_BAR, EXIT_BAR);
    cmd_help_common(CMD_QUIET, 24);
    printf("\nWith --history and no PREDICTIONS operand only the curve is drawn; give `-`\n"
           "to also evaluate standard input.  Exit status: 0 ok, %d a bar not met,\n"
           "64 usage, 65 bad data, 66 input missing, 71 out of memory, 73 cannot create\n"
           "output, 74 I/O error, 128+N signal N (see ffnn-eval(1)).\n",
           EXIT_BAR);
}

typedef struct {
    char *metric;
    double value;
    bool over;   /* --fail-over: fail when the metric is above value */
} bar;

/* "METRIC=VALUE" -> b; false on bad syntax. */
static bool parse_bar(const char *s, bool over, bar *b)
{
    const char *eq = strrchr(s, '=');
    if (!eq || eq == s || !cmd_parse_double(eq + 1, -INFINITY, INFINITY, &b->value))
        return false;
    b->metric = strndup(s, (size_t)(eq - s));
    b->over = over;
    return b->metric != NULL;
}

/* Writes one SVG file with fn into the set of outputs (committed together
 * once everything is written). */
typedef ffnn_status (*svg_fn)(FILE *, const ffnn_eval_result *, const ffnn_eval_data *,
                              ffnn_error *);
static int write_svg(cmd_outs *outs, const char *path, svg_fn fn, const ffnn_eval_result *r,
                     const ffnn_eval_data *d)
{
    ffnn_error err;
    cmd_out *o = cmd_outs_open(outs, path, &err);
    if (!o)
        return cmd_fail(&err);
    if (fn(o->fp, r, d, &err)) {
        if (err.status == FFNN_EIO)
            ffnn_error_prefix(&err, "%s", path);
        return cmd_fail(&err);
    }
    return 0;
}

static int write_curve(cmd_outs *outs, const char *hist_path, const char *svg_path,
                       const char *metric)
{
    ffnn_error err;
    ffnn_eval_table t;
    FILE *in = cmd_open_input(hist_path, &err);
    if (!in)
        return cmd_fail(&err);
    ffnn_status st = ffnn_eval_table_read(&t, in, cmd_input_name(hist_path), &err);
    if (in != stdin)
        fclose(in);
    if (st)
        return cmd_fail(&err);
    int rc = 0;
    cmd_out *o = cmd_outs_open(outs, svg_path, &err);
    if (!o) {
        rc = cmd_fail(&err);
    } else if (ffnn_eval_curve_svg(o->fp, &t, metric, &err)) {
        if (err.status != FFNN_EIO)
            ffnn_error_prefix(&err, "%s", hist_path);
        rc = cmd_fail(&err);
    }
    ffnn_eval_table_release(&t);
    return rc;
}

/* Runs the model over in and leaves the predictions CSV in a memory buffer
 * (*buf, *len; malloc'd).  Sets *target to the model's target name unless
 * already set. */
static int predict_to_memory(const char *model_path, FILE *in, const char *name, long threads,
                             char **buf, size_t *len, char **target)
{
    ffnn_error err;
    ffnn_model *m = NULL;
    if (ffnn_model_load(&m, model_path, &err))
        return cmd_fail(&err);
    FILE *mem = open_memstream(buf, len);
    if (!mem) {
        ffnn_model_destroy(m);
        return cmd_nomem();
    }
    /* Labels are checked against the model here, where the input's line
     * and column are known. */
    ffnn_predict_options opt = ffnn_predict_options_default();
    opt.check_target = true;
    opt.threads = (int)threads;
    ffnn_status st = ffnn_predict_stream(m, in, name, mem, &opt, NULL, &err);
    if (fclose(mem) != 0 && !st)
        st = ffnn_error_nomem(&err);
    if (!st && m->prep.target && !*target && !(*target = strdup(m->prep.target)))
        st = ffnn_error_nomem(&err);
    ffnn_model_destroy(m);
    if (st)
        return cmd_fail(&err);
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_TASK = 256, OPT_FAIL_UNDER, OPT_FAIL_OVER, OPT_CONFUSION, OPT_ROC, OPT_HISTORY,
        OPT_CURVE, OPT_CURVE_METRIC, OPT_THREADS
    };
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"metric", required_argument, NULL, 'M'},
        {"target", required_argument, NULL, 'T'},
        {"task", required_argument, NULL, OPT_TASK},
        {"fail-under", required_argument, NULL, OPT_FAIL_UNDER},
        {"fail-over", required_argument, NULL, OPT_FAIL_OVER},
        {"confusion-svg", required_argument, NULL, OPT_CONFUSION},
        {"roc-svg", required_argument, NULL, OPT_ROC},
        {"history", required_argument, NULL, OPT_HISTORY},
        {"curve-svg", required_argument, NULL, OPT_CURVE},
        {"curve-metric", required_argument, NULL, OPT_CURVE_METRIC},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    static const cmd_options opts = {"m:jM:T:o:", longopts, CMD_QUIET, usage};
    const char *model = NULL, *metric = NULL, *output = "-", *confusion_svg = NULL,
               *roc_svg = NULL, *history = NULL, *curve_svg = NULL, *curve_metric = NULL;
    char *target = NULL;
    bool json = false;
    long threads = cmd_cpu_count();
    ffnn_eval_mode mode = FFNN_EVAL_AUTO;
    bar *bars = NULL;
    int nbars = 0, c, rc = 0;
    ffnn_error err;
    ffnn_eval_data d;
    ffnn_eval_result r;
    bool have_d = false, have_r = false;
    char *buf = NULL;
    size_t len = 0;
    cmd_out o = {0};
    cmd_outs outs = {.n = 0};   /* the SVG files, committed with the report */
    FILE *in = NULL;

    cmd_init(argv[0]);
    while ((c = cmd_getopt(argc, argv, &opts, &rc)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'j': json = true; break;
        case 'M': metric = optarg; break;
        case 'T':
            free(target);
            target = strdup(optarg);
            break;
        case OPT_TASK:
            if (strcmp(optarg, "classification") == 0)
                mode = FFNN_EVAL_FORCE_CLASSIFICATION;
            else if (strcmp(optarg, "regression") == 0)
                mode = FFNN_EVAL_FORCE_REGRESSION;
            else {
                rc = cmd_usage_error("--task: expected classification or regression, got \"%s\"",
                                     optarg);
                goto out;
            }
            break;
        case OPT_FAIL_UNDER:
        case OPT_FAIL_OVER: {
            bar *nb = realloc(bars, (size_t)(nbars + 1) * sizeof *nb);
            if (!nb) {
                rc = cmd_nomem();
                goto out;
            }
            bars = nb;
            if (!parse_bar(optarg, c == OPT_FAIL_OVER, &bars[nbars])) {
                rc = cmd_usage_error("--%s: expected METRIC=NUMBER, got \"%s\"",
                                     c == OPT_FAIL_OVER ? "fail-over" : "fail-under", optarg);
                goto out;
            }
            nbars++;
            break;
        }
        case OPT_CONFUSION: confusion_svg = optarg; break;
        case OPT_ROC: roc_svg = optarg; break;
        case OPT_HISTORY: history = optarg; break;
        case OPT_CURVE: curve_svg = optarg; break;
        case OPT_CURVE_METRIC: curve_metric = optarg; break;
        case OPT_THREADS:
            if ((rc = cmd_parse_threads(optarg, &threads)))
                return rc;
            break;
        case 'o': output = optarg; break;
        case CMD_OPT_EXIT: goto out;
        }
    }
    int nargs = argc - optind;
    if (nargs > 1)
        rc = cmd_usage_error("expected at most one input file, got %d", nargs);
    else if (json && metric)
        rc = cmd_usage_error("--json and --metric exclude each other");
    else if ((history != NULL) != (curve_svg != NULL))
        rc = cmd_usage_error("--history and --curve-svg go together");
    else if (curve_metric && !curve_svg)
        rc = cmd_usage_error("--curve-metric needs --history and --curve-svg");
    if (rc)
        goto out;
    const cmd_file files[] = {
        {"-o", output, true}, {"--confusion-svg", confusion_svg, true}, {"--roc-svg", roc_svg, true},
        {"--curve-svg", curve_svg, true},
        {model ? "LABELLED.csv" : "PREDICTIONS.csv", nargs ? argv[optind] : NULL, false},
        {"-m", model, false}, {"--history", history, false}};
    if ((rc = cmd_check_distinct(files, 7)))
        goto out;
    const char *const paths[] = {output, confusion_svg, roc_svg, curve_svg};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i] && cmd_check_output(paths[i], &err)) {
            rc = cmd_fail(&err);
            goto out;
        }

    if (curve_svg) {
        if ((rc = write_curve(&outs, history, curve_svg, curve_metric)))
            goto out;
        if (nargs == 0 && !model) {   /* only the curve */
            if (cmd_outs_commit(&outs, &err))
                rc = cmd_fail(&err);
            goto out;
        }
    }

    const char *input = nargs ? argv[optind] : "-";
    const char *name = cmd_input_name(input);
    if (!(in = cmd_open_input(input, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (model) {
        rc = predict_to_memory(model, in, name, threads, &buf, &len, &target);
        if (in != stdin)
            fclose(in);
        in = NULL;
        if (rc)
            goto out;
        if (!(in = fmemopen(buf, len ? len : 1, "r"))) {
            rc = cmd_nomem();
            goto out;
        }
        if (len == 0)
            fseek(in, 0, SEEK_END);
    }
    ffnn_eval_read_options ro = {target, mode};
    ffnn_status st = ffnn_eval_data_read(&d, in, name, &ro, &err);
    if (in != stdin)
        fclose(in);
    in = NULL;
    if (st) {
        if (model && target && strstr(err.msg, "(--target)"))
            ffnn_error_set(&err, FFNN_EDATA, "%s: no column \"%s\" (the model's target)", name,
                           target);
        rc = cmd_fail(&err);
        goto out;
    }
    have_d = true;
    if (ffnn_eval_compute(&r, &d, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    have_r = true;

    /* Check every metric name before writing anything. */
    double one = NAN;
    if (metric && ffnn_eval_metric(&r, &d, metric, &one, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }
    for (int i = 0; i < nbars; i++) {
        double v;
        if (ffnn_eval_metric(&r, &d, bars[i].metric, &v, &err)) {
            rc = cmd_fail(&err);
            goto out;
        }
    }

    if (confusion_svg && d.task == FFNN_EVAL_REGRESSION) {
        rc = cmd_failf(FFNN_EDATA, "--confusion-svg: a confusion matrix needs a classifier's predictions");
        goto out;
    }
    if (roc_svg && !d.proba) {
        rc = cmd_failf(FFNN_EDATA, "--roc-svg: ROC curves need class probabilities (p_ columns)");
        goto out;
    }

    if ((confusion_svg && (rc = write_svg(&outs, confusion_svg, ffnn_eval_confusion_svg, &r, &d))) ||
        (roc_svg && (rc = write_svg(&outs, roc_svg, ffnn_eval_roc_svg, &r, &d))))
        goto out;
    if (cmd_out_open(&o, output, &err)) {
        cmd_out_abort(&o);
        rc = cmd_fail(&err);
        goto out;
    }
    int wr;
    if (metric) {
        char nb[32];
        wr = fprintf(o.fp, "%s\n", isnan(one) ? "nan" : ffnn_format_double(nb, one)) < 0;
    } else if (json) {
        wr = ffnn_eval_write_json(o.fp, &r, &d);
    } else {
        wr = ffnn_eval_write_report(o.fp, &r, &d);
    }
    if (wr) {
        cmd_out_abort(&o);
        rc = cmd_write_error(output);
        goto out;
    }
    if (cmd_out_commit(&o, &err) || cmd_outs_commit(&outs, &err)) {
        rc = cmd_fail(&err);
        goto out;
    }

    for (int i = 0; i < nbars; i++) {
        double v;
        char vb[32], bb[32];
        ffnn_eval_metric(&r, &d, bars[i].metric, &v, &err);
        bool bad = isnan(v) || (bars[i].over ? v > bars[i].value : v < bars[i].value);
        if (!bad)
            continue;
        cmd_failf(EXIT_BAR, "%s %s is %s %s", bars[i].metric,
                  isnan(v) ? "undefined" : ffnn_format_double(vb, v),
                  isnan(v) ? "against the bar" : bars[i].over ? "over" : "under",
                  ffnn_format_double(bb, bars[i].value));
        rc = EXIT_BAR;
    }
out:
    cmd_outs_abort(&outs);
    if (in && in != stdin)
        fclose(in);
    if (have_r)
        ffnn_eval_result_release(&r);
    if (have_d)
        ffnn_eval_data_release(&d);
    free(buf);
    free(target);
    for (int i = 0; i < nbars; i++)
        free(bars[i].metric);
    free(bars);
    return rc;
}
