/* ffnn — CSV reading: blocks of whole records read from a stream (the only
 * sequential step), a scanner that splits a block into records in place, the
 * record-at-a-time reader built from the two; and helpers for fields
 * (missing values, quoting, showing them in messages) and UTF-8 checking. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ffnn/csv.h"
#include "internal.h"
#include "swar.h"

/* Bytes per read of the record-at-a-time reader.  A test build may define it
 * smaller (tests/fuzz uses a few dozen bytes so that records straddle
 * reads). */
#ifndef CSV_CHUNK
#define CSV_CHUNK (1u << 18)
#endif

struct ffnn_csv_reader {
    FILE *fp;
    char *name;
    char *carry;          /* bytes read past the end of the last block */
    size_t carry_len, carry_cap;
    bool eof, started;
    long next_line;       /* line on which the next block starts */
    long long consumed;   /* input bytes handed out in blocks */
    long long total;      /* input size if it is a regular file, else -1 */
    /* ffnn_csv_next: the block being read and the cursor in it */
    ffnn_csv_block blk;
    ffnn_csv_cursor cur;
    bool have_cur;
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
    r->next_line = 1;
    struct stat sb;
    r->total = fileno(fp) >= 0 && fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode)
                   ? (long long)sb.st_size : -1;
    if (!r->name) {
        ffnn_csv_reader_destroy(r);
        return ffnn_error_nomem(err);
    }
    ffnn_csv_cursor_init(&r->cur, NULL, r->name);
    *out = r;
    return FFNN_OK;
}

void ffnn_csv_reader_destroy(ffnn_csv_reader *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->carry);
    ffnn_csv_block_release(&r->blk);
    ffnn_csv_cursor_release(&r->cur);
    free(r);
}

long ffnn_csv_line(const ffnn_csv_reader *r)
{
    return r->have_cur ? r->cur.rec_line : r->next_line;
}

const char *ffnn_csv_name(const ffnn_csv_reader *r)
{
    return r->name;
}

long long ffnn_csv_size(const ffnn_csv_reader *r)
{
    return r->total;
}

/* ---- blocks ---------------------------------------------------------------- */

void ffnn_csv_block_release(ffnn_csv_block *b)
{
    if (!b)
        return;
    free(b->buf);
    memset(b, 0, sizeof *b);
}

static bool block_reserve(ffnn_csv_block *b, size_t cap)
{
    if (cap <= b->cap)
        return true;
    char *p = realloc(b->buf, cap + 1); /* + 1: the scanner's last terminator */
    if (!p)
        return false;
    b->buf = p;
    b->cap = cap;
    return true;
}

/* Where the last whole record of buf[0..len) ends (just after its line
 * break), or 0 if no record ends there.  buf starts at a record boundary, so
 * a line break ends a record exactly when the quotes before it pair up
 * (every quote of valid CSV opens, closes or doubles inside a quoted field;
 * input that breaks that rule is reported by the scanner before the first
 * wrong boundary matters).  A CR as the last byte cannot end a block: an LF
 * may follow it in the next read. */
static size_t last_record_end(const char *buf, size_t len)
{
    size_t best = 0, pos = 0;
    bool quoted = false;
    for (;;) {
        const char *q = memchr(buf + pos, '"', len - pos);
        size_t end = q ? (size_t)(q - buf) : len;
        if (!quoted)
            for (size_t i = end; i > pos; i--) {
                char c = buf[i - 1];
                if (c == '\n' || (c == '\r' && i < len)) {
                    best = i;
                    break;
                }
            }
        if (!q)
            return best;
        quoted = !quoted;
        pos = end + 1;
    }
}

/* Physical lines ended in buf[0..len): CR, LF and CRLF count once each
 * (blocks never split a CRLF). */
static long count_lines(const char *buf, size_t len)
{
    long n = 0;
    size_t i = 0;
    for (; FFNN_SWAR && i + 8 <= len; i += 8)
        for (uint64_t m = swar_eq(swar_load(buf + i), '\n'); m; m &= m - 1)
            n++;
    for (; i < len; i++)
        n += buf[i] == '\n';
    for (const char *p = buf, *e = buf + len; (p = memchr(p, '\r', (size_t)(e - p))); p++)
        n += p + 1 == e || p[1] != '\n';
    return n;
}

