// TEST-ENV: PGC_GOGC=off PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_kinds.c again with gccheckmark: every pause #2 re-marks the heap
 * stop-the-world through the same trace code and roots (uncollectable
 * objects included) and aborts on any object the concurrent mark missed. */
#include "test_kinds.c"
