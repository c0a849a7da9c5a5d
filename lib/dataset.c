/* ffnn — CSV tables (read, write, column lookup) and seeded train/test splits. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "internal.h"

/* Cell strings live in chunks of at least ARENA_CHUNK bytes (one malloc per
 * chunk rather than per cell: reading a 6-million-cell file went from
 * allocation-bound to parse-bound). */
#ifndef ARENA_CHUNK /* a test build may shrink it (tests/fuzz: tables span chunks) */
#define ARENA_CHUNK ((size_t)1 << 20)
#endif

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    char data[];
} arena_chunk;

static char *arena_strdup(ffnn_table *t, const char *s)
{
    size_t n = strlen(s) + 1;
    arena_chunk *c = t->arena;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        arena_chunk *nc = malloc(sizeof *nc + size);
        if (!nc)
            return NULL;
        nc->next = c;
        nc->used = 0;
        nc->size = size;
        t->arena = c = nc;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    c->used += n;
    return p;
}

void ffnn_table_release(ffnn_table *t)
{
    if (!t)
        return;
    if (t->names)
        for (int j = 0; j < t->ncols; j++)
            free(t->names[j]);
    for (arena_chunk *c = t->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(t->names);
    free(t->cells);
    free(t->lines);
    free(t->source);
    memset(t, 0, sizeof *t);
}

static int cmp_name_col(const void *a, const void *b)
{
    const ffnn_name_col *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->col > y->col) - (x->col < y->col);
}

ffnn_name_col *ffnn_table_name_index(char *const *names, int n)
{
    ffnn_name_col *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (int j = 0; j < n; j++)
        v[j] = (ffnn_name_col){names[j], j};
    qsort(v, (size_t)n, sizeof *v, cmp_name_col);
    return v;
}

int ffnn_table_name_find(const ffnn_name_col *v, int n, const char *name)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].name, name) == 0 ? v[lo].col : -1;
}

ffnn_status ffnn_table_read_header(ffnn_csv_reader *r, const char *name, char ***fields,
                                   int *ncols, ffnn_error *err)
{
    char **f;
    int nf;
    ffnn_status st;
    if ((st = ffnn_csv_next(r, &f, &nf, err)))
        return st;
    if (nf == 0)
        return ffnn_error_set(err, FFNN_EDATA, "%s: empty file", name);
    long line = ffnn_csv_line(r);
    /* Names end up in model files, JSON and SVG, which must be UTF-8. */
    for (int j = 0; j < nf; j++)
        if (ffnn_utf8_invalid(f[j], strlen(f[j])) >= 0)
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: column name is not valid UTF-8",
                                  name, line, j + 1);
    if ((st = ffnn_table_check_names(f, nf, name, line, err)))
        return st;
    *fields = f;
    *ncols = nf;
    return FFNN_OK;
}

ffnn_status ffnn_table_check_names(char *const *names, int ncols, const char *source, long line,
                                   ffnn_error *err)
{
    ffnn_name_col *v = ffnn_table_name_index(names, ncols);
    if (!v)
        return ffnn_error_nomem(err);
    /* Report the duplicate pair whose second column comes first. */
    int first = -1, second = -1;
    for (int j = 1; j < ncols; j++)
        if (strcmp(v[j].name, v[j - 1].name) == 0 && (second < 0 || v[j].col < second)) {
            first = v[j - 1].col;
            second = v[j].col;
        }
    free(v);
    if (second < 0)
        return FFNN_OK;
    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld: duplicate column name \"%s\" (columns %d and %d)",
                          source, line, names[second], first + 1, second + 1);
}

