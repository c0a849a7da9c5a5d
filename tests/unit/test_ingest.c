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
#include "ffnn/train_file.h"
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

/* A random file of ncol columns c0..c{ncol-1} (the header in the order
 * perm gives, NULL: in order) and up to 39 rows of every cell kind, with a
 * random line end, into text; returns its length. */
static size_t random_file(ffnn_rng *rng, int ncol, const int *perm, char *text)
{
    static const char *const cells[] = {
        "0", "1", "2", "-0", "0.5", "1.50", "-3.25", "10", "007", "1e5", "+2", " 3", "1.",
        ".5", "12345678", "123456789012", "0.30000000000000004", "1e39", "1e400", "inf", "NA",
        "", "?", "a", "b", "\"q,x\"", "\"1.5\"", "\"l1\nl2\"", "\xff", "caf\xc3\xa9", "3.4e38",
        "-3.4e38", "33554431", "33554432", "1.0", "2.0", "-1",
    };
    int nrow = (int)ffnn_rng_below(rng, 40);
    int span = (int)(sizeof cells / sizeof *cells);
    const char *eol = ffnn_rng_below(rng, 3) == 0 ? "\r\n" : ffnn_rng_below(rng, 4) ? "\n" : "\r";
    size_t n = 0;
    int lim[6];
    for (int j = 0; j < ncol; j++) {
        n += (size_t)sprintf(text + n, "%sc%d", j ? "," : "", perm ? perm[j] : j);
        lim[j] = ffnn_rng_below(rng, 2) ? 7 : span; /* plain numbers, or anything */
    }
    n += (size_t)sprintf(text + n, "%s", eol);
    for (int i = 0; i < nrow; i++) {
        for (int j = 0; j < ncol; j++) {
            const char *c;
            char num[32];
            if (ffnn_rng_below(rng, 3) == 0) {
                snprintf(num, sizeof num, "%.*f", (int)ffnn_rng_below(rng, 9),
                         (ffnn_rng_uniform(rng) - 0.3) * 2000.0);
                c = num;
            } else {
                c = cells[ffnn_rng_below(rng, (uint64_t)lim[j])];
            }
            n += (size_t)sprintf(text + n, "%s%s", j ? "," : "", c);
        }
        n += (size_t)sprintf(text + n, "%s", eol);
    }
    text[n] = '\0';
    return n;
}

