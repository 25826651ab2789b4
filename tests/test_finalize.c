// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_finalize.c - finalizers (lifetimes.c). GOGC off: only the test's
 * cycles run. Most checks use on-demand mode, so pgc_run_finalizers
 * returns exactly what one cycle queued; the last part uses pacegc's
 * finalizer thread and the notifier. Addresses the test must not keep
 * alive are stored XOR-ed with HIDE; the stack is scrubbed before cycles.
 *  - ordered: B -> A, both finalizable and unreachable: one cycle runs B
 *    only (A is kept, its child too, and A's child is intact when B's
 *    finalizer reads it through B); the next cycle runs A.
 *  - objects reachable from a finalizable object survive until it ran.
 *  - an ordered cycle X <-> Y is never finalized (3 cycles).
 *  - unordered: a chain of 10 unordered objects is finalized in one cycle.
 *  - resurrection: a finalizer stores its object in a global, re-registers
 *    it, allocates and registers a finalizer on a new object; the object
 *    is finalized again after it is dropped again; the new one too.
 *  - fn NULL removes; re-registering replaces (only the new one runs).
 *  - default mode: the finalizer thread runs them and calls the notifier.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
typedef struct node {
    struct node *next;
    uintptr_t tag;
    void *child;
} node;

static int order[64];
static atomic_int norder;
static void rec(void *obj, void *data)
{
    (void)obj;
    order[atomic_fetch_add(&norder, 1)] = (int)(uintptr_t)data;
}

static uintptr_t hid_a, hid_b, hid_achild;
static int b_saw_child_tag;
static void fin_b(void *obj, void *data)
{
    node *b = obj;
    node *a = b->next;
    node *ac = a->child;
    b_saw_child_tag = (int)ac->tag;
    rec(obj, data);
}

static __attribute__((noinline)) void make_ba(void)
{
    node *a = pgc_alloc(sizeof(node)), *b = pgc_alloc(sizeof(node));
    node *ac = pgc_alloc(sizeof(node));
    ac->tag = 4242;
    a->child = ac;
    b->next = a;
    pgc_register_finalizer(a, rec, (void *)1);
    pgc_register_finalizer(b, fin_b, (void *)2);
    hid_a = (uintptr_t)a ^ HIDE;
    hid_b = (uintptr_t)b ^ HIDE;
    hid_achild = (uintptr_t)ac ^ HIDE;
}

static void collect(void)
{
    scrub();
    pgc_collect();
}

static __attribute__((noinline)) void make_cycle(void)
{
    node *x = pgc_alloc(sizeof(node)), *y = pgc_alloc(sizeof(node));
    x->next = y;
    y->next = x;
    pgc_register_finalizer(x, rec, (void *)10);
    pgc_register_finalizer(y, rec, (void *)11);
}

static __attribute__((noinline)) void make_unordered_chain(int n)
{
    node *prev = NULL;
    for (int i = 0; i < n; i++) {
        node *x = pgc_alloc(sizeof(node));
        x->next = prev;
        pgc_register_finalizer_unordered(x, rec, (void *)(uintptr_t)(100 + i));
        prev = x;
    }
}

static node *_Atomic resurrected;
static atomic_int res_runs;
static void fin_new(void *obj, void *data);
static void fin_resurrect(void *obj, void *data)
{
    (void)data;
    int r = atomic_fetch_add(&res_runs, 1);
    if (r == 0) {
        node *n = obj;
        node *fresh = pgc_alloc(sizeof(node)); /* allocation in a finalizer */
        fresh->tag = 77;
        pgc_register_finalizer(fresh, fin_new, NULL);
        pgc_store((void **)&n->child, fresh);
        pgc_register_finalizer(obj, fin_resurrect, NULL); /* re-registration */
        atomic_store(&resurrected, n); /* resurrection */
    }
}
static atomic_int new_runs;
static void fin_new(void *obj, void *data)
{
    (void)data;
    if (((node *)obj)->tag == 77)
        atomic_fetch_add(&new_runs, 1);
}

static __attribute__((noinline)) void make_resurrector(void)
{
    node *n = pgc_alloc(sizeof(node));
    pgc_register_finalizer(n, fin_resurrect, NULL);
}

