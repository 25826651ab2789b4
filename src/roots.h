/*
 * roots.h - the roots: registered ranges, data segments, stacks and TLS (tracing layer).
 */
#ifndef PGC_ROOTS_H
#define PGC_ROOTS_H

#include "internal.h"

typedef struct roots_state {
    /* roots_lock: held by pgc_add_roots/pgc_remove_roots (outside critical
     * sections, lock_stoppable), by the coordinator across the roots scan
     * and segment refresh of a pause, and by fork_prepare. */
    pthread_mutex_t roots_lock;
    /* Registered ranges [lo, hi): written under roots_lock by
     * pgc_add_roots/pgc_remove_roots; read under it by the root scans. The
     * array is replaced, never freed (metadata is never unmapped). */
    uintptr_t (*root_ranges)[2];
    size_t nroots, roots_cap;
    /* Cached writable data segments (minus pgc_state): written by
     * roots_refresh_segments (coordinator, roots_lock), read by the scans. */
    uintptr_t (*seg_ranges)[2];
    size_t nsegs, segs_cap;
} roots_state;

extern PGC_INTERNAL_API roots_state roots_st;

PGC_INTERNAL_API void roots_refresh_segments(void);
PGC_INTERNAL_API void roots_record_tls(pgc_thread *t);
PGC_INTERNAL_API void roots_mark_all(pgc_marker *m);
PGC_INTERNAL_API void roots_for_each(range_fn fn, void *ctx);
PGC_INTERNAL_API void roots_for_each_verify(range_fn fn, void *ctx);

#endif
