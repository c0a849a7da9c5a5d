/* ffnn — standalone SVG plots written straight from C (no runtime
 * dependency; a browser, rsvg-convert or Inkscape opens them).
 *
 * Two levels:
 *   1. Primitives: an SVG document over a FILE*, shapes and text (text is
 *      always XML-escaped, so names with <, &, _ show literally), colours,
 *      "nice" axis ticks, an axes object that maps data to pixels and draws
 *      frame/grid/ticks/labels, a legend.  Other chart files (lib/plot_explain.c:
 *      bar and beeswarm charts) are built from these alone.
 *   2. Charts: line chart of several series (learning curves), ROC curves,
 *      confusion-matrix heatmap.
 *
 * Output is byte-reproducible: coordinates are printed with %.2f in the C
 * locale's format (no locale-dependent printf is used), no timestamps, no ids.
 * Write errors are sticky: primitives return nothing, ffnn_svg_end reports
 * the first failure as FFNN_EIO.  The library never opens or renames files;
 * callers pass an open FILE* (cmd/ writes it atomically).
 *
 * A chart built from primitives:
 *
 *     ffnn_svg s;
 *     ffnn_svg_begin(&s, fp, 640, 400, "title");
 *     ffnn_plot_axes ax;
 *     ffnn_plot_axes_init(&ax, ffnn_plot_frame_default(640, 400, 1), 0, 10, 0, 1,
 *                         FFNN_PLOT_NICE_X | FFNN_PLOT_NICE_Y);
 *     ffnn_plot_axes_draw(&s, &ax, "epoch", "accuracy", FFNN_PLOT_AXES_ALL);
 *     ffnn_svg_polyline(&s, px, py, n, ffnn_plot_palette(0), 2, NULL);  (px,py in pixels)
 *     ffnn_plot_legend(&s, &ax, items, n, FFNN_PLOT_LEGEND_BOTTOM_RIGHT);
 *     return ffnn_svg_end(&s, err);
 */
#ifndef FFNN_PLOT_H
#define FFNN_PLOT_H

#include <stdbool.h>
#include <stdio.h>
#include "ffnn/error.h"

/* ---- 1. Document and shapes ------------------------------------------- */

typedef struct {
    FILE *fp;         /* not closed by the writer */
    double width, height;
    bool failed;      /* a write failed (sticky) */
} ffnn_svg;

/* Writes the XML declaration, <svg> root (width, height, viewBox), a white
 * background and <title> (escaped; NULL = none).  Default font: sans-serif
 * 12px.  Never fails itself; check with ffnn_svg_end. */
void ffnn_svg_begin(ffnn_svg *s, FILE *fp, double width, double height, const char *title);
/* Closes </svg>, flushes fp; FFNN_EIO "write error" if any write failed. */
ffnn_status ffnn_svg_end(ffnn_svg *s, ffnn_error *err);

/* Writes text with &, <, >, ", ' escaped as entities; invalid UTF-8 bytes
 * and control characters other than tab become U+FFFD / a space, so the
 * document stays well-formed whatever the input. */
void ffnn_svg_escape(ffnn_svg *s, const char *text);

/* Colours are any SVG paint string ("#1f77b4", "none", "white"). NULL
 * stroke/fill means "none". dash: an SVG stroke-dasharray ("4 3") or NULL. */
void ffnn_svg_rect(ffnn_svg *s, double x, double y, double w, double h, const char *fill,
                   const char *stroke, double stroke_width);
void ffnn_svg_line(ffnn_svg *s, double x1, double y1, double x2, double y2, const char *stroke,
                   double width, const char *dash);
/* A polyline through n pixel points; a NaN coordinate breaks the line (the
 * parts are drawn separately).  Points with fewer than 2 neighbours in a part
 * are drawn as a small dot so single values stay visible. */
void ffnn_svg_polyline(ffnn_svg *s, const double *px, const double *py, int n, const char *stroke,
                       double width, const char *dash);
void ffnn_svg_circle(ffnn_svg *s, double cx, double cy, double r, const char *fill,
                     double opacity);

typedef enum {
    FFNN_SVG_START = 0,   /* text-anchor start (left) */
    FFNN_SVG_MIDDLE,
    FFNN_SVG_END
} ffnn_svg_anchor;

