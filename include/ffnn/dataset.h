/* ffnn — tables: a CSV file held as strings (header + rows), written back,
 * and seeded train/test splits of their rows.  What a model learns from a
 * table and how rows become network input is ffnn/preprocess.h.
 */
#ifndef FFNN_DATASET_H
#define FFNN_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ffnn/csv.h"
#include "ffnn/error.h"
#include "ffnn/rng.h"

/* ---- tables ---------------------------------------------------------- */

typedef struct {
    int ncols;
    char **names;     /* ncols header names */
    long nrows;
    char **cells;     /* nrows*ncols, row-major, strings owned by the table */
    long *lines;      /* nrows: line number each row starts on (messages) */
    char *source;     /* file name used in messages */
    void *arena;      /* private: the chunks the cells live in */
} ffnn_table;

/* Reads a whole CSV (header required).  Ragged rows are FFNN_EDATA
 * "file:line: expected N fields, got M"; an empty file is FFNN_EDATA
 * "file: empty file"; header only is FFNN_EDATA "file: no data rows" (allowed
 * if allow_empty).  Duplicate header names are FFNN_EDATA "file:line:
 * duplicate column name \"x\" (columns I and J)".  On error t is left empty. */
ffnn_status ffnn_table_read(ffnn_table *t, FILE *fp, const char *name, bool allow_empty,
                            ffnn_error *err);
/* Opens path ("-" = stdin) and reads it; a missing file or a directory is
 * FFNN_ENOINPUT "path: cannot open: <reason>". */
ffnn_status ffnn_table_load(ffnn_table *t, const char *path, bool allow_empty, ffnn_error *err);
void ffnn_table_release(ffnn_table *t);
/* Opens path for reading ("-" = stdin, returned as is; close anything
 * else); a missing file or a directory is FFNN_ENOINPUT
 * "path: cannot open: <reason>". */
ffnn_status ffnn_table_open(const char *path, FILE **fp, ffnn_error *err);
/* Reads the header row of r (name for messages; fields as ffnn_csv_next
 * gives them) and applies the rules for one: none at all is FFNN_EDATA
 * "file: empty file"; names must be UTF-8 (FFNN_EDATA "file:line:col:
 * column name is not valid UTF-8") and distinct (FFNN_EDATA "file:line:
 * duplicate column name \"x\" (columns I and J)", the pair whose second
 * column comes first).  Every reader of a CSV header but predict's (which
 * lets extra columns be any bytes) goes through it. */
ffnn_status ffnn_table_read_header(ffnn_csv_reader *r, const char *name, char ***fields,
                                   int *ncols, ffnn_error *err);
/* A header's names sorted for lookups (by name, then column):
 * ffnn_table_name_index makes it (n entries, malloc'd; NULL when out of memory),
 * ffnn_table_name_find gives the first column of a name, or -1. */
typedef struct {
    const char *name;
    int col;
} ffnn_name_col;
ffnn_name_col *ffnn_table_name_index(char *const *names, int n);
int ffnn_table_name_find(const ffnn_name_col *v, int n, const char *name);
/* The second rule alone (distinct names), in n log n. */
ffnn_status ffnn_table_check_names(char *const *names, int ncols, const char *source, long line,
                                   ffnn_error *err);
/* Index of the column named name, or -1. */
int ffnn_table_col(const ffnn_table *t, const char *name);
/* Writes the header and the given rows (rows NULL = all, in order), fields
 * quoted as needed, LF line ends.  Returns 0, or -1 on a write error. */
int ffnn_table_write(const ffnn_table *t, FILE *fp, const long *rows, long n);

/* Seeded split of row indices: test gets ceil(test_fraction * n) rows (scikit-learn)
 * (at least 1 and at most n-1 when n >= 2).  With strata (n labels, or NULL)
 * each stratum is split in proportion (largest-remainder allocation) so class
 * shares match.  Output index lists keep the shuffled order.  train/test must
 * hold n entries each; counts returned in *ntrain, *ntest. */
ffnn_status ffnn_split_indices(long n, double test_fraction, const int *strata, ffnn_rng *rng,
                               long *train, long *ntrain, long *test, long *ntest,
                               ffnn_error *err);

#endif