static atomic_int replaced_old, replaced_new, removed;
static void f_old(void *o, void *d) { (void)o, (void)d; atomic_fetch_add(&replaced_old, 1); }
static void f_new(void *o, void *d) { (void)o, (void)d; atomic_fetch_add(&replaced_new, 1); }
static void f_removed(void *o, void *d) { (void)o, (void)d; atomic_fetch_add(&removed, 1); }
static __attribute__((noinline)) void make_replace_remove(void)
{
    void *a = pgc_alloc(32), *b = pgc_alloc(32);
    pgc_register_finalizer(a, f_old, NULL);
    pgc_register_finalizer(a, f_new, NULL);
    pgc_register_finalizer(b, f_removed, NULL);
    pgc_register_finalizer(b, NULL, NULL);
}

static atomic_int notified;
static pthread_mutex_t runs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t runs_cv = PTHREAD_COND_INITIALIZER;
static int thread_runs; /* runs_mu */
static void notify(void) { atomic_fetch_add(&notified, 1); }
static void f_thread(void *o, void *d)
{
    (void)o, (void)d;
    pthread_mutex_lock(&runs_mu);
    thread_runs++;
    pthread_cond_broadcast(&runs_cv);
    pthread_mutex_unlock(&runs_mu);
}
/* Wait until n finalizers ran; the deadline only turns a hang into a failure. */
static int wait_thread_runs(int n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&runs_mu);
    int rc = 0;
    while (thread_runs < n && rc == 0)
        rc = pthread_cond_timedwait(&runs_cv, &runs_mu, &dl);
    int got = thread_runs;
    pthread_mutex_unlock(&runs_mu);
    return got;
}
static __attribute__((noinline)) void make_many(int n)
{
    for (int i = 0; i < n; i++)
        pgc_register_finalizer(pgc_alloc(48), f_thread, NULL);
}

int main(void)
{
    pgc_init();
    pgc_set_finalize_on_demand(1);

    /* ordered: B before A, A's child alive until A ran */
    make_ba();
    collect();
    CHECK(pgc_run_finalizers() == 1, "one finalizer (B) in the first cycle");
    CHECK(order[0] == 2, "B ran first, got %d", order[0]);
    CHECK(b_saw_child_tag == 4242, "B saw A's child intact (%d)", b_saw_child_tag);
    CHECK(pgc_base((void *)(hid_a ^ HIDE)) != NULL, "A alive after B ran");
    CHECK(pgc_base((void *)(hid_achild ^ HIDE)) != NULL, "A's child alive");
    collect();
    CHECK(pgc_run_finalizers() == 1, "A finalized in the second cycle");
    CHECK(order[1] == 1, "then A, got %d", order[1]);
    collect();
    collect();
    CHECK(pgc_run_finalizers() == 0, "nothing more");

    /* an ordered cycle is never finalized */
    atomic_store(&norder, 0);
    make_cycle();
    for (int i = 0; i < 3; i++)
        collect();
    CHECK(pgc_run_finalizers() == 0, "a cycle of ordered finalizable objects is never finalized");

    /* unordered: all in one cycle */
    make_unordered_chain(10);
    collect();
    size_t n = pgc_run_finalizers();
    CHECK(n == 10, "10 unordered finalized in one cycle, got %zu", n);

    /* resurrection, re-registration, allocation in a finalizer */
    make_resurrector();
    collect();
    CHECK(pgc_run_finalizers() == 1, "resurrector ran");
    node *r = atomic_load(&resurrected);
    CHECK(r && r->child && ((node *)r->child)->tag == 77, "resurrected object and its new child intact");
    collect();
    CHECK(pgc_run_finalizers() == 0, "resurrected object reachable: not finalized");
    atomic_store(&resurrected, NULL);
    r = NULL;
    collect();
    n = pgc_run_finalizers();
    CHECK(n >= 1 && atomic_load(&res_runs) == 2, "re-registered finalizer ran again (%zu, %d)", n,
          atomic_load(&res_runs));
    collect();
    pgc_run_finalizers();
    collect();
    pgc_run_finalizers();
    CHECK(atomic_load(&new_runs) == 1, "finalizer registered inside a finalizer ran (%d)", atomic_load(&new_runs));

    /* replace / remove */
    make_replace_remove();
    collect();
    pgc_run_finalizers();
    CHECK(replaced_new == 1 && replaced_old == 0 && removed == 0, "replace %d/%d remove %d", replaced_old,
          replaced_new, removed);

    /* default mode: the finalizer thread and the notifier */
    pgc_set_finalizer_notifier(notify);
    CHECK(pgc_set_finalize_on_demand(0) == 1, "was on demand");
    make_many(1000);
    collect();
    int got = wait_thread_runs(1000);
    CHECK(got == 1000, "finalizer thread ran all 1000 (%d)", got);
    CHECK(atomic_load(&notified) >= 1, "notifier called");
    printf("test_finalize: ok\n");
    return 0;
}
