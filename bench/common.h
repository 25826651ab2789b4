/*
 * common.h - the backend layer shared by every C benchmark program.
 *
 * Each workload (gcbench.c, binarytrees.c, ...) is one source file compiled
 * once per backend, selected by exactly one of:
 *   -DBENCH_PACEGC    pacegc (build/libpacegc.a)
 *   -DBENCH_BDWGC     bdwgc (-lgc), parallel marker; incremental mode when
 *                     the environment has BENCH_BDW_INCREMENTAL=1
 *   -DBENCH_MALLOC    glibc malloc/free
 *   -DBENCH_MIMALLOC  mimalloc (mi_malloc/mi_free)
 *
 * The workload code uses only the B_* macros and bench_* functions below, so
 * the same algorithm runs on every backend. Rules the workloads follow:
 *  - every field of a fresh object is written before it is read (malloc does
 *    not zero);
 *  - B_FREE(p) is called where the workload knows an object died; it is a
 *    no-op for the collectors;
 *  - B_STORE(lvalue, v) is used for every pointer store into a heap object
 *    over a slot that may hold non-NULL (the pacegc write barrier); a plain
 *    store is used only over a slot known to hold NULL.
 *
 * Every program ends with bench_finish(), which prints the one line the
 * harness reads:
 *   RESULT workload=<w> backend=<b> wall_ms=<..> rss_kb=<..> max_pause_us=<..>
 *          p99_pause_us=<..> peak_over_goal=<..> assist_ms=<..> extra=<k=v,...>
 * with "-" for what the backend cannot report.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_UNUSED __attribute__((unused))

/* ---- Backend selection ------------------------------------------------- */

#if defined(BENCH_PACEGC)
#include "pacegc.h"
#define BENCH_IS_GC 1
#define B_ALLOC(n) bench_check_alloc(pgc_alloc(n), (n))
#define B_ALLOC_ATOMIC(n) bench_check_alloc(pgc_alloc_atomic(n), (n))
#define B_FREE(p) ((void)(p))
#define B_STORE(lv, v) PGC_STORE(lv, v)
#define B_THREAD_CREATE(t, fn, arg) pgc_pthread_create((t), NULL, (fn), (arg))
#define B_THREAD_JOIN(t) pthread_join((t), NULL)

#elif defined(BENCH_BDWGC)
#define GC_THREADS 1
#include <gc/gc.h>
#define BENCH_IS_GC 1
#define B_ALLOC(n) bench_check_alloc(GC_MALLOC(n), (n))
#define B_ALLOC_ATOMIC(n) bench_check_alloc(GC_MALLOC_ATOMIC(n), (n))
#define B_FREE(p) ((void)(p))
#define B_STORE(lv, v) ((lv) = (v))
#define B_THREAD_CREATE(t, fn, arg) GC_pthread_create((t), NULL, (fn), (arg))
#define B_THREAD_JOIN(t) GC_pthread_join((t), NULL)

#elif defined(BENCH_MALLOC)
#define BENCH_IS_GC 0
#define B_ALLOC(n) bench_check_alloc(malloc(n), (n))
#define B_ALLOC_ATOMIC(n) bench_check_alloc(malloc(n), (n))
#define B_FREE(p) free(p)
#define B_STORE(lv, v) ((lv) = (v))
#define B_THREAD_CREATE(t, fn, arg) pthread_create((t), NULL, (fn), (arg))
#define B_THREAD_JOIN(t) pthread_join((t), NULL)

#elif defined(BENCH_MIMALLOC)
#include <mimalloc.h>
#define BENCH_IS_GC 0
#define B_ALLOC(n) bench_check_alloc(mi_malloc(n), (n))
#define B_ALLOC_ATOMIC(n) bench_check_alloc(mi_malloc(n), (n))
#define B_FREE(p) mi_free(p)
#define B_STORE(lv, v) ((lv) = (v))
#define B_THREAD_CREATE(t, fn, arg) pthread_create((t), NULL, (fn), (arg))
#define B_THREAD_JOIN(t) pthread_join((t), NULL)

