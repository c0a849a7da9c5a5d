/* ffnn-explain — SHAP values and permutation importance for a model's
 * predictions, in the user's own feature columns. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "ffnn/csv.h"
#include "ffnn/explain.h"
#include "ffnn/json.h"
#include "ffnn/model_io.h"
#include "ffnn/plot_explain.h"

#define DEFAULT_BACKGROUND_SIZE 100
#define BAR_WIDTH 40

static void usage(void)
{
    ffnn_explain_options d = ffnn_explain_options_default();
    ffnn_plot_explain_options p = ffnn_plot_explain_default();
    printf("Usage: %s [OPTION]... MODEL INPUT.csv -b BACKGROUND.csv\n"
           "Explain MODEL's outputs for the rows of INPUT.csv: SHAP values (how much each\n"
           "feature column moved each output away from its mean over the background rows)\n"
           "or permutation importance.  Writes one CSV row per input row and output:\n"
           "row,output,base_value,output_value,<one column per feature>.\n\n"
           "  -m, --method=NAME        deep, exact, kernel or permutation (default %s)\n"
           "  -b, --background=FILE    background rows (needed by deep, exact, kernel)\n"
           "  -k, --background-size=K  use a seeded sample of K background rows\n"
           "                           (default %d; 0 = all rows)\n"
           "      --output=KIND        explain the model's output ('probability', default)\n"
           "                           or the output layer's pre-activation ('logit')\n"
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
           "      --max-display=N      features drawn in the charts (default %d)\n"
           "  -v, --verbose            progress on stderr even when it is not a terminal\n"
           "  -q, --quiet              no warnings\n"
           "  -h, --help               show this help and exit\n"
           "      --version            show the version and exit\n\n"
           "INPUT.csv may be '-' for standard input; permutation needs its target column.\n"
           "Exit status: 0 ok, 64 usage (also: exact with too many features), 65 bad data\n"
           "or model, 66 input missing, 71 out of memory, 73 cannot create output, 74 I/O\n"
           "error, 128+N signal N (ffnn(7)).\n",
           progname, ffnn_explain_method_name(d.method), DEFAULT_BACKGROUND_SIZE, d.repeats,
           d.exact_max_features, FFNN_EXPLAIN_EXACT_LIMIT, (unsigned long long)d.seed,
           p.max_display);
}

/* ---- printing ------------------------------------------------------------------ */

/* Nine significant digits: past float32 precision, which the model computes
 * in, without printing the double's rounding noise. */
static void put_num(FILE *fp, double v)
{
    if (v == 0)
        v = 0; /* no "-0" */
    fprintf(fp, "%.9g", v);
}

static double num9(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", v == 0 ? 0.0 : v);
    return strtod(buf, NULL);
}

static void write_shap_csv(FILE *fp, const ffnn_shap *s)
{
    int K = s->n_outputs, M = s->n_features;
    fputs("row,output,base_value,output_value", fp);
    for (int j = 0; j < M; j++) {
        fputc(',', fp);
        ffnn_csv_write_field(fp, s->feature_names[j]);
    }
    fputc('\n', fp);
    for (long r = 0; r < s->n_rows; r++)
        for (int k = 0; k < K; k++) {
            fprintf(fp, "%ld,", r);
            ffnn_csv_write_field(fp, s->output_names[k]);
            fputc(',', fp);
            put_num(fp, s->base_values[k]);
            fputc(',', fp);
            put_num(fp, s->output_values[r * K + k]);
            const double *phi = s->values + ((size_t)r * K + k) * M;
            for (int j = 0; j < M; j++) {
                fputc(',', fp);
                put_num(fp, phi[j]);
            }
            fputc('\n', fp);
        }
}

static void write_perm_csv(FILE *fp, const ffnn_perm_importance *p)
{
    fputs("feature,importance_mean,importance_std", fp);
    for (int r = 0; r < p->repeats; r++)
        fprintf(fp, ",importance_%d", r + 1);
    fputc('\n', fp);
    for (int j = 0; j < p->n_features; j++) {
        ffnn_csv_write_field(fp, p->feature_names[j]);
        fputc(',', fp);
        put_num(fp, p->mean[j]);
        fputc(',', fp);
        put_num(fp, p->std[j]);
        for (int r = 0; r < p->repeats; r++) {
            fputc(',', fp);
            put_num(fp, p->importances[(size_t)j * p->repeats + r]);
        }
        fputc('\n', fp);
    }
}

static int display_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void pad(FILE *fp, const char *s, int width)
{
    fputs(s, fp);
    for (int i = display_width(s); i < width; i++)
        fputc(' ', fp);
}

