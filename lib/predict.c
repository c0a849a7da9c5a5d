/* ffnn — streaming prediction (see predict.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/predict.h"
#include "internal.h"

/* Strings copied through for one block of rows, packed NUL-separated. */
typedef struct {
    char *buf;
    size_t len, cap;
    size_t *off;        /* per row: n_pass offsets */
} passthrough;

static ffnn_status pass_add(passthrough *p, const char *s, ffnn_error *err)
{
    size_t n = strlen(s) + 1;
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b)
            return ffnn_error_nomem(err);
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    return FFNN_OK;
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

static void write_block(const ffnn_model *m, FILE *out, const float *P, int rows, int npass,
                        const passthrough *pt, double *prob)
{
    int K = ffnn_model_n_out(m);
    const ffnn_prep *pr = &m->prep;
    char buf[40];
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < npass; j++) {
            ffnn_csv_write_field(out, pt->buf + pt->off[(size_t)i * (size_t)npass + (size_t)j]);
            fputc(',', out);
        }
        const float *o = P + (size_t)i * (size_t)K;
        if (pr->task == FFNN_TASK_REGRESSION) {
            fputs(ffnn_format_float(buf, o[0]), out);
        } else {
            to_probabilities(m, o, K, prob);
            int C = pr->n_classes, best = 0;
            /* Binary with one unit: class 1 when p > 0.5 (Keras's
             * binary accuracy); otherwise argmax, ties to the first. */
            if (K == 1)
                best = o[0] > (m->layers[m->n_layers - 1].activation == FFNN_ACT_LINEAR ? 0.0f : 0.5f);
            else
                for (int k = 1; k < C; k++)
                    if (prob[k] > prob[best])
                        best = k;
            ffnn_csv_write_field(out, pr->classes[best]);
            for (int k = 0; k < C; k++) {
                fputc(',', out);
                fputs(ffnn_format_float(buf, (float)prob[k]), out);
            }
        }
        fputc('\n', out);
    }
}

ffnn_status ffnn_predict_stream(const ffnn_model *m, FILE *in, const char *name, FILE *out,
                                const ffnn_predict_options *opt, long *nrows, ffnn_error *err)
{
    ffnn_predict_options defaults = {NULL, 0, 256};
    if (!opt)
        opt = &defaults;
    int block = opt->block_rows > 0 ? opt->block_rows : 256;
    const ffnn_prep *pr = &m->prep;
    int K = ffnn_model_n_out(m), D = m->n_in;
    ffnn_csv_reader *r = NULL;
    ffnn_workspace *ws = NULL;
    ffnn_prep_binding bind;
    memset(&bind, 0, sizeof bind);
    float *X = NULL, *P = NULL;
    double *prob = NULL;
    int *keep_col = NULL;
    passthrough pt = {NULL, 0, 0, NULL};
    long total = 0;
    char **fields;
    int nf;
    ffnn_status st;

    if (nrows)
        *nrows = 0;
    if ((st = ffnn_csv_reader_create(&r, in, name, err)))
        return st;
    if ((st = ffnn_csv_next(r, &fields, &nf, err)))
        goto done;
    if (nf == 0) {
        st = ffnn_error_set(err, FFNN_EDATA, "%s: empty file", name);
        goto done;
    }
    if ((st = ffnn_prep_bind(pr, fields, nf, &bind, name, err)))
        goto done;
    int npass = opt->n_keep + (bind.target_col >= 0);
    keep_col = ffnn_calloc((size_t)npass + 1, sizeof *keep_col);
    if (!keep_col) {
        st = ffnn_error_nomem(err);
        goto done;
    }
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

    /* Header: kept columns, the target, prediction, p_<class>. */
    for (int j = 0; j < npass; j++) {
        ffnn_csv_write_field(out, fields[keep_col[j]]);
        fputc(',', out);
    }
    fputs("prediction", out);
    if (pr->task != FFNN_TASK_REGRESSION)
        for (int k = 0; k < pr->n_classes; k++) {
            char hdr[512];
            snprintf(hdr, sizeof hdr, "p_%s", pr->classes[k]);
            fputc(',', out);
            ffnn_csv_write_field(out, hdr);
        }
    fputc('\n', out);

    if ((st = ffnn_workspace_create(&ws, m, block, err)))
        goto done;
    X = ffnn_calloc((size_t)block * (size_t)D, sizeof *X);
    P = ffnn_calloc((size_t)block * (size_t)K, sizeof *P);
    prob = ffnn_calloc((size_t)pr->n_classes + 2, sizeof *prob);
    pt.off = ffnn_calloc((size_t)block * (size_t)(npass + 1), sizeof *pt.off);
    if (!X || !P || !prob || !pt.off) {
        st = ffnn_error_nomem(err);
        goto done;
    }
    int rows = 0;
    for (;;) {
        if ((st = ffnn_csv_next(r, &fields, &nf, err)))
            goto done;
        if (nf > 0) {
            long line = ffnn_csv_line(r);
            if (nf != bind.ncols) {
                st = ffnn_error_set(err, FFNN_EDATA, "%s:%ld: expected %d fields, got %d", name, line,
                                    bind.ncols, nf);
                goto done;
            }
            if ((st = ffnn_prep_encode(pr, &bind, fields, X + (size_t)rows * (size_t)D, name, line, err)))
                goto done;
            for (int j = 0; j < npass; j++) {
                pt.off[(size_t)rows * (size_t)npass + (size_t)j] = pt.len;
                if ((st = pass_add(&pt, fields[keep_col[j]], err)))
                    goto done;
            }
            rows++;
        }
        if (rows == block || (nf == 0 && rows > 0)) {
            ffnn_model_predict(m, ws, X, rows, P);
            write_block(m, out, P, rows, npass, &pt, prob);
            if (ferror(out)) {
                st = ffnn_error_set(err, FFNN_EIO, "write error");
                goto done;
            }
            total += rows;
            rows = 0;
            pt.len = 0;
        }
        if (nf == 0)
            break;
    }
    if (nrows)
        *nrows = total;
done:
    ffnn_csv_reader_destroy(r);
    ffnn_prep_binding_release(&bind);
    ffnn_workspace_destroy(ws);
    free(X); free(P); free(prob); free(keep_col); free(pt.buf); free(pt.off);
    return st;
}
