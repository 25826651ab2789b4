/*
 * pgc-whippet-adapter.h - just enough of a Whippet-style embedding API, on
 * pacegc, for Whippet's benchmarks/mt-gcbench.c to compile and run unchanged
 * (issue 12). Written for pacegc; no Whippet code is in this repository.
 *
 * bench/whippet/build-adapter.sh makes the header names mt-gcbench.c
 * includes ("gc-api.h", "simple-allocator.h", ...) as one-line files that
 * include this header, and compiles the benchmark against libpacegc.
 *
 * The mapping:
 *  - allocation of a scanned object (nodes) is pacegc's inline
 *    pgc_alloc (conservatively scanned); pointer-free objects are inline pgc_alloc_atomic; with
 *    PGC_WHIPPET_PRECISE nodes are pgc_alloc_kind with a bitmap kind (an
 *    out-of-line call) and are scanned precisely;
 *  - holes (garbage that holds no pointers) are pgc_alloc_atomic, as session 6
 *    did; -DPGC_WHIPPET_HOLES_SCANNED makes them pgc_alloc (zeroed, scanned);
 *  - the object's header word gets the kind, as a tagging embedder would
 *    store it (one store);
 *  - gc_write_barrier is pgc_store (the benchmark then repeats the plain
 *    store, which is harmless);
 *  - handles are plain locals: pacegc scans stacks and registers, so
 *    PUSH_HANDLE / POP_HANDLE do nothing;
 *  - a thread is attached in gc_init_for_thread and detached in
 *    gc_finish_for_thread; the heap size options are ignored: pacegc's heap
 *    is paced by PGC_GOGC.
 *
 * gc_basic_stats_print prints one line, "PGCW ...", with pacegc's counters
 * (pgc_read_stats, and the per-cycle records of pgc_read_cycle) and the CPU
 * time of the benchmark's own threads, for the time split.
 */
#ifndef PGC_WHIPPET_ADAPTER_H
#define PGC_WHIPPET_ADAPTER_H

#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pacegc.h"

#define GC_LIKELY(x) __builtin_expect(!!(x), 1)
#define GC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#ifdef NDEBUG
#define GC_ASSERT(x) ((void)0)
#define GC_ASSERT_EQ(a, b) ((void)0)
#else
#define GC_ASSERT(x) ((x) ? (void)0 : (fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x), abort()))
#define GC_ASSERT_EQ(a, b) GC_ASSERT((a) == (b))
#endif

#define PGCW_INLINE static inline __attribute__((always_inline))
#define PGCW_UNUSED __attribute__((unused))

/* Objects and edges. */
struct gc_header {
    uintptr_t tag;
};
struct gc_ref {
    uintptr_t value;
};
struct gc_edge {
    void **dst;
};
PGCW_INLINE struct gc_ref gc_ref_from_heap_object(void *obj)
{
    struct gc_ref r = {(uintptr_t)obj};
    return r;
}
PGCW_INLINE struct gc_edge gc_edge(void *addr)
{
    struct gc_edge e = {(void **)addr};
    return e;
}

/* Heaps, mutators, stacks: pacegc has one heap and finds threads by
 * attachment, so these are tokens. */
struct gc_heap {
    int unused;
};
struct gc_mutator {
    int unused;
};
struct gc_stack_addr {
    uintptr_t addr;
};
static struct gc_heap pgcw_heap PGCW_UNUSED;
static struct gc_mutator pgcw_mutator PGCW_UNUSED;

PGCW_INLINE struct gc_stack_addr gc_empty_stack_addr(void)
{
    struct gc_stack_addr a = {0};
    return a;
}
PGCW_INLINE void *gc_call_with_stack_addr(void *(*f)(struct gc_stack_addr, void *), void *data)
{
    struct gc_stack_addr a = {(uintptr_t)__builtin_frame_address(0)};
    return f(a, data);
}
PGCW_INLINE void *gc_deactivate_for_call(struct gc_mutator *mut,
                                         void *(*f)(struct gc_mutator *, void *), void *data)
{
    return f(mut, data);
}

/* CPU time of the benchmark's threads (not pacegc's own), summed as each
 * finishes: for the time split in gc_basic_stats_print. */
static _Atomic uint64_t pgcw_mutator_thread_cpu_ns PGCW_UNUSED;

static PGCW_UNUSED uint64_t pgcw_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static PGCW_UNUSED struct gc_mutator *gc_init_for_thread(struct gc_stack_addr addr, struct gc_heap *heap)
{
    (void)addr;
    (void)heap;
    pgc_thread_attach();
    return &pgcw_mutator;
}
static PGCW_UNUSED void gc_finish_for_thread(struct gc_mutator *mut)
{
    (void)mut;
    atomic_fetch_add(&pgcw_mutator_thread_cpu_ns, pgcw_clock_ns(CLOCK_THREAD_CPUTIME_ID));
    pgc_thread_detach();
}

