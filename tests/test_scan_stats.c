// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_scan_stats.c - the per-cycle marking figures of pgc_cycle_info:
 * mark_cpu_ns, heap_scan_bytes, root_scan_bytes.
 *
 * A chain of N nodes of 16 words (128 bytes) whose only pointer is word 0
 * is kept live and collected twice: once allocated with pgc_alloc (every
 * word is scanned) and once with a bitmap kind of bit 0 only (only the
 * pointer word is read). GOGC is off, so each cycle is one the test forces
 * with nothing else allocating:
 *  - conservative: heap_scan_bytes is at least the chain's bytes;
 *  - precise: heap_scan_bytes is at least 8 bytes per node and below a
 *    quarter of the conservative figure;
 *  - both: root_scan_bytes > 0 (the data segments and this stack are
 *    scanned), mark_cpu_ns > 0, and the record is the latest cycle's.
 */
#include "check.h"
#include "pacegc.h"

#include <stdint.h>
#include <stdio.h>

#define N 20000
#define WORDS 16

static void **chain; /* a global: the root of the live chain */

static void build(const pgc_kind *k)
{
    chain = NULL;
    for (int i = 0; i < N; i++) {
        void **n = k ? pgc_alloc_kind(k, WORDS * sizeof(void *)) : pgc_alloc(WORDS * sizeof(void *));
        CHECK(n != NULL, "allocation %d failed", i);
        for (int w = 1; w < WORDS; w++)
            n[w] = (void *)(uintptr_t)(0x1000u + (unsigned)w); /* small integers: no pointers */
        PGC_STORE(n[0], (void *)chain);
        chain = n;
    }
}

static pgc_cycle_info collect_and_read(void)
{
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    pgc_cycle_info ci;
    CHECK(pgc_read_cycle(st.num_gc, &ci) == 0, "no record of cycle %llu", (unsigned long long)st.num_gc);
    CHECK(ci.cycle == st.num_gc, "record of cycle %llu read as %llu", (unsigned long long)st.num_gc,
          (unsigned long long)ci.cycle);
    return ci;
}

int main(void)
{
    pgc_init();
    static const uint64_t bits[1] = { 1 };
    const pgc_kind *k = pgc_kind_bitmap(bits, WORDS);

    build(NULL);
    pgc_collect(); /* a cycle that started before the chain was complete does not count */
    pgc_cycle_info cons = collect_and_read();
    chain = NULL;
    pgc_collect();
    pgc_collect(); /* the conservative chain is gone */

    build(k);
    pgc_collect();
    pgc_cycle_info prec = collect_and_read();

    printf("conservative: heap %llu B scanned, roots %llu B, mark cpu %llu us\n",
           (unsigned long long)cons.heap_scan_bytes, (unsigned long long)cons.root_scan_bytes,
           (unsigned long long)(cons.mark_cpu_ns / 1000));
    printf("precise:      heap %llu B scanned, roots %llu B, mark cpu %llu us\n",
           (unsigned long long)prec.heap_scan_bytes, (unsigned long long)prec.root_scan_bytes,
           (unsigned long long)(prec.mark_cpu_ns / 1000));
    uint64_t chain_bytes = (uint64_t)N * WORDS * sizeof(void *);
    CHECK(cons.heap_scan_bytes >= chain_bytes, "conservative cycle scanned %llu heap bytes, below the "
          "live chain's %llu", (unsigned long long)cons.heap_scan_bytes, (unsigned long long)chain_bytes);
    CHECK(prec.heap_scan_bytes >= (uint64_t)N * sizeof(void *), "precise cycle scanned %llu heap bytes, "
          "below one word per node", (unsigned long long)prec.heap_scan_bytes);
    CHECK(prec.heap_scan_bytes < cons.heap_scan_bytes / 4, "precise cycle scanned %llu heap bytes, not "
          "below a quarter of the conservative %llu", (unsigned long long)prec.heap_scan_bytes,
          (unsigned long long)cons.heap_scan_bytes);
    CHECK(cons.root_scan_bytes > 0 && prec.root_scan_bytes > 0, "no root bytes scanned");
    CHECK(cons.mark_cpu_ns > 0 && prec.mark_cpu_ns > 0, "no mark CPU recorded");
    printf("test_scan_stats: ok\n");
    return 0;
}
