/* test_bdwgc_finalize.c - bdwgc's finalizers and disappearing links through
 * pacegc's libgc.so.1 (src/bdwgc/finalize.c). On-demand mode, so each
 * GC_invoke_finalizers returns what the cycles queued. Objects the test must
 * not keep alive are made on a thread that exits and their addresses kept
 * hidden (GC_HIDE_POINTER), as a bdwgc program keeps its links.
 *  - ofn/ocd return the previous fn and cd; fn 0 removes (ofn gets it).
 *  - ordered: B -> A: the first cycle runs B only; the second runs A.
 *  - _no_order: a chain of 10 is finalized in one cycle.
 *  - _ignore_self: an object pointing to itself is finalized; the same with
 *    GC_register_finalizer is not (it is a cycle).
 *  - GC_should_invoke_finalizers says 1 while some are queued, then 0.
 *  - short links: GC_SUCCESS, GC_DUPLICATE on re-registration (the target
 *    does not change); cleared (0 written) when the object dies, before its
 *    finalizer runs (checked inside it); the hidden value is never
 *    overwritten while the object lives.
 *  - long links: kept while the object is kept for its finalizer, cleared
 *    once it is freed (the cycle after the finalizer ran).
 *  - GC_unregister_*: 1 then 0, the link untouched; GC_move_*: GC_SUCCESS,
 *    GC_NOT_FOUND for an unregistered link, GC_DUPLICATE onto a registered
 *    one; a moved link is cleared at its new place, the old one untouched.
 *  - the notifier is called when finalizers were queued.
 */
#include <gc.h>
#include <gc/gc_pthread_redirects.h>
#include "../check.h"
#include "pacegc.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

typedef struct node {
    struct node *next;
    long tag;
} node;

static int order[64], norder;
static void rec(void *obj, void *cd)
{
    (void)obj;
    order[norder++] = (int)(intptr_t)cd;
}
static void other(void *obj, void *cd) { (void)obj, (void)cd; }

/* links live in pointer-free memory and hold hidden pointers */
static GC_hidden_pointer *links;
static GC_hidden_pointer moved_to;
static int short_clear_at_fin = -1;
static void fin_check_link(void *obj, void *cd)
{
    (void)obj, (void)cd;
    short_clear_at_fin = links[0] == 0;
}

static void on_thread(void *(*fn)(void *))
{
    pthread_t t;
    CHECK(GC_pthread_create(&t, NULL, fn, NULL) == 0, "GC_pthread_create");
    CHECK(GC_pthread_join(t, NULL) == 0, "GC_pthread_join");
}

static GC_hidden_pointer hid_a;
static void *make_ba(void *arg)
{
    (void)arg;
    node *a = GC_malloc(sizeof(node)), *b = GC_malloc(sizeof(node));
    b->next = a;
    GC_register_finalizer(a, rec, (void *)1, 0, 0);
    GC_register_finalizer(b, rec, (void *)2, 0, 0);
    hid_a = GC_HIDE_POINTER(a);
    return NULL;
}
static void *make_chain(void *arg)
{
    (void)arg;
    node *prev = NULL;
    for (int i = 0; i < 10; i++) {
        node *x = GC_malloc(sizeof(node));
        x->next = prev;
        GC_register_finalizer_no_order(x, rec, (void *)(intptr_t)(100 + i), 0, 0);
        prev = x;
    }
    return NULL;
}
static void *make_self(void *arg)
{
    (void)arg;
    node *x = GC_malloc(sizeof(node)), *y = GC_malloc(sizeof(node));
    x->next = x;
    y->next = y;
    GC_register_finalizer_ignore_self(x, rec, (void *)7, 0, 0);
    GC_register_finalizer(y, rec, (void *)8, 0, 0);
    return NULL;
}
static void *make_linked(void *arg)
{
    (void)arg;
    node *n = GC_malloc(sizeof(node));
    n->tag = 55;
    links[0] = GC_HIDE_POINTER(n);
    links[1] = GC_HIDE_POINTER(n);
    CHECK(GC_general_register_disappearing_link((void **)&links[0], n) == GC_SUCCESS, "registered");
    CHECK(GC_general_register_disappearing_link((void **)&links[0], links) == GC_DUPLICATE, "duplicate");
    CHECK(GC_register_long_link((void **)&links[1], n) == GC_SUCCESS, "long registered");
    GC_register_finalizer(n, fin_check_link, NULL, 0, 0);
    return NULL;
}
static void *make_moved(void *arg)
{
    (void)arg;
    node *n = GC_malloc(sizeof(node));
    links[2] = GC_HIDE_POINTER(n);
    links[3] = GC_HIDE_POINTER(n);
    CHECK(GC_general_register_disappearing_link((void **)&links[2], n) == GC_SUCCESS, "registered");
    CHECK(GC_general_register_disappearing_link((void **)&links[3], n) == GC_SUCCESS, "registered");
    CHECK(GC_move_disappearing_link((void **)&links[2], (void **)&links[3]) == GC_DUPLICATE, "onto a link");
    CHECK(GC_unregister_disappearing_link((void **)&links[3]) == 1, "unregistered");
    CHECK(GC_unregister_disappearing_link((void **)&links[3]) == 0, "not any more");
    CHECK(links[3] == GC_HIDE_POINTER(n), "unregister leaves the link alone");
    CHECK(GC_move_disappearing_link((void **)&links[3], (void **)&links[4]) == GC_NOT_FOUND, "not registered");
    moved_to = links[2];
    CHECK(GC_move_disappearing_link((void **)&links[2], (void **)&moved_to) == GC_SUCCESS, "moved");
    return NULL;
}

