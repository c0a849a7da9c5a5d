/* The one-pass reader (ffnn_ingest_read) against the table path
 * (ffnn_table_read + ffnn_prep_fit + ffnn_data_from_table), which is the
 * specification: the same preprocessing, matrix and targets to the bit, or
 * the same error, for every file of the test data and the bundled datasets,
 * under options that change the rules, on 1 to 3 threads and with blocks of
 * a few dozen bytes (so records, quoted line breaks and CRLFs straddle
 * them); plus the cases where the order of errors matters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/dataset.h"
#include "ffnn/ingest.h"
#include "ffnn/preprocess.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* Both readers on the same bytes: returns the table path's status and
 * message (*msg, NULL when it succeeded) after checking that the reader
 * agrees in every respect. */
typedef struct {
    ffnn_status st;
    ffnn_error err;
    ffnn_prep p;
    ffnn_data d;
} outcome;

static FILE *stream(const char *text, size_t len)
{
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
    rewind(fp);
    return fp;
}

static void by_table(outcome *o, FILE *fp, const ffnn_prep_options *opt)
{
    ffnn_table t;
    memset(o, 0, sizeof *o);
    rewind(fp);
    if ((o->st = ffnn_table_read(&t, fp, "t.csv", false, &o->err)))
        return;
    if (!(o->st = ffnn_prep_fit(&o->p, &t, opt, &o->err)) &&
        (o->st = ffnn_data_from_table(&o->d, &o->p, &t, NULL, t.nrows, true, &o->err)))
        ffnn_prep_release(&o->p);
    ffnn_table_release(&t);
}

static void by_ingest(outcome *o, FILE *fp, const ffnn_prep_options *opt, int threads,
                      size_t block)
{
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.threads = threads;
    io.block_bytes = block;
    memset(o, 0, sizeof *o);
    rewind(fp);
    o->st = ffnn_ingest_read(&o->d, &o->p, fp, "t.csv", opt, &io, &o->err);
}

static void release(outcome *o)
{
    ffnn_prep_release(&o->p);
    ffnn_data_release(&o->d);
}

static void same_prep(const ffnn_prep *a, const ffnn_prep *b, const char *what)
{
    ck_assert_msg(a->n_columns == b->n_columns && a->n_features == b->n_features &&
                      a->standardize == b->standardize && a->impute == b->impute &&
                      a->task == b->task && a->n_classes == b->n_classes,
                  "%s: shape of the preprocessing", what);
    ck_assert_str_eq(a->target, b->target);
    for (int c = 0; c < a->n_columns; c++) {
        const ffnn_prep_column *x = &a->columns[c], *y = &b->columns[c];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_msg(x->categorical == y->categorical && x->n_cats == y->n_cats &&
                          x->offset == y->offset && x->constant == y->constant &&
                          memcmp(&x->fill, &y->fill, sizeof x->fill) == 0,
                      "%s: column %s", what, x->name);
        for (int k = 0; k < x->n_cats; k++)
            ck_assert_str_eq(x->cats[k], y->cats[k]);
    }
    size_t nf = (size_t)a->n_features * sizeof(float);
    ck_assert_msg(memcmp(a->mean, b->mean, nf) == 0, "%s: mean", what);
    ck_assert_msg(memcmp(a->scale, b->scale, nf) == 0, "%s: scale", what);
    for (int k = 0; k < a->n_classes; k++)
        ck_assert_str_eq(a->classes[k], b->classes[k]);
}

/* Checks the reader against the table path on fp for each of a few thread
 * counts and block sizes; returns the table path's status. */
static ffnn_status agree(FILE *fp, const ffnn_prep_options *opt, const char *what)
{
    static const int threads[] = {1, 2, 3, 2};
    static const size_t blocks[] = {0, 64, 100, 4096};
    outcome want;
    by_table(&want, fp, opt);
    for (int k = 0; k < 4; k++) {
        outcome got;
        by_ingest(&got, fp, opt, threads[k], blocks[k]);
        ck_assert_msg(got.st == want.st, "%s (%d threads, block %zu): status %d (%s), want %d (%s)",
                      what, threads[k], blocks[k], got.st, got.st ? got.err.msg : "",
                      want.st, want.st ? want.err.msg : "");
        if (want.st) {
            ck_assert_msg(strcmp(got.err.msg, want.err.msg) == 0,
                          "%s (%d threads, block %zu): \"%s\", want \"%s\"", what, threads[k],
                          blocks[k], got.err.msg, want.err.msg);
            ck_assert_ptr_null(got.p.columns);
            ck_assert_ptr_null(got.d.X);
            continue;
        }
        same_prep(&got.p, &want.p, what);
        ck_assert_msg(got.d.n == want.d.n && got.d.d == want.d.d, "%s: shape", what);
        ck_assert_msg(memcmp(got.d.X, want.d.X, (size_t)want.d.n * (size_t)want.d.d *
                                                    sizeof(float)) == 0,
                      "%s (%d threads, block %zu): the matrix differs", what, threads[k],
                      blocks[k]);
        ck_assert_msg(memcmp(got.d.y, want.d.y, (size_t)want.d.n * sizeof(double)) == 0,
                      "%s: the targets differ", what);
        release(&got);
    }
    ffnn_status st = want.st;
    release(&want);
    return st;
}

