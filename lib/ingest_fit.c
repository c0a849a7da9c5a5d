/* ffnn — fitting the preprocessing from what ingest.c read, and turning the
 * cells into the matrix and targets in place.  The decisions and messages
 * are prep_internal.h's, taken in ffnn_prep_fit's order, so a file gets the
 * model and the error it gets through the table path. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ingest_internal.h"
#include "internal.h"
#include "prep_internal.h"

/* The value of a number cell of chunk ch. */
static double cell_value(const ing_chunk *ch, uint32_t cell)
{
    return cell_is_short(cell) ? cell_short_value(cell) : ch->st.e[cell & ~CELL_ENTRY].v;
}

static bool cell_is_number(const ing_chunk *ch, uint32_t cell)
{
    return cell != CELL_MISSING && (cell_is_short(cell) || !isnan(ch->st.e[cell & ~CELL_ENTRY].v));
}

static uint32_t get_cell(const ingest *g, long i, int c)
{
    return c < g->nfeat ? g->cells[i * g->nfeat + c] : (uint32_t)g->tcells[i];
}


/* ---- distinct texts of a column ------------------------------------------------ */

/* The sorted distinct texts of column c (nfeat: the target): each block's
 * texts, and the numbers written as they appear.  *items points into the
 * stores and into *made (free both). */
static ffnn_status column_texts(const ingest *g, int c, const char ***items, long *nitems,
                                char **made, ffnn_error *err)
{
    long cap = 0, n = 0, nnum = g->scan[c].nnum;
    for (long k = 0; k < g->nchunks; k++)
        if (g->chunks[k].st.dict)
            cap += g->chunks[k].st.dict[c].n;
    cap += nnum;
    const char **v = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *v);
    char *buf = malloc((size_t)(nnum > 0 ? nnum : 1) * 48);
    if (!v || !buf) {
        free(v);
        free(buf);
        return ffnn_error_nomem(err);
    }
    long nb = 0;
    for (long k = 0; k < g->nchunks; k++) {
        const ing_chunk *ch = &g->chunks[k];
        if (ch->st.dict) {
            const ing_dict *d = &ch->st.dict[c];
            for (uint32_t s = 0; d->slot && s <= d->mask; s++)
                if (d->slot[s])
                    v[n++] = ch->st.text + ch->st.e[d->slot[s] - 1].text;
        }
        for (long i = ch->row0; nnum > 0 && i < ch->row0 + ch->rows; i++) {
            uint32_t cell = get_cell(g, i, c);
            if (cell_is_number(ch, cell))
                v[n++] = ffnn_ingest_cell_text(ch, cell, buf + 48 * nb++);
        }
    }
    qsort(v, (size_t)n, sizeof *v, ffnn_prep_cmp_str);
    long k = 0;
    for (long i = 0; i < n; i++)
        if (k == 0 || strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    *items = v;
    *nitems = k;
    *made = buf;
    return FFNN_OK;
}

/* Sets each block's text entries of column c to their index in names. */
static void index_texts(const ingest *g, int c, char *const *names, int n)
{
    for (long k = 0; k < g->nchunks; k++) {
        const ing_chunk *ch = &g->chunks[k];
        if (!ch->st.dict)
            continue;
        const ing_dict *d = &ch->st.dict[c];
        for (uint32_t s = 0; d->slot && s <= d->mask; s++)
            if (d->slot[s]) {
                ing_entry *e = &ch->st.e[d->slot[s] - 1];
                e->cat = ffnn_prep_find_str(names, n, ch->st.text + e->text);
            }
    }
}

/* ---- features -------------------------------------------------------------------- */

