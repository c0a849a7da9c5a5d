/* ffnn — explanations as CSV, JSON and a ranked summary (see explain_io.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/explain_io.h"
#include "ffnn/json.h"
#include "internal.h"

#define BAR_WIDTH 40   /* characters of the longest bar in a summary */

static const char *const format_names[FFNN_EXPLAIN_FORMAT_COUNT] = {"csv", "json", "summary"};

FFNN_NAME_TABLE(ffnn_explain_format, ffnn_explain_format, format_names)

/* The value as written: nine significant digits, no "-0". */
static double num9(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", v == 0 ? 0.0 : v);
    return strtod(buf, NULL);
}

static void put_num(FILE *fp, double v)
{
    fprintf(fp, "%.9g", v == 0 ? 0.0 : v);
}

static void json_nums(ffnn_json_writer *w, const double *v, long n)
{
    ffnn_json_begin_array(w, true);
    for (long i = 0; i < n; i++)
        ffnn_json_number(w, num9(v[i]));
    ffnn_json_end_array(w);
}

static ffnn_status written(FILE *fp, ffnn_error *err)
{
    if (ferror(fp))
        return ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno ? errno : EIO));
    return FFNN_OK;
}

/* ---- summaries ---------------------------------------------------------------- */

/* s, then spaces to width display columns. */
static void pad(FILE *fp, const char *s, int width)
{
    fputs(s, fp);
    for (int i = ffnn_utf8_width(s); i < width; i++)
        fputc(' ', fp);
}

static void bar(FILE *fp, double v, double max)
{
    int n = max > 0 && v > 0 ? (int)lround(BAR_WIDTH * v / max) : 0;
    for (int i = 0; i < n; i++)
        fputc('#', fp);
}

/* Display width of the feature column: its heading or the longest name. */
static int name_width(char *const *names, int M)
{
    int w = ffnn_utf8_width("feature");
    for (int j = 0; j < M; j++)
        if (ffnn_utf8_width(names[j]) > w)
            w = ffnn_utf8_width(names[j]);
    return w;
}

static ffnn_status shap_summary(FILE *fp, const ffnn_shap *s, ffnn_error *err)
{
    int K = s->n_outputs, M = s->n_features;
    ffnn_shap_importance si;
    ffnn_status st = ffnn_shap_importance_compute(&si, s, err);
    if (st)
        return st;
    int *wout = ffnn_calloc((size_t)K, sizeof *wout);
    if (!wout) {
        ffnn_shap_importance_release(&si);
        return ffnn_error_nomem(err);
    }
    const double *imp = si.mean_abs, *total = si.total;
    const int *idx = si.order;
    int wname = name_width(s->feature_names, M);
    fprintf(fp, "Mean |SHAP value| per feature: %s method%s, %ld row%s, %ld background row%s, "
                "output %s%s\n",
            ffnn_shap_method_label(s), s->requested == FFNN_EXPLAIN_AUTO ? " (auto)" : "",
            s->n_rows, s->n_rows == 1 ? "" : "s",
            s->n_background, s->n_background == 1 ? "" : "s", ffnn_explain_output_name(s->output),
            K > 1 ? " (total = sum over outputs)" : "");
    fputs("rank  ", fp);
    pad(fp, "feature", wname + 2);
    if (K > 1)
        pad(fp, "total", 12);
    else
        fputs("mean|SHAP|", fp);
    if (K > 1)
        for (int k = 0; k < K; k++) {
            int w = ffnn_utf8_width(s->output_names[k]) + 2;
            wout[k] = w < 12 ? 12 : w;
            if (k < K - 1)
                pad(fp, s->output_names[k], wout[k]);
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
                pad(fp, num, wout[k]);
            }
        bar(fp, total[j], max);
        fputc('\n', fp);
    }
    free(wout);
    ffnn_shap_importance_release(&si);
    return written(fp, err);
}

static ffnn_status perm_summary(FILE *fp, const ffnn_perm_importance *p, ffnn_error *err)
{
    int M = p->n_features;
    int *idx = ffnn_calloc((size_t)M, sizeof *idx);
    if (!idx)
        return ffnn_error_nomem(err);
    ffnn_explain_order(p->mean, M, idx);
    int wname = name_width(p->feature_names, M);
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
    return written(fp, err);
}

/* ---- SHAP values ---------------------------------------------------------------- */

