/* Shared helpers for the Check suites.  Tests run with tests/data as the
 * working directory. */
#ifndef FFNN_TESTUTIL_H
#define FFNN_TESTUTIL_H

#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ffnn/json.h"

/* |a-b| <= tol * max(1, |a|, |b|) */
#define ck_assert_close(a, b, tol)                                                          \
    do {                                                                                     \
        double _a = (a), _b = (b), _t = (tol);                                               \
        double _m = fabs(_a) > fabs(_b) ? fabs(_a) : fabs(_b);                              \
        if (_m < 1) _m = 1;                                                                  \
        ck_assert_msg(fabs(_a - _b) <= _t * _m, "%s = %.17g, %s = %.17g (tol %g)", #a, _a,   \
                      #b, _b, _t);                                                           \
    } while (0)

/* The parsed JSON file at path (below tests/data, the working directory);
 * fails the test when it cannot be read or parsed.  cJSON_Delete it. */
static inline cJSON *test_json_file(const char *path)
{
    char *text = NULL;
    ffnn_error err;
    ck_assert_msg(ffnn_json_read_file(path, &text, &err) == FFNN_OK, "%s", err.msg);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s: not JSON", path);
    return j;
}

#endif
