/* ffnn — streaming prediction (see predict.h).
 *
 * The input goes through ffnn_csv_run in blocks of whole records: each of
 * the pool's threads parses, encodes, predicts and formats a block into its
 * own output buffer (in batches of block_rows rows, its own workspace), and
 * the buffers are written in input order.  Each row's output depends only on
 * that row, so the bytes are those of a one-thread run; memory is a block
 * and its output per thread. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/predict.h"
#include "internal.h"
#include "swar.h"

/* Input bytes per block.  A test build may shrink it (CSV_CHUNK). */
#ifdef CSV_CHUNK
#define BLOCK_BYTES ((size_t)CSV_CHUNK)
#else
#define BLOCK_BYTES ((size_t)1 << 18)
#endif

/* A growable byte buffer. */
typedef struct {
    char *buf;
    size_t len, cap;
} bytes;

static bool bytes_reserve(bytes *b, size_t more)
{
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p)
        return false;
    b->buf = p;
    b->cap = cap;
    return true;
}

static bool bytes_put(bytes *b, char c)
{
    if (!bytes_reserve(b, 1))
        return false;
    b->buf[b->len++] = c;
    return true;
}

/* Appends s as one CSV field, quoted when it holds a comma, quote, CR or LF. */
static bool bytes_add_field(bytes *b, const char *s)
{
    size_t n = strlen(s);
    if (!bytes_reserve(b, 2 * n + 3))
        return false;
    char *o = b->buf + b->len;
    if (!strpbrk(s, ",\"\r\n")) {
        memcpy(o, s, n);
        b->len += n;
        return true;
    }
    *o++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->buf);
    return true;
}

/* A thread's share: the rows of its current block. */
typedef struct {
    float *X, *P;           /* block_rows × inputs, × outputs */
    double *prob;           /* n_classes + 2 */
    ffnn_workspace *ws;
    char **pass;            /* block_rows × npass: copied-through fields (in the block) */
    const char **fstart, **fend; /* per input column: a plain row's fields */
    bytes out;              /* the block's predictions */
    long rows;              /* rows in the block */
    long *unseen;           /* per feature column */
    ffnn_csv_cursor cur;
} slot;

typedef struct {
    const ffnn_model *m;
    const char *name;
    const ffnn_predict_options *opt;
    const ffnn_prep_binding *bind;
    const int *keep_col;
    int npass, block_rows;
    int *feat;              /* per input column: the numeric feature it is, or -1 */
    bool *passed;           /* per input column: copied through */
    bool plain;             /* plain rows may be parsed the fast way */
    bool identity;          /* every mean is 0 and every scale 1 (not
                               standardised): a feature is its value */
    FILE *out;
    bytes head;             /* the header line, then the output of the first
                               block_rows rows: written together once they
                               are all there (or the input ends), so an
                               error among them leaves the output empty */
    bool started;           /* head is written */
    slot *slots;
    int nslots;
    long rows;              /* rows written */
    long *unseen;           /* per feature column, all blocks so far */
} pipeline;

/* Turns the network output row into class probabilities (K_out = 1: binary
 * sigmoid) when the model was trained on logits. */
static void to_probabilities(const ffnn_model *m, const float *out, int K, double *p)
{
    bool logits = m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR;
    if (K == 1) {
        double q = out[0];
        if (logits)
            q = 1.0 / (1.0 + exp(-q));
        p[0] = 1.0 - q;
        p[1] = q;
        return;
    }
    if (!logits) {
        for (int k = 0; k < K; k++)
            p[k] = out[k];
        return;
    }
    double mx = out[0], s = 0.0;
    for (int k = 1; k < K; k++)
        if (out[k] > mx)
            mx = out[k];
    for (int k = 0; k < K; k++)
        s += p[k] = exp(out[k] - mx);
    for (int k = 0; k < K; k++)
        p[k] /= s;
}

