/* ffnn — SVG primitives and the evaluation charts (see plot.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/plot.h"
#include "internal.h"

#define FONT_TICK 11.0
#define FONT_LABEL 13.0
#define FONT_TITLE 15.0
#define INK "#333333"
#define GRID "#e6e6e6"

/* ---- Document ------------------------------------------------------------ */

static void out(ffnn_svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(ffnn_svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(s->fp, fmt, ap) < 0)
        s->failed = true;
    va_end(ap);
}

/* Coordinates print with two decimals; "-0.00" would differ from "0.00" for
 * values that round to zero from below, so they are normalised. */
static double px(double v)
{
    if (!isfinite(v))
        return 0;
    double r = round(v * 100) / 100;
    return r == 0 ? 0 : r;
}

void ffnn_svg_begin(ffnn_svg *s, FILE *fp, double width, double height, const char *title)
{
    s->fp = fp;
    s->width = width;
    s->height = height;
    s->failed = false;
    out(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
           "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
        width, height, width, height);
    if (title) {
        out(s, "<title>");
        ffnn_svg_escape(s, title);
        out(s, "</title>\n");
    }
    out(s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
}

ffnn_status ffnn_svg_end(ffnn_svg *s, ffnn_error *err)
{
    out(s, "</svg>\n");
    if (fflush(s->fp) != 0 || ferror(s->fp))
        s->failed = true;
    if (s->failed)
        return ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno ? errno : EIO));
    return FFNN_OK;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid.  Rejects
 * overlong forms, surrogates, code points above U+10FFFF and U+FFFE/U+FFFF
 * (not allowed in XML). */
static int utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    int n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

void ffnn_svg_escape(ffnn_svg *s, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        int n = utf8_len(p);
        if (n == 0) {
            out(s, "\xEF\xBF\xBD");
            p++;
            continue;
        }
        if (n > 1) {
            if (fwrite(p, 1, (size_t)n, s->fp) != (size_t)n)
                s->failed = true;
            p += n;
            continue;
        }
        switch (*p) {
        case '&': out(s, "&amp;"); break;
        case '<': out(s, "&lt;"); break;
        case '>': out(s, "&gt;"); break;
        case '"': out(s, "&quot;"); break;
        case '\'': out(s, "&apos;"); break;
        default:
            if (*p < 0x20 && *p != '\t')
                out(s, " ");
            else if (fputc(*p, s->fp) == EOF)
                s->failed = true;
        }
        p++;
    }
}

static void paint(ffnn_svg *s, const char *attr, const char *color)
{
    out(s, " %s=\"", attr);
    ffnn_svg_escape(s, color ? color : "none");
    out(s, "\"");
}

void ffnn_svg_rect(ffnn_svg *s, double x, double y, double w, double h, const char *fill,
                   const char *stroke, double stroke_width)
{
    out(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"", px(x), px(y),
        px(w < 0 ? 0 : w), px(h < 0 ? 0 : h));
    paint(s, "fill", fill);
    if (stroke) {
        paint(s, "stroke", stroke);
        out(s, " stroke-width=\"%.2f\"", px(stroke_width));
    }
    out(s, "/>\n");
}

static void stroke_attrs(ffnn_svg *s, const char *stroke, double width, const char *dash)
{
    paint(s, "stroke", stroke ? stroke : "black");
    out(s, " stroke-width=\"%.2f\"", px(width));
    if (dash) {
        out(s, " stroke-dasharray=\"");
        ffnn_svg_escape(s, dash);
        out(s, "\"");
    }
}

void ffnn_svg_line(ffnn_svg *s, double x1, double y1, double x2, double y2, const char *stroke,
                   double width, const char *dash)
{
    out(s, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"", px(x1), px(y1), px(x2),
        px(y2));
    stroke_attrs(s, stroke, width, dash);
    out(s, "/>\n");
}

