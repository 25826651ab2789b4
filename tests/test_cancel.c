// TEST-TIMEOUT: 90
// TEST-TSAN: yes
/*
 * test_cancel - issue 8, defect 5: no pacegc call is a cancellation point.
 * A thread cancelled (deferred cancellation) while it waits inside the
 * library, in pgc_collect or in an allocation waiting at the trigger, leaves
 * the library normally and is cancelled at its next cancellation point;
 * collection goes on. Before the fix the thread died inside
 * pthread_cond_wait holding the cycle lock, and the next cycle hung.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

static atomic_int stage;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_cancel: hang (a cancelled thread left a collector lock held)\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(1);
}

static void *collector_main(void *arg)
{
    (void)arg;
    atomic_store(&stage, 1);
    pgc_collect(); /* waits: the cycle is held */
    atomic_store(&stage, 2); /* reached: pgc_collect was not a cancellation point */
    pthread_testcancel();
    atomic_store(&stage, 3);
    return NULL;
}

static void *allocator_main(void *arg)
{
    (void)arg;
    for (;;) {
        (void)pgc_alloc_atomic(4096);
        pthread_testcancel();
    }
    return NULL;
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    alarm(60);
    pgc_init();

    /* 1. cancelled while waiting in pgc_collect */
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
    pthread_t c;
    CHECK(pgc_pthread_create(&c, NULL, collector_main, NULL) == 0, "create");
    while (atomic_load(&stage) == 0)
        sched_yield();
    CHECK(pthread_cancel(c) == 0, "cancel");
    pgc__test_release();
    void *res = NULL;
    CHECK(pthread_join(c, &res) == 0, "join");
    CHECK(res == PTHREAD_CANCELED, "the thread was not cancelled");
    CHECK(atomic_load(&stage) == 2, "pgc_collect acted as a cancellation point (stage %d)",
          atomic_load(&stage));
    pgc_collect(); /* hangs if the cancelled thread kept the cycle lock */

    /* 2. cancelled while an allocation waits for the cycle to start */
    pgc__test_hold_at(PGC_TEST_TRIGGER_CHECK);
    pthread_t a;
    CHECK(pgc_pthread_create(&a, NULL, allocator_main, NULL) == 0, "create");
    while (pgc__test_start_waiters() == 0)
        sched_yield();
    CHECK(pthread_cancel(a) == 0, "cancel");
    pgc__test_release();
    CHECK(pthread_join(a, &res) == 0, "join");
    CHECK(res == PTHREAD_CANCELED, "the allocator was not cancelled");
    pgc_collect();
    pgc_collect();

    pgc_stats st;
    pgc_read_stats(&st);
    printf("ok: %llu cycles after two cancellations inside the library\n", (unsigned long long)st.num_gc);
    return 0;
}
