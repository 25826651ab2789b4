/*
 * stats.h - statistics: counters, the cycle ring, gctrace, the CSV event log (cycle layer).
 */
#ifndef PGC_STATS_H
#define PGC_STATS_H

#include "internal.h"

typedef struct stats_state {
    /* Relaxed atomics unless noted: written by the coordinator at the end
     * of each cycle and by the workers (bg_ns, idle_ns), read by
     * pgc_read_stats, gctrace and the libgc.so.1 layer. */
    _Atomic uint64_t num_gc, num_forced_gc;
    _Atomic uint64_t pause_total_ns, pause_max_ns;
    uint64_t pause_ring[PGC_PAUSE_RING]; /* coordinator writes, stats lock */
    _Atomic uint64_t heap_marked;
    /* CPU of background workers (dedicated/fractional, and idle) and of
     * pauses (wall time x procs), added by workers.c and cycle.c. */
    _Atomic uint64_t bg_ns, idle_ns, stw_cpu_ns;
    /* bg_ns split by worker kind (workers.c adds both with bg_ns). */
    _Atomic uint64_t dedicated_ns, fractional_ns;
    /* The coordinator's thread CPU in cycles (run_cycle: from the start of
     * a cycle to the end of its sweep) and, of it, in pauses (from the stop
     * request to the world's release); cycle.c adds them. */
    _Atomic uint64_t coord_cpu_ns, coord_pause_cpu_ns;
    _Atomic uint64_t last_stack_scan, last_globals_scan;
    pthread_mutex_t stats_lock;
    pgc_cycle_info cycle_ring[256]; /* stats lock */
} stats_state;

extern PGC_INTERNAL_API stats_state stats_st;

PGC_INTERNAL_API void stats_init(void);
PGC_INTERNAL_API void stats_fork_child(void);
PGC_INTERNAL_API void stats_record_cycle(const pgc_cycle_info *ci, uint64_t heap0, uint64_t heap1,
                                         uint64_t clock_stw1, uint64_t clock_mark, uint64_t clock_stw2);
PGC_INTERNAL_API void stats_gclog(const char *event);
PGC_INTERNAL_API void stats_gclog_sample(void);
PGC_INTERNAL_API void note_heap_alloc(uint64_t now_alloc);
PGC_INTERNAL_API void stats_defer_line(const char *line);
PGC_INTERNAL_API void stats_flush_deferred(void);
/* Cycle events for an observer (the libgc.so.1 layer's
 * GC_set_on_collection_event), numbered as bdwgc's GC_EventType. The hook
 * is called on the coordinator thread, some events with the world stopped,
 * so it must not allocate or take locks a mutator may hold. Set before
 * init (relaxed: read by the coordinator, which init creates after). */
enum { CYCLE_EV_START = 0, CYCLE_EV_MARK_START = 1, CYCLE_EV_MARK_END = 2, CYCLE_EV_RECLAIM_START = 3,
       CYCLE_EV_RECLAIM_END = 4, CYCLE_EV_END = 5, CYCLE_EV_PRE_STOP_WORLD = 6,
       CYCLE_EV_POST_STOP_WORLD = 7, CYCLE_EV_PRE_START_WORLD = 8, CYCLE_EV_POST_START_WORLD = 9 };
extern PGC_INTERNAL_API void (*_Atomic pgc__cycle_event_hook)(int ev);
static inline void cycle_event(int ev)
{
    void (*h)(int) = load_relaxed(&pgc__cycle_event_hook);
    if (h)
        h(ev);
}


#endif
