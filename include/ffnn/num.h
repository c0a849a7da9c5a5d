/* ffnn — numbers in the C locale, whatever the user's locale: exact parsing
 * of decimal text and the shortest text that reads back as the same number.
 * No allocation on the common paths; thread-safe. */
#ifndef FFNN_NUM_H
#define FFNN_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole field as a finite decimal number: optional sign, digits,
 * optional fraction, optional exponent; surrounding spaces/tabs allowed.
 * Underflow gives 0 or a subnormal, as strtod does.  Rejects
 * hex floats, inf, nan and trailing garbage.  Exact (identical to strtod in
 * the C locale) with a fast path for ≤19 significant digits and |exp10| ≤ 22.
 * Returns false if s is not such a number or overflows to infinity. */
bool ffnn_parse_double(const char *s, double *out);

/* 10^0 .. 10^22, each exact in double. */
extern const double ffnn_num_pow10[23];

/* What ffnn_parse_double returns for a decimal with the digits m, nf of them
 * after the point, and a sign: ±m / 10^nf correctly rounded (m and 10^nf
 * are exact, so one division is).  For m <= 2^53 and 0 <= nf <= 22. */
static inline double ffnn_num_decimal(uint64_t m, int nf, bool neg)
{
    double v = (double)m / ffnn_num_pow10[nf];
    return neg ? -v : v;
}

/* Formats a float so it round-trips (shortest of %.6g..%.9g that reads back
 * equal); buf needs 32 bytes.  Returns buf. */
char *ffnn_format_float(char *buf, float v);
/* The same, returning the length written. */
size_t ffnn_format_float_len(char *buf, float v);
/* Same for double (%.15g..%.17g). */
char *ffnn_format_double(char *buf, double v);

#endif
