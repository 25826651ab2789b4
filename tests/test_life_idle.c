// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_life_idle.c - INV-LIFE-IDLE (lifetimes.c): a cycle with no
 * finalizer, weak link or pending ephemeron takes no decision. GOGC off:
 * only the test's cycles run; finalizers on demand.
 *  - stops per forced cycle of the one attached thread (pgc_stats
 *    stops_signalled + stops_claimed): 3 with nothing registered (pause #1,
 *    one handshake round, pause #2); 5 with a finalizer registered (the
 *    decision's two more rounds); 3 again once it ran; 5 with a weak link
 *    registered, 3 once it is unregistered.
 *  - a registration after the idle step: a cycle is held at
 *    PGC_TEST_BEFORE_TERM (the step already returned idle); a thread
 *    registers a finalizer and a weak link on fresh objects and exits, so
 *    nothing holds them; the held cycle ends without finalizing or clearing
 *    (they were reachable when registered: checked while the coordinator
 *    is held at its next request, PGC_TEST_TRIGGER_CHECK); the next cycle
 *    runs the finalizer and clears the link.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int finalized;
static void on_final(void *obj, void *data)
{
    (void)obj;
    (void)data;
    atomic_fetch_add(&finalized, 1);
}

static void collect(void)
{
    scrub();
    pgc_collect();
}

static uint64_t stops(void)
{
    pgc_stats s;
    pgc_read_stats(&s);
    return s.stops_signalled + s.stops_claimed;
}

/* Stops of the attached threads per forced cycle, over n cycles. */
static double stops_per_cycle(int n)
{
    uint64_t s0 = stops();
    for (int i = 0; i < n; i++)
        collect();
    return (double)(stops() - s0) / n;
}

static void **link_box; /* uncollectable: one weak link */

static void *register_fresh(void *arg)
{
    (void)arg;
    void *f = pgc_alloc(64);
    pgc_register_finalizer(f, on_final, NULL);
    void *w = pgc_alloc(64);
    pgc_register_weak_link(link_box, w);
    return NULL;
}

static void hold_and_start(void *arg)
{
    (void)arg;
    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_BEFORE_TERM);
}

static uint64_t cycles_done(void)
{
    pgc_stats s;
    pgc_read_stats(&s);
    return s.num_gc;
}

int main(void)
{
    pgc_init();
    pgc_set_finalize_on_demand(1);
    link_box = pgc_alloc_uncollectable(sizeof(void *));
    collect();

    double idle = stops_per_cycle(10);
    CHECK(idle == 3.0, "nothing registered: %.2f stops per cycle, want 3 (pause #1, one handshake, pause #2)", idle);

    void *kept = pgc_alloc(64);
    pgc_register_finalizer(kept, on_final, NULL);
    double busy = stops_per_cycle(10);
    CHECK(busy == 5.0, "a finalizer registered: %.2f stops per cycle, want 5", busy);
    pgc_register_finalizer(kept, NULL, NULL); /* removed */
    __asm__ volatile("" : : "r"(kept) : "memory");
    kept = NULL;
    double again = stops_per_cycle(10);
    CHECK(again == 3.0, "finalizer removed: %.2f stops per cycle, want 3", again);

    void *target = pgc_alloc(64);
    pgc_register_weak_link(link_box, target);
    double weak = stops_per_cycle(10);
    CHECK(weak == 5.0, "a weak link registered: %.2f stops per cycle, want 5", weak);
    CHECK(pgc_weak_load(link_box) == target, "the weak link's target is alive");
    pgc_unregister_weak_link(link_box);
    target = NULL;
    double unreg = stops_per_cycle(10);
    CHECK(unreg == 3.0, "weak link unregistered: %.2f stops per cycle, want 3", unreg);

    /* Registrations after the idle step of a held cycle. */
    uint64_t n0 = cycles_done();
    on_unattached(hold_and_start, NULL);
    CHECK(pgc__test_phase() == 2, "the held cycle is marking (phase %d, want 2)", pgc__test_phase());
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, register_fresh, NULL) == 0, "thread");
    CHECK(pthread_join(th, NULL) == 0, "join");
    /* The held cycle's end, as an event: the coordinator takes the next
     * cycle request only after the cycle has swept. */
    pgc__test_hold_at(PGC_TEST_TRIGGER_CHECK);
    pgc__test_release_at(PGC_TEST_BEFORE_TERM);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_TRIGGER_CHECK);
    CHECK(cycles_done() == n0 + 1, "%llu cycles ended, want the held one", (unsigned long long)(cycles_done() - n0));
    CHECK(pgc_run_finalizers() == 0 && atomic_load(&finalized) == 0,
          "the held cycle finalized an object registered during its mark");
    CHECK(pgc_weak_load(link_box) != NULL, "the held cycle cleared a link registered during its mark");
    pgc__test_release_at(PGC_TEST_TRIGGER_CHECK);
    for (int i = 0; i < 3 && atomic_load(&finalized) == 0; i++) {
        collect();
        pgc_run_finalizers();
    }
    CHECK(atomic_load(&finalized) == 1, "the finalizer registered during an idle cycle ran (%d)",
          atomic_load(&finalized));
    CHECK(pgc_weak_load(link_box) == NULL, "the link registered during an idle cycle was cleared");
    printf("test_life_idle: ok (stops per cycle: idle %.0f, finalizer %.0f, weak link %.0f)\n", idle, busy, weak);
    return 0;
}
