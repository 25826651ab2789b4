// TEST-ENV: PGC_GOGC=off PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_weak.c - weak links and ephemerons (lifetimes.c), under gccheckmark
 * (every pause #2 re-marks the heap with the same semantics and aborts on
 * an object the concurrent mark missed). GOGC off: only the test's cycles.
 *  - a weak link reads its object while alive; *link holds no visible
 *    pointer; once the object is dropped, one cycle clears every link to
 *    it (three links, all NULL after the same cycle).
 *  - links are cleared before finalizers are queued: a finalizable
 *    object's link is NULL when its finalizer runs (checked inside it).
 *  - re-registering re-targets; obj NULL clears; unregister clears; a
 *    link inside a collected object is dropped with it (no write to freed
 *    memory: the object's memory is reused by a new allocation first).
 *  - ephemerons: value alive while the key is; key and value NULL once the
 *    key dies; a key reachable only from its own value is collected (made
 *    on a thread that exits, so no stale word of it stays in main's frames); a
 *    chain of 100000 ephemerons where each value holds the next key is
 *    kept whole from its first key, and collected once that key dies.
 *  - race: a cycle is held just before the decision (PGC_TEST_BEFORE_TERM)
 *    while 4 threads read weak links and ephemerons whose targets are
 *    only weakly reachable and store what they read into the heap; the
 *    cycle then terminates (checkmark verifies nothing read was lost) and
 *    everything stored is intact after more cycles; an ephemeron whose key
 *    was read back and held keeps its entry (INV-LIFE-READS).
 *  - a read while the decision is taken: the cycle is held just after the
 *    reads close (PGC_TEST_READS_CLOSED); a reader of an ephemeron key and a
 *    weak link to an unreachable object waits (pgc__test_read_waiters), the
 *    cycle goes on, and the reader gets NULL for both, as decided; entry
 *    and link cleared, the key freed.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
typedef struct node {
    struct node *next;
    uintptr_t tag;
    void *link; /* a weak link inside a pacegc object */
} node;

static void collect(void)
{
    scrub();
    pgc_collect();
}

static void **links; /* uncollectable: three links */
static __attribute__((noinline)) void make_linked(void)
{
    node *n = pgc_alloc(sizeof(node));
    n->tag = 9;
    for (int i = 0; i < 3; i++)
        pgc_register_weak_link(&links[i], n);
}

static void *fin_link;
static int link_at_finalizer = -1;
static void fin_check_link(void *obj, void *data)
{
    (void)obj, (void)data;
    link_at_finalizer = pgc_weak_load(&fin_link) == NULL;
}
static __attribute__((noinline)) void make_fin_linked(void)
{
    node *n = pgc_alloc(sizeof(node));
    pgc_register_weak_link(&fin_link, n);
    pgc_register_finalizer(n, fin_check_link, NULL);
}

static uintptr_t hid_container;
static __attribute__((noinline)) void make_container(node *target)
{
    node *c = pgc_alloc(sizeof(node));
    pgc_register_weak_link(&c->link, target);
    hid_container = (uintptr_t)c ^ HIDE;
}

static pgc_ephemeron **eps; /* uncollectable table */
static uintptr_t hid_val;
static __attribute__((noinline)) void make_eph(node *key, int slot)
{
    node *v = pgc_alloc(sizeof(node));
    v->tag = 1234;
    eps[slot] = pgc_ephemeron_new(key, v);
    hid_val = (uintptr_t)v ^ HIDE;
}
/* Made on a thread of its own that then exits: no copy of k or v can stay
 * in main's stack frames or registers (under ThreadSanitizer a dead word
 * of v below main's frame was scanned conservatively and kept v, hence k,
 * alive through v->next: a stale root, not an ephemeron keeping its key). */
static uintptr_t hid_self_key, hid_self_val;
static void *self_keyed_thread(void *arg)
{
    int slot = (int)(uintptr_t)arg;
    node *k = pgc_alloc(sizeof(node));
    node *v = pgc_alloc(sizeof(node));
    v->next = k; /* the key only from its own value */
    eps[slot] = pgc_ephemeron_new(k, v);
    hid_self_key = (uintptr_t)k ^ HIDE;
    hid_self_val = (uintptr_t)v ^ HIDE;
    return NULL;
}
static __attribute__((noinline)) void make_self_keyed(int slot)
{
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, self_keyed_thread, (void *)(uintptr_t)slot) == 0, "thread");
    CHECK(pthread_join(th, NULL) == 0, "join");
}

