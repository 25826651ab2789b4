// TEST-TIMEOUT: 180
// TEST-TSAN: no
/*
 * The memory limit (gc-notes Part 2, 2.5, 2.6 and 6.2 TestMemoryLimit).
 * Three parts, each in its own child process (forked before pacegc is
 * initialised, so each starts from default settings); `test_memlimit a|b|c`
 * runs one part in-process.
 *
 * (a) TestMemoryLimit: limit 256 MiB, default GOGC. A thread keeps a live
 *     set of 8000-byte pointer-free objects, reachable from a scanned array,
 *     whose size is stepped 25.6, 51.2, ... 179.2 MiB (limit/10 steps below
 *     8/10 of the limit); it reallocates and rewrites every object
 *     continuously. While each step runs (at least 3 full passes and 500 ms)
 *     heap_sys - heap_released is sampled every millisecond: it must stay
 *     <= limit + 16 MiB. pgc_set_memory_limit return values are checked
 *     (previous limit; a negative argument only reads).
 * (b) GOGC off and a 128 MiB limit: a thread allocates garbage steadily
 *     (fixed byte count) with a 16 MiB live ring. Every cycle's heap goal
 *     equals the memory-limit goal, limit - max(3%, 1 MiB) - non-heap
 *     overheads (pacegc counts none: its heap is all it maps); the goal may
 *     only be lower by the overage term (heap_sys - heap_released over the
 *     limit, bounded by the largest resident size sampled). heap_alloc
 *     (sampled, and each cycle's heap_alloc_peak) stays <= 1.10 x the
 *     memory-limit goal; cycles run.
 * (c) A live heap (96 MiB of 64-byte scanned nodes in 256 lists, built
 *     before the limit is set) above a 64 MiB limit, and a thread allocating
 *     garbage (4..64 KiB, pointer-free): the goal collapses to the live heap,
 *     so the collector runs back to back, and only the GC CPU limiter keeps
 *     it from taking the machine. Once the limiter has engaged (or after a
 *     5 s warm-up), over a 6 s window:
 *        GC CPU = d(assist_ns_total + bg_mark_ns_total)
 *                 + d(pause_total_ns) x procs          (idle marking excluded,
 *                                                       as in gc_cpu_fraction
 *                                                       and the limiter)
 *        share  = GC CPU / (wall x procs)   must be <= 0.60
 *     (If the window starts with the limiter's bucket anywhere between empty
 *     and full, a working limiter allows at most 0.5 + capacity / (2 x window
 *     x procs) = 0.58 of it; from a full bucket, 0.5.) The mutator must keep
 *     allocating during the window. Process CPU from getrusage is printed
 *     too, for comparison.
 *
 * Sampling is done by the unattached main thread of each child: it holds no
 * GC pointers, so the collector never stops it inside a statistics read.
 */
#include "check.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB ((int64_t)1 << 20)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static double mib(uint64_t b) { return (double)b / (1 << 20); }

static uint64_t resident(const pgc_stats *s) { return s->heap_sys - s->heap_released; }

/* ---- (a) TestMemoryLimit ---------------------------------------------------- */

#define A_LIMIT (256 * MiB)
#define A_UNIT 8000
#define A_PASSES 3
#define A_MIN_STEP_NS (500ull * 1000 * 1000)

static void **a_sink;                 /* global root: scanned array of objects */
static _Atomic int64_t a_target;      /* live bytes wanted; -1 = stop */
static _Atomic int64_t a_seen_target; /* target the allocator works on */
static _Atomic uint64_t a_passes;     /* full passes done at a_seen_target */

