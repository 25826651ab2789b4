// TEST-TIMEOUT: 60
/* test_retention.c - false retention, precise against conservative.
 *
 * A linked list of NLIVE nodes {next, r[7]} stays live while the program
 * churns: every round it replaces a tenth of the nodes and drops garbage
 * chains of the same node type. The r[] fields are random 64-bit integers
 * that look like pointers: uniformly random 64-bit values almost never land
 * in the heap, so they are drawn uniformly over the address range the heap
 * has used so far (like hashes, tagged values or packed ids would be in a
 * real program). Conservatively each such word that hits a dead node keeps
 * it, and its own random words keep more; with a precise kind
 * (pgc_kind_bitmap, only `next` is a pointer) nothing but the list is live.
 *
 * Asserted: with the precise kind, after the churn and a full collection,
 * the marked heap is the list and little more (at most 1.25 x its bytes +
 * 256 KiB). The conservative figure is printed, not asserted (it depends on
 * where the heap lies and on the random values).
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"

#include <stdint.h>
#include <stdio.h>

#define NLIVE 20000
#define ROUNDS 30
#define NGARBAGE 20000 /* garbage nodes per round, in chains of CHAIN */
#define CHAIN 100 /* short: a stale stack word can keep at most one chain */

typedef struct node {
    struct node *next;
    uint64_t r[7];
} node;

static node *g_live[NLIVE]; /* roots */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uintptr_t lo = UINTPTR_MAX, hi;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static node *new_node(const pgc_kind *k, node *next)
{
    node *n = k ? pgc_alloc_kind(k, sizeof *n) : pgc_alloc(sizeof *n);
    CHECK(n != NULL, "allocation failed");
    uintptr_t a = (uintptr_t)n;
    if (a < lo)
        lo = a;
    if (a + sizeof *n > hi)
        hi = a + sizeof *n;
    n->next = next;
    for (int i = 0; i < 7; i++)
        n->r[i] = lo + next_rand() % (hi - lo + 1); /* looks like a heap pointer */
    return n;
}

static __attribute__((noinline)) void drop_garbage(const pgc_kind *k)
{
    for (int c = 0; c < NGARBAGE / CHAIN; c++) {
        node *g = NULL;
        for (int i = 0; i < CHAIN; i++)
            g = new_node(k, g);
    }
}

/* Returns the marked bytes after the churn. */
static __attribute__((noinline)) uint64_t run(const pgc_kind *k, uint64_t *peak_sys)
{
    for (int i = 0; i < NLIVE; i++)
        g_live[i] = new_node(k, i ? g_live[i - 1] : NULL);
    for (int r = 0; r < ROUNDS; r++) {
        drop_garbage(k);
        /* replace a tenth of the list's nodes (g_live[i]->next is g_live[i - 1]) */
        for (int i = 0; i < NLIVE / 10; i++) {
            int j = (int)(next_rand() % (NLIVE - 2)) + 1;
            node *n = new_node(k, g_live[j - 1]);
            PGC_STORE(g_live[j + 1]->next, n);
            g_live[j] = n;
        }
    }
    scrub();
    pgc_collect();
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    *peak_sys = st.heap_sys;
    return st.heap_marked;
}

int main(void)
{
    pgc_init();
    uint64_t bits = 0x1; /* word 0: next */
    const pgc_kind *precise = pgc_kind_bitmap(&bits, 8);
    size_t live = (size_t)NLIVE * pgc_size(g_live[0] = pgc_alloc_kind(precise, sizeof(node)));
    g_live[0] = NULL;

    uint64_t sys_p, sys_c;
    uint64_t marked_p = run(precise, &sys_p);
    for (int i = 0; i < NLIVE; i++)
        g_live[i] = NULL;
    pgc_collect();
    uint64_t marked_c = run(NULL, &sys_c);

    printf("live list %zu KiB; after churn: precise marks %llu KiB (heap_sys %llu KiB), "
           "conservative marks %llu KiB (heap_sys %llu KiB)\n",
           live >> 10, (unsigned long long)marked_p >> 10, (unsigned long long)sys_p >> 10,
           (unsigned long long)marked_c >> 10, (unsigned long long)sys_c >> 10);
    CHECK(marked_p <= live + live / 4 + (256 << 10),
          "precise kind: %llu bytes marked for a live list of %zu bytes: false retention",
          (unsigned long long)marked_p, live);
    return 0;
}
