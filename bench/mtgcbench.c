/*
 * mtgcbench.c - multi-threaded GCBench in the style of Whippet's
 * mt-gcbench, written from the description in shared/benchmarks.md.
 *
 * N threads share one heap; each runs GCBench without the stretch tree: a
 * long-lived tree and a half-filled array of doubles kept alive throughout,
 * then for d = 4, 6, ..., max, iterations(d) trees built top-down and
 * bottom-up. After every node allocation the thread allocates a "hole": a
 * pointer-free garbage object whose size in words comes from a fixed
 * 256-entry power-law table (0..36 words, 0 = no hole), to fragment the heap.
 * Unlike the original, the heap is not fixed: each collector paces itself
 * (GOGC=100 or its default).
 *
 * usage: mtgcbench [threads [long_lived_depth [max_depth [iter_depth]]]]
 *        defaults 2 16 16 18 (iterations(d) = 2*tree_size(iter_depth)/tree_size(d))
 */
#include "common.h"

#define MIN_DEPTH 4
#define ARRAY_SIZE 500000
#define MAX_THREADS 64
#define HOLES 256

typedef struct node {
    struct node *left, *right;
    int i, j;
} node;

/* left and right are the pointers (precise variant: pgc_kind_bitmap) */
static bench_kind node_kind;
static const uint64_t node_bits = 0x3;

/* Hole sizes in words: entry k is floor(37 * ((2k+1)/512)^4), a power law
 * with ~30% zeros and a mean of ~7 words, shuffled with a fixed seed. The Go
 * version builds the identical table. */
static unsigned hole_words[HOLES];

static void make_hole_table(void)
{
    for (uint64_t k = 0; k < HOLES; k++) {
        uint64_t x = 2 * k + 1, x4 = x * x * x * x;
        hole_words[k] = (unsigned)((37 * x4) >> 36);
    }
    bench_rng r;
    bench_rng_seed(&r, 0x4D54);
    for (unsigned k = HOLES - 1; k > 0; k--) {
        unsigned j = (unsigned)bench_rng_below(&r, k + 1), t = hole_words[k];
        hole_words[k] = hole_words[j];
        hole_words[j] = t;
    }
}

typedef struct worker {
    pthread_t tid;
    unsigned hole_pos;
    uint64_t holes, hole_bytes;
    double td_ms, bu_ms;
} worker;

static int long_lived_depth, max_depth, iter_depth;

static void hole(worker *w)
{
    unsigned words = hole_words[w->hole_pos++ % HOLES];
    if (words == 0)
        return;
    uint64_t *h = B_ALLOC_ATOMIC(words * sizeof(uint64_t));
    h[0] = words;
    __asm__ volatile("" : : "r"(h) : "memory"); /* keep the allocation */
    B_FREE(h);
    w->holes++;
    w->hole_bytes += words * sizeof(uint64_t);
}

static long tree_size(int depth)
{
    return (1L << (depth + 1)) - 1;
}

static node *new_node(worker *w, int depth, node *l, node *r)
{
    node *n = B_ALLOC_KIND(node_kind, sizeof *n);
    n->left = l; /* fresh object: stores over NULL */
    n->right = r;
    n->i = depth;
    n->j = ~depth;
    hole(w);
    return n;
}

static void populate(worker *w, int depth, node *parent)
{
    if (depth <= 0)
        return;
    depth--;
    parent->left = new_node(w, depth, NULL, NULL);
    parent->right = new_node(w, depth, NULL, NULL);
    populate(w, depth, parent->left);
    populate(w, depth, parent->right);
}

static node *make_tree(worker *w, int depth)
{
    if (depth <= 0)
        return new_node(w, 0, NULL, NULL);
    node *l = make_tree(w, depth - 1);
    node *r = make_tree(w, depth - 1);
    return new_node(w, depth, l, r);
}