static void *a_allocator(void *arg)
{
    (void)arg;
    size_t n = 0;
    for (;;) {
        int64_t t = atomic_load(&a_target);
        if (t < 0)
            break;
        size_t want = (size_t)(t / A_UNIT);
        if (want != n || a_sink == NULL) {
            a_sink = NULL; /* a global: no barrier needed */
            void **s = pgc_alloc(want * sizeof(void *));
            CHECK(s != NULL, "(a) cannot allocate a sink of %zu slots", want);
            a_sink = s;
            n = want;
            atomic_store(&a_passes, 0);
            atomic_store(&a_seen_target, t);
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char *o = pgc_alloc_atomic(A_UNIT);
            CHECK(o != NULL, "(a) pgc_alloc_atomic(%d) returned NULL", A_UNIT);
            memset(o, 9, A_UNIT); /* writing slows the allocator, as in Go's test */
            PGC_STORE(a_sink[i], o);
        }
        atomic_fetch_add(&a_passes, 1);
        sched_yield();
    }
    return NULL;
}

static int part_a(void)
{
    int64_t prev = pgc_set_memory_limit(-1);
    CHECK(prev == INT64_MAX, "(a) initial memory limit %lld, expected INT64_MAX", (long long)prev);
    prev = pgc_set_memory_limit(A_LIMIT);
    CHECK(prev == INT64_MAX, "(a) pgc_set_memory_limit(256 MiB) returned %lld, expected INT64_MAX",
          (long long)prev);
    prev = pgc_set_memory_limit(-1);
    CHECK(prev == A_LIMIT, "(a) pgc_set_memory_limit(-1) returned %lld, expected %lld", (long long)prev,
          (long long)A_LIMIT);
    prev = pgc_set_memory_limit(-5);
    CHECK(prev == A_LIMIT, "(a) pgc_set_memory_limit(-5) returned %lld (a negative argument only reads)",
          (long long)prev);
    pgc_stats s;
    pgc_read_stats(&s);
    CHECK(s.memory_limit == A_LIMIT && s.gc_percent == 100, "(a) stats: memory_limit %lld, gc_percent %d",
          (long long)s.memory_limit, s.gc_percent);

    const int64_t bound = A_LIMIT + 16 * MiB;
    const int64_t inc = A_LIMIT / 10, max_target = A_LIMIT / 10 * 8;
    atomic_store(&a_target, inc);
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, a_allocator, NULL) == 0, "(a) pgc_pthread_create failed");
    uint64_t overall_max = 0;
    for (int64_t target = inc; target < max_target; target += inc) {
        atomic_store(&a_target, target);
        while (atomic_load(&a_seen_target) != target)
            pause_us(500);
        uint64_t t0 = now_ns(), step_max = 0, samples = 0;
        while (atomic_load(&a_passes) < A_PASSES || now_ns() - t0 < A_MIN_STEP_NS) {
            pgc_read_stats(&s);
            uint64_t r = resident(&s);
            samples++;
            if (r > step_max)
                step_max = r;
            CHECK((int64_t)r <= bound,
                  "(a) live target %.1f MiB: heap_sys %llu - heap_released %llu = %.1f MiB > limit + 16 MiB "
                  "(%.1f MiB); heap_alloc %.1f MiB, heap_goal %.1f MiB, num_gc %llu",
                  mib((uint64_t)target), (unsigned long long)s.heap_sys, (unsigned long long)s.heap_released,
                  mib(r), mib((uint64_t)bound), mib(s.heap_alloc), mib(s.heap_goal), (unsigned long long)s.num_gc);
            pause_us(1000);
        }
        if (step_max > overall_max)
            overall_max = step_max;
        printf("(a) live target %5.1f MiB: max heap_sys - heap_released %.1f MiB over %llu samples (%.0f ms, "
               "%llu passes); heap_goal %.1f MiB, num_gc %llu\n",
               mib((uint64_t)target), mib(step_max), (unsigned long long)samples, (double)(now_ns() - t0) / 1e6,
               (unsigned long long)atomic_load(&a_passes), mib(s.heap_goal), (unsigned long long)s.num_gc);
        fflush(stdout);
    }
    atomic_store(&a_target, -1);
    CHECK(pthread_join(th, NULL) == 0, "(a) pthread_join failed");
    prev = pgc_set_memory_limit(INT64_MAX);
    CHECK(prev == A_LIMIT, "(a) pgc_set_memory_limit(INT64_MAX) returned %lld, expected %lld", (long long)prev,
          (long long)A_LIMIT);
    CHECK(pgc_set_memory_limit(-1) == INT64_MAX, "(a) the limit was not removed");
    printf("(a) OK: max heap_sys - heap_released %.1f MiB (bound %.1f MiB)\n", mib(overall_max),
           mib((uint64_t)bound));
    return 0;
}

