// TEST-TIMEOUT: 60
/* test_bdwgc_alloc_lock.c - GC_call_with_alloc_lock through libgc.so.1
 * (INV-LIFE-CALL, src/lifetimes.c): a bdwgc program reads its disappearing
 * links inside it and must never get an object the collector then frees.
 * Run in none-uffd and none-mprotect (a forked child each), with the
 * coordinator held at named points (test hooks):
 *  - A: a callback that has read a link (its object otherwise unreachable)
 *    and kept the pointer in a global is running when the coordinator
 *    comes to the lifetimes decision: the coordinator waits for it
 *    (pgc__test_coordinator_call_waiting) and reaches PGC_TEST_DECIDED only
 *    once it returned; the link is not cleared and the object is intact
 *    after the cycle and the next; once the global is dropped the link is
 *    cleared (so it was live, not leaked).
 *  - B: with the reads closed for the decision (PGC_TEST_READS_CLOSED), a
 *    callback waits (pgc__test_call_waiters) and does not run; released,
 *    it runs after the decision was applied and reads NULL from the link
 *    of an unreachable object.
 *  - the callback's return value is returned; callbacks exclude each other
 *    (two threads, a counter never above 1).
 *  - none-stw (no hold: its decision is taken with the world stopped):
 *    the callback runs and reads the live object.
 *  - GC_malloc and GC_gcollect inside the callback, and a nested call,
 *    stop the program with a message naming the mistake.
 */
#define GC_THREADS 1
#include <gc.h>
#include "../check.h"
#include "testhooks.h"
#define PGC_TEST_NEED_MODE
#include "../testutil.h" /* check_barrier_mode */

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node {
    struct node *next;
    long tag;
} node;

static GC_hidden_pointer *links; /* pointer-free memory: never a root */
static node *volatile kept;      /* a root */

static void on_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    CHECK(GC_pthread_create(&t, NULL, fn, arg) == 0, "GC_pthread_create");
    CHECK(GC_pthread_join(t, NULL) == 0, "GC_pthread_join");
}

/* An unreachable object linked from links[i] (made on a thread that exits,
 * so no stale stack word of this one keeps it). */
static void *make_linked(void *arg)
{
    int i = (int)(intptr_t)arg;
    node *n = GC_malloc(sizeof(node));
    n->tag = 1000 + i;
    links[i] = GC_HIDE_POINTER(n);
    CHECK(GC_general_register_disappearing_link((void **)&links[i], n) == GC_SUCCESS, "registered");
    return NULL;
}

static void spin_until(atomic_int *flag, int (*probe)(void), const char *what)
{
    for (long i = 0; i < 200000000L; i++) {
        if ((flag && atomic_load(flag)) || (probe && probe()))
            return;
        sched_yield();
    }
    CHECK(0, "never happened: %s", what);
}

/* ---- A: a running callback holds the decision off ---- */
static atomic_int a_in, a_go;
static void *cb_read_keep(void *cd)
{
    int i = (int)(intptr_t)cd;
    if (links[i])
        kept = GC_REVEAL_POINTER(links[i]);
    atomic_store(&a_in, 1);
    while (!atomic_load(&a_go))
        sched_yield();
    return (void *)kept;
}
static void *thread_a(void *arg)
{
    void *r = GC_call_with_alloc_lock(cb_read_keep, arg);
    CHECK(r == (void *)kept && r != NULL, "the callback's value is returned");
    return NULL;
}

/* ---- B: a decision in progress holds callbacks off ---- */
static atomic_int b_ran;
static void *b_read;
static void *cb_read(void *cd)
{
    int i = (int)(intptr_t)cd;
    atomic_store(&b_ran, 1);
    b_read = links[i] ? GC_REVEAL_POINTER(links[i]) : NULL;
    return NULL;
}
static void *thread_b(void *arg)
{
    GC_call_with_alloc_lock(cb_read, arg);
    return NULL;
}

/* ---- mutual exclusion ---- */
static atomic_int inside, inside_max;
static void *cb_count(void *cd)
{
    int n = atomic_fetch_add(&inside, 1) + 1;
    if (n > atomic_load(&inside_max))
        atomic_store(&inside_max, n);
    for (int k = 0; k < 50; k++)
        sched_yield();
    atomic_fetch_sub(&inside, 1);
    return cd;
}
static void *thread_count(void *arg)
{
    (void)arg;
    for (int k = 0; k < 200; k++)
        CHECK(GC_call_with_alloc_lock(cb_count, (void *)(intptr_t)(k + 1)) == (void *)(intptr_t)(k + 1),
              "return value");
    return NULL;
}

