// TEST-ENV: PGC_GOGC=1
// TEST-TIMEOUT: 120
// TEST-TSAN: no
/*
 * After Go's GCFairness2 (gc-notes Part 2, 6.2; issue 15706): with GOGC=1
 * the collector runs nearly all the time and allocation is paced by assists
 * on every refill. Three threads allocate 1 KiB objects in a loop, each
 * keeping a small live set (a ring of 64 objects). Waking assists must not
 * favour one thread: none may starve.
 *
 * Asserts:
 *  - the environment took effect (gc_percent == 1);
 *  - after a short run every thread's counter is > 0;
 *  - then, in each of two sampling windows (each at least 1 s long and
 *    ending once the three threads together made 20000 allocations, or
 *    after 20 s), every thread makes progress, and over both windows every
 *    thread has at least 5% of the allocations (an equal share is 33%);
 *  - cycles ran meanwhile, and each thread's ring is intact.
 * Prints per-window counts and shares.
 *
 * The main thread is not attached: it only samples counters.
 */
#include "check.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NT 3
#define OBJ 1024
#define RING 64
#define WINDOW_ALLOCS 20000
#define WINDOW_MIN_NS (1000ull * 1000 * 1000)
#define WINDOW_MAX_NS (20ull * 1000 * 1000 * 1000)

typedef struct ring {
    void *slot[RING];
} ring;

static _Atomic uint64_t counter[NT];
static _Atomic int stop;
static ring *rings[NT]; /* globals: roots */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_ms(int ms)
{
    struct timespec ts = { 0, (long)ms * 1000000 };
    nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    ring *r = pgc_alloc(sizeof *r);
    CHECK(r != NULL, "thread %d: cannot allocate its ring", id);
    rings[id] = r;
    for (uint64_t i = 0; !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
        uint64_t *p = pgc_alloc(OBJ);
        CHECK(p != NULL, "thread %d: pgc_alloc(%d) returned NULL", id, OBJ);
        p[0] = ((uint64_t)id << 56) | i;
        p[OBJ / 8 - 1] = ~p[0];
        PGC_STORE(r->slot[i % RING], p); /* r is a heap object: barrier */
        atomic_fetch_add_explicit(&counter[id], 1, memory_order_relaxed);
    }
    /* Check the ring: the last RING objects this thread made. */
    uint64_t n = atomic_load(&counter[id]);
    for (uint64_t k = 0; k < RING && k < n; k++) {
        uint64_t i = n - 1 - k;
        uint64_t *p = r->slot[i % RING];
        CHECK(p && p[0] == (((uint64_t)id << 56) | i) && p[OBJ / 8 - 1] == ~p[0],
              "thread %d: ring slot %llu holds a corrupted object", id, (unsigned long long)(i % RING));
    }
    return NULL;
}

static void snapshot(uint64_t c[NT])
{
    for (int i = 0; i < NT; i++)
        c[i] = atomic_load_explicit(&counter[i], memory_order_relaxed);
}

int main(void)
{
    pgc_stats s0;
    pgc_read_stats(&s0); /* initialises pacegc; this thread stays unattached */
    CHECK(s0.gc_percent == 1, "gc_percent is %d: run with PGC_GOGC=1", s0.gc_percent);

    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pgc_pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0, "pgc_pthread_create failed");

    /* A short run: every thread must have allocated. */
    uint64_t c[NT], t0 = now_ns();
    for (;;) {
        snapshot(c);
        if (c[0] && c[1] && c[2])
            break;
        CHECK(now_ns() - t0 < WINDOW_MAX_NS, "after %.1f s the counters are %llu %llu %llu: a thread starved",
              (double)(now_ns() - t0) / 1e9, (unsigned long long)c[0], (unsigned long long)c[1],
              (unsigned long long)c[2]);
        pause_ms(5);
    }
    printf("fairness: all threads running after %.1f ms: %llu %llu %llu\n", (double)(now_ns() - t0) / 1e6,
           (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2]);

    /* Two sampling windows. */
    uint64_t tot[NT] = { 0 };
    for (int w = 0; w < 2; w++) {
        uint64_t a[NT], b[NT], ws = now_ns();
        snapshot(a);
        for (;;) {
            pause_ms(10);
            snapshot(b);
            uint64_t sum = 0;
            for (int i = 0; i < NT; i++)
                sum += b[i] - a[i];
            uint64_t el = now_ns() - ws;
            if ((sum >= WINDOW_ALLOCS && el >= WINDOW_MIN_NS) || el >= WINDOW_MAX_NS)
                break;
        }
        uint64_t d[NT], sum = 0;
        for (int i = 0; i < NT; i++) {
            d[i] = b[i] - a[i];
            sum += d[i];
            tot[i] += d[i];
        }
        printf("fairness: window %d (%.0f ms): %llu %llu %llu allocations (shares %.1f%% %.1f%% %.1f%%)\n", w + 1,
               (double)(now_ns() - ws) / 1e6, (unsigned long long)d[0], (unsigned long long)d[1],
               (unsigned long long)d[2], sum ? 100.0 * (double)d[0] / (double)sum : 0.0,
               sum ? 100.0 * (double)d[1] / (double)sum : 0.0, sum ? 100.0 * (double)d[2] / (double)sum : 0.0);
        for (int i = 0; i < NT; i++)
            CHECK(d[i] > 0, "window %d: thread %d made no progress (counts %llu %llu %llu)", w + 1, i,
                  (unsigned long long)d[0], (unsigned long long)d[1], (unsigned long long)d[2]);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0, "pthread_join failed");

    pgc_stats s1;
    pgc_read_stats(&s1);
    uint64_t all = tot[0] + tot[1] + tot[2];
    double minshare = 1;
    for (int i = 0; i < NT; i++) {
        double sh = (double)tot[i] / (double)all;
        if (sh < minshare)
            minshare = sh;
    }
    printf("fairness: both windows: min share %.1f%%; num_gc %llu -> %llu; assist %.1f ms, blocked %.1f ms\n",
           100 * minshare, (unsigned long long)s0.num_gc, (unsigned long long)s1.num_gc,
           (double)s1.assist_ns_total / 1e6, (double)s1.assist_blocked_ns_total / 1e6);
    CHECK(s1.num_gc > s0.num_gc + 1, "only %llu cycles ran with GOGC=1", (unsigned long long)(s1.num_gc - s0.num_gc));
    CHECK(minshare >= 0.05, "a thread got %.1f%% of the allocations over both windows (%llu %llu %llu): starved",
          100 * minshare, (unsigned long long)tot[0], (unsigned long long)tot[1], (unsigned long long)tot[2]);
    return 0;
}