/* ---- (b) GOGC off, memory-limit goal ------------------------------------------- */

#define B_LIMIT (128 * MiB)
#define B_RING 2048
#define B_TOTAL ((uint64_t)4 << 30)

static void **b_ring;
static _Atomic int b_done;
static _Atomic uint64_t b_bytes;

static void *b_allocator(void *arg)
{
    (void)arg;
    void **ring = pgc_alloc(B_RING * sizeof(void *));
    CHECK(ring != NULL, "(b) cannot allocate the ring");
    b_ring = ring;
    uint64_t x = 0xb0b0b0b0, bytes = 0;
    for (uint64_t i = 0; bytes < B_TOTAL; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = 16 + (size_t)((x >> 33) % (16 << 10)); /* 16 B .. 16 KiB, mean 8 KiB */
        uint64_t *o = pgc_alloc_atomic(size);
        CHECK(o != NULL, "(b) pgc_alloc_atomic(%zu) returned NULL", size);
        memset(o, (int)(i & 0xff), size); /* use it: steady, not instantaneous, garbage */
        o[0] = i;
        if (i % 4 == 0)
            PGC_STORE(ring[(i / 4) % B_RING], o); /* a quarter survive a while: ~16 MiB live */
        bytes += size;
        if (i % 256 == 0)
            atomic_store(&b_bytes, bytes);
    }
    atomic_store(&b_done, 1);
    return NULL;
}

/* The goal the pacer should use under the limit alone (gc-notes 2.5). */
static uint64_t limit_goal(uint64_t limit, uint64_t mapped)
{
    uint64_t overage = mapped > limit ? mapped - limit : 0;
    uint64_t goal = limit - overage; /* non-heap overheads: none */
    uint64_t headroom = goal / 100 * 3;
    if (headroom < (uint64_t)MiB)
        headroom = MiB;
    return goal < 2 * headroom ? headroom : goal - headroom;
}

