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
/* Per thread over the window: CPU time, and the time it sat runnable on
 * the run queue (schedstat field 2), sampled by the thread itself at the
 * window's ends: tells the scheduler's share of the unfairness from the
 * collector's (a thread that waits in the collector has neither). */
static _Atomic int sample_req; /* 1: take the start sample, 2: the end one */
static uint64_t cpu_ns[NT][2], runq_ns[NT][2];
static _Atomic int sampled[NT];
static atomic_int stop;
static ring *rings[NT]; /* globals: roots */

static uint64_t thread_runq_ns(void)
{
    char buf[128];
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (f == NULL)
        return 0;
    unsigned long long run = 0, wait = 0;
    if (fgets(buf, sizeof buf, f) == NULL || sscanf(buf, "%llu %llu", &run, &wait) != 2)
        wait = 0;
    fclose(f);
    return wait;
}

static void maybe_sample(int id)
{
    int req = atomic_load_explicit(&sample_req, memory_order_acquire);
    if (req == 0 || atomic_load_explicit(&sampled[id], memory_order_relaxed) >= req)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    cpu_ns[id][req - 1] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    runq_ns[id][req - 1] = thread_runq_ns();
    atomic_store_explicit(&sampled[id], req, memory_order_release);
}

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
        if ((i & 255) == 0)
            maybe_sample(id);
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
    atomic_store(&sample_req, 1);
    sleep_ms(window_ms);
    for (int i = 0; i < NT; i++)
        b[i] = atomic_load(&counter[i]);
    uint64_t t1 = bench_now_ns();
    atomic_store(&sample_req, 2);
    for (int i = 0; i < NT; i++) /* each thread answers within 256 allocations */
        while (atomic_load_explicit(&sampled[i], memory_order_acquire) < 2)
            sleep_ms(1);
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
    /* approximately the window (sampled within 256 allocations of its ends) */
    bench_extra("thread_cpu_ms=%.0f/%.0f/%.0f", (cpu_ns[0][1] - cpu_ns[0][0]) / 1e6,
                (cpu_ns[1][1] - cpu_ns[1][0]) / 1e6, (cpu_ns[2][1] - cpu_ns[2][0]) / 1e6);
    bench_extra("thread_runq_ms=%.0f/%.0f/%.0f", (runq_ns[0][1] - runq_ns[0][0]) / 1e6,
                (runq_ns[1][1] - runq_ns[1][0]) / 1e6, (runq_ns[2][1] - runq_ns[2][0]) / 1e6);
    bench_finish("fairness", 0);
    return 0;
}
