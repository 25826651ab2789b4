// TEST-TIMEOUT: 120
/* Allocation: every size from 1 to 64 KiB and some large ones: 16-byte
 * alignment, zeroed memory, no overlap between live objects (fill patterns
 * and check), interior-pointer lookups, size classes within 12.5%, and
 * realloc of both kinds. */
#include "check.h"
#include "pacegc.h"

#include <stdint.h>
#include <string.h>

#define MAXS (64 * 1024)

static void *objs[MAXS + 1];
static void *atoms[MAXS + 1];

static unsigned char pat(size_t size, size_t i) { return (unsigned char)(size * 31 + i * 7 + 1); }

static void fill(void *p, size_t size)
{
    unsigned char *b = p;
    for (size_t i = 0; i < size; i++)
        b[i] = pat(size, i);
}

static void verify(void *p, size_t size)
{
    unsigned char *b = p;
    for (size_t i = 0; i < size; i++)
        CHECK(b[i] == pat(size, i), "object of %zu bytes at %p overwritten at byte %zu", size, p, i);
}

static void check_fresh(void *p, size_t size, int zeroed)
{
    CHECK(p != NULL, "allocation of %zu returned NULL", size);
    CHECK(((uintptr_t)p & 15) == 0, "object %p of %zu bytes not 16-byte aligned", p, size);
    CHECK(pgc_size(p) >= size, "pgc_size(%p) = %zu < request %zu", p, pgc_size(p), size);
    if (size <= 32768 && size > 16) {
        size_t r = (size + 15) & ~(size_t)15;
        CHECK(pgc_size(p) - r <= pgc_size(p) / 8, "class %zu wastes more than 12.5%% of a %zu request",
              pgc_size(p), size);
    }
    if (zeroed) {
        const uint64_t *w = p;
        for (size_t i = 0; i < pgc_size(p) / 8; i++)
            CHECK(w[i] == 0, "pgc_alloc(%zu) not zeroed at word %zu", size, i);
    }
    CHECK(pgc_base((char *)p + size / 2) == p, "interior pointer +%zu of %p maps to %p", size / 2, p,
          pgc_base((char *)p + size / 2));
    CHECK(pgc_base((char *)p + pgc_size(p) - 1) == p, "last byte of %p maps elsewhere", p);
}

int main(void)
{
    pgc_init();
    pgc_add_roots(objs, sizeof objs);
    pgc_add_roots(atoms, sizeof atoms);
    for (int round = 0; round < 2; round++) {
        /* round 0: every size; round 1 (dirty memory): all up to 4 KiB, then a sample */
        for (size_t s = 1; s <= MAXS; s += (round && s > 4096) ? 61 : 1) {
            objs[s] = pgc_alloc(s);
            check_fresh(objs[s], s, 1);
            fill(objs[s], s);
            if (s % 7 == 0) {
                atoms[s] = pgc_alloc_atomic(s);
                check_fresh(atoms[s], s, 0);
                fill(atoms[s], s);
            }
        }
        pgc_collect();
        for (size_t s = 1; s <= MAXS; s++) {
            if (objs[s])
                verify(objs[s], s);
            if (atoms[s])
                verify(atoms[s], s);
        }
        /* drop everything: the next round must reuse (dirty) memory and still zero it */
        memset(objs, 0, sizeof objs);
        memset(atoms, 0, sizeof atoms);
        pgc_collect();
    }
    /* large objects */
    size_t larges[] = { 65537, 100000, 1 << 20, (3 << 20) + 5, 50 << 20 };
    void *lp[5];
    for (int i = 0; i < 5; i++) {
        lp[i] = pgc_alloc(larges[i]);
        check_fresh(lp[i], larges[i], 1);
        fill(lp[i], larges[i]);
    }
    pgc_collect();
    for (int i = 0; i < 5; i++)
        verify(lp[i], larges[i]);
    /* realloc keeps contents and kind */
    char *r = pgc_alloc(10);
    memcpy(r, "abcdefghi", 10);
    r = pgc_realloc(r, 100000);
    CHECK(memcmp(r, "abcdefghi", 10) == 0 && r[50000] == 0, "realloc grow lost contents or did not zero");
    r = pgc_realloc(r, 20);
    CHECK(memcmp(r, "abcdefghi", 10) == 0, "realloc shrink lost contents");
    char *a = pgc_alloc_atomic(40);
    memcpy(a, "atomic", 7);
    a = pgc_realloc(a, 5000);
    CHECK(strcmp(a, "atomic") == 0, "realloc of atomic object lost contents");
    CHECK(pgc_realloc(NULL, 32) != NULL, "realloc(NULL) must allocate");
    pgc_stats st;
    pgc_read_stats(&st);
    CHECK(st.num_gc >= 5 && st.total_alloc > (64ull << 20), "stats: num_gc %llu total_alloc %llu",
          (unsigned long long)st.num_gc, (unsigned long long)st.total_alloc);
    printf("ok: sizes 1..%d, 5 large, realloc; %llu cycles\n", MAXS, (unsigned long long)st.num_gc);
    return 0;
}