static int part_b(void)
{
    int old = pgc_set_gc_percent(-1);
    CHECK(old == 100, "(b) pgc_set_gc_percent(-1) returned %d, expected 100", old);
    int64_t prev = pgc_set_memory_limit(B_LIMIT);
    CHECK(prev == INT64_MAX, "(b) pgc_set_memory_limit returned %lld", (long long)prev);
    const uint64_t expect = limit_goal(B_LIMIT, 0);
    pgc_stats s0, s;
    pgc_read_stats(&s0);
    CHECK(s0.gc_percent == -1 && s0.memory_limit == B_LIMIT, "(b) stats: gc_percent %d, memory_limit %lld",
          s0.gc_percent, (long long)s0.memory_limit);
    CHECK(s0.heap_goal == expect, "(b) heap_goal %llu after setting the limit, expected %llu",
          (unsigned long long)s0.heap_goal, (unsigned long long)expect);

    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, b_allocator, NULL) == 0, "(b) pgc_pthread_create failed");
    uint64_t next = s0.num_gc + 1, cycles = 0, samples = 0;
    uint64_t max_alloc = 0, max_resident = 0, goal_mismatch = 0;
    double max_ratio = 0;
    pgc_cycle_info worst;
    memset(&worst, 0, sizeof worst);
    for (;;) {
        int done = atomic_load(&b_done);
        pgc_read_stats(&s);
        samples++;
        uint64_t r = resident(&s);
        if (r > max_resident)
            max_resident = r;
        if (s.heap_alloc > max_alloc)
            max_alloc = s.heap_alloc;
        CHECK((double)s.heap_alloc <= 1.10 * (double)expect,
              "(b) heap_alloc %.1f MiB > 1.10 x memory-limit goal %.1f MiB (heap_goal now %.1f MiB, resident "
              "%.1f MiB)",
              mib(s.heap_alloc), mib(expect), mib(s.heap_goal), mib(r));
        pgc_cycle_info ci;
        while (pgc_read_cycle(next, &ci) == 0) {
            cycles++;
            /* The goal is exact unless the heap's resident size was over
             * the limit when it was computed (overage lowers it). */
            if (ci.heap_goal != expect) {
                /* Allowed only as the overage term: resident memory over the
                 * limit (by at most what was ever sampled, plus a 4 MiB
                 * growth step) lowers the goal. */
                goal_mismatch++;
                uint64_t lowest = limit_goal(B_LIMIT, (max_resident > (uint64_t)B_LIMIT ? max_resident : (uint64_t)B_LIMIT) + 4 * MiB);
                CHECK(ci.heap_goal < expect && ci.heap_goal >= lowest,
                      "(b) cycle %llu: heap_goal %llu, expected the memory-limit goal %llu (or, with resident "
                      "memory over the limit, down to %llu)",
                      (unsigned long long)next, (unsigned long long)ci.heap_goal, (unsigned long long)expect,
                      (unsigned long long)lowest);
            }
            double ratio = (double)ci.heap_alloc_peak / (double)expect;
            if (ratio > max_ratio) {
                max_ratio = ratio;
                worst = ci;
            }
            next++;
        }
        if (done)
            break;
        pause_us(2000);
    }
    CHECK(pthread_join(th, NULL) == 0, "(b) pthread_join failed");
    pgc_read_stats(&s);
    printf("(b) GOGC off, limit %.0f MiB: expected goal %llu (%.2f MiB); %llu cycles, %llu with another goal; "
           "allocated %.0f MiB; max sampled heap_alloc %.1f MiB (%.3f x goal) over %llu samples; max "
           "heap_alloc_peak %.3f x goal (cycle %llu); max resident %.1f MiB\n",
           mib(B_LIMIT), (unsigned long long)expect, mib(expect), (unsigned long long)cycles,
           (unsigned long long)goal_mismatch, mib(atomic_load(&b_bytes)), mib(max_alloc),
           (double)max_alloc / (double)expect, (unsigned long long)samples, max_ratio,
           (unsigned long long)worst.cycle, mib(max_resident));
    CHECK(cycles >= 3, "(b) only %llu cycles ran while %.0f MiB were allocated under a %.0f MiB limit",
          (unsigned long long)cycles, mib(B_TOTAL), mib(B_LIMIT));
    CHECK(max_ratio <= 1.10,
          "(b) cycle %llu: heap_alloc_peak %llu > 1.10 x memory-limit goal %llu (its heap_goal %llu, live at "
          "start %llu, at mark end %llu)",
          (unsigned long long)worst.cycle, (unsigned long long)worst.heap_alloc_peak, (unsigned long long)expect,
          (unsigned long long)worst.heap_goal, (unsigned long long)worst.heap_trigger,
          (unsigned long long)worst.heap_live_end);
    /* Restore. */
    CHECK(pgc_set_gc_percent(100) == -1, "(b) pgc_set_gc_percent did not return the previous -1");
    CHECK(pgc_set_memory_limit(INT64_MAX) == B_LIMIT, "(b) pgc_set_memory_limit did not return %lld",
          (long long)B_LIMIT);
    printf("(b) OK\n");
    return 0;
}

/* ---- (c) live heap above the limit: the CPU limiter ----------------------------- */

#define C_LIMIT (64 * MiB)
#define C_LIVE (96 * MiB)
#define C_NODE 64
#define C_WARMUP_NS (5ull * 1000 * 1000 * 1000)
#define C_WINDOW_NS (6ull * 1000 * 1000 * 1000)

typedef struct cnode {
    struct cnode *next;
    uint64_t id, check;
    uint64_t pad[5];
} cnode;