static ffnn_status type_column(ingest *g, int c, ffnn_error *err)
{
    ffnn_prep_column *col = &g->p->columns[c];
    const ing_scan *sc = &g->scan[c];
    char buf[48];
    int j = g->src[c];
    ffnn_status st = ffnn_prep_type(col, g->decl[j], sc->n, sc->nnum, g->name, sc->bad_line, j,
                                    sc->bad >= 0 ? ffnn_ingest_text(g, sc->bad, c, buf) : "", err);
    if (st || !col->categorical)
        return st;
    if (sc->utf8 >= 0)
        return ffnn_prep_not_utf8(err, g->name, sc->utf8_line, j + 1, col->name);
    const char **v;
    char *made;
    long k;
    if ((st = column_texts(g, c, &v, &k, &made, err)))
        return st;
    if (k > INT32_MAX)
        st = ffnn_error_set(err, FFNN_EDATA, "too many distinct values (%ld)", k);
    else if (!(col->cats = ffnn_calloc((size_t)k, sizeof *col->cats)))
        st = ffnn_error_nomem(err);
    for (long i = 0; !st && i < k; i++, col->n_cats++)
        if (!(col->cats[i] = strdup(v[i])))
            st = ffnn_error_nomem(err);
    free(v);
    free(made);
    if (!st)
        index_texts(g, c, col->cats, col->n_cats);
    return st;
}

/* The first missing value (unless imputing) or number beyond float32 in
 * row-major order, as ffnn_prep_fit's check finds it. */
static ffnn_status check_features(const ingest *g, ffnn_error *err)
{
    const ffnn_prep *p = g->p;
    long row = LONG_MAX, line = 0;
    int at = -1;
    bool missing = false;
    for (int c = 0; c < g->nfeat; c++) {
        const ing_scan *sc = &g->scan[c];
        if (p->impute == FFNN_IMPUTE_NONE && sc->missing >= 0 && sc->missing < row) {
            row = sc->missing, line = sc->missing_line, at = c, missing = true;
        }
        if (!p->columns[c].categorical && sc->inf >= 0 && sc->inf < row) {
            row = sc->inf, line = sc->inf_line, at = c, missing = false;
        }
    }
    if (at < 0)
        return FFNN_OK;
    if (missing)
        return ffnn_prep_missing_value(err, g->name, line, g->src[at] + 1, p->columns[at].name);
    char buf[48];
    return ffnn_prep_out_of_range(err, g->name, line, g->src[at] + 1,
                                  ffnn_ingest_text(g, row, at, buf));
}

/* Σ (v − mean)² of each numeric column in row order; columns are shared
 * out among the threads.  Without standardisation only whether it is 0
 * matters (a constant column), so a column stops at its first nonzero term:
 * the terms are never negative. */
typedef struct {
    const ingest *g;
    const double *mean;
    double *ss;
    int *cols;          /* scratch: each part's columns still summing */
} squares_job;

static void squares_part(void *arg, int part, int nparts)
{
    const squares_job *job = arg;
    const ingest *g = job->g;
    int nfeat = g->nfeat, n = 0;
    bool exact = g->p->standardize;
    int *cols = job->cols + part * ((nfeat + nparts - 1) / nparts);
    for (int c = part; c < nfeat; c += nparts)
        if (!isnan(job->mean[c]))
            cols[n++] = c;
    for (long k = 0; k < g->nchunks && n > 0; k++) {
        const ing_chunk *ch = &g->chunks[k];
        for (long i = ch->row0; i < ch->row0 + ch->rows && n > 0; i++) {
            const uint32_t *row = g->cells + i * nfeat;
            for (int t = 0; t < n; t++) {
                int c = cols[t];
                if (!cell_is_number(ch, row[c]))
                    continue;
                double v = cell_value(ch, row[c]), mean = job->mean[c];
                job->ss[c] += (v - mean) * (v - mean);
                if (!exact && job->ss[c] > 0)
                    cols[t--] = cols[--n];
            }
        }
    }
}

static ffnn_status column_statistics(ingest *g, ffnn_error *err)
{
    ffnn_prep *p = g->p;
    int nfeat = g->nfeat;
    int parts = ffnn_pool_threads(g->pool);
    if (parts > nfeat)
        parts = nfeat;
    double *mean = ffnn_calloc((size_t)nfeat, sizeof *mean), *ss = ffnn_calloc((size_t)nfeat, sizeof *ss);
    int *cols = ffnn_calloc((size_t)nfeat + (size_t)parts, sizeof *cols);
    ffnn_status st = FFNN_OK;
    if (!mean || !ss || !cols) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    for (int c = 0; c < nfeat; c++)
        mean[c] = p->columns[c].categorical || g->scan[c].nnum == 0
                      ? NAN : g->sum[c] / (double)g->scan[c].nnum;
    squares_job job = {g, mean, ss, cols};
    ffnn_pool_run(g->pool, parts, squares_part, &job);
    for (int c = 0; c < nfeat && !st; c++)
        if (!p->columns[c].categorical)
            st = ffnn_prep_stats(p, c, g->scan[c].nnum, g->sum[c], ss[c], g->nrows, g->name, err);
done:
    free(mean);
    free(ss);
    free(cols);
    return st;
}

