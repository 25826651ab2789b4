// TEST-ENV: PGC_GOGC=off
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/*
 * test_inline_zero - pgc_alloc of a constant size up to 256 bytes
 * (INV-ZERO-VISIBLE, include/pacegc.h): the inline path then zeroes the
 * slot's tail past the request and the requested bytes after the fast and
 * slow paths join. Every byte of the class (pgc_size) must read zero, on
 * the fast path and the slow path (refills, the first allocation of a
 * thread), from dirty (swept) memory; and a pgc_store over a fresh object's
 * field (a plain store there) leaves the object right.
 */
#include <pacegc.h>
#include "check.h"

#include <stdio.h>

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define N 3000

typedef struct node {
    struct node *left, *right;
    int i, j;
} node; /* 24 bytes: class 32, an 8-byte tail */

static void check_zero(const void *p, size_t size)
{
    const unsigned char *b = p;
    size_t cls = pgc_size(p);
    CHECK(cls >= size && cls >= 16, "size %zu: pgc_size %zu", size, cls);
    for (size_t i = 0; i < cls; i++)
        CHECK(b[i] == 0, "size %zu: byte %zu of %zu is %d", size, i, cls, b[i]);
}

/* Constant sizes: each call site is its own inlined path. */
#define ONE(sz)                                  \
    do {                                         \
        void *p = pgc_alloc(sz);                 \
        check_zero(p, (sz));                     \
        memset(p, 0xa5, pgc_size(p)); /* dirt */ \
    } while (0)

static node *keep[N];

static void round_of_sizes(void)
{
    for (int i = 0; i < N; i++) {
        ONE(0);
        ONE(1);
        ONE(24);
        ONE(100);
        ONE(255);
        ONE(256);
        node *n = pgc_alloc(sizeof(node));
        check_zero(n, sizeof *n);
        PGC_STORE(n->left, i ? keep[i - 1] : NULL);
        PGC_STORE(n->right, n);
        n->i = i;
        n->j = ~i;
        keep[i] = n;
    }
    for (int i = 0; i < N; i++)
        CHECK(keep[i]->i == i && keep[i]->j == ~i && keep[i]->right == keep[i] &&
                  keep[i]->left == (i ? keep[i - 1] : NULL),
              "node %d overwritten", i);
    memset(keep, 0, sizeof keep);
}

static void *thread_main(void *arg)
{
    (void)arg;
    node *n = pgc_alloc(sizeof(node)); /* first allocation of the thread: the slow path */
    check_zero(n, sizeof *n);
    round_of_sizes();
    return NULL;
}

int main(void)
{
    pgc_init();
    for (int round = 0; round < 3; round++) {
        round_of_sizes();
        pgc_collect(); /* the dirt is swept free: the next round reuses it */
        pgc_collect();
    }
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, thread_main, NULL) == 0 && pthread_join(th, NULL) == 0, "thread");
    printf("ok constant-size pgc_alloc zeroed\n");
    return 0;
}
