// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_kinds.c - object kinds (pgc_kind_bitmap, pgc_kind_traced,
 * pgc_alloc_uncollectable) and pgc_free. GOGC is off: every cycle is one
 * the test forces, so what survives is decided by the test alone.
 * (test_kinds_checkmark.c runs this file again with PGCDEBUG=gccheckmark=1:
 * every pause #2 then re-marks the heap with the same trace code and roots
 * and aborts on any object the concurrent mark missed.)
 *
 * Addresses the test must not keep alive are stored XOR-ed with HIDE, and
 * the stack is scrubbed before each collection; "alive" means pgc_base
 * still finds the object after a full cycle (mark and sweep).
 *
 *  - bitmap: nodes {next, fake, fake} with bitmap 0b001; each fake word
 *    holds the real address of an otherwise unreachable object. After a
 *    cycle the chain is intact and every such object is freed. The same
 *    chain allocated with pgc_alloc (conservative) keeps them: the control.
 *  - arrays of a bitmap kind: {ptr, int, ptr} (bitmap 0b101, 3 words) in
 *    small arrays (5 and 100 elements) and in a large one (480 KB, several 128 KiB oblets whose
 *    starts are not multiples of 3 words): both pointers of every element
 *    keep their objects, the middle word (a real address) does not.
 *  - program-traced, variable length: {n, junk, slot[n]} with a trace
 *    function visiting slot[0..n), n from 1 to 20000 (a large object):
 *    every slot's object survives, junk's does not.
 *  - uncollectable: objects reachable only from an uncollectable object
 *    (small and large) survive three cycles; after pgc_free of the holder,
 *    holder and children are freed. A realloc'd uncollectable object stays
 *    uncollectable and the old one is released; a realloc'd bitmap object
 *    stays precise.
 *  - pgc_free racing a marking cycle: the cycle is held after pause #1
 *    with marking held (the victims are grey in mark packets, one is also
 *    in the barrier buffer), the victims are freed, marking goes on and
 *    scans them; after the cycle they are all freed and fresh allocations
 *    reuse their memory.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HIDE 0x5a5a5a5a5a5a5a5aull
static uintptr_t hide(const void *p) { return (uintptr_t)p ^ HIDE; }
static void *reveal(uintptr_t h) { return (void *)(h ^ HIDE); }
static __attribute__((noinline)) int alive(uintptr_t h) { return pgc_base(reveal(h)) == reveal(h); }

static __attribute__((noinline)) void collect(void)
{
    scrub();
    pgc_collect();
}

/* A garbage object with a recognisable payload; returns its hidden address. */
static __attribute__((noinline)) uintptr_t garbage(uint64_t tag)
{
    uint64_t *g = pgc_alloc(32);
    CHECK(g != NULL, "pgc_alloc(32) failed");
    g[0] = tag;
    return hide(g);
}

static int count_alive(const uintptr_t *h, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += alive(h[i]);
    return c;
}

/* ---- Bitmap kind with false pointers ----------------------------------------------- */

typedef struct bnode {
    struct bnode *next;
    uintptr_t fake1, fake2; /* real addresses of garbage, never scanned */
} bnode;

#define NB 200
static bnode *g_chain;         /* a root */
static uintptr_t g_bfake[NB];  /* hidden */

static __attribute__((noinline)) void build_chain(const pgc_kind *k)
{
    bnode *head = NULL;
    for (int i = 0; i < NB; i++) {
        bnode *n = k ? pgc_alloc_kind(k, sizeof *n) : pgc_alloc(sizeof *n);
        CHECK(n != NULL, "allocation failed");
        g_bfake[i] = garbage((uint64_t)i);
        n->fake1 = g_bfake[i] ^ HIDE; /* the real address */
        n->fake2 = (g_bfake[i] ^ HIDE) + 8; /* an interior address */
        n->next = head;
        head = n;
    }
    g_chain = head;
}

static void check_chain(void)
{
    int n = 0;
    for (bnode *b = g_chain; b; b = b->next, n++)
        CHECK(b->fake1 == (g_bfake[NB - 1 - n] ^ HIDE), "chain node %d lost its value", n);
    CHECK(n == NB, "the chain has %d nodes, not %d", n, NB);
}

