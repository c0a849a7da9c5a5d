/* The JSON writer: layout, exact numbers, escaping, both sinks. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include "ffnn/json.h"
#include "testutil.h"

/* Writes one document with each of the two sinks and checks both give want. */
typedef void (*doc_fn)(ffnn_json_writer *w);

static void expect_doc(doc_fn fn, int indent, const char *want)
{
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, NULL, indent);
    fn(&w);
    char *s = ffnn_json_writer_text(&w);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, want);
    free(s);

    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(fp);
    ffnn_json_writer_init(&w, fp, indent);
    fn(&w);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_str_eq(buf, want);
    free(buf);
}

static void report(ffnn_json_writer *w)
{
    double v[3] = {0.1, 1.0 / 3, -2.5e-300};
    char *names[2] = {"a\"b", "t\tab"};
    ffnn_json_begin_object(w, false);
    ffnn_json_key_string(w, "name", "x\\y\n");
    ffnn_json_key_int(w, "rows", -12345678901LL);
    ffnn_json_key_number(w, "nan", NAN);
    ffnn_json_key_number(w, "inf", -INFINITY);
    ffnn_json_key(w, "v");
    ffnn_json_number_array(w, v, 3);
    ffnn_json_key(w, "names");
    ffnn_json_string_array(w, names, 2);
    ffnn_json_key(w, "rows_of");
    ffnn_json_begin_array(w, false);
    ffnn_json_begin_object(w, true);
    ffnn_json_key_string(w, "k", NULL);
    ffnn_json_key(w, "in");
    ffnn_json_begin_array(w, false); /* inside a flat one: flat too */
    ffnn_json_bool(w, true);
    ffnn_json_bool(w, false);
    ffnn_json_end_array(w);
    ffnn_json_end_object(w);
    ffnn_json_begin_object(w, true);
    ffnn_json_end_object(w);
    ffnn_json_end_array(w);
    ffnn_json_key(w, "empty");
    ffnn_json_begin_array(w, false);
    ffnn_json_end_array(w);
    ffnn_json_key(w, "last");
    ffnn_json_null(w);
    ffnn_json_end_object(w);
}

START_TEST(writer_pretty)
{
    expect_doc(report, 2,
               "{\n"
               "  \"name\": \"x\\\\y\\n\",\n"
               "  \"rows\": -12345678901,\n"
               "  \"nan\": null,\n"
               "  \"inf\": null,\n"
               "  \"v\": [0.1, 0.3333333333333333, -2.5e-300],\n"
               "  \"names\": [\"a\\\"b\", \"t\\tab\"],\n"
               "  \"rows_of\": [\n"
               "    {\"k\": null, \"in\": [true, false]},\n"
               "    {}\n"
               "  ],\n"
               "  \"empty\": [],\n"
               "  \"last\": null\n"
               "}");
}
END_TEST

START_TEST(writer_compact)
{
    expect_doc(report, 0,
               "{\"name\":\"x\\\\y\\n\",\"rows\":-12345678901,\"nan\":null,\"inf\":null,"
               "\"v\":[0.1,0.3333333333333333,-2.5e-300],\"names\":[\"a\\\"b\",\"t\\tab\"],"
               "\"rows_of\":[{\"k\":null,\"in\":[true,false]},{}],\"empty\":[],\"last\":null}");
}
END_TEST

/* Every number printed reads back as the same double, in as few of 15, 16
 * or 17 digits as that takes. */
START_TEST(writer_numbers_exact)
{
    const double v[] = {0.30000000000000004, 1e300, 5e-324, 123456789012345678.0, -0.0, 1.0,
                        2.0 / 3, 9007199254740993.0};
    const char *want[] = {"0.30000000000000004", "1e+300", "4.94065645841247e-324",
                          "1.2345678901234568e+17", "-0", "1", "0.6666666666666666",
                          "9007199254740992"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        ffnn_json_writer w;
        ffnn_json_writer_init(&w, NULL, 2);
        ffnn_json_number(&w, v[i]);
        char *s = ffnn_json_writer_text(&w);
        ck_assert_str_eq(s, want[i]);
        ck_assert(strtod(s, NULL) == v[i]);
        free(s);
    }
}
END_TEST

/* Control bytes: the short escapes cJSON uses, else \u00XX; UTF-8 as is. */
START_TEST(writer_escapes)
{
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, NULL, 0);
    ffnn_json_string(&w, "\b\f\r\x01\x1f\x7f é");
    char *s = ffnn_json_writer_text(&w);
    ck_assert_str_eq(s, "\"\\b\\f\\r\\u0001\\u001f\x7f é\"");
    cJSON *j = cJSON_Parse(s);
    ck_assert_str_eq(j->valuestring, "\b\f\r\x01\x1f\x7f é");
    cJSON_Delete(j);
    free(s);
}
END_TEST

/* A tree printed through the writer: objects expanded, arrays of scalars
 * flat, and it parses back to an equal tree. */
START_TEST(tree_round_trip)
{
    const char *text = "{\"a\":[1,{\"b\":[]},[2]],\"c\":\"\",\"d\":{\"e\":false,\"f\":-1.5e-7}}";
    cJSON *j = cJSON_Parse(text);
    char *s = ffnn_json_print(j, 2);
    ck_assert_str_eq(s, "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    },\n    [2]\n  ],\n"
                        "  \"c\": \"\",\n  \"d\": {\n    \"e\": false,\n    \"f\": -1.5e-07\n  }\n}");
    cJSON *back = cJSON_Parse(s);
    ck_assert(cJSON_Compare(j, back, 1));
    cJSON_Delete(back);
    free(s);
    s = ffnn_json_print(j, 0);
    ck_assert_str_eq(s, "{\"a\":[1,{\"b\":[]},[2]],\"c\":\"\",\"d\":{\"e\":false,\"f\":-1.5e-07}}");
    free(s);
    cJSON_Delete(j);
}
END_TEST

Suite *json_suite(void);
Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, writer_pretty);
    tcase_add_test(tc, writer_compact);
    tcase_add_test(tc, writer_numbers_exact);
    tcase_add_test(tc, writer_escapes);
    tcase_add_test(tc, tree_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
