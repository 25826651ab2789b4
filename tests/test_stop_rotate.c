// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/*
 * STOP-ROTATE (stop.c): every restart of the world moves the head of the
 * thread list to its tail, so no thread is always the first asked to stop,
 * released and handshaken (with a fixed order the last-attached thread was
 * always the first debtor after pause #1 and did 3x the others' assists,
 * bench/fairness.c).
 *
 * Three attached threads (main and two that wait outside the library);
 * after each of 6 pgc_collect calls the list order is read through a test
 * hook. Asserts:
 *  - 3 threads are listed each time;
 *  - every order is a rotation of the first one (the cyclic order of the
 *    threads never changes: a rotation, not a shuffle);
 *  - every thread was at the head at least once.
 */
#include "check.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define NT 3
#define ROUNDS 6

int pgc__test_thread_order(int *tids, int max); /* stop.c test hook */

static atomic_int attached, done;

static void *waiter(void *arg)
{
    (void)arg;
    pgc_thread_attach();
    atomic_fetch_add(&attached, 1);
    /* Polls with usleep, outside the library (stopped by signal). Tried:
     * waiters that meet main at a pthread barrier and then block in read
     * on a pipe timed out under TSan (3 of 3 runs), which delivers
     * signals only at some intercepted calls; usleep is one. */
    while (!atomic_load(&done))
        usleep(1000);
    pgc_thread_detach();
    return NULL;
}

static int index_of(const int *order, int tid)
{
    for (int i = 0; i < NT; i++)
        if (order[i] == tid)
            return i;
    return -1;
}

int main(void)
{
    pgc_init();
    pthread_t th[NT - 1];
    for (int i = 0; i < NT - 1; i++)
        CHECK(pthread_create(&th[i], NULL, waiter, NULL) == 0, "pthread_create");
    while (atomic_load(&attached) < NT - 1)
        usleep(1000);
    int first[NT], order[NT], heads[NT] = {0};
    CHECK(pgc__test_thread_order(first, NT) == NT, "want %d attached threads", NT);
    for (int r = 0; r < ROUNDS; r++) {
        pgc_collect();
        int n = pgc__test_thread_order(order, NT);
        CHECK(n == NT, "round %d: %d threads listed, want %d", r, n, NT);
        /* a rotation of the first order: the same cyclic successor everywhere */
        int k = index_of(first, order[0]);
        CHECK(k >= 0, "round %d: head tid %d not among the first order", r, order[0]);
        for (int i = 0; i < NT; i++)
            CHECK(order[i] == first[(k + i) % NT], "round %d: position %d holds tid %d, want %d (not a rotation)",
                  r, i, order[i], first[(k + i) % NT]);
        heads[k]++;
        printf("round %d: head %d (position %d of the first order)\n", r, order[0], k);
    }
    for (int i = 0; i < NT; i++)
        CHECK(heads[i] > 0, "thread %d (tid %d) was never at the head of the list in %d cycles", i, first[i], ROUNDS);
    atomic_store(&done, 1);
    for (int i = 0; i < NT - 1; i++)
        pthread_join(th[i], NULL);
    printf("ok\n");
    return 0;
}
