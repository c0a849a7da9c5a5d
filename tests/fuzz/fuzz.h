/* ffnn — helpers shared by the libFuzzer harnesses (tests/fuzz/README). */
#ifndef FFNN_FUZZ_H
#define FFNN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (the JSON parsers take text); an
 * embedded NUL simply ends it early, as it would when read from a file. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The input as a read-only stream.  fmemopen cannot open a zero-length
 * buffer in every libc, so an empty input is an empty tmpfile-free stream
 * over a one-byte buffer of which zero bytes are readable. */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size)
{
    static char empty[1];
    FILE *fp = size ? fmemopen((void *)data, size, "r") : fmemopen(empty, 1, "r");
    if (!fp)
        abort();
    if (!size)
        fgetc(fp); /* consume the one byte: the stream is at end of file */
    return fp;
}

/* Output the harness throws away (reports, SVG, summaries). */
static inline FILE *fuzz_sink(void)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    return sink;
}

#endif
