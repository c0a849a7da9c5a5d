/* train_file: ffnn_train_file is the pipeline table -> preprocessing ->
 * data -> model -> init (seed, INIT, 0) -> fit, step for step (reading
 * through ingest gives the table path's data to the bit); its hooks and its
 * errors. */
#include <stdlib.h>
#include <string.h>
#include "ffnn/train_file.h"
#include "testutil.h"

typedef struct {
    int preps, epochs, epochs_before_prep;
    bool constant_c;
    int batches;              /* on_batch calls */
    long long read;           /* the last on_read's bytes, once it saw the size */
} seen;

static void on_prep(void *ctx, const ffnn_prep *p)
{
    seen *s = ctx;
    s->preps++;
    s->constant_c = p->n_columns == 3 && p->columns[2].constant;
}

static int on_epoch(void *ctx, const ffnn_epoch_log *log, int epochs)
{
    seen *s = ctx;
    (void)log;
    (void)epochs;
    s->epochs_before_prep += s->preps == 0;
    s->epochs++;
    return 0;
}

static int on_batch(void *ctx, const ffnn_batch_log *log)
{
    seen *s = ctx;
    (void)log;
    s->batches++;
    return 0;
}

static int on_read(void *ctx, long long done, long long total)
{
    seen *s = ctx;
    ck_assert_int_eq(s->preps, 0);
    s->read = done == total ? done : -1;
    return 0;
}