static ffnn_status agree_text(const char *text, const ffnn_prep_options *opt)
{
    FILE *fp = stream(text, strlen(text));
    ffnn_status st = agree(fp, opt, text);
    fclose(fp);
    return st;
}

/* Every CSV file of the test data and the datasets, under options that
 * take other ways through the rules; some of them are errors. */
static const char *const files[] = {
    "csv/bom_crlf.csv", "csv/dup.csv", "csv/empty.csv", "csv/header_only.csv",
    "csv/missing.csv", "csv/named.csv", "csv/ragged.csv", "csv/std.csv",
    "csv-spectrum/comma_in_quotes.csv", "csv-spectrum/empty.csv", "csv-spectrum/empty_crlf.csv",
    "csv-spectrum/escaped_quotes.csv", "csv-spectrum/json.csv",
    "csv-spectrum/location_coordinates.csv", "csv-spectrum/newlines.csv",
    "csv-spectrum/newlines_crlf.csv", "csv-spectrum/quotes_and_newlines.csv",
    "csv-spectrum/simple.csv", "csv-spectrum/simple_crlf.csv", "csv-spectrum/utf8.csv",
    "eval/binary.csv", "eval/multiclass.csv", "eval/regression.csv", "eval/history.csv",
    "explain/fruit.csv", "model_io/mixed.csv",
    "../../datasets/iris.csv", "../../datasets/iris_named.csv",
    "../../datasets/breast_cancer.csv", "../../datasets/breast_cancer_named.csv",
    "../../datasets/diabetes.csv", "../../datasets/diabetes_raw.csv",
};

START_TEST(test_files_agree)
{
    const char *path = files[_i];
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ffnn_prep_options opt[4];
    for (int k = 0; k < 4; k++)
        opt[k] = ffnn_prep_options_default();
    opt[1].impute = FFNN_IMPUTE_MEAN;
    opt[2].task = FFNN_TASK_REGRESSION;
    opt[2].impute = FFNN_IMPUTE_MEAN;
    opt[3].standardize = false;
    opt[3].task = FFNN_TASK_MULTICLASS;
    for (int k = 0; k < 4; k++)
        agree(fp, &opt[k], path);
    fclose(fp);
}
END_TEST

/* Cells of every kind the reader keeps apart: plain decimals, other
 * numbers (exponents, signs, spaces, long digits), texts, missing values,
 * in numeric, categorical and target columns, with quotes and line ends of
 * all kinds. */
START_TEST(test_cell_kinds_agree)
{
    ffnn_prep_options opt = ffnn_prep_options_default(), imp = opt, reg = opt;
    imp.impute = FFNN_IMPUTE_MEAN;
    reg.task = FFNN_TASK_REGRESSION;
    const char *num =
        "a,b,c,y\n"
        "0.5,1e3,-0,1\n"
        "-2.25,+4,0.0000000000000000000001,2\n"
        "33554431,\" 7 \",12345678901234567890,1\n"
        "33554432,0.30000000000000004,1.50,2\n"
        "007,.5,5.,1\n"
        "1.0000001,-0.00,\"3\",2\n";
    ck_assert_int_eq(agree_text(num, &opt), FFNN_OK);
    ck_assert_int_eq(agree_text(num, &reg), FFNN_OK);
    /* Categories that include numbers, written in several ways. */
    const char *cat =
        "colour,size,label\r\n"
        "red,1,a\r\n"
        "1.0,2,b\r\n"
        "\"gr\"\"een\",3,a\r\n"
        "1,4,b\r\n"
        "blue,5,a\r\n"
        "01,6,1.0\r\n"
        "\"multi\r\nline\",7,b\r\n";
    ck_assert_int_eq(agree_text(cat, &opt), FFNN_OK);
    /* Missing values, imputed. */
    const char *miss = "a,b,y\n1,x,0\nNA,y,1\n3, ,0\n?,x,1\n5.5,N/A,0\n";
    ck_assert_int_eq(agree_text(miss, &imp), FFNN_OK);
    ck_assert_int_eq(agree_text(miss, &opt), FFNN_EDATA);
    /* Integer labels written as floats; classes by value. */
    ck_assert_int_eq(agree_text("a,y\n1,1.0\n2,2\n3,1\n4,2.00\n5,1\n6,2\n", &opt), FFNN_OK);
    /* String classes made of numbers written differently. */
    ck_assert_int_eq(agree_text("a,y\n1,1.0\n2,1\n3,x\n4,1.0\n", &opt), FFNN_OK);
}
END_TEST

