/* ffnn — eight bytes at a time in a 64-bit word (SIMD within a register),
 * for the text scanners.  Not installed.  Little-endian machines only: the
 * callers keep a byte loop for others (and for the last bytes of a buffer,
 * since these read 8 bytes). */
#ifndef FFNN_SWAR_H
#define FFNN_SWAR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FFNN_SWAR 1
#else
#define FFNN_SWAR 0
#endif

static inline uint64_t swar_load(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* The high bit of each byte set where w holds byte b, exactly (no false
 * positives from borrows). */
static inline uint64_t swar_eq(uint64_t w, unsigned char b)
{
    const uint64_t low7 = UINT64_C(0x7F7F7F7F7F7F7F7F);
    uint64_t x = w ^ (UINT64_C(0x0101010101010101) * b);
    return ~(((x & low7) + low7) | x | low7);
}

/* How many of the 8 bytes at p are decimal digits before the first that is
 * not (0..8), and their value as a number (first digit most significant). */
static inline int swar_digits(const char *p, uint64_t *val)
{
    uint64_t w = swar_load(p);
    uint64_t hi = swar_eq(w & UINT64_C(0xF0F0F0F0F0F0F0F0), 0x30);
    uint64_t lo = swar_eq(((w & UINT64_C(0x0F0F0F0F0F0F0F0F)) + UINT64_C(0x0606060606060606)) &
                              UINT64_C(0xF0F0F0F0F0F0F0F0), 0);
    uint64_t non = ~(hi & lo) & UINT64_C(0x8080808080808080);
    int k = non ? __builtin_ctzll(non) >> 3 : 8;
    if (k == 0) {
        *val = 0;
        return 0;
    }
    /* Digits as byte values, the k first moved to the top (borrows from
     * the bytes after them only run further up, out of the word); then
     * pairs, quads and the eight combined by multiplication. */
    uint64_t x = (w - UINT64_C(0x3030303030303030)) << (8 * (8 - k));
    x = x * 10 + (x >> 8);
    x = (((x & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
         (((x >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >> 32;
    *val = x;
    return k;
}

static inline uint64_t swar_pow10(int n)
{
    static const uint64_t p[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    return p[n];
}

/* The common short decimal "[-]D[.F]" at p: D 1 to 7 digits, F 1 to 7
 * (the fraction eight bytes at a time), with at least 17 bytes readable
 * from p.  Sets *m to all its digits as an integer, *nf to how many follow
 * the point, *neg, and *lead0 when D has a leading zero ("07"); returns the
 * byte after it, or NULL for anything else (which the caller parses the
 * general way). */
static inline const char *swar_decimal(const char *p, uint64_t *m, int *nf, bool *neg,
                                       bool *lead0)
{
    uint64_t v, frac;
    *neg = *p == '-';
    p += *neg;
    if (*p < '0' || *p > '9')
        return NULL;
    *lead0 = *p == '0' && p[1] >= '0' && p[1] <= '9';
    v = (uint64_t)(*p++ - '0');
    for (int k = 1; *p >= '0' && *p <= '9'; p++) {
        if (++k == 8)
            return NULL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *nf = 0;
    if (*p == '.') {
        int n;
        if (!FFNN_SWAR || (n = swar_digits(p + 1, &frac)) == 0 || n == 8)
            return NULL;
        p += 1 + n;
        v = v * swar_pow10(n) + frac;
        *nf = n;
    }
    *m = v;
    return p;
}

#endif
