/*
 * mark.h - marking: mark bits, the pool of grey work packets, the drain (tracing layer).
 */
#ifndef PGC_MARK_H
#define PGC_MARK_H

#include "internal.h"

typedef struct mark_state {
    /* The pool of grey work packets (mark.c): the fields up to push_epoch
     * are written under pool_lock by markers (workers, assisting mutators,
     * the coordinator) and read under it, except the hinted atomics. */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cv;      /* workers wait for work or the mark phase */
    pthread_cond_t term_cv;      /* coordinator waits for quiescence */
    pgc_packet *full_packets;
    pgc_packet *empty_packets;
    uint64_t nfull;
    _Atomic int pool_waiters;    /* workers waiting: changed under the pool lock,
                                    read relaxed as a hint by balance() */
    _Atomic int active_markers;  /* markers holding local work (INV-QUIESCENT) */
    _Atomic uint64_t push_epoch; /* bumped on every push to the pool (under the
                                    pool lock); read by a parking debtor after
                                    the INV-AQ-WORK fence */
    /* Parked debtors that would mark (assist.c's queue): written under the
     * assist lock by assist.c, read relaxed by balance(), the workers and
     * the publish hook (INV-AQ-WORK). Here because the marker reads it. */
    _Atomic int aq_want_work;

    /* This cycle's counters: zeroed by the coordinator in pause #1, added by
     * markers (relaxed atomics; exact once marking has terminated), read by
     * the coordinator and the pacer's revisions. */
    _Atomic uint64_t marked_bytes;     /* bytes marked */
    _Atomic uint64_t black_exited;     /* black bytes of threads detached this cycle (threads.c) */
    _Atomic uint64_t heap_scan_work;   /* heap bytes scanned (mark_drain's returns) */
    uint64_t stack_scan_work;          /* stack bytes scanned (roots.c; coordinator only) */
    uint64_t globals_scan_work;        /* data-segment bytes scanned (roots.c; coordinator only) */
    /* Test hooks (pgc__test_*, cycle.c writes; relaxed reads): markers take
     * no work; workers sleep this long per slice. */
    _Atomic int mark_hold;
    _Atomic int worker_slowdown_us;

} mark_state;

extern PGC_INTERNAL_API mark_state mark_st;

PGC_INTERNAL_API void mark_init(void);
PGC_INTERNAL_API void mark_fork_child(void);
PGC_INTERNAL_API void marker_init(pgc_marker *m);
PGC_INTERNAL_API void marker_flush(pgc_marker *m);
PGC_INTERNAL_API void marker_flush_counters(pgc_marker *m);
PGC_INTERNAL_API void mark_candidate(pgc_marker *m, uintptr_t word);
PGC_INTERNAL_API void mark_push_rescan(pgc_marker *m, uintptr_t addr, uintptr_t len);
PGC_INTERNAL_API void mark_scan_range(pgc_marker *m, uintptr_t lo, uintptr_t hi);
/* Drain grey work until `budget` bytes of scan work are done, the deadline
 * (0: none) passes, the pool runs dry or marking is held. Returns the scan
 * work done; crediting it (assist.c's economy) is the caller's. */
PGC_INTERNAL_API uint64_t mark_drain(pgc_marker *m, uint64_t budget, uint64_t deadline_ns);
PGC_INTERNAL_API bool marker_begin_with_work(pgc_marker *m);
PGC_INTERNAL_API void marker_begin(void);
PGC_INTERNAL_API void marker_end(pgc_marker *m);
PGC_INTERNAL_API bool mark_pool_empty(void);
PGC_INTERNAL_API void mark_shade_buffer(pgc_marker *m, void **buf, uint32_t n);
PGC_INTERNAL_API void mark_wake_workers(void);
/* Set on background mark worker threads (never stopped, never in a critical
 * section): they may block on the assist lock when they publish work. */
extern PGC_INTERNAL_API __thread bool pgc__mark_worker;
/* 1 once any ephemeron exists (relaxed; written once by pgc_ephemeron_new,
 * lifetimes.c). The marker checks a newly set mark bit against the span's
 * eph_keys only when it is set, so programs without ephemerons pay one load
 * per newly marked object. Defined in mark.c, which reads it. */
extern PGC_INTERNAL_API _Atomic int pgc__eph_active;
/* Registered once by api.c inside ensure_init (the pacing layer sits above
 * this one): publish(may_block) runs after every push of grey work to the
 * pool (INV-IDLE-WORK: a parked debtor may mark it); newly_marked(m, s, idx)
 * after marking an object while ephemerons are pending (pgc__eph_active);
 * ephemeron(m, e) traces an ephemeron and returns its scan work. */
PGC_INTERNAL_API void mark_set_publish_hook(void (*publish)(bool may_block));
PGC_INTERNAL_API void mark_set_ephemeron_hooks(void (*newly_marked)(pgc_marker *m, pgc_span *s, uint32_t idx),
                                               uint64_t (*ephemeron)(pgc_marker *m, uintptr_t e));


#endif
