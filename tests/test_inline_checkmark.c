// TEST-ENV: PGC_GOGC=off PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
/*
 * test_inline_checkmark - under gccheckmark every object has a spare byte
 * (DESIGN.md, Checkmark), which the inline path of include/pacegc.h does
 * not add: pgc__tl must stay NULL (INV-INLINE-TL), so every allocation goes
 * to the library. Asserts pgc__tl stays NULL, pgc_alloc(16) and
 * pgc_alloc_atomic(16) get the 32-byte class, pgc_alloc(256) a class above
 * 256, and a verified collection of a tree built that way keeps it whole.
 */
#include <pacegc.h>
#define PGC_TEST_NEED_TREE
#include "testutil.h"
#include "check.h"

int main(void)
{
    pgc_init();
    for (int i = 0; i < 10000; i++) {
        void *p = pgc_alloc(16), *a = pgc_alloc_atomic(16);
        CHECK(pgc_size(p) == 32 && pgc_size(a) == 32, "no spare byte: pgc_size %zu/%zu", pgc_size(p),
              pgc_size(a));
    }
    CHECK(pgc_size(pgc_alloc(256)) > 256, "no spare byte at 256");
    CHECK(pgc__tl == NULL, "pgc__tl set under gccheckmark");
    tree *t = build(12, 7);
    pgc_collect();
    CHECK(check_tree(t, 12, 7) != 0, "tree");
    CHECK(pgc__tl == NULL, "pgc__tl set under gccheckmark");
    printf("ok no inline allocation under gccheckmark\n");
    return 0;
}
