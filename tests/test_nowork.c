// TEST-TIMEOUT: 120
// TEST-TSAN: no
/*
 * Assists when there is no work to take (gc-notes Part 1 item 7; Go's
 * commit 8f34b253, issue 11677): a cycle is marking but no marker can take
 * grey work, so an allocating thread in debt finds nothing to mark. It must
 * block (park on the assist queue) rather than return to allocate in debt,
 * and it must be released when marking can finish.
 *
 * Set-up: pgc__test_hold_at(PGC_TEST_AFTER_ROOTS) + pgc__test_hold_marking(1)
 * + pgc__test_start_cycle(); wait until the coordinator is held; release the
 * coordinator but keep marking held. A thread then allocates pointer-free
 * 64 KiB objects in a loop.
 *
 * Asserts:
 *  - pgc__test_start_cycle starts a cycle (if it does not, the test goes on
 *    with a forced cycle from a helper thread so the rest is still checked,
 *    and fails at the end);
 *  - the allocator stops: its counter does not advance over repeated
 *    samples (at least 10 samples, 20 ms apart) while the phase is mark,
 *    the thread is sleeping (/proc task state S, not running) and uses no
 *    CPU to speak of (thread CPU clock) -- it waits, it does not spin;
 *  - the heap it reaches stays <= heap_goal x 1.10 (heap_alloc and the
 *    thread's own bytes);
 *  - after pgc__test_hold_marking(0) the thread completes its loop (a fixed
 *    number of further allocations);
 *  - assist_blocked_ns_total > 0, and the held cycle's blocked_ns covers at
 *    least half of the time the thread was seen blocked.
 *
 * The main thread is never attached (it allocates nothing and holds no GC
 * pointers): control calls and statistics reads must not be stopped by the
 * collector while they hold a collector lock.
 */
#include "check.h"
#include "pacegc.h"
#include "testhooks.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define OBJ ((size_t)64 << 10)
#define TOTAL_ALLOCS 2000 /* the loop: 125 MiB in all */
#define STABLE_SAMPLES 10
#define SAMPLE_NS (20 * 1000 * 1000)

static _Atomic uint64_t count;    /* allocations completed */
static _Atomic int alloc_tid;     /* the allocator's kernel thread id */
static _Atomic int alloc_done;
static void *volatile last_obj;   /* a global root: the newest object */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    nanosleep(&ts, NULL);
}

static double mib(uint64_t b) { return (double)b / (1 << 20); }

static void *allocator(void *arg)
{
    (void)arg;
    atomic_store(&alloc_tid, (int)syscall(SYS_gettid));
    for (int i = 0; i < TOTAL_ALLOCS; i++) {
        uint64_t *p = pgc_alloc_atomic(OBJ);
        CHECK(p != NULL, "pgc_alloc_atomic(64 KiB) returned NULL at %d", i);
        p[0] = (uint64_t)i;
        last_obj = p;
        atomic_store(&count, (uint64_t)i + 1);
    }
    atomic_store(&alloc_done, 1);
    return NULL;
}