/* Roots: stacks are scanned, so a handle is a local and costs nothing. */
struct gc_mutator_roots {
    int unused;
};
#define HANDLE_TO(T) \
    struct {         \
        T *v;        \
    }
#define HANDLE_REF(h) ((h).v)
#define HANDLE_SET(h, val) \
    do {                   \
        (h).v = (val);     \
    } while (0)
#define PUSH_HANDLE(cx, h) ((void)(cx), (void)&(h))
#define POP_HANDLE(cx) ((void)(cx))
PGCW_INLINE void gc_mutator_set_roots(struct gc_mutator *mut, struct gc_mutator_roots *roots)
{
    (void)mut;
    (void)roots;
}

/* Options: recorded, not used (the heap is paced). */
enum {
    GC_OPTION_HEAP_SIZE_POLICY,
    GC_OPTION_HEAP_SIZE,
    GC_OPTION_MAXIMUM_HEAP_SIZE,
    GC_OPTION_PARALLELISM
};
enum { GC_HEAP_SIZE_FIXED, GC_HEAP_SIZE_GROWABLE, GC_HEAP_SIZE_ADAPTIVE };
struct gc_options {
    int policy;
    size_t heap_size;
};
static struct gc_options pgcw_options PGCW_UNUSED;
static PGCW_UNUSED struct gc_options *gc_allocate_options(void)
{
    return &pgcw_options;
}
static PGCW_UNUSED int gc_options_set_int(struct gc_options *o, int option, int value)
{
    if (option == GC_OPTION_HEAP_SIZE_POLICY)
        o->policy = value;
    return 1;
}
static PGCW_UNUSED int gc_options_set_size(struct gc_options *o, int option, size_t value)
{
    if (option == GC_OPTION_HEAP_SIZE)
        o->heap_size = value;
    return 1;
}
static PGCW_UNUSED int gc_options_parse_and_set_many(struct gc_options *o, const char *str)
{
    (void)o;
    fprintf(stderr, "pgc-whippet-adapter: GC options '%s' ignored (use PGC_GOGC)\n", str);
    return 1;
}

/* Stats. */
struct gc_basic_stats {
    uint64_t start_ns, wall_ns, main_thread_cpu_ns;
};
#define GC_BASIC_STATS 0
static PGCW_UNUSED int gc_init(struct gc_options *options, struct gc_stack_addr addr,
                               struct gc_heap **heap, struct gc_mutator **mut, int listener,
                               struct gc_basic_stats *stats)
{
    (void)options;
    (void)addr;
    (void)listener;
    memset(stats, 0, sizeof *stats);
    stats->start_ns = pgcw_clock_ns(CLOCK_MONOTONIC);
    pgc_init();
    *heap = &pgcw_heap;
    *mut = &pgcw_mutator;
    return 1;
}
static PGCW_UNUSED void gc_basic_stats_finish(struct gc_basic_stats *stats)
{
    stats->wall_ns = pgcw_clock_ns(CLOCK_MONOTONIC) - stats->start_ns;
    stats->main_thread_cpu_ns = pgcw_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}
