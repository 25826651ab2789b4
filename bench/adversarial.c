/*
 * adversarial.c - adversarial pacing: a large live heap of small scanned
 * nodes, and two threads allocating big pointer-free garbage as fast as they
 * can. Allocation outruns marking by orders of magnitude, so only assists
 * (back-pressure on the allocators) keep the heap near its goal; the
 * interesting figures are peak heap / goal per cycle, peak RSS and assist
 * time.
 *
 * Live set: live_mib MiB of 24-byte nodes {next, id, check} (counted as
 * 32 bytes, the size class every backend uses), in 1024 singly linked
 * chains hanging off one pointer array. Garbage: each thread allocates
 * chunks of 64 KiB .. 1 MiB (uniform, fixed seed), writes one word per 4 KiB
 * page, reads them back, and drops the chunk, until the two threads together
 * have allocated garbage_mib MiB. Finally every chain is walked and checked.
 *
 * usage: adversarial [live_mib [garbage_mib [threads]]]   defaults 256 4096 2
 */
#include "common.h"

#define CHAINS 1024
#define NODE_BYTES 32 /* accounting size of one node */
#define MIN_CHUNK (64 << 10)
#define MAX_CHUNK (1 << 20)
#define PAGE 4096

typedef struct node {
    struct node *next;
    uint64_t id, check;
} node;

static node **heads; /* GC-allocated array of CHAINS chain heads */

typedef struct worker {
    pthread_t tid;
    int index;
    uint64_t quota, allocated, chunks;
} worker;

static void *garbage_thread(void *arg)
{
    worker *w = arg;
    bench_rng r;
    bench_rng_seed(&r, 1000 + (uint64_t)w->index);
    while (w->allocated < w->quota) {
        size_t size = MIN_CHUNK + (size_t)bench_rng_below(&r, MAX_CHUNK - MIN_CHUNK + 1);
        size &= ~(size_t)7;
        uint64_t *p = B_ALLOC_ATOMIC(size);
        uint64_t seed = w->chunks * 0x9E3779B97F4A7C15ull + (uint64_t)w->index;
        size_t words = size / 8, stride = PAGE / 8;
        for (size_t i = 0; i < words; i += stride)
            p[i] = seed + i;
        p[words - 1] = ~seed;
        for (size_t i = 0; i < words; i += stride)
            if (p[i] != (i == words - 1 ? ~seed : seed + i))
                bench_die("adversarial: garbage chunk overwritten while in use");
        if (p[words - 1] != ~seed)
            bench_die("adversarial: garbage chunk tail overwritten");
        B_FREE(p);
        w->allocated += size;
        w->chunks++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long live_mib = bench_arg_long(argc, argv, 1, 256);
    long garbage_mib = bench_arg_long(argc, argv, 2, 4096);
    int nthreads = (int)bench_arg_long(argc, argv, 3, 2);
    if (live_mib < 1 || garbage_mib < 1 || nthreads < 1 || nthreads > 64)
        bench_die("adversarial: bad arguments");

    bench_init();
    uint64_t nodes = (uint64_t)live_mib * 1048576 / NODE_BYTES;
    heads = B_ALLOC(CHAINS * sizeof *heads);
    for (int c = 0; c < CHAINS; c++)
        heads[c] = NULL;
    uint64_t per_chain = nodes / CHAINS;
    for (int c = 0; c < CHAINS; c++) {
        for (uint64_t k = 0; k < per_chain; k++) {
            node *n = B_ALLOC(sizeof *n);
            n->id = (uint64_t)c * per_chain + k;
            n->check = bench_mix(n->id);
            n->next = heads[c]; /* fresh object: store over NULL */
            B_STORE(heads[c], n);
        }
    }
    uint64_t t_build = bench_now_ns();
    bench_phase_start();

    static worker workers[64];
    for (int k = 0; k < nthreads; k++) {
        workers[k].index = k;
        workers[k].quota = (uint64_t)garbage_mib * 1048576 / (uint64_t)nthreads;
        if (B_THREAD_CREATE(&workers[k].tid, garbage_thread, &workers[k]) != 0)
            bench_die("adversarial: cannot create thread");
    }
    uint64_t allocated = 0, chunks = 0;
    for (int k = 0; k < nthreads; k++) {
        B_THREAD_JOIN(workers[k].tid);
        allocated += workers[k].allocated;
        chunks += workers[k].chunks;
    }
    uint64_t t_alloc = bench_now_ns();

    uint64_t seen = 0;
    for (int c = 0; c < CHAINS; c++) {
        uint64_t expect = (uint64_t)c * per_chain + per_chain;
        for (node *n = heads[c]; n != NULL; n = n->next) {
            expect--;
            if (n->id != expect || n->check != bench_mix(n->id))
                bench_die("adversarial: live node damaged (chain %d)", c);
            seen++;
        }
    }
    if (seen != per_chain * CHAINS)
        bench_die("adversarial: %" PRIu64 " live nodes, want %" PRIu64, seen, per_chain * CHAINS);

    double alloc_s = (double)(t_alloc - t_build) / 1e9;
    bench_extra("live_mib=%ld", live_mib);
    bench_extra("garbage_mib=%.0f", (double)allocated / 1048576.0);
    bench_extra("chunks=%" PRIu64, chunks);
    bench_extra("threads=%d", nthreads);
    bench_extra("build_ms=%.0f", (double)(t_build - bench_state.t0) / 1e6);
    bench_extra("alloc_phase_ms=%.0f", alloc_s * 1e3);
    bench_extra("alloc_gib_s=%.2f", (double)allocated / 1073741824.0 / alloc_s);
    bench_finish("adversarial", 0);
    return 0;
}
