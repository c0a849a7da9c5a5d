/* ffnn — training data from a CSV stream in one pass, on every core.
 *
 * ffnn_ingest_read gives what ffnn_table_read, ffnn_prep_fit and
 * ffnn_data_from_table (all rows, target required) give together, to the
 * bit, and the same error when the input has one (the one those calls
 * report first), without holding the file as text: blocks of whole records
 * are parsed on the pool's threads at once, each number once, into compact
 * cells that become the float matrix in place, while one thread at a time
 * adds each block's numbers to the column sums in row order, so the
 * statistics do not depend on the threads or the block size.  Memory: the
 * matrix (plus its growth while rows come in), the target, and two blocks
 * of 512 KiB and their cells per thread; a number not written as a plain decimal of up to
 * about 7 digits ("1e5", "+2", 16-digit floats) costs 16 bytes and its text
 * more, and so does each distinct text per block.
 */
#ifndef FFNN_INGEST_H
#define FFNN_INGEST_H

#include <stddef.h>
#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/preprocess.h"

/* A CSV header's names (owned). */
typedef struct {
    char **names;
    int ncols;
} ffnn_ingest_header;
void ffnn_ingest_header_release(ffnn_ingest_header *h);

typedef struct {
    int threads;           /* threads, this one included; <= 1: this one only */
    size_t block_bytes;    /* bytes per block; 0: the default (512 KiB) */
    /* Called in input order after each block with the bytes read so far
     * and the input size (-1 when unknown); a nonzero return cancels
     * (FFNN_ECANCELED).  May be NULL. */
    int (*progress)(void *ctx, long long done, long long total);
    void *ctx;
    /* NULL, or where ffnn_ingest_read puts the header's names when it
     * succeeds (released by the caller). */
    ffnn_ingest_header *header;
} ffnn_ingest_options;

ffnn_ingest_options ffnn_ingest_options_default(void);

/* Reads the CSV stream fp (name for messages), learns the preprocessing p
 * (opt NULL: defaults) and encodes every row into d.  On failure p and d
 * are left empty.  A stop request (ffnn_request_stop) is FFNN_ECANCELED. */
ffnn_status ffnn_ingest_read(ffnn_data *d, ffnn_prep *p, FILE *fp, const char *name,
                             const ffnn_prep_options *opt, const ffnn_ingest_options *io,
                             ffnn_error *err);
/* Opens path ("-" = stdin) as ffnn_table_load does and reads it. */
ffnn_status ffnn_ingest_load(ffnn_data *d, ffnn_prep *p, const char *path,
                             const ffnn_prep_options *opt, const ffnn_ingest_options *io,
                             ffnn_error *err);

/* Rows encoded with a preprocessing learned elsewhere (validation rows):
 * reads the CSV stream fp (name for messages) in blocks on io->threads
 * threads and encodes every row into d with p, target required, as
 * ffnn_table_read and ffnn_data_from_table (all rows, need_target) do, to
 * the bit, with their messages.  When expect is not NULL the header must
 * name exactly its columns, in any order (ffnn_ingest_check_columns, with
 * expect_source as the other file's name).  The first error in file order
 * is the one reported (a ragged row, a bad value or an unknown class, as
 * each row is read); d is left empty on failure.  Memory: d (grown as rows
 * come in) and two blocks of rows per thread. */
ffnn_status ffnn_ingest_encode(ffnn_data *d, const ffnn_prep *p, FILE *fp, const char *name,
                               const ffnn_ingest_header *expect, const char *expect_source,
                               const ffnn_ingest_options *io, ffnn_error *err);

/* Whether a second file's header (names, ncols; source for messages) has
 * the columns of the first (expect, from expect_source), no fewer and no
 * more: FFNN_EDATA "val.csv: no column \"x\"; validation rows need the
 * training data's columns" for the first of expect's columns it lacks, or
 * "val.csv: column \"x\" is not in the training data train.csv" for the
 * first of its own that expect lacks. */
ffnn_status ffnn_ingest_check_columns(char *const *expect, int nexpect, const char *expect_source,
                                      char *const *names, int ncols, const char *source,
                                      ffnn_error *err);

#endif