/* The error reported is the table path's, first in its order, whichever
 * block or thread meets which bad cell first. */
START_TEST(test_first_error_wins)
{
    ffnn_prep_options opt = ffnn_prep_options_default(), tgt = opt;
    tgt.target = "nope";
    /* Syntax beats meaning: a bad number early, a ragged row late. */
    char *text = malloc(200000);
    size_t n = (size_t)sprintf(text, "a,b,y\n1,x,0\n");
    for (int i = 0; i < 5000; i++)
        n += (size_t)sprintf(text + n, "%d.5,%d,%d\n", i, i % 7, i % 2);
    n += (size_t)sprintf(text + n, "1,2\n");
    for (int i = 0; i < 50; i++)
        n += (size_t)sprintf(text + n, "1,\"x\"y,0\n");
    FILE *fp = stream(text, n);
    ck_assert_int_eq(agree(fp, &opt, "ragged after a bad cell"), FFNN_EDATA);
    outcome o;
    by_ingest(&o, fp, &opt, 2, 64);
    ck_assert_str_eq(o.err.msg, "t.csv:5003: expected 3 fields, got 2");
    fclose(fp);
    /* An unknown target is reported after the rows were read (a syntax
     * error anywhere comes first), and so is "no data rows". */
    ck_assert_int_eq(agree_text("a,b\n1,2\n\"x\n", &tgt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,b\n1,2\n3,4\n", &tgt), FFNN_ECONFIG);
    ck_assert_int_eq(agree_text("a,b\n\n\n", &tgt), FFNN_EDATA);
    /* Among semantic errors the first column's comes first, then the first
     * missing or out-of-range cell in row-major order, then the target. */
    ck_assert_int_eq(agree_text("a,b,y\n1,1,0\n2,x,1\n3,2,0\n4,3,1\n1e39,4,0\n", &opt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,b,y\n1,1,0\n2,NA,1\n1e39,2,0\n4,3,1\n", &opt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,b,y\n1,1,0\n2,2,NA\n3,\xff,0\n4,3,1\n", &opt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,b,y\n1,1,0\n2,2,\xfe\n3,3,NA\n", &opt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,b,y\nu,1,0\nv,2,1\n\xff,3,0\n", &opt), FFNN_EDATA);
    free(text);
}
END_TEST

/* Random files of every cell kind and line end, with options drawn too:
 * thousands of small cases where the two readers must agree. */
START_TEST(test_random_files_agree)
{
    static const char *const cells[] = {
        "0", "1", "2", "-0", "0.5", "1.50", "-3.25", "10", "007", "1e5", "+2", " 3", "1.",
        ".5", "12345678", "123456789012", "0.30000000000000004", "1e39", "1e400", "inf", "NA",
        "", "?", "a", "b", "\"q,x\"", "\"1.5\"", "\"l1\nl2\"", "\xff", "caf\xc3\xa9", "3.4e38",
        "-3.4e38", "33554431", "33554432", "1.0", "2.0", "-1",
    };
    ffnn_rng rng;
    ffnn_rng_init(&rng, 7, 1, 0);
    char *text = malloc(1 << 16);
    int ok = 0;
    for (int it = 0; it < 400; it++) {
        int ncol = 2 + (int)ffnn_rng_below(&rng, 4), nrow = (int)ffnn_rng_below(&rng, 40);
        int span = (int)(sizeof cells / sizeof *cells);
        const char *eol = ffnn_rng_below(&rng, 3) == 0 ? "\r\n" : ffnn_rng_below(&rng, 4) ? "\n" : "\r";
        size_t n = 0;
        int lim[6];
        for (int j = 0; j < ncol; j++) {
            n += (size_t)sprintf(text + n, "%sc%d", j ? "," : "", j);
            lim[j] = ffnn_rng_below(&rng, 2) ? 7 : span; /* plain numbers, or anything */
        }
        n += (size_t)sprintf(text + n, "%s", eol);
        for (int i = 0; i < nrow; i++) {
            for (int j = 0; j < ncol; j++) {
                const char *c;
                char num[32];
                if (ffnn_rng_below(&rng, 3) == 0) {
                    snprintf(num, sizeof num, "%.*f", (int)ffnn_rng_below(&rng, 9),
                             (ffnn_rng_uniform(&rng) - 0.3) * 2000.0);
                    c = num;
                } else {
                    c = cells[ffnn_rng_below(&rng, (uint64_t)lim[j])];
                }
                n += (size_t)sprintf(text + n, "%s%s", j ? "," : "", c);
            }
            n += (size_t)sprintf(text + n, "%s", eol);
        }
        text[n] = '\0';
        ffnn_prep_options opt = ffnn_prep_options_default();
        opt.impute = ffnn_rng_below(&rng, 2) ? FFNN_IMPUTE_MEAN : FFNN_IMPUTE_NONE;
        opt.task = (ffnn_task)((int)ffnn_rng_below(&rng, 4) - 1);
        opt.standardize = ffnn_rng_below(&rng, 4) != 0;
        ok += agree_text(text, &opt) == FFNN_OK;
    }
    ck_assert_int_gt(ok, 40); /* a good share of them are data, not errors */
    free(text);
}
END_TEST

/* Means and scales are the sums of the table path in row order, whatever
 * the threads and blocks: a file with enough rows that every block size
 * splits it differently. */
START_TEST(test_statistics_independent_of_threads)
{
    ffnn_rng rng;
    ffnn_rng_init(&rng, 11, 2, 0);
    size_t cap = 1 << 21, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text, "a,b,c,y\n");
    for (int i = 0; i < 20000; i++)
        n += (size_t)sprintf(text + n, "%.6f,%.3e,%.9g,%d\n", ffnn_rng_uniform(&rng) * 1e3,
                             ffnn_rng_uniform(&rng) - 0.5, ffnn_rng_uniform(&rng) * 1e-3,
                             (int)ffnn_rng_below(&rng, 3));
    FILE *fp = stream(text, n);
    ffnn_prep_options opt = ffnn_prep_options_default();
    ck_assert_int_eq(agree(fp, &opt, "20000 rows"), FFNN_OK);
    outcome a, b;
    by_ingest(&a, fp, &opt, 1, 0);
    by_ingest(&b, fp, &opt, 2, 333);
    ck_assert_int_eq(a.st, FFNN_OK);
    ck_assert_int_eq(b.st, FFNN_OK);
    same_prep(&a.p, &b.p, "1 thread vs 2 with 333-byte blocks");
    release(&a);
    release(&b);
    fclose(fp);
    free(text);
}
END_TEST

typedef struct {
    long long last, total;
    int calls, cancel_at;
} progress_log;

static int on_progress(void *ctx, long long done, long long total)
{
    progress_log *l = ctx;
    ck_assert_int_gt(done, l->last);
    l->last = done;
    l->total = total;
    return ++l->calls == l->cancel_at;
}

START_TEST(test_progress_and_cancel)
{
    char *text = malloc(100000);
    size_t n = (size_t)sprintf(text, "a,y\n");
    for (int i = 0; i < 5000; i++)
        n += (size_t)sprintf(text + n, "%d,%d\n", i, i % 2);
    FILE *fp = stream(text, n);
    ffnn_ingest_options io = ffnn_ingest_options_default();
    progress_log log = {0, 0, 0, 0};
    io.threads = 2;
    io.block_bytes = 1000;
    io.progress = on_progress;
    io.ctx = &log;
    ffnn_prep p;
    ffnn_data d;
    ffnn_error err;
    ck_assert_int_eq(ffnn_ingest_read(&d, &p, fp, "t.csv", NULL, &io, &err), FFNN_OK);
    ck_assert_int_eq(log.last, (long long)n);
    ck_assert_int_eq(log.total, (long long)n);
    ck_assert_int_gt(log.calls, 20);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    rewind(fp);
    log = (progress_log){0, 0, 0, 3};
    ck_assert_int_eq(ffnn_ingest_read(&d, &p, fp, "t.csv", NULL, &io, &err), FFNN_ECANCELED);
    ck_assert_ptr_null(d.X);
    ck_assert_ptr_null(p.columns);
    fclose(fp);
    free(text);
}
END_TEST

START_TEST(test_load_errors)
{
    ffnn_prep p;
    ffnn_data d;
    ffnn_error err;
    ck_assert_int_eq(ffnn_ingest_load(&d, &p, "no/such.csv", NULL, NULL, &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, "no/such.csv: cannot open: No such file or directory");
    ck_assert_int_eq(ffnn_ingest_load(&d, &p, "csv", NULL, NULL, &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, "csv: cannot open: Is a directory");
    ck_assert_int_eq(ffnn_ingest_load(&d, &p, "csv/std.csv", NULL, NULL, &err), FFNN_OK);
    ck_assert_int_eq(d.n, 8);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
}
END_TEST

Suite *ingest_suite(void);
Suite *ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("agree");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_files_agree, 0, (int)(sizeof files / sizeof *files));
    tcase_add_test(tc, test_cell_kinds_agree);
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_random_files_agree);
    tcase_add_test(tc, test_statistics_independent_of_threads);
    tcase_add_test(tc, test_progress_and_cancel);
    tcase_add_test(tc, test_load_errors);
    suite_add_tcase(s, tc);
    return s;
}