void ffnn_svg_polyline(ffnn_svg *s, const double *xs, const double *ys, int n, const char *stroke,
                       double width, const char *dash)
{
    int i = 0;
    while (i < n) {
        while (i < n && !(isfinite(xs[i]) && isfinite(ys[i])))
            i++;
        int start = i;
        while (i < n && isfinite(xs[i]) && isfinite(ys[i]))
            i++;
        int len = i - start;
        if (len == 1) {
            ffnn_svg_circle(s, xs[start], ys[start], width * 1.25 + 0.5, stroke, 1);
        } else if (len > 1) {
            out(s, "<polyline fill=\"none\" stroke-linejoin=\"round\"");
            stroke_attrs(s, stroke, width, dash);
            out(s, " points=\"");
            for (int j = start; j < i; j++)
                out(s, "%s%.2f,%.2f", j > start ? " " : "", px(xs[j]), px(ys[j]));
            out(s, "\"/>\n");
        }
    }
}

void ffnn_svg_circle(ffnn_svg *s, double cx, double cy, double r, const char *fill,
                     double opacity)
{
    out(s, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"", px(cx), px(cy), px(r));
    paint(s, "fill", fill);
    if (opacity < 1)
        out(s, " fill-opacity=\"%.2f\"", px(opacity < 0 ? 0 : opacity));
    out(s, "/>\n");
}

void ffnn_svg_text(ffnn_svg *s, double x, double y, ffnn_svg_anchor anchor, double size,
                   double rotate, const char *fill, bool bold, const char *text)
{
    static const char *const anchors[] = {"start", "middle", "end"};
    out(s, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\"", px(x), px(y), px(size));
    if (anchor != FFNN_SVG_START)
        out(s, " text-anchor=\"%s\"", anchors[anchor]);
    if (bold)
        out(s, " font-weight=\"bold\"");
    if (fill)
        paint(s, "fill", fill);
    if (rotate != 0)
        out(s, " transform=\"rotate(%.2f %.2f %.2f)\"", px(rotate), px(x), px(y));
    out(s, ">");
    ffnn_svg_escape(s, text);
    out(s, "</text>\n");
}

double ffnn_plot_text_width(const char *text, double size)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++)
        n += (*p & 0xC0) != 0x80;
    return (double)n * 0.6 * size;
}

/* ---- Colours ------------------------------------------------------------- */

