// TEST-TIMEOUT: 90
// TEST-TSAN: yes
/*
 * test_trigger_wake - issue 8, defect 1: a thread waiting at the trigger's
 * wait point is always woken with an answer, even when the coordinator
 * decides that the cycle it asked for is no longer needed.
 *
 * Forced interleaving (test hooks, no sleeps):
 *  1. threads B1..B3 each take a span of every size class (both kinds) and
 *     keep them: their caches hold megabytes counted as allocated but unused;
 *  2. the coordinator is held at PGC_TEST_TRIGGER_CHECK, after it takes a
 *     cycle request and before it checks whether the request is stale;
 *  3. thread W allocates until it waits for the cycle at the wait point;
 *  4. the B threads exit: their caches' unused bytes are given back and the
 *     heap drops below the trigger;
 *  5. the coordinator is released: it sees a stale request and starts no
 *     cycle. W must still be woken (before the fix it slept forever).
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

typedef struct node { struct node *next; char pad[48]; } node;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, go_exit;
static atomic_int w_stop, w_done;
static void *keep[3][256];

static void *holder_main(void *arg)
{
    void **slots = arg;
    int n = 0;
    for (size_t size = 16; size <= 32768 && n < 254; size += size / 8 > 16 ? (size / 8 + 15) / 16 * 16 : 16) {
        slots[n++] = pgc_alloc(size);
        slots[n++] = pgc_alloc_atomic(size);
    }
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    while (!go_exit)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL; /* detached at exit: its caches go back */
}

static void *allocator_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&w_stop))
        (void)pgc_alloc_atomic(1024);
    atomic_store(&w_done, 1);
    return NULL;
}

int main(void)
{
    pgc_init();
    /* 64 MiB live, so the runway to the goal is wide enough for all of it. */
    node *list = NULL;
    for (long i = 0; i < (64l << 20) / 64; i++) {
        node *n = pgc_alloc(sizeof *n);
        n->next = list;
        list = n;
    }
    pgc_collect();
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t trigger = st.heap_trigger, goal = st.heap_goal;
    CHECK(goal > trigger && trigger > st.heap_live, "setup: live %llu trigger %llu goal %llu",
          (unsigned long long)st.heap_live, (unsigned long long)trigger, (unsigned long long)goal);

    pthread_t b[3];
    for (int i = 0; i < 3; i++)
        CHECK(pgc_pthread_create(&b[i], NULL, holder_main, keep[i]) == 0, "create holder");
    pthread_mutex_lock(&mu);
    while (ready < 3)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pgc_read_stats(&st);
    uint64_t with_holders = st.heap_live;
    CHECK(with_holders < trigger, "setup: holders pushed the heap past the trigger");

    pgc__test_hold_at(PGC_TEST_TRIGGER_CHECK);
    pthread_t w;
    CHECK(pgc_pthread_create(&w, NULL, allocator_main, NULL) == 0, "create allocator");
    while (pgc__test_start_waiters() == 0)
        sched_yield(); /* W allocates up to the wait point, then waits there */
    pgc__test_wait_held_at(PGC_TEST_TRIGGER_CHECK);
    atomic_store(&w_stop, 1);

    pthread_mutex_lock(&mu);
    go_exit = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 3; i++)
        CHECK(pthread_join(b[i], NULL) == 0, "join holder");
    pgc_read_stats(&st);
    CHECK(st.heap_live < trigger,
          "setup: the holders' exit should drop the heap (%llu) below the trigger (%llu)",
          (unsigned long long)st.heap_live, (unsigned long long)trigger);

    pgc__test_release();
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    int err = pthread_timedjoin_np(w, NULL, &dl);
    CHECK(err == 0, "lost wake-up: the allocator still waits at the trigger 30 s after the "
                    "coordinator dropped the stale request (%d waiters)", pgc__test_start_waiters());
    CHECK(atomic_load(&w_done), "allocator did not finish");
    long count = 0;
    for (node *n = list; n; n = n->next)
        count++;
    CHECK(count == (64l << 20) / 64, "live list damaged: %ld nodes", count);
    printf("ok: waiter woken after a stale trigger (heap %llu -> %llu, trigger %llu)\n",
           (unsigned long long)with_holders, (unsigned long long)st.heap_live, (unsigned long long)trigger);
    return 0;
}
