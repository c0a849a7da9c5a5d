/* ffnn — reading training data in one pass (see ingest.h): the header and
 * the roles of its columns, then every block of records parsed into cells
 * on the pool's threads and emitted in order, where the column sums grow
 * row by row.  What the cells mean is decided in ingest_fit.c. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/ingest.h"
#include "ffnn/num.h"
#include "ingest_internal.h"
#include "internal.h"
#include "prep_internal.h"
#include "swar.h"

ffnn_ingest_options ffnn_ingest_options_default(void)
{
    return (ffnn_ingest_options){.threads = 1, .block_bytes = 0, .progress = NULL, .ctx = NULL,
                                 .header = NULL};
}

void ffnn_ingest_header_release(ffnn_ingest_header *h)
{
    if (!h)
        return;
    for (int j = 0; h->names && j < h->ncols; j++)
        free(h->names[j]);
    free(h->names);
    memset(h, 0, sizeof *h);
}

/* ---- cells ------------------------------------------------------------------ */

/* A plain decimal as a cell: "[-](0|[1-9][0-9]*)[.[0-9]+]" and nothing
 * else, with its digits below 2^25 and at most 22 after the point (so that
 * the text can be written back exactly and the value is
 * ffnn_num_decimal's, which ffnn_parse_double also returns). */
static bool short_cell(const char *s, uint32_t *cell)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t neg = 0, m = 0;
    int nf = 0;
    if (*p == '-') {
        neg = CELL_NEG;
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        for (; *p >= '0' && *p <= '9'; p++)
            if ((m = m * 10 + (uint32_t)(*p - '0')) > CELL_M_MASK)
                return false;
    } else {
        return false;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++, nf++)
            if ((m = m * 10 + (uint32_t)(*p - '0')) > CELL_M_MASK || nf == 22)
                return false;
        if (nf == 0)
            return false;
    }
    if (*p)
        return false;
    *cell = neg | (uint32_t)nf << CELL_NF_SHIFT | m;
    return true;
}

char *ffnn_ingest_short_text(uint32_t c, char buf[48])
{
    uint32_t m = c & CELL_M_MASK;
    int nf = (int)(c >> CELL_NF_SHIFT & 31);
    char dig[32];
    int nd = 0;
    do {
        dig[nd++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    while (nd < nf + 1)
        dig[nd++] = '0';
    char *o = buf;
    if (c & CELL_NEG)
        *o++ = '-';
    for (int i = nd - 1; i >= 0; i--) {
        *o++ = dig[i];
        if (i == nf && nf > 0)
            *o++ = '.';
    }
    *o = '\0';
    return buf;
}

/* ---- a block's store ------------------------------------------------------ */

static void store_release(ing_store *s, int ncol)
{
    if (s->dict)
        for (int c = 0; c < ncol; c++)
            free(s->dict[c].slot);
    free(s->dict);
    free(s->e);
    free(s->text);
    memset(s, 0, sizeof *s);
}

/* Adds an entry for text with value v; its index, or -1 out of memory. */
static long store_add(ing_store *s, const char *text, size_t len, double v)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 256;
        ing_entry *e = cap < (CELL_ENTRY - 1) / 2 ? realloc(s->e, (size_t)cap * sizeof *e) : NULL;
        if (!e)
            return -1;
        s->e = e;
        s->cap = cap;
    }
    if (s->tlen + len + 1 > s->tcap || s->tlen + len + 1 > UINT32_MAX) {
        size_t cap = s->tcap ? s->tcap : 4096;
        while (cap < s->tlen + len + 1)
            cap *= 2;
        char *t = s->tlen + len + 1 <= UINT32_MAX ? realloc(s->text, cap) : NULL;
        if (!t)
            return -1;
        s->text = t;
        s->tcap = cap;
    }
    memcpy(s->text + s->tlen, text, len + 1);
    s->e[s->n] = (ing_entry){v, (uint32_t)s->tlen, -1};
    s->tlen += len + 1;
    return s->n++;
}

