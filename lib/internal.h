/* ffnn — helpers shared by lib/ files only (not installed). */
#ifndef FFNN_INTERNAL_H
#define FFNN_INTERNAL_H

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

#endif
