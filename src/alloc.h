/*
 * alloc.h - allocation: thread caches, central lists, large objects, the allocation accounting (allocation layer).
 */
#ifndef PGC_ALLOC_H
#define PGC_ALLOC_H

#include "internal.h"

typedef struct alloc_state {
    /* Central lists: per kind and class, in the kinds table (kinds.h);
     * large objects here. large_lock: taken by allocators (inside critical
     * sections), the sweeper and the coordinator with the world stopped
     * (INV-STW-LOCKS). */
    pthread_mutex_t large_lock;
    pgc_span *large[2];          /* large objects, indexed like pgc_central (large lock) */
    _Atomic uint64_t unswept;    /* spans left to sweep this cycle (set in pause #2, sweep.c counts down) */

    /* Accounting, relaxed atomics (statistics and pacing inputs): added by
     * allocation and sweeping, reset and read by the coordinator, read by
     * the statistics and the libgc.so.1 layer. */
    _Atomic uint64_t heap_live;  /* pacer's heapLive (set to the marked bytes at pause #2) */
    _Atomic uint64_t heap_alloc; /* stats heap_alloc */
    /* Peaks of heap_alloc, raised by the heap_grew hook (stats.c,
     * max_relaxed); cycle_alloc_peak is reset by the coordinator in pause
     * #1 and read in pause #2 into the cycle's record. */
    _Atomic uint64_t heap_alloc_peak;
    _Atomic uint64_t cycle_alloc_peak;
    _Atomic uint64_t total_alloc; /* bytes ever allocated (less unused cache tails) */
    _Atomic uint64_t heap_scan;  /* scannable bytes allocated (heapScan; reset at pause #2) */
    /* pgc_set_oom_handler writes; the allocation slow path reads (plain:
     * set rarely, before the allocations it is meant for). */
    pgc_oom_handler oom_handler;
} alloc_state;

extern PGC_INTERNAL_API alloc_state alloc_st;

PGC_INTERNAL_API void alloc_init(void);
PGC_INTERNAL_API void alloc_fork_child(void);
PGC_INTERNAL_API void cache_release_all(pgc_thread *t);
PGC_INTERNAL_API void cache_blacken_all(pgc_thread *t);
PGC_INTERNAL_API uint64_t cache_black_allocated(pgc_thread *t);
PGC_INTERNAL_API void *object_base(const void *p, pgc_span **span_out, uint32_t *idx_out);
PGC_INTERNAL_API void central_push(pgc_span **list, pgc_span *s);
PGC_INTERNAL_API pgc_span *central_pop(pgc_span **list);
/* What allocation needs from the layers above it: pacing (debt while
 * marking), the cycle (admission, INV-ADMIT; the trigger; a full collection
 * when the heap is exhausted), the thread list (attaching an unattached
 * allocating thread) and the statistics (the heap's peak). Registered once
 * by api.c inside ensure_init, before the first allocation; read-only after. */
typedef struct alloc_hooks {
    void (*charge)(pgc_thread *t, uint64_t bytes);
    void (*refund)(pgc_thread *t, int64_t bytes);
    void (*admit)(uint64_t pending);
    void (*maybe_trigger)(void);
    void (*collect)(void);
    pgc_thread *(*attach)(void);
    void (*heap_grew)(uint64_t heap_alloc);
} alloc_hooks;
PGC_INTERNAL_API void alloc_set_hooks(const alloc_hooks *h);


#endif
