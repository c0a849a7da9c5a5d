/* ffnn — the names of an enum's values, as the module that owns the enum
 * lists them (STYLE: files and configs store names, never integers).  A
 * module with such an enum exports ffnn_<x>_name(), ffnn_<x>_parse() and
 * ffnn_<x>_names(); whoever needs every name (a config loader listing the
 * valid ones, suggesting a near miss) takes them from the last. */
#ifndef FFNN_NAMES_H
#define FFNN_NAMES_H

#include <stddef.h>

typedef struct {
    const char *const *names;        /* names[v]: the canonical name of value v */
    int n;                           /* values 0..n-1 */
    int (*parse)(const char *name);  /* a name or alias -> value; -1 if unknown */
} ffnn_names;

/* For "did you mean" messages: the candidate nearest to word if it is
 * within edit distance 2 (and nearer than the word is long), else the one
 * candidate that word is a prefix of, else NULL. */
const char *ffnn_suggest(const char *word, const char *const *candidates, int n);

/* "a, b, c": names[0..n) for a message listing the valid ones, cut short
 * to fit size bytes. */
void ffnn_names_list(char *buf, size_t size, const char *const *names, int n);

#endif
