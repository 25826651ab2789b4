/*
 * lifetimes_peers.c - the two lifetime workloads of issue 10, written from
 * their descriptions there, on pacegc and on bdwgc (same source; build with
 * -DBENCH_PACEGC or -DBENCH_BDWGC; `make bench-lifetimes-peers`).
 *
 *   fin   a list of N nodes, each with a finalizer that counts it (unordered:
 *         ordered finalization of a list runs one node a cycle, in both
 *         collectors); the list is dropped and the program collects until
 *         every node was finalized (finalizers on demand, run after each
 *         collection). Reported: wall time of building (registration
 *         included) and of finalizing all N.
 *   weak  a weak-keyed table of small objects churned by 4 threads: each
 *         thread owns a table of 65536 slots and a ring of 32768 strong key
 *         references; a round makes a key and a value (16 bytes each), puts
 *         the pair in a random slot (pacegc: an ephemeron; bdwgc, which has
 *         no ephemerons: a disappearing link to the key, hidden, and the
 *         value in a strong parallel array), holds the key in the ring
 *         (dropping the oldest), and looks up another random slot. Reported:
 *         wall time for 4 x R rounds and the slots found cleared.
 *
 * bdwgc runs with its parallel marker, stop-the-world; pacegc concurrently.
 * Usage: lifetimes_peers fin|weak [N or R]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(BENCH_PACEGC)
#include "pacegc.h"
#define NAME "pacegc"
#define ALLOC(n) pgc_alloc(n)
#define ALLOC_ROOT(n) pgc_alloc_uncollectable(n)
#define COLLECT() pgc_collect()
#define STORE(slot, v) pgc_store((void **)&(slot), (v))
#define THREAD_CREATE pgc_pthread_create
#elif defined(BENCH_BDWGC)
#define GC_THREADS 1
#include <gc.h>
#define NAME "bdwgc"
#define ALLOC(n) GC_malloc(n)
#define ALLOC_ROOT(n) GC_malloc_uncollectable(n)
#define COLLECT() GC_gcollect()
#define STORE(slot, v) ((slot) = (v))
#define THREAD_CREATE GC_pthread_create
#else
#error "build with -DBENCH_PACEGC or -DBENCH_BDWGC"
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct node {
    struct node *next;
    uintptr_t v;
} node;

/* ---- fin ---- */
static atomic_long finalized;
static void count_fin(void *obj, void *cd)
{
    (void)obj, (void)cd;
    atomic_fetch_add_explicit(&finalized, 1, memory_order_relaxed);
}

static void *build_list(void *arg)
{
    long n = (long)(intptr_t)arg;
    node *head = NULL;
    for (long i = 0; i < n; i++) {
        node *x = ALLOC(sizeof *x);
        x->next = head;
        x->v = (uintptr_t)i;
#if defined(BENCH_PACEGC)
        pgc_register_finalizer_unordered(x, count_fin, NULL);
#else
        GC_register_finalizer_no_order(x, count_fin, NULL, NULL, NULL);
#endif
        head = x;
    }
    return NULL;
}

static void run_fin(long n)
{
    double t0 = now_s();
    /* built on a thread that exits: no stale copy of the head stays in this
     * thread's registers or stack for a conservative scan (both collectors) */
    pthread_t th;
    THREAD_CREATE(&th, NULL, build_list, (void *)(intptr_t)n);
    pthread_join(th, NULL);
    double t1 = now_s();
    int cycles = 0;
    while (atomic_load(&finalized) < n && cycles < 100000) {
        COLLECT();
        cycles++;
#if defined(BENCH_PACEGC)
        pgc_run_finalizers();
#else
        GC_invoke_finalizers();
#endif
    }
    double t2 = now_s();
    printf("RESULT workload=fin backend=%s n=%ld build_ms=%.0f finalize_ms=%.0f cycles=%d finalized=%ld\n", NAME,
           n, (t1 - t0) * 1e3, (t2 - t1) * 1e3, cycles, atomic_load(&finalized));
}

/* ---- weak ---- */
#define SLOTS 65536
#define RING 32768
static long rounds = 1000000;
static atomic_long cleared_seen;

static void *churn(void *arg)
{
    uint64_t r = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
    void **table = ALLOC_ROOT(SLOTS * sizeof(void *));
#if defined(BENCH_BDWGC)
    void **vals = ALLOC_ROOT(SLOTS * sizeof(void *));
#endif
    void **ring = ALLOC_ROOT(RING * sizeof(void *));
    long cleared = 0;
    for (long i = 0; i < rounds; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t s = r % SLOTS;
        node *k = ALLOC(sizeof *k), *v = ALLOC(sizeof *v);
        k->v = i;
        v->v = i;
#if defined(BENCH_PACEGC)
        STORE(table[s], pgc_ephemeron_new(k, v));
#else
        if (table[s])
            GC_unregister_disappearing_link(&table[s]);
        table[s] = (void *)GC_HIDE_POINTER(k);
        GC_general_register_disappearing_link(&table[s], k);
        vals[s] = v;
#endif
        STORE(ring[i % RING], k);
        size_t q = (r >> 32) % SLOTS;
#if defined(BENCH_PACEGC)
        if (table[q] && !pgc_ephemeron_key(table[q]))
            cleared++;
#else
        if (vals[q] && !table[q])
            cleared++;
#endif
    }
    atomic_fetch_add(&cleared_seen, cleared);
    return NULL;
}

static void run_weak(void)
{
    double t0 = now_s();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        THREAD_CREATE(&th[i], NULL, churn, (void *)(uintptr_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    double t1 = now_s();
    printf("RESULT workload=weak backend=%s threads=4 rounds=%ld wall_ms=%.0f cleared_lookups=%ld\n", NAME, rounds,
           (t1 - t0) * 1e3, atomic_load(&cleared_seen));
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "fin";
#if defined(BENCH_PACEGC)
    pgc_init();
    pgc_set_finalize_on_demand(1);
#else
    GC_INIT();
    GC_allow_register_threads();
    GC_set_finalize_on_demand(1);
#endif
    if (strcmp(w, "fin") == 0)
        run_fin(argc > 2 ? atol(argv[2]) : 1000000);
    else {
        if (argc > 2)
            rounds = atol(argv[2]);
        run_weak();
    }
    return 0;
}
