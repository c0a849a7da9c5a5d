/* ffnn — numbers in the C locale, whatever the user's locale: exact parsing
 * of decimal text and the shortest text that reads back as the same number.
 * No allocation on the common paths; thread-safe. */
#ifndef FFNN_NUM_H
#define FFNN_NUM_H

#include <stdbool.h>

/* Parses a whole field as a finite decimal number: optional sign, digits,
 * optional fraction, optional exponent; surrounding spaces/tabs allowed.
 * Underflow gives 0 or a subnormal, as strtod does.  Rejects
 * hex floats, inf, nan and trailing garbage.  Exact (identical to strtod in
 * the C locale) with a fast path for ≤19 significant digits and |exp10| ≤ 22.
 * Returns false if s is not such a number or overflows to infinity. */
bool ffnn_parse_double(const char *s, double *out);

/* Formats a float so it round-trips (shortest of %.6g..%.9g that reads back
 * equal); buf needs 32 bytes.  Returns buf. */
char *ffnn_format_float(char *buf, float v);
/* Same for double (%.15g..%.17g). */
char *ffnn_format_double(char *buf, double v);

#endif
