/* Whole-file reads (file.h): to the end, capped, or as far as the data's own
 * format asks. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "ffnn/file.h"
#include "testutil.h"

static char path[64];

static void write_temp(const char *text, size_t len)
{
    snprintf(path, sizeof path, "/tmp/ffnn-test-file-%ld", (long)getpid());
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

/* A format whose first byte is the length of what follows it. */
static size_t length_prefixed(const unsigned char *buf, size_t n)
{
    return n < 1 ? 1 : 1 + (size_t)buf[0];
}

/* Stops after 3 bytes unless they are "ok:", then reads to the end. */
static size_t magic(const unsigned char *buf, size_t n)
{
    if (n < 3)
        return 3;
    return memcmp(buf, "ok:", 3) == 0 ? SIZE_MAX : n;
}

START_TEST(read_whole_capped_and_until)
{
    char *d;
    size_t len;
    ffnn_error err;
    write_temp("\x05hello, and more", 16);
    ck_assert_int_eq(ffnn_file_read(path, &d, &len, &err), FFNN_OK);
    ck_assert_uint_eq(len, 16);
    ck_assert(memcmp(d, "\x05hello, and more", 16) == 0 && d[16] == '\0');
    free(d);
    ck_assert_int_eq(ffnn_file_read_max(path, 16, &d, &len, &err), FFNN_OK);
    free(d);
    ck_assert_int_eq(ffnn_file_read_max(path, 15, &d, &len, &err), FFNN_EDATA);
    ck_assert_ptr_null(d);
    char want[128];
    snprintf(want, sizeof want, "%s: larger than 15 bytes", path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(ffnn_file_read_until(path, SIZE_MAX - 1, length_prefixed, &d, &len, &err),
                     FFNN_OK);
    ck_assert_uint_eq(len, 6);
    ck_assert_str_eq(d, "\x05hello");
    free(d);
    ck_assert_int_eq(ffnn_file_read_until(path, SIZE_MAX - 1, magic, &d, &len, &err), FFNN_OK);
    ck_assert_uint_eq(len, 3);
    free(d);
    write_temp("ok:the rest", 11);
    ck_assert_int_eq(ffnn_file_read_until(path, SIZE_MAX - 1, magic, &d, &len, &err), FFNN_OK);
    ck_assert_str_eq(d, "ok:the rest");
    free(d);
    /* the data ends before what it announced: what there is */
    write_temp("\x09short", 6);
    ck_assert_int_eq(ffnn_file_read_until(path, SIZE_MAX - 1, length_prefixed, &d, &len, &err),
                     FFNN_OK);
    ck_assert_uint_eq(len, 6);
    free(d);
    unlink(path);
    /* an endless stream stops where the format says */
    ck_assert_int_eq(ffnn_file_read_until("/dev/zero", SIZE_MAX - 1, magic, &d, &len, &err), FFNN_OK);
    ck_assert_uint_eq(len, 3);
    free(d);
    /* a zero length announced: the prefix alone */
    ck_assert_int_eq(ffnn_file_read_until("/dev/zero", SIZE_MAX - 1, length_prefixed, &d, &len, &err),
                     FFNN_OK);
    ck_assert_uint_eq(len, 1);
    free(d);
}
END_TEST

START_TEST(read_errors)
{
    char *d;
    size_t len;
    ffnn_error err;
    ck_assert_int_eq(ffnn_file_read("no/such/file", &d, &len, &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, "no/such/file: cannot open: No such file or directory");
    ck_assert_ptr_null(d);
    ck_assert_int_eq(ffnn_file_read_until(".", 100, magic, &d, &len, &err), FFNN_ENOINPUT);
    ck_assert_str_eq(err.msg, ".: cannot open: Is a directory");
}
END_TEST

Suite *file_suite(void);
Suite *file_suite(void)
{
    Suite *s = suite_create("file");
    TCase *tc = tcase_create("read");
    tcase_add_test(tc, read_whole_capped_and_until);
    tcase_add_test(tc, read_errors);
    suite_add_tcase(s, tc);
    return s;
}
