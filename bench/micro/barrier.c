/* Cost of the write barrier's fast path with no cycle running (GOGC off):
 * ns per pgc_store against a plain store, on the same slots. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pacegc.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define SLOTS 1024
#define ROUNDS 200000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) void plain(void **slots, void **vals)
{
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = vals[(i + r) & (SLOTS - 1)];
            __asm__ volatile("" ::: "memory");
        }
}

static __attribute__((noinline)) void barriered(void **slots, void **vals)
{
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < SLOTS; i++) {
            pgc_store(&slots[i], vals[(i + r) & (SLOTS - 1)]);
            __asm__ volatile("" ::: "memory");
        }
}

int main(void)
{
    pgc_init();
    pgc_set_gc_percent(-1);
    void **slots = pgc_alloc(SLOTS * sizeof(void *));
    void **vals = pgc_alloc(SLOTS * sizeof(void *));
    for (int i = 0; i < SLOTS; i++)
        vals[i] = pgc_alloc(16);
    double best_p = 1e9, best_b = 1e9;
    for (int k = 0; k < 5; k++) {
        double t0 = now();
        plain(slots, vals);
        double t1 = now();
        barriered(slots, vals);
        double t2 = now();
        if (t1 - t0 < best_p) best_p = t1 - t0;
        if (t2 - t1 < best_b) best_b = t2 - t1;
    }
    double n = (double)ROUNDS * SLOTS;
    printf("plain store %.3f ns, pgc_store %.3f ns (no cycle marking), best of 5 runs of %.0f stores\n",
           best_p / n * 1e9, best_b / n * 1e9, n);
    return 0;
}