static void run_mode(const char *mode)
{
    setenv("PGC_BARRIER", mode, 1);
    GC_INIT();
    check_barrier_mode(mode);
    GC_set_finalize_on_demand(1);
    links = GC_MALLOC_ATOMIC(8 * sizeof *links);
    memset(links, 0, 8 * sizeof *links);

    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK(GC_pthread_create(&t[i], NULL, thread_count, NULL) == 0, "GC_pthread_create");
    for (int i = 0; i < 2; i++)
        CHECK(GC_pthread_join(t[i], NULL) == 0, "GC_pthread_join");
    CHECK(atomic_load(&inside_max) == 1, "two callbacks ran at once");

    if (strcmp(mode, "none-stw") == 0) {
        on_thread(make_linked, (void *)0);
        a_go = 1;
        on_thread(thread_a, (void *)0);
        GC_gcollect();
        CHECK(links[0] && GC_REVEAL_POINTER(links[0]) == kept && kept->tag == 1000, "none-stw: link kept");
        printf("ok: %s: callbacks exclusive, the object read stays\n", mode);
        return;
    }

    /* A */
    on_thread(make_linked, (void *)0);
    pgc__test_hold_at(PGC_TEST_BEFORE_POSTMARK);
    pgc__test_hold_at(PGC_TEST_DECIDED);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_BEFORE_POSTMARK);
    pthread_t ta;
    CHECK(GC_pthread_create(&ta, NULL, thread_a, (void *)0) == 0, "GC_pthread_create");
    spin_until(&a_in, NULL, "callback A running");
    CHECK(kept != NULL && kept->tag == 1000, "callback A read the live object");
    pgc__test_release_at(PGC_TEST_BEFORE_POSTMARK);
    spin_until(NULL, pgc__test_coordinator_call_waiting, "the coordinator waits for callback A");
    atomic_store(&a_go, 1);
    CHECK(GC_pthread_join(ta, NULL) == 0, "GC_pthread_join");
    pgc__test_wait_held_at(PGC_TEST_DECIDED);
    pgc__test_release();
    GC_gcollect();
    GC_gcollect();
    CHECK(links[0] != 0 && GC_REVEAL_POINTER(links[0]) == kept, "A: the link of the object read was cleared");
    CHECK(kept->tag == 1000, "A: the object read was freed (tag %ld)", kept->tag);
    kept = NULL;
    GC_gcollect();
    GC_gcollect();
    CHECK(links[0] == 0, "A: the link was not cleared once its object died");

    /* B */
    on_thread(make_linked, (void *)1);
    pgc__test_hold_at(PGC_TEST_READS_CLOSED);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_READS_CLOSED);
    pthread_t tb;
    CHECK(GC_pthread_create(&tb, NULL, thread_b, (void *)1) == 0, "GC_pthread_create");
    spin_until(NULL, pgc__test_call_waiters, "callback B waiting");
    CHECK(!atomic_load(&b_ran), "B: a callback ran while the decision was being taken");
    pgc__test_release();
    CHECK(GC_pthread_join(tb, NULL) == 0, "GC_pthread_join");
    CHECK(atomic_load(&b_ran), "B ran");
    CHECK(b_read == NULL, "B: the callback read the link of an object decided dead before it was cleared");
    printf("ok: %s: a running callback holds the decision off, a decision holds callbacks off\n", mode);
}

/* ---- misuse: each in a child that must die with the message ---- */
static void *cb_alloc(void *cd) { (void)cd; return GC_malloc(16); }
static void *cb_collect(void *cd) { (void)cd; GC_gcollect(); return NULL; }
static void *cb_nested(void *cd) { return GC_call_with_alloc_lock(cb_count, cd); }

static void expect_death(void *(*cb)(void *), const char *want)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        GC_INIT();
        GC_call_with_alloc_lock(cb, NULL);
        _exit(0);
    }
    close(p[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(p[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "misuse did not stop the program (status %d)", status);
    CHECK(strstr(buf, want) != NULL, "message %s missing from: %s", want, buf);
}

int main(void)
{
    const char *modes[] = { "none-uffd", "none-mprotect", "none-stw" };
    for (int m = 0; m < 3; m++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            run_mode(modes[m]);
            fflush(stdout);
            _exit(0);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mode %s failed (status %d)", modes[m], status);
    }
    expect_death(cb_alloc, "an allocation (GC_malloc and the like) called inside GC_call_with_alloc_lock");
    expect_death(cb_collect, "GC_gcollect called inside GC_call_with_alloc_lock");
    expect_death(cb_nested, "GC_call_with_alloc_lock called inside its own callback");
    printf("ok: misuse inside the callback stops the program\n");
    return 0;
}
