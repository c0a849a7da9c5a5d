/* ffnn — JSON: one printer for every JSON text ffnn writes (bytes
 * reproducible, numbers exact), and parsing with positioned messages. */
#ifndef FFNN_JSON_H
#define FFNN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ffnn/error.h"

struct cJSON;

/* ---- writing ------------------------------------------------------------------
 * Every JSON text ffnn writes (reports, config and tune files, the model
 * header) goes through this writer, whether it is emitted member by member
 * or walked from a cJSON tree (ffnn_json_tree, ffnn_json_print):
 *  - numbers read back exactly: the shortest of %.15g, %.16g, %.17g that
 *    does (ffnn_format_double); NaN and infinities as null;
 *  - strings escaped as cJSON escapes them (", \, \b, \f, \n, \r, \t,
 *    other control bytes as \u00XX; UTF-8 passes through);
 *  - layout: indent 0 is compact (no spaces at all).  Otherwise a container
 *    puts each member on its own line, indent spaces deeper, and keys as
 *    "key": value; a container opened flat keeps its members on one line,
 *    separated by ", ", and so does everything inside it.
 * The writer keeps no stack: the caller closes what it opened, in order.
 * A stream sink writes as it goes (the caller checks ferror); a buffer sink
 * collects the text for ffnn_json_writer_text. */
typedef struct {
    FILE *fp;          /* the stream, or NULL: into buf */
    char *buf;         /* buffer sink: the text so far (NUL-terminated) */
    size_t len, cap;
    int indent;        /* spaces per level; 0 = compact */
    int depth;         /* containers open */
    int flat_depth;    /* depth of the outermost flat container; 0 = none */
    bool first;        /* the innermost container has no member yet */
    bool after_key;    /* a key is written; its value comes next */
    bool failed;       /* buffer sink: out of memory */
} ffnn_json_writer;

/* fp NULL: a buffer sink. */
void ffnn_json_writer_init(ffnn_json_writer *w, FILE *fp, int indent);
/* The buffer sink's text (malloc'd; the caller frees it), or NULL when out
 * of memory; the writer holds nothing afterwards. */
char *ffnn_json_writer_text(ffnn_json_writer *w);

void ffnn_json_begin_object(ffnn_json_writer *w, bool flat);
void ffnn_json_end_object(ffnn_json_writer *w);
void ffnn_json_begin_array(ffnn_json_writer *w, bool flat);
void ffnn_json_end_array(ffnn_json_writer *w);
/* An object member's key; its value is the next thing written. */
void ffnn_json_key(ffnn_json_writer *w, const char *key);
/* Values.  ffnn_json_string(NULL) writes null. */
void ffnn_json_string(ffnn_json_writer *w, const char *s);
void ffnn_json_number(ffnn_json_writer *w, double v);
/* A float32 value in the fewest digits that read back as that float
 * (ffnn_format_float: 0.1f is 0.1). */
void ffnn_json_float(ffnn_json_writer *w, float v);
void ffnn_json_int(ffnn_json_writer *w, long long v);
void ffnn_json_uint(ffnn_json_writer *w, unsigned long long v);
void ffnn_json_bool(ffnn_json_writer *w, bool v);
void ffnn_json_null(ffnn_json_writer *w);
void ffnn_json_key_string(ffnn_json_writer *w, const char *key, const char *s);
void ffnn_json_key_number(ffnn_json_writer *w, const char *key, double v);
void ffnn_json_key_int(ffnn_json_writer *w, const char *key, long long v);
/* Flat arrays of n numbers / strings. */
void ffnn_json_number_array(ffnn_json_writer *w, const double *v, long n);
void ffnn_json_string_array(ffnn_json_writer *w, char *const *v, long n);
/* A cJSON tree as a value: keys in the tree's order, arrays of scalars
 * flat, other containers not. */
void ffnn_json_tree(ffnn_json_writer *w, const struct cJSON *item);
/* The JSON text of a cJSON tree (ffnn_json_tree into a buffer sink):
 * malloc'd, NULL when out of memory. */
char *ffnn_json_print(const struct cJSON *item, int indent);

/* cJSON_AddItemToObject that always takes item: adds it, or deletes it and
 * returns false (out of memory, or item NULL because making it ran out). */
bool ffnn_json_add(struct cJSON *object, const char *key, struct cJSON *item);

/* ---- parsing ------------------------------------------------------------------ */

/* Config and hypergrid files are read whole, up to this size (so that
 * /dev/zero or an endless pipe given as one fails at once). */
#define FFNN_JSON_FILE_MAX ((size_t)64 << 20)

/* Parses text (NUL-terminated) as one JSON value with nothing but
 * whitespace after it; *out is the tree (cJSON_Delete it).  A syntax error
 * is FFNN_ECONFIG "name:line:col: invalid JSON near \"<text>\"" (col
 * counts characters), or "name:line:col: invalid JSON: unexpected end of
 * file" when the text stops inside a string, object or array; out of memory
 * is FFNN_ENOMEM (told apart as ffnn_json_parse_len does). */
ffnn_status ffnn_json_parse(const char *text, const char *name, struct cJSON **out,
                            ffnn_error *err);

/* cJSON_ParseWithLengthOpts(text, len, end, require_null_terminated), and
 * when it returns NULL, *nomem tells why: true for want of memory, false for
 * bad JSON (then *end, if end is given, points at the error).  cJSON returns
 * NULL for both; a failed malloc sets errno to ENOMEM and nothing else in its
 * parser does, so that is how they are told apart.  nomem may be NULL. */
struct cJSON *ffnn_json_parse_len(const char *text, size_t len, const char **end,
                                  bool require_null_terminated, bool *nomem);

/* Reads a config or hypergrid file whole into *text (malloc'd, NUL-ended):
 * larger than FFNN_JSON_FILE_MAX is FFNN_ECONFIG "path: larger than N
 * bytes", a NUL byte FFNN_ECONFIG "path: not a JSON text (contains a NUL
 * byte)"; a missing file FFNN_ENOINPUT as ffnn_file_read_max says. */
ffnn_status ffnn_json_read_file(const char *path, char **text, ffnn_error *err);

#endif
