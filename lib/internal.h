/* ffnn — helpers shared by lib/ files only (not installed). */
#ifndef FFNN_INTERNAL_H
#define FFNN_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* calloc that checks n*size for overflow; NULL on failure. */
static inline void *ffnn_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

static inline char *ffnn_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

#define FFNN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 1/(1+e^-x) in double without overflow for either sign (activations and
 * the losses on logits). */
static inline double ffnn_sigmoid(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* Enum <-> name through a module's table (names[v] for v in 0..n-1):
 * the name, "?" outside the table; the value, -1 for an unknown or NULL name. */
static inline const char *ffnn_enum_name(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : "?";
}

static inline int ffnn_enum_parse(const char *const *names, int n, const char *name)
{
    for (int v = 0; name && v < n; v++)
        if (strcmp(name, names[v]) == 0)
            return v;
    return -1;
}

/* Defines the pair of functions of an enum <-> name table, declared in the
 * module's header:
 *   const char *PREFIX_name(TYPE v)     names[v], "?" outside the table
 *   int PREFIX_parse(const char *name)  the value named name, or -1 */
#define FFNN_NAME_TABLE(prefix, type, names)                                                     \
    const char *prefix##_name(type v)                                                             \
    {                                                                                             \
        return ffnn_enum_name(names, (int)FFNN_ARRAY_LEN(names), (int)v);                         \
    }                                                                                             \
    int prefix##_parse(const char *name)                                                          \
    {                                                                                             \
        return ffnn_enum_parse(names, (int)FFNN_ARRAY_LEN(names), name);                          \
    }

/* The first i with v[i] equal to s, or -1 (the names of columns, classes:
 * char ** arrays, hence the different type from ffnn_enum_parse's). */
static inline int ffnn_find_string(char *const *v, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (v[i] && strcmp(v[i], s) == 0)
            return i;
    return -1;
}

/* Frees n strings and the array that holds them; v may be NULL. */
static inline void ffnn_free_strings(char **v, long n)
{
    for (long i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* Display columns of UTF-8 text: one per character (continuation bytes
 * 10xxxxxx do not count). */
static inline int ffnn_utf8_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

#endif