static uint32_t hash_text(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The entry of text in column c's dictionary, added if new (*fresh).
 * -1 out of memory. */
static long store_text(ing_store *s, int c, int ncol, const char *text, bool *fresh)
{
    if (!s->dict && !(s->dict = ffnn_calloc((size_t)ncol, sizeof *s->dict)))
        return -1;
    ing_dict *d = &s->dict[c];
    if (2 * (d->n + 1) > d->mask + 1 || !d->slot) {
        uint32_t size = d->slot ? 2 * (d->mask + 1) : 16;
        uint32_t *slot = size < UINT32_MAX / 2 ? ffnn_calloc(size, sizeof *slot) : NULL;
        if (!slot)
            return -1;
        for (uint32_t i = 0; d->slot && i <= d->mask; i++)
            if (d->slot[i]) {
                const char *t = s->text + s->e[d->slot[i] - 1].text;
                uint32_t h = hash_text(t, strlen(t)) & (size - 1);
                while (slot[h])
                    h = (h + 1) & (size - 1);
                slot[h] = d->slot[i];
            }
        free(d->slot);
        d->slot = slot;
        d->mask = size - 1;
    }
    size_t len = strlen(text);
    uint32_t h = hash_text(text, len) & d->mask;
    for (; d->slot[h]; h = (h + 1) & d->mask)
        if (strcmp(s->text + s->e[d->slot[h] - 1].text, text) == 0) {
            *fresh = false;
            return d->slot[h] - 1;
        }
    long e = store_add(s, text, len, NAN);
    if (e < 0)
        return -1;
    d->slot[h] = (uint32_t)e + 1;
    d->n++;
    *fresh = true;
    return e;
}

/* ---- parsing a block (any thread) ------------------------------------------ */

static void scan_reset(ing_scan *s, int n)
{
    for (int i = 0; i < n; i++)
        s[i] = (ing_scan){0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0};
}

static bool slot_grow(const ingest *g, ing_slot *s)
{
    long cap = s->cap ? s->cap * 2 : 1024;
    size_t nf = (size_t)(g->nfeat > 0 ? g->nfeat : 1);
    if ((size_t)cap > SIZE_MAX / sizeof(double) / nf)
        return false;
    uint32_t *cells = realloc(s->cells, (size_t)cap * nf * sizeof *cells);
    if (cells)
        s->cells = cells;
    double *val = realloc(s->val, (size_t)cap * nf * sizeof *val);
    if (val)
        s->val = val;
    uint32_t *tcells = realloc(s->tcells, (size_t)cap * sizeof *tcells);
    if (tcells)
        s->tcells = tcells;
    long *lines = realloc(s->lines, (size_t)cap * sizeof *lines);
    if (lines)
        s->lines = lines;
    if (!cells || !val || !tcells || !lines)
        return false;
    s->cap = cap;
    return true;
}

static void first(long *row, long *line, long i, long l)
{
    if (*row < 0) {
        *row = i;
        *line = l;
    }
}

/* Parses the text of column c (nfeat: the target) of row i into *cell and
 * *val (the value of a number, else 0). */
static ffnn_status parse_cell(const ingest *g, ing_slot *s, int c, const char *text, long i,
                              uint32_t *cell, double *val, ffnn_error *err)
{
    ing_scan *sc = &s->scan[c];
    long line = s->lines[i];
    double v;
    if (short_cell(text, cell)) {
        sc->n++;
        sc->nnum++;
        *val = v = cell_short_value(*cell);
        if (c == g->nfeat && !ffnn_prep_is_int_label(v))
            sc->nonint++;
        return FFNN_OK;
    }
    *val = 0.0;
    if (ffnn_csv_is_missing(text)) {
        *cell = CELL_MISSING;
        first(&sc->missing, &sc->missing_line, i, line);
        return FFNN_OK;
    }
    sc->n++;
    long e;
    if (ffnn_parse_double(text, &v)) {
        if ((e = store_add(&s->st, text, strlen(text), v)) < 0)
            return ffnn_error_nomem(err);
        sc->nnum++;
        *val = v;
        if (isinf((float)v))
            first(&sc->inf, &sc->inf_line, i, line);
        if (c == g->nfeat && !ffnn_prep_is_int_label(v))
            sc->nonint++;
    } else {
        bool fresh;
        if ((e = store_text(&s->st, c, g->nfeat + 1, text, &fresh)) < 0)
            return ffnn_error_nomem(err);
        first(&sc->bad, &sc->bad_line, i, line);
        if (fresh && ffnn_utf8_invalid(text, strlen(text)) >= 0)
            first(&sc->utf8, &sc->utf8_line, i, line);
    }
    *cell = CELL_ENTRY | (uint32_t)e;
    return FFNN_OK;
}

/* The fast way through a row of plain decimals (what most training data
 * is): parsed straight from the block, each field at once into its cell,
 * without splitting the record first.  Returns false, having changed
 * nothing that counts, at anything else (a quote, text, a blank line, a
 * missing value, a long number), and the row goes the general way. */
static bool plain_row(const ingest *g, ing_slot *s, long i, uint32_t *cells, double *val)
{
    const char *p = s->cur.p, *e = s->cur.end;
    int ncols = g->ncols, nfeat = g->nfeat;
    uint32_t tcell = 0;
    double tval = 0;
    for (int j = 0; j < ncols; j++) {
        int role = g->role[j];
        if (role < 0) {
            if (!(p = ffnn_csv_plain_field(p, e)))
                return false;
        } else {
            uint64_t m;
            int nf;
            bool neg, lead0;
            if (e - p < 17 || !(p = swar_decimal(p, &m, &nf, &neg, &lead0)) || lead0 ||
                m > CELL_M_MASK)
                return false;
            uint32_t cell = (neg ? CELL_NEG : 0) | (uint32_t)nf << CELL_NF_SHIFT | (uint32_t)m;
            double v = ffnn_num_decimal(m, nf, neg);
            if (role < nfeat) {
                cells[role] = cell;
                val[role] = v;
            } else {
                tcell = cell;
                tval = v;
            }
        }
        if (!(p = ffnn_csv_plain_next(p, e, j == ncols - 1)))
            return false;
    }
    if (g->tcol >= 0) {
        s->tcells[i] = tcell;
        if (!ffnn_prep_is_int_label(tval))
            s->scan[nfeat].nonint++;
    }
    ffnn_csv_cursor_skip(&s->cur, (char *)p);
    return true;
}

static ffnn_status work(void *ctx, int slot, ffnn_csv_block *b, ffnn_error *err)
{
    ingest *g = ctx;
    ing_slot *s = &g->slots[slot];
    int nfeat = g->nfeat;
    ffnn_status st;
    s->rows = 0;
    s->end = b->offset + (long long)b->len;
    store_release(&s->st, nfeat + 1);
    scan_reset(s->scan, nfeat + 1);
    ffnn_csv_cursor_init(&s->cur, b, g->name);
    long plain = 0;
    for (;;) {
        char **f;
        int nf;
        if (s->rows == s->cap && !slot_grow(g, s))
            return ffnn_error_nomem(err);
        if (s->cur.p < s->cur.end && *s->cur.p != '\n' && *s->cur.p != '\r') {
            long i = s->rows;
            s->lines[i] = s->cur.line;
            if (plain_row(g, s, i, s->cells + i * nfeat, s->val + i * nfeat)) {
                s->rows++;
                plain++;
                continue;
            }
        }
        if ((st = ffnn_csv_cursor_next(&s->cur, &f, &nf, err)) || nf == 0)
            break;
        if (nf != g->ncols)
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", g->name,
                                  s->cur.rec_line, g->ncols, nf);
        long i = s->rows++;
        s->lines[i] = s->cur.rec_line;
        uint32_t *cells = s->cells + i * nfeat;
        double *val = s->val + i * nfeat, tv;
        for (int c = 0; c < nfeat; c++)
            if ((st = parse_cell(g, s, c, f[g->src[c]], i, &cells[c], &val[c], err)))
                return st;
        if (g->tcol >= 0 &&
            (st = parse_cell(g, s, nfeat, f[g->tcol], i, &s->tcells[i], &tv, err)))
            return st;
    }
    /* Every cell of a plain row is a number. */
    for (int c = 0; c <= nfeat; c++) {
        s->scan[c].n += plain;
        s->scan[c].nnum += plain;
    }
    return st;
}