static __attribute__((noinline)) void test_bitmap(void)
{
    uint64_t bits = 0x1; /* word 0: next */
    const pgc_kind *k = pgc_kind_bitmap(&bits, 3);
    CHECK(k != NULL, "pgc_kind_bitmap returned NULL");
    CHECK(pgc_kind_bitmap(&bits, 3) == k, "the same bitmap gave a second kind");

    build_chain(NULL); /* control: conservative */
    collect();
    check_chain();
    CHECK(count_alive(g_bfake, NB) == NB, "conservative nodes must keep what their words point to (%d of %d)",
          count_alive(g_bfake, NB), NB);
    g_chain = NULL;

    build_chain(k);
    collect();
    check_chain();
    int left = count_alive(g_bfake, NB);
    CHECK(left == 0, "%d of %d objects referenced only from non-pointer words of a bitmap kind survived", left, NB);
    g_chain = NULL;
}

/* ---- Arrays of a bitmap kind ----------------------------------------------------------- */

typedef struct elem {
    uint64_t *p;
    uintptr_t x; /* a real address, not a pointer word */
    uint64_t *q;
} elem;

static elem *g_arr;
static uintptr_t *g_arr_fake; /* hidden, malloc'd (not scanned) */

static __attribute__((noinline)) void build_array(const pgc_kind *k, int n)
{
    elem *a = pgc_alloc_kind(k, (size_t)n * sizeof(elem));
    CHECK(a != NULL, "pgc_alloc_kind(%zu) failed", (size_t)n * sizeof(elem));
    g_arr_fake = malloc((size_t)n * sizeof(uintptr_t));
    for (int i = 0; i < n; i++) {
        CHECK(a[i].p == NULL && a[i].x == 0 && a[i].q == NULL, "element %d of a fresh array is not zeroed", i);
        uint64_t *p = pgc_alloc(16), *q = pgc_alloc_atomic(16);
        CHECK(p && q, "allocation failed");
        p[0] = (uint64_t)i * 3;
        q[0] = (uint64_t)i * 7;
        a[i].p = p;
        a[i].q = q;
        g_arr_fake[i] = garbage((uint64_t)i);
        a[i].x = g_arr_fake[i] ^ HIDE;
    }
    g_arr = a;
}

static __attribute__((noinline)) void test_array(const pgc_kind *k, int n)
{
    build_array(k, n);
    collect();
    collect();
    for (int i = 0; i < n; i++) {
        CHECK(pgc_base(g_arr[i].p) == g_arr[i].p && g_arr[i].p[0] == (uint64_t)i * 3,
              "array of %d: element %d lost its first pointer's object", n, i);
        CHECK(pgc_base(g_arr[i].q) == g_arr[i].q && g_arr[i].q[0] == (uint64_t)i * 7,
              "array of %d: element %d lost its third word's object", n, i);
    }
    int left = count_alive(g_arr_fake, n);
    CHECK(left == 0, "array of %d: %d objects referenced only from non-pointer words survived", n, left);
    g_arr = NULL;
    free(g_arr_fake);
}

/* ---- Program-traced, variable length --------------------------------------------------- */

typedef struct vobj {
    size_t n;
    uintptr_t junk; /* a real address, never visited */
    uint64_t *slot[];
} vobj;

static _Atomic long g_traced; /* objects traced (any thread) */

static void vtrace(void *obj, size_t size, pgc_visit_fn visit, void *ctx)
{
    vobj *v = obj;
    size_t n = v->n; /* written before any cycle could trace the object */
    if (sizeof(vobj) + n * sizeof(void *) > size)
        abort(); /* the collector passed a wrong size */
    for (size_t i = 0; i < n; i++)
        visit((void **)&v->slot[i], ctx);
    atomic_fetch_add_explicit(&g_traced, 1, memory_order_relaxed);
}

#define NV 40
static vobj *g_vobjs[NV];
static uintptr_t g_vjunk[NV];

static size_t vlen(int i) { return i == NV - 1 ? 20000 : (size_t)(1 + i * 7); }

static __attribute__((noinline)) void build_vobjs(const pgc_kind *k)
{
    for (int i = 0; i < NV; i++) {
        size_t n = vlen(i);
        vobj *v = pgc_alloc_kind(k, sizeof(vobj) + n * sizeof(void *));
        CHECK(v != NULL, "pgc_alloc_kind failed");
        v->n = n;
        for (size_t j = 0; j < n; j++) {
            uint64_t *o = pgc_alloc_atomic(16);
            CHECK(o != NULL, "allocation failed");
            o[0] = mix((uint64_t)i << 32 | j);
            v->slot[j] = o;
        }
        g_vjunk[i] = garbage((uint64_t)i);
        v->junk = g_vjunk[i] ^ HIDE;
        g_vobjs[i] = v;
    }
}