static long check_tree(const node *n, int depth)
{
    if (n == NULL || n->i != depth || n->j != ~depth)
        bench_die("mtgcbench: corrupt node at depth %d", depth);
    if (depth == 0)
        return (n->left == NULL && n->right == NULL) ? 1 : -1000000;
    return 1 + check_tree(n->left, depth - 1) + check_tree(n->right, depth - 1);
}

static void free_tree(node *n)
{
#if !BENCH_IS_GC
    if (n == NULL)
        return;
    free_tree(n->left);
    free_tree(n->right);
    B_FREE(n);
#else
    (void)n;
#endif
}

static void check_and_drop(node *t, int depth)
{
    if (check_tree(t, depth) != tree_size(depth))
        bench_die("mtgcbench: wrong node count at depth %d", depth);
    free_tree(t);
}

static void *gcbench_thread(void *arg)
{
    worker *w = arg;
    node *ll = new_node(w, long_lived_depth, NULL, NULL);
    populate(w, long_lived_depth, ll);
    double *array = B_ALLOC_ATOMIC(sizeof(double) * ARRAY_SIZE);
    for (long i = 0; i < ARRAY_SIZE; i++)
        array[i] = i < ARRAY_SIZE / 2 && i > 0 ? 1.0 / (double)i : 0.0;

    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        long iters = 2 * tree_size(iter_depth) / tree_size(d);
        uint64_t t0 = bench_now_ns();
        for (long k = 0; k < iters; k++) {
            node *t = new_node(w, d, NULL, NULL);
            populate(w, d, t);
            check_and_drop(t, d);
        }
        uint64_t t1 = bench_now_ns();
        for (long k = 0; k < iters; k++)
            check_and_drop(make_tree(w, d), d);
        uint64_t t2 = bench_now_ns();
        w->td_ms += (double)(t1 - t0) / 1e6;
        w->bu_ms += (double)(t2 - t1) / 1e6;
    }
    if (check_tree(ll, long_lived_depth) != tree_size(long_lived_depth))
        bench_die("mtgcbench: long-lived tree damaged");
    if (array[1000] != 1.0 / 1000.0 || array[ARRAY_SIZE / 2] != 0.0)
        bench_die("mtgcbench: array damaged");
    free_tree(ll);
    B_FREE(array);
    return NULL;
}

int main(int argc, char **argv)
{
    int nthreads = (int)bench_arg_long(argc, argv, 1, 2);
    long_lived_depth = (int)bench_arg_long(argc, argv, 2, 16);
    max_depth = (int)bench_arg_long(argc, argv, 3, 16);
    iter_depth = (int)bench_arg_long(argc, argv, 4, 18);
    if (nthreads < 1 || nthreads > MAX_THREADS || long_lived_depth < 1 ||
        max_depth < MIN_DEPTH || iter_depth < max_depth)
        bench_die("mtgcbench: bad arguments");
    make_hole_table();

    bench_init();
    node_kind = B_KIND_BITMAP(&node_bits, 3);
    static worker workers[MAX_THREADS];
    for (int k = 0; k < nthreads; k++) {
        workers[k].hole_pos = (unsigned)k * 97u;
        if (B_THREAD_CREATE(&workers[k].tid, gcbench_thread, &workers[k]) != 0)
            bench_die("mtgcbench: cannot create thread");
    }
    uint64_t holes = 0, hole_bytes = 0;
    double td = 0, bu = 0;
    for (int k = 0; k < nthreads; k++) {
        B_THREAD_JOIN(workers[k].tid);
        holes += workers[k].holes;
        hole_bytes += workers[k].hole_bytes;
        td += workers[k].td_ms;
        bu += workers[k].bu_ms;
    }
    bench_extra("threads=%d", nthreads);
    bench_extra("holes=%" PRIu64, holes);
    bench_extra("hole_mib=%.0f", (double)hole_bytes / 1048576.0);
    bench_extra("topdown_ms=%.1f", td / nthreads);
    bench_extra("bottomup_ms=%.1f", bu / nthreads);
    bench_finish("mtgcbench", 0);
    return 0;
}