_Static_assert(sizeof(cnode) == C_NODE, "cnode is 64 bytes");

#define C_LISTS 256 /* independent lists, so marking can proceed in parallel */
static cnode *c_live[C_LISTS];
static _Atomic int c_stop;
static _Atomic uint64_t c_allocs;

static void *c_allocator(void *arg)
{
    (void)arg;
    uint64_t x = 0xc0ffee, n = 0;
    while (!atomic_load_explicit(&c_stop, memory_order_relaxed)) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = (4 << 10) + (size_t)((x >> 33) % (60 << 10)); /* 4 .. 64 KiB */
        uint64_t *o = pgc_alloc_atomic(size);
        CHECK(o != NULL, "(c) pgc_alloc_atomic(%zu) returned NULL", size);
        o[0] = x;
        atomic_store_explicit(&c_allocs, ++n, memory_order_relaxed);
    }
    return NULL;
}

static void *c_builder(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < (uint64_t)C_LIVE / C_NODE; i++) {
        cnode *n = pgc_alloc(sizeof *n);
        CHECK(n != NULL, "(c) pgc_alloc returned NULL building the live heap");
        n->id = i;
        n->check = i * 0x9e3779b97f4a7c15ull;
        n->next = c_live[i % C_LISTS]; /* fresh object, global root: plain stores */
        c_live[i % C_LISTS] = n;
    }
    return NULL;
}

static uint64_t gc_cpu_ns(const pgc_stats *s)
{
    return s->assist_ns_total + s->bg_mark_ns_total + s->pause_total_ns * (uint64_t)s->procs;
}