static PGCW_UNUSED void gc_basic_stats_print(struct gc_basic_stats *stats, FILE *f)
{
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t mark_cpu = 0, mark_wall = 0, traced = 0, black = 0, marked = 0, scan = 0, roots = 0;
    uint64_t seen = 0, goal = 0, peak = 0;
    double pog_max = 0;
    for (uint64_t n = st.num_gc > PGC_PAUSE_RING ? st.num_gc - PGC_PAUSE_RING + 1 : 1; n <= st.num_gc; n++) {
        pgc_cycle_info ci;
        if (pgc_read_cycle(n, &ci) != 0)
            continue;
        seen++;
        mark_cpu += ci.mark_cpu_ns;
        mark_wall += ci.mark_ns;
        traced += ci.heap_traced;
        black += ci.heap_black;
        marked += ci.heap_marked;
        scan += ci.heap_scan_bytes;
        roots += ci.root_scan_bytes;
        goal += ci.heap_goal;
        peak += ci.heap_alloc_peak;
        if (ci.heap_goal > 0 && (double)ci.heap_alloc_peak / (double)ci.heap_goal > pog_max)
            pog_max = (double)ci.heap_alloc_peak / (double)ci.heap_goal;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    double mut_thr_ms = (double)(atomic_load(&pgcw_mutator_thread_cpu_ns) + stats->main_thread_cpu_ns) / 1e6;
    const double M = 1e6, MiB = 1048576.0;
    fprintf(f, "PGCW wall_ms=%.1f cpu_ms=%.1f bench_threads_cpu_ms=%.1f num_gc=%" PRIu64
               " cycles_read=%" PRIu64 " assist_ms=%.1f blocked_ms=%.1f bg_ms=%.1f ded_ms=%.1f"
               " frac_ms=%.1f idle_ms=%.1f sweep_ms=%.1f sweep_lazy_ms=%.1f coord_ms=%.1f"
               " pause_total_ms=%.2f mark_wall_ms=%.1f mark_cpu_ms=%.1f marked_mib=%.1f"
               " traced_mib=%.1f black_mib=%.1f heap_scan_mib=%.1f root_scan_mib=%.1f"
               " total_alloc_mib=%.1f heap_peak_mib=%.1f heap_sys_mib=%.1f gc_percent=%d procs=%d"
               " mean_goal_mib=%.1f mean_cycle_peak_mib=%.1f peak_over_goal_max=%.3f\n",
            (double)stats->wall_ns / M, cpu_ms, mut_thr_ms, st.num_gc, seen,
            (double)st.assist_ns_total / M, (double)st.assist_blocked_ns_total / M,
            (double)st.bg_mark_ns_total / M, (double)st.dedicated_mark_ns_total / M,
            (double)st.fractional_mark_ns_total / M, (double)st.idle_mark_ns_total / M,
            (double)st.sweep_ns_total / M, (double)st.sweep_lazy_ns_total / M,
            (double)st.coord_ns_total / M, (double)st.pause_total_ns / M, (double)mark_wall / M,
            (double)mark_cpu / M, (double)marked / MiB, (double)traced / MiB, (double)black / MiB,
            (double)scan / MiB, (double)roots / MiB, (double)st.total_alloc / MiB,
            (double)st.heap_alloc_peak / MiB, (double)st.heap_sys / MiB, st.gc_percent, st.procs,
            seen ? (double)goal / MiB / (double)seen : 0.0, seen ? (double)peak / MiB / (double)seen : 0.0,
            pog_max);
}

#endif /* PGC_WHIPPET_ADAPTER_H */

/* The allocators, once the benchmark's kinds (enum alloc_kind, from its
 * types header) are declared: the "simple-allocator.h" name defines
 * PGC_WHIPPET_ALLOCATOR before including this header. */
#if defined(PGC_WHIPPET_ALLOCATOR) && !defined(PGC_WHIPPET_ALLOCATOR_DONE)
#define PGC_WHIPPET_ALLOCATOR_DONE 1

#ifdef PGC_WHIPPET_PRECISE
static const pgc_kind *pgcw_node_kind PGCW_UNUSED;
static PGCW_UNUSED const pgc_kind *pgcw_get_node_kind(void)
{
    /* A node: header word, two pointers, two ints. */
    if (pgcw_node_kind == NULL) {
        uint64_t bits = 0x6; /* words 1 and 2 */
        pgcw_node_kind = pgc_kind_bitmap(&bits, 4);
    }
    return pgcw_node_kind;
}
#endif

PGCW_INLINE void *gc_allocate_with_kind(struct gc_mutator *mut, enum alloc_kind kind, size_t bytes)
{
    (void)mut;
    struct gc_header *h;
    if (kind == ALLOC_KIND_NODE) {
#ifdef PGC_WHIPPET_PRECISE
        h = pgc_alloc_kind(pgcw_get_node_kind(), bytes);
#else
        h = pgc_alloc(bytes);
#endif
    } else if (kind == ALLOC_KIND_HOLE) {
#ifdef PGC_WHIPPET_HOLES_SCANNED
        h = pgc_alloc(bytes);
#else
        h = pgc_alloc_atomic(bytes);
#endif
    } else {
        h = pgc_alloc(bytes);
    }
    h->tag = (uintptr_t)kind;
    return h;
}
PGCW_INLINE void *gc_allocate_pointerless_with_kind(struct gc_mutator *mut, enum alloc_kind kind,
                                                    size_t bytes)
{
    (void)mut;
    struct gc_header *h = pgc_alloc_atomic(bytes);
    h->tag = (uintptr_t)kind;
    return h;
}

/* Whippet's barrier is called before the benchmark's own plain store. */
PGCW_INLINE void gc_write_barrier(struct gc_mutator *mut, struct gc_ref obj, size_t obj_size,
                                  struct gc_edge edge, struct gc_ref new_val)
{
    (void)mut;
    (void)obj;
    (void)obj_size;
    pgc_store(edge.dst, (void *)new_val.value);
}
#endif
