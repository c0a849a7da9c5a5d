/* ffnn — SHAP bar and beeswarm charts, permutation-importance bars, drawn
 * with the plot.h primitives. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/plot.h"
#include "ffnn/plot_explain.h"
#include "internal.h"

#define NAME_FONT 12.0
#define MAX_NAME_PX 300.0
#define BAR_COLOR "#008bfb"  /* shap's bar blue */
#define NEG_COLOR "#ff0051"  /* shap's red */
#define ZERO_LINE "#999999"

ffnn_plot_explain_options ffnn_plot_explain_default(void)
{
    ffnn_plot_explain_options o = {NULL, 10, 760};
    return o;
}

static ffnn_plot_explain_options resolve(const ffnn_plot_explain_options *opt)
{
    ffnn_plot_explain_options o = opt ? *opt : ffnn_plot_explain_default();
    if (o.max_display < 1)
        o.max_display = 10;
    if (o.width < 320)
        o.width = o.width <= 0 ? 760 : 320;
    return o;
}

/* Three significant digits, locale-independent. */
static char *fmt_sig(char buf[32], double v)
{
    double av = fabs(v);
    double step = av > 0 ? pow(10, floor(log10(av)) - 2) : 0.001;
    return ffnn_plot_format_tick(buf, v, step);
}

/* Rows drawn for M features: all when they fit, else max_display-1 features
 * and a "Sum of N other features" row. */
static int shown_features(int M, int max_display)
{
    return M <= max_display ? M : max_display - 1;
}

static double names_width(char *const *names, const int *order, int nshow, bool other)
{
    double w = other ? ffnn_plot_text_width("Sum of 9999 other features", NAME_FONT) : 0;
    for (int i = 0; i < nshow; i++) {
        double t = ffnn_plot_text_width(names[order[i]], NAME_FONT);
        if (t > w)
            w = t;
    }
    return w > MAX_NAME_PX ? MAX_NAME_PX : w;
}

/* The frame of a horizontal bar chart `width` px wide: the names in a
 * column namew wide on the left, `rows` rows of rowh px from `top`, `right`
 * px to the right of it for value labels; at least 100 px of plot. */
static ffnn_plot_frame bar_frame(double width, double namew, int rows, double rowh, double top,
                                 double right)
{
    ffnn_plot_frame f;
    f.left = 16 + namew + 12;
    f.top = top;
    f.width = width - f.left - right;
    if (f.width < 100)
        f.width = 100;
    f.height = rows * rowh;
    return f;
}

static void other_label(char *buf, size_t n, int count)
{
    snprintf(buf, n, "Sum of %d other feature%s", count, count == 1 ? "" : "s");
}

/* The method as titles name it: "exact", "deep:tf", ", auto" added when
 * auto chose it. */
static char *method_text(char buf[48], const ffnn_shap *s)
{
    snprintf(buf, 48, "%s%s", ffnn_shap_method_label(s),
             s->requested == FFNN_EXPLAIN_AUTO ? ", auto" : "");
    return buf;
}

/* ---- bar --------------------------------------------------------------------- */