/* Text at (x, y) (the baseline), escaped.  rotate: degrees about (x, y)
 * (-90 for a y-axis label).  fill NULL = black.  bold for titles. */
void ffnn_svg_text(ffnn_svg *s, double x, double y, ffnn_svg_anchor anchor, double size,
                   double rotate, const char *fill, bool bold, const char *text);

/* Estimated rendered width of text in pixels at font size (sans-serif; used
 * for layout: counts UTF-8 code points, 0.6 em each). */
double ffnn_plot_text_width(const char *text, double size);

/* ---- Colours ------------------------------------------------------------ */

/* Categorical colour i (matplotlib's tab10, cycling): "#1f77b4", ... */
const char *ffnn_plot_palette(int i);

typedef enum {
    FFNN_PLOT_RAMP_BLUES = 0,  /* white -> dark blue (heatmaps) */
    FFNN_PLOT_RAMP_COOLWARM    /* blue -> purple -> red, SHAP's feature-value ramp */
} ffnn_plot_ramp;
/* Colour at t in [0,1] (clamped; NaN -> grey "#bbbbbb") as "#rrggbb" in buf
 * (8 bytes).  Returns buf. */
char *ffnn_plot_ramp_color(ffnn_plot_ramp ramp, double t, char buf[8]);
/* Black or white, whichever reads better on "#rrggbb" bg. */
const char *ffnn_plot_contrast_text(const char *bg);

/* ---- 2. Ticks and axes -------------------------------------------------- */

#define FFNN_PLOT_MAX_TICKS 16

/* Nice tick positions (steps 1, 2, 2.5, 5 × 10^k) covering [lo, hi] with
 * about `target` intervals.  Writes up to FFNN_PLOT_MAX_TICKS ticks to
 * ticks[], returns their count and the step.  lo == hi is widened; NaN or
 * infinite input gives [0, 1].  *nlo and *nhi (may be NULL) receive the
 * outermost ticks, which cover [lo, hi]. */
int ffnn_plot_nice_ticks(double lo, double hi, int target, double ticks[FFNN_PLOT_MAX_TICKS],
                         double *step, double *nlo, double *nhi);
/* Formats a tick value with just enough decimals for step (no "-0", no
 * exponent for ordinary ranges); buf needs 32 bytes.  Returns buf. */
char *ffnn_plot_format_tick(char buf[32], double v, double step);

/* Plot area in pixels. */
typedef struct {
    double left, top, width, height;
} ffnn_plot_frame;

/* Margins for a width×height figure: room for a title (when has_title), tick
 * labels and axis labels on the left and bottom, a little on the right. */
ffnn_plot_frame ffnn_plot_frame_default(double width, double height, bool has_title);

enum {
    FFNN_PLOT_NICE_X = 1,   /* extend the x range to nice ticks */
    FFNN_PLOT_NICE_Y = 2,
    FFNN_PLOT_FLIP_Y = 4    /* y grows downwards (row 0 at the top) */
};

typedef struct {
    ffnn_plot_frame frame;
    double xmin, xmax, ymin, ymax;   /* data range mapped onto the frame */
    int nxt, nyt;                    /* tick counts (0 = none computed) */
    double xticks[FFNN_PLOT_MAX_TICKS], yticks[FFNN_PLOT_MAX_TICKS];
    double xstep, ystep;
    int flags;
} ffnn_plot_axes;

/* Sets up axes over the data range [xmin,xmax]×[ymin,ymax] and computes
 * ticks (about 6 on x, 5 on y); with FFNN_PLOT_NICE_* the range grows to the
 * outermost ticks, else ticks outside it are dropped.  Degenerate or NaN
 * ranges are widened so mapping never divides by zero. */
void ffnn_plot_axes_init(ffnn_plot_axes *ax, ffnn_plot_frame frame, double xmin, double xmax,
                         double ymin, double ymax, int flags);
/* Data -> pixel. */
double ffnn_plot_x(const ffnn_plot_axes *ax, double x);
double ffnn_plot_y(const ffnn_plot_axes *ax, double y);