static void bar(FILE *fp, double v, double max)
{
    int n = max > 0 && v > 0 ? (int)lround(BAR_WIDTH * v / max) : 0;
    for (int i = 0; i < n; i++)
        fputc('#', fp);
}

/* Indices of n keys, largest first (ties by index). */
static int *ranking(const double *key, int n)
{
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return NULL;
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort: stable, n is small */
        int t = idx[i], j = i;
        while (j > 0 && key[idx[j - 1]] < key[t]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = t;
    }
    return idx;
}

static int print_shap_summary(FILE *fp, const ffnn_shap *s)
{
    int K = s->n_outputs, M = s->n_features;
    double *imp = calloc((size_t)K * M, sizeof *imp), *total = calloc((size_t)M, sizeof *total);
    int *idx = NULL;
    if (!imp || !total) {
        free(imp);
        free(total);
        return -1;
    }
    ffnn_shap_mean_abs(s, imp);
    for (int k = 0; k < K; k++)
        for (int j = 0; j < M; j++)
            total[j] += imp[k * M + j];
    if (!(idx = ranking(total, M))) {
        free(imp);
        free(total);
        return -1;
    }
    int wname = display_width("feature");
    for (int j = 0; j < M; j++)
        if (display_width(s->feature_names[j]) > wname)
            wname = display_width(s->feature_names[j]);
    fprintf(fp, "Mean |SHAP value| per feature: %s method, %ld row%s, %ld background row%s, "
                "output %s%s\n",
            ffnn_explain_method_name(s->method), s->n_rows, s->n_rows == 1 ? "" : "s",
            s->n_background, s->n_background == 1 ? "" : "s", ffnn_explain_output_name(s->output),
            K > 1 ? " (total = sum over outputs)" : "");
    fputs("rank  ", fp);
    pad(fp, "feature", wname + 2);
    if (K > 1)
        pad(fp, "total", 12);
    else
        fputs("mean|SHAP|", fp);
    int *wout = calloc((size_t)K, sizeof *wout);
    if (K > 1)
        for (int k = 0; k < K; k++) {
            int w = display_width(s->output_names[k]) + 2;
            if (wout)
                wout[k] = w < 12 ? 12 : w;
            if (k < K - 1)
                pad(fp, s->output_names[k], wout ? wout[k] : 12);
            else
                fputs(s->output_names[k], fp);
        }
    fputc('\n', fp);
    double max = total[idx[0]];
    char num[40];
    for (int r = 0; r < M; r++) {
        int j = idx[r];
        fprintf(fp, "%4d  ", r + 1);
        pad(fp, s->feature_names[j], wname + 2);
        snprintf(num, sizeof num, "%.6f", total[j]);
        pad(fp, num, 12);
        if (K > 1)
            for (int k = 0; k < K; k++) {
                snprintf(num, sizeof num, "%.6f", imp[k * M + j]);
                pad(fp, num, wout ? wout[k] : 12);
            }
        bar(fp, total[j], max);
        fputc('\n', fp);
    }
    free(wout);
    free(imp);
    free(total);
    free(idx);
    return 0;
}

static int print_perm_summary(FILE *fp, const ffnn_perm_importance *p)
{
    int M = p->n_features;
    int *idx = ranking(p->mean, M);
    if (!idx)
        return -1;
    int wname = display_width("feature");
    for (int j = 0; j < M; j++)
        if (display_width(p->feature_names[j]) > wname)
            wname = display_width(p->feature_names[j]);
    fprintf(fp, "Permutation importance: decrease in %s when a feature is shuffled "
                "(baseline %.6f, %d repeat%s, %ld row%s)\n",
            p->classification ? "accuracy" : "R^2", p->baseline, p->repeats,
            p->repeats == 1 ? "" : "s", p->n_rows, p->n_rows == 1 ? "" : "s");
    fputs("rank  ", fp);
    pad(fp, "feature", wname + 2);
    pad(fp, "mean", 12);
    fputs("std\n", fp);
    double max = p->mean[idx[0]];
    char num[40];
    for (int r = 0; r < M; r++) {
        int j = idx[r];
        fprintf(fp, "%4d  ", r + 1);
        pad(fp, p->feature_names[j], wname + 2);
        snprintf(num, sizeof num, "%.6f", p->mean[j] == 0 ? 0.0 : p->mean[j]);
        pad(fp, num, 12);
        snprintf(num, sizeof num, "%.6f", p->std[j]);
        pad(fp, num, 12);
        bar(fp, p->mean[j], max);
        fputc('\n', fp);
    }
    free(idx);
    return 0;
}

