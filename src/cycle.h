/*
 * cycle.h - the coordinator: the schedule of cycles, triggers, admission, the pauses (cycle layer).
 */
#ifndef PGC_CYCLE_H
#define PGC_CYCLE_H

#include "internal.h"

typedef struct cycle_state {
    /* The coordinator's schedule (cycle.c). */
    pthread_mutex_t cycle_lock;  /* protects the fields below; never taken
                                    while the world is stopped (waiters
                                    hold it outside critical sections) */
    /* The coordinator sleeps on this futex word; anyone asking for a cycle
     * bumps it and wakes it. No lock: request_cycle runs inside critical
     * sections, where taking the cycle lock could wait on a stopped thread. */
    _Atomic uint32_t cycle_wake;
    pthread_cond_t done_cv;      /* pgc_collect waits for cycles */
    pthread_cond_t start_cv;     /* allocators past the trigger wait for marking */
    uint64_t cycles_started, cycles_swept;
    uint64_t forced_target;      /* run cycles until cycles_swept reaches it */
    _Atomic int start_requested; /* a trigger asked for a cycle (any thread, relaxed;
                                    ordered by the cycle_wake bump) */
    /* The coordinator is running a cycle (set when it decides to start
     * one, cleared when the cycle has swept; cycle lock). */
    bool coordinator_busy;
    /* Fork-prepare handlers in progress: the coordinator starts no cycle
     * while it is nonzero (cycle lock). */
    int fork_hold;
    /* Bytes of large allocations waiting in cycle_admit for the cycle
     * they trigger (added and removed by the waiters, read by the
     * coordinator's stale-trigger check; relaxed). */
    _Atomic uint64_t admit_pending;
} cycle_state;

extern PGC_INTERNAL_API cycle_state cycle_st;

PGC_INTERNAL_API void cycle_init(void);
PGC_INTERNAL_API void cycle_maybe_trigger(void);
PGC_INTERNAL_API void cycle_admit(uint64_t pending);
PGC_INTERNAL_API void pacer_publish_locked(void);
PGC_INTERNAL_API void cycle_fork_prepare(void);
PGC_INTERNAL_API void cycle_fork_parent(void);
PGC_INTERNAL_API void cycle_fork_child(void);
/* For control.c: ask the coordinator to look at its schedule (the caller
 * has raised forced_target or the trigger), wake allocators waiting for a
 * cycle to start so they re-check, and count waiters (test hooks). */
PGC_INTERNAL_API void cycle_wake_coordinator(void);
PGC_INTERNAL_API void cycle_broadcast_start(void);
PGC_INTERNAL_API int cycle_start_waiters(void);
PGC_INTERNAL_API int cycle_fork_waiters(void);

#endif
