/*
 * control.c - the program's controls of the collector (api layer):
 * pgc_collect, pgc_set_gc_percent, pgc_set_memory_limit, and the cycle's
 * test hooks. The coordinator and its pauses are cycle.c's; these only ask
 * it for cycles and change the pacer's settings.
 */
#include "internal.h"
#include "testhooks.h"
#include "alloc.h"
#include "assist.h"
#include "cycle.h"
#include "mark.h"
#include "stop.h"

static void collect_blocked(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&cycle_st.cycle_lock);
    uint64_t target = cycle_st.cycles_started + 1;
    if (cycle_st.forced_target < target)
        cycle_st.forced_target = target;
    cycle_wake_coordinator();
    while (cycle_st.cycles_swept < target)
        pthread_cond_wait(&cycle_st.done_cv, &cycle_st.cycle_lock);
    pthread_mutex_unlock(&cycle_st.cycle_lock);
}

void pgc_collect(void)
{
    ensure_init();
    thread_blocking(pgc_self, collect_blocked, NULL);
}

int pgc_set_gc_percent(int percent)
{
    ensure_init();
    pgc_thread *t = lib_enter_self();
    pthread_mutex_lock(&G.pacer_lock);
    int old = pgc_pacer_set_gc_percent(&G.pacer, percent);
    pgc_pacer_commit(&G.pacer, load_relaxed(&G.phase) == PHASE_OFF, load_relaxed(&alloc_st.heap_live));
    pacer_publish_locked();
    pthread_mutex_unlock(&G.pacer_lock);
    cycle_maybe_trigger();
    lib_leave_self(t);
    cycle_broadcast_start(); /* waiters re-check against the new trigger */
    return old;
}

int64_t pgc_set_memory_limit(int64_t bytes)
{
    ensure_init();
    pgc_thread *t = lib_enter_self();
    pthread_mutex_lock(&G.pacer_lock);
    int64_t old = pgc_pacer_set_memory_limit(&G.pacer, bytes);
    if (bytes >= 0) {
        pgc_pacer_commit(&G.pacer, load_relaxed(&G.phase) == PHASE_OFF, load_relaxed(&alloc_st.heap_live));
        pacer_publish_locked();
    }
    pthread_mutex_unlock(&G.pacer_lock);
    if (bytes >= 0)
        cycle_maybe_trigger();
    lib_leave_self(t);
    cycle_broadcast_start();
    return old;
}

/* ---- Test hooks of the cycle (the hold points are in testhooks.c) ------------------ */

void pgc__test_hold_marking(int on)
{
    store_relaxed(&mark_st.mark_hold, on);
    if (!on) {
        /* The pool lock is one the coordinator takes with the world stopped
         * (a handshake flushes barrier buffers into the pool): hold it only
         * inside a critical section, so a stop waits until it is released
         * (INV-STW-LOCKS). */
        pgc_thread *t = lib_enter_self();
        mark_wake_workers();
        pthread_mutex_lock(&mark_st.pool_lock);
        pthread_cond_broadcast(&mark_st.term_cv);
        pthread_mutex_unlock(&mark_st.pool_lock);
        lib_leave_self(t);
    }
}

void pgc__test_worker_slowdown_us(int us) { store_relaxed(&mark_st.worker_slowdown_us, us); }

void pgc__test_start_cycle(void)
{
    ensure_init();
    lock_stoppable(&cycle_st.cycle_lock);
    if (cycle_st.forced_target < cycle_st.cycles_started + 1)
        cycle_st.forced_target = cycle_st.cycles_started + 1; /* runs even below the trigger */
    cycle_wake_coordinator();
    pthread_mutex_unlock(&cycle_st.cycle_lock);
}

int pgc__test_is_marked(const void *p)
{
    pgc_span *s;
    uint32_t idx;
    if (!object_base(p, &s, &idx))
        return -1;
    return bit_test(s->mark_bits, idx);
}

int pgc__test_phase(void) { return load_relaxed(&G.phase); }

int pgc__test_start_waiters(void) { return cycle_start_waiters(); }
int pgc__test_assist_parked(void) { ensure_init(); return assist_test_parked(); }
int pgc__test_wake_order(int *tids, int max) { ensure_init(); return assist_test_wake_order(tids, max); }
int pgc__test_fork_waiters(void) { return cycle_fork_waiters(); }
