// TEST-TIMEOUT: 90
// TEST-TSAN: yes
/*
 * test_detach_black - issue 8, defect 6: the bytes a thread allocated black
 * are counted once when it detaches during marking, even when pause #2 runs
 * while the detaching thread is still on the thread list.
 *
 * Forced interleaving: a cycle is held in MARK (PGC_TEST_AFTER_ROOTS); a
 * thread allocates 16 MiB (black) and detaches; it is held at
 * PGC_TEST_DETACH_UNLISTED (caches given back, still listed); the cycle is
 * released and finishes; the cycle's marked bytes must count the 16 MiB
 * once (before the fix: twice).
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <sched.h>

#define BLACK_BYTES ((size_t)16 << 20)

static void *black_main(void *arg)
{
    (void)arg;
    pgc_thread_attach();
    void **keep = pgc_alloc(sizeof(void *) * 4096);
    for (size_t i = 0; i < BLACK_BYTES / 4096; i++) {
        void *p = pgc_alloc_atomic(4096 - 16);
        if (i < 4096)
            keep[i % 4096] = p; /* plain store over NULL: no barrier needed */
    }
    pgc_thread_detach(); /* held at PGC_TEST_DETACH_UNLISTED */
    return NULL;
}

int main(void)
{
    pgc_init();
    pgc_set_gc_percent(-1); /* only forced cycles; no assists */
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t base = st.heap_marked;

    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
    CHECK(pgc__test_phase() == 2, "the held cycle should be marking");

    pgc__test_hold_at(PGC_TEST_DETACH_UNLISTED);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, black_main, NULL) == 0, "create");
    pgc__test_wait_held_at(PGC_TEST_DETACH_UNLISTED);

    pgc_read_stats(&st);
    uint64_t n0 = st.num_gc;
    pgc__test_release_at(PGC_TEST_AFTER_ROOTS);
    while (pgc_read_stats(&st), st.num_gc == n0)
        sched_yield(); /* the cycle ends with the detaching thread held */
    pgc_cycle_info ci;
    CHECK(pgc_read_cycle(n0 + 1, &ci) == 0, "cycle record");
    pgc__test_release();
    CHECK(pthread_join(t, NULL) == 0, "join");

    printf("marked before %llu, with 16 MiB allocated black %llu\n", (unsigned long long)base,
           (unsigned long long)ci.heap_marked);
    CHECK(ci.heap_marked >= base + BLACK_BYTES - (1 << 20),
          "black bytes of the detached thread not counted: %llu", (unsigned long long)ci.heap_marked);
    CHECK(ci.heap_marked <= base + BLACK_BYTES + (2 << 20),
          "black bytes counted twice: %llu marked, expected about %llu",
          (unsigned long long)ci.heap_marked, (unsigned long long)(base + BLACK_BYTES));
    return 0;
}
