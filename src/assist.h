/*
 * assist.h - assist credit and debt, the FIFO queue of parked debtors, background credit (pacing layer).
 */
#ifndef PGC_ASSIST_H
#define PGC_ASSIST_H

#include "internal.h"

typedef struct assist_state {
    /* assist_lock: the queue of parked debtors; taken by debtors parking
     * (outside critical sections), by credit flushes (workers, assisting
     * mutators) and by assist_wake_all (coordinator, world running). */
    pthread_mutex_t assist_lock;
    pgc_thread *aq_head, *aq_tail; /* FIFO of parked debtors (assist lock) */
    /* Scan work earned by workers, not yet spent: added by credit flushes,
     * taken by debtors (relaxed atomics; INV-AQ-SB orders the add against a
     * parking debtor's read); zeroed by the coordinator in pause #1. */
    _Atomic int64_t bg_credit;
    _Atomic uint64_t assist_epoch; /* cycle number, set in pause #1 (INV-ASSIST-STAMP) */
    /* CPU-ns of assists (assist.c adds; read by the coordinator per cycle,
     * by the limiter poll and the statistics), and wall ns debtors spent
     * blocked (parked for credit in assist.c, waiting in cycle_admit). */
    _Atomic uint64_t assist_ns, assist_blocked_ns;
    _Atomic int aq_head_hint;      /* queue non-empty: written under the assist
                                      lock, read relaxed by credit flushes (a
                                      stale 0 only sends credit to bg_credit,
                                      which debtors re-check after enqueueing) */
} assist_state;

extern PGC_INTERNAL_API assist_state assist_st;

PGC_INTERNAL_API void assist_charge(pgc_thread *t, uint64_t bytes);
PGC_INTERNAL_API void assist_refund(pgc_thread *t, int64_t bytes);
PGC_INTERNAL_API void assist_flush_bg_credit(uint64_t work);
PGC_INTERNAL_API void assist_wake_all(void);
PGC_INTERNAL_API void assist_thread_exit(pgc_thread *t);
PGC_INTERNAL_API void assist_fork_child(void);
PGC_INTERNAL_API void assist_work_published(bool may_block);
/* Test hooks: debtors parked now; the tids the last assist_wake_all woke, in order. */
PGC_INTERNAL_API int assist_test_parked(void);
PGC_INTERNAL_API int assist_test_wake_order(int *tids, int max);
PGC_INTERNAL_API void limiter_poll(uint64_t assist_ns, uint64_t idle_ns);

#endif