const char *ffnn_plot_palette(int i)
{
    static const char *const tab10[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    int n = (int)FFNN_ARRAY_LEN(tab10);
    return tab10[((i % n) + n) % n];
}

typedef struct {
    double t;
    unsigned char r, g, b;
} ramp_stop;

static const ramp_stop blues[] = {
    {0.0, 0xf7, 0xfb, 0xff}, {0.25, 0xc6, 0xdb, 0xef}, {0.5, 0x6b, 0xae, 0xd6},
    {0.75, 0x21, 0x71, 0xb5}, {1.0, 0x08, 0x30, 0x6b},
};
/* SHAP's red_blue feature-value colours: #008bfb -> #ff0051 through purple. */
static const ramp_stop coolwarm[] = {
    {0.0, 0x00, 0x8b, 0xfb}, {0.5, 0x8a, 0x3f, 0xc4}, {1.0, 0xff, 0x00, 0x51},
};

char *ffnn_plot_ramp_color(ffnn_plot_ramp ramp, double t, char buf[8])
{
    const ramp_stop *st = ramp == FFNN_PLOT_RAMP_COOLWARM ? coolwarm : blues;
    int n = ramp == FFNN_PLOT_RAMP_COOLWARM ? (int)FFNN_ARRAY_LEN(coolwarm)
                                             : (int)FFNN_ARRAY_LEN(blues);
    if (isnan(t)) {
        snprintf(buf, 8, "#bbbbbb");
        return buf;
    }
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    int i = 0;
    while (i < n - 2 && t > st[i + 1].t)
        i++;
    double f = (t - st[i].t) / (st[i + 1].t - st[i].t);
    int r = (int)lround(st[i].r + f * (st[i + 1].r - st[i].r));
    int g = (int)lround(st[i].g + f * (st[i + 1].g - st[i].g));
    int b = (int)lround(st[i].b + f * (st[i + 1].b - st[i].b));
    snprintf(buf, 8, "#%02x%02x%02x", r & 0xff, g & 0xff, b & 0xff);
    return buf;
}

const char *ffnn_plot_contrast_text(const char *bg)
{
    unsigned r, g, b;
    if (!bg || sscanf(bg, "#%2x%2x%2x", &r, &g, &b) != 3)
        return "black";
    double lum = 0.299 * r + 0.587 * g + 0.114 * b;
    return lum < 140 ? "white" : "black";
}

/* ---- Ticks and axes ------------------------------------------------------ */

int ffnn_plot_nice_ticks(double lo, double hi, int target, double ticks[FFNN_PLOT_MAX_TICKS],
                         double *step_out, double *nlo_out, double *nhi_out)
{
    static const double steps[] = {1, 2, 2.5, 5, 10};
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi - lo < 1e-12 * fmax(1, fmax(fabs(lo), fabs(hi)))) {
        double d = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= d;
        hi += d;
    }
    if (target < 2)
        target = 2;
    if (target > FFNN_PLOT_MAX_TICKS - 1)
        target = FFNN_PLOT_MAX_TICKS - 1;
    double raw = (hi - lo) / target;
    double mag = pow(10, floor(log10(raw)));
    size_t si = 0;
    while (si + 1 < FFNN_ARRAY_LEN(steps) && raw / mag > steps[si] * (1 + 1e-9))
        si++;
    double step, nlo, nhi;
    int count;
    for (;;) {
        step = steps[si] * mag;
        nlo = floor(lo / step + 1e-9) * step;
        nhi = ceil(hi / step - 1e-9) * step;
        count = (int)lround((nhi - nlo) / step) + 1;
        if (count <= FFNN_PLOT_MAX_TICKS)
            break;
        if (++si == FFNN_ARRAY_LEN(steps)) {
            si = 0;
            mag *= 10;
        }
    }
    for (int i = 0; i < count; i++) {
        double v = nlo + i * step;
        ticks[i] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    if (step_out)
        *step_out = step;
    if (nlo_out)
        *nlo_out = nlo;
    if (nhi_out)
        *nhi_out = nhi;
    return count;
}

char *ffnn_plot_format_tick(char buf[32], double v, double step)
{
    if (!isfinite(v)) {
        snprintf(buf, 32, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return buf;
    }
    double av = fabs(v);
    if ((av >= 1e7 || (step > 0 && step < 1e-5)) && av != 0) {
        snprintf(buf, 32, "%.3g", v);
        return buf;
    }
    int dec = 0;
    if (step > 0 && isfinite(step)) {
        double l = floor(log10(step) + 1e-9);
        double lead = step / pow(10, l);
        double need = -l + (fabs(lead - 2.5) < 1e-6 ? 1 : 0);
        dec = need > 0 ? (int)need : 0;
    }
    if (dec > 10)
        dec = 10;
    snprintf(buf, 32, "%.*f", dec, v);
    /* "-0", "-0.00" -> without the sign */
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

ffnn_plot_frame ffnn_plot_frame_default(double width, double height, bool has_title)
{
    ffnn_plot_frame f;
    f.left = 72;
    f.top = has_title ? 42 : 16;
    f.width = width - f.left - 24;
    f.height = height - f.top - 56;
    if (f.width < 10)
        f.width = 10;
    if (f.height < 10)
        f.height = 10;
    return f;
}

static void axis_range(double *lo, double *hi)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    }
    if (*lo > *hi) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    if (*hi - *lo < 1e-12 * fmax(1, fmax(fabs(*lo), fabs(*hi)))) {
        double d = *lo == 0 ? 1 : fabs(*lo) * 0.1;
        *lo -= d;
        *hi += d;
    }
}

static int keep_ticks(double *ticks, int n, double lo, double hi)
{
    int m = 0;
    double tol = (hi - lo) * 1e-9;
    for (int i = 0; i < n; i++)
        if (ticks[i] >= lo - tol && ticks[i] <= hi + tol)
            ticks[m++] = ticks[i];
    return m;
}

void ffnn_plot_axes_init(ffnn_plot_axes *ax, ffnn_plot_frame frame, double xmin, double xmax,
                         double ymin, double ymax, int flags)
{
    memset(ax, 0, sizeof *ax);
    ax->frame = frame;
    ax->flags = flags;
    axis_range(&xmin, &xmax);
    axis_range(&ymin, &ymax);
    double lo, hi;
    ax->nxt = ffnn_plot_nice_ticks(xmin, xmax, 6, ax->xticks, &ax->xstep, &lo, &hi);
    if (flags & FFNN_PLOT_NICE_X) {
        xmin = lo;
        xmax = hi;
    } else {
        ax->nxt = keep_ticks(ax->xticks, ax->nxt, xmin, xmax);
    }
    ax->nyt = ffnn_plot_nice_ticks(ymin, ymax, 5, ax->yticks, &ax->ystep, &lo, &hi);
    if (flags & FFNN_PLOT_NICE_Y) {
        ymin = lo;
        ymax = hi;
    } else {
        ax->nyt = keep_ticks(ax->yticks, ax->nyt, ymin, ymax);
    }
    ax->xmin = xmin;
    ax->xmax = xmax;
    ax->ymin = ymin;
    ax->ymax = ymax;
}

double ffnn_plot_x(const ffnn_plot_axes *ax, double x)
{
    return ax->frame.left + (x - ax->xmin) / (ax->xmax - ax->xmin) * ax->frame.width;
}

double ffnn_plot_y(const ffnn_plot_axes *ax, double y)
{
    double f = (y - ax->ymin) / (ax->ymax - ax->ymin);
    if (ax->flags & FFNN_PLOT_FLIP_Y)
        return ax->frame.top + f * ax->frame.height;
    return ax->frame.top + ax->frame.height - f * ax->frame.height;
}

void ffnn_plot_axes_draw(ffnn_svg *s, const ffnn_plot_axes *ax, const char *xlabel,
                         const char *ylabel, int what)
{
    const ffnn_plot_frame *f = &ax->frame;
    double bottom = f->top + f->height, right = f->left + f->width;
    char buf[32];
    if (what & FFNN_PLOT_GRID_X)
        for (int i = 0; i < ax->nxt; i++) {
            double x = ffnn_plot_x(ax, ax->xticks[i]);
            ffnn_svg_line(s, x, f->top, x, bottom, GRID, 1, NULL);
        }
    if (what & FFNN_PLOT_GRID_Y)
        for (int i = 0; i < ax->nyt; i++) {
            double y = ffnn_plot_y(ax, ax->yticks[i]);
            ffnn_svg_line(s, f->left, y, right, y, GRID, 1, NULL);
        }
    if (what & FFNN_PLOT_FRAME)
        ffnn_svg_rect(s, f->left, f->top, f->width, f->height, NULL, INK, 1);
    if (what & FFNN_PLOT_AXIS_X) {
        if (!(what & FFNN_PLOT_FRAME))
            ffnn_svg_line(s, f->left, bottom, right, bottom, INK, 1, NULL);
        for (int i = 0; i < ax->nxt; i++) {
            double x = ffnn_plot_x(ax, ax->xticks[i]);
            ffnn_svg_line(s, x, bottom, x, bottom + 5, INK, 1, NULL);
            ffnn_svg_text(s, x, bottom + 18, FFNN_SVG_MIDDLE, FONT_TICK, 0, INK, false,
                          ffnn_plot_format_tick(buf, ax->xticks[i], ax->xstep));
        }
    }
    if (what & FFNN_PLOT_AXIS_Y) {
        if (!(what & FFNN_PLOT_FRAME))
            ffnn_svg_line(s, f->left, f->top, f->left, bottom, INK, 1, NULL);
        for (int i = 0; i < ax->nyt; i++) {
            double y = ffnn_plot_y(ax, ax->yticks[i]);
            ffnn_svg_line(s, f->left - 5, y, f->left, y, INK, 1, NULL);
            ffnn_svg_text(s, f->left - 8, y + 4, FFNN_SVG_END, FONT_TICK, 0, INK, false,
                          ffnn_plot_format_tick(buf, ax->yticks[i], ax->ystep));
        }
    }
    if (xlabel)
        ffnn_svg_text(s, f->left + f->width / 2, bottom + 40, FFNN_SVG_MIDDLE, FONT_LABEL, 0,
                      "black", false, xlabel);
    if (ylabel) {
        double x = f->left - 52, y = f->top + f->height / 2;
        ffnn_svg_text(s, x, y, FFNN_SVG_MIDDLE, FONT_LABEL, -90, "black", false, ylabel);
    }
}

void ffnn_plot_title(ffnn_svg *s, const ffnn_plot_axes *ax, const char *title)
{
    if (title)
        ffnn_svg_text(s, ax->frame.left + ax->frame.width / 2, ax->frame.top - 16,
                      FFNN_SVG_MIDDLE, FONT_TITLE, 0, "black", true, title);
}

void ffnn_plot_legend(ffnn_svg *s, const ffnn_plot_axes *ax, const ffnn_plot_legend_item *items,
                      int n, ffnn_plot_legend_pos pos)
{
    if (n <= 0)
        return;
    const double row = 18, pad = 8, key = 22, size = 12;
    double tw = 0;
    for (int i = 0; i < n; i++) {
        double w = ffnn_plot_text_width(items[i].label, size);
        if (w > tw)
            tw = w;
    }
    double w = pad + key + 6 + tw + pad, h = pad + n * row + pad - 4;
    const ffnn_plot_frame *f = &ax->frame;
    bool right = pos == FFNN_PLOT_LEGEND_TOP_RIGHT || pos == FFNN_PLOT_LEGEND_BOTTOM_RIGHT;
    bool top = pos == FFNN_PLOT_LEGEND_TOP_RIGHT || pos == FFNN_PLOT_LEGEND_TOP_LEFT;
    double x = right ? f->left + f->width - w - 10 : f->left + 10;
    double y = top ? f->top + 10 : f->top + f->height - h - 10;
    if (x < 2)
        x = 2;
    out(s, "<g class=\"legend\">\n");
    out(s, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" rx=\"3\" fill=\"white\" "
           "fill-opacity=\"0.85\" stroke=\"#cccccc\" stroke-width=\"1\"/>\n",
        px(x), px(y), px(w), px(h));
    for (int i = 0; i < n; i++) {
        double cy = y + pad + i * row + row / 2 - 2;
        const char *c = items[i].color ? items[i].color : "black";
        switch (items[i].key) {
        case FFNN_PLOT_KEY_BOX:
            ffnn_svg_rect(s, x + pad + key / 2 - 6, cy - 6, 12, 12, c, NULL, 0);
            break;
        case FFNN_PLOT_KEY_DOT:
            ffnn_svg_circle(s, x + pad + key / 2, cy, 4, c, 1);
            break;
        case FFNN_PLOT_KEY_LINE:
        default:
            ffnn_svg_line(s, x + pad, cy, x + pad + key, cy, c, 2, items[i].dash);
        }
        ffnn_svg_text(s, x + pad + key + 6, cy + 4, FFNN_SVG_START, size, 0, "black", false,
                      items[i].label);
    }
    out(s, "</g>\n");
}

/* ---- Charts -------------------------------------------------------------- */

ffnn_plot_lines_options ffnn_plot_lines_default(void)
{
    ffnn_plot_lines_options o = {NULL, NULL, NULL, 720, 440, NAN, NAN,
                                 FFNN_PLOT_LEGEND_BOTTOM_RIGHT};
    return o;
}

ffnn_status ffnn_plot_lines_write(FILE *fp, const ffnn_plot_series *series, int n,
                                  const ffnn_plot_lines_options *opt, ffnn_error *err)
{
    ffnn_plot_lines_options o = opt ? *opt : ffnn_plot_lines_default();
    if (o.width <= 0 || o.height <= 0) {
        o.width = 720;
        o.height = 440;
    }
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    long maxn = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < series[i].n; j++) {
            double x = series[i].x[j], y = series[i].y[j];
            if (!isfinite(x) || !isfinite(y))
                continue;
            xmin = fmin(xmin, x);
            xmax = fmax(xmax, x);
            ymin = fmin(ymin, y);
            ymax = fmax(ymax, y);
        }
        if (series[i].n > maxn)
            maxn = series[i].n;
    }
    if (!isfinite(xmin))
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot: no finite values");
    int flags = FFNN_PLOT_NICE_X | FFNN_PLOT_NICE_Y;
    if (isfinite(o.ymin) && isfinite(o.ymax) && o.ymin < o.ymax) {
        ymin = o.ymin;
        ymax = o.ymax;
        flags &= ~FFNN_PLOT_NICE_Y;
    }
    double *pxs = ffnn_calloc((size_t)maxn, sizeof *pxs);
    double *pys = ffnn_calloc((size_t)maxn, sizeof *pys);
    ffnn_plot_legend_item *items = ffnn_calloc((size_t)(n > 0 ? n : 1), sizeof *items);
    if (!pxs || !pys || !items) {
        free(pxs);
        free(pys);
        free(items);
        return ffnn_error_nomem(err);
    }
    ffnn_svg s;
    ffnn_svg_begin(&s, fp, o.width, o.height, o.title);
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, ffnn_plot_frame_default(o.width, o.height, o.title != NULL), xmin,
                        xmax, ymin, ymax, flags);
    ffnn_plot_title(&s, &ax, o.title);
    ffnn_plot_axes_draw(&s, &ax, o.xlabel, o.ylabel, FFNN_PLOT_AXES_ALL);
    for (int i = 0; i < n; i++) {
        const char *c = ffnn_plot_palette(series[i].color);
        for (int j = 0; j < series[i].n; j++) {
            double x = series[i].x[j], y = series[i].y[j];
            pxs[j] = isfinite(x) && isfinite(y) ? ffnn_plot_x(&ax, x) : NAN;
            pys[j] = isfinite(x) && isfinite(y) ? ffnn_plot_y(&ax, y) : NAN;
        }
        ffnn_svg_polyline(&s, pxs, pys, series[i].n, c, 2, series[i].dash);
        items[i].label = series[i].name ? series[i].name : "";
        items[i].color = c;
        items[i].key = FFNN_PLOT_KEY_LINE;
        items[i].dash = series[i].dash;
    }
    ffnn_plot_legend(&s, &ax, items, n, o.legend);
    free(pxs);
    free(pys);
    free(items);
    return ffnn_svg_end(&s, err);
}

