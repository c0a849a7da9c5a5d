/* train_file: ffnn_train_file is the pipeline table -> preprocessing ->
 * data -> model -> init (seed, INIT, 0) -> fit, step for step; its hooks
 * and its errors. */
#include <stdlib.h>
#include <string.h>
#include "ffnn/train_file.h"
#include "testutil.h"

typedef struct {
    int preps, epochs, epochs_before_prep;
    bool constant_c;
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
    seen s = {0, 0, 0, false};
    ffnn_train_hooks hooks = {on_prep, on_epoch, &s};
    ck_assert_msg(ffnn_train_file(&cfg, "csv/std.csv", &hooks, &m, &h, &err) == FFNN_OK, "%s",
                  err.msg);
    ck_assert_int_eq(h.n, 5);
    ck_assert_int_eq(s.preps, 1);
    ck_assert_int_eq(s.epochs, 5);
    ck_assert_int_eq(s.epochs_before_prep, 0);
    ck_assert(s.constant_c); /* column c is 5 in every row */

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

START_TEST(errors)
{
    ffnn_config cfg = ffnn_config_default();
    ffnn_model *m = (ffnn_model *)&cfg;
    ffnn_history h;
    ffnn_error err;
    seen s = {0, 0, 0, false};
    ffnn_train_hooks hooks = {on_prep, on_epoch, &s};
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/no-such.csv", &hooks, &m, &h, &err), FFNN_ENOINPUT);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(h.n, 0);
    ck_assert_int_eq(s.preps, 0);
    /* A failing fit: the hooks ran, no model. */
    cfg.fit.epochs = 2;
    cfg.fit.batch_size = -1;
    m = (ffnn_model *)&cfg;
    ck_assert_int_eq(ffnn_train_file(&cfg, "csv/std.csv", &hooks, &m, NULL, &err), FFNN_ECONFIG);
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
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    return s;
}
