// TEST-ENV: PGC_GOGC=off PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
/* test_finalize_unordered.c - unordered finalizers in every barrier mode
 * (a forked child each: barrier, none-uffd, none-mprotect, none-stw), on
 * demand, with plain pointer stores:
 *  - a chain of 10 unordered finalizable objects, each pointing to the
 *    next, is finalized whole by one cycle; each finalizer finds its object
 *    and the next one intact (fields kept for the finalizer) and its weak
 *    link already cleared (links are cleared before finalizers);
 *  - a chain of 3 ordered ones still goes at most one a cycle, head first;
 *  - (none-uffd, none-mprotect: INV-LIFE-UNORDERED) an unordered object
 *    whose only pointer is hidden while the cycle marks, and stored (plain
 *    store) into an already marked heap object after marking went
 *    quiescent (coordinator held at PGC_TEST_BEFORE_POSTMARK, so the object
 *    is unmarked when the decision is taken) is found reachable by the
 *    final pause and not finalized, in that cycle or the next, and is
 *    intact; once dropped it is finalized.
 */
#include "pacegc.h"
#include "check.h"
#include "testhooks.h"
#define PGC_TEST_NEED_MODE
#include "testutil.h" /* check_barrier_mode */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node {
    struct node *next;
    long tag;
} node;

static int fin_seen[16], fin_order[16], nfin;
static void **wlinks; /* a weak link to each chain node (malloc memory: not scanned) */
static void fin(void *obj, void *data)
{
    node *n = obj;
    long i = (long)(intptr_t)data;
    CHECK(pgc_weak_load(&wlinks[i]) == NULL, "finalizer %ld: its weak link still reads the object", i);
    CHECK(n->tag == 100 + i, "finalizer %ld: object damaged (tag %ld)", i, n->tag);
    if (n->next)
        CHECK(n->next->tag == 100 + i + 1, "finalizer %ld: the next object was freed", i);
    fin_seen[i]++;
    fin_order[nfin++] = (int)i;
}

static void *make_chain(void *arg)
{
    int ordered = (int)(intptr_t)arg, len = ordered ? 3 : 10;
    node *next = NULL;
    for (int i = len - 1; i >= 0; i--) {
        node *n = pgc_alloc(sizeof *n);
        n->tag = 100 + i;
        n->next = next;
        if (ordered)
            pgc_register_finalizer(n, fin, (void *)(intptr_t)i);
        else
            pgc_register_finalizer_unordered(n, fin, (void *)(intptr_t)i);
        pgc_register_weak_link(&wlinks[i], n);
        next = n;
    }
    return NULL;
}

static uintptr_t hidden_u;   /* ~U: not a pointer */
static node *holder;         /* a root */
static int u_fin;
static void fin_u(void *obj, void *data)
{
    (void)data;
    CHECK(((node *)obj)->tag == 777, "U damaged");
    u_fin++;
}
static void *make_u(void *arg)
{
    (void)arg;
    node *u = pgc_alloc(sizeof *u);
    u->tag = 777;
    pgc_register_finalizer_unordered(u, fin_u, NULL);
    hidden_u = ~(uintptr_t)u;
    return NULL;
}

static void on_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    CHECK(pgc_pthread_create(&t, NULL, fn, arg) == 0, "pgc_pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
}

/* Finalizers run on a thread that exits, so no stale word of theirs on
 * this thread's stack keeps the next object of a chain alive. */
static size_t ran_count;
static void *run_fins(void *arg)
{
    (void)arg;
    ran_count = pgc_run_finalizers();
    return NULL;
}
static size_t run_finalizers_elsewhere(void)
{
    on_thread(run_fins, NULL);
    return ran_count;
}

static void run_mode(const char *mode)
{
    setenv("PGC_BARRIER", mode, 1);
    pgc_init();
    check_barrier_mode(mode);
    pgc_set_finalize_on_demand(1);
    wlinks = calloc(16, sizeof *wlinks);

    on_thread(make_chain, (void *)0);
    pgc_collect();
    size_t ran = run_finalizers_elsewhere();
    CHECK(ran == 10, "%s: %zu of 10 unordered finalized by one cycle", mode, ran);
    for (int i = 0; i < 10; i++)
        CHECK(fin_seen[i] == 1, "%s: unordered %d ran %d times", mode, i, fin_seen[i]);

    memset(fin_seen, 0, sizeof fin_seen);
    nfin = 0;
    on_thread(make_chain, (void *)1);
    /* at most one a cycle, head first (a conservatively retained one may
     * take a cycle more) */
    for (int c = 0; c < 8 && nfin < 3; c++) {
        pgc_collect();
        int before = nfin;
        ran = run_finalizers_elsewhere();
        CHECK(ran <= 1, "%s: ordered: %zu ran in one cycle", mode, ran);
        if (ran)
            CHECK(fin_order[before] == before, "%s: ordered: object %d ran as number %d", mode, fin_order[before],
                  before);
    }
    CHECK(nfin == 3, "%s: ordered chain: %d of 3 finalized", mode, nfin);

    if (strcmp(mode, "none-uffd") == 0 || strcmp(mode, "none-mprotect") == 0) {
        holder = pgc_alloc(sizeof *holder);
        on_thread(make_u, NULL);
        pgc__test_hold_at(PGC_TEST_BEFORE_POSTMARK);
        pgc__test_start_cycle();
        pgc__test_wait_held_at(PGC_TEST_BEFORE_POSTMARK);
        CHECK(pgc__test_is_marked(holder) == 1, "the holder is marked");
        holder->next = (node *)~hidden_u; /* plain store into a marked object */
        CHECK(pgc__test_is_marked(holder->next) == 0, "U is unmarked when the decision comes");
        pgc__test_release();
        pgc_collect(); /* waits for that cycle, then runs one more */
        CHECK(run_finalizers_elsewhere() == 0 && u_fin == 0, "%s: reachable unordered object finalized", mode);
        CHECK(holder->next->tag == 777, "U freed");
        holder->next = NULL;
        pgc_collect();
        pgc_collect();
        run_finalizers_elsewhere();
        CHECK(u_fin == 1, "%s: U not finalized once dropped (%d)", mode, u_fin);
    }
    printf("ok: %s: unordered chain in one cycle, ordered one a cycle%s\n", mode,
           strcmp(mode, "none-uffd") == 0 || strcmp(mode, "none-mprotect") == 0
               ? ", an object found reachable by the final pause kept"
               : "");
}

int main(void)
{
    const char *modes[] = { "barrier", "none-uffd", "none-mprotect", "none-stw" };
    for (int m = 0; m < 4; m++) {
        fflush(stdout);
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
    return 0;
}
