/*
 * light_alloc.c - how long a light allocator waits while a heavy one keeps
 * cycles running (issue 12: "a light allocator pays for a whole span").
 *
 * 256 MiB live as 64-byte list nodes; a heavy thread allocates 2 GiB of
 * 64-byte garbage; a light thread allocates 32 bytes every 100 us and
 * records the longest and the 99th-percentile time one pgc_alloc took.
 * Prints one line: light_max_us light_p99_us heavy_s cycles.
 *
 *   build/micro/light_alloc [live_mib [garbage_mib]]
 */
#include <pacegc.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct node { struct node *next; uint64_t pad[7]; } node;
static atomic_int done;
static long garbage_mib = 2048;
#define MAXS (1 << 20)
static uint64_t lat[MAXS];
static size_t nlat;

static void *heavy(void *arg)
{
    (void)arg;
    for (long i = 0; i < (garbage_mib << 20) / 64; i++)
        (void)pgc_alloc(56);
    atomic_store(&done, 1);
    return NULL;
}

static void *light(void *arg)
{
    (void)arg;
    void *keep = NULL;
    while (!atomic_load(&done) && nlat < MAXS) {
        uint64_t t0 = now();
        void **p = pgc_alloc(32);
        uint64_t t1 = now();
        p[0] = keep; /* over NULL */
        keep = (nlat % 64) ? (void *)p : NULL;
        lat[nlat++] = t1 - t0;
        struct timespec ts = { 0, 100000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long live_mib = argc > 1 ? atol(argv[1]) : 256;
    if (argc > 2)
        garbage_mib = atol(argv[2]);
    pgc_init();
    static node *list;
    for (long i = 0; i < (live_mib << 20) / 64; i++) {
        node *n = pgc_alloc(sizeof *n);
        n->next = list;
        list = n;
    }
    uint64_t t0 = now();
    pthread_t h, l;
    pgc_pthread_create(&l, NULL, light, NULL);
    pgc_pthread_create(&h, NULL, heavy, NULL);
    pthread_join(h, NULL);
    pthread_join(l, NULL);
    double secs = (double)(now() - t0) / 1e9;
    qsort(lat, nlat, sizeof lat[0], cmp);
    pgc_stats st;
    pgc_read_stats(&st);
    printf("light_max_us %.0f light_p99_us %.0f heavy_s %.2f cycles %llu samples %zu\n",
           nlat ? (double)lat[nlat - 1] / 1e3 : 0.0, nlat ? (double)lat[nlat * 99 / 100] / 1e3 : 0.0, secs,
           (unsigned long long)st.num_gc, nlat);
    return 0;
}
