/* ffnn — CSV reading (RFC 4180 plus LF/CRLF/CR line ends, a UTF-8 BOM at
 * byte 0, a missing final newline, quoted fields holding commas, quotes and
 * line breaks kept verbatim), and helpers for fields.  Numbers in fields are
 * parsed by ffnn/num.h, included here for the programs that read CSV.
 *
 * The reader streams: it holds one record at a time, so memory is flat in the
 * input length.  Line numbers are 1-based physical lines (a quoted line break
 * advances them); columns are 1-based field numbers.
 */
#ifndef FFNN_CSV_H
#define FFNN_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ffnn/error.h"
#include "ffnn/num.h"
#include "ffnn/pool.h"

typedef struct ffnn_csv_reader ffnn_csv_reader;

/* Wraps an open stream (not closed by the reader).  name is used in messages
 * ("iris.csv", "<stdin>"). */
ffnn_status ffnn_csv_reader_create(ffnn_csv_reader **out, FILE *fp, const char *name,
                                   ffnn_error *err);
void ffnn_csv_reader_destroy(ffnn_csv_reader *r);

/* Reads the next record.  On success sets *nfields and *fields (NUL-terminated
 * strings owned by the reader, valid until the next call) and returns FFNN_OK;
 * at end of input returns FFNN_OK with *nfields = 0.  A record that is one
 * empty line is skipped.  Errors: FFNN_EDATA for an unterminated quote or a
 * quote inside an unquoted field ("file:line:col: ..."), FFNN_EIO on a read
 * error. */
ffnn_status ffnn_csv_next(ffnn_csv_reader *r, char ***fields, int *nfields, ffnn_error *err);
/* Error messages are one line, "name:line:col: <what>" with <what> one of
 * "unterminated quoted field" (line of the opening quote), "quote inside
 * unquoted field", "text after closing quote", "NUL byte in input". */

/* Line on which the record last returned starts (1-based). */
long ffnn_csv_line(const ffnn_csv_reader *r);
const char *ffnn_csv_name(const ffnn_csv_reader *r);
/* Size in bytes of the input when it is a regular file, else -1. */
long long ffnn_csv_size(const ffnn_csv_reader *r);

/* ---- blocks: reading in parallel ----------------------------------------
 *
 * A block is a run of whole records: reading one is the only step that must
 * follow the input in order (it finds the last line break outside quotes
 * and counts lines), so blocks can be scanned on other threads at once.
 * A block's bytes are scanned in place (fields are NUL-terminated and quoted
 * fields unescaped where they stand). */
typedef struct {
    char *buf;          /* len bytes, and one spare for the scanner */
    size_t len, cap;
    long line;          /* line of buf[0] (1-based) */
    long lines;         /* line breaks in the block */
    long long offset;   /* input offset of buf[0] */
} ffnn_csv_block;

/* Reads the next block of about want bytes (more when one record is longer)
 * into b, whose buffer is reused; b->len is 0 at end of input.  The first
 * block of the input loses its UTF-8 BOM; records ffnn_csv_next has read
 * ahead but not returned come first.  After this call, read the input with
 * blocks only.  FFNN_EIO on a read error. */
ffnn_status ffnn_csv_read_block(ffnn_csv_reader *r, ffnn_csv_block *b, size_t want,
                                ffnn_error *err);
void ffnn_csv_block_release(ffnn_csv_block *b);

/* Splits a block into records, as ffnn_csv_next does (same fields, lines
 * and messages; name is used in them). */
typedef struct {
    char *p, *end;      /* the bytes not yet scanned */
    const char *name;
    long line;          /* line of p */
    long rec_line;      /* line on which the last record returned starts */
    char **fields;      /* the last record's fields (owned by the cursor) */
    int nf, fcap;
} ffnn_csv_cursor;

/* Points c at b (NULL: nothing); the fields array is kept for reuse.  A
 * cursor starts zeroed. */
