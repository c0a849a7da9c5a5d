/* ffnn — the reproducible JSON printer every ffnn JSON output goes through
 * (see json.h). */
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

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_indent(sbuf *b, int n)
{
    sb_put(b, "\n", 1);
    for (int i = 0; i < n; i++)
        sb_put(b, " ", 1);
}

/* A JSON string literal, escaped as cJSON escapes (UTF-8 passes through). */
static void sb_json_string(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': sb_str(b, "\\\""); break;
        case '\\': sb_str(b, "\\\\"); break;
        case '\b': sb_str(b, "\\b"); break;
        case '\f': sb_str(b, "\\f"); break;
        case '\n': sb_str(b, "\\n"); break;
        case '\r': sb_str(b, "\\r"); break;
        case '\t': sb_str(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                sb_str(b, esc);
            } else {
                sb_put(b, (const char *)p, 1);
            }
        }
    }
    sb_put(b, "\"", 1);
}

static bool is_container(const cJSON *x)
{
    return cJSON_IsArray(x) || cJSON_IsObject(x);
}

static void print_item(sbuf *b, const cJSON *x, int indent, int depth)
{
    char num[32];
    if (cJSON_IsNull(x) || cJSON_IsInvalid(x)) {
        sb_str(b, "null");
    } else if (cJSON_IsFalse(x)) {
        sb_str(b, "false");
    } else if (cJSON_IsTrue(x)) {
        sb_str(b, "true");
    } else if (cJSON_IsNumber(x)) {
        sb_str(b, isfinite(x->valuedouble) ? ffnn_format_double(num, x->valuedouble) : "null");
    } else if (cJSON_IsRaw(x)) {
        sb_str(b, x->valuestring ? x->valuestring : "null");
    } else if (cJSON_IsString(x)) {
        sb_json_string(b, x->valuestring);
    } else {
        bool obj = cJSON_IsObject(x);
        bool flat = !obj;  /* arrays of scalars stay on one line */
        for (const cJSON *c = x->child; c && flat; c = c->next)
            flat = !is_container(c);
        sb_str(b, obj ? "{" : "[");
        for (const cJSON *c = x->child; c; c = c->next) {
            if (indent && !flat)
                sb_indent(b, indent * (depth + 1));
            if (obj) {
                sb_json_string(b, c->string);
                sb_str(b, indent ? ": " : ":");
            }
            print_item(b, c, indent, depth + 1);
            if (c->next)
                sb_str(b, indent && flat ? ", " : ",");
        }
        if (indent && !flat && x->child)
            sb_indent(b, indent * depth);
        sb_str(b, obj ? "}" : "]");
    }
}

char *ffnn_json_print(const cJSON *item, int indent)
{
    sbuf b = {0};
    print_item(&b, item, indent < 0 ? 0 : indent, 0);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
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
