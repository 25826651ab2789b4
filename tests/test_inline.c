// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/*
 * test_inline - the inline allocation path of include/pacegc.h (issue 12).
 *
 *  1. It is the path taken: after a first (slow) allocation the thread's
 *     pgc__tl is set, and pgc_alloc(32) / pgc_alloc_atomic(32) pop exactly
 *     the lowest free bit of the class's cache and return base + bit * 32.
 *  2. Every size 0..256 from reused (dirty) memory: pgc_alloc zeroed, both
 *     kinds 16-byte aligned, pgc_size the class (size rounded up to 16),
 *     pgc_base the object; live objects never overlap (patterns checked).
 *  3. The address of pgc_alloc (the library's definition) works the same.
 *  4. A stop deferred inside the inline critical section: the thread sits
 *     "inside" it (in_lib = 1) while another thread's pgc_collect stops the
 *     world; the stop is deferred (stop_deferred seen set), and the next
 *     inline allocation honours it on leaving (stop_deferred cleared, the
 *     cycle completes, the object is good).
 *  5. Allocate-black: with marking held after pause #1, objects allocated
 *     inline (from the word blackened at pause #1 and from words taken by
 *     later refills) are all marked.
 *  6. pgc_thread_detach clears pgc__tl; the next allocation re-attaches.
 */
#include <pacegc.h>
#include "testhooks.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define N 2000

static void test_taken(void)
{
    (void)pgc_alloc(32);
    (void)pgc_alloc_atomic(32);
    CHECK(pgc__tl != NULL, "pgc__tl not set after the first allocations");
    for (int kind = 0; kind < 2; kind++) {
        struct pgc__cache *c = &pgc__tl->cache[kind][2];
        for (int i = 0; i < 100; i++) {
            uint64_t fb = c->free_bits;
            uintptr_t base = c->base;
            void *p = kind ? pgc_alloc_atomic(32) : pgc_alloc(32);
            if (fb == 0)
                continue; /* a refill: the slow path */
            CHECK((uintptr_t)p == base + (uintptr_t)__builtin_ctzll(fb) * 32,
                  "kind %d: %p is not the lowest free slot (base %#lx, free %#lx)", kind, p,
                  (unsigned long)base, (unsigned long)fb);
            CHECK(c->free_bits == (fb & (fb - 1)), "kind %d: free bits not popped", kind);
        }
    }
}

static unsigned char pat(size_t size, size_t i) { return (unsigned char)(size * 13 + i * 5 + 3); }

static void test_sizes(void)
{
    static unsigned char *objs[257], *atoms[257];
    for (int round = 0; round < 3; round++) {
        for (size_t s = 0; s <= 256; s++) {
            unsigned char *p = pgc_alloc(s), *a = pgc_alloc_atomic(s);
            size_t cls = s ? (s + 15) & ~(size_t)15 : 16;
            CHECK(p && a, "size %zu: NULL", s);
            CHECK(((uintptr_t)p & 15) == 0 && ((uintptr_t)a & 15) == 0, "size %zu: misaligned", s);
            CHECK(pgc_size(p) == cls && pgc_size(a) == cls, "size %zu: pgc_size %zu/%zu, want %zu", s,
                  pgc_size(p), pgc_size(a), cls);
            CHECK(pgc_base(p + cls - 1) == p && pgc_base(a) == a, "size %zu: pgc_base", s);
            for (size_t i = 0; i < cls; i++)
                CHECK(p[i] == 0, "size %zu round %d: byte %zu of a pgc_alloc object is %d", s, round, i, p[i]);
            memset(p, 0xff, cls); /* dirty for the next round, once swept */
            for (size_t i = 0; i < cls; i++)
                a[i] = pat(cls, i);
            objs[s] = p;
            atoms[s] = a;
        }
        for (size_t s = 0; s <= 256; s++) {
            size_t cls = s ? (s + 15) & ~(size_t)15 : 16;
            for (size_t i = 0; i < cls; i++)
                CHECK(atoms[s][i] == pat(cls, i) && objs[s][i] == 0xff, "size %zu: overwritten", s);
        }
        /* Garbage of the same classes, then collections, so the next round
         * reuses swept (dirty) slots. */
        for (int i = 0; i < N; i++)
            memset(pgc_alloc((size_t)(i % 257)), 0xff, (size_t)(i % 257));
        memset(objs, 0, sizeof objs);
        memset(atoms, 0, sizeof atoms);
        pgc_collect();
        pgc_collect();
    }
}

static void test_address(void)
{
    void *(*volatile f)(size_t) = pgc_alloc;
    void *(*volatile g)(size_t) = pgc_alloc_atomic;
    unsigned char *p = f(100), *q = g(100);
    CHECK(p && q && pgc_size(p) == 112 && pgc_size(q) == 112, "out-of-line definitions");
    for (int i = 0; i < 112; i++)
        CHECK(p[i] == 0, "out-of-line pgc_alloc not zeroed");
}

static atomic_int collected;
static void *collector(void *arg)
{
    (void)arg;
    pgc_collect();
    atomic_store(&collected, 1);
    return NULL;
}

static void test_deferred(void)
{
    (void)pgc_alloc(48);
    struct pgc__thread *t = pgc__tl;
    CHECK(t != NULL && t->in_lib == 0 && t->stop_deferred == 0, "not at rest");
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t gc0 = st.num_gc;
    t->in_lib = 1; /* as if stopped inside the inline path's critical section */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, collector, NULL) == 0, "pthread_create");
    while (!t->stop_deferred)
        usleep(100); /* until the stop signal arrives (an event: the flag its handler sets); usleep, not sched_yield: under TSan a signal is delivered only at an intercepted blocking call */
    CHECK(!atomic_load(&collected), "a cycle finished while a thread was inside a critical section");
    t->in_lib = 0;
    uint64_t *p = pgc_alloc(48); /* leaves the section with the stop deferred: parks */
    CHECK(t->stop_deferred == 0, "the deferred stop was not honoured");
    for (int i = 0; i < 6; i++)
        CHECK(p[i] == 0, "object not zeroed");
    CHECK(pthread_join(th, NULL) == 0, "join");
    CHECK(atomic_load(&collected), "collector did not finish");
    pgc_read_stats(&st);
    CHECK(st.num_gc >= gc0 + 1, "no cycle completed");
}

