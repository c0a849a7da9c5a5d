/* ffnn — streaming CSV reader (a state machine over bytes), and helpers for fields (missing values, quoting, showing them in messages)
 * and UTF-8 checking. */
#include <errno.h>
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

/* ---- fields ------------------------------------------------------------- */

static bool is_space(unsigned c)
{
    return c == ' ' || c == '\t';
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