#define CHAIN 100000
static pgc_ephemeron **chain;
static uintptr_t hid_first_key;
static __attribute__((noinline)) node *make_chain(void)
{
    node *first = pgc_alloc(sizeof(node)), *k = first;
    for (int i = 0; i < CHAIN; i++) {
        node *v = pgc_alloc(sizeof(node));
        node *next = pgc_alloc(sizeof(node));
        v->tag = (uintptr_t)i;
        v->next = next; /* the value holds the next key */
        chain[i] = pgc_ephemeron_new(k, v);
        k = next;
    }
    hid_first_key = (uintptr_t)first ^ HIDE;
    return first;
}

/* ---- race ---- */
#define RN 64
static void **rlinks;          /* uncollectable: RN weak links */
static pgc_ephemeron **reps;   /* uncollectable: RN ephemerons */
static node **sink;            /* uncollectable: where readers store what they read */
static atomic_int go, done_readers;
static int hold_point;
static __attribute__((noinline)) void make_race_targets(void)
{
    for (int i = 0; i < RN; i++) {
        node *t = pgc_alloc(sizeof(node));
        t->tag = 5000 + (uintptr_t)i;
        node *child = pgc_alloc(sizeof(node));
        child->tag = 6000 + (uintptr_t)i;
        t->next = child;
        pgc_register_weak_link(&rlinks[i], t);
        node *v = pgc_alloc(sizeof(node));
        v->tag = 7000 + (uintptr_t)i;
        reps[i] = pgc_ephemeron_new(t, v);
    }
}
static void *reader(void *arg)
{
    int id = (int)(uintptr_t)arg;
    while (!atomic_load(&go))
        ;
    for (int i = id; i < RN; i += 4) {
        node *t = pgc_weak_load(&rlinks[i]);
        node *v = pgc_ephemeron_value(reps[i]);
        pgc_store((void **)&sink[2 * i], t);
        pgc_store((void **)&sink[2 * i + 1], v);
    }
    atomic_fetch_add(&done_readers, 1);
    return NULL;
}
static void release_when_read(void *arg)
{
    (void)arg;
    pgc__test_wait_held_at(hold_point);
    atomic_store(&go, 1);
    while (atomic_load(&done_readers) < 4)
        ;
    pgc__test_release();
}
static void start_and_wait(void *arg)
{
    (void)arg;
    pgc__test_hold_at(hold_point);
    pgc__test_start_cycle();
}

/* ---- a read while the decision is taken ---- */
static void **dlink;            /* uncollectable: one weak link */
static pgc_ephemeron **deph;    /* uncollectable: one ephemeron */
static void **dsink;            /* uncollectable: what the reader read */
static uintptr_t hid_dkey;
static void *make_decision_target(void *arg)
{
    (void)arg;
    node *k = pgc_alloc(sizeof(node)), *v = pgc_alloc(sizeof(node));
    v->tag = 31;
    pgc_register_weak_link(dlink, k);
    deph[0] = pgc_ephemeron_new(k, v);
    hid_dkey = (uintptr_t)k ^ HIDE;
    return NULL;
}
static void *decision_reader(void *arg)
{
    (void)arg;
    pgc_store(&dsink[0], pgc_ephemeron_key(deph[0]));
    pgc_store(&dsink[1], pgc_weak_load(dlink));
    return NULL;
}
static void release_when_reader_waits(void *arg)
{
    (void)arg;
    while (pgc__test_read_waiters() < 1)
        ;
    pgc__test_release();
}
static void wait_reads_closed(void *arg)
{
    (void)arg;
    pgc__test_wait_held_at(PGC_TEST_READS_CLOSED);
}

static __attribute__((noinline)) void check_linked(void)
{
    node *n = pgc_weak_load(&links[0]);
    CHECK(n && n->tag == 9, "weak link reads its object");
    CHECK(pgc_base(links[0]) == NULL && links[0] != (void *)n, "*link holds a hidden form");
    collect();
    CHECK(pgc_weak_load(&links[1]) == n, "alive while held");
}