#else
#error "define one of BENCH_PACEGC, BENCH_BDWGC, BENCH_MALLOC, BENCH_MIMALLOC"
#endif

/* ---- Small utilities --------------------------------------------------- */

static BENCH_UNUSED void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static inline void *bench_check_alloc(void *p, size_t n)
{
    if (p == NULL)
        bench_die("allocation of %zu bytes returned NULL", n);
    return p;
}

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Peak resident set size of this process in KiB (Linux ru_maxrss unit). */
static BENCH_UNUSED long bench_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

/* xorshift64* generator: fixed seeds, identical sequence in the Go
 * programs (bench/go/internal/harness). */
typedef struct bench_rng { uint64_t s; } bench_rng;

static inline void bench_rng_seed(bench_rng *r, uint64_t seed)
{
    /* One splitmix64 step so that small seeds give well-mixed states. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->s = z ? z : 1;
}

static inline uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n). */
static inline uint64_t bench_rng_below(bench_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)bench_rng_next(r) * n) >> 64);
}

/* A 64-bit mix used as a per-node check value. */
static inline uint64_t bench_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

static BENCH_UNUSED long bench_arg_long(int argc, char **argv, int i, long dflt)
{
    if (i < argc && argv[i][0] != '\0') {
        char *end;
        long v = strtol(argv[i], &end, 0);
        if (*end != '\0')
            bench_die("argument %d: not a number: %s", i, argv[i]);
        return v;
    }
    return dflt;
}

/* Sorts a copy-free array of uint64_t in place (for percentiles). */
static int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* p-th percentile (0 < p <= 100) by nearest rank; sorts v. 0 if n == 0. */
static BENCH_UNUSED uint64_t bench_percentile(uint64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, bench_cmp_u64);
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

/* ---- Precise layouts ---------------------------------------------------
 * B_KIND_BITMAP(bits, nwords) describes a node type (pgc_kind_bitmap);
 * B_ALLOC_KIND(kind, n) allocates one. Only the pacegc build with
 * -DBENCH_PRECISE (backend "pacegc-precise") uses them; everywhere else
 * they are B_ALLOC, so the same program measures both. */
#if defined(BENCH_PACEGC) && defined(BENCH_PRECISE)
typedef const pgc_kind *bench_kind;
#define B_KIND_BITMAP(bits, nwords) pgc_kind_bitmap((bits), (nwords))
#define B_ALLOC_KIND(kind, n) bench_check_alloc(pgc_alloc_kind((kind), (n)), (n))
#else
typedef const void *bench_kind;
#define B_KIND_BITMAP(bits, nwords) ((void)(bits), (void)(nwords), (bench_kind)NULL)
#define B_ALLOC_KIND(kind, n) ((void)(kind), B_ALLOC(n))
#endif

/* ---- Report state ------------------------------------------------------ */

static struct {
    const char *backend;
    uint64_t t0;
    char extra[2048];
    /* Overrides set by a workload (latency): pauses measured by its probe. */
    int have_probe_pauses;
    double probe_max_us, probe_p99_us;
} bench_state;

/* Appends one k=v pair to the extra= field. */
static BENCH_UNUSED void bench_extra(const char *fmt, ...)
{
    size_t len = strlen(bench_state.extra);
    if (len + 2 >= sizeof bench_state.extra)
        return;
    if (len > 0)
        bench_state.extra[len++] = ',';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bench_state.extra + len, sizeof bench_state.extra - len, fmt, ap);
    va_end(ap);
}

/* Growable array of u64 in malloc memory (never in a GC heap). */
typedef struct bench_vec { uint64_t *v; size_t n, cap; } bench_vec;

static BENCH_UNUSED void bench_vec_push(bench_vec *a, uint64_t x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1024;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (a->v == NULL)
            bench_die("out of memory in bench_vec_push");
    }
    a->v[a->n++] = x;
}

/* ---- pacegc: cycle records read by a sampler thread -------------------- */

#if defined(BENCH_PACEGC)
#if defined(BENCH_PRECISE)
#define BENCH_BACKEND_NAME() "pacegc-precise"
#else
#define BENCH_BACKEND_NAME() "pacegc"
#endif

