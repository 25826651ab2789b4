/*
 * api.c - initialisation: every subsystem in layer order (pgc_init).
 */
#include "internal.h"
#include "lifetimes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pgc_globals G;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_all(void)
{
    int gogc;
    int64_t memlimit;
    G.init_ns = now_ns();
    options_init(&gogc, &memlimit);
    G.procs = os_procs();
    heap_init();
    nobarrier_init(); /* dirty-page tracking of the heap, if the mode uses it */
    alloc_init();
    mark_init();
    sweep_init();
    threads_init();
    pthread_mutex_init(&G.pacer_lock, NULL);
    pthread_mutex_init(&G.assist_lock, NULL);
    pgc_pacer_init(&G.pacer, gogc, memlimit);
    pgc_limiter_init(&G.limiter, (int64_t)G.init_ns, G.procs);
    pthread_mutex_lock(&G.pacer_lock);
    pgc_pacer_commit(&G.pacer, true, 0);
    pacer_publish_locked();
    pthread_mutex_unlock(&G.pacer_lock);
    stats_init();
    workers_init();
    lifetimes_init(); /* registers its post-mark step before the coordinator starts */
    cycle_init();
    fork_init();
}

void ensure_init(void)
{
    pthread_once(&init_once, init_all);
}

void pgc_init(void)
{
    ensure_init();
    if (!pgc_self)
        thread_attach_auto();
}
