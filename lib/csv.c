/* ffnn — streaming CSV reader (a state machine over bytes), C-locale number
 * parsing and round-trip number formatting. */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/csv.h"
#include "internal.h"

/* Bytes per read.  A test build may define it smaller (tests/fuzz uses a
 * few dozen bytes so that records straddle reads). */
#ifndef CSV_CHUNK
#define CSV_CHUNK (1u << 18)
#endif

struct ffnn_csv_reader {
    FILE *fp;
    char *name;
    unsigned char *buf; /* input chunk */
    size_t pos, len;
    bool eof, started;
    bool skip_lf;       /* the last record ended at a CR: a following LF belongs to it */
    char *data;         /* the current record's fields, each NUL-terminated */
    size_t dlen, dcap;
    size_t *offs;       /* start of each field in data */
    char **fields;
    int nf, fcap;
    long line;          /* physical line of the next unread byte */
    long rec_line;      /* line on which the last returned record starts */
};

/* Bytes that stop a run of ordinary field bytes: bit 1 outside quotes, bit 2
 * inside quotes. */
enum { STOP_UNQ = 1, STOP_Q = 2 };
static const unsigned char stop_class[256] = {
    [0] = STOP_UNQ | STOP_Q,   [','] = STOP_UNQ,          ['"'] = STOP_UNQ | STOP_Q,
    ['\r'] = STOP_UNQ | STOP_Q, ['\n'] = STOP_UNQ | STOP_Q,
};

ffnn_status ffnn_csv_reader_create(ffnn_csv_reader **out, FILE *fp, const char *name,
                                   ffnn_error *err)
{
    ffnn_csv_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return ffnn_error_nomem(err);
    r->fp = fp;
    r->name = strdup(name ? name : "<input>");
    r->buf = malloc(CSV_CHUNK);
    r->dcap = 4096;
    r->data = malloc(r->dcap);
    r->fcap = 64;
    r->offs = malloc((size_t)r->fcap * sizeof *r->offs);
    r->fields = malloc((size_t)r->fcap * sizeof *r->fields);
    r->line = 1;
    r->rec_line = 1;
    if (!r->name || !r->buf || !r->data || !r->offs || !r->fields) {
        ffnn_csv_reader_destroy(r);
        return ffnn_error_nomem(err);
    }
    *out = r;
    return FFNN_OK;
}

void ffnn_csv_reader_destroy(ffnn_csv_reader *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->buf);
    free(r->data);
    free(r->offs);
    free(r->fields);
    free(r);
}

long ffnn_csv_line(const ffnn_csv_reader *r)
{
    return r->rec_line;
}

const char *ffnn_csv_name(const ffnn_csv_reader *r)
{
    return r->name;
}

/* Refills the input chunk; on return r->len == 0 means end of input. */
static ffnn_status fill(ffnn_csv_reader *r, ffnn_error *err)
{
    r->pos = 0;
    r->len = 0;
    if (r->eof)
        return FFNN_OK;
    r->len = fread(r->buf, 1, CSV_CHUNK, r->fp);
    if (r->len < CSV_CHUNK) {
        if (ferror(r->fp))
            return ffnn_error_set(err, FFNN_EIO, "%s: read error: %s", r->name, strerror(errno));
        r->eof = true;
    }
    if (!r->started) {
        r->started = true;
        if (r->len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF)
            r->pos = 3;
    }
    return FFNN_OK;
}

static bool reserve(ffnn_csv_reader *r, size_t extra)
{
    if (r->dlen + extra <= r->dcap)
        return true;
    size_t cap = r->dcap;
    while (cap < r->dlen + extra) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *d = realloc(r->data, cap);
    if (!d)
        return false;
    r->data = d;
    r->dcap = cap;
    return true;
}

static bool append(ffnn_csv_reader *r, const unsigned char *s, size_t n)
{
    if (!reserve(r, n + 1))
        return false;
    memcpy(r->data + r->dlen, s, n);
    r->dlen += n;
    return true;
}

/* Ends the field that started at fstart. */
static bool push_field(ffnn_csv_reader *r, size_t fstart)
{
    if (!reserve(r, 1))
        return false;
    r->data[r->dlen++] = '\0';
    if (r->nf == r->fcap) {
        if (r->fcap > INT32_MAX / 2)
            return false;
        int cap = r->fcap * 2;
        size_t *o = realloc(r->offs, (size_t)cap * sizeof *o);
        if (!o)
            return false;
        r->offs = o;
        char **f = realloc(r->fields, (size_t)cap * sizeof *f);
        if (!f)
            return false;
        r->fields = f;
        r->fcap = cap;
    }
    r->offs[r->nf++] = fstart;
    return true;
}

enum { S_START, S_UNQ, S_Q, S_QQ };