static __attribute__((noinline)) void test_traced(void)
{
    const pgc_kind *k = pgc_kind_traced(vtrace);
    CHECK(pgc_kind_traced(vtrace) == k, "the same trace function gave a second kind");
    build_vobjs(k);
    long before = atomic_load(&g_traced);
    collect();
    collect();
    CHECK(atomic_load(&g_traced) - before >= 2 * NV, "the trace function ran %ld times for %d objects in 2 cycles",
          atomic_load(&g_traced) - before, NV);
    for (int i = 0; i < NV; i++) {
        vobj *v = g_vobjs[i];
        CHECK(v->n == vlen(i), "object %d lost its length", i);
        for (size_t j = 0; j < v->n; j++)
            CHECK(pgc_base(v->slot[j]) == v->slot[j] && v->slot[j][0] == mix((uint64_t)i << 32 | j),
                  "traced object %d (n %zu): slot %zu's object was lost", i, v->n, j);
    }
    int left = count_alive(g_vjunk, NV);
    CHECK(left == 0, "%d objects referenced only from unvisited fields survived", left);
    memset(g_vobjs, 0, sizeof g_vobjs);
}

/* ---- Uncollectable ------------------------------------------------------------------ */

static uintptr_t g_u[2], g_c[2]; /* hidden: holders and their only children */

static __attribute__((noinline)) void build_uncollectable(void)
{
    size_t sizes[2] = { 64, 200 << 10 };
    for (int i = 0; i < 2; i++) {
        void **u = pgc_alloc_uncollectable(sizes[i]);
        uint64_t *c = pgc_alloc(48);
        CHECK(u && c, "allocation failed");
        CHECK(u[0] == NULL && u[sizes[i] / 8 - 1] == NULL, "uncollectable object not zeroed");
        c[0] = 0xC0FFEE + (uint64_t)i;
        u[sizes[i] / 8 - 1] = c; /* its last word: the only reference */
        g_u[i] = hide(u);
        g_c[i] = hide(c);
    }
}

static __attribute__((noinline)) void free_holders(void)
{
    pgc_free(reveal(g_u[0]));
    pgc_free(reveal(g_u[1]));
    pgc_free(NULL); /* a no-op */
}

/* Not inlined: the revealed addresses must not stay in the caller's frame. */
static __attribute__((noinline)) void check_held(int r)
{
    for (int i = 0; i < 2; i++) {
        CHECK(alive(g_u[i]), "round %d: uncollectable object %d was collected", r, i);
        CHECK(alive(g_c[i]) && ((uint64_t *)reveal(g_c[i]))[0] == 0xC0FFEE + (uint64_t)i,
              "round %d: the child of uncollectable object %d was collected", r, i);
    }
}

static __attribute__((noinline)) void test_uncollectable(void)
{
    build_uncollectable();
    for (int r = 0; r < 3; r++) {
        collect();
        check_held(r);
    }
    free_holders();
    collect();
    collect();
    for (int i = 0; i < 2; i++) {
        CHECK(!alive(g_u[i]), "uncollectable object %d survived pgc_free", i);
        CHECK(!alive(g_c[i]), "the child of freed uncollectable object %d survived", i);
    }
}

static __attribute__((noinline)) void realloc_uncollectable(void)
{
    void **u = pgc_alloc_uncollectable(32);
    uint64_t *c = pgc_alloc(32);
    c[0] = 77;
    u[1] = c;
    g_u[0] = hide(u);
    void **u2 = pgc_realloc(u, 4000);
    CHECK(u2 != NULL && u2 != u && u2[1] == c, "pgc_realloc of an uncollectable object did not copy it");
    g_u[1] = hide(u2);
    g_c[0] = hide(c);
}

static __attribute__((noinline)) void realloc_bitmap(const pgc_kind *k)
{
    bnode *n = pgc_alloc_kind(k, sizeof *n);
    g_bfake[0] = garbage(1);
    n->fake1 = g_bfake[0] ^ HIDE;
    bnode *n2 = pgc_realloc(n, 3000 * sizeof *n);
    CHECK(n2 != NULL && n2->fake1 == n->fake1, "pgc_realloc did not copy");
    n2[2999].fake2 = g_bfake[0] ^ HIDE;
    g_chain = n2;
}

