/* Tables, splits, preprocessing (typing, task inference, one-hot, imputation,
 * standardisation) and encoding.  Expected statistics were computed by hand:
 * std.csv column a = 1..8 has mean 4.5 and population std sqrt(5.25); column b
 * = 2,4,4,4,5,5,7,9 has mean 5, std 2; column c is constant. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/dataset.h"
#include "ffnn/preprocess.h"
#include "ffnn/rng.h"
#include "testutil.h"

static ffnn_status table_str(ffnn_table *t, const char *text, bool allow_empty, ffnn_error *err)
{
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    rewind(fp);
    ffnn_status st = ffnn_table_read(t, fp, "t.csv", allow_empty, err);
    fclose(fp);
    return st;
}

static void load_ok(ffnn_table *t, const char *path)
{
    ffnn_error err;
    ffnn_status st = ffnn_table_load(t, path, false, &err);
    ck_assert_msg(st == FFNN_OK, "%s: %s", path, err.msg);
}

/* Fits on text with the given options and checks the error. */
static void fit_fails(const char *text, const ffnn_prep_options *opt, ffnn_status want,
                      const char *msg)
{
    ffnn_table t;
    ffnn_prep p;
    ffnn_error err;
    ck_assert_int_eq(table_str(&t, text, false, &err), FFNN_OK);
    ffnn_status st = ffnn_prep_fit(&p, &t, opt, &err);
    ck_assert_msg(st == want, "status %d (%s), want %d", st, err.msg, want);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_ptr_null(p.columns);
    ffnn_table_release(&t);
}

static void fit_str(ffnn_prep *p, const char *text, const ffnn_prep_options *opt)
{
    ffnn_table t;
    ffnn_error err;
    ck_assert_int_eq(table_str(&t, text, false, &err), FFNN_OK);
    ffnn_status st = ffnn_prep_fit(p, &t, opt, &err);
    ck_assert_msg(st == FFNN_OK, "%s", err.msg);
    ffnn_table_release(&t);
}

/* ---- tables -------------------------------------------------------------------- */

START_TEST(test_table_read)
{
    ffnn_table t;
    load_ok(&t, "csv/bom_crlf.csv");
    ck_assert_int_eq(t.ncols, 3);
    ck_assert_str_eq(t.names[0], "name");
    ck_assert_str_eq(t.names[1], "note, quoted");
    ck_assert_int_eq(t.nrows, 2);
    ck_assert_str_eq(t.cells[1], "a \"b\"\r\nc");
    ck_assert_str_eq(t.cells[3], "");
    ck_assert_str_eq(t.cells[5], "2");
    ck_assert_int_eq(t.lines[0], 2);
    ck_assert_int_eq(t.lines[1], 4);
    ck_assert_int_eq(ffnn_table_col(&t, "v"), 2);
    ck_assert_int_eq(ffnn_table_col(&t, "V"), -1);
    ck_assert_str_eq(t.source, "csv/bom_crlf.csv");

    /* Written with LF and quotes as needed; reads back the same. */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(ffnn_table_write(&t, fp, NULL, 0), 0);
    fclose(fp);
    ck_assert_str_eq(buf, "name,\"note, quoted\",v\nx,\"a \"\"b\"\"\r\nc\",1\n,,2\n");
    free(buf);
    long rows[] = {1};
    fp = open_memstream(&buf, &len);
    ck_assert_int_eq(ffnn_table_write(&t, fp, rows, 1), 0);
    fclose(fp);
    ck_assert_str_eq(buf, "name,\"note, quoted\",v\n,,2\n");
    free(buf);
    ffnn_table_release(&t);
    ck_assert_ptr_null(t.cells);
    ffnn_table_release(&t);

    /* A one-column table with an empty cell keeps it through a round trip. */
    ffnn_error err;
    ck_assert_int_eq(table_str(&t, "a\n\"\"\nx\n", false, &err), FFNN_OK);
    ck_assert_int_eq(t.nrows, 2);
    fp = open_memstream(&buf, &len);
    ffnn_table_write(&t, fp, NULL, 0);
    fclose(fp);
    ck_assert_str_eq(buf, "a\n\"\"\nx\n");
    free(buf);
    ffnn_table_release(&t);
}
END_TEST

