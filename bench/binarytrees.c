/*
 * binarytrees.c - the binary-trees program of the Computer Language
 * Benchmarks Game, written from the description in shared/benchmarks.md.
 *
 * Build, check and drop a stretch tree of depth N+1; keep a long-lived tree
 * of depth N; for d = 4, 6, ..., N build 2^(N-d+4) trees of depth d
 * bottom-up, count each tree's nodes ("check") and drop it; finally check
 * the long-lived tree. Nodes hold only two child pointers. With T threads
 * the iterations of every depth are shared out round-robin.
 *
 * usage: binarytrees [N [T]]    defaults 21 1
 * RESULT workload is binarytrees-<T>t.
 */
#include "common.h"

#define MIN_DEPTH 4
#define MAX_THREADS 64

typedef struct node {
    struct node *left, *right;
} node;

/* left and right are the pointers (precise variant: pgc_kind_bitmap) */
static bench_kind node_kind;
static const uint64_t node_bits = 0x3;

static node *make_tree(int depth)
{
    node *n = B_ALLOC_KIND(node_kind, sizeof *n);
    if (depth > 0) {
        n->left = make_tree(depth - 1);
        n->right = make_tree(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const node *n)
{
    if (n->left == NULL)
        return n->right == NULL ? 1 : -1000000000L; /* malformed leaf */
    return 1 + check(n->left) + check(n->right);
}

static void free_tree(node *n)
{
#if !BENCH_IS_GC
    if (n->left != NULL) {
        free_tree(n->left);
        free_tree(n->right);
    }
    B_FREE(n);
#else
    (void)n;
#endif
}

static int max_depth, nthreads;

typedef struct worker {
    pthread_t tid;
    int index;
    long checks[64]; /* per depth, indexed by depth */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + MIN_DEPTH);
        long want = (1L << (d + 1)) - 1, sum = 0;
        for (long i = w->index; i < iters; i += nthreads) {
            node *t = make_tree(d);
            long c = check(t);
            if (c != want)
                bench_die("binarytrees: tree of depth %d has check %ld, want %ld", d, c, want);
            sum += c;
            free_tree(t);
        }
        w->checks[d] = sum;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    max_depth = (int)bench_arg_long(argc, argv, 1, 21);
    nthreads = (int)bench_arg_long(argc, argv, 2, 1);
    if (max_depth < MIN_DEPTH + 2 || max_depth > 40 || nthreads < 1 || nthreads > MAX_THREADS)
        bench_die("binarytrees: bad arguments");

    bench_init();
    node_kind = B_KIND_BITMAP(&node_bits, 2);
    int stretch = max_depth + 1;
    node *t = make_tree(stretch);
    long c = check(t);
    if (c != (1L << (stretch + 1)) - 1)
        bench_die("binarytrees: stretch tree check %ld", c);
    fprintf(stderr, "stretch tree of depth %d\t check: %ld\n", stretch, c);
    free_tree(t);
    t = NULL;

    node *long_lived = make_tree(max_depth);

    static worker workers[MAX_THREADS];
    for (int k = 0; k < nthreads; k++)
        workers[k].index = k;
    if (nthreads == 1) {
        work(&workers[0]);
    } else {
        for (int k = 0; k < nthreads; k++)
            if (B_THREAD_CREATE(&workers[k].tid, work, &workers[k]) != 0)
                bench_die("binarytrees: cannot create thread");
        for (int k = 0; k < nthreads; k++)
            B_THREAD_JOIN(workers[k].tid);
    }

    long total = 0;
    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + MIN_DEPTH), sum = 0;
        for (int k = 0; k < nthreads; k++)
            sum += workers[k].checks[d];
        if (sum != iters * ((1L << (d + 1)) - 1))
            bench_die("binarytrees: depth %d total check %ld", d, sum);
        fprintf(stderr, "%ld\t trees of depth %d\t check: %ld\n", iters, d, sum);
        total += sum;
    }
    c = check(long_lived);
    if (c != (1L << (max_depth + 1)) - 1)
        bench_die("binarytrees: long-lived tree check %ld", c);
    fprintf(stderr, "long lived tree of depth %d\t check: %ld\n", max_depth, c);
    free_tree(long_lived);

    char name[32];
    snprintf(name, sizeof name, "binarytrees-%dt", nthreads);
    bench_extra("depth=%d", max_depth);
    bench_extra("threads=%d", nthreads);
    bench_extra("nodes_checked=%ld", total);
    bench_finish(name, 0);
    return 0;
}
