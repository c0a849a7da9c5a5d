/* ffnn — writing explanations: SHAP values (ffnn_shap) and permutation
 * importances (ffnn_perm_importance) as CSV, JSON or a ranked text summary,
 * the formats ffnn-explain(1) documents.
 *
 * Numbers in the CSV and the JSON carry nine significant digits: past
 * float32 precision, which the model computes in, without the double sums'
 * rounding noise; -0 is written as 0.  JSON goes through the shared writer
 * (json.h), one explained row (or one feature of a permutation result) per
 * line.  Every function writes to an open stream it does not close; a
 * failed write is FFNN_EIO "write error: <reason>", and out of memory
 * FFNN_ENOMEM with nothing written.
 */
#ifndef FFNN_EXPLAIN_IO_H
#define FFNN_EXPLAIN_IO_H

#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/explain.h"

typedef enum {
    FFNN_EXPLAIN_FORMAT_CSV = 0, /* "csv" */
    FFNN_EXPLAIN_FORMAT_JSON,    /* "json" */
    FFNN_EXPLAIN_FORMAT_SUMMARY, /* "summary": features ranked, with bars */
    FFNN_EXPLAIN_FORMAT_COUNT
} ffnn_explain_format;
const char *ffnn_explain_format_name(ffnn_explain_format f);
int ffnn_explain_format_parse(const char *name); /* -1 if unknown */

/* SHAP values in format f; each says which method ran
 * (ffnn_shap_method_label: "deep:tf" for deep through a softmax):
 *  - csv: row,output,method,base_value,output_value,<feature>... (one line
 *    per row and output);
 *  - json: {"method" (deep, exact or kernel), "requested_method" (auto or
 *    the same), "softmax_rule" (tf, torch, or null where no softmax was
 *    crossed), "output", "rows", "background_rows", "features", "outputs",
 *    "base_values", "mean_abs": [output][feature], "explanations": [{"row",
 *    "output_values", "values": [output][feature]}]};
 *  - summary: a heading naming the method (with "(auto)" when auto chose
 *    it), then mean |SHAP| per feature (summed over outputs, and per output
 *    when there are several), largest first, with a bar. */
ffnn_status ffnn_explain_write_shap(FILE *fp, const ffnn_shap *s, ffnn_explain_format f,
                                    ffnn_error *err);

/* Permutation importances in format f:
 *  - csv: feature,importance_mean,importance_std,importance_1..R;
 *  - json: {"method": "permutation", "scoring", "baseline", "repeats",
 *    "seed", "rows", "features": [{"name", "importance_mean",
 *    "importance_std", "importances"}]};
 *  - summary: features by mean importance, largest first, with a bar. */
ffnn_status ffnn_explain_write_perm(FILE *fp, const ffnn_perm_importance *p,
                                    ffnn_explain_format f, ffnn_error *err);

#endif
