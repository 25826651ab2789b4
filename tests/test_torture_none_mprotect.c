// TEST-ENV: PGC_BARRIER=none-mprotect PGCDEBUG=gccheckmark=1 TORTURE_ROUNDS=40000
// TEST-TIMEOUT: 120
/* test_torture.c in the barrier-free mode none-mprotect (issue 11): the same
 * 4 threads and mutations with plain stores and memmove instead of
 * pgc_store and pgc_copy, under gccheckmark (every mark termination
 * re-marks from the roots and aborts on an object the cycle missed). */
#include "test_torture.c"