static void test_black(void)
{
    (void)pgc_alloc(64);
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
    CHECK(pgc__test_phase() == 2, "not marking");
    static void *keep[300];
    for (int i = 0; i < 300; i++) {
        keep[i] = pgc_alloc(64);
        CHECK(pgc__test_is_marked(keep[i]) == 1, "object %d allocated while marking is not black", i);
        void *a = pgc_alloc_atomic(200);
        CHECK(pgc__test_is_marked(a) == 1, "atomic object %d allocated while marking is not black", i);
    }
    pgc__test_release();
    pgc_collect();
    for (int i = 0; i < 300; i++)
        CHECK(pgc_base(keep[i]) == keep[i], "object %d lost", i);
}

static void *detacher(void *arg)
{
    (void)arg;
    CHECK(pgc__tl == NULL, "fresh thread has pgc__tl");
    uint64_t *p = pgc_alloc(16); /* attaches */
    p = pgc_alloc(16);
    CHECK(pgc__tl != NULL && p[0] == 0, "inline path not set up");
    pgc_thread_detach();
    CHECK(pgc__tl == NULL, "pgc__tl survives detach");
    p = pgc_alloc(16); /* attaches again */
    p = pgc_alloc(16);
    CHECK(p != NULL && pgc__tl != NULL && pgc_size(p) == 16, "allocation after detach");
    pgc_thread_detach();
    return NULL;
}

int main(void)
{
    pgc_init();
    test_taken();
    test_sizes();
    test_address();
    test_deferred();
    test_black();
    pthread_t th;
    CHECK(pthread_create(&th, NULL, detacher, NULL) == 0 && pthread_join(th, NULL) == 0, "detacher");
    printf("ok inline allocation path\n");
    return 0;
}
