/* Allocate and collect 1 GiB in 32-byte objects beside 64 MiB live (a list
 * of 32-byte nodes). Built twice: against pacegc, and with -DUSE_BDWGC
 * against Debian's libgc. Prints wall time, collections and pauses. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#ifdef USE_BDWGC
#include <gc.h>
#define ALLOC(n) GC_MALLOC(n)
#define INIT() do { GC_INIT(); GC_start_performance_measurement(); } while (0)
#define STORE(slot, v) (*(slot) = (v))
#else
#include <pacegc.h>
#define ALLOC(n) pgc_alloc(n)
#define INIT() pgc_init()
#define STORE(slot, v) pgc_store((void **)(slot), (v))
#endif

typedef struct node { struct node *next; uint64_t a, b, c; } node; /* 32 bytes */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    INIT();
    node *live = NULL;
    for (size_t i = 0; i < (64u << 20) / sizeof(node); i++) {
        node *n = ALLOC(sizeof *n);
        n->a = i;
        n->next = live;
        live = n;
    }
    double t0 = now();
    uint64_t sum = 0;
    for (size_t i = 0; i < (1u << 30) / sizeof(node); i++) {
        node *n = ALLOC(sizeof *n);
        n->a = i;
        sum += (uintptr_t)n & 0xff;
    }
    double t1 = now();
    size_t count = 0;
    for (node *n = live; n; n = n->next)
        count++;
#ifdef USE_BDWGC
    printf("bdwgc: 1 GiB of 32-byte objects beside 64 MiB live: %.3f s, %zu collections, "
           "total full-GC time %lu ms, live nodes %zu\n",
           t1 - t0, (size_t)GC_get_gc_no(), GC_get_full_gc_total_time(), count);
#else
    pgc_stats st;
    pgc_read_stats(&st);
    printf("pacegc: 1 GiB of 32-byte objects beside 64 MiB live: %.3f s, %llu collections, "
           "longest pause %.3f ms, GC CPU %.1f%%, live nodes %zu\n",
           t1 - t0, (unsigned long long)st.num_gc, st.pause_max_ns / 1e6, st.gc_cpu_fraction * 100, count);
#endif
    return (int)(sum & 0);
}
