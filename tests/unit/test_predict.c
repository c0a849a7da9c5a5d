/* predict: the two-stage stream gives the bytes of the one-thread run, errors
 * stop it cleanly; float formatting is shortest and round-trips. */
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/predict.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* A model fitted on the rows of csv (untrained weights, seeded). */
static ffnn_model *model_from(const char *csv)
{
    FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
    ffnn_table t;
    ffnn_prep p;
    ffnn_error err;
    ck_assert_int_eq(ffnn_table_read(&t, fp, "fit.csv", false, &err), FFNN_OK);
    fclose(fp);
    ffnn_prep_options o = ffnn_prep_options_default();
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &o, &err), FFNN_OK);
    ffnn_arch_spec s = ffnn_arch_spec_default();
    ffnn_model *m;
    ck_assert_int_eq(ffnn_model_create(&m, &s, &p, &err), FFNN_OK);
    ffnn_rng r;
    ffnn_rng_init(&r, 1, FFNN_RNG_INIT, 0);
    ffnn_model_init(m, &r);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);
    return m;
}

/* A 3-class model on features a,b. */
static ffnn_model *toy_model(void)
{
    return model_from("a,b,y\n1,2,x\n2,1,y\n0,0,z\n3,3,x\n");
}

/* n rows "id,a,b,y" (every 7th id quoted); row bad (1-based data row, 0 =
 * none) has a = "oops". */
static char *rows_csv(long n, long bad)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    fprintf(fp, "id,a,b,y\n");
    ffnn_rng r;
    ffnn_rng_init(&r, 9, 99, 0);
    for (long i = 1; i <= n; i++) {
        if (i == bad)
            fprintf(fp, "r%ld,oops,1,x\n", i);
        else
            fprintf(fp, i % 7 == 1 ? "\"r,%ld\",%.3f,%.3f,%c\n" : "r%ld,%.3f,%.3f,%c\n", i,
                    4 * ffnn_rng_uniform(&r), 4 * ffnn_rng_uniform(&r), "xyz"[i % 3]);
    }
    fclose(fp);
    return text;
}

static ffnn_status run_bytes(const ffnn_model *m, const char *csv, int threads, int block,
                             size_t bytes, char **out, long *rows, ffnn_error *err)
{
    size_t len;
    FILE *in = fmemopen((void *)csv, strlen(csv), "r");
    FILE *o = open_memstream(out, &len);
    char *keep[] = {"id"};
    ffnn_predict_options opt = ffnn_predict_options_default();
    opt.keep = keep;
    opt.n_keep = 1;
    opt.block_rows = block;
    opt.threads = threads;
    opt.block_bytes = bytes;
    ffnn_status st = ffnn_predict_stream(m, in, "rows.csv", o, &opt, rows, err);
    fclose(in);
    fclose(o);
    return st;
}

static ffnn_status run(const ffnn_model *m, const char *csv, int threads, int block, char **out,
                       long *rows, ffnn_error *err)
{
    return run_bytes(m, csv, threads, block, 0, out, rows, err);
}

START_TEST(test_threads_same_bytes)
{
    ffnn_model *m = toy_model();
    char *csv = rows_csv(5000, 0);
    int blocks[] = {1, 7, 1024};
    size_t bytes[] = {0, 100, 4096};
    char *ref = NULL;
    for (int bi = 0; bi < 3; bi++)
        for (int threads = 1; threads <= 3; threads++) {
            char *out;
            long rows;
            ffnn_error err;
            ck_assert_int_eq(run_bytes(m, csv, threads, blocks[bi], bytes[(bi + threads) % 3], &out,
                                       &rows, &err), FFNN_OK);
            ck_assert_int_eq(rows, 5000);
            if (!ref) {
                ref = out;
                ck_assert_ptr_nonnull(strstr(ref, "id,y,prediction,p_x,p_y,p_z\n\"r,1\",y,"));
            } else {
                ck_assert_msg(strcmp(ref, out) == 0, "block %d, %d threads: output differs", blocks[bi], threads);
                free(out);
            }
        }
    /* Checking the targets takes every row the general way (field by
     * field): the same bytes as the fast way through plain rows. */
    size_t len;
    char *out;
    FILE *in = fmemopen((void *)csv, strlen(csv), "r"), *o = open_memstream(&out, &len);
    char *keep[] = {"id"};
    ffnn_predict_options opt = ffnn_predict_options_default();
    opt.keep = keep;
    opt.n_keep = 1;
    opt.check_target = true;
    ffnn_error err;
    ck_assert_int_eq(ffnn_predict_stream(m, in, "rows.csv", o, &opt, NULL, &err), FFNN_OK);
    fclose(in);
    fclose(o);
    ck_assert_str_eq(out, ref);
    free(out);
    free(ref);
    free(csv);
    ffnn_model_destroy(m);
}
END_TEST

