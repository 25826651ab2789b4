/* check.h - the tiny assertion kit every test program uses.
 * CHECK(cond, fmt, ...) prints where and why, then exits 1. A test passes by
 * returning 0 from main. */
#ifndef PGC_TEST_CHECK_H
#define PGC_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, \
                    #cond);                                                  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

/* assertInEpsilon of Go's pacer tests: b - e <= a <= b + e. */
#define CHECK_NEAR(a, b, e, ...)                                             \
    CHECK((double)(a) >= (double)(b) - (double)(e) &&                        \
              (double)(a) <= (double)(b) + (double)(e), __VA_ARGS__)
/* assertInRange: lo <= a <= hi. */
#define CHECK_RANGE(a, lo, hi, ...)                                          \
    CHECK((double)(a) >= (double)(lo) && (double)(a) <= (double)(hi), __VA_ARGS__)

#endif
