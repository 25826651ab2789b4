// TEST-TIMEOUT: 60
/*
 * test_dlopen - issue 8, suspected defect: "a thread that dlopens a library
 * and stores the only pointer to an object in its globals between the
 * data-segment listing and pause #1: the object is not scanned". Confirmed
 * and fixed (INV-SEGMENTS-AT-PAUSE, cycle.c): the listing and the pause
 * happen under the loader's lock, so such a dlopen waits for the pause.
 *
 * Forced: the coordinator is held after it lists the segments
 * (PGC_TEST_SEGMENTS_LISTED); a thread holding the only pointer to X in a
 * local dlopens build/tests/libdltest.so, stores X in its global, and wipes
 * its stack. Before the fix the dlopen finished inside the window and X was
 * freed by that cycle while the library's global still pointed to it. Now
 * the dlopen waits (the test sees the thread asleep, releases the hold),
 * X is on the stack at the snapshot, and it survives.
 *
 * Not under ThreadSanitizer: a thread waiting inside the dynamic loader
 * cannot take TSan's deferred stop signal.
 */
#include <pacegc.h>
#include "testhooks.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORDS 8
static char libpath[PATH_MAX];
static atomic_int go, entering, done, tid;
static void **slot;

static __attribute__((noinline)) void move_to_library(void)
{
    uint64_t *x = pgc_alloc(WORDS * sizeof *x);
    for (int i = 0; i < WORDS; i++)
        x[i] = mix((uint64_t)i + 1);
    while (!atomic_load(&go))
        sched_yield(); /* runnable, never asleep, until the window opens */
    atomic_store(&entering, 1);
    void *h = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL, "dlopen %s: %s", libpath, dlerror());
    slot = dlsym(h, "dltest_slot");
    CHECK(slot != NULL, "dlsym");
    *slot = x; /* a global: no barrier */
    x = NULL;
}

static void *mover(void *arg)
{
    (void)arg;
    atomic_store(&tid, (int)syscall(SYS_gettid));
    move_to_library();
    scrub(); /* no copy of X left on this stack or in registers */
    atomic_store(&done, 1);
    return NULL;
}

int main(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(n > 0, "readlink");
    exe[n] = 0;
    snprintf(libpath, sizeof libpath, "%s/libdltest.so", dirname(exe));
    pgc_init();
    pgc_set_gc_percent(-1); /* only the cycles this test starts */
    pthread_t t;
    CHECK(pgc_pthread_create(&t, NULL, mover, NULL) == 0, "create");
    while (atomic_load(&tid) == 0)
        sched_yield();

    pgc__test_hold_at(PGC_TEST_SEGMENTS_LISTED);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_SEGMENTS_LISTED);
    atomic_store(&go, 1);
    while (!atomic_load(&entering))
        sched_yield();
    /* Before the fix the mover finishes inside the window; with it, it
     * sleeps in the loader until the pause is over. */
    while (!atomic_load(&done) && task_state(atomic_load(&tid), NULL, 0) != 'S')
        sched_yield();
    int finished_in_window = atomic_load(&done);
    pgc__test_release();
    CHECK(pthread_join(t, NULL) == 0, "join");
    pgc_collect(); /* the held cycle has swept when this one ends */
    pgc_collect();

    uint64_t *x = *slot;
    CHECK(pgc_base(x) == x, "X, reachable only from the dlopened library, was freed (the dlopen %s "
                            "inside the window)", finished_in_window ? "finished" : "did not finish");
    for (int i = 0; i < WORDS; i++)
        CHECK(x[i] == mix((uint64_t)i + 1), "X was freed and reused: word %d is %#llx", i,
              (unsigned long long)x[i]);
    printf("ok: X survived; the dlopen %s\n",
           finished_in_window ? "finished inside the window" : "waited for the pause to end");
    return 0;
}