/* An error stops the stream: the blocks of input before the bad row's are
 * written (a prefix of the good output, whole rows), nothing after. */
START_TEST(test_error_stops_the_stream)
{
    ffnn_model *m = toy_model();
    char *csv = rows_csv(3000, 2500), *good = rows_csv(3000, 0), *ref;
    long rows = -1;
    ffnn_error err;
    ck_assert_int_eq(run(m, good, 1, 1000, &ref, &rows, &err), FFNN_OK);
    for (int threads = 1; threads <= 2; threads++) {
        char *out;
        ck_assert_int_eq(run_bytes(m, csv, threads, 1000, 4096, &out, &rows, &err), FFNN_EDATA);
        ck_assert_str_eq(err.msg, "rows.csv:2501:2: expected a number in column \"a\", got \"oops\"");
        ck_assert_int_eq(rows, 0);
        long lines = 0;
        for (const char *p = out; *p; p++)
            lines += *p == '\n';
        ck_assert_int_gt(lines, 1 + 2000);
        ck_assert_int_lt(lines, 1 + 2500);
        size_t n = strlen(out);
        ck_assert(n > 0 && out[n - 1] == '\n' && strncmp(out, ref, n) == 0);
        free(out);
    }
    free(ref);
    free(good);
    free(csv);
    ffnn_model_destroy(m);
}
END_TEST

/* The header goes out with the first block: an error in it leaves the
 * output empty; an input without rows still gets the header. */
START_TEST(test_header_with_first_block)
{
    ffnn_model *m = toy_model();
    char *bad = rows_csv(3000, 500), *none = rows_csv(0, 0);
    for (int threads = 1; threads <= 2; threads++) {
        char *out;
        long rows = -1;
        ffnn_error err;
        ck_assert_int_eq(run(m, bad, threads, 1000, &out, &rows, &err), FFNN_EDATA);
        ck_assert_str_eq(out, "");
        free(out);
        ck_assert_int_eq(run(m, none, threads, 1000, &out, &rows, &err), FFNN_OK);
        ck_assert_str_eq(out, "id,y,prediction,p_x,p_y,p_z\n");
        ck_assert_int_eq(rows, 0);
        free(out);
    }
    free(bad);
    free(none);
    ffnn_model_destroy(m);
}
END_TEST

/* A stop request ends the stream before the next block: FFNN_ECANCELED
 * "interrupted", nothing written. */
START_TEST(test_stop_request)
{
    ffnn_model *m = toy_model();
    char *csv = rows_csv(3000, 0);
    ffnn_request_stop(15);
    for (int threads = 1; threads <= 2; threads++) {
        char *out;
        long rows = -1;
        ffnn_error err;
        ck_assert_int_eq(run(m, csv, threads, 1000, &out, &rows, &err), FFNN_ECANCELED);
        ck_assert_str_eq(err.msg, "interrupted");
        ck_assert_str_eq(out, "");
        free(out);
    }
    ffnn_request_stop(0);
    free(csv);
    ffnn_model_destroy(m);
}
END_TEST

/* Duplicate column names in the input are refused, as ffnn-train refuses
 * them (the first of the two used to be taken silently). */
START_TEST(test_duplicate_columns_refused)
{
    ffnn_model *m = toy_model();
    for (int threads = 1; threads <= 2; threads++) {
        char *out;
        long rows = -1;
        ffnn_error err;
        ck_assert_int_eq(run(m, "id,a,b,a,y\nr1,1,2,3,x\n", threads, 1000, &out, &rows, &err),
                         FFNN_EDATA);
        ck_assert_str_eq(err.msg, "rows.csv:1: duplicate column name \"a\" (columns 2 and 4)");
        ck_assert_str_eq(out, "");
        free(out);
    }
    ffnn_model_destroy(m);
}
END_TEST

/* A model with a categorical feature "c" (categories u, v) and a numeric
 * one "a". */
static ffnn_model *categorical_model(void)
{
    ffnn_model *m = model_from("c,a,y\nu,1,x\nv,2,y\nu,0,x\nv,3,y\n");
    ck_assert(m->prep.columns[0].categorical);
    return m;
}