START_TEST(same_as_the_steps)
{
    ffnn_config cfg = ffnn_config_default();
    cfg.fit.epochs = 5;
    cfg.fit.seed = 7;
    cfg.fit.batch_size = 3;
    cfg.fit.validation_split = 0.25;
    ffnn_model *m;
    ffnn_history h;
    ffnn_error err;
    seen s = {0, 0, 0, false, 0, 0};
    ffnn_train_hooks hooks = {on_prep, on_epoch, &s, on_batch, on_read};
    ck_assert_msg(ffnn_train_file(&cfg, "csv/std.csv", NULL, &hooks, &m, &h, &err) == FFNN_OK, "%s",
                  err.msg);
    ck_assert_int_eq(h.n, 5);
    ck_assert_int_eq(s.preps, 1);
    ck_assert_int_eq(s.epochs, 5);
    ck_assert_int_eq(s.epochs_before_prep, 0);
    ck_assert(s.constant_c); /* column c is 5 in every row */
    /* 6 training rows in batches of 3: done 0, 1, 2 in each epoch. */
    ck_assert_int_eq(s.batches, 5 * 3);
    /* Reading reported the whole file before the preprocessing. */
    FILE *fp = fopen("csv/std.csv", "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    ck_assert_int_eq(s.read, ftell(fp));
    fclose(fp);

    /* The same steps by hand. */
    ffnn_table t;
    ffnn_prep p;
    ffnn_data d;
    ffnn_model *ref;
    ffnn_history hr;
    ffnn_rng r;
    ck_assert_int_eq(ffnn_table_load(&t, "csv/std.csv", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &cfg.prep, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, NULL, t.nrows, true, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_model_create(&ref, &cfg.arch, &p, &err), FFNN_OK);
    ffnn_rng_init(&r, 7, FFNN_RNG_INIT, 0);
    ffnn_model_init(ref, &r);
    ck_assert_int_eq(ffnn_fit(ref, &d, &cfg.fit, NULL, &hr, &err), FFNN_OK);
    ck_assert_int_eq(m->n_params, ref->n_params);
    ck_assert_mem_eq(m->params, ref->params, m->n_params * sizeof *m->params);
    ck_assert_str_eq(m->train_info, ref->train_info);
    ck_assert_ptr_nonnull(strstr(m->train_info, "\"train_rows\":6,\"validation_rows\":2"));
    ck_assert_double_eq(h.logs[4].val_loss, hr.logs[4].val_loss);
    ffnn_history_release(&hr);
    ffnn_model_destroy(ref);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    ffnn_table_release(&t);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_config_release(&cfg);
}
END_TEST

/* --validation: every training row trains, the file's rows (columns in
 * any order) validate, encoded with the training preprocessing: the same as
 * ffnn_fit with them as extra->val. */
START_TEST(validation_file)
{
    ffnn_config cfg = ffnn_config_default();
    cfg.fit.epochs = 4;
    cfg.fit.seed = 3;
    cfg.fit.batch_size = 3;
    cfg.fit.validation_split = 0.5; /* not used: the file wins, as validation_data does */
    ffnn_model *m;
    ffnn_history h;
    ffnn_error err;
    ck_assert_msg(ffnn_train_file(&cfg, "csv/std.csv", "csv/std-val.csv", NULL, &m, &h, &err) ==
                      FFNN_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(m->train_info, "\"train_rows\":8,\"validation_rows\":2"));

    ffnn_table t, v;
    ffnn_prep p;
    ffnn_data d;
    ffnn_model *ref;
    ffnn_history hr;
    ffnn_rng r;
    ck_assert_int_eq(ffnn_table_load(&t, "csv/std.csv", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_prep_fit(&p, &t, &cfg.prep, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_data_from_table(&d, &p, &t, NULL, t.nrows, true, &err), FFNN_OK);
    /* The validation rows by hand: a, b, c standardised with the training
     * mean and scale, y as class index. */
    ffnn_data vd = {2, 3, (float[6]){0}, (double[2]){1, 0}};
    const double raw[2][3] = {{2.5, 3, 5}, {9, 1, 5}};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            vd.X[i * 3 + j] = (float)((raw[i][j] - (double)p.mean[j]) / (double)p.scale[j]);
    ck_assert_int_eq(ffnn_model_create(&ref, &cfg.arch, &p, &err), FFNN_OK);
    ffnn_rng_init(&r, 3, FFNN_RNG_INIT, 0);
    ffnn_model_init(ref, &r);
    ffnn_fit_extra x;
    memset(&x, 0, sizeof x);
    x.val = &vd;
    ck_assert_int_eq(ffnn_fit(ref, &d, &cfg.fit, &x, &hr, &err), FFNN_OK);
    ck_assert_mem_eq(m->params, ref->params, m->n_params * sizeof *m->params);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(h.logs[i].val_loss, hr.logs[i].val_loss);

    /* The checks: the same columns, known classes. */
    ck_assert_int_eq(ffnn_table_load(&v, "csv/std-val-cols.csv", false, &err), FFNN_OK);
    ffnn_data out;
    ck_assert_int_eq(ffnn_validation_data(&p, &t, &v, &out, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/std-val-cols.csv: no column \"c\"; validation rows need the "
                              "training data's columns");
    ffnn_table_release(&v);
    ck_assert_int_eq(ffnn_table_load(&v, "csv/std-val.csv", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_validation_data(&p, &v, &t, &out, &err), FFNN_OK); /* same set of names */
    ffnn_data_release(&out);
    ffnn_table_release(&v);
    ffnn_table_release(&t);
    ck_assert_int_eq(ffnn_table_load(&v, "csv/std.csv", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_table_load(&t, "csv/std-val-cols.csv", false, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_validation_data(&p, &t, &v, &out, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "csv/std.csv: column \"c\" is not in the training data "
                              "csv/std-val-cols.csv");
    ffnn_table_release(&t);
    ffnn_table_release(&v);
    ffnn_model *none = NULL;
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/std.csv", "csv/std-val-class.csv", NULL, &none,
                                     NULL, &err), FFNN_EDATA);
    ck_assert_ptr_null(none);
    ck_assert_msg(strncmp(err.msg, "csv/std-val-class.csv:3:4: ", 27) == 0, "%s", err.msg);
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/std.csv", "csv/nope.csv", NULL, &none, NULL, &err),
                     FFNN_ENOINPUT);

    ffnn_history_release(&hr);
    ffnn_model_destroy(ref);
    ffnn_data_release(&d);
    ffnn_prep_release(&p);
    ffnn_history_release(&h);
    ffnn_model_destroy(m);
    ffnn_config_release(&cfg);
}
END_TEST

START_TEST(errors)
{
    ffnn_config cfg = ffnn_config_default();
    ffnn_model *m = (ffnn_model *)&cfg;
    ffnn_history h;
    ffnn_error err;
    seen s = {0, 0, 0, false, 0, 0};
    ffnn_train_hooks hooks = {on_prep, on_epoch, &s, NULL, NULL};
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/no-such.csv", NULL, &hooks, &m, &h, &err), FFNN_ENOINPUT);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(h.n, 0);
    ck_assert_int_eq(s.preps, 0);
    /* A failing fit: the hooks ran, no model. */
    cfg.fit.epochs = 2;
    cfg.fit.batch_size = -1;
    m = (ffnn_model *)&cfg;
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/std.csv", NULL, &hooks, &m, NULL, &err), FFNN_ECONFIG);
    ck_assert_str_eq(err.msg, "batch_size must be at least 1");
    ck_assert_ptr_null(m);
    ck_assert_int_eq(s.preps, 1);
    ck_assert_int_eq(s.epochs, 0);
    ffnn_config_release(&cfg);
}
END_TEST

Suite *train_file_suite(void);
Suite *train_file_suite(void)
{
    Suite *s = suite_create("train_file");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, same_as_the_steps);
    tcase_add_test(tc, validation_file);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    return s;
}
