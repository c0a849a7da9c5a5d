/* CSV reader, number parsing and formatting. */
#include <cjson/cJSON.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "ffnn/rng.h"
#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

#define MAXREC 16
#define MAXF 12

typedef struct {
    int nrec;
    int nf[MAXREC];
    long line[MAXREC];
    char *f[MAXREC][MAXF];
    ffnn_status st;
    ffnn_error err;
} parsed;

static void parsed_free(parsed *p)
{
    for (int i = 0; i < p->nrec; i++)
        for (int j = 0; j < p->nf[i] && j < MAXF; j++)
            free(p->f[i][j]);
}

/* Parses len bytes of data (which may hold NULs) into p. */
static void parse_mem(parsed *p, const char *data, size_t len)
{
    memset(p, 0, sizeof *p);
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    rewind(fp);
    ffnn_csv_reader *r;
    ck_assert_int_eq(ffnn_csv_reader_create(&r, fp, "t.csv", &p->err), FFNN_OK);
    for (;;) {
        char **f;
        int nf;
        p->st = ffnn_csv_next(r, &f, &nf, &p->err);
        if (p->st != FFNN_OK || nf == 0)
            break;
        ck_assert_int_lt(p->nrec, MAXREC);
        p->nf[p->nrec] = nf;
        p->line[p->nrec] = ffnn_csv_line(r);
        for (int j = 0; j < nf && j < MAXF; j++)
            p->f[p->nrec][j] = strdup(f[j]);
        p->nrec++;
    }
    ffnn_csv_reader_destroy(r);
    fclose(fp);
}

static void parse_str(parsed *p, const char *s)
{
    parse_mem(p, s, strlen(s));
}

static void expect_error(const char *data, size_t len, const char *msg)
{
    parsed p;
    parse_mem(&p, data, len);
    ck_assert_int_eq(p.st, FFNN_EDATA);
    ck_assert_str_eq(p.err.msg, msg);
    parsed_free(&p);
}

/* ---- csv-spectrum ---------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    char *s = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

static const char *const spectrum_cases[] = {
    "comma_in_quotes", "empty",  "empty_crlf",  "escaped_quotes",      "json",  "newlines",
    "newlines_crlf",   "quotes_and_newlines", "simple", "simple_crlf", "utf8",
};

START_TEST(test_spectrum)
{
    const char *name = spectrum_cases[_i];
    char path[256];
    snprintf(path, sizeof path, "csv-spectrum/%s.json", name);
    char *json = slurp(path);
    cJSON *want = cJSON_Parse(json);
    ck_assert_ptr_nonnull(want);
    ck_assert(cJSON_IsArray(want));

    snprintf(path, sizeof path, "csv-spectrum/%s.csv", name);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    ffnn_csv_reader *r;
    ffnn_error err;
    ck_assert_int_eq(ffnn_csv_reader_create(&r, fp, path, &err), FFNN_OK);
    char **f;
    int nf;
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_gt(nf, 0);
    char *header[MAXF];
    int ncols = nf;
    for (int j = 0; j < nf; j++)
        header[j] = strdup(f[j]);
    int rec = 0;
    for (;;) {
        ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
        if (nf == 0)
            break;
        cJSON *obj = cJSON_GetArrayItem(want, rec);
        ck_assert_msg(obj != NULL, "%s: extra record %d", name, rec);
        ck_assert_int_eq(nf, ncols);
        ck_assert_int_eq(cJSON_GetArraySize(obj), ncols);
        for (int j = 0; j < nf; j++) {
            cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, header[j]);
            ck_assert_msg(cJSON_IsString(v), "%s: record %d lacks %s", name, rec, header[j]);
            ck_assert_str_eq(f[j], v->valuestring);
        }
        rec++;
    }
    ck_assert_int_eq(rec, cJSON_GetArraySize(want));
    for (int j = 0; j < ncols; j++)
        free(header[j]);
    ffnn_csv_reader_destroy(r);
    fclose(fp);
    cJSON_Delete(want);
    free(json);
}
END_TEST

START_TEST(test_spectrum_location_coordinates)
{
    /* A bare quote inside an unquoted field is not RFC 4180: rejected. */
    FILE *fp = fopen("csv-spectrum/location_coordinates.csv", "rb");
    ck_assert_ptr_nonnull(fp);
    ffnn_csv_reader *r;
    ffnn_error err;
    char **f;
    int nf;
    ck_assert_int_eq(ffnn_csv_reader_create(&r, fp, "location_coordinates.csv", &err), FFNN_OK);
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_eq(nf, 4);
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "location_coordinates.csv:2:2: quote inside unquoted field");
    ffnn_csv_reader_destroy(r);
    fclose(fp);
}
END_TEST