/* Reads one record into r->data / r->offs.  Sets *got = false at end of
 * input.  A line break inside quotes advances r->line once for CR, LF or
 * CRLF, like one outside. */
static ffnn_status read_record(ffnn_csv_reader *r, bool *got, ffnn_error *err)
{
    int state = S_START;
    size_t fstart = 0;
    long qline = 0;   /* line of the opening quote of the current field */
    bool q_cr = false; /* inside quotes, the last byte was CR */
    ffnn_status st;

    r->nf = 0;
    r->dlen = 0;
    r->rec_line = r->line;
    *got = false;
    for (;;) {
        if (r->pos == r->len) {
            if ((st = fill(r, err)) != FFNN_OK)
                return st;
            if (r->len == 0)
                break;
            continue; /* a BOM may have used the whole chunk */
        }
        if (r->skip_lf) {
            r->skip_lf = false;
            if (r->buf[r->pos] == '\n') {
                r->pos++;
                continue;
            }
        }
        const unsigned char *b = r->buf, *p = b + r->pos, *e = b + r->len;
        unsigned c = *p;
        switch (state) {
        case S_START:
            if (c == '"') {
                r->pos++;
                state = S_Q;
                qline = r->line;
                q_cr = false;
                continue;
            }
            if (c == ',') {
                r->pos++;
                if (!push_field(r, fstart))
                    return ffnn_error_nomem(err);
                fstart = r->dlen;
                continue;
            }
            if (c == '\n' || c == '\r') {
                r->pos++;
                r->line++;
                r->skip_lf = c == '\r';
                if (r->nf == 0) { /* a blank line: skipped */
                    r->rec_line = r->line;
                    continue;
                }
                if (!push_field(r, fstart))
                    return ffnn_error_nomem(err);
                *got = true;
                return FFNN_OK;
            }
            state = S_UNQ;
            /* fall through */
        case S_UNQ: {
            const unsigned char *s = p;
            while (p < e && !(stop_class[*p] & STOP_UNQ))
                p++;
            if (p > s && !append(r, s, (size_t)(p - s)))
                return ffnn_error_nomem(err);
            r->pos = (size_t)(p - b);
            if (p == e)
                continue;
            c = *p;
            r->pos++;
            if (!push_field(r, fstart))
                return ffnn_error_nomem(err);
            if (c == ',') {
                fstart = r->dlen;
                state = S_START;
                continue;
            }
            if (c == '\n' || c == '\r') {
                r->line++;
                r->skip_lf = c == '\r';
                *got = true;
                return FFNN_OK;
            }
            if (c == '"')
                return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: quote inside unquoted field",
                                      r->name, r->line, r->nf);
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: NUL byte in input", r->name,
                                  r->line, r->nf);
        }
        case S_Q: {
            const unsigned char *s = p;
            while (p < e && !(stop_class[*p] & STOP_Q))
                p++;
            if (p > s) {
                if (!append(r, s, (size_t)(p - s)))
                    return ffnn_error_nomem(err);
                q_cr = false;
            }
            r->pos = (size_t)(p - b);
            if (p == e)
                continue;
            c = *p;
            r->pos++;
            if (c == '"') {
                state = S_QQ;
                continue;
            }
            if (c == 0)
                return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: NUL byte in input", r->name,
                                      r->line, r->nf + 1);
            if (c == '\r' || !q_cr)
                r->line++;
            q_cr = c == '\r';
            if (!append(r, p, 1))
                return ffnn_error_nomem(err);
            continue;
        }
        case S_QQ:
            if (c == '"') {
                r->pos++;
                if (!append(r, p, 1))
                    return ffnn_error_nomem(err);
                state = S_Q;
                q_cr = false;
                continue;
            }
            if (c == ',') {
                r->pos++;
                if (!push_field(r, fstart))
                    return ffnn_error_nomem(err);
                fstart = r->dlen;
                state = S_START;
                continue;
            }
            if (c == '\n' || c == '\r') {
                r->pos++;
                r->line++;
                r->skip_lf = c == '\r';
                if (!push_field(r, fstart))
                    return ffnn_error_nomem(err);
                *got = true;
                return FFNN_OK;
            }
            return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: text after closing quote",
                                  r->name, r->line, r->nf + 1);
        }
    }
    /* End of input. */
    if (state == S_Q)
        return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: unterminated quoted field", r->name,
                              qline, r->nf + 1);
    if (state == S_START && r->nf == 0)
        return FFNN_OK;
    if (!push_field(r, fstart))
        return ffnn_error_nomem(err);
    *got = true;
    return FFNN_OK;
}

ffnn_status ffnn_csv_next(ffnn_csv_reader *r, char ***fields, int *nfields, ffnn_error *err)
{
    bool got;
    ffnn_status st = read_record(r, &got, err);
    *nfields = 0;
    *fields = r->fields;
    if (st != FFNN_OK || !got)
        return st;
    for (int i = 0; i < r->nf; i++)
        r->fields[i] = r->data + r->offs[i];
    *nfields = r->nf;
    return FFNN_OK;
}