/* ---- target --------------------------------------------------------------------- */

/* Index of v in the sorted distinct vals[0..k). */
static long find_value(const double *vals, long k, double v)
{
    const double *hit = bsearch(&v, vals, (size_t)k, sizeof *vals, ffnn_prep_cmp_double);
    return hit ? hit - vals : -1;
}

/* The sorted distinct target values (equal as numbers: -0 is 0) into
 * *vals (malloc'd), *k of them: kept in a small sorted set while there are
 * few, as class labels are, else all the values sorted. */
static ffnn_status distinct_values(const ingest *g, double **vals, long *k, ffnn_error *err)
{
    enum { SMALL = 64 };
    double set[SMALL];
    long n = g->nrows, m = 0;
    bool many = false;
    for (long c = 0; c < g->nchunks && !many; c++) {
        const ing_chunk *ch = &g->chunks[c];
        for (long i = ch->row0; i < ch->row0 + ch->rows; i++) {
            double v = cell_value(ch, (uint32_t)g->tcells[i]);
            long lo = 0, hi = m;
            while (lo < hi) {
                long mid = (lo + hi) / 2;
                if (set[mid] < v)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < m && set[lo] == v)
                continue;
            if (m == SMALL) {
                many = true;
                break;
            }
            memmove(set + lo + 1, set + lo, (size_t)(m - lo) * sizeof *set);
            set[lo] = v;
            m++;
        }
    }
    double *v = malloc((size_t)(many ? n : m > 0 ? m : 1) * sizeof *v);
    if (!v)
        return ffnn_error_nomem(err);
    if (!many) {
        memcpy(v, set, (size_t)m * sizeof *v);
    } else {
        for (long c = 0; c < g->nchunks; c++) {
            const ing_chunk *ch = &g->chunks[c];
            for (long i = ch->row0; i < ch->row0 + ch->rows; i++)
                v[i] = cell_value(ch, (uint32_t)g->tcells[i]);
        }
        qsort(v, (size_t)n, sizeof *v, ffnn_prep_cmp_double);
        m = 0;
        for (long i = 0; i < n; i++)
            if (m == 0 || v[i] != v[m - 1])
                v[m++] = v[i];
    }
    *vals = v;
    *k = m;
    return FFNN_OK;
}

