// TEST-TIMEOUT: 180
/* Threads: 4 threads build private structures while collections are
 * triggered by all of them; a thread spinning without calls and a thread
 * blocked in read() do not stop pgc_collect; threads that allocate without
 * attaching are attached automatically and detached when they exit. */
#include "check.h"
#define PGC_TEST_NEED_TREE
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>


#if defined(__SANITIZE_THREAD__)
#define ROUNDS 30
#else
#define ROUNDS 300
#endif

static void *builder(void *arg)
{
    uint64_t id = (uintptr_t)arg;
    tree *keep = build(14, id);
    for (int i = 0; i < ROUNDS; i++) {
        tree *tmp = build(10, id * 1000 + (uint64_t)i);
        CHECK(check_tree(tmp, 10, id * 1000 + (uint64_t)i) == 2047, "temporary tree");
        if (i % 50 == 0)
            pgc_collect(); /* collections requested by every thread */
    }
    CHECK(check_tree(keep, 14, id) == 32767, "long-lived tree of thread %llu", (unsigned long long)id);
    return NULL;
}

static atomic_int spin_stop;
static void *spinner(void *arg)
{
    tree *t = build(3, 7);
    (void)arg;
    uint64_t x = 1;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        x = x * 6364136223846793005ull + 1; /* no calls in this loop */
    CHECK(check_tree(t, 3, 7) == 15, "spinner's tree");
    return (void *)(uintptr_t)(x | 1);
}

static int pipefd[2];
static void *reader(void *arg)
{
    (void)arg;
    tree *t = build(3, 9);
    char c = 0;
    ssize_t n;
    do
        n = read(pipefd[0], &c, 1);
    while (n < 0);
    CHECK(n == 1 && c == 'x', "read returned %zd '%c'", n, c);
    CHECK(check_tree(t, 3, 9) == 15, "reader's tree");
    return NULL;
}

static atomic_int auto_done;
static void *unattached(void *arg)
{
    (void)arg;
    tree *t = build(8, 3); /* first allocation attaches this thread */
    for (int i = 0; i < 20; i++)
        build(8, 0);
    CHECK(check_tree(t, 8, 3) == 511, "auto-attached thread's tree");
    atomic_fetch_add(&auto_done, 1);
    return NULL; /* exiting detaches it */
}

int main(void)
{
    pgc_init();
    pthread_t b[4], s, r;
    CHECK(pipe(pipefd) == 0, "pipe");
    CHECK(pgc_pthread_create(&s, NULL, spinner, NULL) == 0, "spinner");
    CHECK(pgc_pthread_create(&r, NULL, reader, NULL) == 0, "reader");
    for (uintptr_t i = 0; i < 4; i++)
        CHECK(pgc_pthread_create(&b[i], NULL, builder, (void *)(i + 1)) == 0, "builder");
    for (int i = 0; i < 4; i++)
        pthread_join(b[i], NULL);
    pgc_stats st0, st1;
    pgc_read_stats(&st0);
    for (int i = 0; i < 5; i++)
        pgc_collect(); /* finishes with one thread spinning and one blocked in read() */
    pgc_read_stats(&st1);
    CHECK(st1.num_gc >= st0.num_gc + 5, "num_gc %llu -> %llu", (unsigned long long)st0.num_gc,
          (unsigned long long)st1.num_gc);
    CHECK(write(pipefd[1], "x", 1) == 1, "write");
    atomic_store(&spin_stop, 1);
    pthread_join(s, NULL);
    pthread_join(r, NULL);
    /* plain pthreads that allocate: attached on first allocation, detached at exit */
    for (int round = 0; round < 3; round++) {
        pthread_t u[3];
        for (int i = 0; i < 3; i++)
            CHECK(pthread_create(&u[i], NULL, unattached, NULL) == 0, "pthread_create");
        for (int i = 0; i < 3; i++)
            pthread_join(u[i], NULL);
        pgc_collect(); /* would signal a dead thread if exit did not detach */
    }
    CHECK(atomic_load(&auto_done) == 9, "auto-attached threads finished: %d", atomic_load(&auto_done));
    pgc_read_stats(&st1);
    printf("threads ok: %llu cycles, max pause %.3f ms\n", (unsigned long long)st1.num_gc, st1.pause_max_ns / 1e6);
    return 0;
}
