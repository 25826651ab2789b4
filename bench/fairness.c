/*
 * fairness.c - three threads allocating 1 KiB objects flat out with the
 * collector running nearly all the time (after Go's GCFairness2; the
 * workload of tests/test_fairness.c, here as a measurement). Each thread
 * keeps a ring of its 64 newest objects (written at both ends, checked at
 * the end). After a 300 ms warm-up the main thread counts each thread's
 * allocations over a window of window_ms; fairness = slowest / fastest
 * thread's count in that window (1.0 = equal progress).
 *
 * Run pacegc with PGC_GOGC=1 and Go with GOGC=1 (bench/table.sh does).
 * bdwgc runs with its defaults: with a live set this small (about 200 KiB)
 * its heap stays under 1 MiB and it collects every few thousand
 * allocations anyway (GC_set_free_space_divisor(100), the nearest knob to
 * GOGC=1, made it 10x slower with the same ratio).
 *
 * usage: fairness [window_ms]    default 3000
 */
#include "common.h"

#define NT 3
#define OBJ 1024
#define RING 64

typedef struct ring {
    uint64_t *slot[RING];
} ring;

static _Atomic uint64_t counter[NT];
static atomic_int stop;
static ring *rings[NT]; /* globals: roots */

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    ring *r = B_ALLOC(sizeof *r);
    memset(r, 0, sizeof *r);
    rings[id] = r;
    uint64_t i = 0;
    for (; !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
        uint64_t *p = B_ALLOC(OBJ);
        p[0] = ((uint64_t)id << 56) | i;
        memset(p + 1, 0, OBJ - 16);
        p[OBJ / 8 - 1] = ~p[0];
        uint64_t *old = r->slot[i % RING];
        B_STORE(r->slot[i % RING], p);
        B_FREE(old);
        atomic_fetch_add_explicit(&counter[id], 1, memory_order_relaxed);
    }
    for (uint64_t k = 0; k < RING && k < i; k++) {
        uint64_t j = i - 1 - k, *p = r->slot[j % RING];
        if (p == NULL || p[0] != (((uint64_t)id << 56) | j) || p[OBJ / 8 - 1] != ~p[0])
            bench_die("fairness: thread %d: ring slot %" PRIu64 " corrupted", id, j % RING);
    }
    return NULL;
}

/* Sleeps until ms of clock time passed (not ms of sleep: the collectors
 * stop this thread by signals, and a restarted nanosleep does not count
 * the time spent stopped). */
static void sleep_ms(long ms)
{
    uint64_t end = bench_now_ns() + (uint64_t)ms * 1000000;
    const struct timespec tick = {0, 5000000};
    while (bench_now_ns() < end)
        nanosleep(&tick, NULL);
}

int main(int argc, char **argv)
{
    long window_ms = bench_arg_long(argc, argv, 1, 3000);
    if (window_ms < 100)
        bench_die("fairness: window_ms must be at least 100");
    bench_init();
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        if (B_THREAD_CREATE(&th[i], worker, (void *)(intptr_t)i) != 0)
            bench_die("fairness: cannot create thread %d", i);
    sleep_ms(300);
    uint64_t a[NT], b[NT];
    for (int i = 0; i < NT; i++)
        a[i] = atomic_load(&counter[i]);
    uint64_t t0 = bench_now_ns();
    sleep_ms(window_ms);
    for (int i = 0; i < NT; i++)
        b[i] = atomic_load(&counter[i]);
    uint64_t t1 = bench_now_ns();
    atomic_store(&stop, 1);
    for (int i = 0; i < NT; i++)
        B_THREAD_JOIN(th[i]);
    uint64_t mn = UINT64_MAX, mx = 0, sum = 0;
    for (int i = 0; i < NT; i++) {
        uint64_t d = b[i] - a[i];
        sum += d;
        mn = d < mn ? d : mn;
        mx = d > mx ? d : mx;
    }
    bench_extra("fairness=%.3f", mx ? (double)mn / (double)mx : 0.0);
    bench_extra("counts=%" PRIu64 "/%" PRIu64 "/%" PRIu64, b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    bench_extra("allocs_per_s=%.0f", (double)sum / ((double)(t1 - t0) / 1e9));
    bench_finish("fairness", 0);
    return 0;
}
