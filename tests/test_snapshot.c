// TEST-ENV: PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_snapshot.c - marking relies on the root snapshot of pause #1 and the
 * write barrier, and on nothing else: pause #2 re-scans no stack.
 *
 * Each round runs one forced cycle (GOGC is off) held at its two test
 * points, and checks:
 *
 *  - hidden in a local (the barrier's job): at the snapshot a victim X (a
 *    chain of nodes with atomic payloads) is reachable only from a slot of
 *    a holder that a global points to. Held after pause #1 with marking
 *    held, X is still white; the main thread loads X into a local and
 *    clears the slot with pgc_store, so from then on the only reference is
 *    on its stack, which nobody scans again. Before termination X and its
 *    whole chain must be marked (the barrier recorded X), and after the
 *    cycle, further cycles and reallocation pressure it must be intact.
 *  - garbage of the snapshot (no re-scan): NGARB objects (each with a
 *    child) are dropped before the cycle starts; their addresses are kept
 *    only XOR-ed with a constant. After pause #1 one of them, Z, is
 *    revealed into a stack variable of the main thread, where it stays
 *    through pause #2. Before termination Z is white, and after the cycle
 *    every one of them, Z included, is freed: a stack word at pause #2 does
 *    not keep garbage of the snapshot alive (with the old INV-STACK-RESCAN
 *    pause #2 greyed Z and marking resumed, so Z survived).
 *
 * With PGCDEBUG=gccheckmark=1 (the runner sets it) every pause #2 also
 * verifies the mark: Z's address on the stack must not be reported (it is
 * garbage of pause #1, DESIGN.md "Checkmark"). And a lost X must be: the
 * test runs itself again ("lost" mode, gccheckmark on) with X moved by a
 * plain store, which the barrier does not see; that child must be aborted
 * by the checkmark at pause #2, reporting X's stack slot.
 *
 * One thread, attached, does everything; it waits for the collector only
 * inside the library (the test hooks, pgc_collect), where pauses claim it
 * without a signal.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

#define ROUNDS 6
#define CHAIN 32      /* nodes in the victim's chain */
#define NGARB 256     /* garbage objects per round */
#define PAYLOAD 96    /* atomic payload per node */
#define PRESSURE 40000
#define HIDE ((uintptr_t)0xc3a5000000000000ull) /* XOR: never a canonical address */
#define MAGIC 0x736e617073686f74ull

typedef struct node {
    uint64_t magic;
    uint64_t id;
    uint64_t check;
    struct node *next;
    struct node *slot;      /* holders: the reference the test moves */
    unsigned char *payload; /* atomic */
    uint64_t spare[2];
} node;

_Static_assert(sizeof(node) == 64, "node is 64 bytes");

static unsigned char pbyte(uint64_t id, size_t i) { return (unsigned char)(mix(id * 31 + i / 8) >> (8 * (i % 8))); }

/* ---- Driving the cycle ------------------------------------------------------------------ */

/* The main thread drives the cycle itself: every wait (for the held
 * coordinator, for a whole cycle) is a wait inside the library, where a
 * pause claims the thread without a signal (blocked regions, threads.c). */

/* Start a forced cycle and wait until it is held after pause #1, with no
 * grey object scanned yet. */
static void begin_held(void)
{
    pgc__test_hold_marking(1);
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held();
}

/* From AFTER_ROOTS, mark to the end and hold before pause #2. */
static void to_before_term(void)
{
    pgc__test_release();
    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
    pgc__test_hold_marking(0);
    pgc__test_wait_held();
}

/* Let pause #2 and the sweep of the held cycle run. pgc_collect returns
 * after one more full cycle, so the held one is over too. */
static void finish(void)
{
    pgc__test_release();
    pgc_collect();
}

/* ---- Objects ---------------------------------------------------------------------------- */

static node *new_node(uint64_t id)
{
    node *n = pgc_alloc(sizeof(node));
    CHECK(n != NULL, "pgc_alloc(%zu) returned NULL", sizeof(node));
    n->magic = MAGIC; /* fresh and zeroed: plain stores over NULL need no barrier */
    n->id = id;
    n->check = mix(id ^ MAGIC);
    unsigned char *p = pgc_alloc_atomic(PAYLOAD);
    CHECK(p != NULL, "pgc_alloc_atomic(%d) returned NULL", PAYLOAD);
    for (size_t i = 0; i < PAYLOAD; i++)
        p[i] = pbyte(id, i);
    n->payload = p;
    return n;
}

static node *new_chain(uint64_t id, int len)
{
    node *head = NULL;
    for (int i = len - 1; i >= 0; i--) {
        node *n = new_node(id + (uint64_t)i);
        n->next = head;
        head = n;
    }
    return head;
}

static void verify_node(const node *n, uint64_t id, const char *what)
{
    CHECK(n != NULL, "%s: node %llu is missing", what, (unsigned long long)id);
    CHECK(pgc_base(n) == n, "%s: node %llu at %p is no longer an allocated object", what,
          (unsigned long long)id, (const void *)n);
    CHECK(n->magic == MAGIC && n->id == id && n->check == mix(id ^ MAGIC),
          "%s: node %llu at %p was overwritten (freed and reused?)", what, (unsigned long long)id,
          (const void *)n);
    CHECK(pgc_base(n->payload) == n->payload, "%s: the payload of node %llu was freed", what,
          (unsigned long long)id);
    for (size_t i = 0; i < PAYLOAD; i++)
        CHECK(n->payload[i] == pbyte(id, i), "%s: payload byte %zu of node %llu overwritten", what, i,
              (unsigned long long)id);
}

static void verify_chain(const node *n, uint64_t id, int len, const char *what)
{
    for (int i = 0; i < len; i++, n = n->next)
        verify_node(n, id + (uint64_t)i, what);
    CHECK(n == NULL, "%s: the chain is longer than %d", what, len);
}

static int chain_marked(const node *n)
{
    int marked = 0;
    for (; n; n = n->next)
        marked += pgc__test_is_marked(n) == 1 && pgc__test_is_marked(n->payload) == 1;
    return marked;
}

/* Same-size objects filled with junk: a wrongly freed node would be reused
 * and overwritten. */
static NOINLINE void pressure(void)
{
    for (int i = 0; i < PRESSURE; i++) {
        node *g = pgc_alloc(sizeof(node));
        memset(g, 0xee, sizeof(node));
        unsigned char *p = pgc_alloc_atomic(PAYLOAD);
        memset(p, 0xdd, PAYLOAD);
    }
}


/* ---- One round -------------------------------------------------------------------------- */

static node *g_holder;           /* a global root: the holder of X */
static uintptr_t g_garb[NGARB];  /* garbage of the snapshot, hidden */

/* Everything that touches the addresses of X and of the garbage before the
 * cycle happens in here, never in the caller's frame. */
static NOINLINE void setup(uint64_t base)
{
    node *h = new_node(base);
    h->slot = new_chain(base + 1, CHAIN); /* X: reachable only through h->slot */
    g_holder = h;
    for (int i = 0; i < NGARB; i++) {
        node *z = new_node(base + 1000 + (uint64_t)i);
        z->next = new_node(base + 5000 + (uint64_t)i);
        g_garb[i] = (uintptr_t)z ^ HIDE; /* dropped: only this hidden copy is left */
    }
}

static NOINLINE int garbage_marked(void)
{
    int n = 0;
    for (int i = 0; i < NGARB; i++)
        n += pgc__test_is_marked((node *)(g_garb[i] ^ HIDE)) == 1;
    return n;
}

static NOINLINE int garbage_freed(void)
{
    int n = 0;
    for (int i = 0; i < NGARB; i++)
        n += pgc_base((void *)(g_garb[i] ^ HIDE)) == NULL;
    return n;
}

typedef struct outcome {
    int x_white; /* X was white when it was moved: the barrier was tested */
    int z_white; /* Z was white at the snapshot: the no-re-scan check was made */
} outcome;

static NOINLINE outcome round_(int r, node *volatile *x_local, node *volatile *z_local)
{
    uint64_t base = 100000 * (uint64_t)(r + 1);
    outcome o;
    setup(base);
    scrub();
    begin_held();

    /* After pause #1: the world runs, nothing is scanned yet. */
    CHECK(pgc__test_phase() == 2, "held after pause #1 but the phase is %d, not 2 (mark)", pgc__test_phase());
    CHECK(pgc__test_is_marked(g_holder) == 1, "the holder, which a global points to, was not greyed at pause #1");
    o.x_white = pgc__test_is_marked(g_holder->slot) == 0;
    o.z_white = pgc__test_is_marked((node *)(g_garb[0] ^ HIDE)) == 0;
    int garb0 = garbage_marked();
    /* Move X out of the heap: from now on its only reference is on this
     * stack, which nothing scans again in this cycle. */
    *x_local = g_holder->slot;
    pgc_store((void **)&g_holder->slot, NULL);
    CHECK(g_holder->slot == NULL, "pgc_store did not clear the slot");
    /* A word pointing to garbage of the snapshot appears on the stack. */
    *z_local = (node *)(g_garb[0] ^ HIDE);

    to_before_term();
    /* Marking is finished: X was marked through the barrier's record. */
    int marked = chain_marked(*x_local);
    CHECK(marked == CHAIN, "round %d: before pause #2 only %d of the %d nodes (and payloads) of X are marked, "
          "although X was moved out of the heap with pgc_store while marking", r, marked, CHAIN);
    if (o.z_white)
        CHECK(pgc__test_is_marked(*z_local) == 0, "round %d: Z, garbage at the snapshot, was marked although "
              "only a stack word written after pause #1 points to it", r);
    int garb1 = garbage_marked();

    finish();
    /* The cycle is over; its pause #2 found *x_local and *z_local on this
     * stack, and so did the next cycle's pause #1 (Z freed by then). */
    verify_chain(*x_local, base + 1, CHAIN, "X, kept only in a local since pause #1");
    verify_node(g_holder, base, "the holder");
    if (o.z_white)
        CHECK(pgc_base(*z_local) == NULL, "round %d: Z, garbage at the snapshot, survived the cycle because a "
              "stack word pointed to it at pause #2 (pause #2 must not re-scan stacks)", r);
    int freed = garbage_freed();
    CHECK(freed == NGARB - garb1, "round %d: %d of the %d objects that were garbage at the snapshot were freed, "
          "but %d were white before pause #2", r, freed, NGARB, NGARB - garb1);
    printf("round %d: X %s at the snapshot, %d/%d nodes marked by pause #2, intact after; garbage of the "
           "snapshot: %d grey at pause #1 (stale words), %d before pause #2, %d/%d freed; Z %s\n",
           r, o.x_white ? "white" : "grey", marked, CHAIN, garb0, garb1, freed, NGARB,
           !o.z_white ? "grey at the snapshot (inconclusive)" : "freed despite the stack word");
    *z_local = NULL;
    return o;
}

/* ---- The verifier sees a lost object ---------------------------------------------------- */

/* "lost" mode: X leaves the heap by a plain store, so the barrier never
 * records it and the concurrent mark leaves it white, while the only
 * reference is on this stack at pause #2. Exit 3 if X was grey at the
 * snapshot already (inconclusive); exit 0 if the checkmark let it pass. */
static NOINLINE int lost_mode(void)
{
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core); /* the abort is expected: no core file */
    pgc_init();
    pgc_set_gc_percent(-1);
    node *volatile x = NULL;
    setup(7000000);
    scrub();
    begin_held();
    if (pgc__test_is_marked(g_holder->slot) != 0)
        return 3;
    x = g_holder->slot;
    g_holder->slot = NULL; /* wrong on purpose: no barrier */
    to_before_term();
    finish(); /* pause #2: the checkmark must abort here */
    printf("lost mode: X at %p survived pause #2 unreported\n", (void *)x);
    return 0;
}

