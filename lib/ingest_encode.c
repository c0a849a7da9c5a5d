/* ffnn — rows encoded with a preprocessing learned elsewhere (see
 * ingest.h): the header checked and bound, then every block of records
 * encoded on the pool's threads (ffnn_prep_encode and ffnn_prep_target,
 * as the table path calls them) and appended to the data in input order. */
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/ingest.h"
#include "ingest_internal.h"
#include "internal.h"

/* A thread's rows of its current block. */
typedef struct {
    float *X;             /* cap × n_features */
    double *y;            /* cap */
    long rows, cap;
    ffnn_csv_cursor cur;
    long long end;        /* input offset after the block */
} enc_slot;

typedef struct {
    const ffnn_prep *p;
    const char *name;
    ffnn_prep_binding bind;
    enc_slot *slots;
    int nslots;
    ffnn_data *d;
    long cap;             /* rows d has room for */
    const ffnn_ingest_options *io;
    long long total;
} encoder;

/* Room for one more row in s. */
static bool slot_grow(enc_slot *s, int D)
{
    if (s->rows < s->cap)
        return true;
    long cap = s->cap ? 2 * s->cap : 256;
    float *X = realloc(s->X, (size_t)cap * (size_t)(D > 0 ? D : 1) * sizeof *X);
    if (X)
        s->X = X;
    double *y = X ? realloc(s->y, (size_t)cap * sizeof *y) : NULL;
    if (!y)
        return false;
    s->y = y;
    s->cap = cap;
    return true;
}

static ffnn_status work(void *ctx, int slot_i, ffnn_csv_block *b, ffnn_error *err)
{
    encoder *e = ctx;
    enc_slot *s = &e->slots[slot_i];
    const ffnn_prep *p = e->p;
    int D = p->n_features, tc = e->bind.target_col;
    ffnn_status st;
    s->rows = 0;
    s->end = b->offset + (long long)b->len;
    ffnn_csv_cursor_init(&s->cur, b, e->name);
    for (;;) {
        char **f;
        int nf;
        if ((st = ffnn_csv_cursor_next(&s->cur, &f, &nf, err)))
            return st;
        if (nf == 0)
            return FFNN_OK;
        long line = s->cur.rec_line;
        if (nf != e->bind.ncols)
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", e->name,
                                  line, e->bind.ncols, nf);
        if (!slot_grow(s, D))
            return ffnn_error_nomem(err);
        if ((st = ffnn_prep_encode(p, &e->bind, f, s->X + (size_t)s->rows * (size_t)D, e->name,
                                   line, err)) ||
            (st = ffnn_prep_target(p, f[tc], &s->y[s->rows], e->name, line, tc + 1, err)))
            return st;
        s->rows++;
    }
}

/* Appends a block's rows to the data (in input order). */
static ffnn_status emit(void *ctx, int slot_i, ffnn_error *err)
{
    encoder *e = ctx;
    enc_slot *s = &e->slots[slot_i];
    ffnn_data *d = e->d;
    size_t D = (size_t)d->d;
    if (d->n + s->rows > e->cap) {
        long cap = e->cap ? e->cap : 1024;
        while (cap < d->n + s->rows)
            cap *= 2;
        float *X = realloc(d->X, (size_t)cap * (D > 0 ? D : 1) * sizeof *X);
        if (X)
            d->X = X;
        double *y = X ? realloc(d->y, (size_t)cap * sizeof *y) : NULL;
        if (!y)
            return ffnn_error_nomem(err);
        d->y = y;
        e->cap = cap;
    }
    if (s->rows > 0) {
        memcpy(d->X + (size_t)d->n * D, s->X, (size_t)s->rows * D * sizeof *d->X);
        memcpy(d->y + d->n, s->y, (size_t)s->rows * sizeof *d->y);
    }
    d->n += s->rows;
    if (ffnn_stop_requested())
        return ffnn_error_canceled(err);
    if (e->io->progress && e->io->progress(e->io->ctx, s->end, e->total))
        return ffnn_error_canceled(err);
    return FFNN_OK;
}