/* Fits the task and classes, and turns the target cells into y in place. */
static ffnn_status fit_target(ingest *g, ffnn_data *d, ffnn_error *err)
{
    ffnn_prep *p = g->p;
    const ing_scan *ts = &g->scan[g->nfeat];
    int tc = g->tcol, t = g->nfeat;
    long n = g->nrows;
    char buf[48];
    if (ts->missing >= 0 && (ts->utf8 < 0 || ts->missing < ts->utf8))
        return ffnn_prep_missing_target(err, g->name, ts->missing_line, tc + 1, p->target);
    if (ts->utf8 >= 0)
        return ffnn_prep_not_utf8(err, g->name, ts->utf8_line, tc + 1, p->target);
    bool all_num = ts->bad < 0, all_int = all_num && ts->nonint == 0;
    ffnn_task task = g->opt->task;
    bool need_k = all_int || (task == FFNN_TASK_AUTO ? !all_num : task != FFNN_TASK_REGRESSION);
    double *vals = NULL;
    const char **strs = NULL;
    char *made = NULL;
    long k = 0;
    ffnn_status st = FFNN_OK;
    if (all_int) {
        if ((st = distinct_values(g, &vals, &k, err)))
            return st;
    } else if (need_k && (st = column_texts(g, t, &strs, &k, &made, err))) {
        return st;
    }
    if ((st = ffnn_prep_task(p, g->opt, all_num, all_int, k, n, g->name, tc, ts->bad_line,
                             all_num ? "" : ffnn_ingest_text(g, ts->bad, t, buf), err)))
        goto done;
    if (p->task == FFNN_TASK_REGRESSION && ts->inf >= 0) {
        st = ffnn_prep_out_of_range(err, g->name, ts->inf_line, tc + 1,
                                    ffnn_ingest_text(g, ts->inf, t, buf));
        goto done;
    }
    if (p->task != FFNN_TASK_REGRESSION) {
        if ((st = ffnn_prep_classes(p, all_int, vals, strs, k, g->name, err)))
            goto done;
        if (!all_int)
            index_texts(g, t, p->classes, p->n_classes);
    }
    /* y in place of the cells (8 bytes each). */
    for (long c = 0; c < g->nchunks; c++) {
        const ing_chunk *ch = &g->chunks[c];
        for (long i = ch->row0; i < ch->row0 + ch->rows; i++) {
            uint32_t cell = (uint32_t)g->tcells[i];
            double y;
            if (p->task == FFNN_TASK_REGRESSION)
                y = cell_value(ch, cell);
            else if (all_int)
                y = (double)find_value(vals, k, cell_value(ch, cell));
            else if (!cell_is_short(cell) && ch->st.e[cell & ~CELL_ENTRY].cat >= 0)
                y = ch->st.e[cell & ~CELL_ENTRY].cat;
            else
                y = ffnn_prep_find_str(p->classes, p->n_classes, ffnn_ingest_cell_text(ch, cell, buf));
            memcpy(&g->tcells[i], &y, sizeof y);
        }
    }
    uint64_t *y = realloc(g->tcells, (size_t)n * sizeof *y);
    d->y = (double *)(void *)(y ? y : g->tcells);
    g->tcells = NULL;
done:
    free(vals);
    free(strs);
    free(made);
    return st;
}

/* ---- the matrix ------------------------------------------------------------------ */

/* Encodes one row's cells (of chunk ch) into x, as ffnn_prep_encode
 * does; x may be where the cells are (each cell is read before its float is
 * written when every column is one feature wide).  On a value that does
 * not fit float32 once standardised, *bad is its column. */
static bool encode_row(const ingest *g, const ing_chunk *ch, const uint32_t *cells, float *x,
                       int *bad)
{
    const ffnn_prep *p = g->p;
    char buf[48];
    for (int c = 0; c < g->nfeat; c++) {
        const ffnn_prep_column *col = &p->columns[c];
        uint32_t cell = cells[c];
        int o = col->offset;
        if (col->categorical) {
            int at = -1;
            if (cell != CELL_MISSING) {
                const ing_entry *e = cell_is_short(cell) ? NULL : &ch->st.e[cell & ~CELL_ENTRY];
                at = e && isnan(e->v) ? e->cat
                                      : ffnn_prep_find_str(col->cats, col->n_cats,
                                                    ffnn_ingest_cell_text(ch, cell, buf));
            }
            for (int k = 0; k < col->n_cats; k++) {
                float one = k == at ? 1.0f : 0.0f;
                memcpy(&x[o + k], &one, sizeof one);
            }
            continue;
        }
        double v = cell == CELL_MISSING ? col->fill : cell_value(ch, cell);
        float f = ffnn_prep_standardise(p, o, v);
        if (isinf(f)) {
            *bad = c;
            return false;
        }
        memcpy(&x[o], &f, sizeof f);
    }
    return true;
}

typedef struct {
    const ingest *g;
    long *bad_row;      /* per part: first failing row, or -1 */
    int *bad_col;
    uint32_t *saved;    /* per part: the failing row's cells (nfeat each) */
} encode_job;

/* Rows of one part, each cell becoming its float where it is (every column
 * one feature wide). */
static void encode_part(void *arg, int part, int nparts)
{
    const encode_job *job = arg;
    const ingest *g = job->g;
    long n = g->nrows, a = n * part / nparts, b = n * (part + 1) / nparts;
    int nfeat = g->nfeat;
    job->bad_row[part] = -1;
    for (long i = a; i < b;) {
        const ing_chunk *ch = ffnn_ingest_chunk(g, i);
        long end = ch->row0 + ch->rows < b ? ch->row0 + ch->rows : b;
        for (; i < end; i++) {
            uint32_t *cells = g->cells + i * nfeat;
            int c;
            if (!encode_row(g, ch, cells, (float *)(void *)cells, &c)) {
                job->bad_row[part] = i;
                job->bad_col[part] = c;
                memcpy(job->saved + (size_t)part * (size_t)nfeat, cells,
                       (size_t)nfeat * sizeof *cells);
                return;
            }
        }
    }
}

