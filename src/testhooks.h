/*
 * testhooks.h - hooks that let tests drive the collector into exact states.
 * Exported from the library (so tests link against the real thing) but not
 * part of the API: names start with pgc__test_ and may change.
 */
#ifndef PGC_TESTHOOKS_H
#define PGC_TESTHOOKS_H

#include "pacegc.h"

enum pgc_test_point {
    PGC_TEST_NONE = 0,
    PGC_TEST_AFTER_ROOTS = 1,  /* pause #1 done, world running, marking about to go */
    PGC_TEST_BEFORE_TERM = 2,  /* marking quiescent, handshakes done, before pause #2 */
    PGC_TEST_TRIGGER_CHECK = 3, /* coordinator took a cycle request, before it checks it is stale */
    PGC_TEST_DETACH_UNLISTED = 4, /* a detaching thread gave its caches back, still listed */
    PGC_TEST_IN_PAUSE1 = 5,    /* pause #1, world stopped, roots not yet scanned (only an
                                  unattached thread may wait for it) */
    PGC_TEST_SEGMENTS_LISTED = 6, /* data segments listed for pause #1, world not yet stopped */
    PGC_TEST_DECIDED = 7,      /* post-mark step: weak/ephemeron decision published, before the
                                  finalizers' marking (world running) */
    PGC_TEST_BEFORE_POSTMARK = 8, /* marking quiescent, handshakes done, before the post-mark steps */
    PGC_TEST_READS_CLOSED = 9, /* post-mark step: weak loads and ephemeron reads now wait for the
                                  decision; before the handshake round that precedes it */
};

/* Hold the thread that reaches `point` (the coordinator, or for
 * PGC_TEST_DETACH_UNLISTED a detaching thread) until released; several
 * points may be held at once. */
PGC_API void pgc__test_hold_at(int point);
/* Block until some thread is held at any point held with hold_at. */
PGC_API void pgc__test_wait_held(void);
/* Block until a thread is held at `point`. */
PGC_API void pgc__test_wait_held_at(int point);
/* Let every held thread go on, and hold nowhere any more. */
PGC_API void pgc__test_release(void);
/* The same for one point only. */
PGC_API void pgc__test_release_at(int point);
/* Threads waiting for a cycle to start at the trigger's wait point. */
PGC_API int pgc__test_start_waiters(void);
/* Debtors parked on the assist queue now. */
PGC_API int pgc__test_assist_parked(void);
/* The threads (tids) the last end of marking woke from the assist queue, in
 * wake order, at most max of them; returns how many it woke (at most 16 kept). */
PGC_API int pgc__test_wake_order(int *tids, int max);
/* Set the stop epoch counter (to test its wrap-around). */
PGC_API void pgc__test_set_stop_epoch(uint64_t epoch);
/* Threads waiting in the fork-prepare handler for the cycle to end. */
PGC_API int pgc__test_fork_waiters(void);
/* Threads waiting in a weak load or ephemeron read for the decision. */
PGC_API int pgc__test_read_waiters(void);
/* Threads waiting to run a GC_call_with_alloc_lock callback (libgc.so.1). */
PGC_API int pgc__test_call_waiters(void);
/* 1 while the coordinator waits for a running GC_call_with_alloc_lock
 * callback before it takes the lifetimes decision. */
PGC_API int pgc__test_coordinator_call_waiting(void);
/* While on, no marker takes grey work and marking cannot terminate. */
PGC_API void pgc__test_hold_marking(int on);
/* Background workers sleep this long after each ~100 us slice. */
PGC_API void pgc__test_worker_slowdown_us(int us);
/* Start a cycle now without waiting for it. */
PGC_API void pgc__test_start_cycle(void);
/* Mark bit of the object p points into (1 marked, 0 not, -1 not an object). */
PGC_API int pgc__test_is_marked(const void *p);
/* Current phase: 0 off, 1 sweep termination, 2 mark, 3 mark termination, 4 sweep. */
PGC_API int pgc__test_phase(void);

#endif
