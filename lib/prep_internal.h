/* ffnn — the rules of ffnn_prep_fit, shared by its two callers: the table
 * path (preprocess.c, cells held as strings) and the one-pass reader
 * (ingest.c, cells parsed as they are read).  Each path scans its cells in
 * its own way; what the scans mean (typing, statistics, the task, classes)
 * and every message are decided here, once.  Not installed. */
#ifndef FFNN_PREP_INTERNAL_H
#define FFNN_PREP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "ffnn/preprocess.h"

/* Resolves the roles of a header's columns: *tcol is opt->target's column
 * (default the last), skip[j] is true for the target and the ignored
 * columns, decl[j] the declared type of a feature (0 numeric, 1
 * categorical, -1 not declared; ncols entries each).  Sets p->standardize,
 * p->impute and p->target.  Fails as ffnn_prep_fit documents, in this
 * order: an unknown target, a target named as the predictions CSV's
 * columns, an unknown ignored name, an unknown declared name, a declared
 * target or ignored column. */
ffnn_status ffnn_prep_roles(ffnn_prep *p, const ffnn_prep_options *opt, char *const *names,
                            int ncols, const char *source, int *tcol, bool *skip,
                            signed char *decl, ffnn_error *err);

/* Allocates p->columns for the columns that skip leaves, names them and
 * stores their header indices in src (ncols entries, room enough).  No
 * feature column is FFNN_EDATA. */
ffnn_status ffnn_prep_columns(ffnn_prep *p, char *const *names, int ncols, const bool *skip,
                              int *src, const char *source, ffnn_error *err);

/* Types feature column col (header column j, 0-based) as declared (decl 0
 * numeric, 1 categorical), or when not declared (decl -1) from its n
 * non-missing cells of which nnum are numbers: categorical when some are
 * not numbers.  A column of mostly numbers with a few others, or one
 * declared numeric with any non-number, is FFNN_EDATA at the first
 * non-number (its line and text), since a typo turning a numeric column into
 * categories would be worse than the error. */
ffnn_status ffnn_prep_type(ffnn_prep_column *col, int decl, long n, long nnum,
                           const char *source, long bad_line, int j, const char *bad_text,
                           ffnn_error *err);

/* Lays the encoded features out (offsets, n_features) and allocates
 * mean/scale as identity.  Too wide is FFNN_EDATA. */
ffnn_status ffnn_prep_layout(ffnn_prep *p, const char *source, ffnn_error *err);

/* Imputation value and standardisation of numeric column c from the sum and
 * the squared deviations of its nnum numbers over nrows rows (both summed in
 * row order).  No number at all is FFNN_EDATA. */
ffnn_status ffnn_prep_stats(ffnn_prep *p, int c, long nnum, double sum, double ss, long nrows,
                            const char *source, ffnn_error *err);

/* The task from what the target column holds: every value a number
 * (all_num), every value an integer label (all_int), k distinct values (by
 * number when all_int, else by text) over n rows; first_text is the first
 * value that is not a number (with its line), for messages.  Sets p->task,
 * or fails as ffnn_prep_fit documents. */
ffnn_status ffnn_prep_task(ffnn_prep *p, const ffnn_prep_options *opt, bool all_num, bool all_int,
                           long k, long n, const char *source, int tcol, long first_text_line,
                           const char *first_text, ffnn_error *err);

/* Names the k classes: integer labels of the sorted distinct values vals
 * when all_int, else the sorted distinct strings strs (copied). */
ffnn_status ffnn_prep_classes(ffnn_prep *p, bool all_int, const double *vals,
                              const char *const *strs, long k, const char *source,
                              ffnn_error *err);

/* Is v an integer class label (integral, |v| <= 2^53)?  Its text ("2.0"
 * -> "2") into buf. */
bool ffnn_prep_is_int_label(double v);
void ffnn_prep_int_label(char buf[32], double v);

/* "a, b, c" into buf, cut with ", ..." when it does not fit; returns buf. */
const char *ffnn_prep_join_names(char *buf, size_t size, char *const *names, int n);

/* Messages, "source:line:col: ..." */
ffnn_status ffnn_prep_missing_value(ffnn_error *err, const char *source, long line, int col,
                                    const char *name);
ffnn_status ffnn_prep_missing_target(ffnn_error *err, const char *source, long line, int col,
                                     const char *name);
ffnn_status ffnn_prep_out_of_range(ffnn_error *err, const char *source, long line, int col,
                                   const char *text);
ffnn_status ffnn_prep_not_utf8(ffnn_error *err, const char *source, long line, int col,
                               const char *name);
ffnn_status ffnn_prep_not_number(ffnn_error *err, const char *source, long line, int col,
                                 const char *name, const char *text);
ffnn_status ffnn_prep_standardised_overflow(ffnn_error *err, const char *source, long line,
                                            int col, const char *text, const ffnn_prep *p,
                                            const ffnn_prep_column *c);

/* qsort comparators: strings (char * elements) by byte order, doubles. */
int ffnn_prep_cmp_str(const void *a, const void *b);
int ffnn_prep_cmp_double(const void *a, const void *b);
/* Index of s in the byte-ordered strings v[0..n), or -1. */
int ffnn_prep_find_str(char *const *v, int n, const char *s);

#endif