/* Predicts the batch of n rows in s->X and appends their lines to s->out. */
static bool predict_batch(const pipeline *pl, slot *s, int n)
{
    const ffnn_model *m = pl->m;
    const ffnn_prep *pr = &m->prep;
    int K = ffnn_model_n_out(m), npass = pl->npass;
    bool logits = m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR;
    bytes *out = &s->out;
    char num[40];
    ffnn_model_predict(m, s->ws, s->X, n, s->P);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < npass; j++)
            if (!bytes_add_field(out, s->pass[(size_t)i * (size_t)npass + (size_t)j]) ||
                !bytes_put(out, ','))
                return false;
        const float *o = s->P + (size_t)i * (size_t)K;
        if (pr->task == FFNN_TASK_REGRESSION) {
            if (!bytes_add_field(out, ffnn_format_float(num, o[0])))
                return false;
        } else {
            to_probabilities(m, o, K, s->prob);
            int C = pr->n_classes, best = 0;
            /* Binary with one unit: class 1 when p > 0.5 (Keras's binary
             * accuracy); otherwise argmax, ties to the first. */
            if (K == 1)
                best = o[0] > (logits ? 0.0f : 0.5f);
            else
                for (int k = 1; k < C; k++)
                    if (s->prob[k] > s->prob[best])
                        best = k;
            if (!bytes_add_field(out, pr->classes[best]))
                return false;
            for (int k = 0; k < C; k++) {
                if (!bytes_reserve(out, 40))
                    return false;
                out->buf[out->len++] = ',';
                out->len += ffnn_format_float_len(out->buf + out->len, (float)s->prob[k]);
            }
        }
        if (!bytes_put(out, '\n'))
            return false;
    }
    return true;
}

/* The fast way through a row of plain decimals when every feature is
 * numeric: each feature parsed and standardised straight from the block,
 * other fields skipped (copied-through ones terminated in place once the
 * row is known good).  Returns false, having changed nothing, at anything
 * else (quotes, missing values, long numbers, a value out of range), and
 * the row goes the general way. */
static bool plain_row(const pipeline *pl, slot *s, float *x, char **pass)
{
    const ffnn_prep *pr = &pl->m->prep;
    const char *p = s->cur.p, *e = s->cur.end;
    int ncols = pl->bind->ncols;
    for (int j = 0; j < ncols; j++) {
        const char *f = p;
        int c = pl->feat[j];
        if (c >= 0) {
            uint64_t m;
            int nf;
            bool neg, lead0;
            if (e - p < 17 || !(p = swar_decimal(p, &m, &nf, &neg, &lead0)))
                return false;
            int o = pr->columns[c].offset;
            double v = ffnn_num_decimal(m, nf, neg);
            /* (v - 0) / 1 is v, -0 included: the same float either way. */
            x[o] = pl->identity ? (float)v : ffnn_prep_standardise(pr, o, v);
            if (isinf(x[o]))
                return false;
        } else if (!(p = ffnn_csv_plain_field(p, e))) {
            return false;
        }
        s->fstart[j] = f;
        s->fend[j] = p;
        if (!(p = ffnn_csv_plain_next(p, e, j == ncols - 1)))
            return false;
    }
    /* The cursor reads the line break first: terminating the last field
     * overwrites it. */
    ffnn_csv_cursor_skip(&s->cur, (char *)p);
    for (int j = 0; j < ncols; j++)
        if (pl->passed[j])
            *(char *)s->fend[j] = '\0';
    for (int q = 0; q < pl->npass; q++)
        pass[q] = (char *)s->fstart[pl->keep_col[q]];
    return true;
}