static struct {
    pthread_t thread;
    int sampling;
    atomic_int stop;
    atomic_uint_fast64_t phase_cycle; /* first cycle of the measured phase */
    uint64_t next_cycle;     /* next cycle number to read */
    uint64_t cycles_seen, cycles_missed;
    double peak_over_goal;   /* max heap_alloc_peak / heap_goal */
    double phase_peak;       /* the same over cycles >= phase_cycle */
    uint64_t phase_heap_peak; /* max heap_alloc_peak over cycles >= phase_cycle */
    uint64_t worst_cycle, worst_goal;
    uint64_t max_cycle_pause;
    uint64_t mark_wall_ns;   /* sum of mark_ns over the cycles seen */
    bench_vec pauses;        /* per-cycle pause_ns */
    uint64_t mark_cpu_ns, heap_scan_bytes, root_scan_bytes; /* sums over the cycles seen */
    uint64_t traced_bytes, black_bytes; /* sums of heap_traced, heap_black over the cycles seen */
} bench_pgc;

static void bench_pgc_poll(void)
{
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t phase = atomic_load_explicit(&bench_pgc.phase_cycle, memory_order_relaxed);
    if (bench_pgc.next_cycle == 0)
        bench_pgc.next_cycle = 1;
    for (; bench_pgc.next_cycle <= st.num_gc; bench_pgc.next_cycle++) {
        pgc_cycle_info ci;
        if (pgc_read_cycle(bench_pgc.next_cycle, &ci) != 0) {
            bench_pgc.cycles_missed++;
            continue;
        }
        bench_pgc.cycles_seen++;
        bench_vec_push(&bench_pgc.pauses, ci.pause_ns);
        bench_pgc.mark_cpu_ns += ci.mark_cpu_ns;
        bench_pgc.heap_scan_bytes += ci.heap_scan_bytes;
        bench_pgc.root_scan_bytes += ci.root_scan_bytes;
        bench_pgc.mark_wall_ns += ci.mark_ns;
        bench_pgc.traced_bytes += ci.heap_traced;
        bench_pgc.black_bytes += ci.heap_black;
        if (ci.pause_ns > bench_pgc.max_cycle_pause)
            bench_pgc.max_cycle_pause = ci.pause_ns;
        if (ci.heap_goal > 0) {
            double r = (double)ci.heap_alloc_peak / (double)ci.heap_goal;
            if (r > bench_pgc.peak_over_goal) {
                bench_pgc.peak_over_goal = r;
                bench_pgc.worst_cycle = ci.cycle;
                bench_pgc.worst_goal = ci.heap_goal;
            }
            if (phase != 0 && ci.cycle >= phase && r > bench_pgc.phase_peak)
                bench_pgc.phase_peak = r;
            if (phase != 0 && ci.cycle >= phase && ci.heap_alloc_peak > bench_pgc.phase_heap_peak)
                bench_pgc.phase_heap_peak = ci.heap_alloc_peak;
        }
    }
}

static void *bench_pgc_sampler(void *arg)
{
    (void)arg;
    const struct timespec ms2 = {0, 2000000};
    while (!atomic_load_explicit(&bench_pgc.stop, memory_order_acquire)) {
        bench_pgc_poll();
        nanosleep(&ms2, NULL);
    }
    return NULL;
}

static void bench_backend_init(void)
{
    pgc_init();
    /* BENCH_NO_SAMPLER=1: no sampler thread; only the last 256 cycles are
     * read, at the end (for checking the sampler's own cost). */
    const char *ns = getenv("BENCH_NO_SAMPLER");
    bench_pgc.sampling = !(ns != NULL && ns[0] == '1');
    if (bench_pgc.sampling &&
        pgc_pthread_create(&bench_pgc.thread, NULL, bench_pgc_sampler, NULL) != 0)
        bench_die("cannot start the cycle sampler thread");
}

/* Marks the start of the workload's measured phase (after building its live
 * set): phase_peak_over_goal covers the cycles that finish from now on. */
