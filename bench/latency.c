/*
 * latency.c - pause times and minimum mutator utilization (MMU) under a
 * large live heap with steady churn.
 *
 * Live set: live_mib MiB of small objects: slots each holding a chain of 4
 * nodes of 56 bytes (64 with every backend's size class, the figure used for
 * accounting); slots sit in 32 KiB pointer arrays hanging off one directory.
 * Churn (one mutator thread): pick a random slot and either replace its
 * whole chain with 4 new nodes (3 times in 4) or replace the chain's last two
 * nodes (store into an old node); verify the nodes that die; stop after
 * churn_mib MiB of new nodes. At the end every chain is walked and checked,
 * and a running sum of chain ids must match.
 *
 * A probe thread, attached to the collector like any mutator, spins reading
 * the monotonic clock during the churn phase and records every gap of more
 * than GAP_NS in its own progress. max_pause_us / p99_pause_us are the
 * largest / 99th percentile gap; mmu_<w> is the minimum over all windows of
 * length w of the fraction of the window the probe was running. The MMU
 * curve goes to the file named by BENCH_MMU_FILE ("window_ms mmu" lines).
 *
 * BENCH_PROBE_ALLOC_US=u makes the probe a light allocating thread (issue
 * 12's latency probe): every u microseconds it allocates a 32-byte object
 * (kept in a ring of 64, so it lives a while), spinning on the clock in
 * between; a gap then includes any time the allocation waited (assist
 * debt, a stop, a lock). extra= gets probe_alloc_us and probe_allocs.
 *
 * usage: latency [live_mib [churn_mib]]    defaults 1024 3072
 */
#include "common.h"

#define CHAIN 4
#define NODE_BYTES 64 /* accounting size of one node */
#define SLOTS_PER_CHUNK 4096
#define GAP_NS 20000 /* gaps shorter than this count as progress */
#define MAX_GAPS (4u << 20)

typedef struct node {
    struct node *next;
    uint64_t id, check;
    uint64_t pad[4];
} node;

typedef struct table {
    node ***chunks; /* GC-allocated directory of GC-allocated slot arrays */
    uint64_t nchunks, nslots;
} table;

static table tab; /* global: scanned as a root by the collectors */

/* ---- the probe ---------------------------------------------------------- */

static struct {
    pthread_t tid;
    atomic_int stop, running;
    uint64_t t_begin, t_end;
    uint64_t *start, *len; /* gaps, malloc memory */
    uint64_t n, dropped;
} probe;

/* BENCH_PROBE_SCHED=1: the probe calls getrusage(RUSAGE_THREAD) at every
 * step, and each gap is classed by the context switches inside it:
 * "preempted" (involuntary switches only: another runnable thread had the
 * CPU, the scheduler's doing with more runnable threads than CPUs),
 * "slept" (a voluntary switch: the probe waited on a futex, which is a
 * stop by the collector, a lock or a wait inside the library) or "ran"
 * (no switch: the probe was on the CPU, in an allocation, a signal handler
 * or a page fault). extra= gets each class's total and longest gap, and
 * the time of gaps that contained an allocation. Costs a system call per
 * step. */
static int probe_sched;
enum { GC_PREEMPTED, GC_SLEPT, GC_RAN, GC_NCLASS };
static const char *const gap_class_name[GC_NCLASS] = {"preempted", "slept", "ran"};
static struct {
    uint64_t total[GC_NCLASS], max[GC_NCLASS];
    uint64_t n[GC_NCLASS];
    uint64_t alloc_ns, alloc_max, alloc_gaps; /* gaps that contained an allocation */
    uint64_t max_gap;
    int max_class;
} split;

static uint64_t probe_alloc_ns; /* 0: the probe only spins */
static uint64_t probe_allocs;
static void **probe_ring; /* GC-allocated, 64 slots; reachable from here */