static __attribute__((noinline)) void check_eph_alive(void)
{
    node *key = pgc_alloc(sizeof(node));
    make_eph(key, 0);
    collect();
    node *v = pgc_ephemeron_value(eps[0]);
    CHECK(pgc_ephemeron_key(eps[0]) == key && v && v->tag == 1234, "value alive while the key is");
}

static __attribute__((noinline)) void check_chain(void)
{
    node *first = make_chain();
    collect();
    int whole = 1;
    for (int i = 0; i < CHAIN && whole; i++) {
        node *cv = pgc_ephemeron_value(chain[i]);
        whole = cv && cv->tag == (uintptr_t)i;
    }
    CHECK(whole, "the chain of %d ephemerons resolved", CHAIN);
    CHECK(pgc_base(first) == first, "first key alive");
}

static __attribute__((noinline)) void check_retarget(void)
{
    node *a = pgc_alloc(sizeof(node)), *b = pgc_alloc(sizeof(node));
    pgc_register_weak_link(&links[3], a);
    pgc_register_weak_link(&links[3], b);
    CHECK(pgc_weak_load(&links[3]) == b, "re-targeted");
    pgc_register_weak_link(&links[3], NULL);
    CHECK(pgc_weak_load(&links[3]) == NULL, "obj NULL clears");
    pgc_register_weak_link(&links[3], a);
    pgc_unregister_weak_link(&links[3]);
    CHECK(links[3] == NULL && pgc_weak_load(&links[3]) == NULL, "unregister clears");
    make_container(b);
}

