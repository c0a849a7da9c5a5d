/* ffnn — printing JSON so the bytes are reproducible and numbers exact. */
#ifndef FFNN_JSON_H
#define FFNN_JSON_H

#include "ffnn/error.h"

struct cJSON;

/* Config and hypergrid files are read whole, up to this size (so that
 * /dev/zero or an endless pipe given as one fails at once). */
#define FFNN_JSON_FILE_MAX ((size_t)64 << 20)

/* Parses text (NUL-terminated) as one JSON value with nothing but
 * whitespace after it; *out is the tree (cJSON_Delete it).  A syntax error
 * is FFNN_ECONFIG "name:line:col: invalid JSON near \"<text>\"" (col
 * counts characters), or "name:line:col: invalid JSON: unexpected end of
 * file" when the text stops inside a string, object or array. */
ffnn_status ffnn_json_parse(const char *text, const char *name, struct cJSON **out,
                            ffnn_error *err);

/* JSON text of a cJSON tree, keys in the tree's order, numbers printed so
 * they read back exactly (ffnn_format_double; non-finite as null), strings
 * escaped as cJSON does.  indent 0: compact, no spaces; else pretty with
 * indent spaces per level (arrays of scalars kept on one line).  malloc'd,
 * NULL when out of memory.  Used for every JSON file ffnn writes, so output
 * is byte-reproducible. */
char *ffnn_json_print(const struct cJSON *item, int indent);

#endif
