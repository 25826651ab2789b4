// TEST-ENV: PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 120
// TEST-ASAN: no
/* test_bdwgc_fork.c - fork through libgc.so.1, in every barrier-free mode
 * (the program re-runs itself with PGC_BARRIER=none-uffd where the kernel
 * has it, none-mprotect and none-stw), under gccheckmark (a miss aborts):
 *  - GC_set_handle_fork(1) is accepted before GC_INIT;
 *  - two threads keep moving pointers between heap objects with plain
 *    stores while the main thread forks: (1) with cycles starting at any
 *    time, (2) with a cycle held in MARK (the fork waits for it), (3)
 *    through bdwgc's manual protocol, GC_atfork_prepare / fork() /
 *    GC_atfork_parent or GC_atfork_child around pacegc's own pthread_atfork
 *    handlers (each step runs once: a second stop of the world by the same
 *    thread would deadlock, and alarm() turns that into a failure), and
 *    (4) GC_atfork_prepare + GC_atfork_parent with no fork between;
 *  - each child: allocates 64 MiB (many cycles) while it moves pointers in
 *    a table of its own with plain stores, starts a thread that allocates,
 *    collects, then checks its table and the parent's list (contents and
 *    checksums), that cycles ran, and that it runs in the parent's mode
 *    (none-uffd: the child set up write tracking of its own);
 *  - the parent's data is intact after every fork. */
#define GC_THREADS 1
#include <gc.h>
#include "../check.h"
#include "../testutil.h" /* mix */
#include "testhooks.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node {
    struct node *next;
    uint64_t value, check;
} node;



#define LIVE 50000
#define NSLOTS 32
static node *live; /* a global root */
static atomic_int stop;
static int parent_mode;

static node *new_node(uint64_t v)
{
    node *n = GC_MALLOC(sizeof *n);
    CHECK(n, "GC_MALLOC");
    n->value = v;
    n->check = mix(v);
    return n;
}

static int check_live(void)
{
    uint64_t i = LIVE;
    for (node *x = live; x; x = x->next) {
        if (i == 0 || x->value != --i || x->check != mix(x->value))
            return 0;
    }
    return i == 0;
}

/* Moves nodes between the lists of a table with plain stores; returns 1
 * when every node is intact and the count and sum are unchanged. */
static int churn_table(uint64_t seed, long rounds, int garbage_bytes)
{
    node **table = GC_MALLOC(NSLOTS * sizeof *table);
    uint64_t sum = 0;
    for (int i = 0; i < 2000; i++) {
        node *n = new_node(mix(seed + (uint64_t)i) >> 24);
        sum += n->value;
        n->next = table[i % NSLOTS];
        table[i % NSLOTS] = n;
    }
    for (long r = 0; rounds < 0 ? !atomic_load(&stop) : r < rounds; r++) {
        seed = mix(seed);
        int a = (int)(seed % NSLOTS), b = (int)((seed >> 16) % NSLOTS);
        node *n = table[a];
        if (n) {
            table[a] = n->next; /* n held only in a local */
            n->next = table[b];
            table[b] = n;
        }
        void *g = GC_MALLOC(16 + (size_t)((seed >> 40) % (uint64_t)garbage_bytes));
        ((void **)g)[0] = table[b];
    }
    uint64_t count = 0, sum2 = 0;
    for (int s = 0; s < NSLOTS; s++)
        for (node *n = table[s]; n; n = n->next) {
            if (n->check != mix(n->value))
                return 0;
            count++;
            sum2 += n->value;
        }
    return count == 2000 && sum2 == sum;
}

static void *churn(void *arg)
{
    CHECK(churn_table((uint64_t)(uintptr_t)arg, -1, 200), "parent's churn table damaged");
    return NULL;
}

static void *child_thread(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)churn_table(99, 100000, 300);
}

static int child_main(void)
{
    alarm(60);
    pgc_stats st0, st;
    pgc_read_stats(&st0);
    if (st0.barrier_mode != parent_mode)
        return 9; /* none-uffd: the child's own tracking could not be set up */
    if (!churn_table(7, 64l * 1024 * 1024 / 220, 400))
        return 10;
    pthread_t t;
    void *ok = NULL;
    if (GC_pthread_create(&t, NULL, child_thread, NULL) != 0 || GC_pthread_join(t, &ok) != 0 || !ok)
        return 11;
    GC_gcollect();
    if (!check_live())
        return 12;
    pgc_read_stats(&st);
    if (st.num_gc < st0.num_gc + 5)
        return 13;
    if (GC_is_incremental_mode() != (parent_mode != PGC_BARRIER_NONE_STW))
        return 14;
    return 0;
}

