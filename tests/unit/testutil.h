/* Shared helpers for the Check suites.  Tests run with tests/data as the
 * working directory. */
#ifndef FFNN_TESTUTIL_H
#define FFNN_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* |a-b| <= tol * max(1, |a|, |b|) */
#define ck_assert_close(a, b, tol)                                                          \
    do {                                                                                     \
        double _a = (a), _b = (b), _t = (tol);                                               \
        double _m = fabs(_a) > fabs(_b) ? fabs(_a) : fabs(_b);                              \
        if (_m < 1) _m = 1;                                                                  \
        ck_assert_msg(fabs(_a - _b) <= _t * _m, "%s = %.17g, %s = %.17g (tol %g)", #a, _a,   \
                      #b, _b, _t);                                                           \
    } while (0)

#endif
