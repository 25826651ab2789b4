/*
 * lifetimes.c - what ephemerons, finalizers and weak links cost a cycle
 * (issue 10), pacegc only. `make bench-lifetimes` builds and runs it.
 *
 * Each scenario runs in a child process of its own (fresh heap, GOGC off,
 * finalizers on demand), builds its heap, runs one warm-up cycle, then
 * measures forced cycles (pgc_collect) and prints pause #1, pause #2 and the
 * mark's wall time (concurrent mark plus the post-mark steps) of each, from
 * the gctrace line (PGCDEBUG=gctrace=1, the child's stderr sent to a file:
 * pgc_read_cycle gives the two pauses only as a sum) and pgc_read_cycle's
 * mark_ns.
 *
 *   eph-live   1M live ephemerons (keys held in an array) and a chain of
 *              1M ephemerons in which each value holds the next one's key
 *              (first key held): 2M ephemerons, 4M small objects.
 *   plain-live the same objects, with a plain two-word object instead of
 *              each ephemeron (key and value both strong).
 *   fin-dead   1M dead finalizable objects (ordered), each with a 16-byte
 *              child, in a heap of 1M live ones: the cycle that finds them
 *              dead (and queues them) is measured; 3 rounds.
 *   weak-dead  1M dead objects each with a weak link (links in a live
 *              array), same heap: the cycle that clears the links; 3 rounds.
 *   plain-dead 1M dead objects with neither, same heap; 3 rounds.
 *
 * Usage: lifetimes [N] [scenario...]   (N objects, default 1000000)
 */
#include "pacegc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct obj {
    struct obj *next;
    uintptr_t v;
} obj;

static long N = 1000000;
static char logpath[64];

/* The last gctrace line's three clock numbers (ms). */
static void last_trace(double *p1, double *mk, double *p2)
{
    FILE *f = fopen(logpath, "r");
    char line[1024], last[1024] = "";
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "gc ", 3) == 0 && strstr(line, "ms clock"))
            memcpy(last, line, sizeof last);
    if (f)
        fclose(f);
    *p1 = *mk = *p2 = -1;
    const char *c = strchr(last, ':');
    if (c)
        sscanf(c + 1, " %lf+%lf+%lf", p1, mk, p2);
}

static void measure(const char *name, int round)
{
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    pgc_cycle_info ci;
    pgc_read_cycle(st.num_gc, &ci);
    double p1, mk, p2;
    last_trace(&p1, &mk, &p2);
    printf("%-10s round %d: pause1 %.3f ms  pause2 %.3f ms  mark %.2f ms (mark_ns %.2f ms)  "
           "marked %.0f MB\n", name, round, p1, p2, mk, (double)ci.mark_ns / 1e6, (double)ci.heap_marked / 1e6);
    fflush(stdout);
}

static obj *node(obj *next, uintptr_t v)
{
    obj *o = pgc_alloc(sizeof *o);
    o->next = next;
    o->v = v;
    return o;
}

static void **live;       /* the live part of the dead-object scenarios */
static void **holder;     /* ephemerons, plain pairs, or weak links */
static void **keys;

static void eph_heap(int plain)
{
    holder = pgc_alloc_uncollectable(2 * (size_t)N * sizeof(void *));
    keys = pgc_alloc_uncollectable((size_t)N * sizeof(void *));
    for (long i = 0; i < N; i++) {
        obj *k = node(NULL, (uintptr_t)i), *v = node(NULL, (uintptr_t)i);
        keys[i] = k;
        /* plain: a two-word object {k, v} (conservatively scanned: both strong) */
        holder[i] = plain ? (void *)node(k, (uintptr_t)v) : (void *)pgc_ephemeron_new(k, v);
    }
    /* the chain: holder[N + i] = (k_i, v_i), v_i->next = k_{i+1} */
    obj *k = node(NULL, 0);
    static void *first;
    first = k;
    for (long i = 0; i < N; i++) {
        obj *nk = node(NULL, (uintptr_t)i + 1);
        obj *v = node(nk, (uintptr_t)i);
        holder[N + i] = plain ? (void *)node(k, (uintptr_t)v) : (void *)pgc_ephemeron_new(k, v);
        k = nk;
    }
    pgc_add_roots(&first, sizeof first);
}

static void live_heap(void)
{
    live = pgc_alloc_uncollectable((size_t)N * sizeof(void *));
    for (long i = 0; i < N; i++)
        live[i] = node(node(NULL, 0), (uintptr_t)i);
}

static void fin(void *o, void *d) { (void)o, (void)d; }

static __attribute__((noinline)) void dead_batch(int kind)
{
    for (long i = 0; i < N; i++) {
        obj *o = node(node(NULL, 1), (uintptr_t)i);
        if (kind == 1)
            pgc_register_finalizer(o, fin, NULL);
        else if (kind == 2)
            pgc_register_weak_link(&holder[i], o);
    }
}

static void run(const char *sc)
{
    snprintf(logpath, sizeof logpath, "/tmp/pgc-lifetimes-%d.log", (int)getpid());
    if (!freopen(logpath, "w", stderr)) /* the gctrace lines go to stderr */
        return;
    setvbuf(stderr, NULL, _IONBF, 0);
    setenv("PGCDEBUG", "gctrace=1", 1);
    setenv("PGC_GOGC", "off", 1);
    pgc_init();
    pgc_set_finalize_on_demand(1);
    if (strcmp(sc, "eph-live") == 0 || strcmp(sc, "plain-live") == 0) {
        eph_heap(sc[0] == 'p');
        pgc_collect(); /* warm-up */
        for (int r = 1; r <= 3; r++)
            measure(sc, r);
    } else {
        int kind = strcmp(sc, "fin-dead") == 0 ? 1 : strcmp(sc, "weak-dead") == 0 ? 2 : 0;
        live_heap();
        holder = pgc_alloc_uncollectable((size_t)N * sizeof(void *));
        pgc_collect(); /* warm-up */
        for (int r = 1; r <= 3; r++) {
            dead_batch(kind);
            measure(sc, r);
            size_t ran = pgc_run_finalizers();
            if (kind == 1 && ran != (size_t)N)
                printf("  (%zu of %ld finalizers queued)\n", ran, N);
            if (kind == 2) {
                long set = 0;
                for (long i = 0; i < N; i++)
                    set += pgc_weak_load(&holder[i]) != NULL;
                if (set)
                    printf("  (%ld of %ld links still set)\n", set, N);
            }
            pgc_collect(); /* the finalized objects go */
        }
    }
    unlink(logpath);
}

int main(int argc, char **argv)
{
    int a = 1;
    if (argc > 1 && atol(argv[1]) > 0)
        N = atol(argv[a++]);
    static const char *all[] = { "plain-live", "eph-live", "plain-dead", "fin-dead", "weak-dead" };
    int nsc = argc > a ? argc - a : 5;
    for (int i = 0; i < nsc; i++) {
        const char *sc = argc > a ? argv[a + i] : all[i];
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            run(sc);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            printf("%s: child failed (%#x)\n", sc, status);
    }
    return 0;
}
