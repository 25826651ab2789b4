// TEST-TIMEOUT: 60
/*
 * test_stop_signals - issue 8, suspected defect: "the stop handler's empty
 * sa_mask lets a program handler run on a stopped thread while the
 * coordinator rewrites its barrier buffer and caches". Confirmed and fixed
 * (INV-STOPPED-NO-HANDLER): a thread that is stopped, by the signal or in a
 * blocked region, runs no program handler until the world restarts.
 *
 * Forced: the coordinator is held inside pause #1 (PGC_TEST_IN_PAUSE1,
 * world stopped); the unattached main thread sends SIGUSR2 to the stopped
 * thread and watches /proc: the signal must stay pending (before the fix the
 * program's handler ran at once, inside the pause). After the release the
 * handler runs.
 *
 * Not under ThreadSanitizer: it delivers signals at its own points.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int ran, stop, tid;

static void on_usr2(int sig)
{
    (void)sig;
    atomic_store(&ran, 1);
}

static void *mutator(void *arg)
{
    (void)arg;
    atomic_store(&tid, (int)syscall(SYS_gettid));
    void *keep = NULL;
    for (long i = 0; !atomic_load(&stop); i++) {
        void **p = pgc_alloc(32);
        p[0] = keep;
        keep = (i % 100) ? (void *)p : NULL;
    }
    return NULL;
}

/* Is sig pending for thread t (SigPnd of /proc/self/task/t/status)? */
static int pending(int t, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", t);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long long mask = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "SigPnd: %llx", &mask) == 1)
            break;
    fclose(f);
    return (mask >> (sig - 1)) & 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction");
    /* main stays unattached: a pause never stops it */
    pthread_t t;
    CHECK(pgc_pthread_create(&t, NULL, mutator, NULL) == 0, "create");
    while (atomic_load(&tid) == 0)
        sched_yield();
    for (int round = 0; round < 5; round++) {
        atomic_store(&ran, 0);
        pgc__test_hold_at(PGC_TEST_IN_PAUSE1);
        pgc__test_start_cycle();
        pgc__test_wait_held_at(PGC_TEST_IN_PAUSE1); /* the mutator is stopped now */
        CHECK(pthread_kill(t, SIGUSR2) == 0, "kill");
        while (!atomic_load(&ran) && !pending(atomic_load(&tid), SIGUSR2))
            sched_yield();
        CHECK(!atomic_load(&ran), "round %d: the program's handler ran on a stopped thread", round);
        pgc__test_release();
        while (!atomic_load(&ran))
            sched_yield(); /* delivered once the world restarts */
    }
    atomic_store(&stop, 1);
    CHECK(pthread_join(t, NULL) == 0, "join");
    printf("ok: 5 signals held pending while their thread was stopped, delivered after\n");
    return 0;
}
