/*
 * lifetimes.h - finalizers, weak links and ephemerons (lifetimes.c): the
 * hooks the marker, the cycle, checkmark and fork call.
 */
#ifndef PGC_LIFETIMES_H
#define PGC_LIFETIMES_H

#include "internal.h"


/* The marker traces ephemeron e (trace_object's eph callback). */
PGC_INTERNAL_API uint64_t life_mark_ephemeron(pgc_marker *m, uintptr_t e);
/* A marker newly set the mark bit of object idx of s (eph_active only). */
PGC_INTERNAL_API void life_newly_marked(pgc_marker *m, pgc_span *s, uint32_t idx);

/* At init: register the post-mark step, read PGC_FINALIZE. */
PGC_INTERNAL_API void lifetimes_init(void);
/* Pause #2, marking confirmed complete, world stopped: apply the decisions
 * (clear weak links and ephemerons, queue finalizers). Cheap: candidates
 * only. */
PGC_INTERNAL_API void lifetimes_pause2(void);
/* The final pause of a tracked barrier-free cycle, its mark complete: the
 * rest of the decision, a step a call (INV-LIFE-FINAL). True if it greyed. */
PGC_INTERNAL_API bool lifetimes_final_step(pgc_marker *m);
/* World running, after pause #2: reset per-cycle tables, wake the
 * finalizer thread. */
PGC_INTERNAL_API void lifetimes_after_cycle(void);
PGC_INTERNAL_API void lifetimes_fork_child(void);

/* Checkmark (world stopped): extra roots (registration data, queued
 * objects) as ROOT_OBJECT / ROOT_GLOBAL ranges, and every registered
 * finalizable object (fn(ctx, obj, obj, ROOT_OBJECT-like) for its fields). */
PGC_INTERNAL_API void lifetimes_check_roots(range_fn fn, void *ctx);
PGC_INTERNAL_API void lifetimes_check_finalizable(void (*fn)(void *ctx, uintptr_t obj), void *ctx);

/* For the bdwgc layer (src/bdwgc/finalize.c; see lifetimes.c). */
PGC_INTERNAL_API int pgc__link_register_raw(void **link, const void *obj, int long_link);
PGC_INTERNAL_API int pgc__link_unregister_raw(void **link, int long_link);
PGC_INTERNAL_API int pgc__link_move_raw(void **link, void **new_link, int long_link);
PGC_INTERNAL_API void pgc__register_finalizer_mode(void *obj, pgc_finalizer_fn fn, void *data, int mode,
                                                   const char *who, pgc_finalizer_fn *ofn, void **odata);
PGC_INTERNAL_API size_t pgc__finalizers_pending(void);
/* GC_call_with_alloc_lock: fn(cd) while no lifetimes decision can be taken
 * (INV-LIFE-CALL, lifetimes.c); callbacks are mutually exclusive. */
PGC_INTERNAL_API void *pgc__call_with_decision_blocked(void *(*fn)(void *), void *cd);


#endif