/* Parses, encodes, predicts and formats one block (any thread). */
static ffnn_status work(void *ctx, int slot_i, ffnn_csv_block *b, ffnn_error *err)
{
    pipeline *pl = ctx;
    slot *s = &pl->slots[slot_i];
    const ffnn_prep *pr = &pl->m->prep;
    const ffnn_predict_options *opt = pl->opt;
    int D = pl->m->n_in, npass = pl->npass, n = 0, tc = pl->bind->target_col;
    ffnn_status st;
    s->rows = 0;
    s->out.len = 0;
    memset(s->unseen, 0, (size_t)(pr->n_columns > 0 ? pr->n_columns : 1) * sizeof *s->unseen);
    ffnn_csv_cursor_init(&s->cur, b, pl->name);
    for (;;) {
        char **fields;
        int nf;
        if (pl->plain && s->cur.p < s->cur.end && *s->cur.p != '\n' && *s->cur.p != '\r' &&
            plain_row(pl, s, s->X + (size_t)n * (size_t)D, s->pass + (size_t)n * (size_t)npass)) {
            s->rows++;
            if (++n == pl->block_rows) {
                if (!predict_batch(pl, s, n))
                    return ffnn_error_nomem(err);
                n = 0;
            }
            continue;
        }
        if ((st = ffnn_csv_cursor_next(&s->cur, &fields, &nf, err)))
            return st;
        if (nf == 0)
            break;
        long line = s->cur.rec_line;
        if (nf != pl->bind->ncols)
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", pl->name,
                                  line, pl->bind->ncols, nf);
        if ((st = ffnn_prep_encode_unseen(pr, pl->bind, fields, s->X + (size_t)n * (size_t)D,
                                          pl->name, line, s->unseen, opt->unseen_error, err)))
            return st;
        double y;
        if (opt->check_target && tc >= 0 &&
            (st = ffnn_prep_target(pr, fields[tc], &y, pl->name, line, tc + 1, err)))
            return st;
        for (int j = 0; j < npass; j++)
            s->pass[(size_t)n * (size_t)npass + (size_t)j] = fields[pl->keep_col[j]];
        s->rows++;
        if (++n == pl->block_rows) {
            if (!predict_batch(pl, s, n))
                return ffnn_error_nomem(err);
            n = 0;
        }
    }
    if (n > 0 && !predict_batch(pl, s, n))
        return ffnn_error_nomem(err);
    return FFNN_OK;
}

static ffnn_status write_bytes(const bytes *b, FILE *fp, ffnn_error *err)
{
    if (b->len && fwrite(b->buf, 1, b->len, fp) != b->len)
        return ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno));
    return FFNN_OK;
}

/* Writes what head holds, once. */
static ffnn_status start(pipeline *pl, ffnn_error *err)
{
    if (pl->started)
        return FFNN_OK;
    pl->started = true;
    return write_bytes(&pl->head, pl->out, err);
}

/* Writes one block's predictions (in input order). */
static ffnn_status emit(void *ctx, int slot_i, ffnn_error *err)
{
    pipeline *pl = ctx;
    slot *s = &pl->slots[slot_i];
    ffnn_status st;
    if (ffnn_stop_requested())
        return ffnn_error_canceled(err);
    if (s->rows == 0)
        return FFNN_OK;
    pl->rows += s->rows;
    if (!pl->started) {
        if (!bytes_reserve(&pl->head, s->out.len))
            return ffnn_error_nomem(err);
        memcpy(pl->head.buf + pl->head.len, s->out.buf, s->out.len);
        pl->head.len += s->out.len;
        if (pl->rows >= pl->block_rows && (st = start(pl, err)))
            return st;
    } else if ((st = write_bytes(&s->out, pl->out, err))) {
        return st;
    }
    for (int c = 0; c < pl->m->prep.n_columns; c++)
        pl->unseen[c] += s->unseen[c];
    return FFNN_OK;
}

/* The columns copied through (kept, then the target) must not take the
 * names of the columns written after them, "prediction" and p_<class>:
 * ffnn-eval finds those by name, and would score a copied column as the
 * prediction.  A model's target of such a name (a model from before
 * ffnn-train refused them) is refused for the same reason. */
static ffnn_status check_names(const ffnn_prep *pr, char *const *fields, const int *keep_col,
                               int n_keep, const char *name, ffnn_error *err)
{
    if (pr->target && (strcmp(pr->target, "prediction") == 0 || strncmp(pr->target, "p_", 2) == 0))
        return ffnn_error_set(err, FFNN_EDATA,
                              "the model's target \"%s\" has a name of the predictions CSV's own "
                              "columns (prediction, p_<class>); retrain with the column renamed",
                              pr->target);
    for (int j = 0; j < n_keep; j++) {
        const char *c = fields[keep_col[j]];
        if (pr->target && strcmp(c, pr->target) == 0)
            return ffnn_error_set(err, FFNN_EDATA,
                                  "%s: --keep column \"%s\" is the model's target, which the "
                                  "predictions CSV copies after the kept columns anyway", name, c);
        bool clash = strcmp(c, "prediction") == 0;
        for (int k = 0; !clash && pr->task != FFNN_TASK_REGRESSION && k < pr->n_classes; k++)
            clash = strncmp(c, "p_", 2) == 0 && strcmp(c + 2, pr->classes[k]) == 0;
        if (clash)
            return ffnn_error_set(err, FFNN_EDATA,
                                  "%s: --keep column \"%s\" has the name of a column the predictions "
                                  "CSV writes", name, c);
    }
    return FFNN_OK;
}

