// TEST-TIMEOUT: 300
// TEST-TSAN: no
/* Reachability: objects reachable only from a stack local, a register, a
 * global, a registered root, a __thread variable of an attached thread, an
 * interior pointer, or deep in a heap graph all survive many collections
 * with their contents intact; unreachable ones are reclaimed; atomic objects
 * are not scanned; and the heap stays bounded while 4 GiB of garbage is
 * allocated beside 64 MiB live. */
#include "check.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define OBJ_WORDS 16

static uint64_t sum_of(uint64_t seed) { return seed * 0x9e3779b97f4a7c15ull; }

static void *make_obj(uint64_t seed)
{
    uint64_t *o = pgc_alloc(OBJ_WORDS * 8);
    for (int i = 0; i < OBJ_WORDS; i++)
        o[i] = sum_of(seed + (uint64_t)i);
    return o;
}

static void check_obj(const void *p, uint64_t seed, const char *where)
{
    const uint64_t *o = p;
    CHECK(pgc_base(p) == p, "%s: object %p is no longer allocated", where, p);
    for (int i = 0; i < OBJ_WORDS; i++)
        CHECK(o[i] == sum_of(seed + (uint64_t)i), "%s: object %p word %d overwritten", where, p, i);
}

/* Allocation pressure: freed slots of our size class get reused and
 * overwritten, so a wrongly freed object shows up as corrupted. */
static void churn(int rounds)
{
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 20000; i++) {
            uint64_t *g = pgc_alloc(OBJ_WORDS * 8);
            memset(g, 0xee, OBJ_WORDS * 8);
        }
        pgc_collect();
    }
}

static __attribute__((noinline)) void clobber_stack(void)
{
    volatile char buf[64 << 10];
    memset((char *)buf, 0, sizeof buf);
}

static void *global_only;
static __thread void *tls_only;

/* --- register-held: a thread spins with the only copy in a register --- */
static atomic_int reg_phase;
static uintptr_t reg_disguised;
static void *reg_thread(void *arg)
{
    (void)arg;
    uintptr_t v = reg_disguised ^ KEY;
    reg_disguised = 0;
    atomic_store(&reg_phase, 1);
    while (atomic_load_explicit(&reg_phase, memory_order_relaxed) == 1)
        __asm__ volatile("" : "+r"(v)); /* v lives in a register in this loop */
    check_obj((void *)v, 4, "register");
    return NULL;
}

/* --- __thread variable of an attached thread --- */
static atomic_int tls_phase;
static void *tls_thread(void *arg)
{
    (void)arg;
    tls_only = make_obj(5);
    atomic_store(&tls_phase, 1);
    while (atomic_load(&tls_phase) == 1)
        sched_yield();
    check_obj(tls_only, 5, "__thread");
    return NULL;
}

typedef struct node {
    struct node *next;
    uint64_t v;
} node;
static node *deep;

static __attribute__((noinline)) uintptr_t disguised_garbage(uint64_t seed, int atomic_holder)
{
    void *o = make_obj(seed);
    if (atomic_holder) { /* the pointer is stored only inside an atomic object */
        void **holder = pgc_alloc_atomic(64);
        holder[0] = o;
        global_only = holder; /* the holder itself is kept */
    }
    return (uintptr_t)o ^ KEY;
}

static int reclaimed(uintptr_t *d, int n)
{
    int freed = 0;
    for (int i = 0; i < n; i++)
        freed += pgc_base((void *)(d[i] ^ KEY)) == NULL;
    return freed;
}

static void test_reclaim(void)
{
    enum { N = 2000 };
    static uintptr_t d[N];
    for (int i = 0; i < N; i++)
        d[i] = disguised_garbage((uint64_t)i, 0);
    clobber_stack();
    pgc_collect();
    pgc_collect();
    int f = reclaimed(d, N);
    CHECK(f >= N * 99 / 100, "only %d of %d unreachable objects reclaimed", f, N);
    /* atomic holders do not keep their targets alive */
    static void *holders[N];
    pgc_add_roots(holders, sizeof holders);
    for (int i = 0; i < N; i++) {
        d[i] = disguised_garbage((uint64_t)i, 1);
        holders[i] = global_only;
    }
    global_only = NULL;
    clobber_stack();
    pgc_collect();
    pgc_collect();
    f = reclaimed(d, N);
    CHECK(f >= N * 99 / 100, "only %d of %d objects referenced from atomic objects were reclaimed", f, N);
    for (int i = 0; i < N; i++)
        CHECK(pgc_base(holders[i]) == holders[i], "atomic holder %d was freed while rooted", i);
    pgc_remove_roots(holders, sizeof holders);
    printf("reclaim: %d/%d unreachable and atomic-held objects freed\n", f, N);
}