static __attribute__((noinline)) void test_realloc(void)
{
    realloc_uncollectable();
    collect();
    collect();
    CHECK(!alive(g_u[0]), "the old uncollectable object survived its pgc_realloc");
    CHECK(alive(g_u[1]), "the reallocated uncollectable object was collected: it lost its kind");
    CHECK(alive(g_c[0]), "the child of the reallocated uncollectable object was collected");
    pgc_free(reveal(g_u[1]));

    uint64_t bits = 0x1;
    realloc_bitmap(pgc_kind_bitmap(&bits, 3));
    collect();
    CHECK(pgc_size(g_chain) >= 3000 * sizeof(bnode), "the reallocated object is too small");
    CHECK(!alive(g_bfake[0]), "a reallocated bitmap object retained garbage through a non-pointer word");
    g_chain = NULL;
}

/* ---- pgc_free racing a marking cycle --------------------------------------------------- */

#define NF 600
static uint64_t *g_victim[NF];  /* roots until freed */
static void *g_holder[1];       /* in a heap object: see below */
static uintptr_t g_freed[NF + 1];
static void **g_box;            /* a heap object holding one victim */

static __attribute__((noinline)) void build_victims(void)
{
    for (int i = 0; i < NF; i++) {
        uint64_t *v = i % 3 == 0 ? pgc_alloc_uncollectable(64) : pgc_alloc(64);
        CHECK(v != NULL, "allocation failed");
        v[0] = (uint64_t)i;
        v[1] = (uintptr_t)pgc_alloc_atomic(16); /* something for the marker to follow */
        g_victim[i] = v;
        g_freed[i] = hide(v);
    }
    g_box = pgc_alloc(16);
    uint64_t *b = pgc_alloc(64);
    g_box[0] = b;
    g_freed[NF] = hide(b);
    (void)g_holder;
}

static __attribute__((noinline)) void free_victims(void)
{
    for (int i = 0; i < NF; i++) {
        pgc_free(g_victim[i]);
        g_victim[i] = NULL;
    }
    /* the barrier records b while marking (it goes into this thread's
     * buffer), then the program frees it */
    void *b = g_box[0];
    pgc_store(&g_box[0], NULL);
    pgc_free(b);
}

static int cmp_uptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static __attribute__((noinline)) void test_free_during_mark(void)
{
    build_victims();
    scrub();
    pgc__test_hold_marking(1);
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held();
    CHECK(pgc__test_phase() == 2, "held after pause #1 but the phase is %d", pgc__test_phase());
    CHECK(pgc__test_is_marked(g_victim[1]) == 1 && pgc__test_is_marked(g_victim[0]) == 1,
          "victims (a global points to them; every third is uncollectable) were not greyed at pause #1");
    free_victims();
    pgc__test_release();
    pgc__test_hold_marking(0);
    collect(); /* finishes the held cycle, then one more */
    int left = count_alive(g_freed, NF + 1);
    CHECK(left == 0, "%d of %d objects freed while marking are still allocated", left, NF + 1);
    /* their memory is reused */
    uintptr_t sorted[NF + 1];
    for (int i = 0; i <= NF; i++)
        sorted[i] = g_freed[i] ^ HIDE;
    qsort(sorted, NF + 1, sizeof sorted[0], cmp_uptr);
    int reused = 0;
    for (int i = 0; i < 4 * NF; i++) {
        uintptr_t p = (uintptr_t)pgc_alloc(64);
        reused += bsearch(&p, sorted, NF + 1, sizeof sorted[0], cmp_uptr) != NULL;
    }
    CHECK(reused > 0, "no allocation reused the memory of the freed objects");
    printf("free during mark: %d of %d freed slots reused\n", reused, NF + 1);
}

int main(void)
{
    /* a kind may be made before pgc_init */
    uint64_t early_bits = 0x5;
    const pgc_kind *arr_kind = pgc_kind_bitmap(&early_bits, 3);
    pgc_init();
    test_bitmap();
    test_array(arr_kind, 5);     /* 15 words: within the tracer's 64-word mask */
    test_array(arr_kind, 100);   /* small, past 64 words */
    test_array(arr_kind, 20000); /* large: 480 KB, oblets */
    test_traced();
    test_uncollectable();
    test_realloc();
    test_free_during_mark();
    printf("test_kinds: ok\n");
    return 0;
}
