// TEST-TIMEOUT: 90
// TEST-TSAN: yes
// TEST-ENV: PGCDEBUG=gctrace=1
/*
 * test_time_stats - issue 12 part A: the counters of where the collector's
 * time goes (pgc_stats sweep_ns_total, sweep_lazy_ns_total, coord_ns_total,
 * dedicated/fractional_mark_ns_total) and the split of each cycle's marked
 * bytes (pgc_cycle_info heap_traced + heap_black == heap_marked).
 *
 * Forced state: a cycle is held in MARK (PGC_TEST_AFTER_ROOTS) while this
 * thread allocates a known number of bytes, all allocated black; the
 * cycle's heap_black must be those bytes (exact: one size class, the
 * slots a cache blackened but never used are taken off at pause #2), and
 * heap_traced the live set reached from the roots.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <sched.h>
#include <stdint.h>

#define OBJ 64                      /* a size class: no rounding */
#define BLACK_OBJS (128u << 10)     /* 8 MiB allocated black */
#define LIVE_OBJS 4096              /* 1 MiB (x 256 B) kept live across the cycles */

void *pgc_test_live[LIVE_OBJS]; /* a root (extern: not optimised away), scanned with the data segment */

static uint64_t span_slack(void) { return 8u << 10; } /* a span (one 8 KiB page) */

int main(void)
{
    pgc_init();
    pgc_set_gc_percent(-1); /* only forced cycles; no assists */
    for (int i = 0; i < LIVE_OBJS; i++)
        pgc_test_live[i] = pgc_alloc(256);
    /* garbage for the sweeps to free: 32 MiB of small objects */
    for (int i = 0; i < (32 << 20) / OBJ; i++)
        (void)pgc_alloc(OBJ);
    pgc_collect();
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    printf("sweep %llu ns (lazy %llu), coordinator %llu ns, workers %llu = %llu dedicated + %llu fractional\n",
           (unsigned long long)st.sweep_ns_total, (unsigned long long)st.sweep_lazy_ns_total,
           (unsigned long long)st.coord_ns_total, (unsigned long long)st.bg_mark_ns_total,
           (unsigned long long)st.dedicated_mark_ns_total, (unsigned long long)st.fractional_mark_ns_total);
    CHECK(st.sweep_ns_total > 0, "cycles freed 32 MiB of garbage, yet no sweep time was counted");
    CHECK(st.sweep_lazy_ns_total <= st.sweep_ns_total, "lazy sweep time %llu above the total %llu",
          (unsigned long long)st.sweep_lazy_ns_total, (unsigned long long)st.sweep_ns_total);
    CHECK(st.coord_ns_total > 0, "two cycles, yet no coordinator CPU outside pauses");

    /* Workers account a slice after it ends: once no cycle runs, the split
     * adds up to the total (a worker may still be adding its last slice). */
    for (int tries = 0;; tries++) {
        pgc_read_stats(&st);
        if (st.dedicated_mark_ns_total + st.fractional_mark_ns_total == st.bg_mark_ns_total)
            break;
        CHECK(tries < 1000000, "dedicated %llu + fractional %llu != bg_mark_ns_total %llu",
              (unsigned long long)st.dedicated_mark_ns_total, (unsigned long long)st.fractional_mark_ns_total,
              (unsigned long long)st.bg_mark_ns_total);
        sched_yield();
    }

    /* A cycle held in MARK while this thread allocates BLACK_OBJS x OBJ. */
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
    CHECK(pgc__test_phase() == 2, "the held cycle should be marking");
    for (unsigned i = 0; i < BLACK_OBJS; i++)
        (void)pgc_alloc(OBJ);
    pgc_read_stats(&st);
    uint64_t n0 = st.num_gc;
    pgc__test_release();
    while (pgc_read_stats(&st), st.num_gc == n0)
        sched_yield();
    pgc_cycle_info ci;
    CHECK(pgc_read_cycle(n0 + 1, &ci) == 0, "cycle record");
    uint64_t black = (uint64_t)BLACK_OBJS * OBJ;
    printf("cycle %llu: marked %llu = traced %llu + black %llu (allocated while marking: %llu)\n",
           (unsigned long long)ci.cycle, (unsigned long long)ci.heap_marked,
           (unsigned long long)ci.heap_traced, (unsigned long long)ci.heap_black, (unsigned long long)black);
    CHECK(ci.heap_traced + ci.heap_black == ci.heap_marked, "traced %llu + black %llu != marked %llu",
          (unsigned long long)ci.heap_traced, (unsigned long long)ci.heap_black,
          (unsigned long long)ci.heap_marked);
    CHECK_RANGE(ci.heap_black, black, black + span_slack(), "black bytes %llu, allocated while marking %llu",
                (unsigned long long)ci.heap_black, (unsigned long long)black);
    /* traced: the live set (and the small objects the library itself keeps) */
    CHECK_RANGE(ci.heap_traced, (uint64_t)LIVE_OBJS * 256, (uint64_t)LIVE_OBJS * 256 + (1u << 20),
                "traced %llu, live set %llu", (unsigned long long)ci.heap_traced,
                (unsigned long long)LIVE_OBJS * 256);

    /* The next cycle traces those black objects: they are garbage now, and
     * nothing is allocated black. */
    pgc_collect();
    pgc_read_stats(&st);
    CHECK(pgc_read_cycle(st.num_gc, &ci) == 0, "cycle record");
    CHECK(ci.heap_black <= span_slack(), "nothing allocated while marking, yet %llu bytes black",
          (unsigned long long)ci.heap_black);
    CHECK(ci.heap_traced + ci.heap_black == ci.heap_marked, "traced + black != marked");
    return 0;
}
