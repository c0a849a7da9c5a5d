/* ffnn — streaming prediction (see predict.h).
 *
 * Two stages over a ring of row blocks: a reader thread parses and encodes
 * CSV records into a block while the calling thread predicts the previous
 * block and writes it.  Blocks are written in input order and each row's
 * output depends only on that row, so the bytes are those of a sequential
 * run; with threads = 1 the same stages alternate in the calling thread. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/predict.h"
#include "internal.h"

#define NBLOCKS 3

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

/* Appends s, NUL included (passthrough strings are kept NUL-separated). */
static bool bytes_add_z(bytes *b, const char *s)
{
    size_t n = strlen(s) + 1;
    if (!bytes_reserve(b, n))
        return false;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
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

typedef struct {
    int rows;
    float *X, *P;
    bytes pass;       /* passthrough strings of the rows, NUL-separated */
    size_t *off;      /* rows × npass offsets into pass */
    bool last;        /* end of input after these rows */
    ffnn_status st;   /* reading this block failed (rows are not written) */
    ffnn_error err;
} block;

typedef struct {
    const ffnn_model *m;
    ffnn_csv_reader *r;
    const char *name;
    const ffnn_prep_binding *bind;
    const int *keep_col;
    int npass, block_rows;
    bool check_target;
    block blocks[NBLOCKS];
    /* Ring state: blocks [consumed, produced) are filled, waiting to be
     * written; the reader may fill while produced - consumed < NBLOCKS. */
    long produced, consumed;
    bool stop;        /* the writer failed: the reader should quit */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pipeline;

/* Reads up to block_rows records into b. */
static void fill_block(pipeline *pl, block *b)
{
    const ffnn_prep *pr = &pl->m->prep;
    int D = pl->m->n_in, npass = pl->npass;
    char **fields;
    int nf;
    b->rows = 0;
    b->last = false;
    b->pass.len = 0;
    b->st = FFNN_OK;
    while (b->rows < pl->block_rows) {
        if ((b->st = ffnn_csv_next(pl->r, &fields, &nf, &b->err)))
            return;
        if (nf == 0) {
            b->last = true;
            return;
        }
        long line = ffnn_csv_line(pl->r);
        if (nf != pl->bind->ncols) {
            b->st = ffnn_error_set(&b->err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", pl->name,
                                   line, pl->bind->ncols, nf);
            return;
        }
        if ((b->st = ffnn_prep_encode(pr, pl->bind, fields, b->X + (size_t)b->rows * (size_t)D, pl->name,
                                      line, &b->err)))
            return;
        double y;
        int tc = pl->bind->target_col;
        if (pl->check_target && tc >= 0 &&
            (b->st = ffnn_prep_target(pr, fields[tc], &y, pl->name, line, tc + 1, &b->err)))
            return;
        for (int j = 0; j < npass; j++) {
            b->off[(size_t)b->rows * (size_t)npass + (size_t)j] = b->pass.len;
            if (!bytes_add_z(&b->pass, fields[pl->keep_col[j]])) {
                b->st = ffnn_error_nomem(&b->err);
                return;
            }
        }
        b->rows++;
    }
}

static void *reader_main(void *arg)
{
    pipeline *pl = arg;
    for (long i = 0;; i++) {
        pthread_mutex_lock(&pl->mu);
        while (!pl->stop && pl->produced - pl->consumed >= NBLOCKS)
            pthread_cond_wait(&pl->cv, &pl->mu);
        bool stop = pl->stop;
        pthread_mutex_unlock(&pl->mu);
        if (stop)
            return NULL;
        block *b = &pl->blocks[i % NBLOCKS];
        fill_block(pl, b);
        pthread_mutex_lock(&pl->mu);
        pl->produced++;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        if (b->last || b->st)
            return NULL;
    }
}

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

/* Formats the predictions of b's rows into out (appended). */
static bool format_block(const ffnn_model *m, const block *b, int npass, double *prob, bytes *out)
{
    int K = ffnn_model_n_out(m);
    const ffnn_prep *pr = &m->prep;
    bool logits = m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR;
    char num[40];
    for (int i = 0; i < b->rows; i++) {
        for (int j = 0; j < npass; j++) {
            if (!bytes_add_field(out, b->pass.buf + b->off[(size_t)i * (size_t)npass + (size_t)j]) ||
                !bytes_put(out, ','))
                return false;
        }
        const float *o = b->P + (size_t)i * (size_t)K;
        if (pr->task == FFNN_TASK_REGRESSION) {
            if (!bytes_add_field(out, ffnn_format_float(num, o[0])))
                return false;
        } else {
            to_probabilities(m, o, K, prob);
            int C = pr->n_classes, best = 0;
            /* Binary with one unit: class 1 when p > 0.5 (Keras's binary
             * accuracy); otherwise argmax, ties to the first. */
            if (K == 1)
                best = o[0] > (logits ? 0.0f : 0.5f);
            else
                for (int k = 1; k < C; k++)
                    if (prob[k] > prob[best])
                        best = k;
            if (!bytes_add_field(out, pr->classes[best]))
                return false;
            for (int k = 0; k < C; k++) {
                if (!bytes_reserve(out, 40))
                    return false;
                out->buf[out->len++] = ',';
                const char *t = ffnn_format_float(num, (float)prob[k]);
                size_t n = strlen(t);
                memcpy(out->buf + out->len, t, n);
                out->len += n;
            }
        }
        if (!bytes_put(out, '\n'))
            return false;
    }
    return true;
}

/* Writes the header line held in head, once (head is emptied). */
static ffnn_status write_head(bytes *head, FILE *fp, ffnn_error *err)
{
    size_t n = head->len;
    head->len = 0;
    if (n && fwrite(head->buf, 1, n, fp) != n)
        return ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno));
    return FFNN_OK;
}