ffnn_status ffnn_csv_read_block(ffnn_csv_reader *r, ffnn_csv_block *b, size_t want,
                                ffnn_error *err)
{
    b->len = 0;
    b->lines = 0;
    if (r->have_cur) {
        /* Records ffnn_csv_next has not returned come first. */
        ffnn_csv_cursor *c = &r->cur;
        size_t rest = (size_t)(c->end - c->p);
        if (rest) {
            if (r->carry_len + rest > r->carry_cap) {
                char *p = realloc(r->carry, r->carry_len + rest);
                if (!p)
                    return ffnn_error_nomem(err);
                r->carry = p;
                r->carry_cap = r->carry_len + rest;
            }
            if (r->carry_len)
                memmove(r->carry + rest, r->carry, r->carry_len);
            memcpy(r->carry, c->p, rest);
            r->carry_len += rest;
            r->consumed -= (long long)rest;
        }
        r->next_line = c->line;
        r->have_cur = false;
        ffnn_csv_cursor_init(c, NULL, r->name);
    }
    b->line = r->next_line;
    b->offset = r->consumed;
    if (want < 64)
        want = 64;
    if (!block_reserve(b, want > r->carry_len ? want : r->carry_len))
        return ffnn_error_nomem(err);
    if (r->carry_len)
        memcpy(b->buf, r->carry, r->carry_len);
    size_t len = r->carry_len, end;
    r->carry_len = 0;
    for (;;) {
        if (!r->eof && len < want) {
            /* Up to want bytes: reading more would only be carried over,
             * and the carry would grow with every block. */
            size_t ask = want - len, got = fread(b->buf + len, 1, ask, r->fp);
            len += got;
            if (got < ask) {
                if (ferror(r->fp))
                    return ffnn_error_set(err, FFNN_EIO, "%s: read error: %s", r->name,
                                          strerror(errno));
                r->eof = true;
            }
        }
        if (!r->started) {
            r->started = true;
            if (len >= 3 && memcmp(b->buf, "\xEF\xBB\xBF", 3) == 0) {
                memmove(b->buf, b->buf + 3, len - 3);
                len -= 3;
                r->consumed += 3;
                b->offset = 3;
            }
        }
        /* About want bytes: the last record ending within them, else the
         * first longer run of records that ends at all. */
        if (r->eof && len <= want) {
            end = len;
            break;
        }
        if ((end = last_record_end(b->buf, len < want ? len : want)) > 0 ||
            (len > want && (end = last_record_end(b->buf, len)) > 0))
            break;
        if (r->eof) {
            end = len;
            break;
        }
        /* One record longer than the block: read on. */
        if (b->cap > SIZE_MAX / 4 || !block_reserve(b, 2 * b->cap)) {
            b->len = len;
            return ffnn_error_nomem(err);
        }
        want = b->cap;
    }
    if (len > end) {
        if (len - end > r->carry_cap) {
            char *p = realloc(r->carry, len - end);
            if (!p)
                return ffnn_error_nomem(err);
            r->carry = p;
            r->carry_cap = len - end;
        }
        memcpy(r->carry, b->buf + end, len - end);
        r->carry_len = len - end;
    }
    b->len = end;
    b->lines = count_lines(b->buf, end);
    r->next_line += b->lines;
    r->consumed += (long long)end;
    return FFNN_OK;
}

/* ---- scanning a block --------------------------------------------------- */

/* Bytes that stop a run of ordinary field bytes: bit 1 outside quotes, bit 2
 * inside quotes. */
enum { STOP_UNQ = 1, STOP_Q = 2 };
static const unsigned char stop_class[256] = {
    [0] = STOP_UNQ | STOP_Q,   [','] = STOP_UNQ,          ['"'] = STOP_UNQ | STOP_Q,
    ['\r'] = STOP_UNQ | STOP_Q, ['\n'] = STOP_UNQ | STOP_Q,
};

void ffnn_csv_cursor_init(ffnn_csv_cursor *c, ffnn_csv_block *b, const char *name)
{
    c->p = b ? b->buf : NULL;
    c->end = b ? b->buf + b->len : NULL;
    c->line = c->rec_line = b ? b->line : 1;
    c->name = name;
    c->nf = 0;
}

/* Steps p over ordinary bytes of an unquoted field, up to e. */
static inline char *skip_unquoted(char *p, char *e)
{
    /* The first stop byte is the lowest set bit. */
    for (; FFNN_SWAR && p + 8 <= e; p += 8) {
        uint64_t w = swar_load(p);
        uint64_t stop = swar_eq(w, ',') | swar_eq(w, '"') | swar_eq(w, '\n') | swar_eq(w, '\r') |
                        swar_eq(w, 0);
        if (stop)
            return p + (__builtin_ctzll(stop) >> 3);
    }
    while (p < e && !(stop_class[(unsigned char)*p] & STOP_UNQ))
        p++;
    return p;
}

void ffnn_csv_cursor_release(ffnn_csv_cursor *c)
{
    if (!c)
        return;
    free(c->fields);
    c->fields = NULL;
    c->fcap = 0;
}