static ffnn_status shap_csv(FILE *fp, const ffnn_shap *s, ffnn_error *err)
{
    int K = s->n_outputs, M = s->n_features;
    const char *method = ffnn_shap_method_label(s);
    fputs("row,output,method,base_value,output_value", fp);
    for (int j = 0; j < M; j++) {
        fputc(',', fp);
        ffnn_csv_write_field(fp, s->feature_names[j]);
    }
    fputc('\n', fp);
    for (long r = 0; r < s->n_rows; r++)
        for (int k = 0; k < K; k++) {
            fprintf(fp, "%ld,", r);
            ffnn_csv_write_field(fp, s->output_names[k]);
            fprintf(fp, ",%s,", method);
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
    return written(fp, err);
}

static ffnn_status shap_json(FILE *fp, const ffnn_shap *s, ffnn_error *err)
{
    int K = s->n_outputs, M = s->n_features;
    double *imp = ffnn_calloc((size_t)K * M, sizeof *imp);
    if (!imp)
        return ffnn_error_nomem(err);
    ffnn_shap_mean_abs(s, imp);
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, fp, 2);
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "method", ffnn_explain_method_name(s->method));
    ffnn_json_key_string(&w, "requested_method", ffnn_explain_method_name(s->requested));
    ffnn_json_key_string(&w, "softmax_rule",
                         s->softmax ? ffnn_explain_softmax_rule_name(s->softmax_rule) : NULL);
    ffnn_json_key_string(&w, "output", ffnn_explain_output_name(s->output));
    ffnn_json_key_int(&w, "rows", s->n_rows);
    ffnn_json_key_int(&w, "background_rows", s->n_background);
    ffnn_json_key(&w, "features");
    ffnn_json_string_array(&w, s->feature_names, M);
    ffnn_json_key(&w, "outputs");
    ffnn_json_string_array(&w, s->output_names, K);
    ffnn_json_key(&w, "base_values");
    json_nums(&w, s->base_values, K);
    ffnn_json_key(&w, "mean_abs");
    ffnn_json_begin_array(&w, false);
    for (int k = 0; k < K; k++)
        json_nums(&w, imp + (size_t)k * M, M);
    ffnn_json_end_array(&w);
    free(imp);
    ffnn_json_key(&w, "explanations");
    ffnn_json_begin_array(&w, false);
    for (long r = 0; r < s->n_rows; r++) {
        ffnn_json_begin_object(&w, true);
        ffnn_json_key_int(&w, "row", r);
        ffnn_json_key(&w, "output_values");
        json_nums(&w, s->output_values + (size_t)r * K, K);
        ffnn_json_key(&w, "values");
        ffnn_json_begin_array(&w, true);
        for (int k = 0; k < K; k++)
            json_nums(&w, s->values + ((size_t)r * K + k) * M, M);
        ffnn_json_end_array(&w);
        ffnn_json_end_object(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_end_object(&w);
    fputc('\n', fp);
    return written(fp, err);
}

ffnn_status ffnn_explain_write_shap(FILE *fp, const ffnn_shap *s, ffnn_explain_format f,
                                    ffnn_error *err)
{
    switch (f) {
    case FFNN_EXPLAIN_FORMAT_CSV: return shap_csv(fp, s, err);
    case FFNN_EXPLAIN_FORMAT_JSON: return shap_json(fp, s, err);
    case FFNN_EXPLAIN_FORMAT_SUMMARY: return shap_summary(fp, s, err);
    default: return ffnn_error_set(err, FFNN_EUSAGE, "unknown explanation format");
    }
}

/* ---- permutation importance ----------------------------------------------------- */

static ffnn_status perm_csv(FILE *fp, const ffnn_perm_importance *p, ffnn_error *err)
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
    return written(fp, err);
}

static ffnn_status perm_json(FILE *fp, const ffnn_perm_importance *p, ffnn_error *err)
{
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, fp, 2);
    ffnn_json_begin_object(&w, false);
    ffnn_json_key_string(&w, "method", ffnn_explain_method_name(FFNN_EXPLAIN_PERMUTATION));
    ffnn_json_key_string(&w, "scoring", p->classification ? "accuracy" : "r2");
    ffnn_json_key_number(&w, "baseline", num9(p->baseline));
    ffnn_json_key_int(&w, "repeats", p->repeats);
    ffnn_json_key(&w, "seed");
    ffnn_json_uint(&w, p->seed);
    ffnn_json_key_int(&w, "rows", p->n_rows);
    ffnn_json_key(&w, "features");
    ffnn_json_begin_array(&w, false);
    for (int j = 0; j < p->n_features; j++) {
        ffnn_json_begin_object(&w, true);
        ffnn_json_key_string(&w, "name", p->feature_names[j]);
        ffnn_json_key_number(&w, "importance_mean", num9(p->mean[j]));
        ffnn_json_key_number(&w, "importance_std", num9(p->std[j]));
        ffnn_json_key(&w, "importances");
        json_nums(&w, p->importances + (size_t)j * p->repeats, p->repeats);
        ffnn_json_end_object(&w);
    }
    ffnn_json_end_array(&w);
    ffnn_json_end_object(&w);
    fputc('\n', fp);
    return written(fp, err);
}

ffnn_status ffnn_explain_write_perm(FILE *fp, const ffnn_perm_importance *p,
                                    ffnn_explain_format f, ffnn_error *err)
{
    switch (f) {
    case FFNN_EXPLAIN_FORMAT_CSV: return perm_csv(fp, p, err);
    case FFNN_EXPLAIN_FORMAT_JSON: return perm_json(fp, p, err);
    case FFNN_EXPLAIN_FORMAT_SUMMARY: return perm_summary(fp, p, err);
    default: return ffnn_error_set(err, FFNN_EUSAGE, "unknown explanation format");
    }
}
