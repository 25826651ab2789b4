// TEST-TIMEOUT: 120
// TEST-TSAN: no
/*
 * After Go's test/init1.go (gc-notes Part 2, 6.3) and the overshoot Go's
 * commit 8f34b253 fixed: a tiny reachable heap (about 1 MiB of small scanned
 * nodes) while a loop allocates 1000 pointer-free 1 MiB objects and keeps
 * only the newest. Nearly everything allocated is garbage and there is
 * little to mark, so each cycle has long stretches with no work: assists
 * must still hold allocation back instead of returning in debt.
 *
 * Asserts:
 *  - heap_sys grows by less than 50 MiB over the loop (Go's bound);
 *  - num_gc advances;
 *  - every cycle that finished during the loop (pgc_read_cycle) has
 *    heap_alloc_peak <= 1.10 x heap_goal (Go's maxOvershoot);
 *  - the live structure is intact at the end, and so is the newest chunk.
 * Prints the heap_sys growth and the largest peak/goal ratio.
 */
#include "check.h"
#include "pacegc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20)
#define NCHUNKS 1000
#define NODE_BYTES 64
#define NNODES ((1u << 20) / NODE_BYTES) /* about 1 MiB live */

typedef struct node {
    struct node *next;
    uint64_t id;
    uint64_t check;
    uint64_t pad[5];
} node;

_Static_assert(sizeof(node) == NODE_BYTES, "node is 64 bytes");

/* Globals are roots (the data segment is scanned). */
static node *live_head;
static unsigned char *newest;

static uint64_t node_check(uint64_t id) { return id * 0x9e3779b97f4a7c15ull ^ 0x5bd1e995u; }

static void build_live(void)
{
    for (uint64_t i = 0; i < NNODES; i++) {
        node *n = pgc_alloc(sizeof *n);
        CHECK(n != NULL, "pgc_alloc(%zu) returned NULL", sizeof *n);
        n->id = i;
        n->check = node_check(i);
        /* n is fresh (its next slot is NULL): a plain store needs no barrier;
         * live_head is a global root: no barrier either. */
        n->next = live_head;
        live_head = n;
    }
}

static void verify_live(void)
{
    uint64_t count = 0, expect = NNODES;
    for (node *n = live_head; n; n = n->next) {
        expect--;
        CHECK(n->id == expect && n->check == node_check(n->id),
              "live node %llu corrupted: id %llu check %llx (expected id %llu)",
              (unsigned long long)count, (unsigned long long)n->id, (unsigned long long)n->check,
              (unsigned long long)expect);
        count++;
    }
    CHECK(count == NNODES, "live list has %llu nodes, expected %u", (unsigned long long)count, NNODES);
}

/* Per-cycle overshoot, read as cycles finish so none falls out of the
 * 256-entry ring. Polls pgc_read_cycle rather than pgc_read_stats: cheaper,
 * and it takes no lock the collector needs while the world is stopped. */
static uint64_t next_cycle; /* first cycle not yet examined */
static uint64_t checked, worst;
static double max_ratio;
static pgc_cycle_info worst_ci;

static void scan_cycles(void)
{
    pgc_cycle_info ci;
    while (pgc_read_cycle(next_cycle, &ci) == 0) {
        CHECK(ci.cycle == next_cycle, "pgc_read_cycle(%llu) returned cycle %llu",
              (unsigned long long)next_cycle, (unsigned long long)ci.cycle);
        CHECK(ci.heap_goal > 0, "cycle %llu has heap_goal 0", (unsigned long long)next_cycle);
        checked++;
        double r = (double)ci.heap_alloc_peak / (double)ci.heap_goal;
        if (r > max_ratio) {
            max_ratio = r;
            worst = next_cycle;
            worst_ci = ci;
        }
        next_cycle++;
    }
}

static double mib(uint64_t b) { return (double)b / (1 << 20); }

int main(void)
{
    pgc_init();
    build_live();
    pgc_collect(); /* settle: the loop starts from a swept heap */

    pgc_stats s0, s1;
    pgc_read_stats(&s0);
    uint64_t gc0 = s0.num_gc;
    next_cycle = gc0 + 1; /* cycles that start during the loop */

    for (int i = 0; i < NCHUNKS; i++) {
        unsigned char *p = pgc_alloc_atomic(CHUNK);
        CHECK(p != NULL, "pgc_alloc_atomic(1 MiB) returned NULL at chunk %d", i);
        /* init1.go copies a 1 MiB string into each new slice: touch it all. */
        memset(p, (int)(i & 0xff), CHUNK);
        newest = p;
        scan_cycles();
    }

    pgc_read_stats(&s1);
    uint64_t gc1 = s1.num_gc;
    scan_cycles();
    CHECK(next_cycle == gc1 + 1, "read cycles up to %llu, but num_gc is %llu", (unsigned long long)next_cycle - 1,
          (unsigned long long)gc1);
    double grow_mib = mib(s1.heap_sys) - mib(s0.heap_sys);

    printf("init1: %d chunks of %zu bytes; heap_sys %.1f MiB -> %.1f MiB (grew %.1f MiB); num_gc %llu -> %llu; "
           "%llu cycles checked\n",
           NCHUNKS, CHUNK, mib(s0.heap_sys), mib(s1.heap_sys), grow_mib, (unsigned long long)gc0,
           (unsigned long long)gc1, (unsigned long long)checked);
    printf("init1: max heap_alloc_peak/heap_goal %.3f (cycle %llu: peak %.2f MiB, goal %.2f MiB, "
           "heap_live at start %.2f MiB, at mark end %.2f MiB, marked %.2f MiB, blocked %.2f ms)\n",
           max_ratio, (unsigned long long)worst, mib(worst_ci.heap_alloc_peak), mib(worst_ci.heap_goal),
           mib(worst_ci.heap_trigger), mib(worst_ci.heap_live_end), mib(worst_ci.heap_marked),
           (double)worst_ci.blocked_ns / 1e6);
    printf("init1: assist %.1f ms, assist blocked %.1f ms, heap_alloc_peak ever %.1f MiB\n",
           (double)s1.assist_ns_total / 1e6, (double)s1.assist_blocked_ns_total / 1e6, mib(s1.heap_alloc_peak));

    CHECK(gc1 > gc0, "num_gc did not advance: %llu -> %llu after allocating %d MiB", (unsigned long long)gc0,
          (unsigned long long)gc1, NCHUNKS);
    CHECK(grow_mib < 50.0, "allocated %d chunks of %zu and heap_sys grew by %.1f MiB (bound 50 MiB)", NCHUNKS,
          CHUNK, grow_mib);
    CHECK(max_ratio <= 1.10,
          "cycle %llu: heap_alloc_peak %llu > 1.10 x heap_goal %llu (ratio %.3f; heap_live at start %llu, "
          "at mark end %llu, marked %llu)",
          (unsigned long long)worst, (unsigned long long)worst_ci.heap_alloc_peak,
          (unsigned long long)worst_ci.heap_goal, max_ratio, (unsigned long long)worst_ci.heap_trigger,
          (unsigned long long)worst_ci.heap_live_end, (unsigned long long)worst_ci.heap_marked);

    verify_live();
    for (size_t k = 0; k < CHUNK; k += 4096)
        CHECK(newest[k] == (unsigned char)((NCHUNKS - 1) & 0xff), "newest chunk overwritten at byte %zu", k);
    return 0;
}
