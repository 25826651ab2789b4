// TEST-ENV: PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 300
// TEST-TSAN: yes
/* test_torture.c - many threads mutate shared and private linked structures
 * through the write barrier while cycles run back to back.
 *
 * NTHREADS threads (pgc_pthread_create) each run a fixed number of rounds.
 * A round picks mutations at random and allocates garbage between them
 * (small objects, pgc_alloc_atomic payloads of many sizes, and now and then
 * objects larger than 32 KiB of both kinds), so cycles start, mark and end
 * while every kind of mutation is half done:
 *
 *  - a private list: push, pop, move a node from the middle to the head
 *    (held only in a local meanwhile), truncate, grow a payload with
 *    pgc_realloc;
 *  - a private binary search tree: insert, delete (the successor is held
 *    only in a local while it is moved), rotate, prune a subtree;
 *  - a private array of chunk pointers and a large one (> 64 KiB, so
 *    pgc_copy works in more than one chunk): swap entries, replace them,
 *    and snapshot them with pgc_copy into a fresh array before overwriting
 *    them with pgc_copy from another array (the overwritten pointers then
 *    live only in the black snapshot), and partial copies back;
 *  - a shared array of pointers: take a chunk out of a slot and put another
 *    in (striped locks), then walk the taken chunk, which now lives only in
 *    this thread's locals and private holder;
 *  - a shared list and a shared search tree (each under a mutex): nodes
 *    move between the private list and the shared list; shared tree
 *    inserts, deletes and rotations.
 *
 * Every node carries a checksum (its id hashed with a per-node salt) and a
 * payload whose bytes derive from both; chunks are immutable once built.
 * Each thread regularly walks everything it can reach (its own structures
 * and all the shared ones) and verifies every node, every length and count,
 * and the search-tree order. With PGCDEBUG=gccheckmark=1 (the runner sets
 * it; main sets it too if unset) every mark termination also re-marks the
 * heap from the roots and aborts if the concurrent mark missed an object.
 *
 * TORTURE_LIFETIMES=1 (test_torture_lifetimes.c) runs another mutator on
 * the same 4 threads, with the same garbage: a weak-keyed table of
 * ephemerons (keys held strongly or not, dropped, read back to strong; a
 * third of the values also point to their key), weak links re-targeted to
 * new finalizable objects (ordered and unordered) whose finalizer checks
 * the object and its payload intact and its link already cleared, then
 * resurrects it (allocating, re-registering) onto a shared list that the
 * threads drain and drop again, and an ephemeron chain of LCHAIN links
 * (each value holds the next key) walked whole from its held first key and
 * rebuilt, the old one dropped. Every read of an ephemeron is all or
 * nothing and never a freed object; at the end, with every key dropped, at
 * least 90% of the entries are cleared.
 *
 * Under ThreadSanitizer and AddressSanitizer the rounds are scaled down;
 * TORTURE_ROUNDS=n runs n rounds per thread (fewer cycles expected).
 *
 * In a barrier-free mode (PGC_BARRIER=none-uffd, none-mprotect, none-stw:
 * test_torture_none_*.c) the same mutations make plain stores and memmove
 * instead of pgc_store and pgc_copy, and gccheckmark verifies that the
 * mode's re-scans (or its stopped world) found every pointer moved. With
 * PGC_BARRIER=none-uffd on a kernel without the tracking, the test says
 * so and passes without running.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#define PGC_TEST_NEED_MODE
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

/* Rounds per thread: about 15 s on two idle cores, 30 s on loaded ones. */
#if defined(UNDER_TSAN)
#define ROUNDS 16000
#define LIFE_ROUNDS 40000
#define MIN_CYCLES 5
#elif defined(UNDER_ASAN)
#define ROUNDS 80000
#define LIFE_ROUNDS 150000
#define MIN_CYCLES 40
#else
#define ROUNDS 160000
#define LIFE_ROUNDS 200000
#define MIN_CYCLES 60
#endif

#define NTHREADS 4

/* Rounds per thread this run (main: ROUNDS or LIFE_ROUNDS, or
 * TORTURE_ROUNDS); written before the threads start. */
static long g_rounds;

/* In a barrier-free mode (PGC_BARRIER=none-*, test_torture_none_*.c) every
 * pointer store and copy is a plain one, as a bdwgc client makes them: the
 * cycle must find them by its dirty-page tracking (or the stopped world),
 * not by pgc_store's barrier. Written by main before the threads start. */
static bool g_plain;
#undef PGC_STORE
#define PGC_STORE(lvalue, value) \
    (g_plain ? (void)((lvalue) = (value)) : pgc_store((void **)&(lvalue), (void *)(value)))
static void tcopy(void *dst, const void *src, size_t n)
{
    if (g_plain)
        memmove(dst, src, n);
    else
        pgc_copy(dst, src, n);
}
#define VERIFY_EVERY 500     /* rounds between full walks */
#define LIST_MAX 400         /* private list: truncated to half beyond this */
#define TREE_MAX 600         /* private tree: pruned beyond this */
#define ARR 256              /* private array of chunks (2 KiB) */
#define BIG 9000             /* private large array of chunks (72 KiB) */
#define NSLOT 1024           /* shared array of chunks */
#define NSTRIPE 64
#define SLIST_MAX 800
#define STREE_MAX 1500
#define CHUNK_MAX 6
#define MAX_DEPTH ((TREE_MAX > STREE_MAX ? TREE_MAX : STREE_MAX) + 16)

typedef struct node {
    uint64_t id;
    uint64_t salt;
    uint64_t check;          /* hash(id, salt) */
    struct node *next;       /* list / chunk link */
    struct node *left, *right;
    unsigned char *payload;  /* atomic, plen bytes */
    uint32_t plen;
    uint32_t key;            /* tree key, or chunk length in a chunk's head */
} node;

_Static_assert(sizeof(node) == 64, "node is 64 bytes");


static uint64_t node_hash(uint64_t id, uint64_t salt) { return mix(id * 0x9e3779b97f4a7c15ull ^ mix(salt)); }