static uint64_t process_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static int part_c(void)
{
    pthread_t b, th;
    uint64_t tb = now_ns();
    /* Build the live heap first, then set the limit below it. */
    CHECK(pgc_pthread_create(&b, NULL, c_builder, NULL) == 0, "(c) pgc_pthread_create failed");
    CHECK(pthread_join(b, NULL) == 0, "(c) pthread_join failed");
    CHECK(pgc_set_memory_limit(C_LIMIT) == INT64_MAX, "(c) pgc_set_memory_limit did not return INT64_MAX");
    pgc_stats s0, s1;
    pgc_read_stats(&s0);
    printf("(c) built %.0f MiB live in %.1f s, then set the limit: heap_alloc %.1f MiB, heap_marked %.1f MiB, heap_goal %.1f MiB, "
           "resident %.1f MiB, num_gc %llu, limiter %d\n",
           mib(C_LIVE), (double)(now_ns() - tb) / 1e9, mib(s0.heap_alloc), mib(s0.heap_marked), mib(s0.heap_goal),
           mib(resident(&s0)), (unsigned long long)s0.num_gc, s0.limiter_enabled);

    CHECK(pgc_pthread_create(&th, NULL, c_allocator, NULL) == 0, "(c) pgc_pthread_create failed");
    /* Warm up until the limiter has engaged (then the bucket is full and the
     * window measures the steady state), or at most C_WARMUP_NS. */
    uint64_t tw = now_ns();
    int engaged = 0;
    while (now_ns() - tw < C_WARMUP_NS) {
        pgc_read_stats(&s0);
        if (s0.limiter_enabled) {
            engaged = 1;
            break;
        }
        pause_us(1000);
    }
    pgc_read_stats(&s0);
    uint64_t t0 = now_ns(), p0 = process_cpu_ns(), a0 = atomic_load(&c_allocs);
    int limiter_samples = 0, samples = 0;
    uint64_t max_resident = 0;
    while (now_ns() - t0 < C_WINDOW_NS) {
        pgc_read_stats(&s1);
        samples++;
        limiter_samples += s1.limiter_enabled != 0;
        if (resident(&s1) > max_resident)
            max_resident = resident(&s1);
        pause_us(5000);
    }
    pgc_read_stats(&s1);
    uint64_t t1 = now_ns(), p1 = process_cpu_ns(), a1 = atomic_load(&c_allocs);
    atomic_store(&c_stop, 1);
    CHECK(pthread_join(th, NULL) == 0, "(c) pthread_join failed");

    int procs = s1.procs;
    double wall = (double)(t1 - t0), cap = wall * procs;
    double gc = (double)(gc_cpu_ns(&s1) - gc_cpu_ns(&s0));
    double idle = (double)(s1.idle_mark_ns_total - s0.idle_mark_ns_total);
    double proc_cpu = (double)(p1 - p0);
    double share = gc / cap;
    printf("(c) live %.0f MiB over a %.0f MiB limit; limiter engaged %s%.1f s into the warm-up; window %.2f s x %d "
           "procs: GC CPU %.0f ms (assist %.0f, background %.0f, pauses %.0f x %d), idle mark %.0f ms, process CPU "
           "%.0f ms\n",
           mib(C_LIVE), mib(C_LIMIT), engaged ? "" : "NOT (gave up after ", (double)(t0 - tw) / 1e9, wall / 1e9,
           procs, gc / 1e6, (double)(s1.assist_ns_total - s0.assist_ns_total) / 1e6,
           (double)(s1.bg_mark_ns_total - s0.bg_mark_ns_total) / 1e6,
           (double)(s1.pause_total_ns - s0.pause_total_ns) / 1e6, procs, idle / 1e6, proc_cpu / 1e6);
    printf("(c) GC CPU share of wall x procs %.3f (bound 0.60); GC share of process CPU %.3f; process CPU share "
           "%.3f; limiter on in %d of %d samples; %llu cycles, %llu allocations in the window; max resident "
           "%.1f MiB; assist blocked %.0f ms; gc_cpu_fraction since init %.3f\n",
           share, proc_cpu > 0 ? gc / proc_cpu : 0, proc_cpu / cap, limiter_samples, samples,
           (unsigned long long)(s1.num_gc - s0.num_gc), (unsigned long long)(a1 - a0), mib(max_resident),
           (double)(s1.assist_blocked_ns_total - s0.assist_blocked_ns_total) / 1e6, s1.gc_cpu_fraction);
    CHECK(s1.num_gc > s0.num_gc, "(c) no cycle ran in the window with the live heap over the limit");
    CHECK(a1 > a0, "(c) the mutator made no progress in the window: GC starves it");
    CHECK(share <= 0.60,
          "(c) GC took %.3f of wall x procs (%.0f of %.0f CPU-ms) with the live heap over the limit: the CPU "
          "limiter does not cap it near 50%%",
          share, gc / 1e6, cap / 1e6);
    uint64_t count = 0;
    for (int l = 0; l < C_LISTS; l++)
        for (cnode *n = c_live[l]; n; n = n->next, count++)
            CHECK(n->check == n->id * 0x9e3779b97f4a7c15ull && n->id % C_LISTS == (uint64_t)l,
                  "(c) live node %llu corrupted", (unsigned long long)n->id);
    CHECK(count == (uint64_t)C_LIVE / C_NODE, "(c) live list has %llu nodes, expected %llu",
          (unsigned long long)count, (unsigned long long)C_LIVE / C_NODE);
    printf("(c) OK\n");
    return 0;
}

/* ---- Driver ------------------------------------------------------------------- */

static int run_part(char p)
{
    switch (p) {
    case 'a':
        return part_a();
    case 'b':
        return part_b();
    case 'c':
        return part_c();
    }
    fprintf(stderr, "unknown part %c\n", p);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return run_part(argv[1][0]);
    /* pacegc is not initialised in this process: fork one child per part. */
    const char parts[] = "abc";
    int failed = 0;
    for (int i = 0; parts[i]; i++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork failed");
        if (pid == 0) {
            int rc = run_part(parts[i]);
            fflush(stdout);
            _exit(rc);
        }
        int st = 0;
        CHECK(waitpid(pid, &st, 0) == pid, "waitpid failed");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "part (%c) failed: %s %d\n", parts[i], WIFEXITED(st) ? "exit status" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            failed = 1;
        }
    }
    return failed;
}