/* The JSON builders return NULL when out of memory. */
static cJSON *num_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(num9(v[i])))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static cJSON *str_array(char *const *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateString(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* Adds item to array a, or deletes it: false when out of memory. */
static bool push(cJSON *a, cJSON *item)
{
    if (item && cJSON_AddItemToArray(a, item))
        return true;
    cJSON_Delete(item);
    return false;
}

static cJSON *shap_json(const ffnn_shap *s)
{
    int K = s->n_outputs, M = s->n_features;
    cJSON *o = cJSON_CreateObject(), *a = NULL, *row = NULL, *vals = NULL;
    bool ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "method", ffnn_explain_method_name(s->method));
    ok = ok && cJSON_AddStringToObject(o, "output", ffnn_explain_output_name(s->output));
    ok = ok && cJSON_AddNumberToObject(o, "rows", (double)s->n_rows);
    ok = ok && cJSON_AddNumberToObject(o, "background_rows", (double)s->n_background);
    ok = ok && ffnn_json_add(o, "features", str_array(s->feature_names, M));
    ok = ok && ffnn_json_add(o, "outputs", str_array(s->output_names, K));
    ok = ok && ffnn_json_add(o, "base_values", num_array(s->base_values, K));
    double *imp = ok ? calloc((size_t)K * M, sizeof *imp) : NULL;
    ok = ok && imp && (a = cJSON_AddArrayToObject(o, "mean_abs"));
    if (ok)
        ffnn_shap_mean_abs(s, imp);
    for (int k = 0; ok && k < K; k++)
        ok = push(a, num_array(imp + (size_t)k * M, M));
    free(imp);
    ok = ok && (a = cJSON_AddArrayToObject(o, "explanations"));
    for (long r = 0; ok && r < s->n_rows; r++) {
        ok = push(a, row = cJSON_CreateObject());
        ok = ok && cJSON_AddNumberToObject(row, "row", (double)r);
        ok = ok && ffnn_json_add(row, "output_values", num_array(s->output_values + (size_t)r * K, K));
        ok = ok && (vals = cJSON_AddArrayToObject(row, "values"));
        for (int k = 0; ok && k < K; k++)
            ok = push(vals, num_array(s->values + ((size_t)r * K + k) * M, M));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *perm_json(const ffnn_perm_importance *p, uint64_t seed)
{
    cJSON *o = cJSON_CreateObject(), *fs = NULL, *f = NULL;
    bool ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "method", "permutation");
    ok = ok && cJSON_AddStringToObject(o, "scoring", p->classification ? "accuracy" : "r2");
    ok = ok && cJSON_AddNumberToObject(o, "baseline", num9(p->baseline));
    ok = ok && cJSON_AddNumberToObject(o, "repeats", p->repeats);
    ok = ok && cJSON_AddNumberToObject(o, "seed", (double)seed);
    ok = ok && cJSON_AddNumberToObject(o, "rows", (double)p->n_rows);
    ok = ok && (fs = cJSON_AddArrayToObject(o, "features"));
    for (int j = 0; ok && j < p->n_features; j++) {
        ok = push(fs, f = cJSON_CreateObject());
        ok = ok && cJSON_AddStringToObject(f, "name", p->feature_names[j]);
        ok = ok && cJSON_AddNumberToObject(f, "importance_mean", num9(p->mean[j]));
        ok = ok && cJSON_AddNumberToObject(f, "importance_std", num9(p->std[j]));
        ok = ok && ffnn_json_add(f, "importances",
                                 num_array(p->importances + (size_t)j * p->repeats, p->repeats));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- progress ------------------------------------------------------------------ */

static int on_progress(void *ctx, long done, long total)
{
    (void)ctx;
    fprintf(stderr, "\r%s: %ld/%ld", progname, done, total);
    if (done == total)
        fputc('\n', stderr);
    return 0;
}

/* ---- main --------------------------------------------------------------------- */

typedef struct {
    const char *bar_svg, *beeswarm_svg, *csv;
    bool summary, json;
    ffnn_plot_explain_options plot;
} outputs;

/* Writes path with writer(fp, ctx) into the set of outputs (committed
 * together once everything is written). */
static int stage_file(cmd_outs *st, const char *path,
                      int (*writer)(FILE *, const void *, const ffnn_plot_explain_options *, ffnn_error *),
                      const void *ctx, const ffnn_plot_explain_options *po)
{
    ffnn_error err;
    cmd_out *o = cmd_outs_open(st, path, &err);
    if (!o)
        return cmd_fail(&err);
    if (writer(o->fp, ctx, po, &err)) {
        if (err.status == FFNN_EIO && strncmp(err.msg, "write error", 11) == 0)
            ffnn_error_prefix(&err, "%s", path);
        return cmd_fail(&err);
    }
    return 0;
}

/* The end of a report: after a failure (rc) the staged files are removed;
 * else standard output is flushed and the files renamed into place. */
static int finish_report(cmd_outs *st, int rc)
{
    ffnn_error err;
    if (!rc)
        rc = cmd_flush_stdout();
    if (rc) {
        cmd_outs_abort(st);
        return rc;
    }
    return cmd_outs_commit(st, &err) ? cmd_fail(&err) : 0;
}

static int w_bar(FILE *fp, const void *ctx, const ffnn_plot_explain_options *po, ffnn_error *err)
{
    return ffnn_plot_shap_bar_write(fp, ctx, po, err);
}
static int w_swarm(FILE *fp, const void *ctx, const ffnn_plot_explain_options *po, ffnn_error *err)
{
    return ffnn_plot_shap_beeswarm_write(fp, ctx, po, err);
}
static int w_pbar(FILE *fp, const void *ctx, const ffnn_plot_explain_options *po, ffnn_error *err)
{
    return ffnn_plot_perm_bar_write(fp, ctx, po, err);
}
static int w_csv(FILE *fp, const void *ctx, const ffnn_plot_explain_options *po, ffnn_error *err)
{
    (void)po;
    write_shap_csv(fp, ctx);
    return ferror(fp) ? ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno ? errno : EIO)) : 0;
}
static int w_pcsv(FILE *fp, const void *ctx, const ffnn_plot_explain_options *po, ffnn_error *err)
{
    (void)po;
    write_perm_csv(fp, ctx);
    return ferror(fp) ? ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno ? errno : EIO)) : 0;
}