static unsigned char pbyte(uint64_t id, uint64_t salt, size_t i)
{
    return (unsigned char)(mix(id ^ (salt + i / 8)) >> (8 * (i % 8)));
}

/* ---- Per-thread state ------------------------------------------------------ */

typedef struct troot {
    node *list;
    node *tree;
    node **arr;     /* ARR chunk heads */
    node **snap;    /* pgc_copy snapshot of arr */
    node **big;     /* BIG chunk heads (large object) */
    node **bigsnap; /* pgc_copy snapshot of big */
    node *taken;    /* last chunk taken out of the shared array */
} troot;

typedef struct tstate {
    int index;
    uint64_t rng;
    uint64_t next_id;
    troot *r;
    long list_len;
    long tree_n;
    long verified;   /* nodes verified */
} tstate;

static uint64_t rnd(tstate *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rn(tstate *t, uint32_t n) { return (uint32_t)(rnd(t) % n); }

/* ---- Shared structures (globals are roots) ----------------------------------- */

static node **g_sa;                      /* NSLOT chunk heads */
static pthread_mutex_t g_stripe[NSTRIPE];
static node *g_slist;                    /* shared list */
static long g_slist_len;
static pthread_mutex_t g_slist_lock = PTHREAD_MUTEX_INITIALIZER;
static node *g_stree;                    /* shared tree */
static long g_stree_n;
static pthread_mutex_t g_stree_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long g_rounds_done;

/* Take a mutex a stopped thread may hold. ThreadSanitizer delivers a signal
 * to a thread blocked in pthread_mutex_lock only once it has the mutex, so a
 * thread waiting for a mutex whose holder the collector has stopped would
 * never answer the stop and the pause would never end; under TSan, spin on
 * trylock instead (each call is an interceptor, where TSan delivers
 * signals). Without TSan the kernel interrupts the blocked wait. */
static void lock(pthread_mutex_t *m)
{
#ifdef UNDER_TSAN
    while (pthread_mutex_trylock(m) != 0)
        sched_yield();
#else
    pthread_mutex_lock(m);
#endif
}

/* ---- Nodes ------------------------------------------------------------------------ */

static size_t payload_size(tstate *t)
{
    uint32_t r = rn(t, 100);
    if (r < 60)
        return 8 + rn(t, 120);
    if (r < 95)
        return 128 + rn(t, 900);
    return 1024 + rn(t, 6000);
}

static void fill_payload(unsigned char *p, size_t from, size_t to, uint64_t id, uint64_t salt)
{
    for (size_t i = from; i < to; i++)
        p[i] = pbyte(id, salt, i);
}

static node *new_node(tstate *t, size_t plen)
{
    node *n = pgc_alloc(sizeof(node));
    CHECK(n != NULL, "pgc_alloc(node) returned NULL");
    n->id = t->next_id++;
    n->salt = rnd(t);
    n->check = node_hash(n->id, n->salt);
    if (plen) {
        unsigned char *p = pgc_alloc_atomic(plen);
        CHECK(p != NULL, "pgc_alloc_atomic(%zu) returned NULL", plen);
        fill_payload(p, 0, plen, n->id, n->salt);
        n->payload = p; /* fresh node: stores over NULL need no barrier */
        n->plen = (uint32_t)plen;
    }
    return n;
}

static void verify_node(tstate *t, const node *n, const char *where)
{
    CHECK(n != NULL, "thread %d: %s: NULL node", t->index, where);
    CHECK(pgc_base(n) == n, "thread %d: %s: node %p is not (the start of) a live object: freed while "
          "reachable", t->index, where, (const void *)n);
    CHECK(n->check == node_hash(n->id, n->salt), "thread %d: %s: node %p (id %#llx) checksum mismatch: "
          "the node was freed and its memory reused, or overwritten", t->index, where, (const void *)n,
          (unsigned long long)n->id);
    const unsigned char *p = n->payload;
    if (n->plen) {
        CHECK(p != NULL && pgc_base(p) == p, "thread %d: %s: payload of node %#llx (%u bytes) freed while "
              "reachable", t->index, where, (unsigned long long)n->id, n->plen);
        CHECK(pgc_size(p) >= n->plen, "thread %d: %s: payload of node %#llx: pgc_size %zu < %u", t->index,
              where, (unsigned long long)n->id, pgc_size(p), n->plen);
        size_t step = n->plen > 4096 ? 61 : 1;
        for (size_t i = 0; i < n->plen; i += step)
            CHECK(p[i] == pbyte(n->id, n->salt, i), "thread %d: %s: payload of node %#llx corrupt at byte "
                  "%zu of %u", t->index, where, (unsigned long long)n->id, i, n->plen);
        CHECK(p[n->plen - 1] == pbyte(n->id, n->salt, n->plen - 1), "thread %d: %s: payload of node %#llx "
              "corrupt at its last byte", t->index, where, (unsigned long long)n->id);
    } else {
        CHECK(p == NULL, "thread %d: %s: node %#llx has a payload pointer but no length", t->index, where,
              (unsigned long long)n->id);
    }
    t->verified++;
}

/* ---- Chunks: immutable lists of 1..CHUNK_MAX nodes ---------------------------------- */

static node *new_chunk(tstate *t)
{
    uint32_t len = 1 + rn(t, CHUNK_MAX);
    node *head = NULL;
    for (uint32_t k = 0; k < len; k++) {
        node *n = new_node(t, rn(t, 4) ? payload_size(t) : 0);
        n->next = head;
        head = n;
    }
    head->key = len;
    return head;
}

static void verify_chunk(tstate *t, const node *c, const char *where)
{
    if (!c)
        return;
    uint32_t len = c->key;
    CHECK(len >= 1 && len <= CHUNK_MAX, "thread %d: %s: chunk %p has length %u: overwritten", t->index,
          where, (const void *)c, len);
    for (uint32_t k = 0; k < len; k++, c = c->next)
        verify_node(t, c, where);
    CHECK(c == NULL, "thread %d: %s: chunk longer than its recorded length %u", t->index, where, len);
}

/* ---- Garbage ----------------------------------------------------------------------- */

static void garbage(tstate *t)
{
    int n = 2 + (int)rn(t, 6);
    node *keep = NULL; /* a short-lived list, dropped at the end */
    for (int i = 0; i < n; i++) {
        node *g = new_node(t, rn(t, 2) ? payload_size(t) : 0);
        g->next = keep;
        keep = g;
    }
    uint32_t r = rn(t, 400);
    if (r == 0) { /* a large atomic object */
        size_t sz = (33u << 10) + rn(t, 200u << 10);
        unsigned char *p = pgc_alloc_atomic(sz);
        CHECK(p != NULL, "pgc_alloc_atomic(%zu) returned NULL", sz);
        p[0] = 1;
        p[sz - 1] = 2;
    } else if (r == 1) { /* a large scanned object full of pointers to garbage */
        size_t cnt = (40u << 10) / sizeof(void *) + rn(t, 4096);
        void **p = pgc_alloc(cnt * sizeof(void *));
        CHECK(p != NULL, "pgc_alloc(%zu) returned NULL", cnt * sizeof(void *));
        for (size_t i = 0; i < cnt; i += 512)
            p[i] = keep;
    }
    for (node *g = keep; g; g = g->next)
        CHECK(g->check == node_hash(g->id, g->salt), "thread %d: fresh garbage node corrupt", t->index);
}

/* ---- Private list ------------------------------------------------------------------ */

static void list_push(tstate *t, node *n)
{
    PGC_STORE(n->next, t->r->list);
    PGC_STORE(t->r->list, n);
    t->list_len++;
}

static node *list_pop(tstate *t)
{
    node *n = t->r->list;
    if (!n)
        return NULL;
    PGC_STORE(t->r->list, n->next);
    PGC_STORE(n->next, NULL);
    t->list_len--;
    return n;
}

static void list_move_to_head(tstate *t)
{
    if (t->list_len < 3)
        return;
    long pos = 1 + (long)rn(t, (uint32_t)(t->list_len - 1));
    node *prev = t->r->list;
    for (long i = 1; i < pos; i++)
        prev = prev->next;
    node *n = prev->next;
    PGC_STORE(prev->next, n->next); /* n now lives only in this local */
    PGC_STORE(n->next, NULL);
    garbage(t);
    verify_node(t, n, "list node held only in a local");
    PGC_STORE(n->next, t->r->list);
    PGC_STORE(t->r->list, n);
}

static void list_truncate(tstate *t)
{
    node *p = t->r->list;
    for (long i = 1; i < LIST_MAX / 2; i++)
        p = p->next;
    PGC_STORE(p->next, NULL);
    t->list_len = LIST_MAX / 2;
}

static void list_grow_payload(tstate *t)
{
    node *n = t->r->list;
    if (!n)
        return;
    size_t old = n->plen, nl = old + 1 + rn(t, 700);
    /* pgc_realloc keeps the kind (atomic); realloc(NULL) would be scanned */
    unsigned char *p = n->payload ? pgc_realloc(n->payload, nl) : pgc_alloc_atomic(nl);
    CHECK(p != NULL, "pgc_realloc(%zu) returned NULL", nl);
    for (size_t i = 0; i < old; i++)
        CHECK(p[i] == pbyte(n->id, n->salt, i), "thread %d: pgc_realloc lost byte %zu of %zu", t->index, i, old);
    fill_payload(p, old, nl, n->id, n->salt);
    n->plen = 0; /* never a length beyond the payload in place */
    PGC_STORE(n->payload, p);
    n->plen = (uint32_t)nl;
}

static void verify_list(tstate *t)
{
    long k = 0;
    for (const node *n = t->r->list; n; n = n->next, k++) {
        CHECK(k < t->list_len, "thread %d: private list longer than %ld", t->index, t->list_len);
        verify_node(t, n, "private list");
    }
    CHECK(k == t->list_len, "thread %d: private list has %ld nodes, expected %ld", t->index, k, t->list_len);
}

/* ---- Search trees (private: no lock; shared: caller holds g_stree_lock) ----------- */

static void tree_insert(node **root, node *n)
{
    node **link = root;
    while (*link)
        link = n->key < (*link)->key ? &(*link)->left : &(*link)->right;
    PGC_STORE(*link, n); /* over NULL */
}

/* A random node's link (the slot that points to it), or NULL if empty. */
static node **tree_random_link(tstate *t, node **root)
{
    node **link = root;
    if (!*link)
        return NULL;
    for (;;) {
        node *n = *link;
        uint32_t r = rn(t, 3);
        if (r == 0 || (!n->left && !n->right))
            return link;
        if (r == 1 && n->left)
            link = &n->left;
        else if (n->right)
            link = &n->right;
        else
            link = &n->left;
    }
}

static void tree_delete(tstate *t, node **link)
{
    node *d = *link;
    if (!d->left) {
        PGC_STORE(*link, d->right);
    } else if (!d->right) {
        PGC_STORE(*link, d->left);
    } else {
        /* successor: leftmost of the right subtree */
        node **sl = &d->right;
        while ((*sl)->left)
            sl = &(*sl)->left;
        node *s = *sl;
        PGC_STORE(*sl, s->right); /* s now lives only in this local */
        garbage(t);
        PGC_STORE(s->left, d->left);
        PGC_STORE(s->right, d->right);
        PGC_STORE(*link, s);
    }
    PGC_STORE(d->left, NULL);
    PGC_STORE(d->right, NULL);
}

static void tree_rotate(tstate *t, node **link)
{
    node *n = *link;
    if (rn(t, 2) && n->left) { /* right rotation */
        node *l = n->left;
        PGC_STORE(n->left, l->right);
        PGC_STORE(l->right, n);
        PGC_STORE(*link, l);
    } else if (n->right) { /* left rotation */
        node *r = n->right;
        PGC_STORE(n->right, r->left);
        PGC_STORE(r->left, n);
        PGC_STORE(*link, r);
    }
}

/* In-order walk: verify each node and the key order; returns the count. */
static long tree_verify(tstate *t, const node *root, const char *where)
{
    const node *stack[MAX_DEPTH];
    int sp = 0;
    long count = 0;
    uint32_t last = 0;
    const node *n = root;
    while (n || sp) {
        while (n) {
            CHECK(sp < MAX_DEPTH, "thread %d: %s: tree deeper than %d: a cycle?", t->index, where, MAX_DEPTH);
            stack[sp++] = n;
            n = n->left;
        }
        n = stack[--sp];
        verify_node(t, n, where);
        CHECK(count == 0 || n->key >= last, "thread %d: %s: search order broken (%u after %u)", t->index,
              where, n->key, last);
        last = n->key;
        count++;
        CHECK(count <= 100000, "thread %d: %s: runaway tree", t->index, where);
        n = n->right;
    }
    return count;
}

static long tree_count(const node *n)
{
    long c = 0;
    const node *stack[MAX_DEPTH];
    int sp = 0;
    while (n || sp) {
        while (n) {
            CHECK(sp < MAX_DEPTH, "tree deeper than %d", MAX_DEPTH);
            stack[sp++] = n;
            n = n->left;
        }
        n = stack[--sp];
        c++;
        n = n->right;
    }
    return c;
}

static node *new_tree_node(tstate *t)
{
    node *n = new_node(t, payload_size(t));
    n->key = (uint32_t)rnd(t);
    return n;
}

static void own_tree_op(tstate *t)
{
    uint32_t r = rn(t, 10);
    if (r < 5 || !t->r->tree) {
        tree_insert(&t->r->tree, new_tree_node(t));
        t->tree_n++;
    } else if (r < 7) {
        tree_delete(t, tree_random_link(t, &t->r->tree));
        t->tree_n--;
    } else {
        tree_rotate(t, tree_random_link(t, &t->r->tree));
    }
    if (t->tree_n > TREE_MAX) { /* prune: cut one of the root's subtrees */
        node *root = t->r->tree;
        if (root->left && (rn(t, 2) || !root->right))
            PGC_STORE(root->left, NULL);
        else
            PGC_STORE(root->right, NULL);
        t->tree_n = tree_count(t->r->tree);
    }
}

static void shared_tree_op(tstate *t)
{
    node *fresh = new_tree_node(t); /* allocate outside the lock */
    lock(&g_stree_lock);
    uint32_t r = rn(t, 10);
    if (r < 5 || !g_stree) {
        tree_insert(&g_stree, fresh);
        g_stree_n++;
    } else if (r < 7) {
        tree_delete(t, tree_random_link(t, &g_stree));
        g_stree_n--;
    } else {
        tree_rotate(t, tree_random_link(t, &g_stree));
    }
    while (g_stree_n > STREE_MAX) {
        tree_delete(t, tree_random_link(t, &g_stree));
        g_stree_n--;
    }
    pthread_mutex_unlock(&g_stree_lock);
}

/* ---- Arrays and pgc_copy ---------------------------------------------------------- */

static void arr_op(tstate *t)
{
    node **a = t->r->arr;
    uint32_t r = rn(t, 10);
    if (r < 4) { /* swap two entries */
        uint32_t i = rn(t, ARR), j = rn(t, ARR);
        node *x = a[i], *y = a[j];
        PGC_STORE(a[i], y);
        garbage(t);
        PGC_STORE(a[j], x);
    } else if (r < 8) {
        PGC_STORE(a[rn(t, ARR)], new_chunk(t));
    } else if (r < 9) {
        /* snapshot arr into a fresh array, then overwrite arr from a third
         * array with pgc_copy: the old entries then live only in the
         * snapshot */
        node **src = pgc_alloc(ARR * sizeof(node *));
        CHECK(src != NULL, "pgc_alloc failed");
        for (int i = 0; i < ARR; i += 1 + (int)rn(t, 8))
            src[i] = new_chunk(t);
        node **snap = pgc_alloc(ARR * sizeof(node *));
        CHECK(snap != NULL, "pgc_alloc failed");
        tcopy(snap, a, ARR * sizeof(node *));
        PGC_STORE(t->r->snap, snap);
        garbage(t);
        tcopy(a, src, ARR * sizeof(node *));
        for (int i = 0; i < ARR; i++)
            CHECK(a[i] == src[i], "thread %d: pgc_copy did not copy entry %d", t->index, i);
    } else {
        /* a partial copy from the snapshot back into arr */
        node **snap = t->r->snap;
        if (!snap)
            return;
        uint32_t i = rn(t, ARR), k = 1 + rn(t, ARR - i);
        tcopy(a + i, snap + i, k * sizeof(node *));
        for (uint32_t j = i; j < i + k; j++)
            CHECK(a[j] == snap[j], "thread %d: partial pgc_copy did not copy entry %u", t->index, j);
    }
}

static void big_op(tstate *t)
{
    node **b = t->r->big;
    uint32_t r = rn(t, 10);
    if (r < 3) {
        PGC_STORE(b[rn(t, BIG)], rn(t, 4) ? new_chunk(t) : t->r->arr[rn(t, ARR)]);
    } else if (r < 7) {
        PGC_STORE(b[rn(t, BIG)], NULL);
    } else {
        /* new snapshot of big; big takes the old snapshot's contents */
        node **fresh = pgc_alloc(BIG * sizeof(node *));
        CHECK(fresh != NULL, "pgc_alloc(%zu) failed", BIG * sizeof(node *));
        tcopy(fresh, b, BIG * sizeof(node *));
        garbage(t);
        node **old = t->r->bigsnap;
        if (old)
            tcopy(b, old, BIG * sizeof(node *));
        PGC_STORE(t->r->bigsnap, fresh);
    }
}

/* A container the structures hang off must itself still be allocated. */
static void verify_container(tstate *t, const void *p, size_t size, const char *what)
{
    CHECK(pgc_base(p) == p && pgc_size(p) >= size, "thread %d: %s at %p is no longer an allocated object "
          "of at least %zu bytes (pgc_base %p, pgc_size %zu): freed while reachable", t->index, what, p, size,
          pgc_base(p), pgc_size(p));
}

static void verify_arrays(tstate *t)
{
    verify_container(t, t->r, sizeof(troot), "the private root object");
    verify_container(t, t->r->arr, ARR * sizeof(node *), "the private array");
    verify_container(t, t->r->big, BIG * sizeof(node *), "the large private array");
    if (t->r->snap)
        verify_container(t, t->r->snap, ARR * sizeof(node *), "the pgc_copy snapshot of the private array");
    if (t->r->bigsnap)
        verify_container(t, t->r->bigsnap, BIG * sizeof(node *), "the pgc_copy snapshot of the large array");
    for (int i = 0; i < ARR; i++)
        verify_chunk(t, t->r->arr[i], "private array");
    if (t->r->snap)
        for (int i = 0; i < ARR; i++)
            verify_chunk(t, t->r->snap[i], "pgc_copy snapshot of the private array");
    for (int i = 0; i < BIG; i++)
        verify_chunk(t, t->r->big[i], "large private array");
    if (t->r->bigsnap)
        for (int i = 0; i < BIG; i++)
            verify_chunk(t, t->r->bigsnap[i], "pgc_copy snapshot of the large private array");
    verify_chunk(t, t->r->taken, "chunk taken out of the shared array");
}

/* ---- Shared array ----------------------------------------------------------------- */

static void shared_array_op(tstate *t)
{
    uint32_t s = rn(t, NSLOT);
    node *give = rn(t, 2) ? new_chunk(t) : t->r->taken;
    lock(&g_stripe[s % NSTRIPE]);
    node *e = g_sa[s];
    PGC_STORE(g_sa[s], give);
    pthread_mutex_unlock(&g_stripe[s % NSTRIPE]);
    /* e now lives only in this local (the slot was its only reference) */
    garbage(t);
    verify_chunk(t, e, "chunk just taken out of the shared array");
    PGC_STORE(t->r->taken, e);
    if (e && rn(t, 4) == 0)
        PGC_STORE(t->r->arr[rn(t, ARR)], e);
}

static void verify_shared_array(tstate *t)
{
    verify_container(t, g_sa, NSLOT * sizeof(node *), "the shared array");
    for (int s = 0; s < NSLOT; s++) {
        lock(&g_stripe[s % NSTRIPE]);
        node *e = g_sa[s];
        pthread_mutex_unlock(&g_stripe[s % NSTRIPE]);
        verify_chunk(t, e, "shared array"); /* chunks are immutable */
    }
}

/* ---- Shared list ------------------------------------------------------------------ */

static void shared_list_op(tstate *t)
{
    uint32_t r = rn(t, 3);
    if (r == 0) { /* private -> shared */
        node *n = list_pop(t);
        if (!n)
            return;
        lock(&g_slist_lock);
        PGC_STORE(n->next, g_slist);
        PGC_STORE(g_slist, n);
        g_slist_len++;
        if (g_slist_len > SLIST_MAX) {
            node *p = g_slist;
            for (long i = 1; i < SLIST_MAX / 2; i++)
                p = p->next;
            PGC_STORE(p->next, NULL);
            g_slist_len = SLIST_MAX / 2;
        }
        pthread_mutex_unlock(&g_slist_lock);
    } else if (r == 1) { /* shared -> private */
        lock(&g_slist_lock);
        node *n = g_slist;
        if (n) {
            PGC_STORE(g_slist, n->next);
            PGC_STORE(n->next, NULL);
            g_slist_len--;
        }
        pthread_mutex_unlock(&g_slist_lock);
        if (n) {
            garbage(t);
            verify_node(t, n, "node just taken off the shared list");
            list_push(t, n);
        }
    } else { /* move a shared node from the middle to the head */
        lock(&g_slist_lock);
        if (g_slist_len >= 3) {
            long pos = 1 + (long)rn(t, (uint32_t)(g_slist_len - 1));
            node *prev = g_slist;
            for (long i = 1; i < pos; i++)
                prev = prev->next;
            node *n = prev->next;
            PGC_STORE(prev->next, n->next);
            PGC_STORE(n->next, g_slist);
            PGC_STORE(g_slist, n);
        }
        pthread_mutex_unlock(&g_slist_lock);
    }
}

static void verify_shared(tstate *t)
{
    verify_shared_array(t);
    lock(&g_slist_lock);
    long k = 0;
    for (const node *n = g_slist; n; n = n->next, k++) {
        CHECK(k < g_slist_len, "thread %d: shared list longer than %ld", t->index, g_slist_len);
        verify_node(t, n, "shared list");
    }
    CHECK(k == g_slist_len, "thread %d: shared list has %ld nodes, expected %ld", t->index, k, g_slist_len);
    pthread_mutex_unlock(&g_slist_lock);
    lock(&g_stree_lock);
    long c = tree_verify(t, g_stree, "shared tree");
    CHECK(c == g_stree_n, "thread %d: shared tree has %ld nodes, expected %ld", t->index, c, g_stree_n);
    pthread_mutex_unlock(&g_stree_lock);
}

static void verify_all(tstate *t)
{
    verify_list(t);
    long c = tree_verify(t, t->r->tree, "private tree");
    CHECK(c == t->tree_n, "thread %d: private tree has %ld nodes, expected %ld", t->index, c, t->tree_n);
    verify_arrays(t);
    verify_shared(t);
}

/* ---- Threads ------------------------------------------------------------------------ */

static void *mutator(void *arg)
{
    /* The state, with the root of everything private, lives on this stack. */
    tstate st = *(tstate *)arg, *t = &st;
    troot *r = pgc_alloc(sizeof *r);
    CHECK(r != NULL, "pgc_alloc failed");
    t->r = r;
    r->arr = pgc_alloc(ARR * sizeof(node *));
    r->big = pgc_alloc(BIG * sizeof(node *));
    CHECK(r->arr && r->big, "pgc_alloc failed");
    for (int i = 0; i < ARR; i++)
        r->arr[i] = new_chunk(t); /* fresh array: plain stores over NULL */
    for (int i = 0; i < BIG; i += 16)
        r->big[i] = new_chunk(t);

    for (long round = 0; round < g_rounds; round++) {
        garbage(t);
        switch (rn(t, 12)) {
        case 0:
        case 1:
            list_push(t, new_node(t, payload_size(t)));
            break;
        case 2:
            if (list_pop(t) && rn(t, 2))
                garbage(t);
            break;
        case 3:
            list_move_to_head(t);
            if (rn(t, 8) == 0)
                list_grow_payload(t);
            break;
        case 4:
        case 5:
            own_tree_op(t);
            break;
        case 6:
            arr_op(t);
            break;
        case 7:
            big_op(t);
            break;
        case 8:
        case 9:
            shared_array_op(t);
            break;
        case 10:
            shared_list_op(t);
            break;
        default:
            shared_tree_op(t);
            break;
        }
        if (t->list_len > LIST_MAX)
            list_truncate(t);
        if (round % VERIFY_EVERY == VERIFY_EVERY - 1)
            verify_all(t);
        atomic_fetch_add_explicit(&g_rounds_done, 1, memory_order_relaxed);
    }
    verify_all(t);
    ((tstate *)arg)->verified = t->verified;
    return NULL;
}

/* ---- TORTURE_LIFETIMES=1: weak-keyed tables, resurrecting finalizers, chains ---- */

/* Each thread's lifetime state, a pgc object held on its stack and in
 * g_lroots (so main can check it after the threads end). */
#define ETAB 256      /* weak-keyed table: ephemerons and optional strong keys */
#define LCHAIN 400    /* ephemeron chain: each value holds the next key */
#define WL 128        /* weak links (in a pgc object) */
#define VALTAG 0x5555ull
#define RES_MAX 2     /* a finalizer resurrects its object this many times */
typedef struct lroot {
    pgc_ephemeron **etab;
    node **keys;
    pgc_ephemeron **chain;
    node *chain_head;          /* the first key, strongly held */
    pgc_ephemeron **oldchain;  /* the previous chain, head dropped */
    void **wl;
} lroot;
static lroot *g_lroots[NTHREADS];
static uint64_t g_wl_id[NTHREADS][WL]; /* owner thread: id a link targets, 0 none */
static node *g_res;                    /* resurrected nodes (g_res_lock) */
static long g_res_len;
static pthread_mutex_t g_res_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long g_fin_runs, g_resurrected, g_eph_cleared, g_chain_checks, g_wl_cleared;

static node *value_for(tstate *t, const node *k)
{
    node *v = new_node(t, 0);
    v->id = k->id ^ VALTAG;
    v->check = node_hash(v->id, v->salt);
    return v;
}

/* A node's integrity without a tstate (the finalizer thread). */
static void fin_verify(const node *n)
{
    CHECK(pgc_base(n) == n, "finalizer: %p is not a live object", (const void *)n);
    CHECK(n->check == node_hash(n->id, n->salt), "finalizer: node %p checksum mismatch", (const void *)n);
    const unsigned char *p = n->payload;
    CHECK(!n->plen || (p && pgc_base(p) == p), "finalizer: payload of %#llx freed before its finalizer ran",
          (unsigned long long)n->id);
    for (size_t i = 0; i < n->plen; i++)
        CHECK(p[i] == pbyte(n->id, n->salt, i), "finalizer: payload of %#llx corrupt at %zu",
              (unsigned long long)n->id, i);
}

/* The weak link slot of a finalizable node: n->right is the link array, the
 * low 16 bits of n->key the index; the high bits count resurrections. */
static void fin_res(void *obj, void *data)
{
    (void)data;
    node *n = obj;
    fin_verify(n);
    atomic_fetch_add(&g_fin_runs, 1);
    void **wl = (void **)n->right;
    if (wl)
        CHECK(pgc_weak_load(&wl[n->key & 0xffff]) != obj,
              "finalizer: a weak link still reads its object (links are cleared before finalizers run)");
    if ((n->key >> 16) >= RES_MAX)
        return;
    lock(&g_res_lock);
    if (g_res_len < 1000) {
        n->key += 1u << 16;
        node *fresh = pgc_alloc(sizeof(node)); /* allocation in a finalizer */
        CHECK(fresh, "pgc_alloc in a finalizer");
        PGC_STORE(n->left, fresh);
        PGC_STORE(n->next, g_res);
        PGC_STORE(g_res, n); /* resurrection */
        g_res_len++;
        if (n->id & 1) /* re-registration */
            pgc_register_finalizer(n, fin_res, NULL);
        else
            pgc_register_finalizer_unordered(n, fin_res, NULL);
        atomic_fetch_add(&g_resurrected, 1);
    }
    pthread_mutex_unlock(&g_res_lock);
}

static void etab_insert(tstate *t, lroot *r)
{
    uint32_t i = rn(t, ETAB);
    node *k = new_node(t, rn(t, 2) ? 8 + rn(t, 64) : 0);
    node *v = value_for(t, k);
    if (rn(t, 3) == 0)
        v->next = k; /* the key also from its own value: must not keep it */
    pgc_ephemeron *e = pgc_ephemeron_new(k, v);
    PGC_STORE(r->etab[i], e);
    PGC_STORE(r->keys[i], rn(t, 2) ? k : NULL);
}

static void eph_check(tstate *t, pgc_ephemeron *e, node *strong, const char *where)
{
    node *k = pgc_ephemeron_key(e);
    node *v = pgc_ephemeron_value(e);
    if (strong)
        CHECK(k == strong, "thread %d: %s: ephemeron key %p, its strongly held key is %p", t->index, where,
              (void *)k, (void *)strong);
    if (!k) {
        CHECK(v == NULL, "thread %d: %s: key cleared but value %p", t->index, where, (void *)v);
        atomic_fetch_add(&g_eph_cleared, 1);
        return;
    }
    verify_node(t, k, where);
    CHECK(v != NULL, "thread %d: %s: key %p held but value cleared", t->index, where, (void *)k);
    verify_node(t, v, where);
    CHECK(v->id == (k->id ^ VALTAG), "thread %d: %s: value does not belong to its key", t->index, where);
}

static void etab_op(tstate *t, lroot *r)
{
    uint32_t i = rn(t, ETAB);
    pgc_ephemeron *e = r->etab[i];
    if (!e)
        return;
    eph_check(t, e, r->keys[i], "weak-keyed table");
    uint32_t c = rn(t, 4);
    if (c == 0) {
        PGC_STORE(r->keys[i], NULL); /* drop the key */
    } else if (c == 1 && !r->keys[i]) {
        node *k = pgc_ephemeron_key(e); /* a weakly held key read back to strong */
        PGC_STORE(r->keys[i], k);
    }
}

static void chain_build(tstate *t, lroot *r)
{
    PGC_STORE(r->oldchain, r->chain);
    pgc_ephemeron **c = pgc_alloc(LCHAIN * sizeof *c);
    CHECK(c, "pgc_alloc chain");
    node *first = new_node(t, 0), *k = first;
    for (int j = 0; j < LCHAIN; j++) {
        node *v = value_for(t, k);
        node *next = new_node(t, 0);
        v->next = next;
        c[j] = pgc_ephemeron_new(k, v); /* fresh array: stores over NULL */
        k = next;
        if (j % 64 == 0)
            garbage(t);
    }
    PGC_STORE(r->chain, c);
    PGC_STORE(r->chain_head, first);
}

static void chain_verify(tstate *t, lroot *r)
{
    node *expect = r->chain_head;
    for (int j = 0; j < LCHAIN; j++) {
        node *k = pgc_ephemeron_key(r->chain[j]);
        CHECK(k == expect, "thread %d: chain link %d: key %p, expected %p (the chain must resolve)", t->index,
              j, (void *)k, (void *)expect);
        node *v = pgc_ephemeron_value(r->chain[j]);
        CHECK(v && v->id == (k->id ^ VALTAG), "thread %d: chain link %d: value lost", t->index, j);
        verify_node(t, v, "chain value");
        expect = v->next;
    }
    if (r->oldchain) /* dropped: each link reads all or nothing */
        for (int j = 0; j < LCHAIN; j += 7)
            eph_check(t, r->oldchain[j], NULL, "dropped chain");
    atomic_fetch_add(&g_chain_checks, 1);
}

static void wl_op(tstate *t, lroot *r)
{
    uint32_t i = rn(t, WL);
    node *p = pgc_weak_load(&r->wl[i]);
    uint64_t want = g_wl_id[t->index][i];
    if (p) {
        verify_node(t, p, "weak link target");
        CHECK(p->id == want, "thread %d: weak link %u reads id %#llx, expected %#llx", t->index, i,
              (unsigned long long)p->id, (unsigned long long)want);
    } else if (want) {
        atomic_fetch_add(&g_wl_cleared, 1);
        g_wl_id[t->index][i] = 0;
    }
    if (rn(t, 2))
        return;
    /* re-target the link to a new finalizable node, held only weakly */
    node *n = new_node(t, rn(t, 2) ? 8 + rn(t, 200) : 0);
    n->right = (node *)r->wl; /* fresh node: stores over NULL */
    n->key = i;
    g_wl_id[t->index][i] = n->id;
    pgc_register_weak_link(&r->wl[i], n);
    if (rn(t, 2))
        pgc_register_finalizer(n, fin_res, NULL);
    else
        pgc_register_finalizer_unordered(n, fin_res, NULL);
}

static void res_op(tstate *t)
{
    lock(&g_res_lock);
    node *n = g_res;
    if (n) {
        PGC_STORE(g_res, n->next);
        g_res_len--;
    }
    pthread_mutex_unlock(&g_res_lock);
    if (!n)
        return;
    verify_node(t, n, "resurrected node");
    CHECK(n->left && pgc_base(n->left) == n->left, "thread %d: the node a finalizer allocated is lost", t->index);
    PGC_STORE(n->next, NULL); /* dropped again: its finalizer runs again */
}

static void *life_mutator(void *arg)
{
    tstate st = *(tstate *)arg, *t = &st;
    lroot *r = pgc_alloc(sizeof *r);
    CHECK(r, "pgc_alloc failed");
    r->etab = pgc_alloc(ETAB * sizeof(void *));
    r->keys = pgc_alloc(ETAB * sizeof(void *));
    r->wl = pgc_alloc(WL * sizeof(void *));
    CHECK(r->etab && r->keys && r->wl, "pgc_alloc failed");
    PGC_STORE(g_lroots[t->index], r);
    chain_build(t, r);
    for (long round = 0; round < g_rounds; round++) {
        garbage(t);
        switch (rn(t, 10)) {
        case 0:
        case 1:
            etab_insert(t, r);
            break;
        case 2:
        case 3:
            etab_op(t, r);
            break;
        case 4:
        case 5:
            wl_op(t, r);
            break;
        case 6:
            res_op(t);
            break;
        case 7:
            if (rn(t, 40) == 0)
                chain_verify(t, r);
            else if (rn(t, 200) == 0)
                chain_build(t, r);
            break;
        default:
            break;
        }
        atomic_fetch_add_explicit(&g_rounds_done, 1, memory_order_relaxed);
    }
    chain_verify(t, r);
    for (int i = 0; i < ETAB; i++)
        if (r->etab[i])
            eph_check(t, r->etab[i], r->keys[i], "final walk");
    ((tstate *)arg)->verified = t->verified;
    return NULL;
}

/* After the threads: drop every strong key and the chains' heads; a few
 * cycles later most weakly held entries are cleared (not all need be: a
 * stale word on a stack may keep one), and every read is consistent. */
static void *life_drop_keys(void *arg)
{
    (void)arg;
    for (int i = 0; i < NTHREADS; i++) {
        lroot *r = g_lroots[i];
        for (int j = 0; j < ETAB; j++)
            PGC_STORE(r->keys[j], NULL);
        PGC_STORE(r->chain_head, NULL);
    }
    return NULL;
}
static void life_final_check(tstate *boot)
{
    long held = 0, cleared = 0;
    /* on a thread that exits: the old values the barrier read stay in no
     * frame of this thread */
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, life_drop_keys, NULL) == 0, "pgc_pthread_create failed");
    CHECK(pthread_join(th, NULL) == 0, "pthread_join failed");
    for (int c = 0; c < 4; c++) {
        scrub();
        pgc_collect();
    }
    for (int i = 0; i < NTHREADS; i++) {
        lroot *r = g_lroots[i];
        for (int j = 0; j < ETAB; j++) {
            if (!r->etab[j])
                continue;
            held++;
            eph_check(boot, r->etab[j], NULL, "after the threads");
            cleared += pgc_ephemeron_key(r->etab[j]) == NULL;
        }
        for (int j = 0; j < LCHAIN; j++) {
            held++;
            eph_check(boot, r->chain[j], NULL, "dropped chain after the threads");
            cleared += pgc_ephemeron_key(r->chain[j]) == NULL;
        }
    }
    printf("test_torture (lifetimes): %ld of %ld weakly held entries cleared at the end; finalizers ran %ld "
           "times (%ld resurrections), %ld cleared ephemeron reads, %ld cleared weak links, %ld chain walks\n",
           cleared, held, atomic_load(&g_fin_runs), atomic_load(&g_resurrected), atomic_load(&g_eph_cleared),
           atomic_load(&g_wl_cleared), atomic_load(&g_chain_checks));
    CHECK(cleared * 10 >= held * 9, "only %ld of %ld entries with dead keys were cleared", cleared, held);
    CHECK(atomic_load(&g_fin_runs) > 0 && atomic_load(&g_resurrected) > 0, "finalizers ran and resurrected");
    CHECK(atomic_load(&g_eph_cleared) > 0 && atomic_load(&g_wl_cleared) > 0, "entries and links were cleared");
}

