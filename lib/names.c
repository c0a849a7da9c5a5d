/* ffnn — enum names for messages: the nearest name to a misspelling, the
 * list of valid ones (see names.h). */
#include <stdio.h>
#include <string.h>
#include "ffnn/names.h"

static int levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *ffnn_suggest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    int bestd = 3;
    int wl = (int)strlen(word);
    for (int i = 0; i < n; i++) {
        int d = levenshtein(word, candidates[i]);
        /* A distance as large as the word itself is no resemblance ("x" vs "l2"). */
        if (d < bestd && d < wl) {
            best = candidates[i];
            bestd = d;
        }
    }
    if (best || wl == 0)
        return best;
    const char *prefix = NULL;
    for (int i = 0; i < n; i++)
        if (strncmp(candidates[i], word, (size_t)wl) == 0) {
            if (prefix)
                return NULL;
            prefix = candidates[i];
        }
    return prefix;
}

void ffnn_names_list(char *buf, size_t size, const char *const *names, int n)
{
    size_t k = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < n && k < size; i++) {
        int w = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}
