/*
 * sweep.h - sweeping: sweep generations, lazy and background sweeping (allocation layer); its state is static in sweep.c.
 */
#ifndef PGC_SWEEP_H
#define PGC_SWEEP_H

#include "internal.h"

PGC_INTERNAL_API void sweep_init(void);
/* Time spent sweeping spans (estimated from samples, sweep.c), by attached threads / the coordinator. */
extern PGC_INTERNAL_API _Atomic uint64_t sweep_lazy_ns, sweep_bg_ns;
PGC_INTERNAL_API bool sweep_span(pgc_span *s, bool *freed);
PGC_INTERNAL_API pgc_span *sweep_span_take(pgc_span *s);
PGC_INTERNAL_API bool sweep_one(void);
PGC_INTERNAL_API void sweep_finish(void);
PGC_INTERNAL_API void sweep_start_cycle(void);
PGC_INTERNAL_API size_t sweep_large_until(size_t npages);

#endif
