/* ffnn — explanation charts as standalone SVG, built from the plot.h
 * primitives: shap's bar chart (global importance, mean |SHAP| per feature),
 * beeswarm (one dot per row at its SHAP value, coloured by the feature's
 * value) and bar chart of one row's signed values, and a bar chart of
 * permutation importances.  Titles name the method that ran.
 *
 * Features are ordered by importance, the largest at the top; beyond
 * max_display the rest are summed into one "Sum of N other features" row
 * (shap's convention).  Output is byte-reproducible.  Callers pass an open
 * FILE* (cmd/ writes it atomically); a write failure is FFNN_EIO.
 */
#ifndef FFNN_PLOT_EXPLAIN_H
#define FFNN_PLOT_EXPLAIN_H

#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/explain.h"

typedef struct {
    const char *title;  /* NULL: a default naming the method */
    int max_display;    /* features drawn (10); the rest summed in one row */
    double width;       /* figure width in pixels (0 = 760) */
} ffnn_plot_explain_options;

ffnn_plot_explain_options ffnn_plot_explain_default(void);

/* Horizontal bars of mean |SHAP| per feature over the explained rows; with
 * several outputs (classes) the bars are stacked, one colour per output, as
 * shap's multi-output summary bar chart, with a legend. */
ffnn_status ffnn_plot_shap_bar_write(FILE *fp, const ffnn_shap *s,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err);

/* Beeswarm: one row per feature, one dot per explained row at x = its SHAP
 * value, piled up where values are dense; colour from blue (low feature
 * value) to red (high), scaled between the feature's 5th and 95th
 * percentiles; categorical features are grey.  Several outputs give one
 * panel per output, one above the other. */
ffnn_status ffnn_plot_shap_beeswarm_write(FILE *fp, const ffnn_shap *s,
                                          const ffnn_plot_explain_options *opt, ffnn_error *err);

/* One explained row's signed SHAP values for one output, as shap's bar plot
 * of a single explanation (and the tutorial's barh of deep_shap_values[0][0]):
 * features ordered by |value|, largest at the top, a red bar to the right
 * for a positive value and a blue one to the left for a negative one, the
 * value beside it; a subtitle gives f(x) and the base value, whose
 * difference the bars add up to.  row is 0-based in the explained rows,
 * output an index of s->output_names.  FFNN_EUSAGE for a row or output out
 * of range ("row 9: the input has 5 rows (0 to 4)"). */
ffnn_status ffnn_plot_shap_row_write(FILE *fp, const ffnn_shap *s, long row, int output,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err);

/* Horizontal bars of mean permutation importance with ±std whiskers; the
 * features beyond max_display are left out (counted in a note). */
ffnn_status ffnn_plot_perm_bar_write(FILE *fp, const ffnn_perm_importance *p,
                                     const ffnn_plot_explain_options *opt, ffnn_error *err);

#endif
