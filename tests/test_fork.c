// TEST-TIMEOUT: 120
/*
 * test_fork - issue 8, defect 2: a multi-threaded program forks and keeps
 * using pacegc in the parent and in the child, with no cycle in progress at
 * the fork, and with one in progress (held in MARK by the test hooks; the
 * fork waits for it). Before the fix the child had no coordinator, still
 * listed the parent's threads, and its first allocation past the trigger
 * blocked forever.
 *
 * Not run under ThreadSanitizer: TSan does not support creating threads in
 * the child of a multi-threaded fork.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node { struct node *next; long v; } node;

#define LIVE_NODES 200000
static node *live; /* a global root */
static atomic_int stop;

static long check_live(void)
{
    long i = LIVE_NODES, n = 0;
    for (node *x = live; x; x = x->next, n++)
        if (x->v != --i)
            return -1;
    return n;
}

static void *churn(void *arg)
{
    (void)arg;
    node *mine = NULL;
    for (long i = 0; !atomic_load(&stop); i++) {
        node *x = pgc_alloc(sizeof *x);
        x->v = i;
        x->next = (i % 64) ? mine : NULL; /* over NULL: plain store */
        mine = x;
    }
    return NULL;
}

static void *child_thread(void *arg)
{
    long *sum = arg;
    for (long i = 0; i < 200000; i++) {
        long *p = pgc_alloc_atomic(64);
        p[0] = i;
        *sum += p[0];
    }
    return NULL;
}

/* In the child: one thread. Allocate 256 MiB of garbage (many cycles),
 * start a thread, collect, check the live list and the accounting. */
static int child_main(void)
{
    alarm(60);
    for (long i = 0; i < (256l << 20) / 256; i++)
        (void)pgc_alloc(256);
    long sum = 0;
    pthread_t t;
    if (pgc_pthread_create(&t, NULL, child_thread, &sum) != 0 || pthread_join(t, NULL) != 0)
        return 10;
    if (sum != 200000l * 199999 / 2)
        return 11;
    pgc_collect();
    if (check_live() != LIVE_NODES)
        return 12;
    pgc_stats st;
    pgc_read_stats(&st);
    if (st.num_gc < 5)
        return 13;
    /* Only the live list (16-byte nodes) is marked: the parent's other
     * thread and its caches are gone. */
    uint64_t live_bytes = (uint64_t)LIVE_NODES * 16;
    if (st.heap_marked > live_bytes + (4u << 20))
        return 14;
    return 0;
}

static void run_fork(const char *what)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(child_main());
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status), "%s: child killed by signal %d (SIGALRM=%d: hang)", what,
          WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGALRM);
    CHECK(WEXITSTATUS(status) == 0, "%s: child failed with code %d", what, WEXITSTATUS(status));
}

static void *forker(void *arg)
{
    run_fork(arg);
    return NULL;
}

int main(void)
{
    alarm(100);
    pgc_init();
    for (long i = 0; i < LIVE_NODES; i++) {
        node *x = pgc_alloc(sizeof *x);
        x->v = i;
        x->next = live;
        live = x;
    }
    pthread_t c;
    CHECK(pgc_pthread_create(&c, NULL, churn, NULL) == 0, "create");

    /* 1. no cycle in progress (one may start any time: churn allocates) */
    run_fork("fork");
    CHECK(check_live() == LIVE_NODES, "parent's live list damaged after fork");

    /* 2. a cycle held in MARK when the fork starts */
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
    CHECK(pgc__test_phase() == 2, "cycle should be marking");
    pthread_t f;
    CHECK(pgc_pthread_create(&f, NULL, forker, "fork during marking") == 0, "create");
    while (pgc__test_fork_waiters() == 0)
        sched_yield(); /* the fork waits for the cycle */
    pgc__test_release();
    CHECK(pthread_join(f, NULL) == 0, "join forker");

    atomic_store(&stop, 1);
    CHECK(pthread_join(c, NULL) == 0, "join");
    pgc_collect();
    CHECK(check_live() == LIVE_NODES, "parent's live list damaged after fork during marking");
    pgc_stats st;
    pgc_read_stats(&st);
    printf("ok: two forks (one during marking); parent ran %llu cycles\n", (unsigned long long)st.num_gc);
    return 0;
}
