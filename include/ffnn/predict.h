/* ffnn — streaming prediction: CSV records in, the predictions CSV out
 * (DESIGN §3): the target column copied through when the input has it, then
 * `prediction` (class name or value), then for classification one
 * probability column per class `p_<class>`.  keep: columns copied through
 * first (identifiers).  Memory is flat in the input length: rows are read,
 * encoded and predicted in blocks; parsing overlaps prediction on a second
 * thread unless opt->threads is 1.  The output bytes do not depend on it.
 */
#ifndef FFNN_PREDICT_H
#define FFNN_PREDICT_H

#include <stdbool.h>
#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/model.h"

typedef struct {
    char **keep;     /* column names to copy through, before everything else */
    int n_keep;
    int block_rows;  /* rows per forward pass, default 1024 */
    int threads;     /* 1: one thread; otherwise a reader thread parses the
                        next block while this one predicts (same output) */
    bool check_target; /* a target value the model cannot have (a class it
                          does not know, a missing or non-numeric value) is
                          FFNN_EDATA "file:line:col: unknown class ..." */
} ffnn_predict_options;

/* Reads CSV from in (name for messages), writes predictions CSV to out.
 * *nrows receives the number of rows predicted (may be NULL).  Errors name
 * file:line:column; a write failure is FFNN_EIO "write error: <reason>"
 * (the caller knows the output's name and may prefix it); a stop request
 * (ffnn_request_stop) is FFNN_ECANCELED before the next block. */
ffnn_status ffnn_predict_stream(const ffnn_model *m, FILE *in, const char *name, FILE *out,
                                const ffnn_predict_options *opt, long *nrows, ffnn_error *err);

#endif
