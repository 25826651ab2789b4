// TEST-ENV: PGC_GOGC=10 PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_kinds_stress.c - precise kinds, uncollectable roots and pgc_free
 * under concurrent marking, with gccheckmark verifying every cycle.
 *
 * Three threads (main and two others) each own an uncollectable holder
 * whose only pointer (kept XOR-ed in the thread, so no stack word points to
 * it) is the root of everything the thread keeps: holder[0] is a
 * program-traced vector {n, slot[n]} of trees of a bitmap kind {left,
 * right, value, fake} (bitmap 0b0011: `fake` holds the address of a recent
 * node, garbage or not, and is never scanned). Each step builds a tree,
 * stores it over a random slot (pgc_store), checks another slot's tree
 * node by node, and now and then moves everything to a fresh holder and a
 * fresh vector and pgc_frees the old holder - at any phase of the running
 * cycles (GOGC is 10: a cycle is almost always in progress). Asserted: every
 * tree reachable from the holder is intact, and gccheckmark (same trace
 * code and roots, stop-the-world) finds no object the concurrent mark
 * missed.
 */
#include "check.h"
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdint.h>

#define HIDE 0x3c3c3c3c3c3c3c3cull
#define NSLOTS 64
#define DEPTH 6
#define STEPS 8000
#define NTHREADS 3

typedef struct tnode {
    struct tnode *left, *right;
    uint64_t value;
    uintptr_t fake;
} tnode;

typedef struct vec {
    size_t n;
    tnode *slot[];
} vec;

static const pgc_kind *tnode_kind, *vec_kind;

static void vec_trace(void *obj, size_t size, pgc_visit_fn visit, void *ctx)
{
    vec *v = obj;
    /* A root scan can grey a vector its owner is still filling (its address
     * is on the owner's stack): the trace runs concurrently with that store,
     * so both sides use relaxed atomics (include/pacegc.h, pgc_kind_traced). */
    size_t n = __atomic_load_n(&v->n, __ATOMIC_RELAXED);
    if (sizeof(vec) + n * sizeof(void *) > size)
        abort();
    for (size_t i = 0; i < n; i++)
        visit((void **)&v->slot[i], ctx);
}

static tnode *build(uint64_t seed, int depth, uintptr_t *recent)
{
    tnode *t = pgc_alloc_kind(tnode_kind, sizeof *t);
    CHECK(t != NULL, "allocation failed");
    t->value = mix(seed);
    t->fake = *recent; /* looks like a pointer, is not one */
    *recent = (uintptr_t)t;
    if (depth > 0) {
        t->left = build(seed * 2, depth - 1, recent);
        t->right = build(seed * 2 + 1, depth - 1, recent);
    }
    return t;
}

static long check_tree(const tnode *t, uint64_t seed, int depth)
{
    CHECK(t != NULL && t->value == mix(seed), "tree node (seed %llu) lost or overwritten", (unsigned long long)seed);
    if (depth == 0)
        return 1;
    return 1 + check_tree(t->left, seed * 2, depth - 1) + check_tree(t->right, seed * 2 + 1, depth - 1);
}

static void *worker(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg, rng = mix(id + 1);
    uint64_t seeds[NSLOTS] = { 0 };
    uintptr_t recent = 0;
    void **holder = pgc_alloc_uncollectable(2 * sizeof(void *));
    vec *v = pgc_alloc_kind(vec_kind, sizeof(vec) + NSLOTS * sizeof(void *));
    CHECK(holder && v, "allocation failed");
    __atomic_store_n(&v->n, NSLOTS, __ATOMIC_RELAXED);
    holder[0] = v;
    volatile uintptr_t hidden = (uintptr_t)holder ^ HIDE; /* volatile: the optimiser may not keep holder instead */
    holder = NULL;
    v = NULL;
    long checked = 0;
    for (int step = 0; step < STEPS; step++) {
        /* build first: while this thread allocates (where pauses mostly
         * find it) no word of it points to the holder or the vector */
        rng = mix(rng);
        int s = (int)(rng % NSLOTS);
        uint64_t seed = (id << 40) | ((uint64_t)step << 8) | 1;
        tnode *t = build(seed, DEPTH, &recent);
        void **h = (void **)(hidden ^ HIDE);
        vec *cur = h[0];
        pgc_store((void **)&cur->slot[s], t);
        seeds[s] = seed;
        int c = (int)((rng >> 20) % NSLOTS);
        if (seeds[c])
            checked += check_tree(cur->slot[c], seeds[c], DEPTH);
        if (step % 50 == 49) {
            /* move to a fresh holder and vector; free the old holder */
            void **nh = pgc_alloc_uncollectable(2 * sizeof(void *));
            vec *nv = pgc_alloc_kind(vec_kind, sizeof(vec) + NSLOTS * sizeof(void *));
            CHECK(nh && nv, "allocation failed");
            __atomic_store_n(&nv->n, NSLOTS, __ATOMIC_RELAXED);
            for (int i = 0; i < NSLOTS; i++)
                nv->slot[i] = cur->slot[i]; /* fresh: stores over NULL */
            nh[0] = nv;
            hidden = (uintptr_t)nh ^ HIDE;
            pgc_free(h);
        }
    }
    void **h = (void **)(hidden ^ HIDE);
    vec *cur = h[0];
    for (int i = 0; i < NSLOTS; i++)
        if (seeds[i])
            checked += check_tree(cur->slot[i], seeds[i], DEPTH);
    pgc_free(h);
    CHECK(checked > 0, "nothing was checked");
    return NULL;
}

int main(void)
{
    uint64_t bits = 0x3; /* left, right */
    tnode_kind = pgc_kind_bitmap(&bits, 4);
    vec_kind = pgc_kind_traced(vec_trace);
    pgc_init();
    pthread_t th[NTHREADS - 1];
    for (int i = 0; i < NTHREADS - 1; i++)
        CHECK(pgc_pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0, "thread");
    worker((void *)0);
    for (int i = 0; i < NTHREADS - 1; i++)
        pthread_join(th[i], NULL);
    pgc_stats st;
    pgc_read_stats(&st);
    printf("test_kinds_stress: ok, %llu cycles\n", (unsigned long long)st.num_gc);
    CHECK(st.num_gc >= 3, "only %llu cycles ran", (unsigned long long)st.num_gc);
    return 0;
}