enum {
    FFNN_PLOT_AXIS_X = 1,      /* x ticks + tick labels along the bottom */
    FFNN_PLOT_AXIS_Y = 2,      /* y ticks + tick labels along the left */
    FFNN_PLOT_GRID_X = 4,      /* light vertical grid lines at x ticks */
    FFNN_PLOT_GRID_Y = 8,
    FFNN_PLOT_FRAME = 16,      /* box around the plot area */
    FFNN_PLOT_AXES_ALL = 31
};
/* Draws the parts selected by what, plus the axis labels (escaped; NULL =
 * none): xlabel centred below, ylabel rotated at the left.  Charts with a
 * categorical axis (bar, beeswarm) leave that axis's bit out and place their
 * own labels with ffnn_svg_text. */
void ffnn_plot_axes_draw(ffnn_svg *s, const ffnn_plot_axes *ax, const char *xlabel,
                         const char *ylabel, int what);
/* Bold title centred above the frame. */
void ffnn_plot_title(ffnn_svg *s, const ffnn_plot_axes *ax, const char *title);

/* ---- Legend -------------------------------------------------------------- */

typedef enum {
    FFNN_PLOT_KEY_LINE = 0,    /* a short line (dashed when dash != NULL) */
    FFNN_PLOT_KEY_BOX,         /* a filled square */
    FFNN_PLOT_KEY_DOT
} ffnn_plot_key;

typedef struct {
    const char *label;   /* escaped when drawn */
    const char *color;
    ffnn_plot_key key;
    const char *dash;    /* for KEY_LINE, or NULL */
} ffnn_plot_legend_item;

typedef enum {
    FFNN_PLOT_LEGEND_TOP_RIGHT = 0,
    FFNN_PLOT_LEGEND_BOTTOM_RIGHT,
    FFNN_PLOT_LEGEND_TOP_LEFT,
    FFNN_PLOT_LEGEND_BOTTOM_LEFT
} ffnn_plot_legend_pos;

/* A boxed legend inside the frame's corner (semi-opaque white background). */
void ffnn_plot_legend(ffnn_svg *s, const ffnn_plot_axes *ax, const ffnn_plot_legend_item *items,
                      int n, ffnn_plot_legend_pos pos);

/* ---- 3. Charts ----------------------------------------------------------- */

typedef struct {
    const char *name;    /* legend label */
    const double *x, *y; /* n points; NaN y values break the line */
    int n;
    const char *dash;    /* NULL solid, e.g. "6 4" for validation curves */
    int color;           /* palette index */
} ffnn_plot_series;

typedef struct {
    const char *title, *xlabel, *ylabel;  /* NULL = none */
    double width, height;                 /* 0 = 720 x 440 */
    double ymin, ymax;                    /* both NaN (or equal) = from the data */
    ffnn_plot_legend_pos legend;
} ffnn_plot_lines_options;

ffnn_plot_lines_options ffnn_plot_lines_default(void);

/* Line chart of n series (learning curves).  FFNN_EDATA if no series has a
 * finite point; FFNN_EIO on a write failure. */
ffnn_status ffnn_plot_lines_write(FILE *fp, const ffnn_plot_series *series, int n,
                                  const ffnn_plot_lines_options *opt, ffnn_error *err);

typedef struct {
    const char *name;          /* class name ("setosa"), shown with the AUC */
    const double *fpr, *tpr;   /* n points, fpr ascending, from (0,0) to (1,1) */
    int n;
    double auc;                /* NaN = not shown */
} ffnn_plot_roc;

/* ROC curves on the unit square with the chance diagonal, AUC in the legend
 * ("setosa (AUC = 0.9876)").  title NULL = "ROC curve". */
ffnn_status ffnn_plot_roc_write(FILE *fp, const ffnn_plot_roc *curves, int n, const char *title,
                                ffnn_error *err);

/* Confusion-matrix heatmap: rows true class, columns predicted, k×k counts
 * row-major; each cell shows its count (and the row percentage beneath it),
 * shaded by the row-normalised rate; class names on both axes (long names
 * are rotated on x).  title NULL = "Confusion matrix". */
ffnn_status ffnn_plot_confusion_write(FILE *fp, const char *const *classes, int k,
                                      const long *counts, const char *title, ffnn_error *err);

#endif