static ffnn_status make_slots(pipeline *pl, ffnn_pool *pool, ffnn_error *err)
{
    const ffnn_model *m = pl->m;
    size_t rows = (size_t)pl->block_rows, ncol = (size_t)(m->prep.n_columns > 0 ? m->prep.n_columns : 1);
    pl->nslots = ffnn_csv_slots(pool);
    if (!(pl->slots = ffnn_calloc((size_t)pl->nslots, sizeof *pl->slots)))
        return ffnn_error_nomem(err);
    for (int i = 0; i < pl->nslots; i++) {
        slot *s = &pl->slots[i];
        ffnn_status st;
        if ((st = ffnn_workspace_create(&s->ws, m, pl->block_rows, err)))
            return st;
        s->X = ffnn_calloc(rows * (size_t)m->n_in, sizeof *s->X);
        s->P = ffnn_calloc(rows * (size_t)ffnn_model_n_out(m), sizeof *s->P);
        s->prob = ffnn_calloc((size_t)m->prep.n_classes + 2, sizeof *s->prob);
        s->pass = ffnn_calloc(rows * (size_t)(pl->npass + 1), sizeof *s->pass);
        s->unseen = ffnn_calloc(ncol, sizeof *s->unseen);
        s->fstart = ffnn_calloc((size_t)pl->bind->ncols, sizeof *s->fstart);
        s->fend = ffnn_calloc((size_t)pl->bind->ncols, sizeof *s->fend);
        if (!s->X || !s->P || !s->prob || !s->pass || !s->unseen || !s->fstart || !s->fend)
            return ffnn_error_nomem(err);
    }
    return FFNN_OK;
}

static void free_slots(pipeline *pl)
{
    for (int i = 0; pl->slots && i < pl->nslots; i++) {
        slot *s = &pl->slots[i];
        ffnn_workspace_destroy(s->ws);
        free(s->X);
        free(s->P);
        free(s->prob);
        free(s->pass);
        free(s->out.buf);
        free(s->unseen);
        free(s->fstart);
        free(s->fend);
        ffnn_csv_cursor_release(&s->cur);
    }
    free(pl->slots);
}

/* The header line: kept columns, the target, prediction, p_<class>. */
static bool make_head(const pipeline *pl, char **fields, bytes *head)
{
    const ffnn_prep *pr = &pl->m->prep;
    for (int j = 0; j < pl->npass; j++)
        if (!bytes_add_field(head, fields[pl->keep_col[j]]) || !bytes_put(head, ','))
            return false;
    if (!bytes_add_field(head, "prediction"))
        return false;
    if (pr->task != FFNN_TASK_REGRESSION)
        for (int k = 0; k < pr->n_classes; k++) {
            char hdr[512];
            snprintf(hdr, sizeof hdr, "p_%s", pr->classes[k]);
            if (!bytes_put(head, ',') || !bytes_add_field(head, hdr))
                return false;
        }
    return bytes_put(head, '\n');
}

ffnn_predict_options ffnn_predict_options_default(void)
{
    return (ffnn_predict_options){.keep = NULL, .n_keep = 0, .block_rows = 1024, .threads = 2,
                                  .check_target = false, .unseen_error = false, .unseen = NULL,
                                  .block_bytes = BLOCK_BYTES};
}

