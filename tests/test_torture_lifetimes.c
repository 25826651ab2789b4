// TEST-ENV: PGCDEBUG=gccheckmark=1 TORTURE_LIFETIMES=1
// TEST-TIMEOUT: 180
// TEST-TSAN: yes
/* test_torture.c in its lifetimes mode (TORTURE_LIFETIMES=1, set by the
 * runner): 4 threads churn weak-keyed tables of ephemerons, weak links to
 * finalizable objects whose finalizers resurrect and re-register them, and
 * ephemeron chains, under gccheckmark. */
#include "test_torture.c"
