// TEST-ENV: PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 120
/* test_nobarrier.c - the barrier-free mode (PGC_BARRIER=none): threads
 * move pointers between heap objects with plain stores, never pgc_store,
 * while cycles run back to back, under gccheckmark.
 *
 * Each thread owns a table (a heap object of NSLOTS pointers) of singly
 * linked lists of nodes. A move takes the head of one list and pushes it
 * on another with plain stores, so for a moment the node is held only in
 * a register or local, and the pointer to it moves from one object to
 * another: exactly the store a concurrent snapshot mark without a barrier
 * would miss. Now and then a node is replaced by a fresh copy (the old one
 * becomes garbage), and garbage is allocated between moves so cycles keep
 * starting. Each node carries a value and a payload derived from it.
 *
 * The program runs itself in each barrier-free mode: PGC_BARRIER=none-stw,
 * none-mprotect (pages write-protected, first writes caught by SIGSEGV),
 * and PGC_BARRIER=none (none-uffd where the kernel tracks writes, else
 * none-mprotect again). Asserts, in each: after many cycles every node is intact
 * (payload matches its value, so none was freed and reused), the count and
 * sum of values per table are unchanged, the stats report the mode, and
 * gccheckmark (which aborts on a miss) found nothing; in none-stw, no
 * mutator ever sees a cycle marking (INV-STW-MARK: marking begins and ends
 * inside one pause). (With PGC_TEST_ANY_MODE=1 PGC_BARRIER=barrier the
 * same program makes gccheckmark report misses: the moves defeat a
 * concurrent mark without a barrier.) A forked child without PGC_BARRIER
 * checks that pgc_init's default is the barrier mode.
 */
#include "pacegc.h"
#include "check.h"
#include "testutil.h"
#include "testhooks.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 3
#define NSLOTS 64
#define NNODES 2000
#define PAYLOAD 6
#define MIN_CYCLES 30

typedef struct node {
    struct node *next;
    uint64_t value;
    uint64_t payload[PAYLOAD];
} node;

static _Atomic int saw_marking;

static void fill(node *n, uint64_t v)
{
    n->value = v;
    for (int i = 0; i < PAYLOAD; i++)
        n->payload[i] = mix(v + (uint64_t)i);
}

static void check_node(const node *n)
{
    for (int i = 0; i < PAYLOAD; i++)
        CHECK(n->payload[i] == mix(n->value + (uint64_t)i), "node %p (value %llu) corrupted: freed "
              "and reused while reachable", (void *)n, (unsigned long long)n->value);
}

static void *worker(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg * 7919 + 1;
    node **table = pgc_alloc(NSLOTS * sizeof(node *));
    uint64_t sum = 0;
    for (int i = 0; i < NNODES; i++) {
        node *n = pgc_alloc(sizeof *n);
        fill(n, mix(seed + (uint64_t)i) >> 20);
        sum += n->value;
        int s = i % NSLOTS;
        n->next = table[s]; /* plain stores throughout */
        table[s] = n;
    }
    pgc_stats st;
    pgc_read_stats(&st);
    uint64_t gc0 = st.num_gc;
    for (uint64_t round = 0;; round++) {
        seed = mix(seed);
        int a = (int)(seed % NSLOTS), b = (int)((seed >> 16) % NSLOTS);
        node *n = table[a];
        if (n) {
            table[a] = n->next; /* n now only in a local */
            if ((seed >> 32) % 8 == 0) { /* replace n by a copy */
                node *c = pgc_alloc(sizeof *c);
                fill(c, n->value);
                memset(n, 0, sizeof *n); /* the old one is garbage, wipe it */
                n = c;
            }
            n->next = table[b];
            table[b] = n;
        }
        /* garbage, so that cycles keep starting */
        void *g = pgc_alloc(16 + (seed >> 40) % 200);
        ((void **)g)[0] = table[b];
        int mk = atomic_load_explicit(&pgc__marking, memory_order_relaxed), ph = pgc__test_phase();
        if (mk || (ph >= 1 && ph <= 3))
            atomic_store(&saw_marking, 1 + ph * 10 + mk * 100);
        if (round % 4096 == 0) {
            pgc_read_stats(&st);
            if (st.num_gc >= gc0 + MIN_CYCLES && round > 200000)
                break;
        }
    }
    uint64_t count = 0, sum2 = 0;
    for (int s = 0; s < NSLOTS; s++)
        for (node *n = table[s]; n; n = n->next) {
            check_node(n);
            count++;
            sum2 += n->value;
        }
    CHECK(count == NNODES, "table holds %llu nodes, want %d", (unsigned long long)count, NNODES);
    CHECK(sum2 == sum, "sum of values changed");
    pgc_read_stats(&st); /* the last cycle marked at least this thread's nodes */
    CHECK(st.heap_marked >= NNODES * sizeof(node), "marked %llu bytes",
          (unsigned long long)st.heap_marked);
    return NULL;
}

static void default_mode_child(void)
{
    unsetenv("PGC_BARRIER");
    pgc_init();
    pgc_stats st;
    pgc_read_stats(&st);
    _exit(st.barrier_mode == PGC_BARRIER_SATB ? 0 : 3);
}

static void run_mode_child(const char *self, const char *mode)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        setenv("PGC_BARRIER", mode, 1);
        setenv("PGC_NOBARRIER_CHILD", "1", 1);
        execl(self, self, (char *)NULL);
        _exit(127);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "PGC_BARRIER=%s: the run failed (status %d)", mode, status);
}

static int workload(void)
{
    pgc_init();
    pgc_stats st;
    pgc_read_stats(&st);
    const char *env = getenv("PGC_BARRIER");
    bool any = getenv("PGC_TEST_ANY_MODE") != NULL;
    if (!any && env && strcmp(env, "none-stw") == 0)
        CHECK(st.barrier_mode == PGC_BARRIER_NONE_STW, "mode %d", st.barrier_mode);
    if (!any)
        CHECK(st.barrier_mode == PGC_BARRIER_NONE_STW || st.barrier_mode == PGC_BARRIER_NONE_UFFD ||
                  st.barrier_mode == PGC_BARRIER_NONE_MPROTECT,
              "PGC_BARRIER=%s gave mode %d", env, st.barrier_mode);
    if (!any && env && strcmp(env, "none-mprotect") == 0)
        CHECK(st.barrier_mode == PGC_BARRIER_NONE_MPROTECT, "mode %d", st.barrier_mode);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pgc_pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0, "create");
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pgc_collect();
    pgc_read_stats(&st);
    CHECK(st.num_gc >= MIN_CYCLES, "only %llu cycles", (unsigned long long)st.num_gc);
    if (st.barrier_mode == PGC_BARRIER_NONE_STW)
        CHECK(!atomic_load(&saw_marking), "a mutator saw a cycle marking in mode none-stw (%d)",
              saw_marking);
    CHECK(st.pause_max_ns > 0 && st.pause_total_ns >= st.pause_max_ns, "pauses not recorded");
    printf("mode %s: %llu cycles, pause max %.3f ms, total %.1f ms\n",
           pgc_barrier_mode_name(st.barrier_mode), (unsigned long long)st.num_gc,
           st.pause_max_ns / 1e6, st.pause_total_ns / 1e6);
    return 0;
}

int main(void)
{
    if (getenv("PGC_NOBARRIER_CHILD"))
        return workload();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        default_mode_child();
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "without PGC_BARRIER the mode is not the barrier mode (status %d)", status);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    self[n] = 0;
    fflush(stdout);
    run_mode_child(self, "none-stw");
    run_mode_child(self, "none-mprotect");
    run_mode_child(self, "none");
    return 0;
}