/* Predicts b and writes it to fp. */
static ffnn_status write_block(pipeline *pl, block *b, ffnn_workspace *ws, double *prob, bytes *out,
                               FILE *fp, ffnn_error *err)
{
    ffnn_model_predict(pl->m, ws, b->X, b->rows, b->P);
    out->len = 0;
    if (!format_block(pl->m, b, pl->npass, prob, out))
        return ffnn_error_nomem(err);
    if (out->len && fwrite(out->buf, 1, out->len, fp) != out->len)
        return ffnn_error_set(err, FFNN_EIO, "write error: %s", strerror(errno));
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

ffnn_status ffnn_predict_stream(const ffnn_model *m, FILE *in, const char *name, FILE *out,
                                const ffnn_predict_options *opt, long *nrows, ffnn_error *err)
{
    ffnn_predict_options defaults = {NULL, 0, 0, 0, false};
    if (!opt)
        opt = &defaults;
    const ffnn_prep *pr = &m->prep;
    int K = ffnn_model_n_out(m), D = m->n_in;
    pipeline pl;
    memset(&pl, 0, sizeof pl);
    pl.m = m;
    pl.name = name;
    pl.block_rows = opt->block_rows > 0 ? opt->block_rows : 1024;
    pl.check_target = opt->check_target;
    ffnn_workspace *ws = NULL;
    ffnn_prep_binding bind;
    memset(&bind, 0, sizeof bind);
    double *prob = NULL;
    int *keep_col = NULL;
    bytes text = {NULL, 0, 0}, head = {NULL, 0, 0};
    long total = 0;
    char **fields;
    int nf;
    bool threaded = false;
    pthread_t reader;
    ffnn_status st;

    if (nrows)
        *nrows = 0;
    if ((st = ffnn_csv_reader_create(&pl.r, in, name, err)))
        return st;
    if ((st = ffnn_csv_next(pl.r, &fields, &nf, err)))
        goto done;
    if (nf == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: empty file", name);
        goto done;
    }
    if ((st = ffnn_prep_bind(pr, fields, nf, &bind, name, err)))
        goto done;
    pl.bind = &bind;
    pl.npass = opt->n_keep + (bind.target_col >= 0);
    keep_col = ffnn_calloc((size_t)pl.npass + 1, sizeof *keep_col);
    if (!keep_col) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    pl.keep_col = keep_col;
    for (int j = 0; j < opt->n_keep; j++) {
        keep_col[j] = -1;
        for (int c = 0; c < nf; c++)
            if (strcmp(fields[c], opt->keep[j]) == 0) {
                keep_col[j] = c;
                break;
            }
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

    /* Header: kept columns, the target, prediction, p_<class>. */
    for (int j = 0; j < pl.npass; j++)
        if (!bytes_add_field(&text, fields[keep_col[j]]) || !bytes_put(&text, ','))
            goto nomem;
    if (!bytes_add_field(&text, "prediction"))
        goto nomem;
    if (pr->task != FFNN_TASK_REGRESSION)
        for (int k = 0; k < pr->n_classes; k++) {
            char hdr[512];
            snprintf(hdr, sizeof hdr, "p_%s", pr->classes[k]);
            if (!bytes_put(&text, ',') || !bytes_add_field(&text, hdr))
                goto nomem;
        }
    if (!bytes_put(&text, '\n'))
        goto nomem;
    /* The header waits for the first block of rows (or the end of an input
     * without rows): an error in the first block leaves the output empty. */
    head = text;
    memset(&text, 0, sizeof text);

    if ((st = ffnn_workspace_create(&ws, m, pl.block_rows, err)))
        goto done;
    prob = ffnn_calloc((size_t)pr->n_classes + 2, sizeof *prob);
    if (!prob)
        goto nomem;
    for (int i = 0; i < NBLOCKS; i++) {
        block *b = &pl.blocks[i];
        b->X = ffnn_calloc((size_t)pl.block_rows * (size_t)D, sizeof *b->X);
        b->P = ffnn_calloc((size_t)pl.block_rows * (size_t)K, sizeof *b->P);
        b->off = ffnn_calloc((size_t)pl.block_rows * (size_t)(pl.npass + 1), sizeof *b->off);
        if (!b->X || !b->P || !b->off)
            goto nomem;
    }
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    threaded = opt->threads != 1 && pthread_create(&reader, NULL, reader_main, &pl) == 0;

    for (long i = 0;; i++) {
        block *b = &pl.blocks[i % NBLOCKS];
        if (threaded) {
            pthread_mutex_lock(&pl.mu);
            while (pl.produced <= i)
                pthread_cond_wait(&pl.cv, &pl.mu);
            pthread_mutex_unlock(&pl.mu);
        } else {
            fill_block(&pl, b);
        }
        if (b->st) {
            st = b->st;
            if (err)
                *err = b->err;
        } else if (ffnn_stop_requested()) {
            st = ffnn_error_canceled(err);
        } else if (b->rows > 0) {
            if (!(st = write_head(&head, out, err)))
                st = write_block(&pl, b, ws, prob, &text, out, err);
            total += b->rows;
        }
        if (!st && b->last)
            st = write_head(&head, out, err);
        bool finished = st || b->last;
        if (threaded) {
            pthread_mutex_lock(&pl.mu);
            pl.consumed++;
            if (finished)
                pl.stop = true;
            pthread_cond_broadcast(&pl.cv);
            pthread_mutex_unlock(&pl.mu);
        }
        if (finished)
            break;
    }
    if (threaded)
        pthread_join(reader, NULL);
    pthread_mutex_destroy(&pl.mu);
    pthread_cond_destroy(&pl.cv);
    if (!st && nrows)
        *nrows = total;
    goto done;
nomem:
    st = ffnn_error_nomem(err);
done:
    ffnn_csv_reader_destroy(pl.r);
    ffnn_prep_binding_release(&bind);
    ffnn_workspace_destroy(ws);
    for (int i = 0; i < NBLOCKS; i++) {
        free(pl.blocks[i].X);
        free(pl.blocks[i].P);
        free(pl.blocks[i].off);
        free(pl.blocks[i].pass.buf);
    }
    free(prob);
    free(keep_col);
    free(text.buf);
    free(head.buf);
    return st;
}