static ffnn_status overflow_error(const ingest *g, long i, int c, const uint32_t *cells,
                                  ffnn_error *err)
{
    char buf[48];
    const ing_chunk *ch = ffnn_ingest_chunk(g, i);
    return ffnn_prep_standardised_overflow(err, g->name, ffnn_ingest_line(g, i), g->src[c] + 1,
                                           ffnn_ingest_cell_text(ch, cells[c], buf), g->p,
                                           &g->p->columns[c]);
}

static ffnn_status encode_matrix(ingest *g, ffnn_data *d, ffnn_error *err)
{
    const ffnn_prep *p = g->p;
    int nfeat = g->nfeat, D = p->n_features;
    long n = g->nrows;
    bool narrow = D == nfeat;
    for (int c = 0; c < nfeat; c++)
        narrow &= !p->columns[c].categorical || p->columns[c].n_cats == 1;
    ffnn_status st = FFNN_OK;
    if (narrow) {
        int parts = ffnn_pool_threads(g->pool);
        if (parts > n)
            parts = (int)n;
        encode_job job = {g, ffnn_calloc((size_t)parts, sizeof(long)),
                          ffnn_calloc((size_t)parts, sizeof(int)),
                          ffnn_calloc((size_t)parts * (size_t)nfeat, sizeof(uint32_t))};
        if (!job.bad_row || !job.bad_col || !job.saved) {
            st = ffnn_error_nomem(err);
        } else {
            ffnn_pool_run(g->pool, parts, encode_part, &job);
            for (int k = 0; k < parts && !st; k++)
                if (job.bad_row[k] >= 0)
                    st = overflow_error(g, job.bad_row[k], job.bad_col[k],
                                        job.saved + (size_t)k * (size_t)nfeat, err);
        }
        free(job.bad_row);
        free(job.bad_col);
        free(job.saved);
        if (st)
            return st;
    } else {
        /* Rows change width: one at a time from the end that cannot
         * overwrite a row not yet read. */
        size_t cells = (size_t)n * (size_t)nfeat, floats = (size_t)n * (size_t)D;
        if (floats > cells) {
            uint32_t *grown = realloc(g->cells, floats * sizeof *grown);
            if (!grown)
                return ffnn_error_nomem(err);
            g->cells = grown;
        }
        uint32_t *row = ffnn_calloc((size_t)nfeat, sizeof *row);
        if (!row)
            return ffnn_error_nomem(err);
        float *X = (float *)(void *)g->cells;
        for (long k = 0; k < n; k++) {
            long i = D > nfeat ? n - 1 - k : k;
            const ing_chunk *ch = ffnn_ingest_chunk(g, i);
            int c;
            memcpy(row, g->cells + i * nfeat, (size_t)nfeat * sizeof *row);
            if (!encode_row(g, ch, row, X + i * D, &c)) {
                st = overflow_error(g, i, c, row, err);
                break;
            }
        }
        free(row);
        if (st)
            return st;
    }
    size_t bytes = (size_t)n * (size_t)D * sizeof(float);
    float *X = (float *)(void *)g->cells;
    if (bytes > 0) {
        float *shrunk = realloc(X, bytes);
        if (shrunk)
            X = shrunk;
    }
    d->X = X;
    g->cells = NULL;
    d->n = n;
    d->d = D;
    if (bytes == 0 && !d->X && !(d->X = ffnn_calloc(1, sizeof *d->X)))
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

ffnn_status ffnn_ingest_fit(ingest *g, ffnn_data *d, ffnn_error *err)
{
    ffnn_status st;
    for (int c = 0; c < g->nfeat; c++)
        if ((st = type_column(g, c, err)))
            return st;
    if ((st = check_features(g, err)) || (st = ffnn_prep_layout(g->p, g->name, err)) ||
        (st = column_statistics(g, err)) || (st = fit_target(g, d, err)))
        return st;
    return encode_matrix(g, d, err);
}