extern char **environ;

/* Run this program in "lost" mode with gccheckmark on; returns 1 once the
 * child was aborted with a checkmark failure naming a stack slot. */
static int verifier_catches_lost(int attempt)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = { "test_snapshot", "lost", NULL };
    /* the parent's environment, with PGCDEBUG replaced */
    static char *envp[256];
    int ne = 0;
    envp[ne++] = "PGCDEBUG=gccheckmark=1";
    for (char **e = environ; *e && ne < 255; e++)
        if (strncmp(*e, "PGCDEBUG=", 9) != 0)
            envp[ne++] = *e;
    envp[ne] = NULL;
    pid_t pid;
    int err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp);
    CHECK(err == 0, "cannot run the child: %s", strerror(err));
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    static char out[1 << 16];
    size_t n = 0;
    ssize_t k;
    while ((k = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = 0;
    close(fds[0]);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid failed");
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        return 0; /* inconclusive: X was grey at the snapshot */
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(out, "checkmark failure") &&
              strstr(out, "reached from the stack slot"),
          "attempt %d: an object lost by a missing barrier and held only on the stack was not reported by "
          "gccheckmark (child status %#x); its output:\n%s", attempt, st, out);
    return 1;
}

static node *kept[ROUNDS]; /* each round's X, in a global once its round is over */

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "lost") == 0)
        return lost_mode();
    pgc_init();
    pgc_set_gc_percent(-1); /* only the cycles this test forces */
    node *volatile x_local = NULL, *volatile z_local = NULL;
    int x_conclusive = 0, z_conclusive = 0;
    for (int r = 0; r < ROUNDS; r++) {
        outcome o = round_(r, &x_local, &z_local);
        x_conclusive += o.x_white;
        z_conclusive += o.z_white;
        kept[r] = x_local;
        x_local = NULL;
    }
    /* Every X survives later cycles under reallocation pressure. */
    for (int i = 0; i < 2; i++) {
        pressure();
        scrub();
        pgc_collect();
    }
    for (int r = 0; r < ROUNDS; r++)
        verify_chain(kept[r], 100000 * (uint64_t)(r + 1) + 1, CHAIN, "X, after pressure and two more cycles");
    CHECK(x_conclusive > 0, "in %d rounds X was always grey at the snapshot already (stale conservative "
          "words): the barrier was never tested", ROUNDS);
    CHECK(z_conclusive > 0, "in %d rounds Z was always grey at the snapshot already (stale conservative "
          "words): the absence of a re-scan was never tested", ROUNDS);
    int caught = 0, tries = 0;
    while (!caught && tries < 5)
        caught = verifier_catches_lost(tries++);
    CHECK(caught, "in %d runs of the lost mode X was always grey at the snapshot already", tries);
    printf("test_snapshot: %d rounds; X white at the snapshot in %d, Z in %d; gccheckmark reported the "
           "object lost by a missing barrier (attempt %d)\n", ROUNDS, x_conclusive, z_conclusive, tries);
    return 0;
}
