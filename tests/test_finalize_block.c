// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_finalize_block.c - a finalizer that never returns does not stop
 * collection (issue 10). Default mode: pacegc's finalizer thread runs the
 * first finalizer, which signals that it started and then waits forever on
 * a condition variable nobody signals. Then, with that thread stuck:
 *  - 30 forced cycles complete (pgc_collect returns, num_gc grows by 30);
 *  - about 480 MiB of garbage allocated meanwhile is reclaimed: the heap
 *    stays bounded (heap_sys under 96 MiB, heap_marked under 8 MiB);
 *  - 100 more finalizable objects die and are queued; the program itself
 *    runs them with pgc_run_finalizers (the queue is not held by the stuck
 *    finalizer), each exactly once.
 * Waiting for the finalizer to start uses a condition variable with a
 * generous deadline (only to turn a hang into a failure).
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never_cv = PTHREAD_COND_INITIALIZER; /* never signalled */
static int started;

static void fin_block(void *obj, void *data)
{
    (void)obj, (void)data;
    pthread_mutex_lock(&mu);
    started = 1;
    pthread_cond_signal(&started_cv);
    for (;;)
        pthread_cond_wait(&never_cv, &mu);
}

static atomic_int later_runs;
static void fin_later(void *obj, void *data)
{
    (void)obj, (void)data;
    atomic_fetch_add(&later_runs, 1);
}

static __attribute__((noinline)) void make_blocker(void)
{
    pgc_register_finalizer(pgc_alloc(64), fin_block, NULL);
}

static __attribute__((noinline)) void make_later(int n)
{
    for (int i = 0; i < n; i++)
        pgc_register_finalizer(pgc_alloc(48), fin_later, NULL);
}

static __attribute__((noinline)) void garbage(size_t bytes)
{
    for (size_t done = 0; done < bytes; done += 64 << 10) {
        char *p = pgc_alloc(64 << 10);
        p[0] = 1;
    }
}

static void collect(void)
{
    scrub();
    pgc_collect();
}

int main(void)
{
    pgc_init();
    make_blocker();
    collect();
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (!started && rc == 0)
        rc = pthread_cond_timedwait(&started_cv, &mu, &dl);
    int ok = started;
    pthread_mutex_unlock(&mu);
    CHECK(ok, "the blocking finalizer started on the finalizer thread");

    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t gc0 = st.num_gc;
    pgc_set_finalize_on_demand(1); /* the later ones are run by this thread */
    make_later(100);
    for (int i = 0; i < 30; i++) {
        garbage(16 << 20);
        collect();
    }
    pgc_read_stats(&st);
    CHECK(st.num_gc == gc0 + 30, "30 cycles completed with a finalizer stuck (%llu -> %llu)",
          (unsigned long long)gc0, (unsigned long long)st.num_gc);
    CHECK(st.heap_sys < (96u << 20), "garbage reclaimed: heap_sys %llu", (unsigned long long)st.heap_sys);
    CHECK(st.heap_marked < (8u << 20), "little marked: %llu", (unsigned long long)st.heap_marked);
    size_t n = pgc_run_finalizers();
    CHECK(n == 100 && atomic_load(&later_runs) == 100, "queued finalizers ran on this thread (%zu, %d)", n,
          atomic_load(&later_runs));
    collect();
    CHECK(pgc_run_finalizers() == 0, "each once");
    printf("test_finalize_block: ok (%llu cycles, heap_sys %llu MiB)\n", (unsigned long long)(st.num_gc - gc0),
           (unsigned long long)(st.heap_sys >> 20));
    return 0;
}
