// TEST-TIMEOUT: 150
// TEST-TSAN: yes
/* Thread churn: thousands of short-lived threads (a few hundred under
 * ThreadSanitizer, 1500 under AddressSanitizer) are created, allocate and exit while cycles run, with
 * every way a thread can be attached:
 *   kind 0  plain pthread_create, attached by its first pgc_alloc and
 *           detached by the key destructor at exit;
 *   kind 1  plain pthread_create, pgc_thread_attach ... pgc_thread_detach,
 *           and it also reads another thread's item out of the shared table;
 *   kind 2  pgc_pthread_create;
 *   kind 3  exits mid-cycle: allocates until it sees a cycle marking, then
 *           hands its item over (a barrier store while marking) and returns
 *           at once (half of them made by pgc_pthread_create, half
 *           auto-attached).
 * Every thread builds an item (a 3-node chain with atomic payloads), keeps
 * a private chain on its stack across its garbage, then stores the item into
 * a shared GC table with pgc_store under a mutex and exits: from then on the
 * table holds the only pointer. The main thread forces cycles with
 * pgc_collect between its batches.
 *
 * At the end: the table's running checksum matches its contents, every
 * handed-off item is reachable and intact, enough cycles ran, heap_marked
 * after a final full cycle lies between the live data and live + 8 MiB, no
 * thread is left attached but main (a further pgc_collect signals nobody:
 * main waits inside it and is claimed, so a leaked entry would be signalled),
 * and /proc/self/task holds no thread of the test's own but main.
 *
 * The program runs itself twice (fork + exec), once as is and once with
 * PGCDEBUG=gccheckmark=1, which verifies each concurrent mark with a
 * stop-the-world one. CHURN_THREADS overrides the thread count. */
#include "check.h"
#include "testutil.h"
#include "pacegc.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_TSAN
#define DEFAULT_THREADS 600
#define GARBAGE_BYTES (48 << 10)
#define MIN_CYCLES 5
#elif defined(UNDER_ASAN)
#define DEFAULT_THREADS 1500
#define GARBAGE_BYTES (96 << 10)
#define MIN_CYCLES 20
#else
#define DEFAULT_THREADS 4000
#define GARBAGE_BYTES (96 << 10)
#define MIN_CYCLES 20
#endif
#define SPAWNERS 2          /* main and one plain (unattached) thread */
#define BATCH 4             /* threads alive per spawner at a time */
#define COLLECT_EVERY 200   /* main forces a cycle after this many of its threads */
#ifdef UNDER_TSAN
#define SLOTS 256 /* fewer threads: still enough hand-offs to retire items */
#else
#define SLOTS 1024
#endif
#define RETIRED 256 /* replaced items move here (the last RETIRED of them) */
#define NODES 3
#define MIDCYCLE_BUDGET (2 << 20) /* kind 3 gives up waiting for a cycle after this */

typedef struct node {
    uint64_t id, check;
    struct node *next;
    unsigned char *payload; /* pgc_alloc_atomic, payload_len(id, i) bytes */
} node;

typedef struct table {
    uint64_t sum;   /* xor of mix(id) over the filled slots; table lock */
    uint64_t count; /* hand-offs so far; table lock */
    node *slot[SLOTS];
} table;

typedef struct box {
    node *item;
} box;

static table *shared;  /* a global: a root */
/* The last RETIRED items replaced in the table, each in a fresh box (a
 * global array: roots are snapshotted, its stores need no barrier). Table
 * lock. */
static box *retired[RETIRED];
static uint64_t rsum, rcount; /* xor of mix(id) over retired items; count; table lock */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int next_id;
static atomic_int nthreads;      /* total to create */
static atomic_int seen_marking;  /* kind 3 threads that handed off while marking */
static atomic_int created[4];

/* README rule 7: under TSan, a thread blocked in pthread_mutex_lock never
 * answers a stop while the holder is stopped; spin on trylock there. */
static void lock_table(void)
{
#ifdef UNDER_TSAN
    while (pthread_mutex_trylock(&table_lock) != 0)
        sched_yield();
#else
    pthread_mutex_lock(&table_lock);
#endif
}

static size_t payload_len(uint64_t id, int i) { return 16 + (size_t)(mix(id * 4 + (uint64_t)i) % 240); }

