/* ffnn — numbers in the C locale: exact decimal parsing and shortest
 * round-trip formatting (see num.h). */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/num.h"

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The C locale object, created once; (locale_t)0 if newlocale failed. */
static locale_t get_c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale;
}

const double ffnn_num_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static bool is_space(unsigned c)
{
    return c == ' ' || c == '\t';
}

bool ffnn_parse_double(const char *s, double *out)
{
    const unsigned char *p = (const unsigned char *)s;
    while (is_space(*p))
        p++;
    const unsigned char *num = p;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';

    /* Significant digits (leading zeros dropped) go into m while they fit
     * in 19 digits; exp10 is the power of ten m is scaled by. */
    uint64_t m = 0;
    int nsig = 0;
    bool truncated = false, any = false;
    long exp10 = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        any = true;
        if (nsig == 0 && *p == '0')
            continue;
        if (nsig < 19) {
            m = m * 10 + (*p - '0');
            nsig++;
        } else {
            exp10++;
            truncated |= *p != '0';
        }
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            any = true;
            if (nsig == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (nsig < 19) {
                m = m * 10 + (*p - '0');
                nsig++;
                exp10--;
            } else {
                truncated |= *p != '0';
            }
        }
    }
    if (!any)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            return false;
        long e = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        exp10 += eneg ? -e : e;
    }
    const unsigned char *end = p;
    while (is_space(*p))
        p++;
    if (*p)
        return false;

    double v;
    if (m == 0 && !truncated) {
        v = 0.0;
    } else if (!truncated && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger: m and 10^|exp10| are exact doubles, so one correctly
         * rounded operation gives the correctly rounded result. */
        if (exp10 < 0) {
            *out = ffnn_num_decimal(m, (int)-exp10, neg);
            return true;
        }
        v = (double)m * ffnn_num_pow10[exp10];
    } else if (!truncated && m <= (UINT64_C(1) << 53) && exp10 > 22 && exp10 <= 22 + 15 &&
               (double)m * ffnn_num_pow10[exp10 - 22] < 0x1p53) {
        /* m * 10^(exp10-22) is still an exact integer below 2^53. */
        v = (double)m * ffnn_num_pow10[exp10 - 22] * 1e22;
    } else {
        locale_t loc = get_c_locale();
        if (loc == (locale_t)0)
            return false;
        char small[128];
        size_t n = (size_t)(end - num);
        char *copy = n < sizeof small ? small : malloc(n + 1);
        if (!copy)
            return false;
        memcpy(copy, num, n);
        copy[n] = '\0';
        v = strtod_l(copy, NULL, loc);
        if (copy != small)
            free(copy);
        if (isinf(v))
            return false;
        *out = v;
        return true;
    }
    *out = neg ? -v : v;
    return true;
}

/* snprintf in the C locale whatever the thread's locale is. */
static void format_c(char *buf, size_t size, int prec, double v)
{
    locale_t loc = get_c_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    snprintf(buf, size, "%.*g", prec, v);
    if (loc)
        uselocale(old);
}

/* Writes the p-digit integer D with decimal exponent e10 (D = d.ddd × 10^e10)
 * the way printf's %.{p}g does: trailing zeros removed, scientific notation
 * when e10 < -4 or e10 >= p, a two-digit exponent at least. */
