/* plot: nice ticks, tick labels, XML escaping, colours, axes mapping, and
 * the charts' SVG text. */
#include <stdlib.h>
#include "ffnn/plot.h"
#include "testutil.h"

START_TEST(test_nice_ticks)
{
    double t[FFNN_PLOT_MAX_TICKS], step, lo, hi;
    int n = ffnn_plot_nice_ticks(0, 1, 5, t, &step, &lo, &hi);
    ck_assert_int_eq(n, 6);
    ck_assert_close(step, 0.2, 1e-12);
    ck_assert_close(t[3], 0.6, 1e-12);
    ck_assert_close(hi, 1, 1e-12);
    n = ffnn_plot_nice_ticks(0, 149, 6, t, &step, &lo, &hi);
    ck_assert_close(step, 25, 1e-12);
    ck_assert_close(hi, 150, 1e-12);
    ck_assert_int_eq(n, 7);
    /* covers the range and is exactly zero at zero */
    n = ffnn_plot_nice_ticks(-0.37, 0.91, 5, t, &step, &lo, &hi);
    ck_assert(lo <= -0.37 && hi >= 0.91);
    int zero = 0;
    for (int i = 0; i < n; i++)
        zero += t[i] == 0;
    ck_assert_int_eq(zero, 1);
    /* degenerate and non-finite ranges */
    n = ffnn_plot_nice_ticks(3, 3, 5, t, &step, &lo, &hi);
    ck_assert(n >= 2 && lo < 3 && hi > 3);
    n = ffnn_plot_nice_ticks(NAN, 1, 5, t, &step, &lo, &hi);
    ck_assert_close(lo, 0, 0);
    ck_assert_close(hi, 1, 0);
    /* never more than the buffer holds */
    n = ffnn_plot_nice_ticks(0, 1e6, 100, t, &step, NULL, NULL);
    ck_assert(n <= FFNN_PLOT_MAX_TICKS);
}
END_TEST

START_TEST(test_format_tick)
{
    char b[32];
    ck_assert_str_eq(ffnn_plot_format_tick(b, 0.6, 0.2), "0.6");
    ck_assert_str_eq(ffnn_plot_format_tick(b, 0.25, 0.25), "0.25");
    ck_assert_str_eq(ffnn_plot_format_tick(b, 75, 25), "75");
    ck_assert_str_eq(ffnn_plot_format_tick(b, 7.5, 2.5), "7.5");
    ck_assert_str_eq(ffnn_plot_format_tick(b, 100, 50), "100");
    ck_assert_str_eq(ffnn_plot_format_tick(b, -1e-17, 0.1), "0.0");
    ck_assert_str_eq(ffnn_plot_format_tick(b, 0.002, 0.001), "0.002");
}
END_TEST

/* Runs the writer on a memory stream; returns the text (caller frees). */
static char *svg_text(void (*fn)(ffnn_svg *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ffnn_svg s;
    ffnn_svg_begin(&s, fp, 100, 50, "t<&>");
    fn(&s, arg);
    ck_assert_int_eq(ffnn_svg_end(&s, NULL), FFNN_OK);
    fclose(fp);
    return buf;
}

static void put_text(ffnn_svg *s, const void *arg)
{
    ffnn_svg_text(s, 1, 2, FFNN_SVG_MIDDLE, 12, 0, NULL, false, arg);
}

START_TEST(test_escape)
{
    char *t = svg_text(put_text, "a<b & \"c\" 'd' >e_f");
    ck_assert_ptr_nonnull(strstr(t, "<title>t&lt;&amp;&gt;</title>"));
    ck_assert_ptr_nonnull(strstr(t, ">a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;e_f</text>"));
    free(t);
    /* invalid UTF-8 and control characters cannot break the document */
    t = svg_text(put_text, "x\xff\xc3(y\x01z\xc3\xa9");
    ck_assert_ptr_nonnull(strstr(t, ">x\xEF\xBF\xBD\xEF\xBF\xBD(y z\xc3\xa9</text>"));
    free(t);
}
END_TEST

static void put_line(ffnn_svg *s, const void *arg)
{
    (void)arg;
    double x[] = {0, 1, NAN, 3, 4, NAN, 6}, y[] = {0, 1, 2, 3, 4, 5, 6};
    ffnn_svg_polyline(s, x, y, 7, "#123456", 2, "4 2");
}

START_TEST(test_polyline_breaks)
{
    char *t = svg_text(put_line, NULL);
    ck_assert_ptr_nonnull(strstr(t, "points=\"0.00,0.00 1.00,1.00\""));
    ck_assert_ptr_nonnull(strstr(t, "points=\"3.00,3.00 4.00,4.00\""));
    ck_assert_ptr_nonnull(strstr(t, "<circle cx=\"6.00\" cy=\"6.00\""));
    ck_assert_ptr_nonnull(strstr(t, "stroke-dasharray=\"4 2\""));
    free(t);
}
END_TEST

START_TEST(test_colours)
{
    char b[8];
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_BLUES, 0, b), "#f7fbff");
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_BLUES, 1, b), "#08306b");
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_BLUES, 7, b), "#08306b");
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_COOLWARM, 0, b), "#008bfb");
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_COOLWARM, 1, b), "#ff0051");
    ck_assert_str_eq(ffnn_plot_ramp_color(FFNN_PLOT_RAMP_COOLWARM, NAN, b), "#bbbbbb");
    ck_assert_str_eq(ffnn_plot_palette(0), "#1f77b4");
    ck_assert_str_eq(ffnn_plot_palette(10), "#1f77b4");
    ck_assert_str_eq(ffnn_plot_palette(-1), "#17becf");
    ck_assert_str_eq(ffnn_plot_contrast_text("#08306b"), "white");
    ck_assert_str_eq(ffnn_plot_contrast_text("#f7fbff"), "black");
}
END_TEST

