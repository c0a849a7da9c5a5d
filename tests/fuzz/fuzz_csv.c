/* Fuzzes the CSV readers on arbitrary bytes: the whole-table reader
 * (ffnn_table_read, what split/tune/explain read) followed by what training
 * does with a table (ffnn_prep_fit, ffnn_data_from_table); the one-pass
 * reader ffnn-train uses (ffnn_ingest_read, on 1 or 2 threads), which must
 * agree with the table path to the bit or in its error message (abort
 * otherwise), and its encoder of validation rows (ffnn_ingest_encode)
 * likewise; and the streaming reader (ffnn_csv_next, what predict reads)
 * with the field helpers applied to every field. */
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/ingest.h"
#include "ffnn/preprocess.h"
#include "fuzz.h"

static bool same_prep(const ffnn_prep *a, const ffnn_prep *b)
{
    if (a->n_columns != b->n_columns || a->n_features != b->n_features || a->task != b->task ||
        a->n_classes != b->n_classes || strcmp(a->target, b->target) != 0)
        return false;
    for (int c = 0; c < a->n_columns; c++) {
        const ffnn_prep_column *x = &a->columns[c], *y = &b->columns[c];
        if (strcmp(x->name, y->name) != 0 || x->categorical != y->categorical ||
            x->n_cats != y->n_cats || x->offset != y->offset || x->constant != y->constant ||
            memcmp(&x->fill, &y->fill, sizeof x->fill) != 0)
            return false;
        for (int k = 0; k < x->n_cats; k++)
            if (strcmp(x->cats[k], y->cats[k]) != 0)
                return false;
    }
    for (int k = 0; k < a->n_classes; k++)
        if (strcmp(a->classes[k], b->classes[k]) != 0)
            return false;
    size_t nf = (size_t)a->n_features * sizeof(float);
    return memcmp(a->mean, b->mean, nf) == 0 && memcmp(a->scale, b->scale, nf) == 0;
}

/* The table path's outcome against the one-pass reader's on the same
 * bytes: abort if they differ in any respect. */
static void check_ingest(const uint8_t *data, size_t size, const ffnn_prep_options *opt,
                         ffnn_status want, const ffnn_error *werr, const ffnn_prep *wp,
                         const ffnn_data *wd)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = 1 + (int)(size & 1);
    ffnn_prep p;
    ffnn_data d;
    ffnn_error err;
    ffnn_status st = ffnn_ingest_read(&d, &p, fp, "fuzz.csv", opt, &io, &err);
    fclose(fp);
    if (st != want || (st && strcmp(err.msg, werr->msg) != 0))
        abort();
    if (st)
        return;
    if (!same_prep(&p, wp) || d.n != wd->n || d.d != wd->d ||
        memcmp(d.X, wd->X, (size_t)d.n * (size_t)d.d * sizeof(float)) != 0 ||
        memcmp(d.y, wd->y, (size_t)d.n * sizeof(double)) != 0)
        abort();
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
}

/* The rows encoded by ffnn_ingest_encode with p against want (the table
 * path's status, message and data): abort if they differ.  any_error: the
 * table path failed while reading the table, before any row was encoded,
 * so only a failure is expected (the block reader reports the first error
 * in file order, which may be another). */
static void check_encode(const uint8_t *data, size_t size, const ffnn_prep *p,
                         const ffnn_ingest_header *expect, ffnn_status want,
                         const ffnn_error *werr, const ffnn_data *wd, bool any_error)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = 1 + (int)(size >> 1 & 1);
    ffnn_data d;
    ffnn_error err;
    ffnn_status st = ffnn_ingest_encode(&d, p, fp, "fuzz.csv", expect, "train.csv", &io, &err);
    fclose(fp);
    if (any_error) {
        if (!st || d.X)
            abort();
        return;
    }
    if (st != want || (st && strcmp(err.msg, werr->msg) != 0))
        abort();
    if (st)
        return;
    if (d.n != wd->n || d.d != wd->d ||
        memcmp(d.X, wd->X, (size_t)d.n * (size_t)d.d * sizeof(float)) != 0 ||
        memcmp(d.y, wd->y, (size_t)d.n * sizeof(double)) != 0)
        abort();
    ffnn_data_release(&d);
}

