/* ffnn — JSON: the one printer every JSON text ffnn writes goes through, and
 * parsing with positioned messages (see json.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/num.h"
#include "ffnn/file.h"
#include "ffnn/json.h"

/* ---- writing ------------------------------------------------------------------ */

static void put(ffnn_json_writer *w, const char *s, size_t n)
{
    if (w->fp) {
        fwrite(s, 1, n, w->fp);
        return;
    }
    if (w->failed)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *ns = realloc(w->buf, cap);
        if (!ns) {
            w->failed = true;
            return;
        }
        w->buf = ns;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(ffnn_json_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void newline(ffnn_json_writer *w, int level)
{
    put(w, "\n", 1);
    for (int i = 0; i < w->indent * level; i++)
        put(w, " ", 1);
}

static bool in_flat(const ffnn_json_writer *w)
{
    return w->flat_depth > 0 && w->depth >= w->flat_depth;
}

/* What comes before a member of the open container: the comma, and in a
 * pretty container the line break and indentation.  Nothing before a value
 * that follows its key. */
static void separate(ffnn_json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    bool flat = in_flat(w);
    if (!w->first)
        puts_(w, w->indent && flat ? ", " : ",");
    if (w->indent && !flat)
        newline(w, w->depth);
    w->first = false;
}

/* A JSON string literal, escaped as cJSON escapes (UTF-8 passes through). */
static void put_string(ffnn_json_writer *w, const char *s)
{
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': puts_(w, "\\\""); break;
        case '\\': puts_(w, "\\\\"); break;
        case '\b': puts_(w, "\\b"); break;
        case '\f': puts_(w, "\\f"); break;
        case '\n': puts_(w, "\\n"); break;
        case '\r': puts_(w, "\\r"); break;
        case '\t': puts_(w, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                puts_(w, esc);
            } else {
                put(w, (const char *)p, 1);
            }
        }
    }
    put(w, "\"", 1);
}

void ffnn_json_writer_init(ffnn_json_writer *w, FILE *fp, int indent)
{
    memset(w, 0, sizeof *w);
    w->fp = fp;
    w->indent = indent < 0 ? 0 : indent;
    w->first = true;
}

char *ffnn_json_writer_text(ffnn_json_writer *w)
{
    char *s = w->failed ? NULL : w->buf;
    if (!s && !w->failed)
        s = strdup("");
    if (w->failed)
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    return s;
}

static void begin(ffnn_json_writer *w, const char *open, bool flat)
{
    separate(w);
    puts_(w, open);
    w->depth++;
    w->first = true;
    if (flat && w->flat_depth == 0)
        w->flat_depth = w->depth;
}

static void end(ffnn_json_writer *w, const char *close)
{
    if (w->indent && !in_flat(w) && !w->first)
        newline(w, w->depth - 1);
    puts_(w, close);
    if (w->flat_depth == w->depth)
        w->flat_depth = 0;
    w->depth--;
    w->first = false;
}

void ffnn_json_begin_object(ffnn_json_writer *w, bool flat)
{
    begin(w, "{", flat);
}

void ffnn_json_end_object(ffnn_json_writer *w)
{
    end(w, "}");
}

void ffnn_json_begin_array(ffnn_json_writer *w, bool flat)
{
    begin(w, "[", flat);
}

void ffnn_json_end_array(ffnn_json_writer *w)
{
    end(w, "]");
}

void ffnn_json_key(ffnn_json_writer *w, const char *key)
{
    separate(w);
    put_string(w, key);
    puts_(w, w->indent ? ": " : ":");
    w->after_key = true;
}

void ffnn_json_string(ffnn_json_writer *w, const char *s)
{
    separate(w);
    if (s)
        put_string(w, s);
    else
        puts_(w, "null");
}

void ffnn_json_number(ffnn_json_writer *w, double v)
{
    char num[32];
    separate(w);
    puts_(w, isfinite(v) ? ffnn_format_double(num, v) : "null");
}

void ffnn_json_float(ffnn_json_writer *w, float v)
{
    char num[32];
    separate(w);
    puts_(w, isfinite(v) ? ffnn_format_float(num, v) : "null");
}

void ffnn_json_int(ffnn_json_writer *w, long long v)
{
    char num[32];
    separate(w);
    snprintf(num, sizeof num, "%lld", v);
    puts_(w, num);
}

void ffnn_json_uint(ffnn_json_writer *w, unsigned long long v)
{
    char num[32];
    separate(w);
    snprintf(num, sizeof num, "%llu", v);
    puts_(w, num);
}

void ffnn_json_bool(ffnn_json_writer *w, bool v)
{
    separate(w);
    puts_(w, v ? "true" : "false");
}

void ffnn_json_null(ffnn_json_writer *w)
{
    separate(w);
    puts_(w, "null");
}

void ffnn_json_key_string(ffnn_json_writer *w, const char *key, const char *s)
{
    ffnn_json_key(w, key);
    ffnn_json_string(w, s);
}

void ffnn_json_key_number(ffnn_json_writer *w, const char *key, double v)
{
    ffnn_json_key(w, key);
    ffnn_json_number(w, v);
}

void ffnn_json_key_int(ffnn_json_writer *w, const char *key, long long v)
{
    ffnn_json_key(w, key);
    ffnn_json_int(w, v);
}

void ffnn_json_number_array(ffnn_json_writer *w, const double *v, long n)
{
    ffnn_json_begin_array(w, true);
    for (long i = 0; i < n; i++)
        ffnn_json_number(w, v[i]);
    ffnn_json_end_array(w);
}