void ffnn_csv_cursor_init(ffnn_csv_cursor *c, ffnn_csv_block *b, const char *name);
/* The next record of the block (fields valid while the block is), or
 * *nfields = 0 at its end. */
ffnn_status ffnn_csv_cursor_next(ffnn_csv_cursor *c, char ***fields, int *nfields,
                                 ffnn_error *err);
void ffnn_csv_cursor_release(ffnn_csv_cursor *c);
/* For a caller that reads simple records itself, faster than through
 * fields: the record at c->p (not a blank line) ended just before next with
 * a line break that next follows (or next is c->end), and held no quote
 * and no other line break.  Moves the cursor past it as
 * ffnn_csv_cursor_next would have. */
void ffnn_csv_cursor_skip(ffnn_csv_cursor *c, char *next);

/* For such callers: the end of the unquoted field at p (its comma or line
 * break, or e), or NULL when it holds a quote or a NUL. */
static inline const char *ffnn_csv_plain_field(const char *p, const char *e)
{
    for (; p < e && *p != ',' && *p != '\n' && *p != '\r'; p++)
        if (*p == '"' || *p == '\0')
            return NULL;
    return p;
}

/* After a field that ends at p: the next field (not last: p must be a
 * comma) or the next record (last: p must end the line, or be e); NULL
 * otherwise. */
static inline const char *ffnn_csv_plain_next(const char *p, const char *e, bool last)
{
    if (!last)
        return p < e && *p == ',' ? p + 1 : NULL;
    if (p == e)
        return p;
    if (*p == '\n')
        return p + 1;
    if (*p == '\r')
        return p + 1 + (p + 1 < e && p[1] == '\n');
    return NULL;
}

/* Blocks through the threads of a pool: each block is worked on by one
 * thread (several blocks at once), then emitted in input order, one at a
 * time, by whichever thread is free.  slot (0..slots-1) holds the block
 * from its read to its emit, so scratch kept per slot needs no lock; emit
 * sees what work left in the same slot. */
typedef struct {
    ffnn_status (*work)(void *ctx, int slot, ffnn_csv_block *b, ffnn_error *err);
    ffnn_status (*emit)(void *ctx, int slot, ffnn_error *err);
} ffnn_csv_stage;

/* Slots ffnn_csv_run uses with pool: two per thread (so a thread done out
 * of turn goes on with another block), 1 for one thread or NULL. */
int ffnn_csv_slots(const ffnn_pool *pool);
/* Reads the rest of r in blocks of about block_bytes and runs stage on
 * them with pool's threads (NULL: on this one).  Stops at the first failure
 * in input order (a read error, or a work or emit failure) and returns it:
 * every block before it is emitted, none after it.  Memory: a block and
 * its scratch per slot. */
ffnn_status ffnn_csv_run(ffnn_csv_reader *r, ffnn_pool *pool, size_t block_bytes,
                         const ffnn_csv_stage *stage, void *ctx, ffnn_error *err);

/* ---- fields ---------------------------------------------------------------- */

/* Offset of the first byte of text[0..n) that breaks UTF-8 (overlong
 * forms, surrogates and code points past U+10FFFF included), or -1. */
long ffnn_utf8_invalid(const char *text, size_t n);

/* Is the field a missing-value token: "", "NA", "NaN", "nan", "N/A", "null",
 * "?", possibly surrounded by spaces or tabs (so a blank field is missing). */
bool ffnn_csv_is_missing(const char *s);

/* A field as it may appear in a one-line message: quotes, backslashes and
 * control bytes escaped, cut at about 40 bytes ("..." marks the cut).
 * Returns buf. */
const char *ffnn_csv_show(char buf[64], const char *s);

/* Writes one field, quoting it if it holds a comma, quote, CR or LF.
 * Returns 0, or -1 on a write error. */
int ffnn_csv_write_field(FILE *fp, const char *s);

#endif
