/* test_bdwgc_reach.c - a bdwgc client's reachable graph stays intact
 * through libgc.so.1 while collections run, under gccheckmark (which
 * aborts on any object the collection failed to mark):
 *  - threads made with GC_pthread_create (via GC_THREADS redirects) and a
 *    plain pthread that registers itself (GC_register_my_thread:
 *    GC_SUCCESS, then GC_DUPLICATE; GC_thread_is_registered), all moving
 *    pointers between heap objects with plain stores and with
 *    GC_PTR_STORE_AND_DIRTY / GC_end_stubborn_change;
 *  - objects referenced only from malloc'd memory registered with
 *    GC_add_roots survive; GC_remove_roots is accepted;
 *  - GC_pthread_sigmask blocking every signal does not stall collections;
 *  - GC_get_stack_base / GC_call_with_stack_base / GC_do_blocking /
 *    GC_call_with_gc_active run their functions with a sane stack base. */
#define GC_THREADS 1
#include <gc.h>
#include "../check.h"
#include "../testutil.h" /* mix */

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 3
#define NSLOTS 32
#define NNODES 1500
#define ROUNDS 150000

typedef struct node {
    struct node *next;
    uint64_t value, check;
} node;



static void churn(uint64_t seed, int self_register)
{
    node **table = GC_MALLOC(NSLOTS * sizeof(node *));
    uint64_t sum = 0;
    for (int i = 0; i < NNODES; i++) {
        node *n = GC_NEW(node);
        n->value = mix(seed + (uint64_t)i);
        n->check = mix(n->value);
        sum += n->value;
        n->next = table[i % NSLOTS];
        table[i % NSLOTS] = n;
    }
    for (int r = 0; r < ROUNDS; r++) {
        seed = mix(seed);
        int a = (int)(seed % NSLOTS), b = (int)((seed >> 20) % NSLOTS);
        node *n = table[a];
        if (!n)
            continue;
        table[a] = n->next;
        if (r & 1) {
            n->next = table[b];
            table[b] = n;
        } else {
            GC_PTR_STORE_AND_DIRTY(&n->next, table[b]);
            GC_PTR_STORE_AND_DIRTY(&table[b], n);
            GC_end_stubborn_change(table);
        }
        void **g = GC_MALLOC(48 + (seed >> 40) % 300); /* garbage */
        g[0] = n;
    }
    uint64_t sum2 = 0;
    int count = 0;
    for (int s = 0; s < NSLOTS; s++)
        for (node *n = table[s]; n; n = n->next) {
            CHECK(n->check == mix(n->value), "node %p corrupted (self_register %d)", (void *)n,
                  self_register);
            sum2 += n->value;
            count++;
        }
    CHECK(count == NNODES && sum2 == sum, "table lost nodes: %d", count);
    GC_reachable_here(table);
}

static void *gc_thread(void *arg)
{
    churn((uint64_t)(uintptr_t)arg, 0);
    return arg;
}

static void *plain_thread(void *arg)
{
    struct GC_stack_base sb;
    CHECK(GC_get_stack_base(&sb) == GC_SUCCESS && (char *)sb.mem_base > (char *)&sb, "stack base");
    CHECK(GC_register_my_thread(&sb) == GC_SUCCESS, "GC_register_my_thread");
    CHECK(GC_thread_is_registered(), "GC_thread_is_registered");
    CHECK(GC_register_my_thread(&sb) == GC_DUPLICATE, "second registration not GC_DUPLICATE");
    sigset_t all;
    sigfillset(&all);
    CHECK(GC_pthread_sigmask(SIG_BLOCK, &all, NULL) == 0, "GC_pthread_sigmask");
    churn((uint64_t)(uintptr_t)arg, 1);
    CHECK(GC_unregister_my_thread() == GC_SUCCESS, "GC_unregister_my_thread");
    return arg;
}

static void *with_base(struct GC_stack_base *sb, void *arg)
{
    CHECK((char *)sb->mem_base > (char *)&sb, "GC_call_with_stack_base: base below the frame");
    return arg;
}
static void *plain_fn(void *arg) { return (char *)arg + 1; }

int main(void)
{
    setenv("PGCDEBUG", "gccheckmark=1", 0); /* read by the collector at init */
    GC_INIT();
    GC_allow_register_threads();
    int x;
    CHECK(GC_call_with_stack_base(with_base, &x) == &x, "GC_call_with_stack_base");
    CHECK(GC_do_blocking(plain_fn, &x) == (char *)&x + 1, "GC_do_blocking");
    CHECK(GC_call_with_gc_active(plain_fn, &x) == (char *)&x + 1, "GC_call_with_gc_active");

    /* roots in malloc'd memory */
    void **roots = malloc(64 * sizeof(void *));
    GC_add_roots(roots, roots + 64);
    for (int i = 0; i < 64; i++) {
        uint64_t *o = GC_MALLOC(64);
        o[0] = mix((uint64_t)i);
        roots[i] = o;
    }
    uintptr_t hidden = ~(uintptr_t)roots; /* no copy of roots on the stack */
    roots = NULL;

    pthread_t th[NTHREADS + 1];
    GC_word gc0 = GC_get_gc_no();
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&th[i], NULL, gc_thread, (void *)(uintptr_t)(i + 1)) == 0, "create");
    CHECK(GC_pthread_create == GC_pthread_create && pthread_create == GC_pthread_create,
          "GC_THREADS redirect");
#undef pthread_create
    CHECK(pthread_create(&th[NTHREADS], NULL, plain_thread, (void *)(uintptr_t)99) == 0, "create");
    for (int i = 0; i <= NTHREADS; i++)
        CHECK(GC_pthread_join(th[i], NULL) == 0, "join");
    GC_gcollect();
    roots = (void **)~hidden;
    for (int i = 0; i < 64; i++)
        CHECK(((uint64_t *)roots[i])[0] == mix((uint64_t)i), "object held by GC_add_roots was freed");
    GC_remove_roots(roots, roots + 64);
    GC_word cycles = GC_get_gc_no() - gc0;
    CHECK(cycles >= 5, "only %lu collections ran", (unsigned long)cycles);
    printf("%lu collections\n", (unsigned long)cycles);
    return 0;
}