/* Categories the model has not seen encode as all zeros (scikit-learn's
 * handle_unknown="ignore"), and are counted per column so the program can
 * say so; with unseen_error the first one is an error. */
START_TEST(test_unseen_categories)
{
    ffnn_model *m = categorical_model();
    const char *csv = "a,c\n1,u\n2,w\n3,v\n4,w\n5,\"z\"\n6,NA\n";
    for (int threads = 1; threads <= 2; threads++) {
        long unseen[2] = {-1, -1};
        ffnn_predict_options opt = ffnn_predict_options_default();
        opt.threads = threads;
        opt.unseen = unseen;
        FILE *in = fmemopen((void *)csv, strlen(csv), "r");
        char *out;
        size_t len;
        FILE *o = open_memstream(&out, &len);
        ffnn_error err;
        long rows;
        ck_assert_int_eq(ffnn_predict_stream(m, in, "new.csv", o, &opt, &rows, &err), FFNN_EDATA);
        /* NA is a missing value, an error without imputation; before it: */
        ck_assert_str_eq(err.msg, "new.csv:7:2: missing value in column \"c\" (set \"impute\": "
                                  "\"mean\" in the config to fill it)");
        fclose(in);
        fclose(o);
        free(out);
        in = fmemopen((void *)csv, 26, "r"); /* the first five rows */
        o = open_memstream(&out, &len);
        ck_assert_int_eq(ffnn_predict_stream(m, in, "new.csv", o, &opt, &rows, &err), FFNN_OK);
        ck_assert_int_eq(rows, 5);
        ck_assert_int_eq(unseen[0], 3); /* w, w, z */
        ck_assert_int_eq(unseen[1], 0);
        fclose(in);
        fclose(o);
        free(out);
        opt.unseen_error = true;
        in = fmemopen((void *)csv, 26, "r");
        o = open_memstream(&out, &len);
        ck_assert_int_eq(ffnn_predict_stream(m, in, "new.csv", o, &opt, &rows, &err), FFNN_EDATA);
        ck_assert_str_eq(err.msg, "new.csv:3:2: unknown category \"w\" in column \"c\" "
                                  "(categories: u, v)");
        fclose(in);
        fclose(o);
        ck_assert_str_eq(out, "");
        free(out);
    }
    ffnn_model_destroy(m);
}
END_TEST

START_TEST(test_format_float_shortest)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 3, 99, 0);
    char buf[40], ref[40];
    for (int i = 0; i < 300000; i++) {
        uint32_t bits = (uint32_t)ffnn_rng_u64(&r);
        float f;
        if (i % 3 == 0)
            f = (float)ffnn_rng_uniform(&r); /* probabilities */
        else
            memcpy(&f, &bits, sizeof f);     /* any bit pattern */
        if (!isfinite(f))
            continue;
        ffnn_format_float(buf, f);
        ck_assert_msg(strtof(buf, NULL) == f, "%s does not read back as %.9g", buf, (double)f);
        /* No longer than the shortest of printf's %.1g .. %.9g that reads back. */
        for (int p = 1; p <= 9; p++) {
            snprintf(ref, sizeof ref, "%.*g", p, (double)f);
            if (strtof(ref, NULL) == f)
                break;
        }
        ck_assert_msg(strlen(buf) <= strlen(ref), "%s is longer than %s", buf, ref);
    }
    ck_assert_str_eq(ffnn_format_float(buf, 0.5f), "0.5");
    ck_assert_str_eq(ffnn_format_float(buf, 1e-5f), "1e-05");
    ck_assert_str_eq(ffnn_format_float(buf, 123456792.0f), "1.2345679e+08");
    ck_assert_str_eq(ffnn_format_float(buf, 100.0f), "100");
    ck_assert_str_eq(ffnn_format_float(buf, -0.1f), "-0.1");
    ck_assert_str_eq(ffnn_format_float(buf, 0.0f), "0");
    ck_assert_str_eq(ffnn_format_float(buf, 1e-40f), "1e-40");
}
END_TEST

Suite *predict_suite(void);

Suite *predict_suite(void)
{
    Suite *s = suite_create("predict");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_threads_same_bytes);
    tcase_add_test(tc, test_error_stops_the_stream);
    tcase_add_test(tc, test_header_with_first_block);
    tcase_add_test(tc, test_stop_request);
    tcase_add_test(tc, test_format_float_shortest);
    tcase_add_test(tc, test_duplicate_columns_refused);
    tcase_add_test(tc, test_unseen_categories);
    suite_add_tcase(s, tc);
    return s;
}