static void wait_child(pid_t pid, const char *what)
{
    CHECK(pid >= 0, "%s: fork", what);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status), "%s: child killed by signal %d (SIGALRM=%d: hang)", what,
          WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGALRM);
    CHECK(WEXITSTATUS(status) == 0, "%s: child failed with code %d", what, WEXITSTATUS(status));
    CHECK(check_live(), "%s: parent's list damaged", what);
}

static void plain_fork(const char *what)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_main());
    wait_child(pid, what);
}

static void *forker(void *arg)
{
    plain_fork(arg);
    return NULL;
}

static void manual_fork(void)
{
    GC_atfork_prepare();
    pid_t pid = fork(); /* pacegc's pthread_atfork handlers run inside, and do nothing */
    if (pid == 0) {
        GC_atfork_child();
        _exit(child_main());
    }
    GC_atfork_parent();
    wait_child(pid, "GC_atfork_* around fork()");
}

static int workload(void)
{
    alarm(100);
    GC_set_handle_fork(1); /* pacegc always handles fork: accepted */
    GC_INIT();
    pgc_stats st;
    pgc_read_stats(&st);
    parent_mode = st.barrier_mode;
    const char *want = getenv("PGC_BARRIER");
    CHECK(strcmp(pgc_barrier_mode_name(parent_mode), want) == 0, "PGC_BARRIER=%s gave mode %s", want,
          pgc_barrier_mode_name(parent_mode));
    for (uint64_t i = 0; i < LIVE; i++) {
        node *n = new_node(i);
        n->next = live;
        live = n;
    }
    pthread_t c[2];
    for (int i = 0; i < 2; i++)
        CHECK(GC_pthread_create(&c[i], NULL, churn, (void *)(uintptr_t)(i + 1)) == 0, "create");

    plain_fork("fork");

    if (parent_mode != PGC_BARRIER_NONE_STW) {
        /* (none-stw marks inside one pause: no fork can meet it marking) */
        pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
        pgc__test_start_cycle();
        pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS);
        CHECK(pgc__test_phase() == 2, "cycle should be marking");
        pthread_t f;
        CHECK(GC_pthread_create(&f, NULL, forker, "fork during marking") == 0, "create");
        while (pgc__test_fork_waiters() == 0)
            sched_yield(); /* the fork waits for the cycle */
        pgc__test_release();
        CHECK(GC_pthread_join(f, NULL) == 0, "join forker");
    }

    manual_fork();

    GC_atfork_prepare(); /* no fork: the world stops and restarts */
    GC_atfork_parent();

    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        CHECK(GC_pthread_join(c[i], NULL) == 0, "join");
    GC_gcollect();
    CHECK(check_live(), "parent's list damaged");
    printf("mode %s: four forks, parent ran %lu collections\n", want, (unsigned long)GC_get_gc_no());
    return 0;
}

static void run_mode(const char *self, const char *mode)
{
    fflush(stdout);
    pid_t pid = fork(); /* before GC_INIT: an ordinary fork + exec */
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        setenv("PGC_BARRIER", mode, 1);
        execl(self, self, "run", (char *)NULL);
        _exit(127);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "PGC_BARRIER=%s: the run failed (status %#x)", mode, status);
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return workload();
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    self[n] = 0;
    if (getenv("PGC_TEST_UFFD_OK") || access("/proc/self/pagemap", R_OK) == 0) {
        /* none-uffd only where the kernel has it: probe in a child */
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            setenv("PGC_BARRIER", "none", 1);
            GC_INIT();
            pgc_stats st;
            pgc_read_stats(&st);
            _exit(st.barrier_mode == PGC_BARRIER_NONE_UFFD ? 0 : 1);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "probe");
        if (WEXITSTATUS(status) == 0)
            run_mode(self, "none-uffd");
        else
            printf("none-uffd: not on this kernel, skipped\n");
    }
    run_mode(self, "none-mprotect");
    run_mode(self, "none-stw");
    return 0;
}
