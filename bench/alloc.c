/*
 * alloc.c - small-object allocation throughput.
 *
 * Each thread allocates `count` objects of 16..256 bytes (multiples of 16,
 * fixed-seed random), writes every word of each (so that allocators that do
 * not zero pay for initialisation too), and keeps it in a ring of the 1024
 * most recent objects (a scanned array in the GC heap; the store over the
 * evicted object goes through the write barrier). The objects are
 * pointer-free (pgc_alloc_atomic, GC_MALLOC_ATOMIC, Go []uint64), like
 * malloc memory. An evicted object is checked and, for malloc and
 * mimalloc, freed. Reports ns per object per thread: wall time * threads /
 * objects.
 *
 * usage: alloc [count_per_thread [threads]]    defaults 20000000 1
 * RESULT workload is alloc-<T>t.
 */
#include "common.h"

#define RING 1024
#define MAX_THREADS 64

typedef struct worker {
    pthread_t tid;
    int index;
    uint64_t count, sum, bytes;
} worker;

static uint64_t check_obj(const uint64_t *p)
{
    uint64_t words = p[0] >> 56, v = p[0] & ((1ull << 56) - 1);
    if (words < 2 || words > 32 || p[words - 1] != v + words - 1)
        bench_die("alloc: object overwritten while live");
    return v;
}

static void *work(void *arg)
{
    worker *w = arg;
    uint64_t **ring = B_ALLOC(RING * sizeof *ring);
    for (int k = 0; k < RING; k++)
        ring[k] = NULL;
    bench_rng r;
    bench_rng_seed(&r, 500 + (uint64_t)w->index);
    uint64_t sum = 0, bytes = 0;
    for (uint64_t i = 0; i < w->count; i++) {
        uint64_t words = 2 * (1 + (bench_rng_next(&r) >> 60)); /* 2..32 words */
        uint64_t *p = B_ALLOC_ATOMIC(words * 8);
        uint64_t v = i;
        p[0] = (words << 56) | v;
        for (uint64_t k = 1; k < words; k++)
            p[k] = v + k;
        bytes += words * 8;
        uint64_t **slot = &ring[i % RING];
        uint64_t *old = *slot;
        if (old != NULL) {
            sum += check_obj(old);
            B_FREE(old);
        }
        B_STORE(*slot, p);
    }
    for (int k = 0; k < RING; k++)
        if (ring[k] != NULL) {
            sum += check_obj(ring[k]);
            B_FREE(ring[k]);
        }
    B_FREE(ring);
    w->sum = sum;
    w->bytes = bytes;
    return NULL;
}

int main(int argc, char **argv)
{
    long count = bench_arg_long(argc, argv, 1, 20000000);
    int nthreads = (int)bench_arg_long(argc, argv, 2, 1);
    if (count < RING || nthreads < 1 || nthreads > MAX_THREADS)
        bench_die("alloc: bad arguments");

    bench_init();
    static worker workers[MAX_THREADS];
    for (int k = 0; k < nthreads; k++) {
        workers[k].index = k;
        workers[k].count = (uint64_t)count;
    }
    if (nthreads == 1) {
        work(&workers[0]);
    } else {
        for (int k = 0; k < nthreads; k++)
            if (B_THREAD_CREATE(&workers[k].tid, work, &workers[k]) != 0)
                bench_die("alloc: cannot create thread");
        for (int k = 0; k < nthreads; k++)
            B_THREAD_JOIN(workers[k].tid);
    }
    uint64_t wall = bench_now_ns() - bench_state.t0;

    uint64_t want = (uint64_t)count * ((uint64_t)count - 1) / 2, bytes = 0;
    for (int k = 0; k < nthreads; k++) {
        if (workers[k].sum != want)
            bench_die("alloc: thread %d checksum %" PRIu64 ", want %" PRIu64, k,
                      workers[k].sum, want);
        bytes += workers[k].bytes;
    }
    char name[32];
    snprintf(name, sizeof name, "alloc-%dt", nthreads);
    double total = (double)count * nthreads;
    bench_extra("threads=%d", nthreads);
    bench_extra("objects=%.0f", total);
    bench_extra("ns_per_obj=%.2f", (double)wall * nthreads / total);
    bench_extra("mobj_s=%.1f", total / ((double)wall / 1e3));
    bench_extra("avg_bytes=%.0f", (double)bytes / total);
    bench_finish(name, wall);
    return 0;
}
