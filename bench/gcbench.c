/*
 * gcbench.c - GCBench (Ellis & Kovac, as modified by Boehm), written from the
 * description in shared/benchmarks.md.
 *
 * Build and drop a stretch tree; keep a long-lived tree and a half-filled
 * array of doubles alive; then for each depth d = 4, 6, ..., max build
 * iterations(d) = 2 * tree_size(stretch) / tree_size(d) trees twice:
 * top-down (children stored into the older parent) and bottom-up (children
 * first). Every tree is checked (node count and per-node fields), the
 * malloc backends free each tree when it dies.
 *
 * -DBENCH_STORE_ALL (pacegc-storeall): every pointer store, into fresh
 * nodes too, goes through B_STORE (pgc_store), as many programs will write
 * it (issue 12, "The barrier on fresh objects").
 *
 * usage: gcbench [stretch_depth [long_lived_depth [max_depth [array_size]]]]
 *        defaults 18 16 16 500000
 */
#include "common.h"

#define MIN_DEPTH 4

#ifdef BENCH_STORE_ALL
#define NODE_SET(lv, v) B_STORE(lv, v)
#else
#define NODE_SET(lv, v) ((lv) = (v)) /* fresh object: stores over NULL, no barrier */
#endif

typedef struct node {
    struct node *left, *right;
    int i, j;
} node;

/* left and right are the pointers (precise variant: pgc_kind_bitmap) */
static bench_kind node_kind;
static const uint64_t node_bits = 0x3;

static long tree_size(int depth)
{
    return (1L << (depth + 1)) - 1;
}

/* A node for a subtree of the given depth; i and j let check_tree notice a
 * node that was overwritten after being freed too early. */
static node *new_node(int depth, node *l, node *r)
{
    node *n = B_ALLOC_KIND(node_kind, sizeof *n);
    NODE_SET(n->left, l);
    NODE_SET(n->right, r);
    n->i = depth;
    n->j = ~depth;
    return n;
}

/* Top-down: allocate both children, store them into the (older) parent,
 * then recurse. */
static void populate(int depth, node *parent)
{
    if (depth <= 0)
        return;
    depth--;
    NODE_SET(parent->left, new_node(depth, NULL, NULL));
    NODE_SET(parent->right, new_node(depth, NULL, NULL));
    populate(depth, parent->left);
    populate(depth, parent->right);
}

/* Bottom-up: children first, parent last. */
static node *make_tree(int depth)
{
    if (depth <= 0)
        return new_node(0, NULL, NULL);
    node *l = make_tree(depth - 1);
    node *r = make_tree(depth - 1);
    return new_node(depth, l, r);
}

/* Returns the node count; dies on a malformed node. */
static long check_tree(const node *n, int depth)
{
    if (n == NULL || n->i != depth || n->j != ~depth)
        bench_die("gcbench: corrupt node at depth %d", depth);
    if (depth == 0) {
        if (n->left != NULL || n->right != NULL)
            bench_die("gcbench: leaf with children");
        return 1;
    }
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
        bench_die("gcbench: wrong node count at depth %d", depth);
    free_tree(t);
}

int main(int argc, char **argv)
{
    int stretch = (int)bench_arg_long(argc, argv, 1, 18);
    int long_lived = (int)bench_arg_long(argc, argv, 2, 16);
    int max_depth = (int)bench_arg_long(argc, argv, 3, 16);
    long array_size = bench_arg_long(argc, argv, 4, 500000);
    if (stretch < MIN_DEPTH || long_lived < 1 || max_depth < MIN_DEPTH || array_size < 2002)
        bench_die("gcbench: bad arguments");

    bench_init();
    node_kind = B_KIND_BITMAP(&node_bits, 3);
    uint64_t t = bench_now_ns();

    node *tmp = make_tree(stretch);
    check_and_drop(tmp, stretch);
    tmp = NULL;
    double stretch_ms = (double)(bench_now_ns() - t) / 1e6;

    node *ll = new_node(long_lived, NULL, NULL);
    populate(long_lived, ll);
    double *array = B_ALLOC_ATOMIC(sizeof(double) * (size_t)array_size);
    for (long i = 0; i < array_size; i++)
        array[i] = 0.0;
    for (long i = 1; i < array_size / 2; i++)
        array[i] = 1.0 / (double)i;

    double td_total = 0, bu_total = 0;
    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        long iters = 2 * tree_size(stretch) / tree_size(d);
        uint64_t t0 = bench_now_ns();
        for (long k = 0; k < iters; k++) {
            tmp = new_node(d, NULL, NULL);
            populate(d, tmp);
            check_and_drop(tmp, d);
        }
        uint64_t t1 = bench_now_ns();
        for (long k = 0; k < iters; k++) {
            tmp = make_tree(d);
            check_and_drop(tmp, d);
        }
        uint64_t t2 = bench_now_ns();
        double td = (double)(t1 - t0) / 1e6, bu = (double)(t2 - t1) / 1e6;
        td_total += td;
        bu_total += bu;
        fprintf(stderr, "gcbench: depth %2d: %6ld trees, top-down %8.1f ms, bottom-up %8.1f ms\n",
                d, iters, td, bu);
    }

    if (check_tree(ll, long_lived) != tree_size(long_lived))
        bench_die("gcbench: long-lived tree damaged");
    if (array[1000] != 1.0 / 1000.0)
        bench_die("gcbench: array damaged");
    double sum = 0;
    for (long i = 1; i < array_size / 2; i++)
        sum += array[i] * (double)i;
    double want = (double)(array_size / 2 - 1);
    if (sum < want - 1e-6 * want || sum > want + 1e-6 * want)
        bench_die("gcbench: array checksum %.1f", sum);
    free_tree(ll);
    B_FREE(array);

    bench_extra("stretch_ms=%.1f", stretch_ms);
    bench_extra("topdown_ms=%.1f", td_total);
    bench_extra("bottomup_ms=%.1f", bu_total);
    bench_extra("depths=%d-%d", MIN_DEPTH, max_depth);
    bench_finish("gcbench", 0);
    return 0;
}