static void *probe_thread(void *arg)
{
    (void)arg;
    uint64_t last = bench_now_ns();
    probe.t_begin = last;
    uint64_t next_alloc = last + probe_alloc_ns;
    atomic_store_explicit(&probe.running, 1, memory_order_release);
    struct rusage ru0, ru1;
    memset(&ru0, 0, sizeof ru0);
    memset(&ru1, 0, sizeof ru1);
    if (probe_sched)
        getrusage(RUSAGE_THREAD, &ru0);
    while (!atomic_load_explicit(&probe.stop, memory_order_relaxed)) {
        uint64_t a0 = 0, a1 = 0;
        if (probe_alloc_ns && last >= next_alloc) {
            a0 = bench_now_ns();
            void **p = B_ALLOC(32);
            a1 = bench_now_ns();
            p[0] = p[1] = p[2] = p[3] = NULL;
            void *old = probe_ring[probe_allocs % 64];
            B_STORE(probe_ring[probe_allocs % 64], (void *)p);
            B_FREE(old);
            probe_allocs++;
            next_alloc += probe_alloc_ns;
            if (next_alloc < last)
                next_alloc = last + probe_alloc_ns;
        }
        uint64_t now = bench_now_ns();
        if (probe_sched) {
            getrusage(RUSAGE_THREAD, &ru1);
            now = bench_now_ns(); /* after the call: its time is the probe's own */
            if (now - last > GAP_NS) {
                uint64_t g = now - last, al = a1 - a0;
                int c = ru1.ru_nvcsw != ru0.ru_nvcsw ? GC_SLEPT : ru1.ru_nivcsw != ru0.ru_nivcsw ? GC_PREEMPTED : GC_RAN;
                split.total[c] += g;
                split.n[c]++;
                if (g > split.max[c])
                    split.max[c] = g;
                if (g > split.max_gap) {
                    split.max_gap = g;
                    split.max_class = c;
                }
                if (al) {
                    split.alloc_gaps++;
                    split.alloc_ns += al;
                    if (al > split.alloc_max)
                        split.alloc_max = al;
                }
            }
            ru0 = ru1;
        }
        if (now - last > GAP_NS) {
            if (probe.n < MAX_GAPS) {
                probe.start[probe.n] = last - probe.t_begin;
                probe.len[probe.n] = now - last;
                probe.n++;
            } else {
                probe.dropped++;
            }
        }
        last = now;
    }
    probe.t_end = last;
    return NULL;
}

/* Gap time inside [a, b] (ns since t_begin). */
static uint64_t gap_overlap(const uint64_t *prefix, uint64_t a, uint64_t b)
{
    /* first gap ending after a */
    size_t lo = 0, hi = probe.n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (probe.start[m] + probe.len[m] <= a)
            lo = m + 1;
        else
            hi = m;
    }
    size_t i = lo;
    /* first gap starting at or after b */
    lo = i, hi = probe.n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (probe.start[m] < b)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo == i)
        return 0;
    size_t j = lo - 1;
    uint64_t sum = prefix[j + 1] - prefix[i];
    if (probe.start[i] < a)
        sum -= a - probe.start[i];
    uint64_t end_j = probe.start[j] + probe.len[j];
    if (end_j > b)
        sum -= end_j - b;
    return sum;
}

/* Minimum mutator utilization for windows of w ns; -1 if the run is
 * shorter than w. The worst window starts where a gap starts or ends where
 * a gap ends (or touches an end of the run). */
static double mmu(const uint64_t *prefix, uint64_t w)
{
    uint64_t total = probe.t_end - probe.t_begin;
    if (w > total)
        return -1;
    uint64_t worst = gap_overlap(prefix, 0, w);
    uint64_t g = gap_overlap(prefix, total - w, total);
    if (g > worst)
        worst = g;
    for (size_t k = 0; k < probe.n; k++) {
        uint64_t s = probe.start[k], e = s + probe.len[k];
        if (s + w <= total && (g = gap_overlap(prefix, s, s + w)) > worst)
            worst = g;
        if (e >= w && (g = gap_overlap(prefix, e - w, e)) > worst)
            worst = g;
    }
    if (worst > w)
        worst = w;
    return 1.0 - (double)worst / (double)w;
}

