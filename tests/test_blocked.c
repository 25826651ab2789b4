// TEST-TIMEOUT: 120
// TEST-TSAN: yes
/* test_blocked.c - threads that wait inside the library are stopped by
 * claiming them, without a signal, and are held until the world restarts.
 *
 * NWAIT threads each keep a private tree referenced only from their stack
 * and call pgc_collect in a loop, so most pauses find them blocked in the
 * library. One churn thread allocates garbage all the while, so other
 * cycles start by pacing and stop it by signal. Checks: every tree is
 * intact after every collection; pgc_collect returns only once a full
 * cycle has finished after the call; stops by claim happened (the waiters)
 * and stops by signal happened (the churner); the run ends (under
 * ThreadSanitizer, which delays signal handlers to its next interceptor,
 * a waiter stopped by signal inside pthread_cond_wait could hang a pause:
 * this is the regression test for that). */
#include "check.h"
#define PGC_TEST_NEED_TREE
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#if defined(__SANITIZE_THREAD__)
#define ROUNDS 15
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ROUNDS 15
#endif
#endif
#ifndef ROUNDS
#define ROUNDS 60
#endif
#define NWAIT 3


static atomic_int waiters_left = NWAIT;

static void *waiter(void *arg)
{
    uint64_t id = (uintptr_t)arg;
    tree *keep = build(12, id);
    for (int i = 0; i < ROUNDS; i++) {
        pgc_stats a, b;
        pgc_read_stats(&a);
        pgc_collect();
        pgc_read_stats(&b);
        /* The cycle pgc_collect asked for started after the call, so at
         * least one cycle finished between the two readings. */
        CHECK(b.num_gc > a.num_gc, "pgc_collect returned before a cycle finished (%llu -> %llu)",
              (unsigned long long)a.num_gc, (unsigned long long)b.num_gc);
        CHECK(check_tree(keep, 12, id) == 8191, "tree of waiter %llu after round %d",
              (unsigned long long)id, i);
    }
    atomic_fetch_sub(&waiters_left, 1);
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    uint64_t n = 0;
    while (atomic_load(&waiters_left) > 0) {
        tree *t = build(6, n);
        CHECK(check_tree(t, 6, n) == 127, "garbage tree %llu", (unsigned long long)n);
        n++;
    }
    return NULL;
}

int main(void)
{
    pgc_init();
    pgc_stats s0, s1;
    pgc_read_stats(&s0);
    pthread_t w[NWAIT], c;
    CHECK(pgc_pthread_create(&c, NULL, churner, NULL) == 0, "create churner");
    for (int i = 0; i < NWAIT; i++)
        CHECK(pgc_pthread_create(&w[i], NULL, waiter, (void *)(uintptr_t)(i + 1)) == 0,
              "create waiter");
    for (int i = 0; i < NWAIT; i++)
        pthread_join(w[i], NULL);
    pthread_join(c, NULL);
    pgc_read_stats(&s1);
    uint64_t claimed = s1.stops_claimed - s0.stops_claimed;
    uint64_t signalled = s1.stops_signalled - s0.stops_signalled;
    printf("cycles %llu, stops by claim %llu, by signal %llu\n",
           (unsigned long long)(s1.num_gc - s0.num_gc), (unsigned long long)claimed,
           (unsigned long long)signalled);
    CHECK(s1.num_gc - s0.num_gc >= ROUNDS, "at least %d cycles", ROUNDS);
    CHECK(claimed > 0, "no thread waiting in pgc_collect was stopped by claiming it");
    CHECK(signalled > 0, "the churning thread was never stopped by a signal");
    return 0;
}