ffnn_status ffnn_plot_roc_write(FILE *fp, const ffnn_plot_roc *curves, int n, const char *title,
                                ffnn_error *err)
{
    if (!title)
        title = "ROC curve";
    long maxn = 0;
    for (int i = 0; i < n; i++)
        if (curves[i].n > maxn)
            maxn = curves[i].n;
    double *pxs = ffnn_calloc((size_t)maxn, sizeof *pxs);
    double *pys = ffnn_calloc((size_t)maxn, sizeof *pys);
    ffnn_plot_legend_item *items = ffnn_calloc((size_t)n + 1, sizeof *items);
    char **labels = ffnn_calloc((size_t)n + 1, sizeof *labels);
    ffnn_status st = FFNN_OK;
    if (!pxs || !pys || !items || !labels) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    const double W = 560, H = 520;
    ffnn_svg s;
    ffnn_svg_begin(&s, fp, W, H, title);
    ffnn_plot_frame fr = {72, 42, W - 72 - 24, H - 42 - 56};
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, fr, 0, 1, 0, 1, 0);
    ffnn_plot_title(&s, &ax, title);
    ffnn_plot_axes_draw(&s, &ax, "False positive rate", "True positive rate", FFNN_PLOT_AXES_ALL);
    ffnn_svg_line(&s, ffnn_plot_x(&ax, 0), ffnn_plot_y(&ax, 0), ffnn_plot_x(&ax, 1),
                  ffnn_plot_y(&ax, 1), "#999999", 1, "5 4");
    for (int i = 0; i < n; i++) {
        const char *c = ffnn_plot_palette(i);
        for (int j = 0; j < curves[i].n; j++) {
            pxs[j] = ffnn_plot_x(&ax, curves[i].fpr[j]);
            pys[j] = ffnn_plot_y(&ax, curves[i].tpr[j]);
        }
        ffnn_svg_polyline(&s, pxs, pys, curves[i].n, c, 2, NULL);
        const char *name = curves[i].name ? curves[i].name : "";
        size_t len = strlen(name) + 40;
        if (!(labels[i] = malloc(len))) {
            st = ffnn_error_nomem(err);
            ffnn_svg_end(&s, NULL);
            goto done;
        }
        if (isfinite(curves[i].auc))
            snprintf(labels[i], len, "%s (AUC = %.4f)", name, curves[i].auc);
        else
            snprintf(labels[i], len, "%s (AUC undefined)", name);
        items[i].label = labels[i];
        items[i].color = c;
        items[i].key = FFNN_PLOT_KEY_LINE;
    }
    items[n].label = "chance";
    items[n].color = "#999999";
    items[n].key = FFNN_PLOT_KEY_LINE;
    items[n].dash = "5 4";
    ffnn_plot_legend(&s, &ax, items, n + 1, FFNN_PLOT_LEGEND_BOTTOM_RIGHT);
    st = ffnn_svg_end(&s, err);