static int print_json(cJSON *j)
{
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!text)
        return cmd_nomem();
    fputs(text, stdout);
    fputc('\n', stdout);
    free(text);
    return 0;
}

static int report_shap(const ffnn_shap *s, const outputs *out)
{
    cmd_outs st = {.n = 0};
    bool csv_file = out->csv && strcmp(out->csv, "-") != 0;
    int rc = out->bar_svg ? stage_file(&st, out->bar_svg, w_bar, s, &out->plot) : 0;
    if (!rc && out->beeswarm_svg)
        rc = stage_file(&st, out->beeswarm_svg, w_swarm, s, &out->plot);
    if (!rc && csv_file)
        rc = stage_file(&st, out->csv, w_csv, s, NULL);
    if (!rc && out->json)
        rc = print_json(shap_json(s));
    else if (!rc && out->summary)
        rc = print_shap_summary(stdout, s) ? cmd_nomem() : 0;
    else if (!rc && !csv_file)
        write_shap_csv(stdout, s);
    return finish_report(&st, rc);
}

static int report_perm(const ffnn_perm_importance *p, const outputs *out, uint64_t seed)
{
    cmd_outs st = {.n = 0};
    bool csv_file = out->csv && strcmp(out->csv, "-") != 0;
    int rc = out->bar_svg ? stage_file(&st, out->bar_svg, w_pbar, p, &out->plot) : 0;
    if (!rc && csv_file)
        rc = stage_file(&st, out->csv, w_pcsv, p, NULL);
    if (!rc && out->json)
        rc = print_json(perm_json(p, seed));
    else if (!rc && out->summary)
        rc = print_perm_summary(stdout, p) ? cmd_nomem() : 0;
    else if (!rc && !csv_file)
        write_perm_csv(stdout, p);
    return finish_report(&st, rc);
}

