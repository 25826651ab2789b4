// TEST-TIMEOUT: 90
// TEST-TSAN: yes
/*
 * test_wake_order - WAKE-LEAST-FIRST (assist.c): at the end of marking the
 * debtors parked on the assist queue are woken least allocation progress
 * first, not in the order they parked (issue 12, fairness).
 *
 * Forced interleaving (test hooks, no sleeps):
 *  1. threads A, B and C allocate 1, 2 and 3 MiB: C has made the most
 *     progress, A the least;
 *  2. a cycle is started and its coordinator held at PGC_TEST_BEFORE_TERM:
 *     marking is quiescent, so no grey work and no credit can pay a debt
 *     (nor wake a debtor to mark), and the cycle cannot end;
 *  3. C, then B, then A allocate until each is parked on the assist queue:
 *     the queue (FIFO) holds C, B, A;
 *  4. the coordinator is released; pause #2 ends the cycle and wakes every
 *     debtor.
 * The recorded wake order must be A, B, C. Queue order (the old code)
 * gives C, B, A.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define NT 3

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int step[NT];  /* 1: pre-allocation done; main sets 2: allocate until parked */
static int tids[NT];
static atomic_int woken[NT];

static void wait_step(int i, int want)
{
    pthread_mutex_lock(&mu);
    while (step[i] < want)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void set_step(int i, int v)
{
    pthread_mutex_lock(&mu);
    step[i] = v;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    tids[i] = (int)gettid();
    for (long k = 0; k < ((long)(i + 1) << 20) / 1024; k++)
        (void)pgc_alloc_atomic(1024);
    set_step(i, 1);
    wait_step(i, 2);
    /* Allocate until this thread is parked: it returns only once the
     * held cycle has ended. */
    while (pgc__test_phase() == 2)
        (void)pgc_alloc_atomic(1024);
    atomic_store(&woken[i], 1);
    return NULL;
}

int main(void)
{
    pgc_init();
    /* Some live pointerful data, so the cycle has scan work to expect. */
    void **live = pgc_alloc(4096 * sizeof(void *));
    for (int k = 0; k < 4096; k++)
        live[k] = pgc_alloc(64);

    pthread_t th[NT];
    for (int i = 0; i < NT; i++) {
        CHECK(pgc_pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0, "create thread %d", i);
        wait_step(i, 1);
    }
    pgc_collect(); /* no cycle of the pre-allocation left running */

    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_BEFORE_TERM); /* marking, quiescent: assists are on */
    CHECK(pgc__test_phase() == 2, "held before pause #2 but not marking (phase %d)", pgc__test_phase());
    for (int i = NT - 1; i >= 0; i--) { /* C, B, A: most progress parks first */
        int before = pgc__test_assist_parked();
        set_step(i, 2);
        while (pgc__test_assist_parked() == before)
            sched_yield();
        CHECK(pgc__test_phase() == 2, "the held cycle ended while thread %d parked", i);
        CHECK(!atomic_load(&woken[i]), "thread %d returned while marking is held", i);
    }
    CHECK(pgc__test_assist_parked() == NT, "%d debtors parked, want %d", pgc__test_assist_parked(), NT);

    pgc__test_release();
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0, "join %d", i);

    int order[16];
    int n = pgc__test_wake_order(order, 16);
    CHECK(n == NT, "the end of marking woke %d debtors, want %d", n, NT);
    for (int i = 0; i < NT; i++)
        CHECK(order[i] == tids[i],
              "wake %d was thread %d, want thread %d (A=%d B=%d C=%d: least progress first; "
              "queue order would be C, B, A)", i, order[i], tids[i], tids[0], tids[1], tids[2]);
    for (int k = 0; k < 4096; k++)
        CHECK(live[k] != NULL, "live data damaged");
    printf("ok: parked C, B, A; woken A, B, C (least progress first)\n");
    return 0;
}