static BENCH_UNUSED void bench_phase_start(void)
{
    pgc_stats st;
    pgc_read_stats(&st);
    atomic_store_explicit(&bench_pgc.phase_cycle, st.num_gc + 1, memory_order_relaxed);
}

static void bench_backend_report(double *max_pause_us, double *p99_pause_us,
                                 double *peak_over_goal, double *assist_ms)
{
    if (bench_pgc.sampling) {
        atomic_store_explicit(&bench_pgc.stop, 1, memory_order_release);
        pthread_join(bench_pgc.thread, NULL);
    } else {
        pgc_stats st0;
        pgc_read_stats(&st0);
        if (st0.num_gc > PGC_PAUSE_RING)
            bench_pgc.next_cycle = st0.num_gc - PGC_PAUSE_RING + 1;
    }
    bench_pgc_poll();
    pgc_stats st;
    pgc_read_stats(&st);
    /* Per-cycle totals (both pauses), like Go's PauseNs; pause_max_ns (one
     * stop-the-world) goes to extra= as stw_max_us. */
    uint64_t maxp = bench_pgc.max_cycle_pause > st.pause_max_ns
        ? bench_pgc.max_cycle_pause : st.pause_max_ns;
    *max_pause_us = (double)maxp / 1e3;
    *p99_pause_us = bench_pgc.pauses.n
        ? (double)bench_percentile(bench_pgc.pauses.v, bench_pgc.pauses.n, 99) / 1e3
        : 0;
    *peak_over_goal = bench_pgc.cycles_seen ? bench_pgc.peak_over_goal : -1;
    *assist_ms = (double)st.assist_ns_total / 1e6;
    bench_extra("num_gc=%" PRIu64, st.num_gc);
    bench_extra("stw_max_us=%.0f", (double)st.pause_max_ns / 1e3);
    bench_extra("gc_cpu=%.3f", st.gc_cpu_fraction);
    bench_extra("blocked_ms=%.1f", (double)st.assist_blocked_ns_total / 1e6);
    bench_extra("bg_ms=%.1f", (double)st.bg_mark_ns_total / 1e6);
    /* For the time breakdown (bench/table.sh): idle-worker CPU, the sum of
     * every stop-the-world, the sum of the concurrent mark phases' wall
     * time (cycles the sampler saw), and the CPUs the pacer plans for. */
    bench_extra("idle_ms=%.1f", (double)st.idle_mark_ns_total / 1e6);
    bench_extra("pause_total_ms=%.2f", (double)st.pause_total_ns / 1e6);
    bench_extra("mark_wall_ms=%.1f", (double)bench_pgc.mark_wall_ns / 1e6);
    bench_extra("procs=%d", st.procs);
    /* the rest of the breakdown: sweeping (all / lazy), the coordinator
     * outside pauses, the workers by kind, the marked bytes by origin */
    bench_extra("sweep_ms=%.1f", (double)st.sweep_ns_total / 1e6);
    bench_extra("sweep_lazy_ms=%.1f", (double)st.sweep_lazy_ns_total / 1e6);
    bench_extra("coord_ms=%.1f", (double)st.coord_ns_total / 1e6);
    bench_extra("ded_ms=%.1f", (double)st.dedicated_mark_ns_total / 1e6);
    bench_extra("frac_ms=%.1f", (double)st.fractional_mark_ns_total / 1e6);
    bench_extra("traced_mib=%.1f", (double)bench_pgc.traced_bytes / 1048576.0);
    bench_extra("black_mib=%.1f", (double)bench_pgc.black_bytes / 1048576.0);
    bench_extra("heap_peak_mib=%.1f", (double)st.heap_alloc_peak / 1048576.0);
    bench_extra("heap_sys_mib=%.1f", (double)st.heap_sys / 1048576.0);
    if (bench_pgc.cycles_seen) { /* per cycle, over the cycles the sampler saw */
        double n = (double)bench_pgc.cycles_seen;
        bench_extra("mark_cpu_ms_per_cycle=%.3f", (double)bench_pgc.mark_cpu_ns / 1e6 / n);
        bench_extra("heap_scan_mib_per_cycle=%.2f", (double)bench_pgc.heap_scan_bytes / 1048576.0 / n);
        bench_extra("root_scan_kib_per_cycle=%.1f", (double)bench_pgc.root_scan_bytes / 1024.0 / n);
    }
    if (bench_pgc.cycles_seen) {
        bench_extra("worst_cycle=%" PRIu64, bench_pgc.worst_cycle);
        bench_extra("worst_goal_mib=%.1f", (double)bench_pgc.worst_goal / 1048576.0);
    }
    if (atomic_load_explicit(&bench_pgc.phase_cycle, memory_order_relaxed) != 0) {
        bench_extra("phase_peak_over_goal=%.3f", bench_pgc.phase_peak);
        bench_extra("phase_heap_peak_mib=%.1f", (double)bench_pgc.phase_heap_peak / 1048576.0);
    }
    if (bench_pgc.cycles_missed)
        bench_extra("cycles_missed=%" PRIu64, bench_pgc.cycles_missed);
}