static void test_bounded(void)
{
    /* 64 MiB live: 4 MiB list nodes of 16 bytes */
    size_t live_nodes = (64u << 20) / 16;
    node *head = NULL;
    for (size_t i = 0; i < live_nodes; i++) {
        node *n = pgc_alloc(sizeof *n);
        n->v = i;
        n->next = head;
        head = n;
    }
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t sys0 = st.heap_sys, maxsys = 0, maxgoal = 0;
    uint64_t total = 0;
    for (uint64_t i = 0; total < (4ull << 30); i++) {
        size_t sz = 32;
        void *g = pgc_alloc(sz);
        ((uint64_t *)g)[0] = i;
        total += sz;
        if ((i & 0xfffff) == 0) {
            pgc_read_stats(&st);
            if (st.heap_sys > maxsys)
                maxsys = st.heap_sys;
            if (st.heap_goal > maxgoal)
                maxgoal = st.heap_goal;
        }
    }
    pgc_read_stats(&st);
    if (st.heap_sys > maxsys)
        maxsys = st.heap_sys;
    size_t count = 0;
    for (node *n = head; n; n = n->next, count++)
        CHECK(n->v == live_nodes - 1 - count, "live list corrupted at %zu", count);
    CHECK(count == live_nodes, "live list has %zu nodes, want %zu", count, live_nodes);
    /* The goal is twice the marked bytes, and marked bytes include what was
     * allocated (black) while marking: more than 2 x live, by as much as
     * marking is slow (ASan), but never growing with the 4 GiB of garbage:
     * at most 4 x live. The heap mapped from the OS stays within 5% of the
     * goal plus 16 MiB of span and cache slack. */
    uint64_t goal_bound = 4 * (64ull << 20);
    uint64_t bound = maxgoal + maxgoal / 20 + (16ull << 20);
    printf("bounded: 4 GiB garbage beside 64 MiB live: heap_sys %.1f MiB (start %.1f), max goal %.1f MiB "
           "(bound %.0f), heap_sys bound %.0f MiB, %llu cycles\n",
           maxsys / 1048576.0, sys0 / 1048576.0, maxgoal / 1048576.0, goal_bound / 1048576.0,
           bound / 1048576.0, (unsigned long long)st.num_gc);
    CHECK(maxgoal > 0 && maxgoal < goal_bound, "heap goal reached %llu bytes, bound %llu",
          (unsigned long long)maxgoal, (unsigned long long)goal_bound);
    CHECK(maxsys < bound, "heap_sys reached %llu bytes, bound %llu", (unsigned long long)maxsys,
          (unsigned long long)bound);
}

int main(void)
{
    pgc_init();
    /* stack local */
    void *volatile local = make_obj(1);
    /* global */
    global_only = make_obj(2);
    /* registered root in malloc'd memory */
    void **block = malloc(64);
    block[3] = make_obj(3);
    pgc_add_roots(block, 64);
    /* interior pointer only */
    char *volatile interior = (char *)make_obj(6) + 40;
    /* deep heap graph */
    for (int i = 0; i < 200000; i++) {
        node *n = pgc_alloc(sizeof *n);
        n->v = (uint64_t)i;
        n->next = deep;
        deep = n;
    }
    /* register */
    reg_disguised = (uintptr_t)make_obj(4) ^ KEY;
    pthread_t rt, tt;
    CHECK(pgc_pthread_create(&rt, NULL, reg_thread, NULL) == 0, "thread");
    CHECK(pgc_pthread_create(&tt, NULL, tls_thread, NULL) == 0, "thread");
    while (atomic_load(&reg_phase) != 1 || atomic_load(&tls_phase) != 1)
        sched_yield();
    clobber_stack();
    churn(10);
    atomic_store(&reg_phase, 2);
    atomic_store(&tls_phase, 2);
    pthread_join(rt, NULL);
    pthread_join(tt, NULL);
    check_obj(local, 1, "stack local");
    check_obj(global_only, 2, "global");
    check_obj(block[3], 3, "registered root");
    check_obj(pgc_base(interior), 6, "interior pointer");
    uint64_t i = 200000;
    for (node *n = deep; n; n = n->next)
        CHECK(n->v == --i, "deep list corrupted at %llu", (unsigned long long)i);
    CHECK(i == 0, "deep list too short");
    printf("reachability: stack, register, global, registered root, __thread, interior, deep graph ok\n");
    pgc_remove_roots(block, 64);
    global_only = NULL;
    test_reclaim();
    test_bounded();
    free(block);
    return 0;
}
