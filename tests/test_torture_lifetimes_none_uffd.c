// TEST-ENV: PGC_BARRIER=none-uffd PGCDEBUG=gccheckmark=1 TORTURE_LIFETIMES=1 TORTURE_ROUNDS=40000
// TEST-TIMEOUT: 120
/* test_torture.c's lifetimes mode in the barrier-free mode none-uffd, with
 * plain stores: ephemerons, weak links to finalizable objects (ordered and
 * unordered: INV-LIFE-UNORDERED) that resurrect themselves, and ephemeron
 * chains, under gccheckmark. */
#include "test_torture.c"