static void probe_report(long live_mib)
{
    uint64_t *prefix = malloc((probe.n + 1) * sizeof *prefix);
    uint64_t *sorted = malloc((probe.n + 1) * sizeof *sorted);
    if (prefix == NULL || sorted == NULL)
        bench_die("latency: out of memory for the report");
    prefix[0] = 0;
    for (size_t k = 0; k < probe.n; k++) {
        prefix[k + 1] = prefix[k] + probe.len[k];
        sorted[k] = probe.len[k];
    }
    uint64_t p99 = bench_percentile(sorted, probe.n, 99);
    uint64_t max = probe.n ? sorted[probe.n - 1] : 0;
    bench_set_probe_pauses((double)max / 1e3, (double)p99 / 1e3);

    static const double windows_ms[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50,
                                        100, 200, 500, 1000, 2000, 5000, 10000};
    const char *path = getenv("BENCH_MMU_FILE");
    FILE *f = path && *path ? fopen(path, "w") : NULL;
    if (f)
        fprintf(f, "# window_ms mmu (latency, backend %s, live %ld MiB, %" PRIu64 " gaps > %d us)\n",
                bench_state.backend, live_mib, probe.n, GAP_NS / 1000);
    for (size_t k = 0; k < sizeof windows_ms / sizeof windows_ms[0]; k++) {
        double u = mmu(prefix, (uint64_t)(windows_ms[k] * 1e6));
        if (u < 0)
            continue;
        if (f)
            fprintf(f, "%g %.4f\n", windows_ms[k], u);
        if (windows_ms[k] == 1 || windows_ms[k] == 10 || windows_ms[k] == 100)
            bench_extra("mmu_%gms=%.3f", windows_ms[k], u);
    }
    if (f)
        fclose(f);
    bench_extra("gaps=%" PRIu64, probe.n);
    if (probe.dropped)
        bench_extra("gaps_dropped=%" PRIu64, probe.dropped);
    bench_extra("gap_total_ms=%.1f", (double)prefix[probe.n] / 1e6);
    if (probe_alloc_ns)
        bench_extra("probe_allocs=%" PRIu64, probe_allocs);
    bench_extra("probe_ms=%.0f", (double)(probe.t_end - probe.t_begin) / 1e6);
    if (probe_sched) {
        for (int c = 0; c < GC_NCLASS; c++)
            bench_extra("gaps_%s=%" PRIu64 "/%.1fms/max%.0fus", gap_class_name[c], split.n[c], split.total[c] / 1e6,
                        split.max[c] / 1e3);
        bench_extra("gaps_alloc=%" PRIu64 "/%.1fms/max%.0fus", split.alloc_gaps, split.alloc_ns / 1e6, split.alloc_max / 1e3);
        bench_extra("longest_gap_class=%s", gap_class_name[split.max_class]);
    }
    free(prefix);
    free(sorted);
}

/* ---- the live set ------------------------------------------------------- */

static node *new_node(uint64_t id, node *next)
{
    node *n = B_ALLOC(sizeof *n);
    n->next = next; /* fresh object: store over NULL */
    n->id = id;
    n->check = bench_mix(id);
    for (int k = 0; k < 4; k++)
        n->pad[k] = id + (uint64_t)k;
    return n;
}

/* A chain of CHAIN nodes with ids base .. base+CHAIN-1, built tail first. */
static node *new_chain(uint64_t base, int from)
{
    node *n = NULL;
    for (int k = CHAIN - 1; k >= from; k--)
        n = new_node(base + (uint64_t)k, n);
    return n;
}

static void check_node(const node *n, uint64_t id)
{
    if (n == NULL || n->id != id || n->check != bench_mix(id) || n->pad[3] != id + 3)
        bench_die("latency: node %" PRIu64 " damaged", id);
}

static node **slot_ref(uint64_t s)
{
    return &tab.chunks[s / SLOTS_PER_CHUNK][s % SLOTS_PER_CHUNK];
}

