/* testutil.h - small helpers shared by the collector tests. */
#ifndef PGC_TEST_UTIL_H
#define PGC_TEST_UTIL_H
#include <stdint.h>

/* splitmix64's finaliser: a well-mixed 64-bit hash of x (checksums, salts). */
static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

#endif