int main(int argc, char **argv)
{
    enum {
        OPT_OUTPUT = 256, OPT_EXACT_LIMIT, OPT_SUMMARY, OPT_JSON, OPT_BAR, OPT_SWARM,
        OPT_MAX_DISPLAY, OPT_VERSION
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
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    ffnn_explain_options opt = ffnn_explain_options_default();
    outputs out;
    memset(&out, 0, sizeof out);
    out.plot = ffnn_plot_explain_default();
    const char *background = NULL;
    long bgsize = DEFAULT_BACKGROUND_SIZE, v;
    int c;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    opt.threads = ncpu < 1 ? 1 : ncpu > FFNN_EXPLAIN_MAX_THREADS ? FFNN_EXPLAIN_MAX_THREADS : (int)ncpu;

    cmd_init(argv[0]);
    while ((c = getopt_long(argc, argv, ":m:b:k:n:r:s:j:o:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if ((v = ffnn_explain_method_parse(optarg)) < 0)
                return cmd_usage_error("unknown method '%s' (deep, exact, kernel, permutation)", optarg);
            opt.method = (ffnn_explain_method)v;
            break;
        case 'b': background = optarg; break;
        case 'k':
            if (!cmd_parse_long(optarg, 0, 1L << 40, &bgsize))
                return cmd_usage_error("invalid background size '%s' (need an integer >= 0)", optarg);
            break;
        case OPT_OUTPUT:
            if ((v = ffnn_explain_output_parse(optarg)) < 0)
                return cmd_usage_error("unknown output '%s' (probability or logit)", optarg);
            opt.output = (ffnn_explain_output)v;
            break;
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
        case 'v': cmd_verbose++; break;
        case 'q': cmd_quiet = true; break;
        case 'h': usage(); return 0;
        case OPT_VERSION: cmd_version(); return 0;
        default: return cmd_bad_option(c, argv);
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
    if (perm && out.beeswarm_svg)
        return cmd_usage_error("--beeswarm-svg needs SHAP values; permutation importance has none");
    if (background && strcmp(background, "-") == 0 && strcmp(input, "-") == 0)
        return cmd_usage_error("INPUT and BACKGROUND cannot both be standard input");
    if (perm && background)
        cmd_warn("--background is not used by the permutation method");

    ffnn_error err;
    ffnn_model *m = NULL;
    ffnn_table tin, tbg;
    ffnn_data din, dbg;
    ffnn_shap s;
    ffnn_perm_importance p;
    long *rows = NULL;
    int rc = 0;
    memset(&tin, 0, sizeof tin);
    memset(&tbg, 0, sizeof tbg);
    memset(&din, 0, sizeof din);
    memset(&dbg, 0, sizeof dbg);
    memset(&s, 0, sizeof s);
    memset(&p, 0, sizeof p);

    const cmd_file files[] = {{"--bar-svg", out.bar_svg, true}, {"--beeswarm-svg", out.beeswarm_svg, true},
                              {"-o", out.csv, true}, {"MODEL", model_path, false},
                              {"INPUT.csv", input, false}, {"-b", background, false}};
    if ((rc = cmd_check_distinct(files, 6)))
        goto done;
    const char *const paths[] = {out.bar_svg, out.beeswarm_svg, out.csv};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i] && cmd_check_output(paths[i], &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
    if (ffnn_model_load(&m, model_path, &err)) {
        rc = cmd_fail(&err);
        goto done;
    }
    int M = ffnn_explain_n_features(m);
    if (opt.method == FFNN_EXPLAIN_EXACT && M > opt.exact_max_features) {
        rc = cmd_failf(64,
                       "--method exact: the model has %d features, more than %d (2^%d coalitions "
                       "per row); use --method kernel%s",
                       M, opt.exact_max_features, M,
                       M <= FFNN_EXPLAIN_EXACT_LIMIT ? " or raise --exact-limit" : "");
        goto done;
    }
    if (ffnn_table_load(&tin, input, false, &err) ||
        ffnn_data_from_table(&din, &m->prep, &tin, NULL, 0, perm, &err)) {
        rc = cmd_fail(&err);
        goto done;
    }
    if (!perm) {
        if (ffnn_table_load(&tbg, background, false, &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
        long nb = tbg.nrows;
        if (!(rows = malloc((size_t)nb * sizeof *rows))) {
            rc = cmd_nomem();
            goto done;
        }
        nb = ffnn_explain_sample_rows(nb, bgsize, opt.seed, rows);
        if (ffnn_data_from_table(&dbg, &m->prep, &tbg, rows, nb, false, &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
    }
    if (cmd_progress_enabled()) {
        opt.progress = on_progress;
        opt.progress_ctx = NULL;
    }
    if (perm) {
        if (ffnn_explain_permutation(m, din.X, din.y, din.n, &opt, &p, &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
        rc = report_perm(&p, &out, opt.seed);
    } else {
        if (ffnn_explain_shap(m, din.X, din.n, dbg.X, dbg.n, &opt, &s, &err)) {
            rc = cmd_fail(&err);
            goto done;
        }
        rc = report_shap(&s, &out);
    }
done:
    free(rows);
    ffnn_shap_release(&s);
    ffnn_perm_importance_release(&p);
    ffnn_data_release(&din);
    ffnn_data_release(&dbg);
    ffnn_table_release(&tin);
    ffnn_table_release(&tbg);
    ffnn_model_destroy(m);
    return rc;
}