void ffnn_json_string_array(ffnn_json_writer *w, char *const *v, long n)
{
    ffnn_json_begin_array(w, true);
    for (long i = 0; i < n; i++)
        ffnn_json_string(w, v[i]);
    ffnn_json_end_array(w);
}

static bool is_container(const cJSON *x)
{
    return cJSON_IsArray(x) || cJSON_IsObject(x);
}

void ffnn_json_tree(ffnn_json_writer *w, const cJSON *x)
{
    if (cJSON_IsNull(x) || cJSON_IsInvalid(x)) {
        ffnn_json_null(w);
    } else if (cJSON_IsFalse(x) || cJSON_IsTrue(x)) {
        ffnn_json_bool(w, cJSON_IsTrue(x));
    } else if (cJSON_IsNumber(x)) {
        ffnn_json_number(w, x->valuedouble);
    } else if (cJSON_IsRaw(x)) {
        separate(w);
        puts_(w, x->valuestring ? x->valuestring : "null");
    } else if (cJSON_IsString(x)) {
        ffnn_json_string(w, x->valuestring ? x->valuestring : "");
    } else if (cJSON_IsObject(x)) {
        ffnn_json_begin_object(w, false);
        for (const cJSON *c = x->child; c; c = c->next) {
            ffnn_json_key(w, c->string ? c->string : "");
            ffnn_json_tree(w, c);
        }
        ffnn_json_end_object(w);
    } else {
        bool flat = true; /* arrays of scalars stay on one line */
        for (const cJSON *c = x->child; c && flat; c = c->next)
            flat = !is_container(c);
        ffnn_json_begin_array(w, flat);
        for (const cJSON *c = x->child; c; c = c->next)
            ffnn_json_tree(w, c);
        ffnn_json_end_array(w);
    }
}

char *ffnn_json_print(const cJSON *item, int indent)
{
    ffnn_json_writer w;
    ffnn_json_writer_init(&w, NULL, indent);
    ffnn_json_tree(&w, item);
    return ffnn_json_writer_text(&w);
}

cJSON *ffnn_json_parse_len(const char *text, size_t len, const char **end,
                           bool require_null_terminated, bool *nomem)
{
    int saved = errno;
    errno = 0;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, end, require_null_terminated);
    if (nomem)
        *nomem = !root && errno == ENOMEM;
    if (root || errno != ENOMEM)
        errno = saved;
    return root;
}

bool ffnn_json_add(cJSON *object, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(object, key, item))
        return true;
    cJSON_Delete(item);
    return false;
}

/* ---- parsing ------------------------------------------------------------------ */

/* Does text stop inside a string, object or array? */
static bool ends_open(const char *s)
{
    long depth = 0;
    bool str = false, esc = false;
    for (; *s; s++) {
        if (str) {
            if (esc)
                esc = false;
            else if (*s == '\\')
                esc = true;
            else if (*s == '"')
                str = false;
        } else if (*s == '"') {
            str = true;
        } else if (*s == '{' || *s == '[') {
            depth++;
        } else if (*s == '}' || *s == ']') {
            depth--;
        }
    }
    return str || depth > 0;
}

ffnn_status ffnn_json_parse(const char *text, const char *name, cJSON **out, ffnn_error *err)
{
    const char *end = NULL;
    bool nomem;
    *out = ffnn_json_parse_len(text, strlen(text) + 1, &end, true, &nomem);
    if (*out)
        return FFNN_OK;
    if (nomem)
        return ffnn_error_nomem(err);
    if (!end || end < text)
        end = text;
    /* cJSON may point one past the byte it rejected ('{"a": 1,}' points at
     * the end, '{"a": 1,}\n' at the newline); it never stops at whitespace
     * otherwise.  Unless the text is cut short, point at the last character
     * before the whitespace instead. */
    bool eof = !*end && ends_open(text);
    if (!eof && (!*end || strchr(" \t\r\n", *end))) {
        while (end > text && strchr(" \t\r\n", end[-1]))
            end--;
        if (end > text)
            end--;
        while (end > text && ((unsigned char)*end & 0xC0) == 0x80)
            end--;
    }
    long line = 1, col = 1;
    for (const char *q = text; q < end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else if ((*q & 0xC0) != 0x80) {
            col++;
        }
    }
    if (eof || !*end)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s:%ld:%ld: invalid JSON: unexpected end of file",
                              name, line, col);
    char near[16];
    size_t k = 0;
    while (k < 12 && end[k] && (unsigned char)end[k] >= 0x20) {
        near[k] = end[k];
        k++;
    }
    near[k] = '\0';
    if (k)
        return ffnn_error_set(err, FFNN_ECONFIG, "%s:%ld:%ld: invalid JSON near \"%s\"", name, line,
                              col, near);
    return ffnn_error_set(err, FFNN_ECONFIG, "%s:%ld:%ld: invalid JSON", name, line, col);
}

ffnn_status ffnn_json_read_file(const char *path, char **text, ffnn_error *err)
{
    size_t len;
    *text = NULL;
    ffnn_status st = ffnn_file_read_max(path, FFNN_JSON_FILE_MAX, text, &len, err);
    if (st == FFNN_EDATA && err)
        err->status = st = FFNN_ECONFIG;
    if (!st && memchr(*text, '\0', len)) {
        st = ffnn_error_set(err, FFNN_ECONFIG, "%s: not a JSON text (contains a NUL byte)", path);
        free(*text);
        *text = NULL;
    }
    return st;
}