ffnn_status ffnn_table_read(ffnn_table *t, FILE *fp, const char *name, bool allow_empty,
                            ffnn_error *err)
{
    ffnn_csv_reader *r = NULL;
    ffnn_status st;
    char **f;
    int nf;
    long cap = 0;

    memset(t, 0, sizeof *t);
    if (!(t->source = strdup(name ? name : "<input>")))
        return ffnn_error_nomem(err);
    if ((st = ffnn_csv_reader_create(&r, fp, t->source, err)) != FFNN_OK)
        goto fail;
    if ((st = ffnn_table_read_header(r, t->source, &f, &nf, err)) != FFNN_OK)
        goto fail;
    if (!(t->names = calloc((size_t)nf, sizeof *t->names)))
        goto nomem;
    t->ncols = nf;
    for (int j = 0; j < nf; j++)
        if (!(t->names[j] = strdup(f[j])))
            goto nomem;
    for (;;) {
        if ((st = ffnn_csv_next(r, &f, &nf, err)) != FFNN_OK)
            goto fail;
        if (nf == 0)
            break;
        if (nf != t->ncols) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", t->source,
                                ffnn_csv_line(r), t->ncols, nf);
            goto fail;
        }
        if (t->nrows == cap) {
            long ncap = cap ? cap * 2 : 256;
            if ((size_t)ncap > SIZE_MAX / sizeof(char *) / (size_t)t->ncols)
                goto nomem;
            char **c = realloc(t->cells, (size_t)ncap * (size_t)t->ncols * sizeof *c);
            if (!c)
                goto nomem;
            t->cells = c;
            long *l = realloc(t->lines, (size_t)ncap * sizeof *l);
            if (!l)
                goto nomem;
            t->lines = l;
            cap = ncap;
        }
        char **row = t->cells + t->nrows * t->ncols;
        for (int j = 0; j < nf; j++)
            if (!(row[j] = arena_strdup(t, f[j])))
                goto nomem;
        t->lines[t->nrows++] = ffnn_csv_line(r);
    }
    if (t->nrows == 0 && !allow_empty) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: no data rows", t->source);
        goto fail;
    }
    ffnn_csv_reader_destroy(r);
    return FFNN_OK;
nomem:
    st = ffnn_error_nomem(err);
fail:
    ffnn_csv_reader_destroy(r);
    ffnn_table_release(t);
    return st;
}

ffnn_status ffnn_table_open(const char *path, FILE **fp, ffnn_error *err)
{
    *fp = NULL;
    if (strcmp(path, "-") == 0) {
        *fp = stdin;
        return FFNN_OK;
    }
    FILE *f = fopen(path, "rb");
    struct stat sb;
    int e = !f ? errno : fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode) ? EISDIR : 0;
    if (e) {
        if (f)
            fclose(f);
        if (e == ENOMEM)
            return ffnn_error_nomem(err);
        return ffnn_error_set(err, FFNN_ENOINPUT, "%s: cannot open: %s", path, strerror(e));
    }
    *fp = f;
    return FFNN_OK;
}

ffnn_status ffnn_table_load(ffnn_table *t, const char *path, bool allow_empty, ffnn_error *err)
{
    FILE *fp;
    ffnn_status st = ffnn_table_open(path, &fp, err);
    if (st) {
        memset(t, 0, sizeof *t);
        return st;
    }
    st = ffnn_table_read(t, fp, fp == stdin ? "<stdin>" : path, allow_empty, err);
    if (fp != stdin)
        fclose(fp);
    return st;
}

int ffnn_table_col(const ffnn_table *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

/* Writes one record.  A lone empty field is quoted, since a blank line would
 * be skipped on reading. */
static int write_record(FILE *fp, char *const *fields, int n)
{
    if (n == 1 && fields[0][0] == '\0')
        return fputs("\"\"\n", fp) < 0 ? -1 : 0;
    for (int j = 0; j < n; j++) {
        if (j && putc(',', fp) == EOF)
            return -1;
        if (ffnn_csv_write_field(fp, fields[j]) != 0)
            return -1;
    }
    return putc('\n', fp) == EOF ? -1 : 0;
}

int ffnn_table_write(const ffnn_table *t, FILE *fp, const long *rows, long n)
{
    if (write_record(fp, t->names, t->ncols) != 0)
        return -1;
    if (!rows)
        n = t->nrows;
    for (long i = 0; i < n; i++) {
        long r = rows ? rows[i] : i;
        if (write_record(fp, t->cells + r * t->ncols, t->ncols) != 0)
            return -1;
    }
    return ferror(fp) ? -1 : 0;
}

/* ---- split ---------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Index of v in the sorted distinct values u[0..k). */
static long find_int(const int *u, long k, int v)
{
    long lo = 0, hi = k - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (u[mid] < v)
            lo = mid + 1;
        else if (u[mid] > v)
            hi = mid - 1;
        else
            return mid;
    }
    return -1;
}