done:
    for (int i = 0; labels && i <= n; i++)
        free(labels[i]);
    free(labels);
    free(items);
    free(pxs);
    free(pys);
    return st;
}

ffnn_status ffnn_plot_confusion_write(FILE *fp, const char *const *classes, int k,
                                      const long *counts, const char *title, ffnn_error *err)
{
    if (k <= 0)
        return ffnn_error_set(err, FFNN_EDATA, "nothing to plot: no classes");
    if (!title)
        title = "Confusion matrix";
    double cell = 400.0 / k;
    if (cell > 90)
        cell = 90;
    if (cell < 28)
        cell = 28;
    double maxw = 0;
    for (int i = 0; i < k; i++)
        maxw = fmax(maxw, ffnn_plot_text_width(classes[i], FONT_TICK));
    bool rotate = maxw > cell - 6;
    double left = 40 + maxw + 12, top = 46;
    double grid = cell * k;
    double bottom = (rotate ? maxw * 0.72 + 22 : 24) + 34;
    double W = left + grid + 30, H = top + grid + bottom;
    /* Bold text runs wider than the 0.6 em estimate. */
    double tw = ffnn_plot_text_width(title, FONT_TITLE) * 1.1;
    if (W < tw + 20)
        W = tw + 20;
    ffnn_svg s;
    ffnn_svg_begin(&s, fp, W, H, title);
    ffnn_svg_text(&s, W / 2, 26, FFNN_SVG_MIDDLE, FONT_TITLE, 0, "black", true, title);
    double size = cell >= 60 ? 14 : cell >= 40 ? 12 : 10;
    for (int i = 0; i < k; i++) {
        long rowsum = 0;
        for (int j = 0; j < k; j++)
            rowsum += counts[(size_t)i * k + j];
        for (int j = 0; j < k; j++) {
            long c = counts[(size_t)i * k + j];
            double rate = rowsum > 0 ? (double)c / (double)rowsum : 0;
            char col[8], num[32], pct[32];
            ffnn_plot_ramp_color(FFNN_PLOT_RAMP_BLUES, rate, col);
            double x = left + j * cell, y = top + i * cell;
            ffnn_svg_rect(&s, x, y, cell, cell, col, "white", 1);
            const char *ink = ffnn_plot_contrast_text(col);
            snprintf(num, sizeof num, "%ld", c);
            if (cell >= 44 && rowsum > 0) {
                snprintf(pct, sizeof pct, "%.1f%%", 100 * rate);
                ffnn_svg_text(&s, x + cell / 2, y + cell / 2, FFNN_SVG_MIDDLE, size, 0, ink, true,
                              num);
                ffnn_svg_text(&s, x + cell / 2, y + cell / 2 + size, FFNN_SVG_MIDDLE, size - 3, 0,
                              ink, false, pct);
            } else {
                ffnn_svg_text(&s, x + cell / 2, y + cell / 2 + size * 0.35, FFNN_SVG_MIDDLE, size,
                              0, ink, false, num);
            }
        }
        ffnn_svg_text(&s, left - 6, top + i * cell + cell / 2 + 4, FFNN_SVG_END, FONT_TICK, 0,
                      INK, false, classes[i]);
        double x = left + i * cell + cell / 2, y = top + grid + 16;
        if (rotate)
            ffnn_svg_text(&s, x + 4, y - 6, FFNN_SVG_END, FONT_TICK, -45, INK, false, classes[i]);
        else
            ffnn_svg_text(&s, x, y, FFNN_SVG_MIDDLE, FONT_TICK, 0, INK, false, classes[i]);
    }
    ffnn_svg_rect(&s, left, top, grid, grid, NULL, INK, 1);
    ffnn_svg_text(&s, left + grid / 2, H - 12, FFNN_SVG_MIDDLE, FONT_LABEL, 0, "black", false,
                  "Predicted label");
    ffnn_svg_text(&s, 20, top + grid / 2, FFNN_SVG_MIDDLE, FONT_LABEL, -90, "black", false,
                  "True label");
    return ffnn_svg_end(&s, err);
}