START_TEST(test_table_errors)
{
    ffnn_table t;
    ffnn_error err;
    ck_assert_int_eq(ffnn_table_load(&t, "csv/ragged.csv", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/ragged.csv:3: expected 2 fields, got 1");
    ck_assert_int_eq(ffnn_table_load(&t, "csv/dup.csv", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/dup.csv:1: duplicate column name \"a\" (columns 1 and 3)");
    ck_assert_int_eq(ffnn_table_load(&t, "csv/empty.csv", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/empty.csv: empty file");
    ck_assert_int_eq(ffnn_table_load(&t, "csv/empty.csv", true, &err), FFNN_EDATA);
    ck_assert_int_eq(ffnn_table_load(&t, "csv/header_only.csv", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/header_only.csv: no data rows");
    ck_assert_int_eq(ffnn_table_load(&t, "csv/nope.csv", false, &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, "csv/nope.csv: cannot open: No such file or directory");
    ck_assert_int_eq(table_str(&t, "a,b\n1,\"2\n", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:2:2: unterminated quoted field");
    ck_assert_int_eq(table_str(&t, "a,b\n1,2,3\n", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:2: expected 2 fields, got 3");
    ck_assert_int_eq(table_str(&t, "\n\na,b,c,b,a\n", false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:3: duplicate column name \"b\" (columns 2 and 4)");

    ck_assert_int_eq(ffnn_table_load(&t, "csv/header_only.csv", true, &err), FFNN_OK);
    ck_assert_int_eq(t.ncols, 2);
    ck_assert_int_eq(t.nrows, 0);
    ffnn_table_release(&t);

    /* Wide header with a late duplicate (sorted path). */
    char text[8192];
    int o = 0;
    for (int j = 0; j < 200; j++)
        o += sprintf(text + o, "%sc%d", j ? "," : "", j);
    o += sprintf(text + o, ",c150\n");
    for (int j = 0; j <= 200; j++)
        o += sprintf(text + o, "%s1", j ? "," : "");
    sprintf(text + o, "\n");
    ck_assert_int_eq(table_str(&t, text, false, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv:1: duplicate column name \"c150\" (columns 151 and 201)");
}
END_TEST

/* ---- split ---------------------------------------------------------------------------- */

static void check_partition(const long *train, long ntrain, const long *test, long ntest, long n)
{
    char *seen = calloc((size_t)n, 1);
    ck_assert_int_eq(ntrain + ntest, n);
    for (long i = 0; i < ntrain; i++) {
        ck_assert(train[i] >= 0 && train[i] < n && !seen[train[i]]);
        seen[train[i]] = 1;
    }
    for (long i = 0; i < ntest; i++) {
        ck_assert(test[i] >= 0 && test[i] < n && !seen[test[i]]);
        seen[test[i]] = 1;
    }
    free(seen);
}

START_TEST(test_split)
{
    enum { N = 150 };
    long tr[N], te[N], tr2[N], te2[N], ntr, nte, ntr2, nte2;
    ffnn_rng r;
    ffnn_error err;

    ffnn_rng_init(&r, 1, FFNN_RNG_SPLIT, 0);
    ck_assert_int_eq(ffnn_split_indices(N, 0.2, NULL, &r, tr, &ntr, te, &nte, &err), FFNN_OK);
    ck_assert_int_eq(nte, 30);
    ck_assert_int_eq(ntr, 120);
    check_partition(tr, ntr, te, nte, N);
    /* Shuffled, and the same seed gives the same lists. */
    int in_order = 1;
    for (long i = 1; i < nte; i++)
        in_order &= te[i] > te[i - 1];
    ck_assert(!in_order);
    ffnn_rng_init(&r, 1, FFNN_RNG_SPLIT, 0);
    ffnn_split_indices(N, 0.2, NULL, &r, tr2, &ntr2, te2, &nte2, &err);
    ck_assert(memcmp(te, te2, sizeof(long) * (size_t)nte) == 0);
    ck_assert(memcmp(tr, tr2, sizeof(long) * (size_t)ntr) == 0);
    ffnn_rng_init(&r, 2, FFNN_RNG_SPLIT, 0);
    ffnn_split_indices(N, 0.2, NULL, &r, tr2, &ntr2, te2, &nte2, &err);
    ck_assert(memcmp(te, te2, sizeof(long) * (size_t)nte) != 0);

    /* Rounding and the [1, n-1] clamp. */
    ffnn_split_indices(10, 0.25, NULL, &r, tr, &ntr, te, &nte, &err);
    ck_assert_int_eq(nte, 3); /* 2.5 rounds up */
    ffnn_split_indices(10, 0.01, NULL, &r, tr, &ntr, te, &nte, &err);
    ck_assert_int_eq(nte, 1);
    ffnn_split_indices(10, 0.99, NULL, &r, tr, &ntr, te, &nte, &err);
    ck_assert_int_eq(nte, 9);
    check_partition(tr, ntr, te, nte, 10);
    ck_assert_int_eq(ffnn_split_indices(0, 0.5, NULL, &r, tr, &ntr, te, &nte, &err), FFNN_OK);
    ck_assert_int_eq(ntr + nte, 0);

    ck_assert_int_eq(ffnn_split_indices(10, 1.0, NULL, &r, tr, &ntr, te, &nte, &err), FFNN_EUSAGE);
    ck_assert_str_eq(err.msg, "test fraction must be between 0 and 1, got 1");
    ck_assert_int_eq(ffnn_split_indices(10, 0.0, NULL, &r, tr, &ntr, te, &nte, &err), FFNN_EUSAGE);
    ck_assert_int_eq(ffnn_split_indices(10, NAN, NULL, &r, tr, &ntr, te, &nte, &err), FFNN_EUSAGE);
}
END_TEST

START_TEST(test_split_stratified)
{
    enum { N = 150 };
    int strata[N];
    long tr[N], te[N], ntr, nte;
    ffnn_rng r;
    ffnn_error err;
    /* Iris-like: 50 of each of 3 classes -> 10 of each in test. */
    for (int i = 0; i < N; i++)
        strata[i] = i % 3;
    ffnn_rng_init(&r, 42, FFNN_RNG_SPLIT, 0);
    ck_assert_int_eq(ffnn_split_indices(N, 0.2, strata, &r, tr, &ntr, te, &nte, &err), FFNN_OK);
    check_partition(tr, ntr, te, nte, N);
    int c[3] = {0};
    for (long i = 0; i < nte; i++)
        c[strata[te[i]]]++;
    ck_assert_int_eq(c[0], 10);
    ck_assert_int_eq(c[1], 10);
    ck_assert_int_eq(c[2], 10);

    /* Uneven: labels 7 (x70), -1 (x20), 3 (x10); test 0.25 -> 25 rows:
     * quotas 17.5, 5, 2.5 -> floors 17, 5, 2 and one more by largest
     * remainder (tie 0.5/0.5 goes to the larger stratum). */
    for (int i = 0; i < 100; i++)
        strata[i] = i < 70 ? 7 : i < 90 ? -1 : 3;
    ck_assert_int_eq(ffnn_split_indices(100, 0.25, strata, &r, tr, &ntr, te, &nte, &err), FFNN_OK);
    check_partition(tr, ntr, te, nte, 100);
    ck_assert_int_eq(nte, 25);
    int n7 = 0, nm1 = 0, n3 = 0;
    for (long i = 0; i < nte; i++) {
        n7 += strata[te[i]] == 7;
        nm1 += strata[te[i]] == -1;
        n3 += strata[te[i]] == 3;
    }
    ck_assert_int_eq(n7, 18);
    ck_assert_int_eq(nm1, 5);
    ck_assert_int_eq(n3, 2);

    /* 10 rows, 0.3: classes a x6, b x3, c x1 -> quotas 1.8, 0.9, 0.3 ->
     * floors 1, 0, 0 and two more to b (0.9) and a (0.8). */
    int s3[10] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 2};
    ffnn_split_indices(10, 0.3, s3, &r, tr, &ntr, te, &nte, &err);
    int k[3] = {0};
    for (long i = 0; i < nte; i++)
        k[s3[te[i]]]++;
    ck_assert_int_eq(k[0], 2);
    ck_assert_int_eq(k[1], 1);
    ck_assert_int_eq(k[2], 0);
}
END_TEST

/* ---- preprocessing ------------------------------------------------------------ */

START_TEST(test_names_and_defaults)
{
    ck_assert_str_eq(ffnn_task_name(FFNN_TASK_AUTO), "auto");
    ck_assert_str_eq(ffnn_task_name(FFNN_TASK_BINARY), "binary");
    ck_assert_str_eq(ffnn_task_name(FFNN_TASK_MULTICLASS), "multiclass");
    ck_assert_str_eq(ffnn_task_name(FFNN_TASK_REGRESSION), "regression");
    ck_assert_int_eq(ffnn_task_parse("auto"), FFNN_TASK_AUTO);
    ck_assert_int_eq(ffnn_task_parse("binary"), FFNN_TASK_BINARY);
    ck_assert_int_eq(ffnn_task_parse("multiclass"), FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(ffnn_task_parse("regression"), FFNN_TASK_REGRESSION);
    ck_assert_int_eq(ffnn_task_parse("classification"), -2);
    ck_assert_str_eq(ffnn_impute_name(FFNN_IMPUTE_NONE), "none");
    ck_assert_str_eq(ffnn_impute_name(FFNN_IMPUTE_MEAN), "mean");
    ck_assert_int_eq(ffnn_impute_parse("mean"), FFNN_IMPUTE_MEAN);
    ck_assert_int_eq(ffnn_impute_parse("none"), FFNN_IMPUTE_NONE);
    ck_assert_int_eq(ffnn_impute_parse("median"), -1);
    ffnn_prep_options o = ffnn_prep_options_default();
    ck_assert(o.standardize);
    ck_assert_int_eq(o.impute, FFNN_IMPUTE_NONE);
    ck_assert_int_eq(o.task, FFNN_TASK_AUTO);
    ck_assert_ptr_null(o.target);
    ck_assert_int_eq(o.n_ignore, 0);
}
END_TEST

START_TEST(test_standardize)
{
    ffnn_table t;
    ffnn_prep p;
    ffnn_error err;
    load_ok(&t, "csv/std.csv");
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, NULL, &err), FFNN_OK);
    ck_assert_str_eq(p.target, "y");
    ck_assert_int_eq(p.task, FFNN_TASK_BINARY);
    ck_assert_int_eq(p.n_classes, 2);
    ck_assert_str_eq(p.classes[0], "0");
    ck_assert_str_eq(p.classes[1], "1");
    ck_assert_int_eq(p.n_columns, 3);
    ck_assert_int_eq(p.n_features, 3);
    ck_assert(!p.columns[0].categorical);
    ck_assert_float_eq(p.mean[0], 4.5f);
    ck_assert_float_eq(p.scale[0], (float)sqrt(5.25));
    ck_assert_float_eq(p.mean[1], 5.0f);
    ck_assert_float_eq(p.scale[1], 2.0f);
    ck_assert_float_eq(p.mean[2], 5.0f);
    ck_assert_float_eq(p.scale[2], 1.0f); /* constant column */

    ffnn_data d;
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, NULL, 0, true, &err), FFNN_OK);
    ck_assert_int_eq(d.n, 8);
    ck_assert_int_eq(d.d, 3);
    ck_assert_close(d.X[0], -1.5275252316519468, 1e-6);
    ck_assert_close(d.X[1], -1.5, 1e-7);
    ck_assert_close(d.X[2], 0.0, 1e-7);
    ck_assert_close(d.X[7 * 3 + 1], 2.0, 1e-7);
    ck_assert(d.y[0] == 0 && d.y[1] == 1 && d.y[7] == 1);
    ffnn_data_release(&d);

    /* Selected rows, and no standardisation. */
    long rows[] = {7, 0};
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, rows, 2, true, &err), FFNN_OK);
    ck_assert_int_eq(d.n, 2);
    ck_assert_close(d.X[1], 2.0, 1e-7);
    ck_assert(d.y[0] == 1 && d.y[1] == 0);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);

    ffnn_prep_options o = ffnn_prep_options_default();
    o.standardize = false;
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &o, &err), FFNN_OK);
    ck_assert(!p.standardize);
    for (int j = 0; j < 3; j++) {
        ck_assert_float_eq(p.mean[j], 0.0f);
        ck_assert_float_eq(p.scale[j], 1.0f);
    }
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, NULL, 0, false, &err), FFNN_OK);
    ck_assert_float_eq(d.X[3 * 3 + 0], 4.0f);
    ck_assert_float_eq(d.X[3 * 3 + 1], 4.0f);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);
}
END_TEST

START_TEST(test_categorical_named)
{
    ffnn_table t;
    ffnn_prep p, q;
    ffnn_error err;
    load_ok(&t, "csv/named.csv");
    ffnn_prep_options o = ffnn_prep_options_default();
    char *ign[] = {"id"};
    o.ignore = ign;
    o.n_ignore = 1;
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &o, &err), FFNN_OK);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(p.n_classes, 3);
    ck_assert_str_eq(p.classes[0], "bird");
    ck_assert_str_eq(p.classes[1], "cat");
    ck_assert_str_eq(p.classes[2], "dog");
    ck_assert_int_eq(p.n_columns, 2);
    ck_assert_str_eq(p.columns[0].name, "color");
    ck_assert(p.columns[0].categorical);
    ck_assert_int_eq(p.columns[0].n_cats, 3);
    ck_assert_str_eq(p.columns[0].cats[0], "blue");
    ck_assert_str_eq(p.columns[0].cats[1], "green");
    ck_assert_str_eq(p.columns[0].cats[2], "red");
    ck_assert_int_eq(p.columns[0].offset, 0);
    ck_assert_int_eq(p.columns[1].offset, 3);
    ck_assert_int_eq(p.n_features, 4);
    for (int j = 0; j < 3; j++) {
        ck_assert_float_eq(p.mean[j], 0.0f);
        ck_assert_float_eq(p.scale[j], 1.0f);
    }
    ck_assert_float_eq(p.mean[3], 4.0f);
    ck_assert_float_eq(p.scale[3], (float)sqrt(35.0 / 12.0));

    /* A clone is deep and equal. */
    ck_assert_int_eq(ffnn_prep_clone(&q, &p, &err), FFNN_OK);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);

    /* Bind by name: reordered columns, an extra column, no id. */
    char *hdr[] = {"size", "label", "extra", "color"};
    ffnn_prep_binding b;
    ck_assert_int_eq(ffnn_prep_bind(&q, hdr, 4, &b, "p.csv", &err), FFNN_OK);
    ck_assert_int_eq(b.col[0], 3);
    ck_assert_int_eq(b.col[1], 0);
    ck_assert_int_eq(b.target_col, 1);
    ck_assert_int_eq(b.ncols, 4);
    float x[4];
    char *row1[] = {"4", "dog", "zz", "green"};
    ck_assert_int_eq(ffnn_prep_encode(&q, &b, row1, x, "p.csv", 2, &err), FFNN_OK);
    ck_assert_float_eq(x[0], 0.0f);
    ck_assert_float_eq(x[1], 1.0f);
    ck_assert_float_eq(x[2], 0.0f);
    ck_assert_float_eq(x[3], 0.0f);
    /* Unknown category: all zeros. */
    char *row2[] = {"5.707825", "cat", "", "purple"};
    ck_assert_int_eq(ffnn_prep_encode(&q, &b, row2, x, "p.csv", 3, &err), FFNN_OK);
    ck_assert_float_eq(x[0], 0.0f);
    ck_assert_float_eq(x[1], 0.0f);
    ck_assert_float_eq(x[2], 0.0f);
    ck_assert_close(x[3], 1.0, 1e-4);
    /* Missing categorical value without imputation. */
    char *row3[] = {"5", "cat", "", "NA"};
    ck_assert_int_eq(ffnn_prep_encode(&q, &b, row3, x, "p.csv", 4, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:4:4: missing value in column \"color\" (set \"impute\": "
                              "\"mean\" in the config to fill it)");
    char *row4[] = {"abc", "cat", "", "red"};
    ck_assert_int_eq(ffnn_prep_encode(&q, &b, row4, x, "p.csv", 7, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:7:1: expected a number in column \"size\", got \"abc\"");
    char *row5[] = {"1e39", "cat", "", "red"};
    ck_assert_int_eq(ffnn_prep_encode(&q, &b, row5, x, "p.csv", 8, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:8:1: value out of range for float32: \"1e39\"");

    double y;
    ck_assert_int_eq(ffnn_prep_target(&q, "dog", &y, "p.csv", 5, 2, &err), FFNN_OK);
    ck_assert(y == 2);
    ck_assert_int_eq(ffnn_prep_target(&q, "fish", &y, "p.csv", 5, 2, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:5:2: unknown class \"fish\" (classes: bird, cat, dog)");
    ck_assert_int_eq(ffnn_prep_target(&q, "", &y, "p.csv", 6, 2, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:6:2: missing target value in column \"label\"");
    ffnn_prep_binding_release(&b);

    char *hdr2[] = {"label", "color"};
    ck_assert_int_eq(ffnn_prep_bind(&q, hdr2, 2, &b, "p.csv", &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv: missing feature column \"size\"");
    char *hdr3[] = {"size", "color"};
    ck_assert_int_eq(ffnn_prep_bind(&q, hdr3, 2, &b, "p.csv", &err), FFNN_OK);
    ck_assert_int_eq(b.target_col, -1);
    ffnn_prep_binding_release(&b);

    /* A table without the target: fine unless the target is needed. */
    ffnn_data d;
    ck_assert_int_eq(table_str(&t, "color,size\nred,1\n", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_data_from_table(&d, &q, &t, NULL, 0, true, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "t.csv: missing target column \"label\"");
    ck_assert_int_eq(ffnn_data_from_table(&d, &q, &t, NULL, 0, false, &err), FFNN_OK);
    ck_assert_ptr_null(d.y);
    ck_assert_float_eq(d.X[2], 1.0f);
    ffnn_data_release(&d);
    ffnn_table_release(&t);
    ffnn_prep_release(&q);

    /* The id column, not ignored, is numeric; the default target is last. */
    fit_str(&p, "id,color,size,label\n1,red,1.5,cat\n2,blue,2.5,dog\n", NULL);
    ck_assert_int_eq(p.n_columns, 3);
    ck_assert_int_eq(p.task, FFNN_TASK_BINARY);
    ck_assert_int_eq(p.n_features, 4);
    ffnn_prep_release(&p);
}
END_TEST

START_TEST(test_impute)
{
    ffnn_table t;
    ffnn_prep p;
    ffnn_error err;
    ffnn_data d;
    load_ok(&t, "csv/missing.csv");
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, NULL, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/missing.csv:3:1: missing value in column \"x1\" (set "
                              "\"impute\": \"mean\" in the config to fill it)");
    ffnn_prep_options o = ffnn_prep_options_default();
    o.impute = FFNN_IMPUTE_MEAN;
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &o, &err), FFNN_OK);
    ck_assert_int_eq(p.task, FFNN_TASK_REGRESSION);
    ck_assert_int_eq(p.n_classes, 0);
    ck_assert_int_eq(p.impute, FFNN_IMPUTE_MEAN);
    ck_assert_close(p.columns[0].fill, 3.0, 1e-12);
    ck_assert_close(p.columns[1].fill, 14.0 / 3.0, 1e-12);
    /* Imputed rows count at the mean: std over 1,3,3,5 and 2,4,14/3,8. */
    ck_assert_float_eq(p.scale[0], (float)sqrt(2.0));
    ck_assert_close(p.scale[1], 2.160246899469287, 1e-6);
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, NULL, 0, true, &err), FFNN_OK);
    ck_assert_close(d.X[2 * 2 + 0], 0.0, 1e-6);
    ck_assert_close(d.X[2 * 2 + 1], 0.0, 1e-6); /* row 3's x2 filled with the mean */
    ck_assert_close(d.X[0 * 2 + 1], -1.2344267996967353, 1e-6);
    ck_assert(d.y[3] == 3.5);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);

    /* A categorical missing value with impute mean encodes as zeros. */
    fit_str(&p, "c,y\na,1\nNA,2\nb,1\na,3\nb,2\na,1\nb,5\na,1\nb,2\n", &o);
    ck_assert(p.columns[0].categorical);
    ck_assert_int_eq(p.columns[0].n_cats, 2);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(p.n_classes, 4);
    ffnn_prep_binding b;
    char *hdr[] = {"c", "y"};
    ck_assert_int_eq(ffnn_prep_bind(&p, hdr, 2, &b, "p.csv", &err), FFNN_OK);
    float x[2] = {9, 9};
    char *row[] = {"?", "1"};
    ck_assert_int_eq(ffnn_prep_encode(&p, &b, row, x, "p.csv", 2, &err), FFNN_OK);
    ck_assert_float_eq(x[0], 0.0f);
    ck_assert_float_eq(x[1], 0.0f);
    ffnn_prep_binding_release(&b);
    ffnn_prep_release(&p);

    fit_fails("a,y\nNA,1\n,2\n", &o, FFNN_EDATA, "t.csv: column \"a\" has no values to impute from");
}
END_TEST

START_TEST(test_task_inference)
{
    ffnn_prep p;
    /* Integer labels sorted by value, named canonically. */
    fit_str(&p, "x,y\n1,10\n2,2\n3,-1\n4,2.0\n5,10\n6,-1\n7,2\n", NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(p.n_classes, 3);
    ck_assert_str_eq(p.classes[0], "-1");
    ck_assert_str_eq(p.classes[1], "2");
    ck_assert_str_eq(p.classes[2], "10");
    double y;
    ffnn_error err;
    ck_assert_int_eq(ffnn_prep_target(&p, "2.0", &y, "p.csv", 2, 2, &err), FFNN_OK);
    ck_assert(y == 1);
    ck_assert_int_eq(ffnn_prep_target(&p, "10", &y, "p.csv", 2, 2, &err), FFNN_OK);
    ck_assert(y == 2);
    ck_assert_int_eq(ffnn_prep_target(&p, "3", &y, "p.csv", 2, 2, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:2:2: unknown class \"3\" (classes: -1, 2, 10)");
    ffnn_prep_release(&p);

    /* Two integers but not fewer than half the rows: regression. */
    fit_str(&p, "x,y\n1,0\n2,1\n3,0\n4,1\n", NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_REGRESSION);
    ffnn_prep_release(&p);
    /* ... unless configured. */
    ffnn_prep_options o = ffnn_prep_options_default();
    o.task = FFNN_TASK_BINARY;
    fit_str(&p, "x,y\n1,0\n2,1\n3,0\n4,1\n", &o);
    ck_assert_int_eq(p.task, FFNN_TASK_BINARY);
    ck_assert_int_eq(p.n_classes, 2);
    ffnn_prep_release(&p);

    /* Strings, byte order (uppercase first). */
    fit_str(&p, "x,y\n1,yes\n2,no\n3,No\n", NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ck_assert_str_eq(p.classes[0], "No");
    ck_assert_str_eq(p.classes[1], "no");
    ck_assert_str_eq(p.classes[2], "yes");
    ffnn_prep_release(&p);
    fit_str(&p, "x,y\n1,yes\n2,no\n", NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_BINARY);
    ffnn_prep_release(&p);

    /* More than 20 distinct integers: regression. */
    char text[2048];
    int n = sprintf(text, "x,y\n");
    for (int i = 0; i < 60; i++)
        n += sprintf(text + n, "%d,%d\n", i, i % 21);
    fit_str(&p, text, NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_REGRESSION);
    ffnn_prep_release(&p);
    n = sprintf(text, "x,y\n");
    for (int i = 0; i < 60; i++)
        n += sprintf(text + n, "%d,%d\n", i, i % 20);
    fit_str(&p, text, NULL);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ck_assert_int_eq(p.n_classes, 20);
    ck_assert_str_eq(p.classes[19], "19");
    ffnn_prep_release(&p);

    /* Non-integer numbers: regression; the target chosen by name. */
    o = ffnn_prep_options_default();
    o.target = "t";
    fit_str(&p, "t,x\n0.5,1\n1.5,2\n2.5,3\n", &o);
    ck_assert_int_eq(p.task, FFNN_TASK_REGRESSION);
    ck_assert_str_eq(p.target, "t");
    ck_assert_int_eq(p.n_columns, 1);
    ck_assert_str_eq(p.columns[0].name, "x");
    ffnn_prep_release(&p);

    /* Configured multiclass with 2 classes is allowed. */
    o = ffnn_prep_options_default();
    o.task = FFNN_TASK_MULTICLASS;
    fit_str(&p, "x,y\n1,a\n2,b\n", &o);
    ck_assert_int_eq(p.task, FFNN_TASK_MULTICLASS);
    ffnn_prep_release(&p);
}
END_TEST

/* How a feature column's type is decided: declared by the config, else
 * numeric when every value is a number, categorical when at most half are,
 * an error at the first non-number when more than half are. */
START_TEST(test_column_types)
{
    ffnn_prep p;
    /* Silent config: the rules. */
    fit_str(&p, "code,k,y\n3,a,0\n10,b,1\n2,c,0\n", NULL);
    ck_assert(!p.columns[0].categorical);
    ck_assert(p.columns[1].categorical);
    ffnn_prep_release(&p);
    fit_str(&p, "k,y\na,0\n1,1\nb,0\n2,1\n", NULL); /* half are numbers: categorical */
    ck_assert(p.columns[0].categorical);
    ck_assert_int_eq(p.columns[0].n_cats, 4);
    ffnn_prep_release(&p);
    fit_fails("k,y\n1,0\n2,1\nx,0\n", NULL, FFNN_EDATA,
              "t.csv:4:1: expected a number in column \"k\", got \"x\"");

    /* Declared: integer codes as categories (sorted as text), numbers. */
    ffnn_column_type ty[2] = {{"code", true}, {"k", false}};
    ffnn_prep_options o = ffnn_prep_options_default();
    o.types = ty;
    o.n_types = 1;
    fit_str(&p, "code,k,y\n3,a,0\n10,b,1\n2,c,0\n3,a,1\n", &o);
    ck_assert(p.columns[0].categorical);
    ck_assert_int_eq(p.columns[0].n_cats, 3);
    ck_assert_str_eq(p.columns[0].cats[0], "10");
    ck_assert_str_eq(p.columns[0].cats[1], "2");
    ck_assert_str_eq(p.columns[0].cats[2], "3");
    ck_assert_int_eq(p.n_features, 3 + 3);
    ffnn_prep_release(&p);
    /* Declared numeric: any non-number is an error, even in a column of
     * mostly text. */
    o.types = ty + 1;
    fit_fails("code,k,y\n3,1,0\n10,a,1\n2,b,0\n", &o, FFNN_EDATA,
              "t.csv:3:2: expected a number in column \"k\", got \"a\"");
    fit_str(&p, "code,k,y\n3,1,0\n10,2.5,1\n2,,0\n", &(ffnn_prep_options){.types = ty + 1, .n_types = 1,
                                                                         .standardize = true,
                                                                         .impute = FFNN_IMPUTE_MEAN});
    ck_assert(!p.columns[1].categorical);
    ffnn_prep_release(&p);
    /* Names the config declares must be feature columns. */
    ffnn_column_type bad = {"zip", true};
    o.types = &bad;
    fit_fails("a,b,y\n1,2,3\n", &o, FFNN_ECONFIG,
              "declared column \"zip\" is not a column of t.csv; columns: a, b, y");
    bad.name = "y";
    fit_fails("a,b,y\n1,2,3\n", &o, FFNN_ECONFIG,
              "columns: \"y\" is the target (\"task\" says what it is); declare feature columns only");
    bad.name = "b";
    char *ign[] = {"b"};
    o.ignore = ign;
    o.n_ignore = 1;
    fit_fails("a,b,y\n1,2,3\n", &o, FFNN_ECONFIG,
              "columns: \"b\" is ignored; declare feature columns only");
}
END_TEST

START_TEST(test_fit_errors)
{
    ffnn_prep_options o = ffnn_prep_options_default();
    o.target = "x";
    fit_fails("a,b,y\n1,2,3\n", &o, FFNN_ECONFIG,
              "target \"x\" is not a column of t.csv; columns: a, b, y");
    o = ffnn_prep_options_default();
    char *ign[] = {"b", "q"};
    o.ignore = ign;
    o.n_ignore = 2;
    fit_fails("a,b,y\n1,2,3\n", &o, FFNN_ECONFIG,
              "ignored column \"q\" is not a column of t.csv; columns: a, b, y");
    o.n_ignore = 1;
    ign[0] = "a";
    fit_fails("a,y\n1,2\n", &o, FFNN_EDATA,
              "t.csv: no feature columns (every column is the target or ignored)");

    o = ffnn_prep_options_default();
    o.task = FFNN_TASK_BINARY;
    fit_fails("x,y\n1,a\n2,b\n3,c\n", &o, FFNN_ECONFIG,
              "t.csv: task is \"binary\" but target \"y\" has 3 classes");
    fit_fails("x,y\n1,a\n2,a\n", &o, FFNN_ECONFIG,
              "t.csv: task is \"binary\" but target \"y\" has 1 class");
    o.task = FFNN_TASK_REGRESSION;
    fit_fails("x,y\n1,2\n2,setosa\n3,x\n", &o, FFNN_ECONFIG,
              "t.csv:3:2: task is \"regression\" but target \"y\" has the non-numeric value "
              "\"setosa\"");
    fit_fails("x,y\n1,a\n2,a\n3,a\n", NULL, FFNN_EDATA, "t.csv: target \"y\" has only one class");
    fit_fails("x,y\n1,a\n2,\n3,b\n", NULL, FFNN_EDATA,
              "t.csv:3:2: missing target value in column \"y\"");
    fit_fails("x,y\n1,0.5\n2,1e39\n3,2\n", NULL, FFNN_EDATA,
              "t.csv:3:2: value out of range for float32: \"1e39\"");
    fit_fails("x,z,y\n1,2,0.5\n2,-3.5e38,1.5\n", NULL, FFNN_EDATA,
              "t.csv:3:2: value out of range for float32: \"-3.5e38\"");
    fit_fails("x,z,y\n1,2,0.5\n2,1,1.5\n3,NaN,1\n", NULL, FFNN_EDATA,
              "t.csv:4:2: missing value in column \"z\" (set \"impute\": \"mean\" in the config "
              "to fill it)");
    /* Table rows after a multi-line quoted field keep their physical line. */
    fit_fails("x,note,y\n1,\"a\nb\",0.5\n,c,1.5\n", NULL, FFNN_EDATA,
              "t.csv:4:1: missing value in column \"x\" (set \"impute\": \"mean\" in the config "
              "to fill it)");
    /* Infinity is not a number: the column becomes categorical, no error. */
    ffnn_prep p;
    fit_str(&p, "x,y\ninf,0.5\n1,1.5\n", NULL);
    ck_assert(p.columns[0].categorical);
    ffnn_prep_release(&p);

    /* Regression target errors when encoding. */
    fit_str(&p, "x,y\n1,0.5\n2,1.5\n", NULL);
    double y;
    ffnn_error err;
    ck_assert_int_eq(ffnn_prep_target(&p, "abc", &y, "p.csv", 9, 2, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:9:2: expected a number in target column \"y\", got \"abc\"");
    ck_assert_int_eq(ffnn_prep_target(&p, " 2.25 ", &y, "p.csv", 9, 2, &err), FFNN_OK);
    ck_assert(y == 2.25);
    /* Values in messages are escaped and cut. */
    ffnn_prep_binding b;
    char *hdr[] = {"x"};
    ffnn_prep_bind(&p, hdr, 1, &b, "p.csv", &err);
    float x;
    char *row[] = {"line1\nline2 \"q\" and then a very long tail of text that goes on"};
    ck_assert_int_eq(ffnn_prep_encode(&p, &b, row, &x, "p.csv", 3, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "p.csv:3:1: expected a number in column \"x\", got "
                              "\"line1\\nline2 \\\"q\\\" and then a very long ...\"");
    ffnn_prep_binding_release(&b);
    ffnn_prep_release(&p);
}
END_TEST

/* Binding a header to a model's columns takes n log n steps: 400,000
 * columns bind in well under a second, where matching each name by a scan
 * of the header took minutes (issue 17: predict on 3 rows took 11 s at
 * 100,000 columns).  The case's timeout is the bound. */
START_TEST(test_bind_wide)
{
    const int n = 400000;
    ffnn_prep p;
    memset(&p, 0, sizeof p);
    p.n_columns = n;
    p.columns = calloc((size_t)n, sizeof *p.columns);
    char **hdr = malloc((size_t)(n + 1) * sizeof *hdr);
    ck_assert_ptr_nonnull(p.columns);
    ck_assert_ptr_nonnull(hdr);
    for (int c = 0; c < n; c++) {
        char name[32];
        snprintf(name, sizeof name, "feature_%d", c);
        p.columns[c].name = strdup(name);
        /* The header holds them in another order, the target in between. */
        hdr[(int)(((long)c * 7919) % n) + ((long)c * 7919 % n >= n / 2)] = p.columns[c].name;
    }
    hdr[n / 2] = "y";
    p.target = strdup("y");
    ffnn_prep_binding b;
    ffnn_error err;
    ck_assert_int_eq(ffnn_prep_bind(&p, hdr, n + 1, &b, "wide.csv", &err), FFNN_OK);
    for (int c = 0; c < n; c++)
        ck_assert_str_eq(hdr[b.col[c]], p.columns[c].name);
    ck_assert_int_eq(b.target_col, n / 2);
    ffnn_prep_binding_release(&b);
    free(hdr);
    ffnn_prep_release(&p);
}
END_TEST

Suite *dataset_suite(void);
Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_table_read);
    tcase_add_test(tc, test_table_errors);
    tcase_add_test(tc, test_split);
    tcase_add_test(tc, test_split_stratified);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("prep");
    tcase_add_test(tp, test_names_and_defaults);
    tcase_add_test(tp, test_standardize);
    tcase_add_test(tp, test_categorical_named);
    tcase_add_test(tp, test_column_types);
    tcase_add_test(tp, test_impute);
    tcase_add_test(tp, test_task_inference);
    tcase_add_test(tp, test_fit_errors);
    suite_add_tcase(s, tp);
    TCase *tw = tcase_create("wide");
    tcase_set_timeout(tw, 30);
    tcase_add_test(tw, test_bind_wide);
    suite_add_tcase(s, tw);
    return s;
}