/* ---- emitting a block (in input order) ---------------------------------------- */

static bool grow_rows(ingest *g, long need)
{
    if (need <= g->cap)
        return true;
    long cap = g->cap ? g->cap : 4096;
    while (cap < need)
        cap = cap / 2 * 3;
    size_t nf = (size_t)g->nfeat;
    if ((size_t)cap > SIZE_MAX / sizeof(float) / (nf ? nf : 1))
        return false;
    if (nf) {
        uint32_t *c = realloc(g->cells, (size_t)cap * nf * sizeof *c);
        if (!c)
            return false;
        g->cells = c;
    }
    if (g->tcol >= 0) {
        uint64_t *t = realloc(g->tcells, (size_t)cap * sizeof *t);
        if (!t)
            return false;
        g->tcells = t;
    }
    g->cap = cap;
    return true;
}

static ffnn_status emit(void *ctx, int slot, ffnn_error *err)
{
    ingest *g = ctx;
    ing_slot *s = &g->slots[slot];
    long n = s->rows, r0 = g->nrows;
    int nfeat = g->nfeat;
    if (n > 0) {
        if (!grow_rows(g, r0 + n))
            return ffnn_error_nomem(err);
        if (g->nchunks == g->chunk_cap) {
            long cap = g->chunk_cap ? 2 * g->chunk_cap : 64;
            ing_chunk *c = realloc(g->chunks, (size_t)cap * sizeof *c);
            if (!c)
                return ffnn_error_nomem(err);
            g->chunks = c;
            g->chunk_cap = cap;
        }
        ing_chunk *ch = &g->chunks[g->nchunks];
        *ch = (ing_chunk){r0, n, s->lines[0], NULL, {0}};
        for (long i = 0; i < n; i++)
            if (s->lines[i] != s->lines[0] + i) {
                if (!(ch->lines = malloc((size_t)n * sizeof *ch->lines)))
                    return ffnn_error_nomem(err);
                memcpy(ch->lines, s->lines, (size_t)n * sizeof *ch->lines);
                break;
            }
        ch->st = s->st;
        memset(&s->st, 0, sizeof s->st);
        g->nchunks++;
        if (nfeat)
            memcpy(g->cells + r0 * nfeat, s->cells, (size_t)n * (size_t)nfeat * sizeof *g->cells);
        if (g->tcol >= 0)
            for (long i = 0; i < n; i++)
                g->tcells[r0 + i] = s->tcells[i];
        /* The sums in row order, whatever the threads: adding the 0 of a
         * cell that is not a number changes no sum (never -0). */
        double *sum = g->sum;
        for (long i = 0; i < n; i++) {
            const double *v = s->val + i * nfeat;
            for (int c = 0; c < nfeat; c++)
                sum[c] += v[c];
        }
    }
    for (int c = 0; c <= nfeat; c++) {
        ing_scan *a = &g->scan[c];
        const ing_scan *b = &s->scan[c];
        a->n += b->n;
        a->nnum += b->nnum;
        a->nonint += b->nonint;
        if (b->bad >= 0)
            first(&a->bad, &a->bad_line, r0 + b->bad, b->bad_line);
        if (b->missing >= 0)
            first(&a->missing, &a->missing_line, r0 + b->missing, b->missing_line);
        if (b->inf >= 0)
            first(&a->inf, &a->inf_line, r0 + b->inf, b->inf_line);
        if (b->utf8 >= 0)
            first(&a->utf8, &a->utf8_line, r0 + b->utf8, b->utf8_line);
    }
    g->nrows += n;
    if (ffnn_stop_requested())
        return ffnn_error_canceled(err);
    if (g->io->progress && g->io->progress(g->io->ctx, s->end, g->total))
        return ffnn_error_canceled(err);
    return FFNN_OK;
}