/* Validation rows with a fixed preprocessing (a numeric, b categorical, y
 * three classes): the input encoded by the block reader against the table
 * path (ffnn_table_read, ffnn_data_from_table). */
static void fuzz_encode(const uint8_t *data, size_t size)
{
    static const char train[] = "a,b,y\n1,x,0\n2,y,1\n3,x,2\n4,z,0\n5,x,1\n6,y,2\n7,x,0\n";
    FILE *fp = fuzz_stream((const uint8_t *)train, sizeof train - 1);
    ffnn_table tt, t;
    ffnn_prep p;
    ffnn_error err;
    if (ffnn_table_read(&tt, fp, "train.csv", false, &err) || ffnn_prep_fit(&p, &tt, NULL, &err))
        abort();
    fclose(fp);
    fp = fuzz_stream(data, size);
    ffnn_status st = ffnn_table_read(&t, fp, "fuzz.csv", false, &err);
    fclose(fp);
    if (st) {
        check_encode(data, size, &p, NULL, st, &err, NULL, true);
    } else {
        ffnn_data d;
        st = ffnn_data_from_table(&d, &p, &t, NULL, t.nrows, true, &err);
        check_encode(data, size, &p, NULL, st, &err, &d, false);
        if (!st)
            ffnn_data_release(&d);
        ffnn_table_release(&t);
    }
    ffnn_prep_release(&p);
    ffnn_table_release(&tt);
}

/* What training does with a table, then the one-pass reader likewise. */
static void fit_both(const uint8_t *data, size_t size, const ffnn_table *t, ffnn_status tst,
                     const ffnn_error *terr, const ffnn_prep_options *opt)
{
    ffnn_prep p;
    ffnn_data d;
    ffnn_error err = *terr;
    ffnn_status st = tst;
    memset(&p, 0, sizeof p);
    memset(&d, 0, sizeof d);
    /* Training reads its table with allow_empty false: no rows is that
     * error, before the roles of the columns are looked at. */
    if (!st && t->nrows == 0)
        st = ffnn_error_set(&err, FFNN_EDATA, "fuzz.csv: no data rows");
    if (!st && !(st = ffnn_prep_fit(&p, t, opt, &err)) &&
        (st = ffnn_data_from_table(&d, &p, t, NULL, t->nrows, true, &err)))
        ffnn_prep_release(&p);
    check_ingest(data, size, opt, st, &err, &p, &d);
    if (!st) {
        /* The same rows as validation rows of their own preprocessing. */
        ffnn_ingest_header h = {t->names, t->ncols};
        check_encode(data, size, &p, &h, FFNN_OK, &err, &d, false);
        ffnn_data_release(&d);
        ffnn_prep_release(&p);
    }
}

static void fuzz_table(const uint8_t *data, size_t size)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_table t;
    ffnn_error err;
    ffnn_status st = ffnn_table_read(&t, fp, "fuzz.csv", true, &err);
    fclose(fp);
    if (!st)
        ffnn_table_write(&t, fuzz_sink(), NULL, t.nrows);
    ffnn_prep_options opt = ffnn_prep_options_default();
    fit_both(data, size, &t, st, &err, &opt);
    opt.impute = FFNN_IMPUTE_MEAN;
    opt.task = FFNN_TASK_REGRESSION;
    fit_both(data, size, &t, st, &err, &opt);
    if (!st)
        ffnn_table_release(&t);
}

static void fuzz_stream_reader(const uint8_t *data, size_t size)
{
    FILE *fp = fuzz_stream(data, size);
    ffnn_csv_reader *r;
    ffnn_error err;
    if (ffnn_csv_reader_create(&r, fp, "fuzz.csv", &err) == 0) {
        char **fields;
        int n;
        while (ffnn_csv_next(r, &fields, &n, &err) == 0 && n > 0) {
            for (int i = 0; i < n; i++) {
                double v;
                char buf[64];
                ffnn_parse_double(fields[i], &v);
                ffnn_csv_is_missing(fields[i]);
                ffnn_csv_show(buf, fields[i]);
                ffnn_csv_write_field(fuzz_sink(), fields[i]);
            }
            (void)ffnn_csv_line(r);
        }
        ffnn_csv_reader_destroy(r);
    }
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_table(data, size);
    fuzz_encode(data, size);
    fuzz_stream_reader(data, size);
    return 0;
}