/* Checks the header and binds the preprocessing's columns in it. */
static ffnn_status bind_header(encoder *e, ffnn_csv_reader *r, const ffnn_ingest_header *expect,
                               const char *expect_source, ffnn_error *err)
{
    char **f;
    int nf;
    ffnn_status st;
    if ((st = ffnn_table_read_header(r, e->name, &f, &nf, err)) ||
        (expect && (st = ffnn_ingest_check_columns(expect->names, expect->ncols, expect_source, f,
                                                   nf, e->name, err))) ||
        (st = ffnn_prep_bind(e->p, f, nf, &e->bind, e->name, err)))
        return st;
    if (e->bind.target_col < 0)
        return ffnn_error_set(err, FFNN_EDATA, "%s: missing target column \"%s\"", e->name,
                              e->p->target ? e->p->target : "?");
    return FFNN_OK;
}

ffnn_status ffnn_ingest_encode(ffnn_data *d, const ffnn_prep *p, FILE *fp, const char *name,
                               const ffnn_ingest_header *expect, const char *expect_source,
                               const ffnn_ingest_options *io, ffnn_error *err)
{
    static const ffnn_csv_stage stage = {work, emit};
    ffnn_ingest_options defio = ffnn_ingest_options_default();
    encoder e;
    ffnn_csv_reader *r = NULL;
    ffnn_pool *pool = NULL;
    ffnn_status st;

    memset(d, 0, sizeof *d);
    memset(&e, 0, sizeof e);
    e.p = p;
    e.name = name ? name : "<input>";
    e.d = d;
    e.io = io ? io : &defio;
    d->d = p->n_features;
    if ((st = ffnn_csv_reader_create(&r, fp, e.name, err)) ||
        (st = bind_header(&e, r, expect, expect_source, err)))
        goto done;
    e.total = ffnn_csv_size(r);
    if (e.io->threads > 1 && (st = ffnn_pool_create(&pool, e.io->threads, err)))
        goto done;
    e.nslots = ffnn_csv_slots(pool);
    if (!(e.slots = ffnn_calloc((size_t)e.nslots, sizeof *e.slots))) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    if ((st = ffnn_csv_run(r, pool, e.io->block_bytes ? e.io->block_bytes : DEFAULT_BLOCK, &stage,
                           &e, err)))
        goto done;
    if (d->n == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: no data rows", e.name);
        goto done;
    }
    /* Give back what the doubling left over. */
    float *X = realloc(d->X, (size_t)d->n * (size_t)(d->d > 0 ? d->d : 1) * sizeof *X);
    if (X)
        d->X = X;
done:
    for (int i = 0; e.slots && i < e.nslots; i++) {
        free(e.slots[i].X);
        free(e.slots[i].y);
        ffnn_csv_cursor_release(&e.slots[i].cur);
    }
    free(e.slots);
    ffnn_prep_binding_release(&e.bind);
    ffnn_pool_destroy(pool);
    ffnn_csv_reader_destroy(r);
    if (st)
        ffnn_data_release(d);
    return st;
}

ffnn_status ffnn_ingest_check_columns(char *const *expect, int nexpect, const char *expect_source,
                                      char *const *names, int ncols, const char *source,
                                      ffnn_error *err)
{
    ffnn_status st = FFNN_OK;
    ffnn_name_col *have = ffnn_table_name_index(names, ncols);
    ffnn_name_col *want = ffnn_table_name_index(expect, nexpect);
    if (!have || !want) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    for (int j = 0; j < nexpect && !st; j++)
        if (ffnn_table_name_find(have, ncols, expect[j]) < 0)
            st = ffnn_error_set(err, FFNN_EDATA,
                                "%s: no column \"%s\"; validation rows need the training "
                                "data's columns", source, expect[j]);
    for (int j = 0; j < ncols && !st; j++)
        if (ffnn_table_name_find(want, nexpect, names[j]) < 0)
            st = ffnn_error_set(err, FFNN_EDATA, "%s: column \"%s\" is not in the training data %s",
                                source, names[j], expect_source);
done:
    free(have);
    free(want);
    return st;
}