ffnn_status ffnn_plot_shap_bar_write(FILE *fp, const ffnn_shap *s,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err)
{
    ffnn_plot_explain_options o = resolve(opt);
    int M = s->n_features, K = s->n_outputs;
    if (M < 1 || K < 1 || s->n_rows < 1)
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot");
    ffnn_shap_importance si;
    ffnn_status st = ffnn_shap_importance_compute(&si, s, err);
    if (st)
        return st;
    ffnn_plot_legend_item *items = ffnn_calloc((size_t)K, sizeof *items);
    if (!items) {
        ffnn_shap_importance_release(&si);
        return ffnn_error_nomem(err);
    }
    const double *imp = si.mean_abs, *total = si.total;
    const int *order = si.order;
    int nshow = shown_features(M, o.max_display), rest = M - nshow;
    int rows = nshow + (rest > 0);
    double xmax = 0;
    double other_total = 0;
    for (int i = nshow; i < M; i++)
        other_total += total[order[i]];
    for (int j = 0; j < M; j++)
        if (total[j] > xmax)
            xmax = total[j];
    if (other_total > xmax)
        xmax = other_total;
    if (!(xmax > 0))
        xmax = 1;
    /* Room on the right for the stacked chart's legend, which sits over the
     * shortest (bottom) bars. */
    if (K > 1)
        xmax *= 1.35;

    const double rowh = 26;
    double namew = names_width(s->feature_names, order, nshow, rest > 0);
    ffnn_plot_frame f = bar_frame(o.width, namew, rows, rowh, 52, 70);
    double W = f.left + f.width + 70, H = f.top + f.height + 64;
    char title[160], xlabel[160], buf[32], name[64], mt[48];
    snprintf(title, sizeof title, "Feature importance (%s SHAP, %ld rows)", method_text(mt, s),
             s->n_rows);
    snprintf(xlabel, sizeof xlabel, "mean(|SHAP value|)%s%s",
             s->output == FFNN_EXPLAIN_OUTPUT_LOGIT ? " on the logits" : "",
             K > 1 ? ", stacked over outputs" : "");
    ffnn_svg svg;
    ffnn_svg_begin(&svg, fp, W, H, o.title ? o.title : title);
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, f, 0, xmax, 0, rows, FFNN_PLOT_NICE_X | FFNN_PLOT_FLIP_Y);
    ffnn_plot_title(&svg, &ax, o.title ? o.title : title);
    ffnn_plot_axes_draw(&svg, &ax, xlabel, NULL, FFNN_PLOT_AXIS_X | FFNN_PLOT_GRID_X);
    for (int r = 0; r < rows; r++) {
        double cy = f.top + (r + 0.5) * rowh, sum = 0;
        const char *label;
        if (r < nshow) {
            label = s->feature_names[order[r]];
        } else {
            other_label(name, sizeof name, rest);
            label = name;
        }
        ffnn_svg_text(&svg, f.left - 10, cy + 4, FFNN_SVG_END, NAME_FONT, 0, "black", false, label);
        for (int k = 0; k < K; k++) {
            double v = 0;
            if (r < nshow)
                v = imp[k * M + order[r]];
            else
                for (int i = nshow; i < M; i++)
                    v += imp[k * M + order[i]];
            double xa = ffnn_plot_x(&ax, sum), xb = ffnn_plot_x(&ax, sum + v);
            const char *c = K > 1 ? ffnn_plot_palette(k) : r < nshow ? BAR_COLOR : "#bbbbbb";
            if (xb > xa)
                ffnn_svg_rect(&svg, xa, cy - rowh * 0.35, xb - xa, rowh * 0.7, c, NULL, 0);
            sum += v;
        }
        ffnn_svg_text(&svg, ffnn_plot_x(&ax, sum) + 5, cy + 4, FFNN_SVG_START, 11, 0, "#333333",
                      false, fmt_sig(buf, sum));
    }
    ffnn_svg_line(&svg, f.left, f.top, f.left, f.top + f.height, "#333333", 1, NULL);
    if (K > 1) {
        for (int k = 0; k < K; k++) {
            items[k].label = s->output_names[k];
            items[k].color = ffnn_plot_palette(k);
            items[k].key = FFNN_PLOT_KEY_BOX;
        }
        ffnn_plot_legend(&svg, &ax, items, K, FFNN_PLOT_LEGEND_BOTTOM_RIGHT);
    }
    free(items);
    ffnn_shap_importance_release(&si);
    return ffnn_svg_end(&svg, err);
}