static node *make_chain(uint64_t id)
{
    node *head = NULL;
    for (int i = NODES - 1; i >= 0; i--) {
        node *n = pgc_alloc(sizeof *n);
        n->id = id;
        n->check = mix(id ^ (uint64_t)i);
        size_t len = payload_len(id, i);
        unsigned char *p = pgc_alloc_atomic(len);
        for (size_t k = 0; k < len; k++)
            p[k] = (unsigned char)(id + (uint64_t)i + k);
        n->payload = p; /* fresh objects: stores over NULL need no barrier */
        n->next = head;
        head = n;
    }
    return head;
}

/* Checks the chain and returns its bytes (pgc_size of every object). */
static size_t verify_chain(const node *n, uint64_t id, const char *what)
{
    size_t bytes = 0;
    for (int i = 0; i < NODES; i++, n = n->next) {
        CHECK(n != NULL, "%s %llu: chain cut at node %d", what, (unsigned long long)id, i);
        CHECK(pgc_base(n) == n, "%s %llu: node %d is not a live object", what, (unsigned long long)id, i);
        CHECK(n->id == id && n->check == mix(id ^ (uint64_t)i), "%s %llu: node %d overwritten (id %llu)",
              what, (unsigned long long)id, i, (unsigned long long)n->id);
        size_t len = payload_len(id, i);
        CHECK(pgc_base(n->payload) == n->payload && pgc_size(n->payload) >= len,
              "%s %llu: payload %d freed", what, (unsigned long long)id, i);
        for (size_t k = 0; k < len; k++)
            CHECK(n->payload[k] == (unsigned char)(id + (uint64_t)i + k), "%s %llu: payload %d byte %zu",
                  what, (unsigned long long)id, i, k);
        bytes += pgc_size(n) + pgc_size(n->payload);
    }
    CHECK(n == NULL, "%s %llu: chain too long", what, (unsigned long long)id);
    return bytes;
}

/* Store the item in its slot. The item it replaces moves into a fresh box
 * in the retired ring, whose oldest item becomes garbage. While a cycle
 * marks, the box is allocated black and never scanned, and the table may
 * not be scanned yet: only the deletion barrier on the slot keeps the moved
 * item alive (a plain store there fails this test under gccheckmark). */
static void hand_off(node *item)
{
    box *b = pgc_alloc(sizeof *b); /* outside the lock: allocation may wait */
    lock_table();
    node **slot = &shared->slot[item->id % SLOTS];
    node *old = *slot;
    if (old) {
        shared->sum ^= mix(old->id);
        box **r = &retired[rcount % RETIRED];
        if (*r)
            rsum ^= mix((*r)->item->id);
        b->item = old; /* a fresh object: a store over NULL */
        *r = b;
        rsum ^= mix(old->id);
        rcount++;
    }
    pgc_store((void **)slot, item);
    shared->sum ^= mix(item->id);
    shared->count++;
    pthread_mutex_unlock(&table_lock);
}

/* Garbage of mixed sizes, with now and then a large object. */
static void garbage(uint64_t id, size_t bytes)
{
    size_t done = 0;
    for (uint64_t i = 0; done < bytes; i++) {
        size_t sz = (i % 97 == 0) ? 40000 : 16 + (size_t)(mix(id + i) % 1024);
        char *g = (i & 1) ? pgc_alloc(sz) : pgc_alloc_atomic(sz);
        g[0] = (char)i;
        done += sz;
    }
}

static void work(uint64_t id, int kind)
{
    node *item = make_chain(id);
    node *mine = make_chain(id + 1000000000ull); /* private: only on this stack */
    if (kind == 3) {
        /* Wait for a cycle to be marking (allocating drives one), bounded. */
        size_t spent = 0;
        while (!PGC__MARKING() && spent < MIDCYCLE_BUDGET) {
            garbage(id + spent, 8 << 10);
            spent += 8 << 10;
        }
        bool marking = PGC__MARKING() != 0;
        hand_off(item);
        if (marking)
            atomic_fetch_add(&seen_marking, 1);
        return; /* exit now, mid-cycle: the detach happens while marking */
    }
    garbage(id, GARBAGE_BYTES);
    verify_chain(mine, id + 1000000000ull, "private chain");
    verify_chain(item, id, "item before hand-off");
    if (kind == 1) {
        /* Read someone else's item: the load puts it on this stack only. */
        lock_table();
        node *other = shared->slot[mix(id) % SLOTS];
        pthread_mutex_unlock(&table_lock);
        garbage(id ^ 0x55, 8 << 10);
        if (other)
            verify_chain(other, other->id, "item read from the table");
    }
    hand_off(item);
}