static size_t emit_g(char *buf, bool neg, uint64_t D, int p, int e10)
{
    char dig[24];
    int nd = 0;
    for (uint64_t t = D; nd == 0 || t; t /= 10)
        nd++;
    for (int i = nd - 1; i >= 0; i--, D /= 10)
        dig[i] = (char)('0' + D % 10);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    char *o = buf;
    if (neg)
        *o++ = '-';
    if (e10 < -4 || e10 >= p) {
        *o++ = dig[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, dig + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        int x = e10 < 0 ? -e10 : e10;
        *o++ = 'e';
        *o++ = e10 < 0 ? '-' : '+';
        if (x >= 100)
            *o++ = (char)('0' + x / 100);
        *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    } else if (e10 >= 0) {
        for (int i = 0; i <= e10; i++)
            *o++ = i < nd ? dig[i] : '0';
        if (nd > e10 + 1) {
            *o++ = '.';
            memcpy(o, dig + e10 + 1, (size_t)(nd - e10 - 1));
            o += nd - e10 - 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -e10 - 1; i++)
            *o++ = '0';
        memcpy(o, dig, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (size_t)(o - buf);
}

static uint32_t float_bits(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* The shortest decimal that reads back as v, found with exact double
 * arithmetic: for p = 6..9 digits (when fewer digits suffice, the 6-digit
 * rounding is that decimal padded with zeros, which emit_g strips), D = round(|v|·10^k) and x = D/10^k are
 * each one correctly rounded operation on exact operands (D < 2^53, 10^|k|
 * ≤ 1e22), and x is accepted strictly between the midpoints to v's
 * neighbouring floats, which are exact in double, or exactly on one when v's
 * mantissa is even — so strtof(result) == v.
 * Returns the length written, or 0 outside 1e-13 ≤ |v| < 1e22 (the
 * caller falls back to printf). */
static size_t shortest_float(char *buf, float v)
{
    double a = fabs((double)v);
    if (!(a >= 1e-13 && a < 1e22))
        return 0;
    /* |v| is a normal float here: its neighbours are one unit of the bit
     * pattern away, and its binary exponent gives floor(log10 |v|) or one
     * less (the loop below steps up when it was one low). */
    uint32_t bits = float_bits(fabsf(v)), ub = bits + 1, db = bits - 1;
    float up, down;
    memcpy(&up, &ub, sizeof up);
    memcpy(&down, &db, sizeof down);
    double hi = ((double)up + a) / 2, lo = ((double)down + a) / 2;
    int e2 = (int)(bits >> 23) - 127;
    int e10 = e2 >= 0 ? e2 * 30103 / 100000 : -((-e2 * 30103 + 99999) / 100000);
    for (int p = 6; p <= 9; p++) {
        for (int tries = 0; tries < 3; tries++) {
            int k = p - 1 - e10;
            if (k > 22 || k < -22)
                return 0;
            double scaled = k >= 0 ? a * ffnn_num_pow10[k] : a / ffnn_num_pow10[-k];
            double D = rint(scaled);
            if (D >= ffnn_num_pow10[p]) {       /* log10 was one low, or rounding carried */
                e10++;
                continue;
            }
            if (D < ffnn_num_pow10[p - 1]) {    /* log10 was one high */
                e10--;
                continue;
            }
            double x = k >= 0 ? D / ffnn_num_pow10[k] : D * ffnn_num_pow10[-k];
            bool inside = x > lo && x < hi;
            if (!inside && (x == lo || x == hi) && !(float_bits(v) & 1)) {
                /* A tie reads back as v only if it is exactly the midpoint
                 * (strtof rounds ties to even, and v is even). */
                inside = k >= 0 ? fma(x, ffnn_num_pow10[k], -D) == 0.0
                                : fma(D, ffnn_num_pow10[-k], -x) == 0.0;
            }
            if (inside) {
                return emit_g(buf, v < 0, (uint64_t)D, p, e10);
            }
            break;
        }
    }
    return 0;
}

/* Writes "inf", "-inf", "nan", "0" or "-0" (what %g writes for them);
 * returns false for any other value. */
static bool format_special(char *buf, double v)
{
    if (isfinite(v) && v != 0.0)
        return false;
    strcpy(buf, isnan(v) ? "nan" : isinf(v) ? (v < 0 ? "-inf" : "inf") : signbit(v) ? "-0" : "0");
    return true;
}

/* The first of %.{lo}g..%.{hi-1}g that reads back as v (as a float when
 * single), else %.{hi}g. */
static char *format_roundtrip(char *buf, double v, int lo, int hi, bool single)
{
    locale_t loc = get_c_locale();
    for (int prec = lo; prec < hi; prec++) {
        format_c(buf, 32, prec, v);
        if (loc && (single ? strtof_l(buf, NULL, loc) == (float)v : strtod_l(buf, NULL, loc) == v))
            return buf;
    }
    format_c(buf, 32, hi, v);
    return buf;
}

size_t ffnn_format_float_len(char *buf, float v)
{
    size_t n;
    if (format_special(buf, v))
        return strlen(buf);
    if ((n = shortest_float(buf, v)) > 0)
        return n;
    return strlen(format_roundtrip(buf, v, 1, 9, true));
}

char *ffnn_format_float(char *buf, float v)
{
    ffnn_format_float_len(buf, v);
    return buf;
}

char *ffnn_format_double(char *buf, double v)
{
    if (format_special(buf, v))
        return buf;
    return format_roundtrip(buf, v, 15, 17, false);
}