/* ---- beeswarm ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's percentile with linear interpolation over sorted v (n > 0). */
static double percentile(const double *v, int n, double p)
{
    double pos = p / 100.0 * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* shap's colour range for a feature: 5th..95th percentile, widened to
 * 1st..99th, then min..max when degenerate. */
static void color_range(const double *vals, long n, double *scratch, double *lo, double *hi)
{
    int m = 0;
    for (long i = 0; i < n; i++)
        if (!isnan(vals[i]))
            scratch[m++] = vals[i];
    if (m == 0) {
        *lo = *hi = NAN;
        return;
    }
    qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
    *lo = percentile(scratch, m, 5);
    *hi = percentile(scratch, m, 95);
    if (*lo == *hi) {
        *lo = percentile(scratch, m, 1);
        *hi = percentile(scratch, m, 99);
        if (*lo == *hi) {
            *lo = scratch[0];
            *hi = scratch[m - 1];
        }
    }
}

typedef struct {
    int q;
    long i;
} bin_item;

static int cmp_bin(const void *a, const void *b)
{
    const bin_item *x = a, *y = b;
    if (x->q != y->q)
        return (x->q > y->q) - (x->q < y->q);
    return (x->i > y->i) - (x->i < y->i);
}

/* Vertical offsets (in units of the row's half height) piling dots whose
 * values fall in the same of 100 bins, alternately above and below, as
 * shap's beeswarm does. */
static void pile(const double *v, long n, bin_item *items, double *ys)
{
    double lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    for (long i = 0; i < n; i++) {
        items[i].q = (int)lround(100.0 * (v[i] - lo) / (hi - lo + 1e-8));
        items[i].i = i;
    }
    qsort(items, (size_t)n, sizeof *items, cmp_bin);
    int layer = 0, last = -1;
    double maxy = 0;
    for (long t = 0; t < n; t++) {
        if (items[t].q != last)
            layer = 0;
        double y = ceil(layer / 2.0) * ((layer % 2) * 2 - 1);
        ys[items[t].i] = y;
        if (fabs(y) > maxy)
            maxy = fabs(y);
        layer++;
        last = items[t].q;
    }
    for (long i = 0; i < n; i++)
        ys[i] *= 0.9 / (maxy + 1);
}

ffnn_status ffnn_plot_shap_beeswarm_write(FILE *fp, const ffnn_shap *s,
                                          const ffnn_plot_explain_options *opt, ffnn_error *err)
{
    ffnn_plot_explain_options o = resolve(opt);
    int M = s->n_features, K = s->n_outputs;
    long n = s->n_rows;
    if (M < 1 || K < 1 || n < 1)
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot");
    double *imp = ffnn_calloc((size_t)K * M, sizeof *imp);
    int *order = ffnn_calloc((size_t)M, sizeof *order);
    double *vals = ffnn_calloc((size_t)n, sizeof *vals), *ys = ffnn_calloc((size_t)n, sizeof *ys);
    double *fv = ffnn_calloc((size_t)n, sizeof *fv), *scratch = ffnn_calloc((size_t)n, sizeof *scratch);
    bin_item *items = ffnn_calloc((size_t)n, sizeof *items);
    if (!imp || !order || !vals || !ys || !fv || !scratch || !items) {
        free(imp); free(order); free(vals); free(ys); free(fv); free(scratch); free(items);
        return ffnn_error_nomem(err);
    }
    ffnn_shap_mean_abs(s, imp);

    const double rowh = 30, head = 44, panel_head = K > 1 ? 28 : 8, panel_foot = 56;
    int nshow = shown_features(M, o.max_display), rest = M - nshow, rows = nshow + (rest > 0);
    /* Names are the same set in every panel only when M fits; size for all
     * (order, not yet in use, holds the indices). */
    for (int j = 0; j < M; j++)
        order[j] = j;
    double namew = names_width(s->feature_names, order, M, rest > 0);
    double left = 16 + namew + 12, right = 96;
    double W = o.width, pw = W - left - right;
    if (pw < 120) {
        pw = 120;
        W = left + pw + right;
    }
    double panel_h = panel_head + rows * rowh + panel_foot;
    double H = head + K * panel_h;
    char title[160], xlabel[160], name[64], color[8], mt[48];
    snprintf(title, sizeof title, "SHAP values (%s, %ld rows)", method_text(mt, s), n);
    snprintf(xlabel, sizeof xlabel, "SHAP value (impact on %s)",
             s->output == FFNN_EXPLAIN_OUTPUT_LOGIT ? "the logit" : "the model output");
    ffnn_svg svg;
    ffnn_svg_begin(&svg, fp, W, H, o.title ? o.title : title);
    ffnn_svg_text(&svg, left + pw / 2, 26, FFNN_SVG_MIDDLE, 15, 0, "black", true,
                  o.title ? o.title : title);

    for (int k = 0; k < K; k++) {
        double ptop = head + k * panel_h;
        ffnn_explain_order(imp + (size_t)k * M, M, order);
        /* x range over every value drawn in this panel, and 0 */
        double xmin = 0, xmax = 0;
        for (int r = 0; r < rows; r++)
            for (long i = 0; i < n; i++) {
                const double *phi = s->values + ((size_t)i * K + k) * M;
                double v = 0;
                if (r < nshow)
                    v = phi[order[r]];
                else
                    for (int t = nshow; t < M; t++)
                        v += phi[order[t]];
                if (v < xmin) xmin = v;
                if (v > xmax) xmax = v;
            }
        ffnn_plot_frame f = {left, ptop + panel_head, pw, rows * rowh};
        ffnn_plot_axes ax;
        ffnn_plot_axes_init(&ax, f, xmin, xmax, 0, rows, FFNN_PLOT_NICE_X | FFNN_PLOT_FLIP_Y);
        if (K > 1) {
            char pt[160];
            snprintf(pt, sizeof pt, "output: %s", s->output_names[k]);
            ffnn_svg_text(&svg, left + pw / 2, ptop + panel_head - 10, FFNN_SVG_MIDDLE, 13, 0,
                          "black", true, pt);
        }
        ffnn_plot_axes_draw(&svg, &ax, xlabel, NULL, FFNN_PLOT_AXIS_X);
        double x0 = ffnn_plot_x(&ax, 0);
        ffnn_svg_line(&svg, x0, f.top, x0, f.top + f.height, ZERO_LINE, 1, NULL);
        for (int r = 0; r < rows; r++) {
            double cy = f.top + (r + 0.5) * rowh;
            const char *label;
            double lo = NAN, hi = NAN;
            if (r < nshow) {
                int j = order[r];
                label = s->feature_names[j];
                for (long i = 0; i < n; i++) {
                    vals[i] = s->values[((size_t)i * K + k) * M + j];
                    fv[i] = s->categorical[j] ? NAN : s->feature_values[(size_t)i * M + j];
                }
                color_range(fv, n, scratch, &lo, &hi);
            } else {
                other_label(name, sizeof name, rest);
                label = name;
                for (long i = 0; i < n; i++) {
                    const double *phi = s->values + ((size_t)i * K + k) * M;
                    vals[i] = 0;
                    for (int t = nshow; t < M; t++)
                        vals[i] += phi[order[t]];
                    fv[i] = NAN;
                }
            }
            ffnn_svg_line(&svg, f.left, cy, f.left + f.width, cy, "#eeeeee", 1, "2 3");
            ffnn_svg_text(&svg, f.left - 10, cy + 4, FFNN_SVG_END, NAME_FONT, 0, "black", false,
                          label);
            pile(vals, n, items, ys);
            for (long i = 0; i < n; i++) {
                double t = NAN;
                if (!isnan(fv[i]) && !isnan(lo))
                    t = hi > lo ? (fv[i] - lo) / (hi - lo) : 0.5;
                ffnn_svg_circle(&svg, ffnn_plot_x(&ax, vals[i]), cy + ys[i] * rowh * 0.4, 3,
                                ffnn_plot_ramp_color(FFNN_PLOT_RAMP_COOLWARM, t, color), 0.85);
            }
        }
        /* colour bar */
        double bx = f.left + f.width + 24, bh = f.height > 60 ? f.height - 20 : f.height;
        double by = f.top + (f.height - bh) / 2;
        const int steps = 40;
        for (int i = 0; i < steps; i++) {
            double t = 1.0 - (i + 0.5) / steps;
            ffnn_svg_rect(&svg, bx, by + i * bh / steps, 8, bh / steps + 0.5,
                          ffnn_plot_ramp_color(FFNN_PLOT_RAMP_COOLWARM, t, color), NULL, 0);
        }
        ffnn_svg_text(&svg, bx + 12, by + 10, FFNN_SVG_START, 11, 0, "#333333", false, "High");
        ffnn_svg_text(&svg, bx + 12, by + bh, FFNN_SVG_START, 11, 0, "#333333", false, "Low");
        ffnn_svg_text(&svg, bx + 52, by + bh / 2, FFNN_SVG_MIDDLE, 12, -90, "#333333", false,
                      "Feature value");
    }
    free(imp); free(order); free(vals); free(ys); free(fv); free(scratch); free(items);
    return ffnn_svg_end(&svg, err);
}

/* ---- one row ------------------------------------------------------------------------ */

ffnn_status ffnn_plot_shap_row_write(FILE *fp, const ffnn_shap *s, long row, int output,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err)
{
    ffnn_plot_explain_options o = resolve(opt);
    int M = s->n_features, K = s->n_outputs;
    if (M < 1 || K < 1 || s->n_rows < 1)
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot");
    if (row < 0 || row >= s->n_rows)
        return ffnn_error_set(err, FFNN_EUSAGE, "row %ld: the input has %ld row%s (0 to %ld)", row,
                              s->n_rows, s->n_rows == 1 ? "" : "s", s->n_rows - 1);
    if (output < 0 || output >= K)
        return ffnn_error_set(err, FFNN_EUSAGE, "output %d: the model has %d output%s", output, K,
                              K == 1 ? "" : "s");
    const double *phi = s->values + ((size_t)row * K + output) * M;
    double *mag = ffnn_calloc((size_t)M, sizeof *mag);
    int *order = ffnn_calloc((size_t)M, sizeof *order);
    if (!mag || !order) {
        free(mag);
        free(order);
        return ffnn_error_nomem(err);
    }
    for (int j = 0; j < M; j++)
        mag[j] = fabs(phi[j]);
    ffnn_explain_order(mag, M, order);
    int nshow = shown_features(M, o.max_display), rest = M - nshow;
    int rows = nshow + (rest > 0);
    double other = 0;
    for (int i = nshow; i < M; i++)
        other += phi[order[i]];
    double xmin = 0, xmax = 0;
    for (int r = 0; r < rows; r++) {
        double v = r < nshow ? phi[order[r]] : other;
        if (v < xmin) xmin = v;
        if (v > xmax) xmax = v;
    }
    if (xmin == xmax)
        xmax = 1;
    /* Room for the value labels beyond the longest bars. */
    double span = xmax - xmin;
    if (xmax > 0)
        xmax += 0.18 * span;
    if (xmin < 0)
        xmin -= 0.18 * span;

    const double rowh = 26;
    double namew = names_width(s->feature_names, order, nshow, rest > 0);
    ffnn_plot_frame f = bar_frame(o.width, namew, rows, rowh, 70, 40);
    double W = f.left + f.width + 40, H = f.top + f.height + 64;
    char title[200], sub[200], xlabel[160], name[64], mt[48], fx[32], ex[32];
    snprintf(title, sizeof title, "SHAP values of row %ld, output %s (%s)", row, s->output_names[output],
             method_text(mt, s));
    double fxv = s->output_values[(size_t)row * K + output], base = s->base_values[output];
    snprintf(sub, sizeof sub, "f(x) = %s, base value E[f(X)] = %s; the bars add up to the difference",
             fmt_sig(fx, fxv), fmt_sig(ex, base));
    snprintf(xlabel, sizeof xlabel, "SHAP value (impact on %s)",
             s->output == FFNN_EXPLAIN_OUTPUT_LOGIT ? "the logit" : "the model output");
    ffnn_svg svg;
    ffnn_svg_begin(&svg, fp, W, H, o.title ? o.title : title);
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, f, xmin, xmax, 0, rows, FFNN_PLOT_NICE_X | FFNN_PLOT_FLIP_Y);
    ffnn_svg_text(&svg, f.left + f.width / 2, 24, FFNN_SVG_MIDDLE, 15, 0, "black", true,
                  o.title ? o.title : title);
    ffnn_svg_text(&svg, f.left + f.width / 2, 46, FFNN_SVG_MIDDLE, 12, 0, "#444444", false, sub);
    ffnn_plot_axes_draw(&svg, &ax, xlabel, NULL, FFNN_PLOT_AXIS_X | FFNN_PLOT_GRID_X);
    double x0 = ffnn_plot_x(&ax, 0);
    for (int r = 0; r < rows; r++) {
        double cy = f.top + (r + 0.5) * rowh, v;
        const char *label;
        if (r < nshow) {
            v = phi[order[r]];
            label = s->feature_names[order[r]];
        } else {
            v = other;
            other_label(name, sizeof name, rest);
            label = name;
        }
        ffnn_svg_text(&svg, f.left - 10, cy + 4, FFNN_SVG_END, NAME_FONT, 0, "black", false, label);
        double xv = ffnn_plot_x(&ax, v), a = xv < x0 ? xv : x0, w = fabs(xv - x0);
        if (w > 0)
            ffnn_svg_rect(&svg, a, cy - rowh * 0.35, w, rowh * 0.7, v >= 0 ? NEG_COLOR : BAR_COLOR,
                          NULL, 0);
        char vb[40] = "+";
        fmt_sig(vb + 1, v);
        const char *txt = v > 0 ? vb : vb + 1;
        if (v < 0)
            ffnn_svg_text(&svg, xv - 5, cy + 4, FFNN_SVG_END, 11, 0, BAR_COLOR, false, txt);
        else
            ffnn_svg_text(&svg, xv + 5, cy + 4, FFNN_SVG_START, 11, 0, v > 0 ? NEG_COLOR : "#333333",
                          false, txt);
    }
    ffnn_svg_line(&svg, x0, f.top, x0, f.top + f.height, "#333333", 1, NULL);
    free(mag);
    free(order);
    return ffnn_svg_end(&svg, err);
}