ffnn_status ffnn_split_indices(long n, double test_fraction, const int *strata, ffnn_rng *rng,
                               long *train, long *ntrain, long *test, long *ntest,
                               ffnn_error *err)
{
    *ntrain = *ntest = 0;
    if (!(test_fraction > 0.0 && test_fraction < 1.0))
        return ffnn_error_set(err, FFNN_EUSAGE, "test fraction must be between 0 and 1, got %g",
                              test_fraction);
    if (n < 0)
        return ffnn_error_set(err, FFNN_EINTERNAL, "split: negative row count");
    if (n == 0)
        return FFNN_OK;
    /* scikit-learn's train_test_split: n_test = ceil(test_size * n). */
    long nt = (long)ceil(test_fraction * (double)n);
    if (n >= 2) {
        if (nt < 1)
            nt = 1;
        if (nt > n - 1)
            nt = n - 1;
    }

    /* One shuffle of all rows; rows then go to test in shuffled order until
     * their stratum's quota is met, so both lists stay shuffled. */
    long *perm = malloc((size_t)n * sizeof *perm);
    if (!perm)
        return ffnn_error_nomem(err);
    for (long i = 0; i < n; i++)
        perm[i] = i;
    for (long i = n; i > 1; i--) {
        long j = (long)ffnn_rng_below(rng, (uint64_t)i);
        long tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }

    if (!strata) {
        for (long i = 0; i < n; i++) {
            if (i < nt)
                test[(*ntest)++] = perm[i];
            else
                train[(*ntrain)++] = perm[i];
        }
        free(perm);
        return FFNN_OK;
    }

    int *u = malloc((size_t)n * sizeof *u);
    long *count = calloc((size_t)n, sizeof *count);
    long *quota = calloc((size_t)n, sizeof *quota);
    long *order = malloc((size_t)n * sizeof *order);
    if (!u || !count || !quota || !order) {
        free(perm), free(u), free(count), free(quota), free(order);
        return ffnn_error_nomem(err);
    }
    memcpy(u, strata, (size_t)n * sizeof *u);
    qsort(u, (size_t)n, sizeof *u, cmp_int);
    long k = 0;
    for (long i = 0; i < n; i++)
        if (i == 0 || u[i] != u[k - 1])
            u[k++] = u[i];
    for (long i = 0; i < n; i++)
        count[find_int(u, k, strata[i])]++;

    /* Largest remainder: floor(nt*c/n) each, then one more to the strata
     * with the largest remainders nt*c mod n (ties: larger stratum, then
     * smaller label), computed exactly in integers. */
    long given = 0;
    for (long s = 0; s < k; s++) {
        quota[s] = (long)((long long)nt * count[s] / n);
        given += quota[s];
        order[s] = s;
    }
    for (long left = nt - given; left > 0; left--) {
        long best = -1;
        long long best_rem = -1;
        for (long s = 0; s < k; s++) {
            if (order[s] < 0)
                continue;
            long long rem = (long long)nt * count[s] % n;
            if (rem > best_rem || (rem == best_rem && count[s] > count[best])) {
                best = s;
                best_rem = rem;
            }
        }
        quota[best]++;
        order[best] = -1;
    }
    for (long i = 0; i < n; i++) {
        long r = perm[i];
        long s = find_int(u, k, strata[r]);
        if (quota[s] > 0) {
            quota[s]--;
            test[(*ntest)++] = r;
        } else {
            train[(*ntrain)++] = r;
        }
    }
    free(perm), free(u), free(count), free(quota), free(order);
    return FFNN_OK;
}
