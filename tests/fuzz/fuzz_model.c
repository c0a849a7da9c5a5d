/* Fuzzes the model file parser (ffnn_model_deserialize, what
 * ffnn_model_load runs on the file's bytes).  Mutated files nearly always
 * fail a SHA-256 check, so before parsing, the harness rewrites the header's
 * "ffnn.sha256" value to the true checksum of the data section and (version
 * 2) "ffnn.model_sha256" to that of the ffnn.model document: the fuzzer then
 * reaches the architecture JSON and the shape checks.  A model that loads is
 * summarised, run forward on one row, and serialised again. */
#include <cjson/cJSON.h>
#include "ffnn/model_io.h"
#include "fuzz.h"

/* Overwrites the 64-character string value of key in the header with hex. */
static void put_hex(unsigned char *hdr, uint64_t n, const char *key, const char hex[65])
{
    unsigned char *end = hdr + n;
    unsigned char *k = memmem(hdr, n, key, strlen(key));
    if (!k)
        return;
    unsigned char *p = k + strlen(key);
    while (p < end && (*p == ' ' || *p == ':'))
        p++;
    if (p + 66 > end || *p != '"' || p[65] != '"')
        return;
    memcpy(p + 1, hex, 64);
}

static void fix_checksums(unsigned char *buf, size_t size)
{
    if (size < 8)
        return;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    if (n > size - 8)
        return;
    char hex[65];
    cJSON *h = cJSON_ParseWithLength((const char *)buf + 8, (size_t)n);
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(h, "__metadata__"), "ffnn.model");
    if (cJSON_IsString(mt)) {
        ffnn_sha256_hex(mt->valuestring, strlen(mt->valuestring), hex);
        put_hex(buf + 8, n, "\"ffnn.model_sha256\"", hex);
    }
    cJSON_Delete(h);
    ffnn_sha256_hex(buf + 8 + n, size - 8 - n, hex);
    put_hex(buf + 8, n, "\"ffnn.sha256\"", hex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    fix_checksums(buf, size);
    ffnn_model *m;
    ffnn_error err;
    if (ffnn_model_deserialize(&m, buf, size, "fuzz.ffnn", &err) == 0) {
        ffnn_model_summary(m, fuzz_sink());
        ffnn_workspace *ws;
        if (ffnn_workspace_create(&ws, m, 1, &err) == 0) {
            float *x = calloc((size_t)m->n_in + 1, sizeof *x);
            float *p = calloc((size_t)ffnn_model_n_out(m) + 1, sizeof *p);
            if (!x || !p)
                abort();
            ffnn_model_predict(m, ws, x, 1, p);
            free(x);
            free(p);
            ffnn_workspace_destroy(ws);
        }
        unsigned char *out;
        size_t len;
        if (ffnn_model_serialize(m, &out, &len, &err) != 0) {
            fprintf(stderr, "a loaded model does not serialise: %s\n", err.msg);
            abort();
        }
        ffnn_model *m2;
        if (ffnn_model_deserialize(&m2, out, len, "again.ffnn", &err) != 0) {
            fprintf(stderr, "a re-serialised model does not load: %s\n", err.msg);
            abort();
        }
        ffnn_model_destroy(m2);
        free(out);
        ffnn_model_destroy(m);
    }
    free(buf);
    return 0;
}