ffnn_status ffnn_predict_stream(const ffnn_model *m, FILE *in, const char *name, FILE *out,
                                const ffnn_predict_options *opt, long *nrows, ffnn_error *err)
{
    static const ffnn_csv_stage stage = {work, emit};
    ffnn_predict_options defaults = ffnn_predict_options_default();
    if (!opt)
        opt = &defaults;
    const ffnn_prep *pr = &m->prep;
    pipeline pl;
    memset(&pl, 0, sizeof pl);
    pl.m = m;
    pl.name = name;
    pl.opt = opt;
    pl.out = out;
    pl.block_rows = opt->block_rows > 0 ? opt->block_rows : 1024;
    ffnn_csv_reader *r = NULL;
    ffnn_pool *pool = NULL;
    ffnn_prep_binding bind;
    memset(&bind, 0, sizeof bind);
    int *keep_col = NULL;
    char **fields;
    int nf, threads = opt->threads == 0 ? 2 : opt->threads;
    ffnn_status st;

    if (nrows)
        *nrows = 0;
    if (opt->unseen)
        memset(opt->unseen, 0, (size_t)pr->n_columns * sizeof *opt->unseen);
    if ((st = ffnn_csv_reader_create(&r, in, name, err)) ||
        (st = ffnn_csv_next(r, &fields, &nf, err)))
        goto done;
    if (nf == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: empty file", name);
        goto done;
    }
    if ((st = ffnn_table_check_names(fields, nf, name, ffnn_csv_line(r), err)) ||
        (st = ffnn_prep_bind(pr, fields, nf, &bind, name, err)))
        goto done;
    pl.bind = &bind;
    pl.npass = opt->n_keep + (bind.target_col >= 0);
    if (!(keep_col = ffnn_calloc((size_t)pl.npass + 1, sizeof *keep_col)) ||
        !(pl.unseen = ffnn_calloc((size_t)(pr->n_columns > 0 ? pr->n_columns : 1), sizeof *pl.unseen)))
        goto nomem;
    pl.keep_col = keep_col;
    for (int j = 0; j < opt->n_keep; j++) {
        keep_col[j] = -1;
        for (int c = 0; c < nf && keep_col[j] < 0; c++)
            if (strcmp(fields[c], opt->keep[j]) == 0)
                keep_col[j] = c;
        if (keep_col[j] < 0) {
            st = ffnn_error_set(err, FFNN_EDATA, "%s: --keep column \"%s\" is not in the header", name,
                                opt->keep[j]);
            goto done;
        }
    }
    if (bind.target_col >= 0)
        keep_col[opt->n_keep] = bind.target_col;
    if ((st = check_names(pr, fields, keep_col, opt->n_keep, name, err)))
        goto done;
    if (!(pl.feat = ffnn_calloc((size_t)nf, sizeof *pl.feat)) ||
        !(pl.passed = ffnn_calloc((size_t)nf, sizeof *pl.passed)))
        goto nomem;
    pl.plain = !opt->check_target;
    for (int j = 0; j < nf; j++)
        pl.feat[j] = -1;
    for (int c = 0; c < pr->n_columns; c++) {
        pl.feat[bind.col[c]] = c;
        pl.plain &= !pr->columns[c].categorical;
    }
    for (int q = 0; q < pl.npass; q++)
        pl.passed[keep_col[q]] = true;
    pl.identity = true;
    for (int o = 0; o < pr->n_features; o++)
        pl.identity &= pr->mean[o] == 0.0f && !signbit(pr->mean[o]) && pr->scale[o] == 1.0f;
    if (!make_head(&pl, fields, &pl.head))
        goto nomem;
    if ((threads > 1 && (st = ffnn_pool_create(&pool, threads, err))) ||
        (st = make_slots(&pl, pool, err)) ||
        (st = ffnn_csv_run(r, pool, opt->block_bytes ? opt->block_bytes : BLOCK_BYTES, &stage,
                           &pl, err)))
        goto done;
    if (ffnn_stop_requested()) {
        st = ffnn_error_canceled(err);
        goto done;
    }
    if ((st = start(&pl, err)))
        goto done;
    if (nrows)
        *nrows = pl.rows;
    if (opt->unseen)
        memcpy(opt->unseen, pl.unseen, (size_t)pr->n_columns * sizeof *opt->unseen);
    goto done;
nomem:
    st = ffnn_error_nomem(err);
done:
    free_slots(&pl);
    ffnn_pool_destroy(pool);
    ffnn_csv_reader_destroy(r);
    ffnn_prep_binding_release(&bind);
    free(keep_col);
    free(pl.feat);
    free(pl.passed);
    free(pl.unseen);
    free(pl.head.buf);
    return st;
}