int main(int argc, char **argv)
{
    long live_mib = bench_arg_long(argc, argv, 1, 1024);
    long churn_mib = bench_arg_long(argc, argv, 2, 3072);
    if (live_mib < 1 || churn_mib < 1)
        bench_die("latency: bad arguments");
    probe.start = malloc(MAX_GAPS * sizeof(uint64_t));
    probe.len = malloc(MAX_GAPS * sizeof(uint64_t));
    if (probe.start == NULL || probe.len == NULL)
        bench_die("latency: out of memory for the gap log");

    bench_init();
    uint64_t nslots = (uint64_t)live_mib * 1048576 / (NODE_BYTES * CHAIN);
    tab.nchunks = (nslots + SLOTS_PER_CHUNK - 1) / SLOTS_PER_CHUNK;
    tab.nslots = tab.nchunks * SLOTS_PER_CHUNK;
    tab.chunks = B_ALLOC(tab.nchunks * sizeof *tab.chunks);
    uint64_t next_id = 0, id_sum = 0;
    for (uint64_t c = 0; c < tab.nchunks; c++) {
        node **chunk = B_ALLOC(SLOTS_PER_CHUNK * sizeof *chunk);
        for (int k = 0; k < SLOTS_PER_CHUNK; k++) {
            chunk[k] = new_chain(next_id, 0); /* fresh array: over NULL */
            id_sum += next_id;
            next_id += CHAIN;
        }
        tab.chunks[c] = chunk;
    }
    uint64_t t_build = bench_now_ns();
    bench_phase_start();

    const char *pa = getenv("BENCH_PROBE_ALLOC_US");
    if (pa != NULL && atol(pa) > 0) {
        probe_alloc_ns = (uint64_t)atol(pa) * 1000;
        probe_ring = B_ALLOC(64 * sizeof(void *));
        memset(probe_ring, 0, 64 * sizeof(void *));
        bench_extra("probe_alloc_us=%ld", atol(pa));
    }
    const char *ps = getenv("BENCH_PROBE_SCHED");
    probe_sched = ps != NULL && atoi(ps) > 0;
    if (B_THREAD_CREATE(&probe.tid, probe_thread, NULL) != 0)
        bench_die("latency: cannot create the probe thread");
    while (!atomic_load_explicit(&probe.running, memory_order_acquire))
        ;

    bench_rng r;
    bench_rng_seed(&r, 7);
    uint64_t churn = (uint64_t)churn_mib * 1048576, allocated = 0, ops = 0;
    while (allocated < churn) {
        uint64_t s = bench_rng_below(&r, tab.nslots);
        node **ref = slot_ref(s);
        node *old = *ref;
        uint64_t base = old->id;
        check_node(old, base);
        if ((bench_rng_next(&r) & 3) != 0) {
            /* replace the whole chain: a pointer store into a slot array */
            node *fresh = new_chain(next_id, 0);
            B_STORE(*ref, fresh);
            id_sum += next_id - base;
            next_id += CHAIN;
            allocated += CHAIN * NODE_BYTES;
#if !BENCH_IS_GC
            for (node *n = old; n != NULL;) {
                node *nx = n->next;
                B_FREE(n);
                n = nx;
            }
#endif
        } else {
            /* replace the last two nodes: a store into an old node */
            node *keep = old->next;
            check_node(keep, base + 1);
            node *dead = keep->next;
            check_node(dead, base + 2);
            node *fresh = new_chain(base, 2);
            B_STORE(keep->next, fresh);
            allocated += 2 * NODE_BYTES;
#if !BENCH_IS_GC
            B_FREE(dead->next);
            B_FREE(dead);
#endif
        }
        ops++;
    }
    atomic_store_explicit(&probe.stop, 1, memory_order_relaxed);
    B_THREAD_JOIN(probe.tid);
    uint64_t t_churn = bench_now_ns();

    uint64_t sum = 0;
    for (uint64_t s = 0; s < tab.nslots; s++) {
        node *n = *slot_ref(s);
        uint64_t base = n->id;
        sum += base;
        for (int k = 0; k < CHAIN; k++, n = n->next)
            check_node(n, base + (uint64_t)k);
        if (n != NULL)
            bench_die("latency: chain too long at slot %" PRIu64, s);
    }
    if (sum != id_sum)
        bench_die("latency: chain id sum %" PRIu64 ", want %" PRIu64, sum, id_sum);

    probe_report(live_mib);
    bench_extra("live_mib=%ld", live_mib);
    bench_extra("churn_mib=%ld", churn_mib);
    bench_extra("ops=%" PRIu64, ops);
    bench_extra("build_ms=%.0f", (double)(t_build - bench_state.t0) / 1e6);
    bench_extra("churn_ms=%.0f", (double)(t_churn - t_build) / 1e6);
    bench_extra("ns_per_op=%.0f", (double)(t_churn - t_build) / (double)ops);
    bench_finish("latency", 0);
    return 0;
}
