/* ffnn — printing JSON so the bytes are reproducible and numbers exact. */
#ifndef FFNN_JSON_H
#define FFNN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include "ffnn/error.h"

struct cJSON;

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

/* JSON text of a cJSON tree, keys in the tree's order, numbers printed so
 * they read back exactly (ffnn_format_double; non-finite as null), strings
 * escaped as cJSON does.  indent 0: compact, no spaces; else pretty with
 * indent spaces per level (arrays of scalars kept on one line).  malloc'd,
 * NULL when out of memory.  Used for every JSON file ffnn writes, so output
 * is byte-reproducible. */
char *ffnn_json_print(const struct cJSON *item, int indent);

/* cJSON_AddItemToObject that always takes item: adds it, or deletes it and
 * returns false (out of memory, or item NULL because making it ran out). */
bool ffnn_json_add(struct cJSON *object, const char *key, struct cJSON *item);

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