START_TEST(test_axes)
{
    ffnn_plot_frame f = {10, 20, 200, 100};
    ffnn_plot_axes ax;
    ffnn_plot_axes_init(&ax, f, 0, 0.93, 0, 1, FFNN_PLOT_NICE_X);
    ck_assert_close(ax.xmax, 1, 1e-12);
    ck_assert_close(ffnn_plot_x(&ax, 0.5), 110, 1e-9);
    ck_assert_close(ffnn_plot_y(&ax, 1), 20, 1e-9);
    ck_assert_close(ffnn_plot_y(&ax, 0), 120, 1e-9);
    ffnn_plot_axes_init(&ax, f, 0, 1, 0, 4, FFNN_PLOT_FLIP_Y);
    ck_assert_close(ffnn_plot_y(&ax, 0), 20, 1e-9);
    /* without NICE the range stays, and ticks outside it are dropped */
    ffnn_plot_axes_init(&ax, f, 0.05, 0.93, 0, 1, 0);
    ck_assert_close(ax.xmin, 0.05, 0);
    for (int i = 0; i < ax.nxt; i++)
        ck_assert(ax.xticks[i] >= 0.05 && ax.xticks[i] <= 0.93);
    ck_assert_close(ffnn_plot_text_width("h\xc3\xa9", 10), 12, 1e-12);
}
END_TEST

static char *chart(int which)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ffnn_status st = FFNN_OK;
    if (which == 0) {
        double x[] = {0, 1, 2}, y[] = {0.5, 0.7, 0.9}, v[] = {0.4, NAN, 0.8};
        ffnn_plot_series s[2] = {{"acc<1>", x, y, 3, NULL, 0}, {"val & co", x, v, 3, "6 4", 1}};
        ffnn_plot_lines_options o = ffnn_plot_lines_default();
        o.title = "learning";
        st = ffnn_plot_lines_write(fp, s, 2, &o, NULL);
    } else if (which == 1) {
        double f[] = {0, 0, 0.5, 1}, t[] = {0, 0.5, 1, 1};
        ffnn_plot_roc c[1] = {{"a_b", f, t, 4, 0.875}};
        st = ffnn_plot_roc_write(fp, c, 1, NULL, NULL);
    } else {
        const char *cls[] = {"x<y", "long class name & more"};
        long counts[] = {3, 1, 0, 4};
        st = ffnn_plot_confusion_write(fp, cls, 2, counts, NULL, NULL);
    }
    ck_assert_int_eq(st, FFNN_OK);
    fclose(fp);
    return buf;
}

START_TEST(test_charts)
{
    char *t = chart(0);
    ck_assert_ptr_nonnull(strstr(t, "<title>learning</title>"));
    ck_assert_ptr_nonnull(strstr(t, ">acc&lt;1&gt;</text>"));
    ck_assert_ptr_nonnull(strstr(t, ">val &amp; co</text>"));
    ck_assert_ptr_nonnull(strstr(t, "</svg>\n"));
    free(t);
    t = chart(1);
    ck_assert_ptr_nonnull(strstr(t, ">a_b (AUC = 0.8750)</text>"));
    ck_assert_ptr_nonnull(strstr(t, ">chance</text>"));
    free(t);
    t = chart(2);
    ck_assert_ptr_nonnull(strstr(t, ">x&lt;y</text>"));
    ck_assert_ptr_nonnull(strstr(t, ">long class name &amp; more</text>"));
    ck_assert_ptr_nonnull(strstr(t, ">75.0%</text>"));
    ck_assert_ptr_nonnull(strstr(t, "rotate(-45.00"));
    free(t);
    /* byte-reproducible */
    char *a = chart(2), *b = chart(2);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_errors)
{
    ffnn_error err;
    FILE *fp = fopen("/dev/null", "w");
    double x[] = {NAN}, y[] = {1};
    ffnn_plot_series s = {"s", x, y, 1, NULL, 0};
    ck_assert_int_eq(ffnn_plot_lines_write(fp, &s, 1, NULL, &err), FFNN_EDATA);
    ck_assert_str_eq(err.msg, "nothing to plot: no finite values");
    ck_assert_int_eq(ffnn_plot_confusion_write(fp, NULL, 0, NULL, NULL, &err), FFNN_EDATA);
    fclose(fp);
    /* a stream that cannot be written: FFNN_EIO at the end */
    fp = fopen("/dev/null", "r");
    ffnn_svg sv;
    ffnn_svg_begin(&sv, fp, 10, 10, NULL);
    ffnn_svg_rect(&sv, 0, 0, 1, 1, "red", NULL, 0);
    ck_assert_int_eq(ffnn_svg_end(&sv, &err), FFNN_EIO);
    fclose(fp);
}
END_TEST

Suite *plot_suite(void);
Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_nice_ticks);
    tcase_add_test(tc, test_format_tick);
    tcase_add_test(tc, test_escape);
    tcase_add_test(tc, test_polyline_breaks);
    tcase_add_test(tc, test_colours);
    tcase_add_test(tc, test_axes);
    tcase_add_test(tc, test_charts);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
