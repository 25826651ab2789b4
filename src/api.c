/*
 * api.c - initialisation: every subsystem in layer order (pgc_init).
 */
#include "internal.h"
#include "lifetimes.h"
#include "heap.h"
#include "assist.h"
#include "mark.h"
#include "stats.h"
#include "cycle.h"
#include "alloc.h"
#include "threads.h"
#include "sweep.h"
#include "workers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* The layer wiring: the callbacks by which a lower layer reaches a higher
 * one (an allocation asks the pacing side for admission and debt, a
 * detaching thread hands over its debt, the marker wakes parked debtors and
 * finds ephemerons, checkmark finds the lifetimes' roots). Set here, inside
 * ensure_init, before any of them can run. */
static void wire_layers(void)
{
    static const alloc_hooks ah = {
        .charge = assist_charge,
        .refund = assist_refund,
        .admit = cycle_admit,
        .maybe_trigger = cycle_maybe_trigger,
        .collect = pgc_collect,
        .attach = thread_attach_auto,
        .heap_grew = note_heap_alloc,
    };
    alloc_set_hooks(&ah);
    threads_set_exit_hook(assist_thread_exit);
    mark_set_publish_hook(assist_work_published);
    mark_set_ephemeron_hooks(life_newly_marked, life_mark_ephemeron);
    checkmark_set_lifetimes_hooks(lifetimes_check_roots, lifetimes_check_finalizable);
}

static void init_all(void)
{
    int gogc;
    int64_t memlimit;
    G.init_ns = now_ns();
    options_init(&gogc, &memlimit);
    nobarrier_choose_mode(); /* PGC_BARRIER (parsed by options_init) */
    wire_layers();
    G.procs = os_procs();
    heap_init();
    nobarrier_init(); /* dirty-page tracking of the heap, if the mode uses it */
    alloc_init();
    mark_init();
    sweep_init();
    threads_init();
    pthread_mutex_init(&G.pacer_lock, NULL);
    pthread_mutex_init(&assist_st.assist_lock, NULL);
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

/* Registers init_all with once.c before the program's own constructors run
 * (priority 101 is the first one open to programs; a shared library's
 * constructors run before those of the objects that load it). */
__attribute__((constructor(101))) static void register_init(void)
{
    once_register_init(init_all);
}

void pgc_init(void)
{
    ensure_init();
    if (!pgc_self)
        thread_attach_auto();
}