/* ---- lookups ----------------------------------------------------------------- */

const ing_chunk *ffnn_ingest_chunk(const ingest *g, long i)
{
    long lo = 0, hi = g->nchunks - 1;
    while (lo < hi) {
        long mid = lo + (hi - lo + 1) / 2;
        if (g->chunks[mid].row0 <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &g->chunks[lo];
}

long ffnn_ingest_line(const ingest *g, long i)
{
    const ing_chunk *ch = ffnn_ingest_chunk(g, i);
    return ch->lines ? ch->lines[i - ch->row0] : ch->line0 + (i - ch->row0);
}

const char *ffnn_ingest_cell_text(const ing_chunk *ch, uint32_t cell, char buf[48])
{
    if (cell == CELL_MISSING)
        return "";
    if (cell_is_short(cell))
        return ffnn_ingest_short_text(cell, buf);
    return ch->st.text + ch->st.e[cell & ~CELL_ENTRY].text;
}

const char *ffnn_ingest_text(const ingest *g, long i, int c, char buf[48])
{
    uint32_t cell = c < g->nfeat ? g->cells[i * g->nfeat + c] : (uint32_t)g->tcells[i];
    return ffnn_ingest_cell_text(ffnn_ingest_chunk(g, i), cell, buf);
}

/* ---- the whole read --------------------------------------------------------------- */

static void release(ingest *g)
{
    int ncol = g->nfeat + 1;
    for (long k = 0; k < g->nchunks; k++) {
        free(g->chunks[k].lines);
        store_release(&g->chunks[k].st, ncol);
    }
    free(g->chunks);
    for (int i = 0; g->slots && i < g->nslots; i++) {
        ing_slot *s = &g->slots[i];
        free(s->cells);
        free(s->tcells);
        free(s->val);
        free(s->lines);
        free(s->scan);
        store_release(&s->st, ncol);
        ffnn_csv_cursor_release(&s->cur);
    }
    free(g->slots);
    ffnn_ingest_header h = {g->names, g->ncols};
    ffnn_ingest_header_release(&h);
    free(g->src);
    free(g->role);
    free(g->decl);
    free(g->scan);
    free(g->sum);
    free(g->cells);
    free(g->tcells);
    ffnn_pool_destroy(g->pool);
}

/* Reads the header and decides the roles of the columns; an unknown role is
 * kept in g->role_st for after the rows (where ffnn_prep_fit finds it). */
static ffnn_status read_header(ingest *g, ffnn_csv_reader *r, ffnn_error *err)
{
    char **f;
    int nf;
    ffnn_status st;
    if ((st = ffnn_table_read_header(r, g->name, &f, &nf, err)))
        return st;
    if (!(g->names = ffnn_calloc((size_t)nf, sizeof *g->names)))
        return ffnn_error_nomem(err);
    g->ncols = nf;
    for (int j = 0; j < nf; j++)
        if (!(g->names[j] = strdup(f[j])))
            return ffnn_error_nomem(err);
    bool *skip = ffnn_calloc((size_t)nf, sizeof *skip);
    if (!skip || !(g->src = ffnn_calloc((size_t)nf, sizeof *g->src))) {
        free(skip);
        return ffnn_error_nomem(err);
    }
    int tcol;
    if (!(g->role = ffnn_calloc((size_t)nf, sizeof *g->role)) ||
        !(g->decl = ffnn_calloc((size_t)nf, sizeof *g->decl))) {
        free(skip);
        return ffnn_error_nomem(err);
    }
    for (int j = 0; j < nf; j++)
        g->role[j] = -1;
    if (!(g->role_st = ffnn_prep_roles(g->p, g->opt, g->names, nf, g->name, &tcol, skip,
                                       g->decl, &g->role_err)) &&
        !(g->role_st = ffnn_prep_columns(g->p, g->names, nf, skip, g->src, g->name,
                                         &g->role_err))) {
        g->nfeat = g->p->n_columns;
        g->tcol = tcol;
        for (int c = 0; c < g->nfeat; c++)
            g->role[g->src[c]] = c;
        g->role[tcol] = g->nfeat;
    }
    free(skip);
    if (g->role_st == FFNN_ENOMEM)
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

static ffnn_status setup_slots(ingest *g, ffnn_error *err)
{
    int ncol = g->nfeat + 1;
    g->nslots = ffnn_csv_slots(g->pool);
    if (!(g->slots = ffnn_calloc((size_t)g->nslots, sizeof *g->slots)) ||
        !(g->scan = ffnn_calloc((size_t)ncol, sizeof *g->scan)) ||
        !(g->sum = ffnn_calloc((size_t)ncol, sizeof *g->sum)))
        return ffnn_error_nomem(err);
    scan_reset(g->scan, ncol);
    for (int i = 0; i < g->nslots; i++)
        if (!(g->slots[i].scan = ffnn_calloc((size_t)ncol, sizeof *g->slots[i].scan)))
            return ffnn_error_nomem(err);
    return FFNN_OK;
}

ffnn_status ffnn_ingest_read(ffnn_data *d, ffnn_prep *p, FILE *fp, const char *name,
                             const ffnn_prep_options *opt, const ffnn_ingest_options *io,
                             ffnn_error *err)
{
    static const ffnn_csv_stage stage = {work, emit};
    ffnn_prep_options defopt = ffnn_prep_options_default();
    ffnn_ingest_options defio = ffnn_ingest_options_default();
    ingest g;
    ffnn_csv_reader *r = NULL;
    ffnn_status st;

    memset(d, 0, sizeof *d);
    memset(p, 0, sizeof *p);
    memset(&g, 0, sizeof g);
    g.name = name ? name : "<input>";
    g.opt = opt ? opt : &defopt;
    g.io = io ? io : &defio;
    g.p = p;
    g.tcol = -1;
    if ((st = ffnn_csv_reader_create(&r, fp, g.name, err)) || (st = read_header(&g, r, err)))
        goto done;
    g.total = ffnn_csv_size(r);
    if (g.io->threads > 1 && (st = ffnn_pool_create(&g.pool, g.io->threads, err)))
        goto done;
    if ((st = setup_slots(&g, err)) ||
        (st = ffnn_csv_run(r, g.pool, g.io->block_bytes ? g.io->block_bytes : DEFAULT_BLOCK,
                           &stage, &g, err)))
        goto done;
    if (g.nrows == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: no data rows", g.name);
        goto done;
    }
    if (g.role_st) {
        st = g.role_st;
        if (err)
            *err = g.role_err;
        goto done;
    }
    if (!(st = ffnn_ingest_fit(&g, d, err)) && g.io->header) {
        *g.io->header = (ffnn_ingest_header){g.names, g.ncols};
        g.names = NULL;
    }
done:
    ffnn_csv_reader_destroy(r);
    release(&g);
    if (st) {
        ffnn_data_release(d);
        ffnn_prep_release(p);
    }
    return st;
}

ffnn_status ffnn_ingest_load(ffnn_data *d, ffnn_prep *p, const char *path,
                             const ffnn_prep_options *opt, const ffnn_ingest_options *io,
                             ffnn_error *err)
{
    FILE *fp;
    ffnn_status st = ffnn_table_open(path, &fp, err);
    if (st) {
        memset(d, 0, sizeof *d);
        memset(p, 0, sizeof *p);
        return st;
    }
    st = ffnn_ingest_read(d, p, fp, fp == stdin ? "<stdin>" : path, opt, io, err);
    if (fp != stdin)
        fclose(fp);
    return st;
}
