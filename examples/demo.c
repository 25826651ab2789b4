/*
 * demo.c - the main job (`make demo`): shows the collector pacing two
 * workloads.
 *   demo init1        ~1 MiB live, 1000 x 1 MiB pointer-free garbage, keeping
 *                     only the newest (after Go's test/init1.go)
 *   demo adversarial [live_mib]  a live list of small scanned nodes while two
 *                     threads allocate 64 KiB..1 MiB pointer-free garbage as
 *                     fast as they can
 * Run with PGCDEBUG=gctrace=1 for one line per cycle and gclog=FILE for the
 * CSV that tools/plot-gclog.sh draws.
 */
#include <pacegc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    struct node *next;
    uint64_t v[4];
} node;

static node *live;
static void *newest;

static void report(const char *name)
{
    pgc_stats st;
    pgc_read_stats(&st);
    double worst = 0, bg = 0, mark = 0, blocked_max = 0;
    for (uint64_t c = st.num_gc > 255 ? st.num_gc - 255 : 1; c <= st.num_gc; c++) {
        pgc_cycle_info ci;
        if (pgc_read_cycle(c, &ci) == 0) {
            bg += (double)ci.bg_ns;
            mark += (double)ci.mark_ns;
            if ((double)ci.blocked_ns > blocked_max)
                blocked_max = (double)ci.blocked_ns;
        }
        if (pgc_read_cycle(c, &ci) == 0 && ci.heap_goal && !ci.forced) {
            double r = (double)ci.heap_alloc_peak / (double)ci.heap_goal;
            if (r > worst)
                worst = r;
        }
    }
    printf("\n%s: %llu cycles, total allocated %.0f MiB, heap_sys %.1f MiB, peak heap_alloc %.1f MiB\n",
           name, (unsigned long long)st.num_gc, st.total_alloc / 1048576.0, st.heap_sys / 1048576.0,
           st.heap_alloc_peak / 1048576.0);
    printf("%s: worst peak heap / goal over cycles %.3f; GC CPU %.1f%%; longest pause %.3f ms; "
           "assist CPU %.1f ms, assists blocked %.1f ms\n",
           name, worst, st.gc_cpu_fraction * 100, st.pause_max_ns / 1e6, st.assist_ns_total / 1e6,
           st.assist_blocked_ns_total / 1e6);
    printf("%s: background workers used %.1f%% of %d CPUs during marking (target 25%%); "
           "longest per-cycle assist wait %.1f ms\n",
           name, mark > 0 ? 100 * bg / (mark * st.procs) : 0, st.procs, blocked_max / 1e6);
}

static void build_live(size_t bytes)
{
    for (size_t i = 0; i < bytes / sizeof(node); i++) {
        node *n = pgc_alloc(sizeof *n);
        n->v[0] = i;
        n->next = live;
        live = n;
    }
}

static void init1(void)
{
    build_live(1 << 20);
    for (int i = 0; i < 1000; i++) {
        char *p = pgc_alloc_atomic(1 << 20);
        memset(p, i, 4096);
        newest = p;
    }
    report("init1");
}

static void *storm(void *arg)
{
    uint64_t seed = (uintptr_t)arg, total = 0;
    while (total < (2ull << 30)) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t sz = (64 << 10) + (size_t)((seed >> 33) % ((1 << 20) - (64 << 10)));
        char *p = pgc_alloc_atomic(sz);
        p[0] = 1;
        total += sz;
    }
    return NULL;
}

static void adversarial(size_t live_mib)
{
    build_live(live_mib << 20);
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        pgc_pthread_create(&t[i], NULL, storm, (void *)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    size_t n = 0;
    for (node *p = live; p; p = p->next)
        n++;
    if (n != (live_mib << 20) / sizeof(node)) {
        fprintf(stderr, "live list lost nodes: %zu\n", n);
        exit(1);
    }
    report("adversarial");
}

int main(int argc, char **argv)
{
    pgc_init();
    if (argc > 1 && strcmp(argv[1], "adversarial") == 0)
        adversarial(argc > 2 ? (size_t)atoi(argv[2]) : 128);
    else
        init1();
    return 0;
}