static atomic_int notified; /* by pacegc's finalizer thread */
static void notify(void) { atomic_fetch_add(&notified, 1); }

static void collect(void)
{
    GC_gcollect();
    GC_gcollect();
}

int main(void)
{
    GC_INIT();
    GC_set_finalize_on_demand(1);
    GC_set_finalizer_notifier(notify);

    /* previous fn and cd */
    node *keep = GC_malloc(sizeof(node));
    GC_finalization_proc ofn = other;
    void *ocd = (void *)1;
    GC_register_finalizer(keep, rec, (void *)5, &ofn, &ocd);
    CHECK(ofn == NULL && ocd == NULL, "no previous finalizer");
    GC_register_finalizer(keep, other, (void *)6, &ofn, &ocd);
    CHECK(ofn == rec && ocd == (void *)5, "previous fn and cd returned");
    GC_register_finalizer(keep, 0, 0, &ofn, &ocd);
    CHECK(ofn == other && ocd == (void *)6, "removal returns the last one");
    static char not_heap[16];
    ofn = other;
    GC_register_finalizer(not_heap, rec, 0, &ofn, &ocd);
    CHECK(ofn == NULL, "a pointer outside the heap is ignored");

    /* ordered */
    on_thread(make_ba);
    GC_gcollect();
    CHECK(GC_should_invoke_finalizers() == 1, "finalizers pending");
    CHECK(GC_invoke_finalizers() == 1 && order[0] == 2, "B first (%d)", order[0]);
    CHECK(GC_should_invoke_finalizers() == 0, "none pending");
    CHECK(GC_base(GC_REVEAL_POINTER(hid_a)) != NULL, "A kept until B ran");
    GC_gcollect();
    CHECK(GC_invoke_finalizers() == 1 && order[1] == 1, "then A");
    for (long i = 0; i < 2000000000L && atomic_load(&notified) < 1; i++)
        sched_yield(); /* the finalizer thread calls it; a bound only against a hang */
    CHECK(atomic_load(&notified) >= 1, "notifier called");

    /* unordered */
    norder = 0;
    on_thread(make_chain);
    GC_gcollect();
    int got = GC_invoke_finalizers();
    /* in every mode, all in one cycle (INV-LIFE-UNORDERED in the tracked
     * barrier-free ones) */
    CHECK(got == 10, "10 unordered finalized in one cycle (%d)", got);
    printf("_no_order chain of 10: all finalized in one cycle\n");

    /* ignore self */
    norder = 0;
    on_thread(make_self);
    collect();
    int n = GC_invoke_finalizers();
    CHECK(n == 1 && order[0] == 7, "the self-pointing object is finalized with _ignore_self only (%d, %d)", n,
          order[0]);

    /* short and long links */
    links = GC_malloc_atomic_uncollectable(8 * sizeof *links);
    memset(links, 0, 8 * sizeof *links);
    on_thread(make_linked);
    GC_hidden_pointer h = links[0];
    collect();
    CHECK(GC_invoke_finalizers() == 1, "the linked object's finalizer ran");
    CHECK(short_clear_at_fin == 1, "short link cleared before the finalizer ran");
    CHECK(links[0] == 0, "short link cleared");
    CHECK(links[1] == h, "long link kept while its object is kept for the finalizer");
    CHECK(GC_unregister_disappearing_link((void **)&links[0]) == 0, "a cleared link is unregistered");
    GC_gcollect();
    CHECK(links[1] == 0, "long link cleared once its object is freed");
    CHECK(GC_unregister_long_link((void **)&links[1]) == 0, "and unregistered");

    /* move */
    on_thread(make_moved);
    h = links[2];
    collect();
    CHECK(moved_to == 0, "a moved link is cleared at its new place");
    CHECK(links[2] == h && links[3] == h, "the old place and an unregistered link are left alone");
    printf("ok\n");
    return 0;
}