static void *run_kind0(void *arg) /* also kind 3, auto-attached */
{
    uint64_t id = (uintptr_t)arg >> 2;
    work(id, (int)((uintptr_t)arg & 3));
    return NULL;
}

static void *run_kind1(void *arg)
{
    pgc_thread_attach();
    work((uintptr_t)arg >> 2, 1);
    pgc_thread_detach();
    return NULL;
}

/* Creates BATCH threads, joins them, until nthreads are made in all. */
static void spawn_batches(bool forces_cycles)
{
    int made_here = 0;
    for (;;) {
        pthread_t th[BATCH];
        int n = 0;
        for (; n < BATCH; n++) {
            int id = atomic_fetch_add(&next_id, 1);
            if (id >= atomic_load(&nthreads))
                break;
            int kind = id % 4;
            void *arg = (void *)(((uintptr_t)id << 2) | (uintptr_t)kind);
            int err;
            if (kind == 0 || (kind == 3 && (id / 4) % 2 == 0))
                err = pthread_create(&th[n], NULL, run_kind0, arg);
            else if (kind == 1)
                err = pthread_create(&th[n], NULL, run_kind1, arg);
            else
                err = pgc_pthread_create(&th[n], NULL, run_kind0, arg);
            CHECK(err == 0, "cannot create thread %d: %s", id, strerror(err));
            atomic_fetch_add(&created[kind], 1);
        }
        for (int i = 0; i < n; i++)
            CHECK(pthread_join(th[i], NULL) == 0, "join");
        made_here += n;
        if (forces_cycles && made_here % COLLECT_EVERY < BATCH && n > 0)
            pgc_collect();
        if (n < BATCH)
            return;
    }
}

static void *spawner(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "churn-spawn");
    spawn_batches(false);
    return NULL;
}

/* Threads of this process named churn-* (the test's own), main excluded. */
static int own_threads_left(int *total)
{
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL, "cannot open /proc/self/task");
    int own = 0;
    *total = 0;
    struct dirent *e;
    pid_t me = getpid();
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        (*total)++;
        if (atoi(e->d_name) == me)
            continue;
        char path[300], comm[32] = { 0 };
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* exited meanwhile */
        if (fgets(comm, sizeof comm, f) && strncmp(comm, "churn-", 6) == 0) {
            fprintf(stderr, "thread %s (%s) is still running\n", e->d_name, comm);
            own++;
        }
        fclose(f);
    }
    closedir(d);
    return own;
}