static uint64_t thread_cpu(pthread_t th)
{
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Helpers run on their own (unattached) threads so the main thread can wait
 * with a deadline. */
static _Atomic int held_flag;
static void *wait_held_main(void *arg)
{
    (void)arg;
    pgc__test_wait_held();
    atomic_store(&held_flag, 1);
    return NULL;
}

static void *collect_main(void *arg)
{
    (void)arg;
    pgc_collect();
    return NULL;
}

static int wait_flag(_Atomic int *flag, uint64_t timeout_ns)
{
    uint64_t t0 = now_ns();
    while (!atomic_load(flag)) {
        if (now_ns() - t0 > timeout_ns)
            return 0;
        pause_ns(1000000);
    }
    return 1;
}

int main(void)
{
    pgc_stats s0;
    pgc_read_stats(&s0); /* initialises pacegc; this thread stays unattached */
    uint64_t gc0 = s0.num_gc;

    /* 1. A cycle held after its roots, with marking held. */
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_hold_marking(1);
    pgc__test_start_cycle();
    pthread_t waiter, collector;
    int used_collect = 0;
    CHECK(pthread_create(&waiter, NULL, wait_held_main, NULL) == 0, "cannot create a helper thread");
    if (!wait_flag(&held_flag, 10ull * 1000000000u)) {
        pgc_stats s;
        pgc_read_stats(&s);
        fprintf(stderr,
                "nowork: pgc__test_start_cycle() started no cycle within 10 s (num_gc %llu, phase %d, "
                "heap_live %llu < heap_trigger %llu): the request was dropped; going on with a forced "
                "cycle (pgc_collect on a helper thread)\n",
                (unsigned long long)s.num_gc, pgc__test_phase(), (unsigned long long)s.heap_live,
                (unsigned long long)s.heap_trigger);
        used_collect = 1;
        CHECK(pthread_create(&collector, NULL, collect_main, NULL) == 0, "cannot create a helper thread");
        CHECK(wait_flag(&held_flag, 60ull * 1000000000u), "no cycle reached PGC_TEST_AFTER_ROOTS in 60 s");
    }
    CHECK(pthread_join(waiter, NULL) == 0, "cannot join a helper thread");
    CHECK(pgc__test_phase() == 2, "held after the roots, but the phase is %d, not 2 (mark)", pgc__test_phase());
    uint64_t held_cycle = gc0 + 1;
    pgc__test_release(); /* the coordinator goes on; marking stays held */

    /* 2. The allocator. */
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, allocator, NULL) == 0, "pgc_pthread_create failed");
    while (atomic_load(&alloc_tid) == 0)
        pause_ns(1000000);
    int tid = atomic_load(&alloc_tid);

    /* 3. Wait until it is seen blocked: STABLE_SAMPLES samples in a row with
     * the same count, sleeping, while marking. */
    uint64_t t_deadline = now_ns() + 30ull * 1000000000u;
    uint64_t last = UINT64_MAX, t_stable = 0, cpu_stable = 0;
    int stable = 0;
    char wchan[64] = "", st = '?';
    for (;;) {
        CHECK(now_ns() < t_deadline,
              "the allocator never blocked: after 30 s its count is %llu (%.1f MiB), state %c, phase %d",
              (unsigned long long)atomic_load(&count), mib(atomic_load(&count) * OBJ), st, pgc__test_phase());
        CHECK(!atomic_load(&alloc_done),
              "the allocator finished all %d allocations (%.0f MiB) while marking was held: assists "
              "returned in debt",
              TOTAL_ALLOCS, mib((uint64_t)TOTAL_ALLOCS * OBJ));
        uint64_t c = atomic_load(&count);
        st = task_state(tid, wchan, sizeof wchan);
        int phase = pgc__test_phase();
        CHECK(phase == 2, "marking is held, but the phase is %d (count %llu)", phase, (unsigned long long)c);
        if (c == last && st == 'S') {
            if (++stable == 1) {
                t_stable = now_ns();
                cpu_stable = thread_cpu(th);
            }
            if (stable >= STABLE_SAMPLES)
                break;
        } else {
            stable = 0;
        }
        last = c;
        pause_ns(SAMPLE_NS);
    }
    uint64_t t_seen = now_ns();
    uint64_t cpu_seen = thread_cpu(th);
    uint64_t blocked_count = atomic_load(&count);
    pgc_stats sh;
    pgc_read_stats(&sh);
    double cpu_ms = (double)(cpu_seen - cpu_stable) / 1e6, window_ms = (double)(t_seen - t_stable) / 1e6;
    printf("nowork: allocator blocked after %llu allocations (%.2f MiB) in cycle %llu: state %c, wchan %s; "
           "heap_alloc %.2f MiB, heap_live %.2f MiB, heap_goal %.2f MiB (ratio %.3f); thread CPU %.2f ms "
           "over %.0f ms of samples\n",
           (unsigned long long)blocked_count, mib(blocked_count * OBJ), (unsigned long long)held_cycle, st,
           wchan[0] ? wchan : "?", mib(sh.heap_alloc), mib(sh.heap_live), mib(sh.heap_goal),
           (double)sh.heap_alloc / (double)sh.heap_goal, cpu_ms, window_ms);
    fflush(stdout);
    CHECK((double)sh.heap_alloc <= 1.10 * (double)sh.heap_goal,
          "blocked allocator reached heap_alloc %llu > 1.10 x heap_goal %llu", (unsigned long long)sh.heap_alloc,
          (unsigned long long)sh.heap_goal);
    CHECK((double)(blocked_count * OBJ) <= 1.10 * (double)sh.heap_goal,
          "the allocator got %llu bytes during a mark phase with no work, heap_goal %llu",
          (unsigned long long)(blocked_count * OBJ), (unsigned long long)sh.heap_goal);
    CHECK(cpu_ms < 0.5 * window_ms + 5,
          "the blocked allocator used %.1f ms of CPU in %.0f ms: it spins instead of waiting", cpu_ms, window_ms);

    /* 4. Let marking go: the thread must complete its loop. */
    uint64_t t_release = now_ns();
    pgc__test_hold_marking(0);
    CHECK(wait_flag(&alloc_done, 60ull * 1000000000u),
          "after marking was released the allocator is stuck at %llu of %d allocations (phase %d)",
          (unsigned long long)atomic_load(&count), TOTAL_ALLOCS, pgc__test_phase());
    CHECK(pthread_join(th, NULL) == 0, "cannot join the allocator");
    if (used_collect)
        CHECK(pthread_join(collector, NULL) == 0, "cannot join a helper thread");

    pgc_stats s1;
    pgc_read_stats(&s1);
    pgc_cycle_info ci;
    CHECK(pgc_read_cycle(held_cycle, &ci) == 0, "cycle %llu not finished (num_gc %llu)",
          (unsigned long long)held_cycle, (unsigned long long)s1.num_gc);
    double seen_ms = (double)(t_release - t_stable) / 1e6;
    printf("nowork: released; %d allocations done; num_gc %llu -> %llu; assist_blocked_ns_total %.1f ms; "
           "held cycle %llu: blocked %.1f ms (thread seen blocked for %.1f ms), peak %.2f MiB, goal %.2f MiB\n",
           TOTAL_ALLOCS, (unsigned long long)gc0, (unsigned long long)s1.num_gc,
           (double)s1.assist_blocked_ns_total / 1e6, (unsigned long long)held_cycle, (double)ci.blocked_ns / 1e6,
           seen_ms, mib(ci.heap_alloc_peak), mib(ci.heap_goal));
    CHECK(s1.num_gc > gc0, "num_gc did not advance: %llu -> %llu", (unsigned long long)gc0,
          (unsigned long long)s1.num_gc);
    CHECK(s1.assist_blocked_ns_total > 0, "assist_blocked_ns_total is 0 although an assist waited %.0f ms",
          seen_ms);
    CHECK((double)ci.blocked_ns >= 0.5 * seen_ms * 1e6,
          "cycle %llu: blocked_ns %.1f ms, but the allocator was seen blocked for %.1f ms",
          (unsigned long long)held_cycle, (double)ci.blocked_ns / 1e6, seen_ms);
    CHECK(!used_collect,
          "pgc__test_start_cycle() did not start a cycle (the request is dropped when heap_live < "
          "heap_trigger); the rest passed with a forced cycle");
    return 0;
}