/* ---- numbers ------------------------------------------------------------ */

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

static const double pow10_exact[23] = {
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
        v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    } else if (!truncated && m <= (UINT64_C(1) << 53) && exp10 > 22 && exp10 <= 22 + 15 &&
               (double)m * pow10_exact[exp10 - 22] < 0x1p53) {
        /* m * 10^(exp10-22) is still an exact integer below 2^53. */
        v = (double)m * pow10_exact[exp10 - 22] * 1e22;
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

long ffnn_utf8_invalid(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return (long)i;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return (long)i;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return (long)i;
        i += k + 1;
    }
    return -1;
}

bool ffnn_csv_is_missing(const char *s)
{
    static const char *const tokens[] = {"NA", "NaN", "nan", "N/A", "null", "?"};
    while (is_space((unsigned char)*s))
        s++;
    /* Every token starts with N, n or ?; numbers never do (the hot case). */
    if (*s != 'N' && *s != 'n' && *s != '?' && *s != '\0')
        return false;
    size_t n = strlen(s);
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return true;
    for (size_t i = 0; i < FFNN_ARRAY_LEN(tokens); i++)
        if (strlen(tokens[i]) == n && memcmp(tokens[i], s, n) == 0)
            return true;
    return false;
}

const char *ffnn_csv_show(char buf[64], const char *s)
{
    size_t o = 0;
    for (; *s && o < 40; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, 6, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    if (*s) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

int ffnn_csv_write_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return fputs(s, fp) < 0 ? -1 : 0;
    if (putc('"', fp) == EOF)
        return -1;
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        if (fwrite(s, 1, (size_t)(q - s) + 1, fp) != (size_t)(q - s) + 1 || putc('"', fp) == EOF)
            return -1;
    }
    if (fputs(s, fp) < 0 || putc('"', fp) == EOF)
        return -1;
    return 0;
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
static void emit_g(char *buf, bool neg, uint64_t D, int p, int e10)
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
 * Returns false outside 1e-13 ≤ |v| < 1e22 (the caller falls back to
 * printf). */
static bool shortest_float(char *buf, float v)
{
    double a = fabs((double)v);
    if (!(a >= 1e-13 && a < 1e22))
        return false;
    float up = nextafterf(fabsf(v), INFINITY), down = nextafterf(fabsf(v), 0.0f);
    double hi = ((double)up + a) / 2, lo = ((double)down + a) / 2;
    int e10 = (int)floor(log10(a));
    for (int p = 6; p <= 9; p++) {
        for (int tries = 0; tries < 3; tries++) {
            int k = p - 1 - e10;
            if (k > 22 || k < -22)
                return false;
            double scaled = k >= 0 ? a * pow10_exact[k] : a / pow10_exact[-k];
            double D = rint(scaled);
            if (D >= pow10_exact[p]) {       /* log10 was one low, or rounding carried */
                e10++;
                continue;
            }
            if (D < pow10_exact[p - 1]) {    /* log10 was one high */
                e10--;
                continue;
            }
            double x = k >= 0 ? D / pow10_exact[k] : D * pow10_exact[-k];
            bool inside = x > lo && x < hi;
            if (!inside && (x == lo || x == hi) && !(float_bits(v) & 1)) {
                /* A tie reads back as v only if it is exactly the midpoint
                 * (strtof rounds ties to even, and v is even). */
                inside = k >= 0 ? fma(x, pow10_exact[k], -D) == 0.0
                                : fma(D, pow10_exact[-k], -x) == 0.0;
            }
            if (inside) {
                emit_g(buf, v < 0, (uint64_t)D, p, e10);
                return true;
            }
            break;
        }
    }
    return false;
}

char *ffnn_format_float(char *buf, float v)
{
    if (!isfinite(v)) {
        strcpy(buf, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return buf;
    }
    if (v == 0.0f) {
        strcpy(buf, signbit(v) ? "-0" : "0");
        return buf;
    }
    if (shortest_float(buf, v))
        return buf;
    locale_t loc = get_c_locale();
    for (int prec = 1; prec < 9; prec++) {
        format_c(buf, 32, prec, v);
        if (loc && strtof_l(buf, NULL, loc) == v)
            return buf;
    }
    format_c(buf, 32, 9, v);
    return buf;
}

char *ffnn_format_double(char *buf, double v)
{
    if (!isfinite(v)) {
        strcpy(buf, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return buf;
    }
    locale_t loc = get_c_locale();
    for (int prec = 15; prec < 17; prec++) {
        format_c(buf, 32, prec, v);
        if (loc && strtod_l(buf, NULL, loc) == v)
            return buf;
    }
    format_c(buf, 32, 17, v);
    return buf;
}