static int churn(void)
{
    pgc_init();
    /* After pgc_init: the collector's threads keep the program's name (the
     * coordinator is made by init, the workers by the coordinator); every
     * thread of the test's own is named churn-*. */
    pthread_setname_np(pthread_self(), "churn-main");
    const char *env = getenv("CHURN_THREADS");
    atomic_store(&nthreads, env ? atoi(env) : DEFAULT_THREADS);
    int total = atomic_load(&nthreads);
    shared = pgc_alloc(sizeof *shared);
    pgc_stats s0;
    pgc_read_stats(&s0);

    pthread_t sp;
    CHECK(pthread_create(&sp, NULL, spawner, NULL) == 0, "spawner");
    spawn_batches(true);
    CHECK(pthread_join(sp, NULL) == 0, "join spawner");

    /* Every thread has exited: the table holds the only pointers. */
    pgc_collect();
    size_t live = pgc_size(shared);
    uint64_t sum = 0;
    int filled = 0;
    for (int i = 0; i < SLOTS; i++) {
        node *n = shared->slot[i];
        if (!n)
            continue;
        CHECK(n->id % SLOTS == (uint64_t)i, "slot %d holds item %llu", i, (unsigned long long)n->id);
        live += verify_chain(n, n->id, "handed-off item");
        sum ^= mix(n->id);
        filled++;
    }
    uint64_t rs = 0;
    int rfilled = 0;
    for (int i = 0; i < RETIRED; i++) {
        box *b = retired[i];
        if (!b)
            continue;
        CHECK(pgc_base(b) == b, "retired box %d freed", i);
        live += pgc_size(b) + verify_chain(b->item, b->item->id, "retired item");
        rs ^= mix(b->item->id);
        rfilled++;
    }
    uint64_t nretired = total > SLOTS ? (uint64_t)(total - SLOTS) : 0;
    CHECK(rcount == nretired, "%llu items retired, expected %llu", (unsigned long long)rcount,
          (unsigned long long)nretired);
    CHECK(rfilled == (int)(nretired < RETIRED ? nretired : RETIRED), "%d retired slots filled", rfilled);
    CHECK(rs == rsum, "retired checksum %#llx, contents %#llx", (unsigned long long)rsum,
          (unsigned long long)rs);
    CHECK(shared->count == (uint64_t)total, "%llu hand-offs, %d threads", (unsigned long long)shared->count,
          total);
    CHECK(filled == (total < SLOTS ? total : SLOTS), "%d slots filled, %d threads", filled, total);
    CHECK(sum == shared->sum, "table checksum %#llx, contents %#llx", (unsigned long long)shared->sum,
          (unsigned long long)sum);

    pgc_collect();
    pgc_stats s1;
    pgc_read_stats(&s1);
    uint64_t cycles = s1.num_gc - s0.num_gc;
    CHECK(cycles >= MIN_CYCLES, "only %llu cycles ran", (unsigned long long)cycles);
    CHECK(s1.num_forced_gc >= 2 + (uint64_t)total / SPAWNERS / COLLECT_EVERY / 2, "%llu forced cycles",
          (unsigned long long)s1.num_forced_gc);
    CHECK(s1.heap_marked >= live && s1.heap_marked <= live + (8u << 20),
          "heap_marked %llu, live data %zu", (unsigned long long)s1.heap_marked, live);
    CHECK(s1.heap_alloc >= s1.heap_marked && s1.heap_live >= s1.heap_marked,
          "heap_alloc %llu heap_live %llu below heap_marked %llu", (unsigned long long)s1.heap_alloc,
          (unsigned long long)s1.heap_live, (unsigned long long)s1.heap_marked);
    CHECK(s1.total_alloc >= (uint64_t)total * 8192, "total_alloc %llu", (unsigned long long)s1.total_alloc);
    CHECK(atomic_load(&seen_marking) > 0, "no kind-3 thread exited during a cycle");

    /* Only main is attached: a full cycle stops it (claimed, inside
     * pgc_collect) and signals no one. */
    pgc_stats s2;
    pgc_collect();
    pgc_read_stats(&s2);
    CHECK(s2.stops_signalled == s1.stops_signalled,
          "%llu threads signalled after every thread exited: a detached thread is still listed",
          (unsigned long long)(s2.stops_signalled - s1.stops_signalled));
    CHECK(s2.stops_claimed > s1.stops_claimed, "main was not stopped by the last cycle");
    int ntasks;
    CHECK(own_threads_left(&ntasks) == 0, "threads of the test still running");

    printf("%s: %d threads (kinds %d/%d/%d/%d, %d exited while marking), %llu cycles (%llu forced), "
           "heap_marked %llu for %zu live, %d tasks at the end\n",
           getenv("PGCDEBUG") ? getenv("PGCDEBUG") : "plain", total, atomic_load(&created[0]),
           atomic_load(&created[1]), atomic_load(&created[2]), atomic_load(&created[3]),
           atomic_load(&seen_marking), (unsigned long long)cycles, (unsigned long long)s1.num_forced_gc,
           (unsigned long long)s1.heap_marked, live, ntasks);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    if (getenv("CHURN_CHILD"))
        return churn();
    static const char *modes[] = { NULL, "gccheckmark=1" };
    for (int m = 0; m < 2; m++) {
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            setenv("CHURN_CHILD", "1", 1);
            if (modes[m])
                setenv("PGCDEBUG", modes[m], 1);
            execv("/proc/self/exe", argv);
            perror("execv");
            _exit(127);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the %s run failed (status %#x)",
              modes[m] ? modes[m] : "plain", status);
    }
    return 0;
}
