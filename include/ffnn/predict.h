/* ffnn — streaming prediction: CSV records in, the predictions CSV out
 * (DESIGN §3): the target column copied through when the input has it, then
 * `prediction` (class name or value), then for classification one
 * probability column per class `p_<class>`.  keep: columns copied through
 * first (identifiers).  Memory is flat in the input length: the input is
 * read in blocks of about 256 KiB of whole records, and each thread parses,
 * encodes, predicts and formats a block of its own while the blocks'
 * outputs are written in input order.  The output bytes do not depend on
 * the threads.
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
    int threads;     /* threads, this one included; 0: two (same output) */
    bool check_target; /* a target value the model cannot have (a class it
                          does not know, a missing or non-numeric value) is
                          FFNN_EDATA "file:line:col: unknown class ..." */
    bool unseen_error; /* a categorical value the model has no category for
                          is FFNN_EDATA "file:line:col: unknown category
                          ..." (else it encodes as all zeros, scikit-learn's
                          handle_unknown="ignore") */
    long *unseen;    /* NULL, or m->prep.n_columns counters that receive,
                        per feature column, how many values were not among
                        its categories (set on success) */
    size_t block_bytes; /* input bytes per block; 0: the default (tests
                           shrink it) */
} ffnn_predict_options;

/* No kept columns, blocks of 1024 rows and 256 KiB, two threads, no target
 * check, unseen categories as zeros, not counted. */
ffnn_predict_options ffnn_predict_options_default(void);

/* Reads CSV from in (name for messages), writes predictions CSV to out.
 * *nrows receives the number of rows predicted (may be NULL).  Errors name
 * file:line:column (the first in the input); duplicate column names are
 * FFNN_EDATA, as for training.  The header line goes out with the first
 * block_rows rows, so an error among them leaves out empty; a later one
 * leaves the blocks of input before it.  A write failure is FFNN_EIO "write error: <reason>"
 * (the caller knows the output's name and may prefix it); a stop request
 * (ffnn_request_stop) is FFNN_ECANCELED before the next block. */
ffnn_status ffnn_predict_stream(const ffnn_model *m, FILE *in, const char *name, FILE *out,
                                const ffnn_predict_options *opt, long *nrows, ffnn_error *err);

#endif