/* PGC_BARRIER=none-uffd asks for a kernel feature (userfaultfd's
 * asynchronous write-protect and PAGEMAP_SCAN, Linux 6.7): a child with
 * PGC_BARRIER=none reports which mode the library picks here. */
static bool uffd_available(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork failed");
    if (pid == 0) {
        setenv("PGC_BARRIER", "none", 1);
        pgc_init();
        pgc_stats st;
        pgc_read_stats(&st);
        _exit(st.barrier_mode == PGC_BARRIER_NONE_UFFD ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid failed");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
    setenv("PGCDEBUG", "gccheckmark=1", 0);
    const char *bm = getenv("PGC_BARRIER");
    if (bm && strcmp(bm, "none-uffd") == 0 && !uffd_available()) {
        printf("SKIP test_torture with PGC_BARRIER=none-uffd: this kernel cannot track heap writes "
               "with userfaultfd (asynchronous write-protect and PAGEMAP_SCAN need Linux 6.7)\n");
        return 0;
    }
    pgc_init();
    pgc_stats sm;
    pgc_read_stats(&sm);
    g_plain = sm.barrier_mode != PGC_BARRIER_SATB;
    if (bm && strncmp(bm, "none-", 5) == 0)
        check_barrier_mode(bm);
    for (int i = 0; i < NSTRIPE; i++)
        pthread_mutex_init(&g_stripe[i], NULL);
    static tstate ts[NTHREADS];
    tstate boot = { .index = -1, .rng = 0x1234567887654321ull, .next_id = 1ull << 60 };
    g_sa = pgc_alloc(NSLOT * sizeof(node *));
    CHECK(g_sa != NULL, "pgc_alloc failed");
    for (int s = 0; s < NSLOT; s++)
        g_sa[s] = new_chunk(&boot);

    pgc_stats s0;
    pgc_read_stats(&s0);
    pthread_t th[NTHREADS];
    const char *lm = getenv("TORTURE_LIFETIMES");
    int life = lm && strcmp(lm, "1") == 0;
    long rounds = life ? LIFE_ROUNDS : ROUNDS, min_cycles = MIN_CYCLES;
    const char *tr = getenv("TORTURE_ROUNDS");
    if (tr && atol(tr) > 0) {
        /* a shorter run: fewer cycles expected in proportion */
        long full = rounds;
        rounds = atol(tr) < full ? atol(tr) : full;
        min_cycles = MIN_CYCLES * rounds / full > 3 ? MIN_CYCLES * rounds / full : 3;
    }
    g_rounds = rounds;
    for (int i = 0; i < NTHREADS; i++) {
        ts[i].index = i;
        ts[i].rng = mix(0xabcdef12345ull + (uint64_t)i) | 1;
        ts[i].next_id = (uint64_t)(i + 1) << 44;
        int err = pgc_pthread_create(&th[i], NULL, life ? life_mutator : mutator, &ts[i]);
        CHECK(err == 0, "pgc_pthread_create failed: %d", err);
    }
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0, "pthread_join failed");
    CHECK(atomic_load(&g_rounds_done) == (long)NTHREADS * rounds, "not every round ran");
    verify_shared(&boot);
    if (life)
        life_final_check(&boot);
    long verified = boot.verified;
    for (int i = 0; i < NTHREADS; i++)
        verified += ts[i].verified;

    /* This thread holds nothing the collector must see any more; detached,
     * it cannot be stopped inside pgc_read_stats. */
    pgc_thread_detach();
    pgc_stats s;
    pgc_read_stats(&s);
    uint64_t cycles = s.num_gc - s0.num_gc;
    printf("test_torture: %d threads x %d rounds, %ld node checks, num_gc %llu, pause_max_ns %llu, "
           "total_alloc %.1f MiB\n", NTHREADS, (int)rounds, verified, (unsigned long long)s.num_gc,
           (unsigned long long)s.pause_max_ns, (double)s.total_alloc / (1 << 20));
    printf("test_torture: mode %s, %s stores\n", pgc_barrier_mode_name(s.barrier_mode),
           g_plain ? "plain" : "pgc_store");
    CHECK(cycles >= (uint64_t)min_cycles, "only %llu cycles ran during the test; expected at least %ld",
          (unsigned long long)cycles, min_cycles);
    return 0;
}