int main(void)
{
    pgc_init();
    pgc_set_finalize_on_demand(1);
    links = pgc_alloc_uncollectable(4 * sizeof(void *));

    make_linked();
    check_linked();
    collect();
    CHECK(pgc_weak_load(&links[0]) == NULL && pgc_weak_load(&links[1]) == NULL &&
          pgc_weak_load(&links[2]) == NULL, "all three links cleared in the same cycle");
    CHECK(links[0] == NULL, "cleared link is NULL");

    make_fin_linked();
    collect();
    CHECK(pgc_run_finalizers() == 1, "finalizer ran");
    CHECK(link_at_finalizer == 1, "the link was cleared before the finalizer was queued");

    /* re-target, clear, unregister; a link inside a collected object is dropped with it */
    check_retarget();
    collect();
    collect();
    CHECK(pgc_base((void *)(hid_container ^ HIDE)) == NULL, "container collected");
    node *reuse[64];
    for (int i = 0; i < 64; i++) {
        reuse[i] = pgc_alloc(sizeof(node));
        reuse[i]->link = (void *)0x1234;
    }
    collect();
    for (int i = 0; i < 64; i++)
        CHECK(reuse[i]->link == (void *)0x1234, "no write into a reused dead container");

    /* ephemerons */
    eps = pgc_alloc_uncollectable(8 * sizeof(void *));
    check_eph_alive();
    collect();
    CHECK(pgc_ephemeron_key(eps[0]) == NULL && pgc_ephemeron_value(eps[0]) == NULL, "cleared with its key");
    collect();
    CHECK(pgc_base((void *)(hid_val ^ HIDE)) == NULL, "value collected");
    make_self_keyed(1);
    collect();
    CHECK(pgc_ephemeron_key(eps[1]) == NULL && pgc_ephemeron_value(eps[1]) == NULL,
          "a key reachable only from its own value is collected");
    collect();
    CHECK(pgc_base((void *)(hid_self_key ^ HIDE)) == NULL && pgc_base((void *)(hid_self_val ^ HIDE)) == NULL,
          "the self-keyed key and value are freed");

    chain = pgc_alloc_uncollectable(CHAIN * sizeof(void *));
    check_chain();
    collect();
    int cleared = 0;
    for (int i = 0; i < CHAIN; i++)
        cleared += pgc_ephemeron_key(chain[i]) == NULL;
    CHECK(cleared == CHAIN, "chain collected once its first key died (%d)", cleared);

    /* race reads against termination */
    rlinks = pgc_alloc_uncollectable(RN * sizeof(void *));
    reps = pgc_alloc_uncollectable(RN * sizeof(void *));
    sink = pgc_alloc_uncollectable(2 * RN * sizeof(void *));
    for (int round = 0; round < 2; round++) {
        /* round 0: reads before the decision (they keep what they read);
         * round 1: reads after it (they read NULL: the objects are dead) */
        hold_point = round == 0 ? PGC_TEST_BEFORE_POSTMARK : PGC_TEST_DECIDED;
        atomic_store(&go, 0);
        atomic_store(&done_readers, 0);
        memset(sink, 0, 2 * RN * sizeof(void *));
        make_race_targets();
        scrub(); /* the targets are only weakly reachable at the held cycle's snapshot */
        pthread_t th[4];
        for (int i = 0; i < 4; i++)
            CHECK(pgc_pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i) == 0, "thread");
        on_unattached(start_and_wait, NULL);
        on_unattached(release_when_read, NULL);
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        collect();
        collect();
        if (round == 1) {
            for (int i = 0; i < RN; i++) {
                CHECK(sink[2 * i] == NULL && sink[2 * i + 1] == NULL, "read after the decision is NULL (%d)", i);
                CHECK(pgc_weak_load(&rlinks[i]) == NULL && pgc_ephemeron_key(reps[i]) == NULL, "cleared (%d)", i);
            }
        }
    }
    hold_point = 0;
    memset(sink, 0, 2 * RN * sizeof(void *));
    make_race_targets();
    scrub();
    {
        pthread_t th[4];
        hold_point = PGC_TEST_BEFORE_POSTMARK;
        atomic_store(&go, 0);
        atomic_store(&done_readers, 0);
        for (int i = 0; i < 4; i++)
            CHECK(pgc_pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i) == 0, "thread");
        on_unattached(start_and_wait, NULL);
        on_unattached(release_when_read, NULL);
        for (int i = 0; i < 4; i++)
            pthread_join(th[i], NULL);
        collect();
        collect();
    }
    for (int i = 0; i < RN; i++) {
        node *t = sink[2 * i], *vv = sink[2 * i + 1];
        CHECK(t && t->tag == 5000 + (uintptr_t)i && t->next->tag == 6000 + (uintptr_t)i, "read target %d intact", i);
        CHECK(vv && vv->tag == 7000 + (uintptr_t)i, "read value %d intact", i);
        CHECK(pgc_weak_load(&rlinks[i]) == t, "link %d still set (its target is held)", i);
    }
    for (int i = 0; i < RN; i++)
        CHECK(pgc_ephemeron_key(reps[i]) == sink[2 * i], "ephemeron %d kept: its key was read back and held", i);

    /* a read while the decision is taken waits for it, and reads what it
     * decided (INV-LIFE-READS): the key was unreachable, so NULL, and the
     * entry and the link are cleared in that cycle */
    dlink = pgc_alloc_uncollectable(sizeof(void *));
    deph = pgc_alloc_uncollectable(sizeof(void *));
    dsink = pgc_alloc_uncollectable(2 * sizeof(void *));
    {
        pthread_t th;
        CHECK(pgc_pthread_create(&th, NULL, make_decision_target, NULL) == 0, "thread");
        CHECK(pthread_join(th, NULL) == 0, "join");
        dsink[0] = dsink[1] = (void *)1;
        hold_point = PGC_TEST_READS_CLOSED;
        on_unattached(start_and_wait, NULL);
        on_unattached(wait_reads_closed, NULL);
        CHECK(pgc_pthread_create(&th, NULL, decision_reader, NULL) == 0, "thread");
        on_unattached(release_when_reader_waits, NULL);
        CHECK(pthread_join(th, NULL) == 0, "join");
        collect();
        CHECK(dsink[0] == NULL && dsink[1] == NULL, "reads during the decision return what it decided (%p, %p)",
              dsink[0], dsink[1]);
        CHECK(pgc_ephemeron_key(deph[0]) == NULL && pgc_weak_load(dlink) == NULL, "entry and link cleared");
        collect();
        CHECK(pgc_base((void *)(hid_dkey ^ HIDE)) == NULL, "the key is freed");
    }
    printf("test_weak: ok\n");
    return 0;
}
