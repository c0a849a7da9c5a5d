/* Enum names for messages (names.h): suggestions and lists. */
#include "ffnn/activation.h"
#include "ffnn/names.h"
#include "testutil.h"

START_TEST(suggest_and_list)
{
    static const char *const c[] = {"units", "activation", "dropout", "l2"};
    ck_assert_str_eq(ffnn_suggest("unit", c, 4), "units");      /* distance 1 */
    ck_assert_str_eq(ffnn_suggest("actvaton", c, 4), "activation"); /* 2 */
    ck_assert_ptr_null(ffnn_suggest("actvtn", c, 4));            /* 4, no prefix */
    ck_assert_ptr_null(ffnn_suggest("x", c, 4));                 /* as far as it is long */
    ck_assert_str_eq(ffnn_suggest("drop", c, 4), "dropout");     /* a prefix */
    char buf[64];
    ffnn_names_list(buf, sizeof buf, c, 4);
    ck_assert_str_eq(buf, "units, activation, dropout, l2");
    ffnn_names_list(buf, 12, c, 4);
    ck_assert_str_eq(buf, "units, acti");
    ffnn_names_list(buf, sizeof buf, c, 0);
    ck_assert_str_eq(buf, "");
    ffnn_names t = ffnn_act_names();
    ffnn_names_list(buf, sizeof buf, t.names, 3);
    ck_assert_str_eq(buf, "linear, relu, sigmoid");
}
END_TEST

Suite *names_suite(void);
Suite *names_suite(void)
{
    Suite *s = suite_create("names");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, suggest_and_list);
    suite_add_tcase(s, tc);
    return s;
}