/* Adds field f to the record. */
static bool grow_fields(ffnn_csv_cursor *c)
{
    int cap = c->fcap ? c->fcap * 2 : 64;
    char **p = c->fcap < INT32_MAX / 2 ? realloc(c->fields, (size_t)cap * sizeof *p) : NULL;
    if (!p)
        return false;
    c->fields = p;
    c->fcap = cap;
    return true;
}

static inline bool push(ffnn_csv_cursor *c, char *f)
{
    if (c->nf == c->fcap && !grow_fields(c))
        return false;
    c->fields[c->nf++] = f;
    return true;
}

/* Steps over a line break at p (CR, LF or CRLF); returns the byte after it. */
static char *skip_break(ffnn_csv_cursor *c, char *p)
{
    c->line++;
    if (*p++ == '\r' && p < c->end && *p == '\n')
        p++;
    return p;
}

ffnn_status ffnn_csv_cursor_next(ffnn_csv_cursor *c, char ***fields, int *nfields,
                                 ffnn_error *err)
{
    char *p = c->p, *e = c->end;
    *nfields = 0;
    *fields = c->fields;
    c->nf = 0;
    while (p < e && (*p == '\n' || *p == '\r')) /* blank lines are skipped */
        p = skip_break(c, p);
    c->rec_line = c->line;
    if (p == e) {
        c->p = p;
        return FFNN_OK;
    }
    for (;;) {
        char *f = p, *o;
        if (*p != '"') {
            p = skip_unquoted(p, e);
            o = p;
        } else {
            /* Quoted: unescaped in place (o trails p), line breaks kept. */
            long qline = c->line;
            bool q_cr = false; /* the last byte kept was a CR */
            o = f;
            p++;
            for (;;) {
                char *s = p;
                while (p < e && !(stop_class[(unsigned char)*p] & STOP_Q))
                    p++;
                if (p > s) {
                    memmove(o, s, (size_t)(p - s));
                    o += p - s;
                    q_cr = false;
                }
                if (p == e)
                    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: unterminated quoted field",
                                          c->name, qline, c->nf + 1);
                char ch = *p++;
                if (ch == '"') {
                    if (p < e && *p == '"') {
                        *o++ = *p++;
                        q_cr = false;
                        continue;
                    }
                    break;
                }
                if (ch == '\0')
                    return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: NUL byte in input", c->name,
                                          c->line, c->nf + 1);
                if (ch == '\r' || !q_cr)
                    c->line++;
                q_cr = ch == '\r';
                *o++ = ch;
            }
            if (p < e && *p != ',' && *p != '\n' && *p != '\r')
                return ffnn_error_set(err, FFNN_EDATA, "%s:%ld:%d: text after closing quote",
                                      c->name, c->line, c->nf + 1);
        }
        if (p < e && (*p == '"' || *p == '\0'))
            return ffnn_error_set(err, FFNN_EDATA, *p == '"'
                                  ? "%s:%ld:%d: quote inside unquoted field"
                                  : "%s:%ld:%d: NUL byte in input", c->name, c->line, c->nf + 1);
        char *next = p;
        if (p == e)
            ; /* the block's spare byte takes the terminator */
        else if (*p == ',')
            next = p + 1;
        else
            next = skip_break(c, p);
        bool last = p == e || *p != ',';
        *o = '\0';
        if (!push(c, f))
            return ffnn_error_nomem(err);
        p = next;
        if (last) {
            c->p = p;
            *nfields = c->nf;
            *fields = c->fields;
            return FFNN_OK;
        }
        if (p == e) { /* a comma at the very end: one more, empty field */
            *p = '\0';
            if (!push(c, p))
                return ffnn_error_nomem(err);
            c->p = p;
            *nfields = c->nf;
            *fields = c->fields;
            return FFNN_OK;
        }
    }
}

void ffnn_csv_cursor_skip(ffnn_csv_cursor *c, char *next)
{
    c->rec_line = c->line;
    c->line += next > c->p && (next[-1] == '\n' || next[-1] == '\r');
    c->p = next;
    c->nf = 0;
}

/* ---- record at a time -------------------------------------------------- */

ffnn_status ffnn_csv_next(ffnn_csv_reader *r, char ***fields, int *nfields, ffnn_error *err)
{
    ffnn_status st;
    for (;;) {
        if (r->have_cur) {
            if ((st = ffnn_csv_cursor_next(&r->cur, fields, nfields, err)) || *nfields > 0)
                return st;
            r->have_cur = false;
        }
        if ((st = ffnn_csv_read_block(r, &r->blk, CSV_CHUNK, err)))
            return st;
        if (r->blk.len == 0) {
            *nfields = 0;
            *fields = r->cur.fields;
            return FFNN_OK;
        }
        ffnn_csv_cursor_init(&r->cur, &r->blk, r->name);
        r->have_cur = true;
    }
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

