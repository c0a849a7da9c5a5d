/* ffnn — what lib/ingest.c (reading) and lib/ingest_fit.c (fitting and
 * encoding) share.  Not installed.
 *
 * A cell is 32 bits until it becomes a float of the matrix, in place:
 *   0 s nnnnn m..m   a plain decimal "[-](0|[1-9][0-9]*)[.[0-9]+]": s the
 *                    sign, n the digits after the point (0..22), m all its
 *                    digits as an integer (< 2^25); value and text both
 *                    follow from these
 *   1 i..i           entry i of the block's store: any other number (its
 *                    value and text) or a text (its text, once per column)
 *   all ones         a missing value
 */
#ifndef FFNN_INGEST_INTERNAL_H
#define FFNN_INGEST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "ffnn/csv.h"
#include "ffnn/ingest.h"
#include "ffnn/pool.h"

/* Bytes per block: large enough that handing blocks out costs nothing,
 * small beside the matrix.  A test build shrinks it with CSV_CHUNK (the
 * fuzz build: a few dozen bytes, so records straddle blocks). */
#ifdef CSV_CHUNK
#define DEFAULT_BLOCK ((size_t)CSV_CHUNK)
#else
#define DEFAULT_BLOCK ((size_t)1 << 19)
#endif

#define CELL_ENTRY   0x80000000u
#define CELL_MISSING 0xFFFFFFFFu
#define CELL_NEG     0x40000000u
#define CELL_NF_SHIFT 25
#define CELL_M_MASK  0x01FFFFFFu

static inline bool cell_is_short(uint32_t c)
{
    return !(c & CELL_ENTRY);
}

static inline double cell_short_value(uint32_t c)
{
    return ffnn_num_decimal(c & CELL_M_MASK, (int)(c >> CELL_NF_SHIFT & 31), (c & CELL_NEG) != 0);
}

typedef struct {
    double v;            /* the number; NaN for a text */
    uint32_t text;       /* offset of its text in the store */
    int32_t cat;         /* a text's category or class index, once known */
} ing_entry;

/* The texts of one column in one block, each once: open addressing over
 * entry indices + 1 (0: empty). */
typedef struct {
    uint32_t *slot;
    uint32_t mask, n;
} ing_dict;

/* What a block's cells refer to. */
typedef struct {
    ing_entry *e;
    uint32_t n, cap;
    char *text;          /* NUL-terminated texts */
    size_t tlen, tcap;
    ing_dict *dict;      /* one per column, NULL until the block's first text */
} ing_store;

/* A column's counts and first events (rows, and the lines they start on),
 * in one block or in all rows read so far; -1: none. */
typedef struct {
    long n, nnum;        /* non-missing cells; numbers among them */
    long nonint;         /* numbers that are not integer labels */
    long bad, missing, inf, utf8; /* first: text, missing value, number
                                     beyond float32, text not UTF-8 */
    long bad_line, missing_line, inf_line, utf8_line;
} ing_scan;

/* The rows of one block, once emitted. */
typedef struct {
    long row0, rows;
    long line0;
    long *lines;         /* per row, or NULL: row i starts on line line0 + i */
    ing_store st;
} ing_chunk;

/* A thread's scratch for the block it parses. */
typedef struct {
    long rows, cap;
    uint32_t *cells;     /* rows × nfeat */
    uint32_t *tcells;    /* rows: the target */
    double *val;         /* rows × nfeat: each number's value, 0 for other cells */
    long *lines;         /* rows */
    ing_scan *scan;      /* per column, the target last */
    ing_store st;
    ffnn_csv_cursor cur;
    long long end;       /* input offset after the block */
} ing_slot;

typedef struct {
    const char *name;
    const ffnn_prep_options *opt;
    ffnn_prep *p;
    ffnn_pool *pool;
    int ncols;           /* fields per record */
    char **names;        /* the header */
    int nfeat;           /* feature columns (0 while the roles are not known) */
    int *src;            /* their header columns */
    int tcol;            /* the target's header column, -1 while not known */
    int *role;           /* per header column: its feature, nfeat for the
                            target, -1 for neither */
    signed char *decl;   /* per header column: declared type, as
                            ffnn_prep_type takes it */
    ffnn_status role_st; /* why the roles are not known (reported after the rows) */
    ffnn_error role_err;
    long nrows, cap;
    uint32_t *cells;     /* nrows × nfeat: becomes the matrix */
    uint64_t *tcells;    /* nrows: becomes the targets */
    ing_scan *scan;      /* nfeat + 1 */
    double *sum;         /* nfeat */
    ing_chunk *chunks;
    long nchunks, chunk_cap;
    ing_slot *slots;
    int nslots;
    const ffnn_ingest_options *io;
    long long total;
} ingest;

/* Fits p from what reading gathered and turns the cells into d (ingest_fit.c). */
ffnn_status ffnn_ingest_fit(ingest *g, ffnn_data *d, ffnn_error *err);

/* The chunk holding row i; the line row i starts on. */
const ing_chunk *ffnn_ingest_chunk(const ingest *g, long i);
long ffnn_ingest_line(const ingest *g, long i);
/* The text of cell c of row i (c == nfeat: the target), written into buf
 * when it has to be made.  A missing value's token is not kept: "". */
const char *ffnn_ingest_text(const ingest *g, long i, int c, char buf[48]);
/* The text of a cell of chunk ch. */
const char *ffnn_ingest_cell_text(const ing_chunk *ch, uint32_t cell, char buf[48]);
/* The text of a plain decimal cell into buf; returns buf. */
char *ffnn_ingest_short_text(uint32_t c, char buf[48]);

#endif