/* ---- permutation importance ------------------------------------------------------ */

ffnn_status ffnn_plot_perm_bar_write(FILE *fp, const ffnn_perm_importance *p,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err)
{
    ffnn_plot_explain_options o = resolve(opt);
    int M = p->n_features;
    if (M < 1)
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot");
    int *order = ffnn_calloc((size_t)M, sizeof *order);
    if (!order)
        return ffnn_error_nomem(err);
    ffnn_explain_order(p->mean, M, order);
    int nshow = M < o.max_display ? M : o.max_display, rest = M - nshow;
    double xmin = 0, xmax = 0;
    for (int r = 0; r < nshow; r++) {
        int j = order[r];
        if (p->mean[j] - p->std[j] < xmin) xmin = p->mean[j] - p->std[j];
        if (p->mean[j] + p->std[j] > xmax) xmax = p->mean[j] + p->std[j];
    }
    if (xmin == xmax)
        xmax = 1;
    const double rowh = 26;
    double namew = names_width(p->feature_names, order, nshow, false);
    ffnn_plot_frame f = bar_frame(o.width, namew, nshow, rowh, 52, 70);
    double W = f.left + f.width + 70, H = f.top + f.height + 64 + (rest > 0 ? 18 : 0);
    char title[160], xlabel[160], buf[32], note[64];
    snprintf(title, sizeof title, "Permutation importance (%d repeat%s, %ld rows)", p->repeats,
             p->repeats == 1 ? "" : "s", p->n_rows);
    snprintf(xlabel, sizeof xlabel, "decrease in %s when the feature is shuffled",
             p->classification ? "accuracy" : "R\xc2\xb2");
    ffnn_svg svg;
    ffnn_svg_begin(&svg, fp, W, H, o.title ? o.title : title);
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, f, xmin, xmax, 0, nshow, FFNN_PLOT_NICE_X | FFNN_PLOT_FLIP_Y);
    ffnn_plot_title(&svg, &ax, o.title ? o.title : title);
    ffnn_plot_axes_draw(&svg, &ax, xlabel, NULL, FFNN_PLOT_AXIS_X | FFNN_PLOT_GRID_X);
    double x0 = ffnn_plot_x(&ax, 0);
    for (int r = 0; r < nshow; r++) {
        int j = order[r];
        double cy = f.top + (r + 0.5) * rowh, xm = ffnn_plot_x(&ax, p->mean[j]);
        ffnn_svg_text(&svg, f.left - 10, cy + 4, FFNN_SVG_END, NAME_FONT, 0, "black", false,
                      p->feature_names[j]);
        double a = xm < x0 ? xm : x0, w = fabs(xm - x0);
        if (w > 0)
            ffnn_svg_rect(&svg, a, cy - rowh * 0.35, w, rowh * 0.7,
                          p->mean[j] >= 0 ? BAR_COLOR : NEG_COLOR, NULL, 0);
        if (p->std[j] > 0) {
            double lo = ffnn_plot_x(&ax, p->mean[j] - p->std[j]);
            double hi = ffnn_plot_x(&ax, p->mean[j] + p->std[j]);
            ffnn_svg_line(&svg, lo, cy, hi, cy, "#333333", 1, NULL);
            ffnn_svg_line(&svg, lo, cy - 5, lo, cy + 5, "#333333", 1, NULL);
            ffnn_svg_line(&svg, hi, cy - 5, hi, cy + 5, "#333333", 1, NULL);
        }
        double lx = ffnn_plot_x(&ax, p->mean[j] + p->std[j]);
        if (lx < xm)
            lx = xm;
        ffnn_svg_text(&svg, lx + 5, cy + 4, FFNN_SVG_START, 11, 0, "#333333", false,
                      fmt_sig(buf, p->mean[j]));
    }
    ffnn_svg_line(&svg, x0, f.top, x0, f.top + f.height, "#333333", 1, NULL);
    if (rest > 0) {
        snprintf(note, sizeof note, "%d other feature%s not shown", rest, rest == 1 ? "" : "s");
        ffnn_svg_text(&svg, f.left, H - 8, FFNN_SVG_START, 11, 0, "#666666", false, note);
    }
    free(order);
    return ffnn_svg_end(&svg, err);
}