static BENCH_UNUSED uint64_t bench_heap_sys_bytes(void)
{
    pgc_stats st;
    pgc_read_stats(&st);
    return st.heap_sys - st.heap_released;
}

/* ---- bdwgc: pauses from the collection-event callback ------------------ */

#elif defined(BENCH_BDWGC)
#define BENCH_BDW_RING 65536
static struct {
    int incremental;
    uint64_t stop_t0, coll_t0;
    uint64_t npauses, max_pause_ns, total_pause_ns, total_coll_ns;
    uint64_t pauses[BENCH_BDW_RING];
} bench_bdw;

static const char *BENCH_BACKEND_NAME(void)
{
    return bench_bdw.incremental ? "bdwgc-incr" : "bdwgc";
}

/* Called with the GC lock held (or the world stopped): no allocation. */
static void GC_CALLBACK bench_bdw_event(GC_EventType e)
{
    uint64_t now = bench_now_ns();
    switch (e) {
    case GC_EVENT_START:
        bench_bdw.coll_t0 = now;
        break;
    case GC_EVENT_END:
        if (bench_bdw.coll_t0)
            bench_bdw.total_coll_ns += now - bench_bdw.coll_t0;
        bench_bdw.coll_t0 = 0;
        break;
    case GC_EVENT_PRE_STOP_WORLD:
        bench_bdw.stop_t0 = now;
        break;
    case GC_EVENT_POST_START_WORLD:
        if (bench_bdw.stop_t0) {
            uint64_t d = now - bench_bdw.stop_t0;
            bench_bdw.pauses[bench_bdw.npauses % BENCH_BDW_RING] = d;
            bench_bdw.npauses++;
            bench_bdw.total_pause_ns += d;
            if (d > bench_bdw.max_pause_ns)
                bench_bdw.max_pause_ns = d;
        }
        bench_bdw.stop_t0 = 0;
        break;
    default:
        break;
    }
}

static void bench_backend_init(void)
{
    const char *inc = getenv("BENCH_BDW_INCREMENTAL");
    bench_bdw.incremental = inc != NULL && inc[0] == '1';
    GC_INIT();
    if (bench_bdw.incremental)
        GC_enable_incremental();
    GC_start_performance_measurement();
    GC_set_on_collection_event(bench_bdw_event);
    /* Threads are made with GC_pthread_create; start the parallel markers
     * now so that single-threaded workloads mark in parallel too. */
    GC_start_mark_threads();
}

static BENCH_UNUSED void bench_phase_start(void) {}

