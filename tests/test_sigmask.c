// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/*
 * test_sigmask - issue 8, defect 4: the collector's own threads never take
 * a program's signals. The program initialises pacegc, then blocks SIGUSR1
 * in its threads and takes it with sigwait (the usual server design), and
 * sends itself process-directed SIGUSR1 while cycles run. Before the fix
 * the coordinator and the mark workers kept the creator's mask from before
 * the block, so the kernel delivered the signal to one of them and its
 * default action killed the process.
 */
#include <pacegc.h>
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int received;

static void *waiter(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) == 0 && sig == SIGUSR1) {
            if (atomic_fetch_add(&received, 1) + 1 == 50)
                return NULL;
        }
    }
}

int main(void)
{
    pgc_init();
    pgc_collect(); /* the coordinator and the workers exist now */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0, "block");
    pthread_t w;
    CHECK(pthread_create(&w, NULL, waiter, &set) == 0, "create");
    void *keep = NULL;
    for (int i = 0; i < 50; i++) {
        CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
        /* allocate (and collect) until the waiter has taken this one */
        while (atomic_load(&received) <= i) {
            void **p = pgc_alloc(64);
            p[0] = keep;
            keep = (i & 1) ? p : NULL;
            if (atomic_load(&received) <= i)
                pgc_collect();
        }
    }
    CHECK(pthread_join(w, NULL) == 0, "join");
    CHECK(atomic_load(&received) == 50, "received %d of 50", atomic_load(&received));

    /* Every thread of the process now blocks SIGUSR1: the program's threads
     * by their own choice, the collector's because they block everything. */
    printf("ok: 50 process-directed signals, all taken by sigwait\n");
    return 0;
}