static const char *const col_names[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6"};

/* Options drawn at random, declared column types included (now and then
 * one that is the target or no column at all, which is an error). */
static ffnn_prep_options random_options(ffnn_rng *rng, int ncol, ffnn_column_type *types)
{
    ffnn_prep_options opt = ffnn_prep_options_default();
    opt.impute = ffnn_rng_below(rng, 2) ? FFNN_IMPUTE_MEAN : FFNN_IMPUTE_NONE;
    opt.task = (ffnn_task)((int)ffnn_rng_below(rng, 4) - 1);
    opt.standardize = ffnn_rng_below(rng, 4) != 0;
    opt.types = types;
    for (int j = 0; j < ncol - 1; j++) {
        uint64_t r = ffnn_rng_below(rng, 6);
        if (r < 3)
            types[opt.n_types++] = (ffnn_column_type){(char *)col_names[j], r == 0};
    }
    uint64_t odd = ffnn_rng_below(rng, 40);
    if (odd == 0)
        types[opt.n_types++] = (ffnn_column_type){(char *)col_names[ncol - 1], true};
    else if (odd == 1)
        types[opt.n_types++] = (ffnn_column_type){(char *)col_names[6], false};
    return opt;
}

/* Random files of every cell kind and line end, with options drawn too:
 * thousands of small cases where the two readers must agree. */
START_TEST(test_random_files_agree)
{
    ffnn_rng rng;
    ffnn_rng_init(&rng, 7, 1, 0);
    char *text = malloc(1 << 16);
    int ok = 0, declared = 0;
    for (int it = 0; it < 400; it++) {
        int ncol = 2 + (int)ffnn_rng_below(&rng, 4);
        random_file(&rng, ncol, NULL, text);
        ffnn_column_type types[8];
        ffnn_prep_options opt = random_options(&rng, ncol, types);
        ffnn_status st = agree_text(text, &opt);
        ok += st == FFNN_OK;
        declared += st == FFNN_OK && opt.n_types > 0;
    }
    ck_assert_int_gt(ok, 40); /* a good share of them are data, not errors */
    ck_assert_int_gt(declared, 10);
    free(text);
}
END_TEST

/* Declared column types and the names of the predictions CSV's own
 * columns: both paths apply the rules in the same order. */
START_TEST(test_declared_and_named_agree)
{
    ffnn_prep_options opt = ffnn_prep_options_default();
    ffnn_column_type cat = {"code", true}, num = {"code", false}, tgt = {"y", true},
                     typo = {"cod", true}, ign = {"x", false};
    const char *codes = "code,x,y\n1,0.5,a\n2,0.1,b\n3,0.7,a\n1,0.2,b\n2.0,0.9,a\n3,0.3,b\n";
    opt.types = &cat;
    opt.n_types = 1;
    ck_assert_int_eq(agree_text(codes, &opt), FFNN_OK);
    outcome o;
    FILE *fp = stream(codes, strlen(codes));
    by_ingest(&o, fp, &opt, 2, 64);
    ck_assert_int_eq(o.st, FFNN_OK);
    ck_assert(o.p.columns[0].categorical);
    ck_assert_int_eq(o.p.columns[0].n_cats, 4); /* "1", "2", "2.0", "3": texts */
    release(&o);
    fclose(fp);
    opt.types = &num;
    ck_assert_int_eq(agree_text("code,x,y\n1,2,a\nA1,3,b\n", &opt), FFNN_EDATA);
    opt.types = &tgt;
    ck_assert_int_eq(agree_text(codes, &opt), FFNN_ECONFIG);
    opt.types = &typo;
    ck_assert_int_eq(agree_text(codes, &opt), FFNN_ECONFIG);
    opt.types = &ign;
    opt.ignore = (char *[]){"x"};
    opt.n_ignore = 1;
    ck_assert_int_eq(agree_text(codes, &opt), FFNN_ECONFIG);
    opt = ffnn_prep_options_default();
    ck_assert_int_eq(agree_text("a,prediction\n1,2\n3,4\n", &opt), FFNN_EDATA);
    ck_assert_int_eq(agree_text("a,p_x\n1,2\n3,4\n", &opt), FFNN_EDATA);
    fp = stream("a,p_x\n1,2\n3,4\n", 14);
    by_ingest(&o, fp, &opt, 1, 0);
    ck_assert_str_eq(o.err.msg, "t.csv: target column \"p_x\" has a name of the predictions CSV's "
                                "own columns (prediction, p_<class>); rename it");
    fclose(fp);
}
END_TEST

/* ffnn_ingest_encode against the table path (ffnn_table_read +
 * ffnn_validation_data): the preprocessing fitted on one random file, a
 * second file of the same columns (the header shuffled) encoded with it, to
 * the bit or with the same error, on 1 to 3 threads and small blocks. */
START_TEST(test_encode_agrees)
{
    static const int threads[] = {1, 2, 3};
    static const size_t blocks[] = {0, 64, 100};
    ffnn_rng rng;
    ffnn_rng_init(&rng, 9, 3, 0);
    char *a = malloc(1 << 16), *b = malloc(1 << 16);
    int ok = 0, tried = 0;
    for (int it = 0; it < 1000; it++) {
        int ncol = 2 + (int)ffnn_rng_below(&rng, 4), perm[6];
        size_t na = random_file(&rng, ncol, NULL, a);
        for (int j = 0; j < ncol; j++)
            perm[j] = j;
        for (int j = ncol - 1; j > 0; j--) {
            int k = (int)ffnn_rng_below(&rng, (uint64_t)j + 1), t = perm[j];
            perm[j] = perm[k];
            perm[k] = t;
        }
        size_t nb = random_file(&rng, ncol, ffnn_rng_below(&rng, 2) ? perm : NULL, b);
        ffnn_column_type types[8];
        ffnn_prep_options opt = random_options(&rng, ncol, types);
        FILE *fa = stream(a, na), *fb = stream(b, nb);
        ffnn_table ta, tb;
        ffnn_prep p;
        ffnn_error err;
        ffnn_data want;
        if (ffnn_table_read(&ta, fa, "a.csv", false, &err)) {
            fclose(fa);
            fclose(fb);
            continue;
        }
        if (ffnn_prep_fit(&p, &ta, &opt, &err)) {
            ffnn_table_release(&ta);
            fclose(fa);
            fclose(fb);
            continue;
        }
        tried++;
        ffnn_error werr;
        ffnn_status wst = ffnn_table_read(&tb, fb, "b.csv", false, &werr);
        if (!wst) {
            wst = ffnn_validation_data(&p, &ta, &tb, &want, &werr);
            ffnn_table_release(&tb);
        }
        ok += wst == FFNN_OK;
        ffnn_ingest_header h = {ta.names, ta.ncols};
        for (int k = 0; k < 3; k++) {
            ffnn_ingest_options io = ffnn_ingest_options_default();
            io.threads = threads[k];
            io.block_bytes = blocks[k];
            ffnn_data got;
            ffnn_error gerr;
            rewind(fb);
            ffnn_status gst = ffnn_ingest_encode(&got, &p, fb, "b.csv", &h, "a.csv", &io, &gerr);
            ck_assert_msg(gst == wst, "%d: status %d (%s), want %d (%s)\n%s", it, gst,
                          gst ? gerr.msg : "", wst, wst ? werr.msg : "", b);
            if (wst) {
                ck_assert_str_eq(gerr.msg, werr.msg);
                ck_assert_ptr_null(got.X);
                continue;
            }
            ck_assert(got.n == want.n && got.d == want.d);
            ck_assert_msg(memcmp(got.X, want.X, (size_t)want.n * (size_t)want.d * sizeof(float)) ==
                              0, "%d: the matrix differs", it);
            ck_assert_msg(memcmp(got.y, want.y, (size_t)want.n * sizeof(double)) == 0,
                          "%d: the targets differ", it);
            ffnn_data_release(&got);
        }
        if (!wst)
            ffnn_data_release(&want);
        ffnn_prep_release(&p);
        ffnn_table_release(&ta);
        fclose(fa);
        fclose(fb);
    }
    ck_assert_int_gt(tried, 120);
    ck_assert_int_gt(ok, 20);
    free(a);
    free(b);
}
END_TEST

/* Errors of the validation rows come in file order (the table path reads
 * the whole table first, so a ragged row anywhere comes first there); the
 * header is checked against the training header first; the header of the
 * training file comes back with ffnn_ingest_read. */
START_TEST(test_encode_errors)
{
    FILE *fa = stream("a,b,y\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n5,x,0\n6,y,1\n", 42);
    ffnn_ingest_header h = {NULL, 0};
    ffnn_ingest_options io = ffnn_ingest_options_default();
    io.header = &h;
    ffnn_prep p;
    ffnn_data d, v;
    ffnn_error err;
    ck_assert_int_eq(ffnn_ingest_read(&d, &p, fa, "a.csv", NULL, &io, &err), FFNN_OK);
    ck_assert_int_eq(h.ncols, 3);
    ck_assert_str_eq(h.names[2], "y");
    io.header = NULL;
    io.block_bytes = 64;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a,b,y\n1,x,0\n1,x,2\n1,x\n", "v.csv:3:3: unknown class \"2\" (classes: 0, 1)"},
        {"a,b,y\n1,x,0\n1,x\n1,x,2\n", "v.csv:3: expected 3 fields, got 2"},
        {"y,a,b\n0,1,x\n1,NA,y\n", "v.csv:3:2: missing value in column \"a\" (set \"impute\": "
                                      "\"mean\" in the config to fill it)"},
        {"a,b\n1,x\n", "v.csv: no column \"y\"; validation rows need the training data's columns"},
        {"a,b,y,z\n1,x,0,1\n", "v.csv: column \"z\" is not in the training data a.csv"},
        {"a,b,y,a\n1,x,0,1\n", "v.csv:1: duplicate column name \"a\" (columns 1 and 4)"},
        {"a,b,y\n", "v.csv: no data rows"},
        {"", "v.csv: empty file"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        for (int t = 1; t <= 2; t++) {
            FILE *fv = stream(cases[k].text, strlen(cases[k].text));
            io.threads = t;
            ck_assert_int_eq(ffnn_ingest_encode(&v, &p, fv, "v.csv", &h, "a.csv", &io, &err),
                             FFNN_EDATA);
            ck_assert_str_eq(err.msg, cases[k].msg);
            ck_assert_ptr_null(v.X);
            fclose(fv);
        }
    /* Without a header to match, the preprocessing's own columns bind. */
    FILE *fv = stream("z,y,b,a\n9,1,y,2.5\n", 18);
    ck_assert_msg(ffnn_ingest_encode(&v, &p, fv, "v.csv", NULL, NULL, NULL, &err) == FFNN_OK, "%s",
                  err.msg);
    ck_assert_int_eq(v.n, 1);
    ck_assert_double_eq(v.y[0], 1);
    ffnn_data_release(&v);
    fclose(fv);
    ffnn_ingest_header_release(&h);
    ck_assert_ptr_null(h.names);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    fclose(fa);
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
    tcase_add_test(tc, test_declared_and_named_agree);
    tcase_add_test(tc, test_encode_agrees);
    tcase_add_test(tc, test_encode_errors);
    tcase_add_test(tc, test_statistics_independent_of_threads);
    tcase_add_test(tc, test_progress_and_cancel);
    tcase_add_test(tc, test_load_errors);
    suite_add_tcase(s, tc);
    return s;
}