static void bench_backend_report(double *max_pause_us, double *p99_pause_us,
                                 double *peak_over_goal, double *assist_ms)
{
    struct GC_prof_stats_s ps;
    GC_get_prof_stats(&ps, sizeof ps);
    size_t n = bench_bdw.npauses < BENCH_BDW_RING ? bench_bdw.npauses : BENCH_BDW_RING;
    *max_pause_us = (double)bench_bdw.max_pause_ns / 1e3;
    *p99_pause_us = n ? (double)bench_percentile(bench_bdw.pauses, n, 99) / 1e3 : 0;
    *peak_over_goal = -1;
    *assist_ms = -1;
    bench_extra("num_gc=%lu", (unsigned long)ps.gc_no);
    bench_extra("stw_count=%" PRIu64, bench_bdw.npauses);
    bench_extra("stw_total_ms=%.1f", (double)bench_bdw.total_pause_ns / 1e6);
    bench_extra("gc_ms=%.1f", (double)bench_bdw.total_coll_ns / 1e6);
    bench_extra("full_gc_ms=%lu", GC_get_full_gc_total_time());
    bench_extra("markers=%d", GC_get_parallel() + 1);
    bench_extra("heap_mib=%.1f", (double)ps.heapsize_full / 1048576.0);
    if (bench_bdw.incremental)
        bench_extra("incremental=%d", GC_is_incremental_mode());
}

static BENCH_UNUSED uint64_t bench_heap_sys_bytes(void)
{
    return (uint64_t)GC_get_heap_size();
}

/* ---- malloc / mimalloc: nothing to sample ------------------------------ */

#else
#if defined(BENCH_MALLOC)
#define BENCH_BACKEND_NAME() "malloc"
#else
#define BENCH_BACKEND_NAME() "mimalloc"
#endif
static void bench_backend_init(void)
{
#if defined(BENCH_MIMALLOC)
    mi_free(mi_malloc(1)); /* initialise outside the timed region */
#endif
}

static BENCH_UNUSED void bench_phase_start(void) {}

static void bench_backend_report(double *max_pause_us, double *p99_pause_us,
                                 double *peak_over_goal, double *assist_ms)
{
    *max_pause_us = *p99_pause_us = *peak_over_goal = *assist_ms = -1;
}

static BENCH_UNUSED uint64_t bench_heap_sys_bytes(void)
{
    return 0;
}
#endif

/* ---- Start and finish -------------------------------------------------- */

/* Initialises the backend and starts the wall clock. */
static BENCH_UNUSED void bench_init(void)
{
    bench_backend_init();
    bench_state.backend = BENCH_BACKEND_NAME();
    bench_state.t0 = bench_now_ns();
}

/* The latency workload reports the pauses its probe saw instead of the
 * collector's own figures (which then go to extra=). */
static BENCH_UNUSED void bench_set_probe_pauses(double max_us, double p99_us)
{
    bench_state.have_probe_pauses = 1;
    bench_state.probe_max_us = max_us;
    bench_state.probe_p99_us = p99_us;
}

static void bench_put_num(const char *key, double v, const char *fmt)
{
    printf(" %s=", key);
    if (v < 0)
        fputs("-", stdout);
    else
        printf(fmt, v);
}

/* Prints the RESULT line. wall_ns 0 means "since bench_init". */
static BENCH_UNUSED void bench_finish(const char *workload, uint64_t wall_ns)
{
    if (wall_ns == 0)
        wall_ns = bench_now_ns() - bench_state.t0;
    double max_us, p99_us, pog, assist_ms;
    bench_backend_report(&max_us, &p99_us, &pog, &assist_ms);
    if (bench_state.have_probe_pauses) {
        if (max_us >= 0) {
            bench_extra("gc_max_pause_us=%.0f", max_us);
            bench_extra("gc_p99_pause_us=%.0f", p99_us);
        }
        max_us = bench_state.probe_max_us;
        p99_us = bench_state.probe_p99_us;
    }
    printf("RESULT workload=%s backend=%s", workload, bench_state.backend);
    bench_put_num("wall_ms", (double)wall_ns / 1e6, "%.1f");
    printf(" rss_kb=%ld", bench_rss_kb());
    {
        /* process CPU (user + system, all threads), for the breakdown */
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            bench_extra("cpu_ms=%.0f", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                                           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
    }
    bench_put_num("max_pause_us", max_us, "%.0f");
    bench_put_num("p99_pause_us", p99_us, "%.0f");
    bench_put_num("peak_over_goal", pog, "%.3f");
    bench_put_num("assist_ms", assist_ms, "%.1f");
    printf(" extra=%s\n", bench_state.extra[0] ? bench_state.extra : "-");
    fflush(stdout);
}

#endif /* BENCH_COMMON_H */
