/*
 * floating.c - floating garbage and the goal (issue 12, "Also"): a large
 * live set that takes long to mark, as one long chain (one grey object at a
 * time: marking cannot be shared), while threads allocate pointer-free
 * blocks that die at once. Everything they allocate during a cycle's mark
 * is allocated black and is garbage at the next cycle; the interesting
 * figures are the heap in use at its peak over 2 x live (a collector that
 * budgets the floating garbage once stays near 1; Go's rule, which grows
 * the goal from all marked bytes, budgets it twice) and peak heap / goal.
 *
 * Live set: live_mib MiB of 24-byte nodes {next, id, check} (counted as 32
 * bytes, the size class every backend uses) in one singly linked chain.
 * Garbage: each thread allocates blocks of block_kib KiB, writes one word
 * per 4 KiB page and the last word, checks them, and drops the block, until
 * the threads together have allocated garbage_mib MiB. Finally the chain is
 * walked and checked.
 *
 * extra=: alloc_mib_s (the allocators' throughput over the phase) and, with
 * pacegc, phase_heap_peak_mib (the largest heap_alloc_peak of the cycles of
 * the phase; divide by 2 x live_mib) and phase_peak_over_goal.
 *
 * usage: floating [live_mib [garbage_mib [threads [block_kib]]]]
 *        defaults 256 4096 2 16
 */
#include "common.h"

#define NODE_BYTES 32 /* accounting size of one node */
#define PAGE 4096

typedef struct node {
    struct node *next;
    uint64_t id, check;
} node;

static node *head;

typedef struct worker {
    pthread_t tid;
    int index;
    uint64_t quota, allocated, blocks;
    size_t block;
} worker;

static void *garbage_thread(void *arg)
{
    worker *w = arg;
    size_t size = w->block, words = size / 8, stride = PAGE / 8;
    while (w->allocated < w->quota) {
        uint64_t *p = B_ALLOC_ATOMIC(size);
        uint64_t seed = w->blocks * 0x9E3779B97F4A7C15ull + (uint64_t)w->index;
        for (size_t i = 0; i < words; i += stride)
            p[i] = seed + i;
        p[words - 1] = ~seed;
        for (size_t i = 0; i < words - 1; i += stride)
            if (p[i] != seed + i)
                bench_die("floating: garbage block overwritten while in use");
        if (p[words - 1] != ~seed)
            bench_die("floating: garbage block tail overwritten");
        B_FREE(p);
        w->allocated += size;
        w->blocks++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long live_mib = bench_arg_long(argc, argv, 1, 256);
    long garbage_mib = bench_arg_long(argc, argv, 2, 4096);
    int nthreads = (int)bench_arg_long(argc, argv, 3, 2);
    long block_kib = bench_arg_long(argc, argv, 4, 16);
    if (live_mib < 1 || garbage_mib < 1 || nthreads < 1 || nthreads > 64 || block_kib < 1 ||
        block_kib > 65536)
        bench_die("floating: bad arguments");

    bench_init();
    uint64_t nodes = (uint64_t)live_mib * 1048576 / NODE_BYTES;
    for (uint64_t k = 0; k < nodes; k++) {
        node *n = B_ALLOC(sizeof *n);
        n->id = k;
        n->check = bench_mix(k);
        n->next = head; /* fresh object: store over NULL */
        B_STORE(head, n);
    }
    uint64_t t_build = bench_now_ns();
    bench_phase_start();

    static worker workers[64];
    for (int k = 0; k < nthreads; k++) {
        workers[k].index = k;
        workers[k].block = (size_t)block_kib << 10;
        workers[k].quota = (uint64_t)garbage_mib * 1048576 / (uint64_t)nthreads;
        if (B_THREAD_CREATE(&workers[k].tid, garbage_thread, &workers[k]) != 0)
            bench_die("floating: cannot create thread");
    }
    uint64_t allocated = 0, blocks = 0;
    for (int k = 0; k < nthreads; k++) {
        B_THREAD_JOIN(workers[k].tid);
        allocated += workers[k].allocated;
        blocks += workers[k].blocks;
    }
    uint64_t t_alloc = bench_now_ns();

    uint64_t seen = 0, expect = nodes;
    for (node *n = head; n != NULL; n = n->next) {
        expect--;
        if (n->id != expect || n->check != bench_mix(n->id))
            bench_die("floating: live node damaged at %" PRIu64, seen);
        seen++;
    }
    if (seen != nodes)
        bench_die("floating: %" PRIu64 " live nodes, want %" PRIu64, seen, nodes);

    double alloc_s = (double)(t_alloc - t_build) / 1e9;
    bench_extra("live_mib=%ld", live_mib);
    bench_extra("garbage_mib=%.0f", (double)allocated / 1048576.0);
    bench_extra("blocks=%" PRIu64, blocks);
    bench_extra("threads=%d", nthreads);
    bench_extra("block_kib=%ld", block_kib);
    bench_extra("build_ms=%.0f", (double)(t_build - bench_state.t0) / 1e6);
    bench_extra("alloc_phase_ms=%.0f", alloc_s * 1e3);
    bench_extra("alloc_mib_s=%.0f", (double)allocated / 1048576.0 / alloc_s);
    bench_finish("floating", 0);
    return 0;
}
