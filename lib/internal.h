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

#endif
