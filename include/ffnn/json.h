/* ffnn — printing JSON so the bytes are reproducible and numbers exact. */
#ifndef FFNN_JSON_H
#define FFNN_JSON_H

struct cJSON;

/* JSON text of a cJSON tree, keys in the tree's order, numbers printed so
 * they read back exactly (ffnn_format_double; non-finite as null), strings
 * escaped as cJSON does.  indent 0: compact, no spaces; else pretty with
 * indent spaces per level (arrays of scalars kept on one line).  malloc'd,
 * NULL when out of memory.  Used for every JSON file ffnn writes, so output
 * is byte-reproducible. */
char *ffnn_json_print(const struct cJSON *item, int indent);

#endif