/* ---- own reader cases ---------------------------------------------------------------- */

START_TEST(test_cr_only)
{
    parsed p;
    parse_str(&p, "a,b\r1,2\r3,4");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 3);
    ck_assert_str_eq(p.f[2][0], "3");
    ck_assert_str_eq(p.f[2][1], "4");
    ck_assert_int_eq(p.line[1], 2);
    ck_assert_int_eq(p.line[2], 3);
    parsed_free(&p);
}
END_TEST

START_TEST(test_mixed_line_ends)
{
    parsed p;
    parse_str(&p, "a\r\nb\nc\rd\n\re\r\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 5); /* "\n\r" is a line end then a blank line */
    const char *want[] = {"a", "b", "c", "d", "e"};
    long lines[] = {1, 2, 3, 4, 6};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(p.nf[i], 1);
        ck_assert_str_eq(p.f[i][0], want[i]);
        ck_assert_int_eq(p.line[i], lines[i]);
    }
    parsed_free(&p);
}
END_TEST

START_TEST(test_bom)
{
    parsed p;
    parse_str(&p, "\xEF\xBB\xBF" "a,b\n1,2\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 2);
    ck_assert_str_eq(p.f[0][0], "a");
    parsed_free(&p);
    /* Only at byte 0. */
    parse_str(&p, "a,\xEF\xBB\xBF" "b\n\xEF\xBB\xBF" "1,2\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_str_eq(p.f[0][1], "\xEF\xBB\xBF" "b");
    ck_assert_str_eq(p.f[1][0], "\xEF\xBB\xBF" "1");
    parsed_free(&p);
    /* A BOM alone is an empty input. */
    parse_str(&p, "\xEF\xBB\xBF");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 0);
    parsed_free(&p);
}
END_TEST

START_TEST(test_no_final_newline)
{
    parsed p;
    parse_str(&p, "a,b\n1,2");
    ck_assert_int_eq(p.nrec, 2);
    ck_assert_str_eq(p.f[1][1], "2");
    parsed_free(&p);
    parse_str(&p, "a,b\n1,\"2\"");
    ck_assert_int_eq(p.nrec, 2);
    ck_assert_str_eq(p.f[1][1], "2");
    parsed_free(&p);
    parse_str(&p, "a,b\n1,");
    ck_assert_int_eq(p.nrec, 2);
    ck_assert_int_eq(p.nf[1], 2);
    ck_assert_str_eq(p.f[1][1], "");
    parsed_free(&p);
}
END_TEST

START_TEST(test_quoted_line_breaks_verbatim)
{
    parsed p;
    parse_str(&p, "a,b\r\n\"x\r\ny\",\"p\rq\nr\"\r\nlast,1\r\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 3);
    ck_assert_str_eq(p.f[1][0], "x\r\ny");
    ck_assert_str_eq(p.f[1][1], "p\rq\nr");
    ck_assert_int_eq(p.line[1], 2);
    /* x\r\ny is one break, p\rq\nr two: the last record starts on line 6. */
    ck_assert_int_eq(p.line[2], 6);
    parsed_free(&p);
}
END_TEST

START_TEST(test_quotes)
{
    parsed p;
    parse_str(&p, "\"a,b\",\"\"\"\",\"x\"\"y\"\"\",\"\"\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nf[0], 4);
    ck_assert_str_eq(p.f[0][0], "a,b");
    ck_assert_str_eq(p.f[0][1], "\"");
    ck_assert_str_eq(p.f[0][2], "x\"y\"");
    ck_assert_str_eq(p.f[0][3], "");
    parsed_free(&p);
}
END_TEST

START_TEST(test_empty_fields_and_blank_lines)
{
    parsed p;
    parse_str(&p, ",,\n\n a , \n\r\n\"\"\n");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 3);
    ck_assert_int_eq(p.nf[0], 3);
    for (int j = 0; j < 3; j++)
        ck_assert_str_eq(p.f[0][j], "");
    ck_assert_int_eq(p.nf[1], 2);
    ck_assert_str_eq(p.f[1][0], " a ");
    ck_assert_str_eq(p.f[1][1], " ");
    ck_assert_int_eq(p.line[1], 3);
    /* A quoted empty field is a record, not a blank line. */
    ck_assert_int_eq(p.nf[2], 1);
    ck_assert_str_eq(p.f[2][0], "");
    ck_assert_int_eq(p.line[2], 5);
    parsed_free(&p);
    parse_str(&p, "");
    ck_assert_int_eq(p.st, FFNN_OK);
    ck_assert_int_eq(p.nrec, 0);
    parsed_free(&p);
    parse_str(&p, "\n\n\r\n");
    ck_assert_int_eq(p.nrec, 0);
    parsed_free(&p);
}
END_TEST

START_TEST(test_errors)
{
#define E(s, msg) expect_error(s, sizeof(s) - 1, msg)
    E("a,b\n1,\"x\n", "t.csv:2:2: unterminated quoted field");
    E("a,b\n1,\"x\n\n\n", "t.csv:2:2: unterminated quoted field");
    E("a,b\n1,x\"y\n", "t.csv:2:2: quote inside unquoted field");
    E("a,b\n1,x\"", "t.csv:2:2: quote inside unquoted field");
    E("a,b\n1,\"x\"y\n", "t.csv:2:2: text after closing quote");
    E("a,b\n\"x\" ,1\n", "t.csv:2:1: text after closing quote");
    E("a,b\n1,x\0y\n", "t.csv:2:2: NUL byte in input");
    E("a,b\n1,\"x\0\"\n", "t.csv:2:2: NUL byte in input");
    E("\0", "t.csv:1:1: NUL byte in input");
    /* Lines count physical lines, including quoted breaks (CRLF once). */
    E("a,b\n\"x\ny\",1\n2,3\"\n", "t.csv:4:2: quote inside unquoted field");
    E("a\r\n\"x\r\ny\"\r\nz\"\r\n", "t.csv:4:1: quote inside unquoted field");
    E("a\r\r\"x\rz\"\"\"q", "t.csv:4:1: text after closing quote");
#undef E
}
END_TEST

START_TEST(test_long_field)
{
    size_t n = 1u << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    FILE *fp = tmpfile();
    fprintf(fp, "h1,h2\n%s,\"%s\"\n1,2\n", big, big);
    rewind(fp);
    ffnn_csv_reader *r;
    ffnn_error err;
    char **f;
    int nf;
    ck_assert_int_eq(ffnn_csv_reader_create(&r, fp, "big.csv", &err), FFNN_OK);
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_eq(nf, 2);
    ck_assert_uint_eq(strlen(f[0]), n);
    ck_assert_uint_eq(strlen(f[1]), n);
    ck_assert(memcmp(f[0], big, n) == 0);
    ck_assert(memcmp(f[1], big, n) == 0);
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_eq(nf, 2);
    ck_assert_str_eq(f[1], "2");
    ck_assert_int_eq(ffnn_csv_line(r), 3);
    ffnn_csv_reader_destroy(r);
    fclose(fp);
    free(big);
}
END_TEST

/* Many random records with random line ends and quoting, so that every
 * special byte lands on a read-chunk boundary somewhere; each field must come
 * back as written, with the right line numbers. */
START_TEST(test_random_records)
{
    /* The first 11 bytes may appear unquoted. */
    static const char alpha[] = "abcxyz0123 ,\"\r\n";
    ffnn_rng rng;
    ffnn_rng_init(&rng, 42, 99, 0);
    const long nrec = 60000;
    const char *ends[] = {"\n", "\r\n", "\r"};
    FILE *fp = tmpfile();
    char field[3][64];
    long line = 1;
    long *lines = malloc((size_t)nrec * sizeof *lines);
    ffnn_rng gen = rng;
    for (long i = 0; i < nrec; i++) {
        lines[i] = line;
        for (int j = 0; j < 3; j++) {
            int len = (int)ffnn_rng_below(&gen, 20);
            bool quote = ffnn_rng_below(&gen, 3) == 0;
            for (int k = 0; k < len; k++) {
                char c = alpha[ffnn_rng_below(&gen, quote ? sizeof alpha - 1 : 11)];
                field[j][k] = c;
            }
            field[j][len] = '\0';
            if (j)
                putc(',', fp);
            if (quote) {
                putc('"', fp);
                for (int k = 0; k < len; k++) {
                    char c = field[j][k];
                    if (c == '"')
                        putc('"', fp);
                    putc(c, fp);
                    if (c == '\r' || (c == '\n' && (k == 0 || field[j][k - 1] != '\r')))
                        line++;
                }
                putc('"', fp);
            } else {
                fputs(field[j], fp);
            }
        }
        fputs(ends[ffnn_rng_below(&gen, 3)], fp);
        line++;
    }
    rewind(fp);
    ffnn_csv_reader *r;
    ffnn_error err;
    char **f;
    int nf;
    ck_assert_int_eq(ffnn_csv_reader_create(&r, fp, "rand.csv", &err), FFNN_OK);
    gen = rng;
    for (long i = 0; i < nrec; i++) {
        for (int j = 0; j < 3; j++) {
            int len = (int)ffnn_rng_below(&gen, 20);
            bool quote = ffnn_rng_below(&gen, 3) == 0;
            for (int k = 0; k < len; k++) {
                field[j][k] = alpha[ffnn_rng_below(&gen, quote ? sizeof alpha - 1 : 11)];
            }
            field[j][len] = '\0';
        }
        ffnn_rng_below(&gen, 3);
        /* An all-empty unquoted single field cannot occur (3 fields). */
        ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
        ck_assert_int_eq(nf, 3);
        for (int j = 0; j < 3; j++)
            ck_assert_str_eq(f[j], field[j]);
        ck_assert_int_eq(ffnn_csv_line(r), lines[i]);
    }
    ck_assert_int_eq(ffnn_csv_next(r, &f, &nf, &err), FFNN_OK);
    ck_assert_int_eq(nf, 0);
    ffnn_csv_reader_destroy(r);
    fclose(fp);
    free(lines);
}
END_TEST

START_TEST(test_utf8_invalid)
{
    ck_assert_int_eq(ffnn_utf8_invalid("", 0), -1);
    ck_assert_int_eq(ffnn_utf8_invalid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), -1);
    ck_assert_int_eq(ffnn_utf8_invalid("ab\xff", 3), 2);            /* never a UTF-8 byte */
    ck_assert_int_eq(ffnn_utf8_invalid("a\xc0\x80", 3), 1);        /* overlong NUL */
    ck_assert_int_eq(ffnn_utf8_invalid("\xe0\x80\xaf", 3), 0);    /* overlong '/' */
    ck_assert_int_eq(ffnn_utf8_invalid("\xed\xa0\x80", 3), 0);    /* surrogate */
    ck_assert_int_eq(ffnn_utf8_invalid("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
    ck_assert_int_eq(ffnn_utf8_invalid("x\xc3", 2), 1);             /* cut sequence */
    ck_assert_int_eq(ffnn_utf8_invalid("\xc3\xa9", 1), 0);         /* cut by n */
}
END_TEST

START_TEST(test_missing_tokens)
{
    const char *yes[] = {"", "NA", "NaN", "nan", "N/A", "null", "?", "  ", " NA "};
    const char *no[] = {"0", "na", "None", "-", "NULL ?", "n/a ", "NA NA"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        ck_assert_msg(ffnn_csv_is_missing(yes[i]), "\"%s\"", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        ck_assert_msg(!ffnn_csv_is_missing(no[i]), "\"%s\"", no[i]);
}
END_TEST

START_TEST(test_write_field)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "x\ny", "r\rs", "", " sp ", "\"", "=1"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (i)
            putc(',', fp);
        ck_assert_int_eq(ffnn_csv_write_field(fp, fields[i]), 0);
    }
    putc('\n', fp);
    fclose(fp);
    ck_assert_str_eq(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"r\rs\",, sp ,\"\"\"\",=1\n");
    /* And it reads back. */
    parsed p;
    parse_str(&p, buf);
    ck_assert_int_eq(p.nrec, 1);
    ck_assert_int_eq(p.nf[0], (int)(sizeof fields / sizeof *fields));
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        ck_assert_str_eq(p.f[0][i], fields[i]);
    parsed_free(&p);
    free(buf);
}
END_TEST

/* ---- numbers ------------------------------------------------------------------------- */

static locale_t cloc(void)
{
    static locale_t l;
    if (!l)
        l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return l;
}

/* ffnn_parse_double must agree bit for bit with strtod_l in the C locale,
 * rejecting exactly what overflows. */
static void check_same(const char *s)
{
    char *end;
    double want = strtod_l(s, &end, cloc());
    ck_assert_msg(*end == '\0', "generator produced a bad string \"%s\"", s);
    double got = 0;
    bool ok = ffnn_parse_double(s, &got);
    if (isinf(want)) {
        ck_assert_msg(!ok, "\"%s\" overflows but was accepted", s);
        return;
    }
    ck_assert_msg(ok, "\"%s\" rejected", s);
    uint64_t a, b;
    memcpy(&a, &got, 8);
    memcpy(&b, &want, 8);
    ck_assert_msg(a == b, "\"%s\": got %a, strtod %a", s, got, want);
}

START_TEST(test_parse_tricky)
{
    const char *cases[] = {
        "0", "-0", "+0", "0.0", "-0.0e5", "1", "+1", "-1", ".5", "5.", "1e5", "1E-5", "1e+5",
        "0.1", "0.2", "0.3", "3.14159", "1e22", "1e23", "9007199254740992", "9007199254740993",
        "9007199254740993.0", "9007199254740992.5", "18446744073709551615",
        "18446744073709551616", "123456789012345678901234567890", "0.000000000000000000001",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
        "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
        "1.7976931348623157e308", "1.7976931348623158e308", "8.98846567431158e307",
        "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000",
        "0.500000000000000166533453693773481063544750213623046875",
        "7.0420557077594588669468784357561207962098443483187940792729600000e+59",
        "1448997445238699", "123456789e-22", "123456789e-30", "4503599627370497.5",
        "1e-22", "1e-23", "123e300", "00000000000000000000000000000000001.5", "0e999999999",
        "1e0000000000000000000000010", "3.4028235e38", "3.4028236e38", "1.175494e-38",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_same(cases[i]);
    double v = 1;
    ck_assert(ffnn_parse_double("  42  ", &v) && v == 42);
    ck_assert(ffnn_parse_double("\t-2.5e1", &v) && v == -25);
    ck_assert(ffnn_parse_double("-0", &v) && v == 0 && signbit(v));
}
END_TEST

START_TEST(test_parse_rejects)
{
    const char *bad[] = {
        "", " ", "+", "-", ".", "+.", "e5", "1e", "1e+", "1e-", "0x10", "0x1p3", "inf", "-inf",
        "INF", "Infinity", "nan", "NaN", "nan(123)", "1.2.3", "1,5", "--1", "+-1", "1 2", "1e5x",
        "1f", "1d", "abc", "1e400", "-1e400", "1.8e308", "1_000", "١", "0b101", "5..", "..5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v = 7;
        ck_assert_msg(!ffnn_parse_double(bad[i], &v), "\"%s\" accepted as %g", bad[i], v);
    }
}
END_TEST

/* Random decimal strings: random digit counts, point positions, exponents
 * and signs, covering the fast path, its edges and the slow path. */
START_TEST(test_parse_random)
{
    ffnn_rng r;
    ffnn_rng_init(&r, 20240607, 1, 0);
    char s[128];
    for (long iter = 0; iter < 300000; iter++) {
        int o = 0;
        int kind = (int)ffnn_rng_below(&r, 4);
        if (ffnn_rng_below(&r, 2))
            s[o++] = ffnn_rng_below(&r, 2) ? '-' : '+';
        if (kind == 0) {
            /* A random double printed with a random precision. */
            uint64_t bits = ffnn_rng_u64(&r);
            double d;
            memcpy(&d, &bits, 8);
            if (!isfinite(d))
                d = 1.5;
            snprintf(s + o, sizeof s - (size_t)o, "%.*e", (int)ffnn_rng_below(&r, 19), fabs(d));
        } else {
            int ndig = 1 + (int)ffnn_rng_below(&r, kind == 1 ? 17 : 30);
            int point = (int)ffnn_rng_below(&r, (uint64_t)ndig + 2) - 1;
            for (int k = 0; k < ndig; k++) {
                if (k == point)
                    s[o++] = '.';
                s[o++] = (char)('0' + ffnn_rng_below(&r, 10));
            }
            if (point == ndig)
                s[o++] = '.';
            if (kind != 1 || ffnn_rng_below(&r, 2)) {
                int range = kind == 1 ? 25 : 340;
                int e = (int)ffnn_rng_below(&r, 2 * (uint64_t)range + 1) - range;
                o += snprintf(s + o, sizeof s - (size_t)o, "%s%d",
                              ffnn_rng_below(&r, 2) ? "e" : "E", e);
            }
            s[o] = '\0';
        }
        check_same(s);
    }
}
END_TEST

START_TEST(test_c_locale)
{
    const char *old = setlocale(LC_ALL, NULL);
    char *saved = strdup(old ? old : "C");
    if (!setlocale(LC_ALL, "de_DE.UTF-8") && !setlocale(LC_ALL, "de_DE.utf8") &&
        !setlocale(LC_ALL, "fr_FR.UTF-8")) {
        fprintf(stderr, "test_csv: skipping decimal-comma locale check "
                        "(no de_DE.UTF-8 or fr_FR.UTF-8 locale installed)\n");
    } else {
        ck_assert_str_eq(localeconv()->decimal_point, ",");
    }
    double v = 0;
    ck_assert(ffnn_parse_double("1.5", &v) && v == 1.5);
    ck_assert(ffnn_parse_double("1234567.000000000000000000001", &v) && v == 1234567.0);
    ck_assert(!ffnn_parse_double("1,5", &v));
    char buf[32];
    ck_assert_str_eq(ffnn_format_double(buf, 0.25), "0.25");
    ck_assert_str_eq(ffnn_format_float(buf, 2.5f), "2.5");
    setlocale(LC_ALL, saved);
    free(saved);
}
END_TEST

START_TEST(test_format)
{
    char buf[32];
    ck_assert_str_eq(ffnn_format_float(buf, 0.1f), "0.1");
    ck_assert_str_eq(ffnn_format_float(buf, 1.0f / 3.0f), "0.33333334");
    ck_assert_str_eq(ffnn_format_float(buf, 16777216.0f), "16777216");
    ck_assert_str_eq(ffnn_format_float(buf, -0.0f), "-0");
    ck_assert_str_eq(ffnn_format_float(buf, FLT_MAX), "3.4028235e+38");
    ck_assert_str_eq(ffnn_format_double(buf, 0.1), "0.1");
    ck_assert_str_eq(ffnn_format_double(buf, 1.0 / 3.0), "0.3333333333333333");
    ck_assert_str_eq(ffnn_format_double(buf, 1e23), "1e+23");
    ck_assert_str_eq(ffnn_format_double(buf, DBL_MAX), "1.7976931348623157e+308");
    ck_assert_str_eq(ffnn_format_double(buf, 5e-324), "4.94065645841247e-324");
    ck_assert_str_eq(ffnn_format_double(buf, INFINITY), "inf");
    ck_assert_str_eq(ffnn_format_double(buf, -INFINITY), "-inf");
    ck_assert_str_eq(ffnn_format_float(buf, NAN), "nan");

    ffnn_rng r;
    ffnn_rng_init(&r, 7, 2, 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = ffnn_rng_u64(&r);
        double d;
        float f;
        uint32_t fb = (uint32_t)bits;
        memcpy(&d, &bits, 8);
        memcpy(&f, &fb, 4);
        if (isfinite(d)) {
            double back;
            ffnn_format_double(buf, d);
            ck_assert_msg(ffnn_parse_double(buf, &back) && back == d, "%a -> %s", d, buf);
        }
        if (isfinite(f)) {
            ffnn_format_float(buf, f);
            ck_assert_msg(strtof_l(buf, NULL, cloc()) == f, "%a -> %s", (double)f, buf);
            ck_assert_uint_le(strlen(buf), 15);
        }
    }
}
END_TEST

Suite *csv_suite(void);
Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_spectrum, 0, (int)(sizeof spectrum_cases / sizeof *spectrum_cases));
    tcase_add_test(tc, test_spectrum_location_coordinates);
    tcase_add_test(tc, test_cr_only);
    tcase_add_test(tc, test_mixed_line_ends);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_no_final_newline);
    tcase_add_test(tc, test_quoted_line_breaks_verbatim);
    tcase_add_test(tc, test_quotes);
    tcase_add_test(tc, test_empty_fields_and_blank_lines);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_long_field);
    tcase_add_test(tc, test_random_records);
    tcase_add_test(tc, test_utf8_invalid);
    tcase_add_test(tc, test_missing_tokens);
    tcase_add_test(tc, test_write_field);
    suite_add_tcase(s, tc);
    TCase *tn = tcase_create("numbers");
    tcase_set_timeout(tn, 300);
    tcase_add_test(tn, test_parse_tricky);
    tcase_add_test(tn, test_parse_rejects);
    tcase_add_test(tn, test_parse_random);
    tcase_add_test(tn, test_c_locale);
    tcase_add_test(tn, test_format);
    suite_add_tcase(s, tn);
    return s;
}
